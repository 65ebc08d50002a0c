"""Selections along a dim: max/min with dim, sort, argsort, topk, kthvalue, median.

The values are the input gathered at the returned indices, so the gradient is scattered back to exactly
those positions (as torch's ``value_selecting_reduction_backward``). Results are named tuples shaped like
``torch.return_types.*``.
"""

from __future__ import annotations

import collections
import types

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp
from ._util import wrap_dim
from .elementwise import maximum, minimum

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _structseq(name: str, fields: tuple):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": "torch.return_types"})


return_types = types.ModuleType("return_types", "Named result tuples of ops that return several tensors.")
for _name, _fields in (
    ("max", ("values", "indices")),
    ("min", ("values", "indices")),
    ("sort", ("values", "indices")),
    ("topk", ("values", "indices")),
    ("kthvalue", ("values", "indices")),
    ("median", ("values", "indices")),
    ("aminmax", ("min", "max")),
):
    setattr(return_types, _name, _structseq(_name, _fields))


# ---- scatter / gather along a dim (indices unique along dim) ---------------------------------
class _PutAlong(_Op):
    """zeros of ``shape`` with ``g`` written at ``idx`` along ``dim``; its derivative gathers back"""

    _node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, g, idx, dim, shape):
        ctx.idx = idx
        ctx.dim = dim
        out = xp.zeros(shape, g._data.dtype)
        xp.put_along_axis(out, idx, g._data, dim)
        return out

    @staticmethod
    def backward(ctx, gg):
        return _TakeAlong.apply(gg, ctx.idx, ctx.dim)


class _TakeAlong(_Op):
    """``a`` gathered at ``idx`` along ``dim``; its derivative scatters back (indices unique along dim)"""

    _node_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, a, idx, dim):
        ctx.idx = idx
        ctx.dim = dim
        ctx.shape = a._data.shape
        return xp.take_along_axis(a._data, idx, dim)

    @staticmethod
    def backward(ctx, g):
        return _PutAlong.apply(g, ctx.idx, ctx.dim, ctx.shape)


def _argsort(d, dim, descending):
    """Stable argsort; descending keeps equal elements in their original order and puts NaN first (as torch)."""
    if not descending:
        return xp.argsort(d, axis=dim, kind="stable")
    r = xp.flip(xp.argsort(xp.flip(d, dim), axis=dim, kind="stable"), dim)
    return (d.shape[dim] - 1) - r


def _span(idx, dim, start, stop):
    sl = [slice(None)] * idx.ndim
    sl[dim] = slice(start, stop)
    return idx[tuple(sl)]


class _Pick(_Op):
    """values = a at the picked indices along dim: d values / da = 1 at those positions, 0 elsewhere"""

    @classmethod
    def forward(cls, ctx, a, dim, keepdim, *args):
        d = a._data
        ctx.in_shape = d.shape
        ctx.dim = dim
        d1 = d.reshape(1) if d.ndim == 0 else d
        idx = cls.pick(d1, dim, *args).astype(np.int64, copy=False)
        vals = xp.take_along_axis(d1, idx, dim)
        if d.ndim == 0:
            idx, vals = idx.reshape(()), vals.reshape(())
        elif not keepdim:
            idx, vals = idx.squeeze(dim), vals.squeeze(dim)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, g, _gi):
        (idx,) = ctx.saved_tensors
        shape = ctx.in_shape
        if not shape:
            return g
        idx = idx._data
        if idx.ndim < len(shape):
            idx = xp.expand_dims(idx, ctx.dim)
            g = g.reshape(idx.shape)
        return _PutAlong.apply(g, idx, ctx.dim, shape)


class MaxDim(_Pick):
    _node_name = "MaxBackward0"
    pick = staticmethod(lambda d, dim: d.argmax(axis=dim, keepdims=True))


class MinDim(_Pick):
    _node_name = "MinBackward0"
    pick = staticmethod(lambda d, dim: d.argmin(axis=dim, keepdims=True))


class Sort(_Pick):
    _node_name = "SortBackward0"
    pick = staticmethod(_argsort)


class Topk(_Pick):
    _node_name = "TopkBackward0"
    pick = staticmethod(lambda d, dim, k, largest: _span(_argsort(d, dim, largest), dim, 0, k))


class Kthvalue(_Pick):
    _node_name = "KthvalueBackward0"
    pick = staticmethod(lambda d, dim, k: _span(_argsort(d, dim, False), dim, k - 1, k))


def _median_pick(d, dim):
    s = xp.argsort(d, axis=dim, kind="stable")
    n = d.shape[dim]
    pos = xp.full(s.shape[:dim] + (1,) + s.shape[dim + 1 :], (n - 1) // 2, np.int64)
    if d.dtype.kind == "f":
        nn = xp.isnan(d).sum(axis=dim, keepdims=True)
        pos = xp.where(nn > 0, n - nn, pos)
    return xp.take_along_axis(s, pos, dim)


class MedianDim(_Pick):
    _node_name = "MedianBackward1"
    pick = staticmethod(_median_pick)


def _pick_dim(cls, name, input, dim, keepdim, *args):
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    if d.ndim and d.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    return cls.apply(input, dim, keepdim, *args)


# ---- public functions ------------------------------------------------------------------------
def max(input, dim=None, keepdim=False, *, other=None, axis=None):
    """max over all elements (ties share the gradient), ``(values, indices)`` along ``dim``, or
    the elementwise maximum with a tensor"""
    from .reduce import MaxAll, _max_all

    if isinstance(dim, Tensor):
        return maximum(input, dim)
    if other is not None:
        return maximum(input, other)
    if axis is not None:
        dim = axis
    if dim is None:
        return _max_all(input, MaxAll, "max")
    return return_types.max(*_pick_dim(MaxDim, "max", input, dim, keepdim))


def min(input, dim=None, keepdim=False, *, other=None, axis=None):
    """min over all elements (ties share the gradient), ``(values, indices)`` along ``dim``, or
    the elementwise minimum with a tensor"""
    from .reduce import MinAll, _max_all

    if isinstance(dim, Tensor):
        return minimum(input, dim)
    if other is not None:
        return minimum(input, other)
    if axis is not None:
        dim = axis
    if dim is None:
        return _max_all(input, MinAll, "min")
    return return_types.min(*_pick_dim(MinDim, "min", input, dim, keepdim))


def sort(input, dim=-1, descending=False, *, stable=False, axis=None):
    """``(values, indices)`` sorted along ``dim`` (stable; NaN sorts as the largest value)"""
    dim = wrap_dim(axis if axis is not None else dim, input._data.ndim)
    return return_types.sort(*Sort.apply(input, dim, True, bool(descending)))


def argsort(input, dim=-1, descending=False, *, stable=False) -> Tensor:
    """indices that sort ``input`` along ``dim`` (stable)"""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        return _make(xp.zeros((), np.int64), False, None, 0)
    return _make(_argsort(d, dim, descending).astype(np.int64, copy=False), False, None, 0)


def topk(input, k, dim=-1, largest=True, sorted=True):
    """``(values, indices)`` of the k largest (smallest) along ``dim``, in sorted order"""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim] if d.ndim else 1
    k = int(k)
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    return return_types.topk(*Topk.apply(input, dim, True, k, bool(largest)))


def kthvalue(input, k, dim=-1, keepdim=False):
    """``(values, indices)`` of the k-th smallest element along ``dim``"""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    n = d.shape[dim] if d.ndim else 1
    if d.ndim and n == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {dim} to have non-zero size.")
    k = int(k)
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim}")
    return return_types.kthvalue(*Kthvalue.apply(input, dim, keepdim, k))


def median(input, dim=None, keepdim=False):
    """lower median of all elements (ties share the gradient) or ``(values, indices)`` along ``dim``;
    NaN if the slice holds a NaN"""
    from .reduce import median_all

    if dim is None:
        return median_all(input)
    return return_types.median(*_pick_dim(MedianDim, "median", input, dim, keepdim))
