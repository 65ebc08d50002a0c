"""Indexing: ``x[key]`` / ``x[key] = v`` with torch's semantics, gather/scatter, index_*, masked_*, take, nonzero.

A key is parsed into a basic part (ints, slices, None: a NumPy view) applied first, then an
advanced part (integer/bool arrays) applied to that view. Applying ints first is what makes
``x[0, :, [1, 2]]`` come out as torch shapes it, not as NumPy does. Gradients of reads scatter-add
into zeros, so duplicate indices accumulate.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..backend import xp
from . import shape as _sh
from ._util import broadcast_shapes, scalar_value, shape_str, wrap_dim

_make = Tensor._make
_NONE, _ELL, _SLICE, _INT, _ADV = range(5)
_INT_DTYPES = (np.dtype(np.int64), np.dtype(np.int32))
_C_NAME = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long",
    "int32": "int",
    "int16": "short",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


class _Op(Function):
    _builtin = True


def _tname(arr) -> str:
    return _TORCH_NAME.get(str(arr.dtype), str(arr.dtype))


# ---- key parsing -----------------------------------------------------------------------------------
def _seq_as_tuple(seq) -> bool:
    """torch's rule for a non-tuple sequence key: a short list holding sequences, slices, ... acts as a tuple."""
    if len(seq) >= 32:
        return False
    return any(x is None or x is Ellipsis or isinstance(x, (Tensor, np.ndarray, list, tuple, slice)) for x in seq)


def _index_array(d):
    """An index tensor's array: bool masks stay bool, integer indices become int64 arrays."""
    dt = d.dtype
    if dt.kind == "b":
        return d
    if dt == np.uint8:
        warnings.warn(
            "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
            UserWarning,
            stacklevel=4,
        )
        return d.astype(bool)
    if dt in _INT_DTYPES:
        return d
    raise IndexError("tensors used as indices must be long, int, byte or bool tensors")


def _seq_array(k):
    try:
        a = np.asarray([x._data if isinstance(x, Tensor) else x for x in k])
    except ValueError:
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors") from None
    if a.size == 0 and a.dtype.kind == "f":
        return a.astype(np.int64)
    if a.dtype.kind not in "biu":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return a if a.dtype.kind == "b" else a.astype(np.int64, copy=False)


def _classify(k):
    if k is None:
        return _NONE, None
    if k is Ellipsis:
        return _ELL, None
    tk = type(k)
    if tk is slice:
        return _SLICE, k
    if tk is bool or tk is np.bool_:
        return _ADV, np.array(bool(k))
    if isinstance(k, numbers.Integral):
        return _INT, int(k)
    if isinstance(k, Tensor):
        d = _index_array(k._data)
        if d.ndim == 0 and d.dtype.kind != "b":
            return _INT, int(d)
        return _ADV, d
    if isinstance(k, np.ndarray):
        d = _index_array(k)
        return _ADV, d
    if isinstance(k, (list, tuple)):
        return _ADV, _seq_array(k)
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid "
        f"indices (got {type(k).__name__})"
    )


def _check_bounds(arr, size, dim):
    if arr.size and (arr.min() < -size or arr.max() >= size):
        bad = arr[(arr < -size) | (arr >= size)].flat[0]
        raise IndexError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _parse(shape, key):
    """-> (basic, adv, unique, node class): ``data[basic]`` is a view, ``adv`` (or None) indexes it further."""
    if type(key) is not tuple:
        if type(key) is list and _seq_as_tuple(key):
            warnings.warn(
                "Using a non-tuple sequence for multidimensional indexing is deprecated; use x[tuple(seq)] "
                "instead of x[seq].",
                UserWarning,
                stacklevel=3,
            )
            key = tuple(key)
        else:
            key = (key,)
    items = []
    used = 0
    ell = False
    for k in key:
        kind, v = _classify(k)
        if kind == _ELL:
            if ell:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ell = True
        elif kind == _SLICE or kind == _INT:
            used += 1
        elif kind == _ADV:
            used += v.ndim if v.dtype.kind == "b" else 1
        items.append((kind, v))
    nd = len(shape)
    if used > nd:
        if nd == 0 and any(kind == _INT for kind, _ in items):
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` "
                "in C++ to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {nd}")
    basic = []
    advs = []
    unique = True
    d = o = 0
    for kind, v in items:
        if kind == _SLICE:
            if v.step is not None and v.step <= 0:
                raise ValueError("step must be greater than zero")
            basic.append(v)
            d += 1
            o += 1
        elif kind == _INT:
            s = shape[d]
            if not -s <= v < s:
                raise IndexError(f"index {v} is out of bounds for dimension {d} with size {s}")
            basic.append(v)
            d += 1
        elif kind == _NONE:
            basic.append(None)
            o += 1
        elif kind == _ELL:
            n = nd - used
            basic += [slice(None)] * n
            d += n
            o += n
        elif v.dtype.kind == "b":
            if v.ndim == 0:
                basic.append(None)
                if not v:
                    advs.append((o, np.zeros(0, np.int64)))
                o += 1
                continue
            ms = shape[d : d + v.ndim]
            for j, (a, b) in enumerate(zip(v.shape, ms)):
                if a != b:
                    raise IndexError(
                        f"The shape of the mask {shape_str(v.shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {shape_str(shape)} at index {d + j}"
                    )
            for j, nz in enumerate(np.nonzero(v)):
                advs.append((o + j, nz))
            basic += [slice(None)] * v.ndim
            d += v.ndim
            o += v.ndim
        else:
            _check_bounds(v, shape[d], d)
            advs.append((o, v))
            basic.append(slice(None))
            unique = False
            d += 1
            o += 1
    basic.append(Ellipsis)
    if not advs:
        last = next((k for k, _ in reversed(items) if k != _ELL), None)
        cls = {_INT: _Select, _SLICE: _Slice, _NONE: _UnsqueezeIdx}.get(last, _Alias)
        return tuple(basic), None, True, cls
    if len(advs) > 1:
        try:
            np.broadcast_shapes(*[a.shape for _, a in advs])
        except ValueError:
            raise IndexError(
                "shape mismatch: indexing tensors could not be broadcast together with shapes "
                + ", ".join(shape_str(a.shape) for _, a in advs)
            ) from None
    adv = [slice(None)] * (advs[-1][0] + 1)
    for p, a in advs:
        adv[p] = a
    return tuple(basic), tuple(adv), unique, Index


def _adv_shape(vshape, adv):
    """Shape of ``view[adv]`` (NumPy's rule: adjacent advanced indices stay in place, else go first)."""
    pos = [i for i, a in enumerate(adv) if type(a) is not slice]
    b = np.broadcast_shapes(*[adv[i].shape for i in pos])
    if pos == list(range(pos[0], pos[-1] + 1)):
        return vshape[: pos[0]] + b + vshape[pos[-1] + 1 :]
    return b + tuple(s for i, s in enumerate(vshape) if i not in pos)


# ---- array kernels ---------------------------------------------------------------------------------
def _assign(arr, basic, adv, v):
    w = arr[basic]
    if adv is None:
        w[...] = v
    else:
        w[adv] = v


def _add_at(v, adv, vals):
    """``v[adv] += vals`` with repeated indices accumulating (bincount when dense enough, else ufunc.at)."""
    if v.dtype.kind == "f" and v.size and np.size(vals) * 4 >= v.size:
        lin = np.arange(v.size).reshape(v.shape)[adv]
        w = np.broadcast_to(vals, lin.shape)
        acc = np.bincount(lin.reshape(-1), weights=w.reshape(-1), minlength=v.size)
        v += acc.reshape(v.shape)
    else:
        np.add.at(v, adv, vals)


# ---- read ops ----------------------------------------------------------------------------------------
class Index(_Op):
    """x[key]: gradient scatter-added into zeros of x's shape"""

    _node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, a, basic, adv, unique):
        d = a._data
        ctx.meta = (d.shape, basic, adv, unique)
        v = d[basic]
        return v if adv is None else v[adv]

    @staticmethod
    def backward(ctx, g):
        return IndexBackward.apply(g, *ctx.meta)


class _Select(Index):
    _node_name = "SelectBackward0"


class _Slice(Index):
    _node_name = "SliceBackward0"


class _UnsqueezeIdx(Index):
    _node_name = "UnsqueezeBackward0"


class _Alias(Index):
    _node_name = "AliasBackward0"


class _Gather(Index):
    _node_name = "GatherBackward0"


class _IndexSelect(Index):
    _node_name = "IndexSelectBackward0"


class _Take(Index):
    _node_name = "TakeBackward0"


class _MaskedSelect(Index):
    _node_name = "MaskedSelectBackward0"


class IndexBackward(_Op):
    """zeros with g added at key; its own gradient reads the key again"""

    _node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, g, shape, basic, adv, unique):
        ctx.key = (basic, adv, unique)
        gd = g._data
        out = xp.zeros(shape, gd.dtype)
        if adv is None or unique:
            _assign(out, basic, adv, gd)
        else:
            _add_at(out[basic], adv, gd)
        return out

    @staticmethod
    def backward(ctx, gg):
        return Index.apply(gg, *ctx.key)


class ZeroAt(_Op):
    """copy of g with the key's positions zeroed (gradient of an overwritten input)"""

    @staticmethod
    def forward(ctx, g, basic, adv):
        ctx.key = (basic, adv)
        out = g._data.copy()
        _assign(out, basic, adv, 0)
        return out

    @staticmethod
    def backward(ctx, gg):
        return ZeroAt.apply(gg, *ctx.key)


def _basic(input, key, cls):
    key = key + (Ellipsis,)
    return _sh._view_of(_sh._run(cls, input, key, None, True), input, _Alias.apply, (key, None, True))


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
    return scalar_value(value)


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


def _index_put_acc(input, basic, adv, unique, values):
    v = _value_for(input, basic, adv, values)
    return IndexPutAcc.apply(input, v, basic, adv, unique)


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


# ---- index_* along one dim -----------------------------------------------------------------------------
def _dim_index(index, fname, n, dim, exc=RuntimeError):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' must be Tensor, not {type(index).__name__}")
    idx = index._data
    if idx.ndim > 1:
        raise IndexError(f"{fname}(): Index is supposed to be a vector")
    if idx.dtype not in _INT_DTYPES:
        raise RuntimeError(f"{fname}(): Expected dtype int32 or int64 for index")
    idx = idx.reshape(-1)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        if exc is None:
            raise IndexError("index out of range in self")
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise exc(f"index {bad} is out of bounds for dimension {dim} with size {n}")
    return idx


def _index_dim(input, dim, idx, cls):
    return cls.apply(input, (Ellipsis,), (slice(None),) * dim + (idx,), False)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """Entries ``index`` along dim; gradient index-adds back."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    idx = _dim_index(index, "index_select", s[dim] if s else 1, dim, None)
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
    idx = _dim_index(index, fname, input._data.shape[dim], dim)
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
