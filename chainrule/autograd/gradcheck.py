"""Finite-difference checks of analytical gradients (float64 central differences)."""

from __future__ import annotations

import warnings

import numpy as np

from .grad_mode import enable_grad, no_grad


class GradcheckError(RuntimeError):
    """Raised by gradcheck when the analytical and numerical Jacobians disagree."""


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _diff_inputs(inputs):
    from .._tensor import Tensor

    return [(i, t) for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _outputs(fn, inputs):
    from .._tensor import Tensor

    return [o for o in _as_tuple(fn(*inputs)) if isinstance(o, Tensor) and o._data.dtype.kind == "f"]


def _flat_outputs(fn, inputs):
    outs = _outputs(fn, inputs)
    return [o._data.astype(np.float64).ravel() for o in outs]


def _numerical_jacobians(fn, inputs, eps):
    """J[k][o]: d out_o / d input_k (rows: input elements, columns: output elements), central differences."""
    with no_grad():
        sizes = [o.size for o in _flat_outputs(fn, inputs)]
        jacs = []
        for _, t in _diff_inputs(inputs):
            if not t._data.flags.c_contiguous or not t._data.flags.writeable:
                t._data = np.ascontiguousarray(t._data).copy()
            flat = t._data.reshape(-1)  # a view: perturbing it perturbs the input
            per_out = [np.zeros((flat.size, n)) for n in sizes]
            for j in range(flat.size):
                orig = flat[j]
                flat[j] = orig + eps
                plus = _flat_outputs(fn, inputs)
                flat[j] = orig - eps
                minus = _flat_outputs(fn, inputs)
                flat[j] = orig
                for o, (p, m) in enumerate(zip(plus, minus)):
                    per_out[o][j] = (p - m) / (2 * eps)
            jacs.append(per_out)
    return jacs


def _analytical_jacobians(fn, inputs):
    """Same layout as the numerical one, one backward pass per output element."""
    from .. import autograd
    from .._tensor import Tensor

    diff = _diff_inputs(inputs)
    with enable_grad():
        outs = _outputs(fn, inputs)
    jacs = [[np.zeros((t._data.size, o._data.size)) for o in outs] for _, t in diff]
    for oi, o in enumerate(outs):
        if not o.requires_grad:
            continue
        for j in range(o._data.size):
            seed = np.zeros(o._data.shape, dtype=o._data.dtype)
            seed.reshape(-1)[j] = 1
            grads = autograd.grad(
                [o], [t for _, t in diff], [Tensor._make(seed, False, None, 0)], retain_graph=True, allow_unused=True
            )
            for k, gr in enumerate(grads):
                if gr is not None:
                    jacs[k][oi][:, j] = gr._data.ravel()
    return jacs


def gradcheck(
    func,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    fast_mode: bool = False,
    **kwargs,
) -> bool:
    """Compare backward's Jacobian with central finite differences; True, or GradcheckError / False.

    Inputs that require grad should be float64: float32 differences are too coarse and the check
    warns (as torch does).
    """
    inputs = _as_tuple(inputs)
    diff = _diff_inputs(inputs)
    for i, t in diff:
        if t._data.dtype != np.float64:
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. As a result, the "
                "finite-difference check is likely to fail; use .double() inputs.",
                UserWarning,
                stacklevel=2,
            )
    num = _numerical_jacobians(func, inputs, eps)
    ana = _analytical_jacobians(func, inputs)
    for (i, _), n_per_out, a_per_out in zip(diff, num, ana):
        for o, (n, a) in enumerate(zip(n_per_out, a_per_out)):
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                idx = np.unravel_index(np.argmax(np.abs(a - n)), a.shape)
                msg = (
                    f"Jacobian mismatch for output {o} with respect to input {i},\n"
                    f"numerical:{n}\nanalytical:{a}\n"
                    f"largest difference at (input element {idx[0]}, output element {idx[1]}): "
                    f"numerical {n[idx]:.6g} vs analytical {a[idx]:.6g}"
                )
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(
    func,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    **kwargs,
) -> bool:
    """gradcheck of the gradient itself: checks backward-of-backward (create_graph=True)."""
    from .. import autograd
    from .._tensor import Tensor

    inputs = _as_tuple(inputs)
    with enable_grad():
        outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [Tensor._make(rng.standard_normal(o._data.shape), False, None, 0).requires_grad_() for o in outs]
    grad_outputs = list(_as_tuple(tuple(grad_outputs)))
    n_in = len(inputs)
    diff_idx = [i for i, _ in _diff_inputs(inputs)]

    def first_grad(*args):
        ins, gos = args[:n_in], args[n_in:]
        with enable_grad():
            os_ = _outputs(func, ins)
            gs = autograd.grad(os_, [ins[i] for i in diff_idx], list(gos), create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(
        first_grad,
        tuple(inputs) + tuple(grad_outputs),
        eps=eps,
        atol=atol,
        rtol=rtol,
        raise_exception=raise_exception,
    )
