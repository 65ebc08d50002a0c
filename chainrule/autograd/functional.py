"""Higher-level derivatives of functions: jacobian, hessian, vjp, jvp, hvp, vhp (torch.autograd.functional).

All are built on ``autograd.grad``: a Jacobian is one reverse pass per output element, a
Jacobian-vector product is the derivative of a vector-Jacobian product (the double-backward
trick), so everything works to any order with ``create_graph=True``.
"""

from __future__ import annotations

from .grad_mode import enable_grad


def _as_tuple(x, what, fn_name):
    from .._tensor import Tensor

    single = isinstance(x, Tensor)
    xs = (x,) if single else tuple(x)
    for i, t in enumerate(xs):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"The {what} given to {fn_name} must be either a Tensor or a tuple of Tensors but the value at index "
                f"{i} has type {type(t).__name__}."
            )
    return single, xs


def _prepare_inputs(inputs, create_graph):
    # fresh leaves that require grad (sharing data) so the function's graph starts at them
    return tuple(t if (create_graph and t.requires_grad) else t.detach().requires_grad_(True) for t in inputs)


def _grad(outputs, inputs, grad_outputs, create_graph, strict, fn_name):
    from . import grad

    res = grad(outputs, inputs, grad_outputs, create_graph=create_graph, retain_graph=True, allow_unused=True)
    out = []
    for i, (r, x) in enumerate(zip(res, inputs)):
        if r is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. This is not allowed "
                    f"in strict mode ({fn_name})."
                )
            from .._creation import zeros_like

            r = zeros_like(x)
        out.append(r)
    return tuple(out)


def _maybe_detach(xs, create_graph):
    return xs if create_graph else tuple(x.detach() for x in xs)


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product at ``inputs``."""
    single_in, xs = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        xs = _prepare_inputs(xs, create_graph)
        outs = func(*xs)
        single_out, os_ = _as_tuple(outs, "outputs of the user-provided function", "vjp")
        if v is None:
            if len(os_) != 1 or os_[0].numel() != 1:
                raise RuntimeError(
                    "The vector v can only be None if the user-provided function returns a single Tensor with a "
                    "single element."
                )
            vs = (None,)
        else:
            _, vs = _as_tuple(v, "v", "vjp")
        res = _grad(os_, xs, list(vs), create_graph, strict, "vjp")
    outs = _maybe_detach(os_, create_graph)
    res = _maybe_detach(res, create_graph)
    return (outs[0] if single_out else outs), (res[0] if single_in else res)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, as the derivative of a vjp with respect to its vector."""
    from .._creation import zeros_like

    single_in, xs = _as_tuple(inputs, "inputs", "jvp")
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
        from .._creation import ones_like

        vs = (ones_like(xs[0]),)
    else:
        _, vs = _as_tuple(v, "v", "jvp")
    with enable_grad():
        xs = _prepare_inputs(xs, create_graph)
        outs = func(*xs)
        single_out, os_ = _as_tuple(outs, "outputs of the user-provided function", "jvp")
        us = tuple(zeros_like(o).requires_grad_(True) for o in os_)
        g = _grad(os_, xs, list(us), True, strict, "jvp")
        res = _grad(g, us, list(vs), create_graph, strict, "jvp")
    outs = _maybe_detach(os_, create_graph)
    res = _maybe_detach(res, create_graph)
    return (outs[0] if single_out else outs), (res[0] if single_out else res)


def jacobian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    strategy: str = "reverse-mode",
):
    """d func(inputs) / d inputs, shaped output.shape + input.shape (nested tuples for several of either)."""
    from .._creation import zeros, zeros_like
    from ..ops import stack

    single_in, xs = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        xs = _prepare_inputs(xs, create_graph)
        outs = func(*xs)
        single_out, os_ = _as_tuple(outs, "outputs of the user-provided function", "jacobian")
        jac = []
        for o in os_:
            rows = [[] for _ in xs]
            flat = o.reshape(-1)
            for j in range(flat.numel()):
                if o.requires_grad:
                    gs = _grad((flat[j],), xs, None, create_graph, strict, "jacobian")
                else:
                    if strict:
                        raise RuntimeError("Output of the user-provided function does not require gradients.")
                    gs = tuple(zeros_like(x) for x in xs)
                for k, g in enumerate(gs):
                    rows[k].append(g)
            per_in = []
            for k, x in enumerate(xs):
                if rows[k]:
                    j_k = stack(rows[k]).reshape(tuple(o.shape) + tuple(x.shape))
                else:  # an output with no elements
                    j_k = zeros(tuple(o.shape) + tuple(x.shape), dtype=x.dtype)
                per_in.append(j_k if create_graph else j_k.detach())
            jac.append(tuple(per_in))
    if single_out:
        return jac[0][0] if single_in else jac[0]
    return tuple(j[0] for j in jac) if single_in else tuple(jac)


def hessian(
    func,
    inputs,
    create_graph: bool = False,
    strict: bool = False,
    vectorize: bool = False,
    outer_jacobian_strategy: str = "reverse-mode",
):
    """Second derivatives of a scalar function: input.shape + input.shape (nested tuples for several inputs)."""
    single_in, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*ys):
        with enable_grad():
            out = func(*ys)
            _, os_ = _as_tuple(out, "outputs of the user-provided function", "hessian")
            if len(os_) != 1 or os_[0].numel() != 1:
                raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
            g = _grad(os_, ys, None, True, strict, "hessian")
        return g[0] if single_in else g

    return jacobian(gradient, xs[0] if single_in else xs, create_graph=create_graph, strict=strict)


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H) for a scalar function."""
    single_in, xs = _as_tuple(inputs, "inputs", "vhp")
    _, vs = _as_tuple(v, "v", "vhp")
    with enable_grad():
        xs = _prepare_inputs(xs, create_graph)
        out = func(*xs)
        _, os_ = _as_tuple(out, "outputs of the user-provided function", "vhp")
        if len(os_) != 1 or os_[0].numel() != 1:
            raise RuntimeError("The function given to vhp should return a single Tensor with a single element")
        g = _grad(os_, xs, None, True, strict, "vhp")
        res = _grad(g, xs, list(vs), create_graph, strict, "vhp")
    out = os_[0] if create_graph else os_[0].detach()
    res = _maybe_detach(res, create_graph)
    return out, (res[0] if single_in else res)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a scalar function (H is symmetric, so this equals vhp)."""
    return vhp(func, inputs, v, create_graph=create_graph, strict=strict)


__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]
