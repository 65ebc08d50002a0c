"""Reductions: sum, mean, ... and the engine's broadcast-gradient reduction ``sum_to_shape``."""

from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp
from ._util import wrap_dims

_make = Tensor._make


class _Op(Function):
    _builtin = True


class SumToShape(_Op):
    """Sum over broadcast axes back to ``shape``; its derivative broadcasts back out."""

    _node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, g, axes, shape):
        ctx.in_shape = g._data.shape
        return xp.sum(g._data, axis=axes).reshape(shape) if axes else g._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.expand(ctx.in_shape)


def sum_to_shape(g, axes, shape):
    return SumToShape.apply(g, axes, shape)


class Sum(_Op):
    """d sum(a)/da = 1 (broadcast back over the reduced dims)"""

    @staticmethod
    def forward(ctx, a, dims, keepdim, np_dtype):
        d = a._data
        ctx.in_shape = d.shape
        ctx.dims = dims
        ctx.keepdim = keepdim
        if np_dtype is None and d.dtype.kind in "bi":
            np_dtype = np.int64
        return xp.sum(d, axis=dims, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        if not ctx.keepdim and ctx.dims is not None:
            g = g.reshape(_keep_shape(ctx.in_shape, ctx.dims))
        return g.expand(ctx.in_shape)


def _keep_shape(shape, dims):
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def sum(input, dim=None, keepdim=False, *, dtype=None):
    """sum over ``dim`` (all elements when None)"""
    dims = wrap_dims(dim, input._data.ndim)
    if dims == () and isinstance(dim, (list, tuple)):
        dims = None
    return Sum.apply(input, dims, keepdim, D.to_np(dtype) if dtype is not None else None)


__all__ = ["sum"]
TENSOR_METHODS = ["sum"]
