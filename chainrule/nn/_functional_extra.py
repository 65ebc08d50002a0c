"""More functional layers: resampling aliases, pixel/channel shuffles, pdist, pooling with indices,
max unpooling, power-average pooling, randomized leaky ReLU and Gumbel-softmax.

Losses and bags (multi_margin_loss, multilabel_margin_loss, embedding_bag) live in
``_functional_extra_loss``; both are re-exported by ``nn.functional``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops as _T
from .._creation import empty_like, zeros_like
from .._random import _gen
from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp
from ._functional_activation import relu, softmax
from ._functional_basic import _vector_norm
from ._functional_extra_loss import *  # noqa: F403
from ._functional_extra_loss import __all__ as _loss_all
from ._layers_pool import _Gather, avg_pool1d, avg_pool2d, max_pool1d, max_pool2d
from ._layers_pool3d import avg_pool3d, max_pool3d
from ._layers_resize import interpolate

_make = Tensor._make
_TNAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
          "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}  # fmt: skip


class _Op(Function):
    _builtin = True


# ---- deprecated resampling aliases -----------------------------------------------------------------
def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='nearest')"""
    warnings.warn(
        "`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(..., mode='bilinear', align_corners=True)"""
    warnings.warn(
        "`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2
    )
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- pixel and channel shuffles (permutations; each one's adjoint is its inverse) ------------------
def _int_arg(v, fn: str, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
        raise TypeError(f"{fn}(): argument '{name}' (position 2) must be int, not {type(v).__name__}")
    return int(v)


class PixelShuffle(_Op):
    """(*, C r^2, H, W) -> (*, C, H r, W r); the adjoint is pixel_unshuffle"""

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        d = x._data
        *b, c, h, w = d.shape
        n = len(b)
        t = d.reshape(*b, c // (r * r), r, r, h, w)
        t = t.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
        return xp.ascontiguousarray(t).reshape(*b, c // (r * r), h * r, w * r)

    @staticmethod
    def backward(ctx, g):
        return PixelUnshuffle.apply(g, ctx.r), None


class PixelUnshuffle(_Op):
    """(*, C, H r, W r) -> (*, C r^2, H, W); the adjoint is pixel_shuffle"""

    @staticmethod
    def forward(ctx, x, r):
        ctx.r = r
        d = x._data
        *b, c, h, w = d.shape
        n = len(b)
        t = d.reshape(*b, c, h // r, r, w // r, r)
        t = t.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
        return xp.ascontiguousarray(t).reshape(*b, c * r * r, h // r, w // r)

    @staticmethod
    def backward(ctx, g):
        return PixelShuffle.apply(g, ctx.r), None


def _check_shuffle(input, r, fn, what, name):
    r = _int_arg(r, fn, name)
    if input.dim() < 3:
        raise RuntimeError(
            f"{fn} expects input to have at least 3 dimensions, but got input with {input.dim()} dimension(s)"
        )
    if r <= 0:
        raise RuntimeError(f"{fn} expects a positive {name}, but got {r}")
    return r


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """y[..., c, h r + i, w r + j] = x[..., c r^2 + i r + j, h, w]"""
    r = _check_shuffle(input, upscale_factor, "pixel_shuffle", "upscale", "upscale_factor")
    c = input.shape[-3]
    if c % (r * r):
        raise RuntimeError(
            "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, "
            f"but input.size(-3)={c} is not divisible by {r * r}"
        )
    return PixelShuffle.apply(input, r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """y[..., c r^2 + i r + j, h, w] = x[..., c, h r + i, w r + j]"""
    r = _check_shuffle(input, downscale_factor, "pixel_unshuffle", "downscale", "downscale_factor")
    h, w = input.shape[-2:]
    for n, what, ax in ((h, "height", -2), (w, "width", -1)):
        if n % r:
            raise RuntimeError(
                f"pixel_unshuffle expects {what} to be divisible by downscale_factor, but input.size({ax})={n} is "
                f"not divisible by {r}"
            )
    return PixelUnshuffle.apply(input, r)


class ChannelShuffle(_Op):
    """(N, g * k, *) viewed as (N, g, k, *) -> (N, k, g, *); the adjoint shuffles with k groups"""

    @staticmethod
    def forward(ctx, x, g):
        d = x._data
        ctx.k = d.shape[1] // g
        t = d.reshape(d.shape[0], g, ctx.k, *d.shape[2:]).swapaxes(1, 2)
        return xp.ascontiguousarray(t).reshape(d.shape)

    @staticmethod
    def backward(ctx, g):
        return ChannelShuffle.apply(g, ctx.k), None


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """split the channels into groups and interleave them: (N, g, C/g, *) -> (N, C/g, g, *)"""
    g = _int_arg(groups, "channel_shuffle", "groups")
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes {list(input.shape)}")
    if g <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{g}")
    c = input.shape[1]
    if c % g:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {g} groups.")
    return ChannelShuffle.apply(input, g)


native_channel_shuffle = channel_shuffle


# ---- pairwise distances ----------------------------------------------------------------------------
def pdist(input: Tensor, p: float = 2) -> Tensor:
    """||x_i - x_j||_p for every row pair i < j (the upper triangle of cdist, row-major)"""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    n = input.shape[0]
    i, j = np.triu_indices(n, 1)
    diff = _T.index_select(input, 0, _make(i, False, None, 0)) - _T.index_select(input, 0, _make(j, False, None, 0))
    return _vector_norm(diff, p, 1, False)


# ---- max pooling with indices and its partial inverse -----------------------------------------------
def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):  # fmt: skip
    """(max over each window, flat index of the max in the input row)"""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):  # fmt: skip
    """(max over each window, flat index of the max in the input plane)"""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
                            return_indices=False):  # fmt: skip
    """(max over each window, flat index of the max in the input volume)"""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def _ntuple(v, n):
    if isinstance(v, (list, tuple)):
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _unpool_output_size(in_sizes, k, s, p, output_size):
    nd = len(k)
    default = [(in_sizes[d] - 1) * s[d] + k[d] - 2 * p[d] for d in range(nd)]
    if output_size is None:
        ret = default
    else:
        if len(output_size) == nd + 2:
            output_size = output_size[2:]
        if len(output_size) != nd:
            raise ValueError(
                f"output_size should be a sequence containing {nd} or {nd + 2} elements, but it has a length of "
                f"'{len(output_size)}'"
            )
        for d in range(nd):
            lo, hi = default[d] - s[d], default[d] + s[d]
            if not lo < output_size[d] < hi:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {lo} and {hi})')
        ret = [int(v) for v in output_size]
    for d in range(nd):
        if ret[d] < 0:
            raise ValueError(
                f"max_unpooling: output_size must contain non-negative spatial dimensions, but got "
                f"output_size[{d}]={ret[d]}"
            )
    return ret


class MaxUnpool2D(_Op):
    """y.flat[idx] = x per plane (zeros elsewhere); dx = g.flat[idx]"""

    @staticmethod
    def forward(ctx, x, gidx, out_shape):
        xd = x._data
        out = xp.zeros(math.prod(out_shape), dtype=xd.dtype)
        out[gidx.reshape(-1)] = xd.reshape(-1)  # repeated indices: the last write wins, like torch's CPU loop
        ctx.gidx = gidx
        return out.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        return _Gather.apply(g, ctx.gidx, False), None, None


class MaxUnpool3D(MaxUnpool2D):
    """The same scatter under torch's 3-d node name"""


def _max_unpool(input, indices, nd, kernel_size, stride, padding, output_size):
    k = _ntuple(kernel_size, nd)
    s = _ntuple(stride, nd) if stride is not None else k
    p = _ntuple(padding, nd)
    xd = input._data
    # 1-d unpooling runs as 2-d over (L, 1) planes
    dims = xd.ndim + (1 if nd == 1 else 0)
    sizes = _unpool_output_size(xd.shape[xd.ndim - nd :], k, s, p, output_size)
    n2 = max(nd, 2)
    if dims not in (n2 + 1, n2 + 2):
        raise RuntimeError(f"Input to max_unpooling{n2}d should be a {n2 + 1}d or {n2 + 2}d Tensor, but got a tensor "
                           f"with {dims} dimensions.")  # fmt: skip
    if nd == 3 and any(v <= 0 for v in s):
        raise RuntimeError(f"strides should be greater than zero, but got stride: {list(s)}")
    idx = indices._data
    if idx.dtype != np.int64:
        got = "" if nd == 3 else f" but got: {_TNAME.get(str(idx.dtype), idx.dtype)}"
        raise RuntimeError(f"elements in indices should be type int64{got}")
    if idx.shape != xd.shape:
        shp = list(xd.shape) + ([1] if nd == 1 else [])
        ishp = list(idx.shape) + ([1] if nd == 1 else [])
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({shp}) but got "
                           f"indices tensor with shape: {ishp}")  # fmt: skip
    if xd.dtype.kind != "f":
        raise NotImplementedError(f"\"max_unpool{n2}d\" not implemented for '{_TNAME.get(str(xd.dtype), xd.dtype)}'")
    plane = math.prod(sizes)
    bad = (idx < 0) | (idx >= plane)
    if bad.any():
        hw = sizes if nd > 1 else [sizes[0], 1]
        raise RuntimeError(f"Found an invalid max index: {idx[bad].flat[0]} (output volumes are of size "
                           f"{'x'.join(map(str, hw))})")  # fmt: skip
    lead = xd.shape[: xd.ndim - nd]
    nplanes = math.prod(lead)
    span = math.prod(xd.shape[xd.ndim - nd :])
    gidx = idx.reshape(nplanes, span) + (xp.arange(nplanes, dtype=np.int64) * plane)[:, None]
    return (MaxUnpool3D if nd == 3 else MaxUnpool2D).apply(input, gidx.reshape(xd.shape), tuple(lead) + tuple(sizes))


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool1d: each value goes back to its index, zeros elsewhere"""
    return _max_unpool(input, indices, 1, kernel_size, stride, padding, output_size)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool2d: each value goes back to its flat plane index, zeros elsewhere"""
    return _max_unpool(input, indices, 2, kernel_size, stride, padding, output_size)


def max_unpool3d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Partial inverse of max_pool3d: each value goes back to its flat volume index, zeros elsewhere"""
    return _max_unpool(input, indices, 3, kernel_size, stride, padding, output_size)


# ---- power-average pooling ---------------------------------------------------------------------------
def _lp_finish(out, n, norm_type):
    return (_T.sign(out) * relu(_T.abs(out))).mul(n).pow(1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p)"""
    if norm_type == math.inf:
        return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    k = kernel_size[0] if isinstance(kernel_size, (list, tuple)) else kernel_size
    return _lp_finish(out, k, norm_type)


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p)"""
    kw, kh = _ntuple(kernel_size, 2)
    if norm_type == math.inf:
        return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, kw * kh, norm_type)


def lp_pool3d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(sum over each window of x^p)^(1/p)"""
    kd, kh, kw = _ntuple(kernel_size, 3)
    if norm_type == math.inf:
        return max_pool3d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool3d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp_finish(out, kd * kh * kw, norm_type)


# ---- randomized leaky ReLU ---------------------------------------------------------------------------
class RreluWithNoise(_Op):
    """y = x * noise, noise = 1 where x > 0 else a slope (drawn per element in training); dx = g * noise"""

    @staticmethod
    def forward(ctx, x, lower, upper, training):
        d = x._data
        dt = d.dtype
        if training:
            neg = d <= 0
            # torch draws one double uniform per non-positive element, in order, bounds in the op's math type
            lo, hi = float(dt.type(lower)), float(dt.type(upper))
            u = _gen(None)._unif53(int(neg.sum()))
            noise = xp.ones_like(d)
            noise[neg] = (u * (hi - lo) + lo).astype(dt)
        else:
            noise = xp.where(d > 0, dt.type(1), dt.type((lower + upper) / 2))
        ctx.noise = noise
        return d * noise

    @staticmethod
    def backward(ctx, g):
        return g * _make(ctx.noise, False, None, 0), None, None, None


def _rrelu(input, lower, upper, training):
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    dt = input._data.dtype
    if dt.kind != "f":
        raise NotImplementedError(f"\"rrelu_with_noise_out_cpu\" not implemented for '{_TNAME.get(str(dt), dt)}'")
    return RreluWithNoise.apply(input, float(lower), float(upper), bool(training))


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:  # fmt: skip
    """x if x > 0 else a x, a ~ U(lower, upper) per element in training, (lower + upper) / 2 otherwise"""
    if inplace:
        return rrelu_(input, lower, upper, training)
    return _rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """In-place rrelu"""
    return input._inplace(lambda t: _rrelu(t, lower, upper, training), "rrelu_")


# ---- Gumbel-softmax ------------------------------------------------------------------------------------
def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g) / tau), g ~ Gumbel(0, 1); hard: one-hot forward, soft gradient"""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    gumbels = -empty_like(logits).exponential_().log()
    gumbels = (logits + gumbels) / tau
    y_soft = softmax(gumbels, dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


__all__ = [
    "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle", "channel_shuffle",
    "native_channel_shuffle", "pdist", "max_pool1d_with_indices", "max_pool2d_with_indices",
    "max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d", "lp_pool1d", "lp_pool2d", "lp_pool3d",
    "rrelu", "rrelu_", "gumbel_softmax", *_loss_all,
]  # fmt: skip
