"""Joining and splitting: cat/stack (torch's dtype promotion and errors), split/chunk/unbind views, meshgrid."""

from __future__ import annotations

import builtins
import numbers
import warnings

from .. import _dtype as D
from .._tensor import Tensor
from ..backend import xp
from . import _index_core as _core
from ._util import shape_str, wrap_dim
from .shape import _basic, _Op, _reshape, _views_of, expand


# ---- joining ---------------------------------------------------------------------------------------
def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def _common_np(tensors):
    dt = tensors[0]._data.dtype
    for t in tensors[1:]:
        if t._data.dtype != dt:
            dt = D._promote_np(dt, t._data.dtype)
    return dt


class Cat(_Op):
    """concatenate; gradient split back into the pieces"""

    @staticmethod
    def forward(ctx, dim, dt, skip, *ts):
        ctx.dim = dim
        ctx.skip = skip
        ts = [t for t, k in zip(ts, skip) if not k] if skip else ts
        ctx.sizes = [t._data.shape[dim] for t in ts]
        return xp.concatenate([t._data for t in ts], axis=dim, dtype=dt)

    @staticmethod
    def backward(ctx, g):
        parts = split(g, ctx.sizes, ctx.dim)
        if ctx.skip:
            it = iter(parts)
            parts = [g.new_zeros((0,)) if k else next(it) for k in ctx.skip]
        return (None, None, None) + tuple(parts)


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join tensors along an existing dim (torch's dtype promotion; legacy 1-D empty tensors are skipped)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    ref = None
    for i, t in enumerate(tensors):
        s = t._data.shape
        if not s:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
        if ref is None and not (len(s) == 1 and s[0] == 0):
            ref = (i, s)
    if ref is None:
        ref = (0, tensors[0]._data.shape)
    rs = ref[1]
    dim = wrap_dim(dim, len(rs))
    for i, t in enumerate(tensors):
        s = t._data.shape
        if len(s) == 1 and s[0] == 0 and len(rs) != 1:
            continue
        if len(s) != len(rs):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(rs)} and {len(s)}")
        for k in range(len(s)):
            if k != dim and s[k] != rs[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size {rs[k]} "
                    f"but got size {s[k]} for tensor number {i} in the list."
                )
    skip = None
    if len(rs) != 1:
        skip = [t._data.shape == (0,) for t in tensors]
        skip = skip if any(skip) else None
    res = Cat.apply(dim, _common_np(tensors), skip, *tensors)
    if out is not None:
        return out.copy_(res) if out._data.shape == res._data.shape else _resize_out(out, res)
    return res


def _resize_out(out, res):
    out._data = res._data.astype(out._data.dtype)
    out._vc_get().v += 1
    return out


concat = concatenate = cat


class Stack(_Op):
    """stack along a new dim; gradient unbound back"""

    @staticmethod
    def forward(ctx, dim, dt, *ts):
        ctx.dim = dim
        return xp.stack([t._data for t in ts], axis=dim, dtype=dt)

    @staticmethod
    def backward(ctx, g):
        return (None, None) + tuple(unbind(g, ctx.dim))


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    s0 = tensors[0]._data.shape
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != s0:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {shape_str(s0)} at entry 0 and "
                f"{shape_str(t._data.shape)} at entry {i}"
            )
    dim = wrap_dim(dim, len(s0) + 1)
    res = Stack.apply(dim, _common_np(tensors), *tensors)
    if out is not None:
        return out.copy_(res) if out._data.shape == res._data.shape else _resize_out(out, res)
    return res


def atleast_1d(*tensors):
    return _atleast(tensors, lambda t: _reshape(t, (1,)) if t._data.ndim == 0 else t)


def atleast_2d(*tensors):
    def f(t):
        nd = t._data.ndim
        return _reshape(t, (1,) * (2 - nd) + t._data.shape) if nd < 2 else t

    return _atleast(tensors, f)


def atleast_3d(*tensors):
    def f(t):
        s = t._data.shape
        if len(s) == 0:
            return _reshape(t, (1, 1, 1))
        if len(s) == 1:
            return _reshape(t, (1, s[0], 1))
        if len(s) == 2:
            return _reshape(t, s + (1,))
        return t

    return _atleast(tensors, f)


def _atleast(tensors, f):
    if len(tensors) == 1:
        if isinstance(tensors[0], (list, tuple)):
            return tuple(f(t) for t in tensors[0])
        return f(tensors[0])
    return tuple(f(t) for t in tensors)


def hstack(tensors, *, out=None) -> Tensor:
    ts = [atleast_1d(t) for t in _tensor_list(tensors, "hstack")]
    return cat(ts, 0 if ts and ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None) -> Tensor:
    return cat([atleast_2d(t) for t in _tensor_list(tensors, "vstack")], 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None) -> Tensor:
    return cat([atleast_3d(t) for t in _tensor_list(tensors, "dstack")], 2, out=out)


def column_stack(tensors, *, out=None) -> Tensor:
    ts = [_reshape(t, (t._data.size, 1)) if t._data.ndim <= 1 else t for t in _tensor_list(tensors, "column_stack")]
    return cat(ts, 1, out=out)


# ---- splitting -------------------------------------------------------------------------------------
class Split(_Op):
    """views of consecutive pieces along dim; gradient concatenated back"""

    _node_name = "SplitWithSizesBackward0"

    @staticmethod
    def forward(ctx, a, sizes, dim):
        ctx.dim = dim
        d = a._data
        pre = (slice(None),) * dim
        out = []
        o = 0
        for s in sizes:
            out.append(d[pre + (slice(o, o + s),)])
            o += s
        return tuple(out)

    @staticmethod
    def backward(ctx, *grads):
        return cat(grads, ctx.dim)


class _SplitEq(Split):
    _node_name = "SplitBackward0"


class Unbind(_Op):
    """views of each index along dim; gradient stacked back"""

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        d = a._data
        pre = (slice(None),) * dim
        return tuple(d[pre + (i, Ellipsis)] for i in range(d.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        return stack(grads, ctx.dim)


def _split_sizes(input, sizes, dim, cls=Split):
    pre = (slice(None),) * dim
    keys = []
    o = 0
    for k in sizes:
        keys.append(pre + (slice(o, o + k), Ellipsis))
        o += k
    return _views_of(cls.apply(input, tuple(sizes), dim), input, keys)


def split(tensor: Tensor, split_size_or_sections, dim: int = 0):
    """Pieces of ``split_size`` (last may be smaller) or of the listed sizes along dim."""
    s = tensor._data.shape
    if not s:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    dim = wrap_dim(dim, len(s))
    n = s[dim] if s else 1
    if isinstance(split_size_or_sections, numbers.Integral):
        k = int(split_size_or_sections)
        if k < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={k}")
        if k == 0:
            if n != 0:
                raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {n}")
            return _split_sizes(tensor, [0], dim, _SplitEq)
        sizes = [k] * (n // k) + ([n % k] if n % k else [])
        return _split_sizes(tensor, sizes or [0], dim, _SplitEq)
    if isinstance(split_size_or_sections, Tensor):
        split_size_or_sections = split_size_or_sections.tolist()
    for v in split_size_or_sections:
        if not isinstance(v, numbers.Integral):
            raise TypeError(
                f"split_with_sizes(): argument 'split_sizes' (position 2) must be tuple of ints, not {type(v).__name__}"
            )
    sizes = [int(v) for v in split_size_or_sections]
    if builtins.sum(sizes) != n or any(v < 0 for v in sizes):
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's size at "
            f"dimension {dim}), but got split_sizes={sizes}"
        )
    return _split_sizes(tensor, sizes, dim)


def split_with_sizes(input: Tensor, split_sizes, dim: int = 0):
    return split(input, list(split_sizes), dim)


def chunk(input: Tensor, chunks: int, dim: int = 0):
    """At most ``chunks`` pieces of ceil(size / chunks)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    s = input._data.shape
    if not s:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    n = s[wrap_dim(dim, len(s))]
    k = -(-n // chunks)
    if k == 0:
        return split(input, [0] * chunks, dim) if n == 0 else split(input, 1, dim)
    return split(input, k, dim)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    """numpy.array_split semantics: n near-equal sections, or cuts at the given indices."""
    s = input._data.shape
    if not s:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = wrap_dim(dim, len(s))
    n = s[dim]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        ios = ios.item() if ios._data.ndim == 0 else ios.tolist()
    if isinstance(ios, numbers.Integral):
        k = int(ios)
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        q, r = divmod(n, k)
        sizes = [q + 1] * r + [q] * (k - r)
    else:
        cuts = [0] + [min(max(int(c) + (n if c < 0 else 0), 0), n) for c in ios] + [n]
        if any(b < a for a, b in zip(cuts, cuts[1:])):
            pre = (slice(None),) * dim
            return tuple(_basic(input, pre + (slice(a, max(a, b)),), _core._Slice) for a, b in zip(cuts, cuts[1:]))
        sizes = [b - a for a, b in zip(cuts, cuts[1:])]
    return _split_sizes(input, sizes, dim, Split)


def hsplit(input: Tensor, indices_or_sections):
    return tensor_split(input, indices_or_sections, 1 if input._data.ndim > 1 else 0)


def vsplit(input: Tensor, indices_or_sections):
    return tensor_split(input, indices_or_sections, 0)


def unbind(input: Tensor, dim: int = 0):
    """Tuple of slices along dim (that dim removed)."""
    dim = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    pre = (slice(None),) * dim
    return _views_of(Unbind.apply(input, dim), input, [pre + (i, Ellipsis) for i in range(input._data.shape[dim])])


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids from 1-D tensors ('ij' matrix or 'xy' Cartesian indexing)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the input list but got: {t._data.ndim}D")
    ts = list(tensors)
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = tuple(t._data.size for t in ts)
    n = len(ts)
    out = [
        expand(_reshape(t, (1,) * i + (-1 if t._data.size else 0,) + (1,) * (n - i - 1)), shape)
        for i, t in enumerate(ts)
    ]
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)
