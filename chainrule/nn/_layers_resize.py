"""interpolate: nearest, nearest-exact, (bi/tri)linear and area resizing of the last one, two or three dims.

Each resized axis is a sparse (out, in) interpolation matrix M applied along that axis; the
gradient applies M^T the same way, so both are one differentiable op pair.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.sparse as sp

from .._tensor import Tensor
from ..autograd.function import Function
from ._layers_pool import _tname, adaptive_avg_pool1d, adaptive_avg_pool2d
from ._layers_pool3d import adaptive_avg_pool3d

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _apply_axis(d, M, axis):
    """M (out, in) applied along ``axis`` of array d."""
    moved = np.moveaxis(d, axis, 0)
    flat = moved.reshape(moved.shape[0], -1)
    out = np.asarray(M @ flat, dtype=d.dtype)
    return np.moveaxis(out.reshape((M.shape[0],) + moved.shape[1:]), 0, axis)


class _Resize(_Op):
    """y = M_h x M_w^T over the last dims (linear in x); dx = M_h^T g M_w"""

    @staticmethod
    def forward(ctx, x, mats):
        ctx.mats = mats
        out = x._data
        nd = len(mats)
        # last axis first: the same order of products and sums as torch's kernels
        for k in range(nd - 1, -1, -1):
            if mats[k] is not None:
                out = _apply_axis(out, mats[k], out.ndim - nd + k)
        return np.ascontiguousarray(out)

    @staticmethod
    def backward(ctx, g):
        return _ResizeT.apply(g, tuple(None if M is None else M.T.tocsr() for M in ctx.mats)), None


class _ResizeT(_Resize):
    _node_name = "UpsampleBackwardBackward0"


def _src_matrix(n_in, n_out, mode, align_corners, scale, dtype):
    """Sparse (n_out, n_in) matrix of torch's source indices and interpolation weights for one axis."""
    j = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        if n_out == n_in:
            idx = j
        else:
            s = np.float32(1.0 / scale if scale is not None and scale > 0 else n_in / n_out)
            off = np.float32(0.5) if mode == "nearest-exact" else np.float32(0.0)
            idx = np.minimum(np.floor((j.astype(np.float32) + off) * s).astype(np.int64), n_in - 1)
        return sp.csr_array((np.ones(n_out, dtype=dtype), (j, idx)), shape=(n_out, n_in))
    if align_corners:
        s = dtype.type((n_in - 1) / (n_out - 1)) if n_out > 1 else dtype.type(0)
        src = s * j.astype(dtype)
    else:
        s = dtype.type(1.0 / scale if scale is not None and scale > 0 else n_in / n_out)
        src = np.maximum(s * (j.astype(dtype) + dtype.type(0.5)) - dtype.type(0.5), 0)
    i0 = np.minimum(src.astype(np.int64), n_in - 1)
    i1 = i0 + (i0 < n_in - 1)
    l1 = np.clip(src - i0.astype(dtype), 0, 1).astype(dtype)
    l0 = (dtype.type(1) - l1).astype(dtype)
    rows = np.concatenate([j, j])
    cols = np.concatenate([i0, i1])
    vals = np.concatenate([l0, l1])
    return sp.csr_array((vals, (rows, cols)), shape=(n_out, n_in))


_NAMES = {("nearest", 1): "UpsampleNearest1DBackward0", ("nearest", 2): "UpsampleNearest2DBackward0",
          ("nearest", 3): "UpsampleNearest3DBackward0", ("nearest-exact", 1): "UpsampleNearestExact1DBackward0",
          ("nearest-exact", 2): "UpsampleNearestExact2DBackward0",
          ("nearest-exact", 3): "UpsampleNearestExact3DBackward0", ("linear", 1): "UpsampleLinear1DBackward0",
          ("bilinear", 2): "UpsampleBilinear2DBackward0", ("trilinear", 3): "UpsampleTrilinear3DBackward0"}  # fmt: skip
_LINEAR_ND = {"linear": 1, "bilinear": 2, "trilinear": 3}
_ADAPTIVE = {1: adaptive_avg_pool1d, 2: adaptive_avg_pool2d, 3: adaptive_avg_pool3d}
_CLASSES = {k: type(v.replace("Backward0", ""), (_Resize,), {"_node_name": v}) for k, v in _NAMES.items()}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False) -> Tensor:  # fmt: skip
    """Resize the spatial dims by nearest-neighbour, (bi/tri)linear interpolation or area averaging (torch's rules)"""
    d = input._data
    nd = d.ndim - 2
    if mode in ("nearest", "area", "nearest-exact") and align_corners is not None:
        raise ValueError(
            "align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear"
        )
    if align_corners is None:
        align_corners = False
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if antialias and not (mode in ("bilinear", "bicubic", "lanczos") and d.ndim == 4):
        raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a 4-D "
                         "tensor as input")  # fmt: skip
    if mode in _LINEAR_ND and nd != _LINEAR_ND[mode]:
        raise NotImplementedError(f"Got {d.ndim}D input, but {mode} mode needs {_LINEAR_ND[mode] + 2}D input")
    if mode not in ("nearest", "nearest-exact", "area", *_LINEAR_ND) or nd not in (1, 2, 3):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {d.ndim}D) for "
                                  "the modes: nearest | nearest-exact | linear | bilinear | trilinear | area (got "
                                  f"{mode})")  # fmt: skip
    if antialias:
        raise NotImplementedError("Anti-alias option is only supported for bilinear and bicubic modes")
    if d.dtype.kind != "f" and mode != "area":
        kind = "linear" if mode in _LINEAR_ND else "nearest"
        raise NotImplementedError(f"\"compute_indices_weights_{kind}\" not implemented for '{_tname(d)}'")
    in_sizes = d.shape[2:]
    if size is not None:
        sizes = [int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)] * nd
        if len(sizes) != nd:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(in_sizes)} and output size of {size}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             "format.")  # fmt: skip
        scales = [None] * nd
    else:
        scales = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [float(scale_factor)] * nd
        if len(scales) != nd:
            raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                             f"with spatial dimensions of {list(in_sizes)} and scale_factor of shape {scale_factor}. "
                             "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, "
                             "s2, ...,sK) format.")  # fmt: skip
        sizes = [int(math.floor(float(n) * s)) for n, s in zip(in_sizes, scales)]
        if recompute_scale_factor:
            scales = [None] * nd
    if mode == "area":
        return _ADAPTIVE[nd](input, sizes)
    mats = tuple(
        None if (n_out == n_in and mode in ("nearest", "nearest-exact"))
        else _src_matrix(n_in, n_out, mode, align_corners, s, d.dtype)
        for n_in, n_out, s in zip(in_sizes, sizes, scales)
    )  # fmt: skip
    return _CLASSES[(mode, nd)].apply(input, mats)


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None) -> Tensor:
    """Deprecated alias of interpolate"""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


__all__ = ["interpolate", "upsample"]
