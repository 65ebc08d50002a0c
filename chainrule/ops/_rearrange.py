"""Copying rearrangements (repeat, tile, flip, roll, tril/triu, repeat_interleave) and strided views
(diagonal, unfold) with their gradients."""

from __future__ import annotations

import builtins
import numbers

import numpy as np

from .._tensor import Tensor
from ..backend import xp
from . import _index_core as _core
from ._util import shape_str, wrap_dim
from .shape import _kw, _make, _Op, _reshape, _run, _sizes, _view_of

_as_strided = np.lib.stride_tricks.as_strided


class Repeat(_Op):
    """tile the data; gradient sums the copies: reshape to (r0, s0, r1, s1, ...) and sum the r axes"""

    @staticmethod
    def forward(ctx, a, reps):
        d = a._data
        ctx.in_shape = d.shape
        ctx.reps = reps
        padded = (1,) * (len(reps) - d.ndim) + d.shape
        return np.tile(d.reshape(padded), reps)

    @staticmethod
    def backward(ctx, g):
        reps = ctx.reps
        padded = (1,) * (len(reps) - len(ctx.in_shape)) + ctx.in_shape
        inter = []
        for r, s in zip(reps, padded):
            inter += [r, s]
        summed = g.reshape(tuple(inter)).sum(tuple(range(0, 2 * len(reps), 2)))
        return summed.reshape(ctx.in_shape)


def repeat(input: Tensor, *sizes, **kw) -> Tensor:
    """Repeat along each dim (``len(sizes) >= input.dim()``)."""
    reps = _sizes(sizes or _kw(kw, "repeats"))
    if len(reps) < input._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor")
    for r in reps:
        if r < 0:
            shape = (1,) * (len(reps) - input._data.ndim) + input._data.shape
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {r}: "
                f"{shape_str([a * b for a, b in zip(shape, reps)])}"
            )
    return Repeat.apply(input, reps)


def tile(input: Tensor, dims) -> Tensor:
    reps = _sizes((dims,)) if isinstance(dims, (tuple, list)) else (int(dims),)
    reps = (1,) * (input._data.ndim - len(reps)) + reps
    return repeat(input, reps)


class Flip(_Op):
    """reverse along dims; gradient flipped back"""

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return np.flip(a._data, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return Flip.apply(g, ctx.dims)


def _dim_list(dims, nd):
    dims = [dims] if isinstance(dims, numbers.Integral) else list(dims)
    dims = [wrap_dim(d, nd) for d in dims]
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
    return tuple(dims)


def flip(input: Tensor, *dims, **kw) -> Tensor:
    dims = dims or _kw(kw, "dims")
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    dims = _dim_list(dims, input._data.ndim)
    return Flip.apply(input, dims if input._data.ndim else ())  # a 0-d tensor flips to itself, as torch


def rot90(input: Tensor, k: int = 1, dims=(0, 1)) -> Tensor:
    """Rotate by 90 degrees k times in the plane of ``dims`` (from the first towards the second)."""
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = wrap_dim(dims[0], nd), wrap_dim(dims[1], nd)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return flip(input, d1).transpose(d0, d1)
    if k == 2:
        return flip(input, d0, d1)
    if k == 3:
        return flip(input, d0).transpose(d0, d1)
    return input.clone()


def fliplr(input: Tensor) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input: Tensor) -> Tensor:
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


class Roll(_Op):
    """circular shift; gradient shifted back"""

    @staticmethod
    def forward(ctx, a, shifts, dims):
        ctx.shifts = shifts
        ctx.dims = dims
        return np.roll(a._data, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        back = tuple(-s for s in ctx.shifts) if isinstance(ctx.shifts, tuple) else -ctx.shifts
        return Roll.apply(g, back, ctx.dims)


def roll(input: Tensor, shifts, dims=None) -> Tensor:
    shifts = (int(shifts),) if isinstance(shifts, numbers.Integral) else tuple(int(s) for s in shifts)
    if dims is None:
        if len(shifts) != 1:
            if not shifts:
                raise RuntimeError("`shifts` required")
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(input, shifts[0], None)
    dims = (dims,) if isinstance(dims, numbers.Integral) else tuple(dims)
    if input._data.ndim == 0 and dims:
        raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if not shifts:
        raise RuntimeError("`shifts` required")
    return Roll.apply(input, shifts, tuple(wrap_dim(d, input._data.ndim) for d in dims))


# ---- diagonals and triangles -------------------------------------------------------------------------
def _diag_view(arr, offset, d1, d2):
    """Writable strided view of a diagonal: remaining dims in order, then the diagonal."""
    s, st = arr.shape, arr.strides
    if offset >= 0:
        n = max(min(s[d1], s[d2] - offset), 0)
        sub = arr[(slice(None),) * d2 + (slice(offset, None),)]
    else:
        n = max(min(s[d1] + offset, s[d2]), 0)
        sub = arr[(slice(None),) * d1 + (slice(-offset, None),)]
    rest = [i for i in range(arr.ndim) if i != d1 and i != d2]
    shape = tuple(s[i] for i in rest) + (n,)
    strides = tuple(st[i] for i in rest) + (st[d1] + st[d2],)
    return _as_strided(sub, shape, strides, writeable=arr.flags.writeable)


class Diagonal(_Op):
    """view of a diagonal; gradient placed back on the diagonal of zeros"""

    @staticmethod
    def forward(ctx, a, offset, d1, d2):
        ctx.args = (a._data.shape, offset, d1, d2)
        return _diag_view(a._data, offset, d1, d2)

    @staticmethod
    def backward(ctx, g):
        return DiagEmbed.apply(g, *ctx.args)


class DiagEmbed(_Op):
    """zeros with the input on a diagonal; gradient is that diagonal"""

    @staticmethod
    def forward(ctx, a, shape, offset, d1, d2):
        ctx.args = (offset, d1, d2)
        out = xp.zeros(shape, a._data.dtype)
        _diag_view(out, offset, d1, d2)[...] = a._data
        return out

    @staticmethod
    def backward(ctx, g):
        return Diagonal.apply(g, *ctx.args)


class DiagonalScatter(_Op):
    """input with src on a diagonal: input's gradient has that diagonal zeroed, src's is the diagonal"""

    @staticmethod
    def forward(ctx, a, src, offset, d1, d2):
        ctx.args = (a._data.shape, offset, d1, d2)
        out = a._data.copy()
        _diag_view(out, offset, d1, d2)[...] = src._data
        return out

    @staticmethod
    def backward(ctx, g):
        shape, offset, d1, d2 = ctx.args
        na, ns = ctx.needs_input_grad[:2]
        diag = Diagonal.apply(g, offset, d1, d2)
        return (g - DiagEmbed.apply(diag, shape, offset, d1, d2) if na else None), (diag if ns else None)


def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """Copy of input with ``src`` embedded on the ``offset`` diagonal of (dim1, dim2)."""
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    target = _diag_view(input._data, int(offset), d1, d2).shape
    if src._data.shape != target:
        raise RuntimeError(
            "expected src to have a size equal to the slice of self. src size = "
            f"{shape_str(src._data.shape)}, slice size = {shape_str(target)}"
        )
    return DiagonalScatter.apply(input, src, int(offset), d1, d2)


def _diag_dims(nd, dim1, dim2):
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """View of the ``offset`` diagonal of dims (dim1, dim2), appended as the last dim."""
    d1, d2 = _diag_dims(input._data.ndim, dim1, dim2)
    args = (int(offset), d1, d2)
    return _view_of(_run(Diagonal, input, *args), input, Diagonal.apply, args)


def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Place the last dim on a diagonal of two new dims."""
    s = input._data.shape
    nd = len(s) + 1
    d1, d2 = _diag_dims(nd, dim1, dim2)
    n = (s[-1] if s else 1) + builtins.abs(int(offset))
    rest = iter(s[:-1])
    shape = tuple(n if i in (d1, d2) else next(rest) for i in range(nd))
    a = input if s else _reshape(input, (1,))
    return DiagEmbed.apply(a, shape, int(offset), d1, d2)


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D -> matrix with it on a diagonal; 2-D -> copy of a diagonal."""
    nd = input._data.ndim
    if nd == 1:
        n = input._data.shape[0] + builtins.abs(int(diagonal))
        return DiagEmbed.apply(input, (n, n), int(diagonal), 0, 1)
    if nd == 2:
        return Diagonal.apply(input, int(diagonal), 0, 1).clone()
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " + f"{nd}D")


class _Tri(_Op):
    @staticmethod
    def forward(ctx, a, k):
        ctx.k = k
        return ctx._fn(a._data, k)


class Tril(_Tri):
    """lower triangle; gradient is the lower triangle of the gradient"""

    _fn = staticmethod(np.tril)

    @staticmethod
    def backward(ctx, g):
        return Tril.apply(g, ctx.k)


class Triu(_Tri):
    """upper triangle; gradient is the upper triangle of the gradient"""

    _fn = staticmethod(np.triu)

    @staticmethod
    def backward(ctx, g):
        return Triu.apply(g, ctx.k)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return Tril.apply(input, int(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return Triu.apply(input, int(diagonal))


# ---- windows and grids -------------------------------------------------------------------------------
class Unfold(_Op):
    """sliding windows of ``size`` every ``step`` along dim (new last dim); gradient sums overlaps back"""

    @staticmethod
    def forward(ctx, a, dim, size, step):
        d = a._data
        ctx.args = (d.shape, dim, size, step)
        if d.ndim == 0:
            return d.reshape(1)
        n = (d.shape[dim] - size) // step + 1
        shape = d.shape[:dim] + (n,) + d.shape[dim + 1 :] + (size,)
        st = d.strides
        strides = st[:dim] + (st[dim] * step,) + st[dim + 1 :] + (st[dim],)
        return _as_strided(d, shape, strides, writeable=False)

    @staticmethod
    def backward(ctx, g):
        return UnfoldBackward.apply(g, *ctx.args)


class UnfoldBackward(_Op):
    """scatter-add windows back to the input layout; its gradient unfolds again"""

    @staticmethod
    def forward(ctx, g, shape, dim, size, step):
        ctx.args = (dim, size, step)
        gd = g._data
        if not shape:
            return gd.reshape(())
        out = xp.zeros(shape, gd.dtype)
        n = gd.shape[dim]
        pre = (slice(None),) * dim
        for k in range(size):
            out[pre + (slice(k, k + step * (n - 1) + 1, step),)] += gd[..., k]
        return out

    @staticmethod
    def backward(ctx, gg):
        return Unfold.apply(gg, *ctx.args)


def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Tensor.unfold: all windows of ``size`` along ``dimension`` with stride ``step``."""
    s = input._data.shape
    dim = wrap_dim(dimension, len(s))
    n = s[dim] if s else 1
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {dim} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return _view_of(Unfold.apply(input, dim, int(size), int(step)), input)


def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size=None) -> Tensor:
    """Repeat each element ``repeats`` times along dim (flattened when dim is None)."""
    if repeats is None:
        r = input._data
        return _make(np.repeat(np.arange(r.shape[0] if r.ndim else 1), r.reshape(-1)), False, None, 0)
    if dim is None:
        input = _reshape(input, (input._data.size,))
        dim = 0
    dim = wrap_dim(dim, input._data.ndim)
    n = input._data.shape[dim] if input._data.ndim else 1
    r = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if r.ndim and r.shape[0] not in (1, n):
        raise RuntimeError(
            "repeats must have the same size as input along dim, but got repeats.size(0) = "
            f"{r.shape[0]} and input.size({dim}) = {n}"
        )
    if (r < 0).any():
        raise RuntimeError("repeats can not be negative")
    idx = np.repeat(np.arange(n), r.reshape(-1) if r.ndim else int(r))
    return _core._index_dim(input, dim, idx, _core._IndexSelect)


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    return input._inplace(tril, "tril_", diagonal)


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    return input._inplace(triu, "triu_", diagonal)
