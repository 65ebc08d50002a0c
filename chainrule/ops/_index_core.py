"""Index keys and the read kernels shared by getitem and the gather/scatter family.

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
from ..backend import xp
from ._util import shape_str

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


def _out_of_bounds(shape, basic, advs, sizes, bad):
    """Advanced indices with values out of range, as torch treats them: an indexed dim of size 0 with a
    non-empty index shape fails; otherwise its kernel checks bounds only when the result has elements, so an
    empty result is fine (the bad indices are then clipped for NumPy). ``bad`` holds (ordinal, array, size)."""
    b = np.broadcast_shapes(*[a.shape for _, a in advs])
    if 0 in b:
        return [(p, np.broadcast_to(a, b)) for p, a in advs]
    if 0 in sizes:
        raise IndexError("index is out of bounds for dimension with size 0")
    view = np.broadcast_to(np.empty((), np.int8), shape)[tuple(basic)].shape
    pos = {p for p, _ in advs}
    if all(n for i, n in enumerate(view) if i not in pos):
        k, v, n = bad[0]
        raise IndexError(f"index {v[(v < -n) | (v >= n)].flat[0]} is out of bounds for dimension {k} with size {n}")
    advs = list(advs)
    for k, v, n in bad:
        advs[k] = (advs[k][0], np.clip(v, -n, n - 1))
    return advs


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
    sizes = []  # the size of each dim an advanced index selects from
    bad = []
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
                    sizes.append(1)
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
            sizes += ms
            basic += [slice(None)] * v.ndim
            d += v.ndim
            o += v.ndim
        else:
            n = shape[d]
            if v.size and (v.min() < -n or v.max() >= n):
                bad.append((len(advs), v, n))  # torch names the dim by the index's ordinal
            advs.append((o, v))
            sizes.append(n)
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
    if bad:
        advs = _out_of_bounds(shape, basic, advs, sizes, bad)
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


def _index_dim(input, dim, idx, cls):
    return cls.apply(input, (Ellipsis,), (slice(None),) * dim + (idx,), False)
