"""Shape and view ops: reshape/view, squeeze, transpose/permute, expand, narrow/select.

View results share the input's memory and version counter, as torch's views do, and remember how
to replay themselves from their root base so that an in-place change of a view rebases the base's
history (see ``indexing._rebase_view``). Joining/splitting live in ``_join``, copying rearrangements
(repeat, flip, roll, tril, diagonal, unfold) in ``_rearrange``; all are exported from here.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype as D
from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..backend import xp
from . import _index_core as _core
from ._util import shape_str, wrap_dim

_make = Tensor._make


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


def _kw(kw, name):
    """A size/dims argument passed by keyword, as a 1-tuple (empty when absent)."""
    if name in kw:
        return (kw.pop(name),)
    if kw:
        raise TypeError(f"got an unexpected keyword argument '{next(iter(kw))}'")
    return ()


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
                out._view_fn = _ViewChain(a._view_fn, fn, args)
    return out


class _ViewChain:
    """A view's replay steps as a parent link plus one step: O(1) per view, so a long chain of views of
    views stays linear; iterating yields the (fn, args) steps from the root base outwards."""

    __slots__ = ("parent", "step")

    def __init__(self, parent, fn, args):
        self.parent = parent
        self.step = (fn, args)

    def __iter__(self):
        steps = []
        node = self
        while type(node) is _ViewChain:
            steps.append(node.step)
            node = node.parent
        steps.extend(reversed(node))
        return reversed(steps)


def _views_of(outs, a, keys):
    for o, k in zip(outs, keys):
        _view_of(o, a, _core._Alias.apply, (k, None, True))
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


def reshape(input: Tensor, *shape, **kw) -> Tensor:
    """Same elements in a new shape (one size may be -1); a view when the layout allows."""
    return _reshape(input, _sizes(shape or _kw(kw, "shape")))


def view(input: Tensor, *shape, **kw) -> Tensor:
    """Reshape (or reinterpret as another dtype of the same element size ratio)."""
    shape = shape or _kw(kw, "dtype" if "dtype" in kw else "size")
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


def permute(input: Tensor, *dims, **kw) -> Tensor:
    nd = input._data.ndim
    dims = _sizes(dims or _kw(kw, "dims"))
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


def expand(input: Tensor, *sizes, **kw) -> Tensor:
    """Broadcast to ``sizes`` without copying (-1 keeps a size)."""
    shape = _expand_shape(input, _sizes(sizes or _kw(kw, "size")))
    return _view_of(_run(Expand, input, shape), input, expand, (shape,))


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    return expand(input, other._data.shape)


def broadcast_to(input: Tensor, size) -> Tensor:
    return expand(input, tuple(size))


def broadcast_tensors(*tensors):
    """Expand all tensors to their common broadcast shape (a tensor already of that shape is returned as is)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    from ._util import broadcast_shapes

    shape = broadcast_shapes(*[t._data.shape for t in tensors])
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


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
    return _basic(input, (slice(None),) * dim + (slice(start, start + length),), _core._Slice)


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """View at ``index`` of dim (that dim removed)."""
    s = input._data.shape
    dim = wrap_dim(dim, len(s))
    index = int(index)
    if not -s[dim] <= index < s[dim]:
        raise IndexError(f"select(): index {index} out of range for tensor of size {shape_str(s)} at dimension {dim}")
    return _basic(input, (slice(None),) * dim + (index,), _core._Select)


def _basic(input, key, cls):
    """A basic-indexing view (ints/slices/None) of input."""
    key = key + (Ellipsis,)
    return _view_of(_run(cls, input, key, None, True), input, _core._Alias.apply, (key, None, True))


# ---- shape changes in place --------------------------------------------------------------------------
# torch names the in-place overloads' nodes apart from the out-of-place ones
_INPLACE_NODE = {
    "SqueezeBackward0": "SqueezeBackward3",
    "SqueezeBackward1": "SqueezeBackward4",
    "SqueezeBackward2": "SqueezeBackward5",
    "UnsqueezeBackward0": "UnsqueezeBackward1",
    "TransposeBackward0": "TransposeBackward1",
    "TBackward0": "TBackward1",
}


def _reshape_inplace(self, res, opname):
    self._check_inplace(opname)
    self._data = res._data
    vc = self._vc_get()
    vc.v += 1
    vc.op = opname
    if res.grad_fn is not None:
        res.grad_fn._node_name = _INPLACE_NODE[res.grad_fn._node_name]
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


from ._join import (  # noqa: E402, F401
    atleast_1d,
    atleast_2d,
    atleast_3d,
    cat,
    chunk,
    column_stack,
    concat,
    concatenate,
    dstack,
    hsplit,
    hstack,
    meshgrid,
    row_stack,
    split,
    split_with_sizes,
    stack,
    tensor_split,
    unbind,
    vsplit,
    vstack,
)
from ._rearrange import (  # noqa: E402, F401
    diag,
    diag_embed,
    diagonal,
    flip,
    fliplr,
    flipud,
    repeat,
    repeat_interleave,
    roll,
    rot90,
    tile,
    tril,
    tril_,
    triu,
    triu_,
    unfold,
)

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
    "rot90",
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
