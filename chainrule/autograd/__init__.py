"""Reverse-mode automatic differentiation: backward(), grad(), Function, grad modes, checks."""

from __future__ import annotations

from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .function import Function, once_differentiable
from .gradcheck import gradcheck, gradgradcheck
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled


def _make_grads(tensors, grad_tensors, is_grads_batched=False):
    from .._tensor import Tensor

    out = []
    for t, g in zip(tensors, grad_tensors):
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs (got a tensor of shape "
                    f"{list(t.shape)}). Reduce it first, e.g. loss.sum() or loss.mean(), or pass the "
                    f"gradient explicitly: tensor.backward(gradient=torch.ones_like(tensor))."
                )
            if t._data.dtype.kind != "f":
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs but got {t.dtype}")
            from ..backend import xp

            g = Tensor._make(xp.ones(t._data.shape, dtype=t._data.dtype), False, None, 0)
        else:
            if not isinstance(g, Tensor):
                from .._creation import tensor

                g = tensor(g, dtype=t.dtype)
            if g._data.shape != t._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] has a shape of "
                    f"{t.shape}."
                )
        out.append(g)
    return out


def _seq(x):
    from .._tensor import Tensor

    if isinstance(x, Tensor):
        return [x]
    return list(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the ``.grad`` of every leaf that requires grad."""
    tensors = _seq(tensors)
    if grad_tensors is None:
        grad_tensors = [None] * len(tensors)
    else:
        grad_tensors = _seq(grad_tensors) if not isinstance(grad_tensors, (list, tuple)) else list(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grad_tensors)
    if inputs is not None:
        inputs = _seq(inputs)
        res = run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True)
        from .engine import _accumulate
        from .function import AccumulateGrad

        for x, g in zip(inputs, res):
            if g is not None:
                if x._accum is None:
                    x._accum = AccumulateGrad(x)
                _accumulate(x._accum, g, create_graph)
        return
    run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
         allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` with respect to ``inputs``, returned (no ``.grad`` is touched)."""
    outputs = _seq(outputs)
    single = not isinstance(inputs, (list, tuple))
    inputs = _seq(inputs)
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    else:
        grad_outputs = _seq(grad_outputs) if not isinstance(grad_outputs, (list, tuple)) else list(grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    for o in outputs:
        if not o._rg:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
    grads = _make_grads(outputs, grad_outputs)
    res = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, allow_unused=allow_unused,
                       accumulate=False)
    if materialize_grads:
        from .._creation import zeros_like

        res = tuple(r if r is not None else zeros_like(x) for r, x in zip(res, inputs))
    return res


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
    "Function", "once_differentiable", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
    "inference_mode", "is_grad_enabled", "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
    "gradcheck", "gradgradcheck", "Variable",
]
