"""index_select/index_add/index_copy/index_fill along a dim, masked_fill/select/scatter, take, nonzero."""

from __future__ import annotations

import numpy as np

from .._dtype import check_scalar_fits
from .._tensor import Tensor
from ..backend import xp
from . import shape as _sh
from ._index_core import (
    _C_NAME,
    _INT_DTYPES,
    Index,
    ZeroAt,
    _add_at,
    _index_dim,
    _IndexSelect,
    _make,
    _MaskedSelect,
    _Op,
    _Take,
    _tname,
)
from ._scatter import _as1d, gather
from ._util import broadcast_shapes, scalar_value, shape_str, wrap_dim


# ---- index_* along one dim -----------------------------------------------------------------------------
def _dim_index(index, fname, n, dim, exc=RuntimeError, negative=True):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' must be Tensor, not {type(index).__name__}")
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")
    if idx.dtype not in _INT_DTYPES:
        raise RuntimeError(f"{fname}(): Expected dtype int32 or int64 for index")
    idx = idx.reshape(-1)
    lo = -n if negative else 0  # index_select/index_add_/index_copy_ take no negative indices, as torch
    if idx.size and (idx.min() < lo or idx.max() >= n):
        if exc is None:
            raise IndexError("index out of range in self")
        bad = idx[(idx < lo) | (idx >= n)][0]
        raise exc(f"index {bad} is out of bounds for dimension {dim} with size {n}")
    return idx


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Entries ``index`` along dim; gradient index-adds back."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    idx = _dim_index(index, "index_select", s[dim] if s else 1, dim, None, negative=False)
    if not s:
        return _sh._reshape(_index_dim(_as1d(input), 0, idx, _IndexSelect), ())
    return _index_dim(input, dim, idx, _IndexSelect)


def _source_checks(input, dim, idx, source, fname):
    s, ss = input._data.shape, source._data.shape
    if len(ss) != len(s) and not (len(s) == 0 and len(ss) <= 1) and not (len(ss) == 0 and len(s) <= 1):
        raise RuntimeError(
            f"{fname}(): Source/destination tensor must have same slice shapes. Destination slice "
            f"shape: {shape_str(s[:dim] + s[dim + 1 :])} at dimension {dim} and source slice shape: "
            f"{shape_str(ss[:dim] + ss[dim + 1 :])} at dimension 0."
        )
    s1, ss1 = s or (1,), ss or (1,)
    if any(a != b for i, (a, b) in enumerate(zip(s1, ss1)) if i != dim):
        raise RuntimeError(
            f"source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {shape_str(s)} source.shape = {shape_str(ss)}"
        )
    if ss1[dim] != idx.size:
        raise RuntimeError(
            f"{fname}(): Number of indices ({idx.size}) should be equal to source.size(dim) ({ss1[dim]})"
        )


class IndexAdd(_Op):
    """out = input; out[..., index, ...] += alpha * source: input's gradient g, source's alpha * g[index]"""

    @staticmethod
    def forward(ctx, a, src, dim, idx, alpha):
        ctx.key = (slice(None),) * dim + (idx,)
        ctx.alpha = alpha
        out = a._data.copy()
        sd = src._data.reshape(out.shape[:dim] + (idx.size,) + out.shape[dim + 1 :])
        _add_at(out, ctx.key, sd if alpha == 1 else sd * alpha)
        return out

    @staticmethod
    def backward(ctx, g):
        gs = None
        if ctx.needs_input_grad[1]:
            gs = Index.apply(g, (Ellipsis,), ctx.key, False)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return g, gs


class IndexCopy(_Op):
    """out = input; out[..., index, ...] = source: input's gradient zero there, source's g[index]"""

    @staticmethod
    def forward(ctx, a, src, dim, idx):
        ctx.key = (slice(None),) * dim + (idx,)
        out = a._data.copy()
        out[ctx.key] = src._data.reshape(out.shape[:dim] + (idx.size,) + out.shape[dim + 1 :])
        return out

    @staticmethod
    def backward(ctx, g):
        ga = ZeroAt.apply(g, (Ellipsis,), ctx.key) if ctx.needs_input_grad[0] else None
        gs = Index.apply(g, (Ellipsis,), ctx.key, False) if ctx.needs_input_grad[1] else None
        return ga, gs


def _prep_dim_source(input, dim, index, source, fname):
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    if not s:
        input = _as1d(input)
    # torch: index_copy_ IndexError; index_add_ IndexError on 1-d, RuntimeError naming the dim otherwise
    exc = IndexError if fname == "index_copy_" else None if input._data.ndim == 1 else RuntimeError
    idx = _dim_index(index, fname, input._data.shape[dim], dim, exc, negative=False)
    if source._data.dtype != input._data.dtype:
        if fname == "index_add_":
            raise RuntimeError(
                f"index_add_(): self ({_tname(input._data)}) and source ({_tname(source._data)}) must "
                "have the same scalar type"
            )
        raise RuntimeError(
            f"{fname}(): self and source expected to have the same dtype, but got (self) "
            f"{_tname(input._data)} and (source) {_tname(source._data)}"
        )
    _source_checks(input, dim, idx, source, fname)
    return input, dim, idx, s


def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """Add alpha * source into a copy of input at ``index`` along dim (repeats accumulate)."""
    a, dim, idx, s = _prep_dim_source(input, dim, index, source, "index_add_")
    out = IndexAdd.apply(a, source, dim, idx, alpha)
    return out if s else _sh._reshape(out, ())


def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """Copy source into a copy of input at ``index`` along dim."""
    a, dim, idx, s = _prep_dim_source(input, dim, index, source, "index_copy_")
    out = IndexCopy.apply(a, source, dim, idx)
    return out if s else _sh._reshape(out, ())


class IndexFill(_Op):
    """out = input with value at ``index`` along dim: input's gradient zero there, value's the sum there"""

    _node_name = "IndexFillBackward0"

    @staticmethod
    def forward(ctx, a, value, key):
        ctx.key = key
        out = a._data.copy()
        out[key] = value._data if isinstance(value, Tensor) else value
        return out

    @staticmethod
    def backward(ctx, g):
        ga = ZeroAt.apply(g, (Ellipsis,), ctx.key) if ctx.needs_input_grad[0] else None
        gv = Index.apply(g, (Ellipsis,), ctx.key, False).sum() if ctx.needs_input_grad[1] else None
        return ga, gv


class _IndexFillT(IndexFill):
    _node_name = "IndexFillBackward1"


def _fill_value(value, fname):
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                f"{fname} only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return value
    return scalar_value(value)


def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """Copy of input with ``value`` at ``index`` along dim."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    a = _as1d(input)
    idx = _dim_index(index, "index_fill_", a._data.shape[dim], dim, IndexError)
    value = _fill_value(value, "index_fill_")
    if not isinstance(value, Tensor):
        check_scalar_fits(value, input._data.dtype)
    key = (slice(None),) * dim + (idx,)
    if isinstance(value, Tensor):
        out = _IndexFillT.apply(a, value, key)
    else:
        out = IndexFill.apply(a, np.asarray(value).astype(a._data.dtype), key)
    return out if s else _sh._reshape(out, ())


# ---- masks -------------------------------------------------------------------------------------------
class MaskedFill(_Op):
    """where(mask, value, input): input's gradient masked to 0, value's the masked sum"""

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.mask = mask
        ad = a._data
        v = value._data if isinstance(value, Tensor) else value
        v = np.asarray(v).astype(ad.dtype)
        return xp.where(mask, v, ad)

    @staticmethod
    def backward(ctx, g):
        na, nv = ctx.needs_input_grad[0], ctx.needs_input_grad[2]
        ga = MaskedFill.apply(g, ctx.mask, 0) if na else None
        gv = MaskedFill.apply(g, ~ctx.mask, 0).sum() if nv else None
        return ga, None, gv


class _MaskedFillT(MaskedFill):
    _node_name = "MaskedFillBackward1"


def _bool_mask(mask, fname):
    if not isinstance(mask, Tensor):
        raise TypeError(f"{fname}(): argument 'mask' must be Tensor, not {type(mask).__name__}")
    m = mask._data
    if m.dtype.kind != "b":
        raise RuntimeError(
            f"{fname} only supports boolean masks, but got mask with dtype {_C_NAME.get(str(m.dtype), m.dtype)}"
        )
    return m


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``value`` where mask is True, else input (mask and input broadcast)."""
    m = _bool_mask(mask, "masked_fill_")
    value = _fill_value(value, "masked_fill_")
    if not isinstance(value, Tensor):
        check_scalar_fits(value, input._data.dtype)
    shape = broadcast_shapes(input._data.shape, m.shape)
    if m.shape != shape:
        m = np.broadcast_to(m, shape)
    if isinstance(value, Tensor):
        return _MaskedFillT.apply(input, m, value)
    return MaskedFill.apply(input, m, value)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """1-D tensor of the elements where mask (broadcast with input) is True."""
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    m = mask._data
    shape = broadcast_shapes(input._data.shape, m.shape) or (1,)
    a = _sh.expand(input, shape) if input._data.shape != shape else input
    return _MaskedSelect.apply(a, (Ellipsis,), np.nonzero(np.broadcast_to(m, shape)), True)


class MaskedScatter(_Op):
    """input with source's leading elements written where mask is True"""

    @staticmethod
    def forward(ctx, a, src, mask):
        ctx.mask = mask
        ctx.n = n = int(np.count_nonzero(mask))
        ctx.src_size = src._data.size
        out = np.array(np.broadcast_to(a._data, mask.shape))
        out[mask] = src._data.reshape(-1)[:n]
        return out

    @staticmethod
    def backward(ctx, g):
        m = ctx.mask
        ga = MaskedFill.apply(g, m, 0) if ctx.needs_input_grad[0] else None
        gs = None
        if ctx.needs_input_grad[1]:
            sel = Index.apply(g, (Ellipsis,), np.nonzero(m), True)
            pad = ctx.src_size - ctx.n
            if pad:
                sel = _sh.cat([sel, _make(xp.zeros(pad, g._data.dtype), False, None, 0)])
            gs = sel
        return ga, gs, None


def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """Copy of input with consecutive source elements where mask is True."""
    if not isinstance(mask, Tensor) or mask._data.dtype.kind != "b":
        raise RuntimeError(
            "masked_scatter_ only supports boolean masks, but got mask with dtype "
            f"{_C_NAME.get(str(mask._data.dtype), '?')}"
        )
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got "
            f"{_tname(input._data)} and {_tname(source._data)}"
        )
    shape = broadcast_shapes(input._data.shape, mask._data.shape)
    m = np.broadcast_to(mask._data, shape)
    if np.count_nonzero(m) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    out = MaskedScatter.apply(input, _sh._reshape(source, (source._data.size,)), m)
    return out


# ---- flat / per-dim takes ------------------------------------------------------------------------------
def take(input: Tensor, index: Tensor) -> Tensor:
    """input.flatten()[index], shaped like index."""
    idx = index._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"take(): Expected a long tensor for index, but got {_tname(idx)}")
    n = input._data.size
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)].flat[0]
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
    return _Take.apply(_sh._reshape(input, (n,)), (Ellipsis,), (idx,), False)


def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """Gather along dim after broadcasting input and indices in the other dims (flattened when dim is None)."""
    idx = indices._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got {_tname(idx)}")
    if dim is None:
        return gather(_sh._reshape(input, (input._data.size,)), 0, _make(idx.reshape(-1), False, None, 0))
    s = input._data.shape
    if len(s) != idx.ndim:
        raise RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same number of dimensions, "
            f"but got {len(s)} dimensions for input, and {idx.ndim} dimensions for indices"
        )
    dim = wrap_dim(dim, len(s))
    a_s = s[:dim] + (1,) + s[dim + 1 :]
    i_s = idx.shape[:dim] + (1,) + idx.shape[dim + 1 :]
    b = list(broadcast_shapes(a_s, i_s))
    ba, bi = list(b), list(b)
    ba[dim], bi[dim] = s[dim], idx.shape[dim]
    a = _sh.expand(input, tuple(ba)) if tuple(ba) != s else input
    i = np.broadcast_to(idx, tuple(bi))
    return gather(a, dim, _make(i, False, None, 0))


def nonzero(input: Tensor, *, as_tuple: bool = False):
    """Indices of nonzero elements: (n, ndim) int64, or a tuple of 1-D index tensors."""
    d = input._data
    if as_tuple:
        return tuple(_make(i.astype(np.int64), False, None, 0) for i in np.nonzero(np.atleast_1d(d)))
    return _make(np.argwhere(d).astype(np.int64), False, None, 0)


def argwhere(input: Tensor) -> Tensor:
    return nonzero(input)
