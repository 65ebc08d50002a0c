"""Shared pieces of the optimizers in ``_more.py``, ``_more2.py`` and ``_lbfgs.py``."""

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


def _upgrade_groups(opt, keys: tuple[tuple[str, Any], ...], scalar_keys: tuple[str, ...] = ("step",)) -> None:
    """``__setstate__`` body: fill group options missing from old checkpoints, make scalar state tensors."""
    for group in opt.param_groups:
        for key, default in keys:
            group.setdefault(key, default)
        for p in group["params"]:
            st = opt.state.get(p)
            if st:
                for key in scalar_keys:
                    if key in st:
                        _as_scalar_state(st, key)


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


def _check_fused_foreach(fused, foreach, differentiable) -> None:
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")


def _lr_check(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


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
