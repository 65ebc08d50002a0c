"""Shape and view ops: reshape, expand, transpose, permute, ..."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp
from ._util import shape_str, wrap_dim

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _sizes(args):
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


class Reshape(_Op):
    """reshape: gradient reshaped back"""

    _node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        d = a._data
        ctx.in_shape = d.shape
        try:
            return d.reshape(shape)
        except ValueError:
            raise RuntimeError(f"shape '{shape_str(shape)}' is invalid for input of size {d.size}") from None

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


def reshape(input, *shape):
    shape = _sizes(shape)
    if shape == input._data.shape:
        return Reshape.apply(input, shape) if input._rg else _make(input._data, False, None, 0)
    return Reshape.apply(input, shape)


class Expand(_Op):
    """broadcast_to: gradient summed back by the engine's central reduction"""

    @staticmethod
    def forward(ctx, a, shape):
        d = a._data
        nd = len(shape) - d.ndim
        if nd < 0:
            raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to "
                               f"the number of dimensions in the tensor ({d.ndim})")
        full = tuple(d.shape[i - nd] if s == -1 and i >= nd else s for i, s in enumerate(shape))
        try:
            return np.broadcast_to(d, full)
        except ValueError:
            raise RuntimeError(f"The expanded size of the tensor ({list(full)}) must match the existing size "
                               f"({list(d.shape)}) at non-singleton dimensions: cannot expand "
                               f"{shape_str(d.shape)} to {shape_str(full)}") from None

    @staticmethod
    def backward(ctx, g):
        return g


def expand(input, *sizes):
    return Expand.apply(input, _sizes(sizes))


class Permute(_Op):
    """permute dims: gradient permuted by the inverse"""

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return xp.transpose(a._data, dims)

    @staticmethod
    def backward(ctx, g):
        return g.permute(*np.argsort(ctx.dims).tolist())


def permute(input, *dims):
    nd = input._data.ndim
    dims = _sizes(dims)
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {nd} is not equal "
                           f"to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    if nd == 0:
        return input.clone() if False else Permute.apply(input, ())
    d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
    dims = list(range(nd))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Permute.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D")
    return transpose(input, 0, 1) if input._data.ndim == 2 else input


__all__ = ["reshape", "expand", "permute", "transpose", "swapaxes", "swapdims", "t"]
TENSOR_METHODS = ["reshape", "expand", "permute", "transpose", "swapaxes", "swapdims", "t"]
