"""Batch, layer, group, instance and RMS normalization, local response normalization and embedding.

One fused op, ``_Norm``, normalizes a reshaped view of the input over some of its axes and
applies an optional affine (weight/bias broadcastable to the input). Its backward runs on arrays
from the saved normalized input; when a graph of the gradient is wanted (create_graph) it is
recomputed from the input with differentiable Tensor ops instead.
"""

from __future__ import annotations

import math

import numpy as np

from .. import ops
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..backend import xp

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _t(a):
    return _make(a, False, None, 0)


class _Norm(_Op):
    """y = (x - mean) / sqrt(var + eps) * w + b;
    dx = invstd * (gh - mean(gh) - xhat * mean(gh * xhat)) with gh = g * w, dw = sum g * xhat, db = sum g"""

    @staticmethod
    def forward(ctx, x, w, b, vshape, axes, eps, stats, rms):
        xd = x._data
        xv = xd.reshape(vshape)
        if rms:
            xc = xv.copy()
            var = _mean_prod(xv, xv, axes)
        else:
            mean = _mean(xv, axes)
            xc = xv - mean
            var = _mean_prod(xc, xc, axes)
            if stats is not None:
                stats.append((mean, var))
        invstd = 1.0 / xp.sqrt(var + eps)
        xc *= invstd
        xhat = xc.reshape(xd.shape)
        if w is not None:
            y = xhat * w._data
            if b is not None:
                y += b._data
        else:
            y = xhat + b._data if b is not None else xhat.copy()
        ctx.xhat, ctx.invstd = xhat, invstd
        ctx.spec = (vshape, axes, eps, rms)
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        vshape, axes, eps, rms = ctx.spec
        if _state.enabled:
            return _norm_backward_graph(x, w, g, vshape, axes, eps, rms, need)
        gd = g._data
        xhat = ctx.xhat
        gw = _t(_reduce_to(gd, xhat, w._data.shape)) if need[1] else None
        gb = g if need[2] else None
        gx = None
        if need[0]:
            gh = (gd * w._data if w is not None else gd).reshape(vshape)
            xh = xhat.reshape(vshape)
            proj = _mean_prod(gh, xh, axes)
            gxv = gh - _mean(gh, axes) if not rms else gh.copy()
            gxv -= xh * proj
            gxv *= ctx.invstd
            gx = _t(gxv.reshape(x._data.shape))
        return gx, gw, gb, None, None, None, None, None


def _mean(a, axes):
    """mean over ``axes`` (kept); a row reduction runs as a matrix-vector product, far faster for short rows."""
    if a.size == 0:
        return xp.zeros(tuple(1 if i in axes else n for i, n in enumerate(a.shape)), dtype=a.dtype)
    if axes == (a.ndim - 1,):
        k = a.shape[-1]
        return (a.reshape(-1, k) @ xp.ones(k, dtype=a.dtype)).reshape(a.shape[:-1] + (1,)) / k
    return xp.mean(a, axis=axes, keepdims=True)


def _mean_prod(a, b, axes):
    """mean of a * b over ``axes`` (kept)."""
    return _mean(a * b, axes)


def _reduce_to(a, b, shape):
    """sum of a * b over the dims that ``shape`` broadcasts."""
    prod = a * b
    lead = prod.ndim - len(shape)
    full = (1,) * lead + tuple(shape)
    axes = tuple(i for i, (s, n) in enumerate(zip(full, prod.shape)) if s == 1 and n != 1)
    if axes == tuple(range(len(axes))) and axes:
        # leading dims only: a vector-matrix product (fast and accurately blocked)
        m = math.prod(prod.shape[: len(axes)])
        return (xp.ones(m, dtype=prod.dtype) @ prod.reshape(m, -1)).reshape(shape)
    return xp.sum(prod, axis=axes).reshape(shape)


def _norm_backward_graph(x, w, g, vshape, axes, eps, rms, need):
    """The same gradient as differentiable Tensor ops of the saved input (for double backward)."""
    n = 1
    for a in axes:
        n *= vshape[a]
    xv = x.reshape(vshape)
    xc = xv if rms else xv - xv.sum(axes, keepdim=True) / n
    inv = ops.rsqrt((xc * xc).sum(axes, keepdim=True) / n + eps)
    xh = xc * inv
    gh = (g * w if w is not None else g).reshape(vshape)
    gx = gw = None
    if need[0]:
        d = gh - xh * ((gh * xh).sum(axes, keepdim=True) / n)
        if not rms:
            d = d - gh.sum(axes, keepdim=True) / n
        gx = (inv * d).reshape(x._data.shape)
    if need[1]:
        gw = g * xh.reshape(x._data.shape)
    return gx, gw, (g if need[2] else None), None, None, None, None, None


class _NativeBatchNorm(_Norm):
    _node_name = "NativeBatchNormBackward0"


class _NativeLayerNorm(_Norm):
    _node_name = "NativeLayerNormBackward0"


class _NativeGroupNorm(_Norm):
    _node_name = "NativeGroupNormBackward0"


class _RMSNorm(_Norm):
    _node_name = "RmsNormBackward0"


def _chan(t, ndim):
    """(C,) -> (C, 1, ..., 1) broadcasting against (N, C, *spatial)."""
    if t is None or ndim <= 2:
        return t
    return t.reshape((t._data.shape[0],) + (1,) * (ndim - 2))


def _check_float(x, name):
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{str(x.dtype).replace('torch.', '').title()}'")


def _update_running(buf, value, momentum):
    if buf is None:
        return
    d = buf._data
    # torch accumulates the update in double precision, then stores in the buffer's dtype
    new = momentum * value.astype(xp.float64).reshape(d.shape) + (1.0 - momentum) * d.astype(xp.float64)
    d[...] = new
    vc = buf._vc_get()
    vc.v += 1


def batch_norm(
    input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-05
) -> Tensor:
    """y = (x - E[x]) / sqrt(Var[x] + eps) * w + b per channel (batch statistics when training)"""
    xd = input._data
    _check_float(input, "batch_norm")
    if xd.ndim < 2:
        raise ValueError(f"Expected 2D or higher input to batch_norm (got {xd.ndim}D input)")
    C = xd.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t._data.size != C:
            raise RuntimeError(f"{name} should contain {C} elements not {t._data.size}")
    nd = xd.ndim
    if training:
        n = xd.size // C if C else 0
        if n == 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {input.shape}")
        axes = (0,) + tuple(range(2, nd))
        stats = [] if running_mean is not None or running_var is not None else None
        out = _NativeBatchNorm.apply(input, _chan(weight, nd), _chan(bias, nd), xd.shape, axes, eps, stats, False)
        if stats:
            mean, var = stats[0]
            _update_running(running_mean, mean, momentum)
            _update_running(running_var, var * (n / max(n - 1, 1)), momentum)
        return out
    if running_mean is None or running_var is None:
        raise RuntimeError("running_mean and running_var must be defined in evaluation mode")
    scale = ops.rsqrt(running_var + eps)
    if weight is not None:
        scale = scale * weight
    shift = -running_mean * scale
    if bias is not None:
        shift = shift + bias
    return input * _chan(scale, nd) + _chan(shift, nd)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05) -> Tensor:
    """y = (x - E[x]) / sqrt(Var[x] + eps) * w + b over the trailing normalized_shape dims"""
    ns = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    xd = input._data
    _check_float(input, "layer_norm")
    k = len(ns)
    if k == 0 or xd.shape[xd.ndim - k :] != ns or xd.ndim < k:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size{list(xd.shape)}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t._data.shape) != ns:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t._data.shape)} and normalized_shape = {list(ns)}"
            )
    K = math.prod(ns)
    vshape = (xd.size // K if K else 0, K)
    return _NativeLayerNorm.apply(input, weight, bias, vshape, (1,), eps, None, False)


def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    """y = x / sqrt(mean(x^2) + eps) * w over the trailing normalized_shape dims"""
    ns = (int(normalized_shape),) if isinstance(normalized_shape, (int, np.integer)) else tuple(normalized_shape)
    xd = input._data
    _check_float(input, "rms_norm")
    if xd.shape[xd.ndim - len(ns) :] != ns:
        raise RuntimeError(
            f"Given normalized_shape={list(ns)}, expected input with shape "
            f"[*, {', '.join(map(str, ns))}], but got input of size{list(xd.shape)}"
        )
    if eps is None:
        eps = float(xp.finfo(xd.dtype).eps)
    K = math.prod(ns)
    return _RMSNorm.apply(input, weight, None, (xd.size // K if K else 0, K), (1,), eps, None, True)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05) -> Tensor:
    """y = (x - E[x]) / sqrt(Var[x] + eps) * w + b with statistics per (sample, group of channels)"""
    xd = input._data
    _check_float(input, "group_norm")
    if xd.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {xd.ndim}")
    N, C = xd.shape[:2]
    if C % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(xd.shape)} and num_groups={num_groups}"
        )
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.shape[0] != C):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, "
                f"but got {name} of shape {list(t._data.shape)} and input of shape {list(xd.shape)}"
            )
    vshape = (N, num_groups, xd.size // (N * num_groups) if N else 0)
    nd = xd.ndim
    return _NativeGroupNorm.apply(input, _chan(weight, nd), _chan(bias, nd), vshape, (2,), eps, None, False)


def instance_norm(
    input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, momentum=0.1, eps=1e-05
) -> Tensor:
    """y = (x - E[x]) / sqrt(Var[x] + eps) * w + b with statistics per (sample, channel)"""
    xd = input._data
    _check_float(input, "instance_norm")
    nd = xd.ndim
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    N, C = xd.shape[:2]
    n = xd.size // (N * C) if N * C else 0
    if n == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {input.shape}")
    stats = [] if running_mean is not None or running_var is not None else None
    out = _NativeBatchNorm.apply(input, _chan(weight, nd), _chan(bias, nd), (N, C, n), (2,), eps, stats, False)
    if stats:
        mean, var = stats[0]
        _update_running(running_mean, mean.reshape(N, C).mean(0), momentum)
        _update_running(running_var, (var * (n / max(n - 1, 1))).reshape(N, C).mean(0), momentum)
    return out


class _ChannelWindowSum(_Op):
    """y[:, c] = sum of x[:, c - before .. c + after] (zero beyond the ends); adjoint: the mirrored window"""

    @staticmethod
    def forward(ctx, x, before, after):
        d = x._data
        ctx.ba = (before, after)
        C = d.shape[1]
        cs = xp.cumsum(d, axis=1)
        z = xp.zeros_like(d[:, :1])
        cs = xp.concatenate([z, cs], axis=1)
        hi = xp.minimum(xp.arange(C) + after + 1, C)
        lo = xp.maximum(xp.arange(C) - before, 0)
        return cs[:, hi] - cs[:, lo]

    @staticmethod
    def backward(ctx, g):
        before, after = ctx.ba
        return _ChannelWindowSum.apply(g, after, before), None, None


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0) -> Tensor:
    """y = x / (k + alpha / size * sum over `size` neighbouring channels of x^2)^beta"""
    xd = input._data
    if xd.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {xd.ndim} dimensions)")
    if xd.size == 0:
        return input
    div = _ChannelWindowSum.apply(input * input, size // 2, (size - 1) // 2)
    div = (div * (alpha / size) + k) ** beta
    return input / div


# ---- embedding -----------------------------------------------------------------------------
def _rows_add(idx, g, V):
    """(V, D) array with g's rows summed into rows idx."""
    D = g.shape[1]
    if xp is np and idx.size:
        import scipy.sparse as sp

        m = sp.csr_array((np.ones(idx.size, dtype=g.dtype), (idx, np.arange(idx.size))), shape=(V, idx.size))
        out = m @ g
        return np.ascontiguousarray(out, dtype=g.dtype)
    out = xp.zeros((V, D), dtype=g.dtype)
    xp.add.at(out, idx, g)
    return out


class _Embedding(_Op):
    """y = w[idx]; dw = rows of g summed into their indices (padding_idx gets none)"""

    _node_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, w, idx, padding_idx, freq, adjoint):
        ctx.idx, ctx.padding_idx, ctx.freq = idx, padding_idx, freq
        wd = w._data
        ctx.V = wd.shape[0]
        out = xp.take(wd, idx, axis=0)
        if adjoint:
            # adjoint of the embedding gradient: padding rows got no gradient, rows were scaled by 1/count
            if padding_idx is not None:
                out[idx == padding_idx] = 0
            if freq:
                out /= _counts(idx, wd.shape[0])[idx][..., None]
        return out

    @staticmethod
    def backward(ctx, g):
        return _EmbeddingBackward.apply(g, ctx.idx, ctx.V, ctx.padding_idx, ctx.freq), None, None, None, None


def _counts(idx, V):
    return xp.bincount(idx.reshape(-1), minlength=V)


class _EmbeddingBackward(_Op):
    """dw = scatter-add of g rows; its derivative is the (masked) gather"""

    _node_name = "EmbeddingDenseBackwardBackward0"

    @staticmethod
    def forward(ctx, g, idx, V, padding_idx, freq):
        ctx.idx, ctx.padding_idx, ctx.freq = idx, padding_idx, freq
        gd = g._data
        D = gd.shape[-1]
        flat = idx.reshape(-1)
        rows = gd.reshape(-1, D)
        if freq:
            rows = rows / _counts(flat, V)[flat][:, None]
        out = _rows_add(flat, rows, V)
        if padding_idx is not None:
            out[padding_idx] = 0
        return out

    @staticmethod
    def backward(ctx, gg):
        return _Embedding.apply(gg, ctx.idx, ctx.padding_idx, ctx.freq, True), None, None, None, None


def _renorm_rows(weight, idx, max_norm, norm_type):
    """torch.embedding_renorm_: rows used by idx with norm > max_norm are scaled down in place."""
    wd = weight._data
    rows = xp.unique(idx)
    sel = wd[rows]
    if norm_type == math.inf:
        norms = xp.abs(sel).max(axis=1)
    else:
        norms = (xp.abs(sel) ** norm_type).sum(axis=1) ** (1.0 / norm_type)
    big = norms > max_norm
    if big.any():
        scale = (max_norm / (norms[big] + 1e-7)).astype(wd.dtype)
        wd[rows[big]] = sel[big] * scale[:, None]
        weight._vc_get().v += 1


def embedding(
    input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False
) -> Tensor:
    """y = weight[input] (rows looked up by integer indices)"""
    idx = input._data if isinstance(input, Tensor) else xp.asarray(input)
    if idx.dtype.kind not in "iu":
        name = {"float32": "FloatTensor", "float64": "DoubleTensor", "bool": "BoolTensor"}.get(str(idx.dtype), "Tensor")
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: "
            f"Long, Int; but got torch.{name} instead (while checking arguments for embedding)"
        )
    wd = weight._data
    if wd.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    V = wd.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= V):
        raise IndexError("index out of range in self")
    if padding_idx is not None:
        if padding_idx > 0:
            if padding_idx >= V:
                raise AssertionError("Padding_idx must be within num_embeddings")
        elif padding_idx < 0:
            if padding_idx < -V:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx = V + padding_idx
    if max_norm is not None:
        _renorm_rows(weight, idx, max_norm, norm_type)
    return _Embedding.apply(weight, idx.astype(xp.int64, copy=False), padding_idx, scale_grad_by_freq, False)


__all__ = ["batch_norm", "layer_norm", "rms_norm", "group_norm", "instance_norm", "local_response_norm", "embedding"]
