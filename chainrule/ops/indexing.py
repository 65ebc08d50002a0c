"""Indexing: ``x[key]`` and ``x[key] = v`` with torch's semantics, in-place writes through views, index_put.

Key parsing and the read kernels are in ``_index_core``; gather/scatter in ``_scatter``; index_*,
masked_*, take and nonzero in ``_index_dim``. All are exported from here.
"""

from __future__ import annotations

import numpy as np

from .._dtype import check_scalar_fits
from .._tensor import Tensor
from ..autograd.grad_mode import _state
from . import shape as _sh
from ._index_core import (
    Index,
    ZeroAt,
    _add_at,
    _adv_shape,
    _Alias,
    _assign,
    _make,
    _Op,
    _parse,
    _Select,
    _Slice,
    _tname,
)
from ._util import scalar_value, shape_str, wrap_dim


def getitem(input: Tensor, key) -> Tensor:
    """``input[key]``: ints, slices, None, Ellipsis, integer/bool tensors, lists (torch/NumPy semantics)."""
    d = input._data
    tk = type(key)
    if tk is int and d.ndim and -d.shape[0] <= key < d.shape[0]:
        basic, cls = (key, Ellipsis), _Select
    elif tk is slice and d.ndim and (key.step is None or key.step > 0):
        basic, cls = (key, Ellipsis), _Slice
    else:
        basic, adv, unique, cls = _parse(d.shape, key)
        if adv is not None:
            return cls.apply(input, basic, adv, unique)
    if input._rg and _state.enabled:
        out = cls.apply(input, basic, None, True)
    else:
        out = _make(d[basic], False, None, 0)
    return _sh._view_of(out, input, _Alias.apply, (basic, None, True))


# ---- writes ------------------------------------------------------------------------------------------
class IndexPut(_Op):
    """x[key] = v: x's gradient is zero where overwritten, v's is g[key]"""

    _node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, v, basic, adv, unique, inplace):
        ctx.key = (basic, adv, unique)
        out = x._data if inplace else x._data.copy()
        _assign(out, basic, adv, v._data if isinstance(v, Tensor) else v)
        return out

    @staticmethod
    def backward(ctx, g):
        basic, adv, unique = ctx.key
        nx, nv = ctx.needs_input_grad[:2]
        return (ZeroAt.apply(g, basic, adv) if nx else None), (Index.apply(g, basic, adv, unique) if nv else None)


class _CopySlices(IndexPut):
    _node_name = "CopySlices"


class IndexPutAcc(_Op):
    """x[key] += v with repeats accumulating: x's gradient is g, v's is g[key]"""

    _node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, v, basic, adv, unique):
        ctx.key = (basic, adv, unique)
        out = x._data.copy()
        vd = v._data if isinstance(v, Tensor) else v
        if adv is None:
            out[basic] += vd
        else:
            _add_at(out[basic], adv, vd)
        return out

    @staticmethod
    def backward(ctx, g):
        return g, (Index.apply(g, *ctx.key) if ctx.needs_input_grad[1] else None)


def _value_for(x, basic, adv, value, mask_fill=False):
    """Validate/prepare the assigned value like torch (leading size-1 dims dropped, broadcast to the target)."""
    if isinstance(value, Tensor):
        vd = value._data
        xd = x._data
        if adv is not None and vd.dtype != xd.dtype and not (mask_fill and vd.ndim == 0):
            raise RuntimeError(
                f"Index put requires the source and destination dtypes match, got {_tname(xd)} for the "
                f"destination and {_tname(vd)} for the source."
            )
        view_shape = xd[basic].shape
        target = view_shape if adv is None else _adv_shape(view_shape, adv)
        vs = vd.shape
        k = 0
        while len(vs) - k > len(target) and vs[k] == 1:
            k += 1
        if len(vs) - k > len(target):
            raise RuntimeError(
                f"expand({_tname_tensor(vd)}{{{shape_str(vs[k:])}}}, size={shape_str(target)}): the "
                f"number of sizes provided ({len(target)}) must be greater or equal to the number of "
                f"dimensions in the tensor ({len(vs) - k})"
            )
        try:
            if np.broadcast_shapes(vs[k:], target) != target:
                raise ValueError
        except ValueError:
            if adv is not None:
                raise RuntimeError(
                    f"shape mismatch: value tensor of shape {shape_str(vs)} cannot be broadcast to "
                    f"indexing result of shape {shape_str(target)}"
                ) from None
            nd = len(target) - (len(vs) - k)
            for i, s in enumerate(vs[k:]):
                if s != 1 and s != target[nd + i]:
                    raise RuntimeError(
                        f"The expanded size of the tensor ({target[nd + i]}) must match the existing "
                        f"size ({s}) at non-singleton dimension {nd + i}.  Target sizes: "
                        f"{shape_str(target)}.  Tensor sizes: {shape_str(vs[k:])}"
                    ) from None
            raise
        return _sh._reshape(value, vs[k:]) if k else value
    if isinstance(value, (list, tuple, np.ndarray)):
        name = "numpy.ndarray" if isinstance(value, np.ndarray) else type(value).__name__
        raise TypeError(f"can't assign a {name} to a {_tname_tensor(x._data)}")
    value = scalar_value(value)
    check_scalar_fits(value, x._data.dtype)
    return value


class CopySlices(_Op):
    """base after an in-place write into one of its views: the view region's gradient goes to the written
    value, the rest to the old base"""

    _node_name = "CopySlices"

    @staticmethod
    def forward(ctx, base, res, chain):
        ctx.chain = chain
        ctx.proto = base._data
        return base._data

    @staticmethod
    def backward(ctx, g):
        gb = ZeroRegion.apply(g, ctx.chain, ctx.proto) if ctx.needs_input_grad[0] else None
        gr = _replay(g, ctx.chain) if ctx.needs_input_grad[1] else None
        return gb, gr, None


class ZeroRegion(_Op):
    """copy of g with a view's region (given by replaying the view chain) zeroed"""

    @staticmethod
    def forward(ctx, g, chain, proto):
        ctx.args = (chain, proto)
        out = np.empty_like(proto)
        out[...] = g._data
        with _NoGrad():
            _replay(_make(out, False, None, 0), chain)._data[...] = 0
        return out

    @staticmethod
    def backward(ctx, gg):
        return ZeroRegion.apply(gg, *ctx.args)


class _NoGrad:
    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = False

    def __exit__(self, *exc):
        _state.enabled = self.prev


def _replay(t, chain):
    for fn, args in chain:
        t = fn(t, *args)
    return t


def _rebase_view(view, res):
    """After ``res`` was written into ``view``'s memory: give its root base a CopySlices history and
    regenerate the view's history from it (what torch does for in-place ops on views)."""
    base = view._base
    if not np.may_share_memory(view._data, base._data):
        view._base = None
        view.grad_fn, view._out_nr, view._rg = res.grad_fn, res._out_nr, True
        return view
    chain = view._view_fn
    out = CopySlices.apply(base, res, chain)
    if out.grad_fn is None:
        return view
    base.grad_fn, base._out_nr, base._rg = out.grad_fn, 0, True
    v = _replay(base, chain)
    view.grad_fn, view._out_nr, view._rg = v.grad_fn, v._out_nr, True
    return view


def _tname_tensor(arr) -> str:
    return f"torch.{_tname(arr)}Tensor"


def _put_inplace(x, basic, adv, unique, value, opname, mask_fill=False):
    """Write ``value`` at the parsed key into x's own memory and, when recording, rebase x's history."""
    x._check_inplace(opname)
    value = _value_for(x, basic, adv, value, mask_fill)
    xd = x._data
    if not xd.flags.writeable:
        x._data = xd.copy()
    if _state.enabled and (x._rg or (isinstance(value, Tensor) and value._rg)):
        cls = IndexPut if adv is not None else _CopySlices
        res = cls.apply(x, value, basic, adv, unique, True)
        if res.grad_fn is not None and x._base is not None:
            _rebase_view(x, res)
        elif res.grad_fn is not None:
            x.grad_fn = res.grad_fn
            x._out_nr = 0
            x._rg = True
    else:
        _assign(x._data, basic, adv, value._data if isinstance(value, Tensor) else value)
    vc = x._vc_get()
    vc.v += 1
    vc.op = opname
    return x


def setitem(input: Tensor, key, value) -> None:
    """``input[key] = value`` in place (differentiable for both; the version counter is bumped)."""
    basic, adv, unique, _ = _parse(input._data.shape, key)
    mask_fill = adv is not None and _is_single_mask(key)
    _put_inplace(input, basic, adv, unique, value, "setitem", mask_fill)


def _is_single_mask(key):
    if type(key) is tuple:
        if len(key) != 1:
            return False
        key = key[0]
    return isinstance(key, Tensor) and key._data.dtype.kind == "b"


def _key_of(indices):
    if isinstance(indices, Tensor):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors, not Tensor")
    return tuple(indices)


def index_put_(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    basic, adv, unique, _ = _parse(input._data.shape, _key_of(indices))
    if not accumulate:
        return _put_inplace(input, basic, adv, unique, values, "index_put_")
    input._check_inplace("index_put_")
    return input._write(_index_put_acc(input, basic, adv, unique, values), "index_put_")


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """Out-of-place ``input[indices] = values`` (or ``+=`` with repeats accumulating)."""
    basic, adv, unique, _ = _parse(input._data.shape, _key_of(indices))
    if accumulate:
        return _index_put_acc(input, basic, adv, unique, values)
    v = _value_for(input, basic, adv, values)
    return (IndexPut if adv is not None else _CopySlices).apply(input, v, basic, adv, unique, False)


class _SliceScatter(IndexPut):
    _node_name = "SliceScatterBackward0"


class _SelectScatter(IndexPut):
    _node_name = "SelectScatterBackward0"


def _scatter_into(input, src, key, cls):
    target = input._data[key].shape
    if src._data.shape != target:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{shape_str(src._data.shape)}, slice size = {shape_str(target)}"
        )
    return cls.apply(input, src, key, None, True, False)


def slice_scatter(input: Tensor, src: Tensor, dim: int = 0, start=None, end=None, step: int = 1) -> Tensor:
    """Copy of input with ``src`` embedded at the slice start:end:step of dim."""
    dim = wrap_dim(dim, input._data.ndim)
    if step <= 0:
        raise RuntimeError("slice step must be positive")
    key = (slice(None),) * dim + (slice(start, end, step), Ellipsis)
    return _scatter_into(input, src, key, _SliceScatter)


def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """Copy of input with ``src`` embedded at ``index`` of dim."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    if not -s[dim] <= index < s[dim]:
        raise IndexError(f"select(): index {index} out of range for tensor of size {shape_str(s)} at dimension {dim}")
    return _scatter_into(input, src, (slice(None),) * dim + (int(index), Ellipsis), _SelectScatter)


def _index_put_acc(input, basic, adv, unique, values):
    v = _value_for(input, basic, adv, values)
    return IndexPutAcc.apply(input, v, basic, adv, unique)


from ._index_dim import (  # noqa: E402
    argwhere,
    index_add,
    index_copy,
    index_fill,
    index_select,
    masked_fill,
    masked_scatter,
    masked_select,
    nonzero,
    take,
    take_along_dim,
)
from ._rearrange import diagonal_scatter  # noqa: E402
from ._scatter import gather, scatter, scatter_add, scatter_reduce  # noqa: E402


# ---- in place ------------------------------------------------------------------------------------------
def _inplace(name, fn):
    def method(self, *args, **kwargs):
        self._check_inplace(name)
        return self._write(fn(self, *args, **kwargs), name)

    method.__name__ = name
    method.__doc__ = f"In-place {fn.__name__}."
    return method


scatter_ = _inplace("scatter_", scatter)
scatter_add_ = _inplace("scatter_add_", scatter_add)
scatter_reduce_ = _inplace("scatter_reduce_", scatter_reduce)
index_add_ = _inplace("index_add_", index_add)
index_copy_ = _inplace("index_copy_", index_copy)
index_fill_ = _inplace("index_fill_", index_fill)
masked_fill_ = _inplace("masked_fill_", masked_fill)
masked_scatter_ = _inplace("masked_scatter_", masked_scatter)


def fill_diagonal_(input: Tensor, fill_value, wrap: bool = False) -> Tensor:
    """Set the main diagonal (all dims equal for >2-D; ``wrap`` continues down tall matrices)."""
    s = input._data.shape
    if len(s) < 2:
        raise RuntimeError("dimensions must larger than 1")
    if len(s) > 2 and len(set(s)) != 1:
        raise RuntimeError("all dimensions of input must be of equal length")
    n = min(s)
    if len(s) == 2 and wrap and s[0] > s[1] + 1:
        pos = np.arange(0, s[0] * s[1], s[1] + 1)
        key = np.unravel_index(pos, s)
    else:
        key = (np.arange(n),) * len(s)
    return _put_inplace(input, (Ellipsis,), tuple(key), True, fill_value, "fill_diagonal_")


__all__ = [
    "getitem",
    "setitem",
    "gather",
    "scatter",
    "scatter_add",
    "scatter_reduce",
    "index_select",
    "index_add",
    "index_copy",
    "index_fill",
    "index_put",
    "index_put_",
    "masked_fill",
    "masked_select",
    "masked_scatter",
    "take",
    "take_along_dim",
    "nonzero",
    "argwhere",
    "slice_scatter",
    "select_scatter",
    "diagonal_scatter",
]
TENSOR_METHODS = __all__[2:] + [
    "scatter_",
    "scatter_add_",
    "scatter_reduce_",
    "index_add_",
    "index_copy_",
    "index_fill_",
    "masked_fill_",
    "masked_scatter_",
    "fill_diagonal_",
]
