"""Shared helpers for op implementations: dtype resolution of operands, dims, wrapping."""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..backend import xp

_F = "f"
_make = Tensor._make


def prep2(a, b):
    """Arrays for a binary op with torch's promotion; ``b`` may be a Python scalar (kept weak)."""
    ad = a._data
    if isinstance(b, Tensor):
        bd = b._data
        if ad.dtype == bd.dtype:
            return ad, bd
        dt = result_np2(ad, bd)
        return ad.astype(dt, copy=False), bd.astype(dt, copy=False)
    tb = type(b)
    if tb is float:
        if ad.dtype.kind == _F:
            return ad, b
        return ad.astype(D.get_default_dtype().np), b
    if tb is int:
        k = ad.dtype.kind
        if k == "b":
            return ad.astype(np.int64), b
        return ad, b
    if tb is bool:
        return ad, b
    if isinstance(b, np.ndarray):
        return prep2(a, _make(b, False, None, 0))
    if isinstance(b, (np.generic, numbers.Number)):
        return prep2(a, scalar_value(b))
    raise TypeError(f"unsupported operand type for tensor op: Tensor and '{type(b).__name__}'")


def scalar_value(b):
    if isinstance(b, (bool, np.bool_)):
        return builtins.bool(b)
    if isinstance(b, numbers.Integral):
        return builtins.int(b)
    if isinstance(b, numbers.Real):
        return builtins.float(b)
    raise TypeError(f"expected a number, got {type(b).__name__}")


def result_np2(ad, bd) -> np.dtype:
    if ad.ndim and bd.ndim or (not ad.ndim and not bd.ndim):
        return D._promote_np(ad.dtype, bd.dtype)
    if ad.ndim:
        return D.result_np((ad.dtype,), (bd.dtype,), ())
    return D.result_np((bd.dtype,), (ad.dtype,), ())


def float_data(a):
    """Array of ``a`` as floating point (integers go to the default float dtype, as torch's math ops)."""
    d = a._data
    if d.dtype.kind == _F:
        return d
    return d.astype(D.get_default_dtype().np)


def wrap_dim(dim, ndim: int) -> int:
    n = ndim if ndim > 0 else 1
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"dim must be an int, got {type(dim).__name__}")
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return int(dim) % n if ndim > 0 else 0


def wrap_dims(dim, ndim: int):
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        out = tuple(wrap_dim(d, ndim) for d in dim)
        if len(set(out)) != len(out):
            raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
        return out
    return (wrap_dim(dim, ndim),)


def as_tensor_arg(x, like=None):
    """Tensor for a Tensor or Python/NumPy value (used where torch accepts either)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _make(x, False, None, 0)
    if like is not None and isinstance(x, (numbers.Number, np.generic)):
        v = scalar_value(x)
        dt = D.result_np((like._data.dtype,), (), (v,))
        return _make(xp.asarray(v, dtype=dt), False, None, 0)
    from .._creation import tensor

    return tensor(x)


def shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def broadcast_shapes(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(_bcast_msg(shapes)) from None


def _bcast_msg(shapes):
    a, b = shapes[0], shapes[1] if len(shapes) > 1 else ()
    n = max(len(a), len(b))
    pa = (1,) * (n - len(a)) + tuple(a)
    pb = (1,) * (n - len(b)) + tuple(b)
    for i in range(n - 1, -1, -1):
        if pa[i] != pb[i] and pa[i] != 1 and pb[i] != 1:
            return (
                f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at non-singleton "
                f"dimension {i} (shapes {shape_str(a)} and {shape_str(b)})"
            )
    return f"shapes {', '.join(shape_str(s) for s in shapes)} cannot be broadcast together"
