"""Shared pieces of the optimizers: torch-ordered numeric kernels (addcmul, addcdiv, fused axpy) and the scalar-state
helpers of those in ``_more.py``, ``_more2.py`` and ``_lbfgs.py``."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.linalg import blas as _blas

from .. import _dtype
from .._tensor import Tensor

_AXPY = {np.dtype(np.float32): _blas.saxpy, np.dtype(np.float64): _blas.daxpy}
_CAPTURABLE_DEVICES = "['cuda', 'xpu', 'hpu', 'privateuseone', 'xla']"


def _scalar_np_dtype() -> type:
    """torch's ``_get_scalar_dtype()``: float64 under a float64 default dtype, else float32."""
    return np.float64 if _dtype.get_default_dtype() is _dtype.float64 else np.float32


def _new_scalar(value: float) -> Tensor:
    """A 0-d state tensor (``step``, ``mu_product``, ``eta``, ``mu``) of torch's scalar dtype."""
    return Tensor._make(np.array(value, dtype=_scalar_np_dtype()), False, None, 0)


def _as_scalar_state(state: dict, key: str) -> Tensor:
    """``state[key]`` as a 0-d tensor (checkpoints from old torch versions stored plain numbers)."""
    v = state[key]
    if not isinstance(v, Tensor):
        v = state[key] = _new_scalar(float(v))
    return v


_FLAGS = (("foreach", None), ("maximize", False), ("differentiable", False), ("capturable", False))


def _scalar_states(*keys: str):
    """An ``_upgrade_state``: the ``keys`` present in a parameter's state become 0-d scalar tensors."""

    def upgrade(state: dict) -> None:
        for key in keys:
            if key in state:
                _as_scalar_state(state, key)

    return staticmethod(upgrade)


def _bump(state: dict) -> float:
    """``step += 1`` on the 0-d step tensor; the new count as a Python float (torch's ``_get_value``)."""
    st = _as_scalar_state(state, "step")
    st._data += 1
    return st._data.item()


def _init_state(opt, p: Tensor, **init) -> dict:
    """``opt.state[p]``, filled on first use in ``init``'s order: a number becomes a 0-d scalar tensor, a callable
    of ``p`` gives the tensor itself."""
    state = opt.state[p]
    if len(state) == 0:
        for key, value in init.items():
            state[key] = value(p) if callable(value) else _new_scalar(value)
    return state


def _check_step_flags(p: Tensor, group: dict[str, Any], what: str, devices: str = _CAPTURABLE_DEVICES) -> None:
    """Raise as torch does on CPU for ``capturable=True`` and for ``differentiable=True`` on a leaf parameter."""
    if group.get("capturable", False):
        raise AssertionError(f"If capturable=True, {what} must be on supported devices: {devices}.")
    if group.get("differentiable", False) and p._rg:
        if p.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        raise RuntimeError(
            "differentiable=True optimizer steps through the autograd graph of a non-leaf parameter are not "
            "supported: the update is computed in place on the parameter's array"
        )


def _addcmul_(a: np.ndarray, b: np.ndarray, c: np.ndarray, value: float, tmp: np.ndarray) -> None:
    """a <- a + value * b * c (torch's addcmul_ order: (value*b)*c, then the sum)."""
    np.multiply(b, a.dtype.type(value), out=tmp)
    np.multiply(tmp, c, out=tmp)
    np.add(a, tmp, out=a)


def _addcdiv_(a: np.ndarray, b: np.ndarray, c: np.ndarray, value: float, tmp: np.ndarray) -> None:
    """a <- a + value * b / c (torch's addcdiv_ order: (value*b)/c, then the sum)."""
    np.multiply(b, a.dtype.type(value), out=tmp)
    np.divide(tmp, c, out=tmp)
    np.add(a, tmp, out=a)


def _axpy_(a: np.ndarray, b: np.ndarray, alpha: float) -> None:
    """a <- a + alpha*b rounded once, as torch's vectorised ``add_(b, alpha=...)`` (a fused multiply-add).

    BLAS axpy fuses the same way (alpha cast to a's dtype first, as torch does), so results match torch's bits.
    """
    fn = _AXPY.get(a.dtype)
    if fn is not None and b.dtype == a.dtype and a.flags.c_contiguous and 0 < a.size < 2**31:
        flat = a.reshape(-1)
        out = fn(np.ascontiguousarray(b).reshape(-1), flat, a=alpha)
        if out is not flat:
            np.copyto(flat, out)
    elif a.dtype == np.float32:
        # the product of two float32 values is exact in float64, so one rounding remains
        wide = np.multiply(b, np.float64(np.float32(alpha)), out=np.empty(a.shape, np.float64))
        np.add(wide, a, out=wide)
        np.copyto(a, wide, casting="same_kind")
    else:
        a += np.multiply(b, a.dtype.type(alpha))


def _decayed_grad(p: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool) -> np.ndarray:
    """``(-grad if maximize else grad).add(p, alpha=weight_decay)`` as torch rounds it; never writes into ``grad``."""
    if weight_decay == 0:
        return np.negative(grad, out=np.empty_like(grad)) if maximize else grad
    g = np.negative(grad, out=np.empty_like(grad)) if maximize else np.array(grad, copy=True)
    _axpy_(g, p, weight_decay)
    return g
