"""Shared pieces of the elementwise ops: the op base class, NumPy error silencing, dtype checks."""

from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp
from ._util import _bcast_msg, prep2

_make = Tensor._make
_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046
_TORCH_NAME = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


class _Op(Function):
    _builtin = True


def _bin(fn, a, b, ad, bd):
    try:
        return fn(ad, bd)
    except ValueError:
        sb = b._data.shape if isinstance(b, Tensor) else ()
        raise RuntimeError(_bcast_msg((a._data.shape, sb))) from None


def _is_bool(x) -> bool:
    return x._data.dtype.kind == "b" if isinstance(x, Tensor) else type(x) is bool


def _check_sub(a, b) -> None:
    if _is_bool(a) or _is_bool(b):
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _float_pair(a, b):
    """Promoted operands of a true division: integer/bool results divide in the default float dtype."""
    ad, bd = prep2(a, b)
    if ad.dtype.kind != "f":
        ft = D.get_default_dtype().np
        ad = ad.astype(ft)
        if isinstance(bd, np.ndarray):
            bd = bd.astype(ft)
    return ad, bd


def _not_for_bool(name, ad) -> None:
    if ad.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")


def _int_zero_div(ad, bd) -> None:
    if ad.dtype.kind in "iub" and ad.size and np.any(np.asarray(bd) == 0):  # an empty result divides nothing
        raise RuntimeError("ZeroDivisionError")


def _not_freed(ctx) -> None:
    """An op that saved nothing still refuses a second backward through a freed graph, as torch."""
    if ctx._freed:
        ctx.saved_tensors  # noqa: B018  (raises the freed-graph error)


def _zeros(g):
    return _make(xp.zeros_like(g._data), False, None, 0)
