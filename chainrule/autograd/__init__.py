"""Reverse-mode automatic differentiation: backward(), grad(), Function, grad modes, checks."""

from __future__ import annotations

from ..backend import xp
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradgradcheck


def _make_grads(tensors, grad_tensors):
    from .._tensor import Tensor

    out = []
    for i, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (got a tensor of shape "
                    f"{list(t._data.shape)}). Reduce it first, e.g. loss.sum() or loss.mean(), or pass the "
                    "gradient explicitly: tensor.backward(gradient=torch.ones_like(tensor))."
                )
            if t._data.dtype.kind != "f":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
            g = Tensor._make(xp.ones(t._data.shape, dtype=t._data.dtype), False, None, 0)
        else:
            if not isinstance(g, Tensor):
                from .._creation import tensor

                g = tensor(g, dtype=t.dtype)
            if g._data.shape != t._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a shape of "
                    f"{t.shape}."
                )
            if g._data.dtype != t._data.dtype:
                g = Tensor._make(g._data.astype(t._data.dtype), False, None, 0) if not g._rg else g.to(t.dtype)
        out.append(g)
    return out


def _seq(x):
    from .._tensor import Tensor

    if isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(
    tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None, inputs=None
) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of every leaf that requires grad.

    ``inputs`` restricts accumulation to those tensors (leaves or not).
    """
    tensors = _seq(tensors)
    if grad_tensors is None:
        grad_tensors = grad_variables
    grad_tensors = [None] * len(tensors) if grad_tensors is None else _seq(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors)
    if inputs is not None:
        inputs = _seq(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        res = run_backward(
            tensors, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True, accumulate=False
        )
        from .engine import _accumulate, _leaf_node

        for x, g in zip(inputs, res):
            if g is not None:
                _accumulate(_leaf_node(x), g, create_graph)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph=None,
    create_graph=False,
    only_inputs=True,
    allow_unused=None,
    is_grads_batched=False,
    materialize_grads=False,
):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (no ``.grad`` is touched)."""
    if is_grads_batched:
        raise NotImplementedError(
            "autograd.grad(is_grads_batched=True) is not supported; loop over the batch of grad_outputs, or use "
            "autograd.functional.jacobian"
        )
    outputs = _seq(outputs)
    inputs = _seq(inputs)
    grad_outputs = [None] * len(outputs) if grad_outputs is None else _seq(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(
            "Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False."
        )
    for i, o in enumerate(outputs):
        if not o._rg:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn. Common causes: the "
                "computation ran under no_grad()/inference_mode(); the value passed through .item(), .numpy(), "
                ".tolist() or .detach(); or no parameter or input had requires_grad=True."
            )
    grads = _make_grads(outputs, grad_outputs)
    res = run_backward(
        outputs, grads, retain_graph, create_graph, inputs=inputs, allow_unused=allow_unused, accumulate=False
    )
    res = _unaliased(res, grads)
    if materialize_grads:
        from .._creation import zeros_like

        res = tuple(r if r is not None else zeros_like(x) for r, x in zip(res, inputs))
    return res


def _unaliased(res, grad_outputs) -> tuple:
    """Returned gradients share no memory with each other or with ``grad_outputs``, so changing one in
    place cannot change another (the engine hands one gradient to several inputs, e.g. both sides of a + b)."""
    from .._tensor import Tensor

    seen = {id(_root(g._data)) for g in grad_outputs}
    out = []
    for r in res:
        if r is not None:
            key = id(_root(r._data))
            if key in seen:
                r = r.clone() if r._rg else Tensor._make(r._data.copy(), False, None, 0)
                key = id(r._data)
            seen.add(key)
        out.append(r)
    return tuple(out)


def _root(a):
    """The array that owns a view's memory."""
    while isinstance(a.base, xp.ndarray):
        a = a.base
    return a


def __getattr__(name):
    if name == "functional":
        import importlib

        return importlib.import_module(".functional", __name__)
    raise AttributeError(name)


class Variable:
    def __new__(cls, data, requires_grad=False):
        from .._creation import as_tensor

        t = as_tensor(data)
        if requires_grad:
            t.requires_grad_()
        return t


__all__ = [
    "Function",
    "once_differentiable",
    "backward",
    "grad",
    "no_grad",
    "enable_grad",
    "set_grad_enabled",
    "inference_mode",
    "is_grad_enabled",
    "detect_anomaly",
    "set_detect_anomaly",
    "is_anomaly_enabled",
    "gradcheck",
    "gradgradcheck",
    "Variable",
]
