"""gather / scatter / scatter_add / scatter_reduce along a dim."""

from __future__ import annotations

import warnings

import numpy as np

from .._tensor import Tensor
from . import shape as _sh
from ._index_core import _INT_DTYPES, Index, ZeroAt, _add_at, _Gather, _make, _Op
from ._util import scalar_value, shape_str, wrap_dim


# ---- gather / scatter --------------------------------------------------------------------------------
def _long_index(index, fname):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype not in _INT_DTYPES:
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index")
    return index._data


def _full_index(idx, dim):
    """Index tuple selecting, at each position of ``idx``, element idx[...] along dim (aranges elsewhere)."""
    nd = idx.ndim
    out = []
    for d in range(nd):
        if d == dim:
            out.append(idx)
        else:
            shp = [1] * nd
            shp[d] = idx.shape[d]
            out.append(np.arange(idx.shape[d]).reshape(shp))
    return tuple(out)


def _scatter_checks(input, dim, idx, src, fname):
    s = input._data.shape
    nd = max(len(s), 1)
    if max(idx.ndim, 1) != nd:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    dim = wrap_dim(dim, len(s))
    s1 = s if s else (1,)
    i1 = idx.shape if idx.ndim else (1,)
    srcs = None if src is None else (src._data.shape or (1,))
    for d in range(nd):
        if (d != dim and i1[d] > s1[d]) or (srcs is not None and i1[d] > srcs[d]):
            if srcs is None:
                raise RuntimeError(
                    f"Size does not match at dimension {d} expected index {shape_str(idx.shape)} to be "
                    f"no larger than self {shape_str(s)} apart from dimension {dim}"
                )
            raise RuntimeError(
                f"Expected index {shape_str(idx.shape)} to be no larger than self {shape_str(s)} apart "
                f"from dimension {dim} and to be no larger size than src {shape_str(src._data.shape)}"
            )
    n = s1[dim]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].flat[0]
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {n}")
    if src is not None and src._data.dtype != input._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return dim


def _as1d(t):
    return t if t._data.ndim else _sh._reshape(t, (1,))


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """out[i][j] = input[index[i][j]][j] (dim 0); gradient scatter-adds back."""
    idx = _long_index(index, "gather")
    dim = _scatter_checks(input, dim, idx, None, "gather")
    full = _full_index(idx.reshape(idx.shape or (1,)), dim)
    out = _Gather.apply(_as1d(input), (Ellipsis,), full, False)
    return _sh._reshape(out, idx.shape) if not idx.ndim else out


def _src_part(src, idx_shape):
    return src._data[tuple(slice(0, n) for n in idx_shape)]


class Scatter(_Op):
    """out = input with src written at index along dim: input's gradient zero there, src's gathered"""

    @staticmethod
    def forward(ctx, a, src, full, reduce):
        ctx.full = full
        ctx.reduce = reduce
        out = a._data.copy()
        if isinstance(src, Tensor):
            v = _src_part(src, _full_shape(full))
        else:
            v = src
        if reduce is None:
            out[full] = v
        elif reduce == "add":
            _add_at(out, full, v)
        else:
            np.multiply.at(out, full, v)
        return out

    @staticmethod
    def backward(ctx, g):
        full = ctx.full
        if ctx.reduce == "multiply":
            raise RuntimeError("derivative for aten::scatter is not implemented")
        ga = ZeroAt.apply(g, (Ellipsis,), full) if ctx.reduce is None else g
        gs = Index.apply(g, (Ellipsis,), full, False) if ctx.needs_input_grad[1] else None
        return ga, gs


class _ScatterValue(Scatter):
    _node_name = "ScatterBackward1"


class _ScatterAdd(Scatter):
    _node_name = "ScatterAddBackward0"


def scatter(input: Tensor, dim: int, index: Tensor, src=None, value=None, *, reduce: str | None = None) -> Tensor:
    """Write src (or value) into a copy of input at index along dim (``reduce``: 'add' or 'multiply')."""
    if src is None:
        src = value
    idx = _long_index(index, "scatter")
    is_t = isinstance(src, Tensor)
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply. Got {reduce}")
    if reduce is not None and is_t:
        warnings.warn(
            "The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
            "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
            UserWarning,
            stacklevel=2,
        )
    dim = _scatter_checks(input, dim, idx, _as1d(src) if is_t else None, "scatter")
    full = _full_index(idx.reshape(idx.shape or (1,)), dim)
    a = _as1d(input)
    if is_t:
        out = Scatter.apply(a, _as1d(src), full, reduce)
    else:
        v = np.asarray(scalar_value(src)).astype(input._data.dtype)
        out = _ScatterValue.apply(a, v, full, reduce)
    return out if input._data.ndim else _sh._reshape(out, ())


def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """Add src into a copy of input at index along dim (repeats accumulate)."""
    idx = _long_index(index, "scatter_add")
    dim = _scatter_checks(input, dim, idx, _as1d(src), "scatter_add")
    full = _full_index(idx.reshape(idx.shape or (1,)), dim)
    out = _ScatterAdd.apply(_as1d(input), _as1d(src), full, "add")
    return out if input._data.ndim else _sh._reshape(out, ())


def _identity(reduce, dt):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    info = np.finfo(dt) if dt.kind == "f" else np.iinfo(dt)
    if dt.kind == "f":
        return -np.inf if reduce == "amax" else np.inf
    return info.min if reduce == "amax" else info.max


class ScatterReduce(_Op):
    """scatter with sum/mean/amax/amin/prod; amax/amin share the gradient evenly among ties"""

    @staticmethod
    def forward(ctx, a, src, full, reduce, include_self):
        ad = a._data
        sd = _src_part(src, _full_shape(full))
        hit = np.zeros(ad.shape, bool)
        hit[full] = True
        out = ad.copy()
        if not include_self:
            out[hit] = _identity(reduce, ad.dtype)
        if reduce in ("sum", "mean"):
            _add_at(out, full, sd)
        elif reduce == "prod":
            np.multiply.at(out, full, sd)
        else:
            (np.maximum if reduce == "amax" else np.minimum).at(out, full, sd)
        count = None
        if reduce == "mean":
            count = np.zeros(ad.shape, np.int64)
            np.add.at(count, full, 1)
            count = count + (1 if include_self else 0)
            count = np.maximum(count, 1)
            out = (out / count).astype(ad.dtype) if ad.dtype.kind == "f" else out // count
        ctx.meta = (full, reduce, include_self, hit, count)
        if reduce in ("amax", "amin", "prod"):
            ctx.save_for_backward(a, src, out)
        return out

    @staticmethod
    def backward(ctx, g):
        full, reduce, incl, hit, count = ctx.meta
        na, ns = ctx.needs_input_grad[:2]
        key = (Ellipsis,)
        if reduce == "sum":
            ga = g if incl else ZeroAt.apply(g, key, (hit,))
            return ga, (Index.apply(g, key, full, False) if ns else None)
        if reduce == "mean":
            gc = g / _make(count.astype(g._data.dtype), False, None, 0)
            ga = gc if incl else ZeroAt.apply(gc, key, (hit,))
            return ga, (Index.apply(gc, key, full, False) if ns else None)
        if reduce == "prod":
            raise RuntimeError("the derivative for 'scatter_reduce' with reduce='prod' is not implemented")
        a, src, out = ctx.saved_tensors
        od = out._data
        sd = _src_part(src, _full_shape(full))
        self_tie = a._data == od
        src_tie = (sd == od[full]).astype(od.dtype)
        cnt = self_tie.astype(od.dtype)
        np.add.at(cnt, full, src_tie)
        gc = g / _make(np.maximum(cnt, 1), False, None, 0)
        ga = gc * _make(self_tie.astype(od.dtype), False, None, 0)
        if not incl:
            ga = ZeroAt.apply(ga, key, (hit,))
        gs = Index.apply(gc, key, full, False) * _make(src_tie, False, None, 0) if ns else None
        return ga, gs


def _full_shape(full):
    return np.broadcast_shapes(*[f.shape for f in full])


def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True
) -> Tensor:
    """Reduce src into a copy of input at index along dim ('sum', 'prod', 'mean', 'amax', 'amin')."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    idx = _long_index(index, "scatter_reduce")
    dim = _scatter_checks(input, dim, idx, _as1d(src), "scatter_reduce")
    full = _full_index(idx.reshape(idx.shape or (1,)), dim)
    out = ScatterReduce.apply(_as1d(input), _as1d(src), full, reduce, bool(include_self))
    return out if input._data.ndim else _sh._reshape(out, ())
