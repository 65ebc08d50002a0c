"""Shape and view ops: reshape/view, squeeze, transpose/permute, expand, repeat, flip, cat/stack, split, ...

View results share the input's memory and version counter, as torch's views do. Ops torch
defines as copies (flip, roll, repeat, tril, cat) return fresh arrays.
"""

from __future__ import annotations

import builtins
import numbers
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..backend import xp
from . import indexing as _ix
from ._util import shape_str, wrap_dim

_make = Tensor._make
_as_strided = np.lib.stride_tricks.as_strided


class _Op(Function):
    _builtin = True


class _Scratch:
    """Receives the attributes a forward stores on its ctx when nothing is recorded."""


_SCRATCH = _Scratch()


def _run(cls, a, *args):
    """``cls.apply``, or just its forward when nothing needs recording (lower per-call cost for views)."""
    if a._rg and _state.enabled:
        return cls.apply(a, *args)
    return _make(cls.forward(_SCRATCH, a, *args), False, None, 0)


def _sizes(args) -> tuple:
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


def _view_of(out: Tensor, a: Tensor, fn=None, args=()) -> Tensor:
    """Mark ``out`` as a view of ``a`` when it aliases a's memory: the version counter is shared, and with
    ``fn(base, *args)`` replaying the view, an in-place change of ``out`` also rebases its root's history."""
    if np.may_share_memory(out._data, a._data):
        out._vc = a._vc_get()
        if fn is not None:
            base = a._base
            if base is None:
                out._base = a
                out._view_fn = ((fn, args),)
            else:
                out._base = base
                out._view_fn = a._view_fn + ((fn, args),)
    return out


def _views_of(outs, a, keys):
    for o, k in zip(outs, keys):
        _view_of(o, a, _ix._Alias.apply, (k, None, True))
    return outs


# ---- reshape family -----------------------------------------------------------------------------
class Reshape(_Op):
    """reshape: gradient reshaped back"""

    _node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a._data.shape
        return a._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


class _Squeeze0(Reshape):
    _node_name = "SqueezeBackward0"


class _Squeeze1(Reshape):
    _node_name = "SqueezeBackward1"


class _Squeeze2(Reshape):
    _node_name = "SqueezeBackward2"


class _Unsqueeze(Reshape):
    _node_name = "UnsqueezeBackward0"


def _infer_shape(shape, numel):
    """Resolve a single -1 like torch, with torch's errors."""
    neg = None
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if neg is not None:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {shape_str(shape)}")
        else:
            known *= s
    if neg is None:
        if known != numel:
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
        return shape
    if known == 0:
        if numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {shape_str(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous"
            )
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    if numel % known:
        raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {numel}")
    return shape[:neg] + (numel // known,) + shape[neg + 1 :]


def _reshape(input, shape, cls=Reshape):
    d = input._data
    if shape != d.shape:
        shape = _infer_shape(shape, d.size)
    if input._rg and _state.enabled:
        out = cls.apply(input, shape)
    else:
        out = _make(d.reshape(shape), False, None, 0)
    return _view_of(out, input, Reshape.apply, (shape,))


def reshape(input: Tensor, *shape) -> Tensor:
    """Same elements in a new shape (one size may be -1); a view when the layout allows."""
    return _reshape(input, _sizes(shape))


def view(input: Tensor, *shape) -> Tensor:
    """Reshape (or reinterpret as another dtype of the same element size ratio)."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(input, shape[0])
    return _reshape(input, _sizes(shape))


def _view_dtype(input, dtype):
    d = input._data
    nd = D.to_np(dtype)
    if nd == d.dtype:
        return input
    if d.ndim == 0 and nd.itemsize != d.itemsize:
        raise RuntimeError("self.dim() cannot be 0 to view " + f"{input.dtype} as {dtype} (different element sizes)")
    try:
        out = np.ascontiguousarray(d).view(nd)
    except ValueError:
        raise RuntimeError(
            f"self.size(-1) must be divisible by {nd.itemsize // d.itemsize} to view {input.dtype} as "
            f"{dtype} (different element sizes), but got {d.shape[-1]}"
        ) from None
    return _view_of(_make(out, False, None, 0), input)


def view_as(input: Tensor, other: Tensor) -> Tensor:
    return _reshape(input, other._data.shape)


def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    return _reshape(input, other._data.shape)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    s = input._data.shape
    nd = len(s)
    a, b = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if a > b:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if nd == 0:
        return _reshape(input, (1,))
    if a == b:
        return input
    n = 1
    for k in s[a : b + 1]:
        n *= k
    return _reshape(input, s[:a] + (n,) + s[b + 1 :])


def ravel(input: Tensor) -> Tensor:
    return _reshape(input, (input._data.size,))


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim into ``sizes`` (one may be -1)."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    sizes = tuple(int(k) for k in sizes)
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        sizes = _infer_shape(sizes, s[dim])
    except RuntimeError:
        raise RuntimeError(
            f"unflatten: Provided sizes {shape_str(sizes)} don't multiply up to the size of dim "
            f"{dim} ({s[dim]}) in the input tensor"
        ) from None
    return _reshape(input, s[:dim] + sizes + s[dim + 1 :])


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Drop size-1 dims (all, one, or a tuple of them)."""
    s = input._data.shape
    nd = len(s)
    if dim is None:
        return _reshape(input, tuple(k for k in s if k != 1), _Squeeze0)
    if isinstance(dim, (tuple, list)):
        dims = [wrap_dim(d, nd) for d in dim]
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"dim {dims[0]} appears multiple times in the list of dims")
        cls = _Squeeze2
    else:
        dims = [wrap_dim(dim, nd)]
        cls = _Squeeze1
    return _reshape(input, tuple(k for i, k in enumerate(s) if not (i in dims and k == 1)), cls)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a size-1 dim at ``dim``."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s) + 1)
    return _reshape(input, s[:dim] + (1,) + s[dim:], _Unsqueeze)


# ---- dimension order -------------------------------------------------------------------------------
class Permute(_Op):
    """permute dims: gradient permuted by the inverse"""

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return xp.transpose(a._data, dims)

    @staticmethod
    def backward(ctx, g):
        return Permute.apply(g, tuple(np.argsort(ctx.dims).tolist()))


class _Transpose(Permute):
    _node_name = "TransposeBackward0"


class _T(Permute):
    _node_name = "TBackward0"


def permute(input: Tensor, *dims) -> Tensor:
    nd = input._data.ndim
    dims = _sizes(dims)
    if len(dims) != nd:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return _view_of(_run(Permute, input, dims), input, Permute.apply, (dims,))


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap two dims."""
    nd = input._data.ndim
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    dims = list(range(nd))
    if nd:
        dims[d0], dims[d1] = dims[d1], dims[d0]
    dims = tuple(dims)
    return _view_of(_run(_Transpose, input, dims), input, Permute.apply, (dims,))


swapaxes = swapdims = transpose


def t(input: Tensor) -> Tensor:
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    dims = (1, 0) if nd == 2 else tuple(range(nd))
    return _view_of(_run(_T, input, dims), input, Permute.apply, (dims,))


def movedim(input: Tensor, source, destination) -> Tensor:
    """Move dims ``source`` to positions ``destination``, others keep their order."""
    nd = input._data.ndim
    src = [source] if isinstance(source, numbers.Integral) else list(source)
    dst = [destination] if isinstance(destination, numbers.Integral) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should contain "
            f"the same number of dims as destination ({list(dst)} dims)"
        )
    src = [wrap_dim(d, nd) for d in src]
    dst = [wrap_dim(d, nd) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    order = [None] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src)
    order = tuple(o if o is not None else next(rest) for o in order)
    return _view_of(_run(Permute, input, order), input, Permute.apply, (order,))


moveaxis = movedim


# ---- broadcasting / repetition ----------------------------------------------------------------------
class Expand(_Op):
    """broadcast_to: gradient summed back by the engine's central reduction"""

    @staticmethod
    def forward(ctx, a, shape):
        return np.broadcast_to(a._data, shape)

    @staticmethod
    def backward(ctx, g):
        return g


def _expand_shape(input, sizes):
    d = input._data
    nd = len(sizes) - d.ndim
    if nd < 0:
        raise RuntimeError(
            f"expand(torch.{_TORCH_NAME.get(str(d.dtype), d.dtype)}Tensor{{{shape_str(d.shape)}}}, "
            f"size={shape_str(sizes)}): the number of sizes provided ({len(sizes)}) must be greater "
            f"or equal to the number of dimensions in the tensor ({d.ndim})"
        )
    out = []
    for i, s in enumerate(sizes):
        if i < nd:
            if s < 0:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) isn't allowed in a leading, non-existing dimension {i}"
                )
            out.append(s)
            continue
        k = d.shape[i - nd]
        if s == -1:
            s = k
        elif k != s and k != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({k}) at "
                f"non-singleton dimension {i}.  Target sizes: {shape_str(sizes)}.  Tensor sizes: "
                f"{shape_str(d.shape)}"
            )
        out.append(s)
    return tuple(out)


def expand(input: Tensor, *sizes) -> Tensor:
    """Broadcast to ``sizes`` without copying (-1 keeps a size)."""
    shape = _expand_shape(input, _sizes(sizes))
    return _view_of(_run(Expand, input, shape), input)


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    from ._util import broadcast_shapes

    shape = broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(expand(t, shape) for t in tensors)


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


def repeat(input: Tensor, *sizes) -> Tensor:
    """Repeat along each dim (``len(sizes) >= input.dim()``)."""
    reps = _sizes(sizes)
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


def flip(input: Tensor, *dims) -> Tensor:
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    return Flip.apply(input, _dim_list(dims, input._data.ndim))


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
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if not shifts:
        raise RuntimeError("`shifts` required")
    return Roll.apply(input, shifts, tuple(wrap_dim(d, input._data.ndim) for d in dims))


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
    n = s[wrap_dim(dim, len(s))]
    k = -(-n // chunks)
    if k == 0:
        return split(input, [0] * chunks, dim) if n == 0 else split(input, 1, dim)
    return split(input, k, dim)


def tensor_split(input: Tensor, indices_or_sections, dim: int = 0):
    """numpy.array_split semantics: n near-equal sections, or cuts at the given indices."""
    s = input._data.shape
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
            return tuple(_ix._basic(input, pre + (slice(a, max(a, b)),), _ix._Slice) for a, b in zip(cuts, cuts[1:]))
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


# ---- slicing views ---------------------------------------------------------------------------------
def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """View of ``length`` elements of dim from ``start``."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    start = int(start)
    n = s[dim]
    if not -n <= start <= n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got {start})")
    if start < 0:
        start += n
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return _ix._basic(input, (slice(None),) * dim + (slice(start, start + length),), _ix._Slice)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """View at ``index`` of dim (that dim removed)."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    index = int(index)
    if not -s[dim] <= index < s[dim]:
        raise IndexError(f"select(): index {index} out of range for tensor of size {shape_str(s)} at dimension {dim}")
    return _ix._basic(input, (slice(None),) * dim + (index,), _ix._Select)


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
    return _ix._index_dim(input, dim, idx, _ix._IndexSelect)


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


# ---- shape changes in place --------------------------------------------------------------------------
def _reshape_inplace(self, res, opname):
    self._check_inplace(opname)
    self._data = res._data
    vc = self._vc_get()
    vc.v += 1
    vc.op = opname
    if res.grad_fn is not None:
        self.grad_fn = res.grad_fn
        self._out_nr = res._out_nr
    return self


def squeeze_(input: Tensor, dim=None) -> Tensor:
    return _reshape_inplace(input, squeeze(input, dim), "squeeze_")


def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    return _reshape_inplace(input, unsqueeze(input, dim), "unsqueeze_")


def t_(input: Tensor) -> Tensor:
    return _reshape_inplace(input, t(input), "t_")


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    return _reshape_inplace(input, transpose(input, dim0, dim1), "transpose_")


def tril_(input: Tensor, diagonal: int = 0) -> Tensor:
    return input._inplace(tril, "tril_", diagonal)


def triu_(input: Tensor, diagonal: int = 0) -> Tensor:
    return input._inplace(triu, "triu_", diagonal)


_FUNCS = [
    "reshape",
    "view",
    "view_as",
    "reshape_as",
    "flatten",
    "ravel",
    "unflatten",
    "squeeze",
    "unsqueeze",
    "permute",
    "transpose",
    "swapaxes",
    "swapdims",
    "t",
    "movedim",
    "moveaxis",
    "expand",
    "expand_as",
    "broadcast_to",
    "repeat",
    "tile",
    "flip",
    "fliplr",
    "flipud",
    "roll",
    "split",
    "split_with_sizes",
    "chunk",
    "tensor_split",
    "hsplit",
    "vsplit",
    "unbind",
    "narrow",
    "select",
    "diagonal",
    "diag",
    "diag_embed",
    "tril",
    "triu",
    "unfold",
    "repeat_interleave",
]
_INPLACE = ["squeeze_", "unsqueeze_", "t_", "transpose_", "tril_", "triu_"]
__all__ = [f for f in _FUNCS if f not in ("view", "view_as", "reshape_as", "expand", "expand_as", "repeat", "unfold")]
__all__ += [
    "cat",
    "concat",
    "concatenate",
    "stack",
    "hstack",
    "vstack",
    "row_stack",
    "dstack",
    "column_stack",
    "atleast_1d",
    "atleast_2d",
    "atleast_3d",
    "broadcast_tensors",
    "meshgrid",
]
TENSOR_METHODS = _FUNCS + _INPLACE
