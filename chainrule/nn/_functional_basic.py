"""Activations, linear, dropout, losses and helpers in functional form."""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import ops as _T
from .._creation import empty, empty_like
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state, no_grad
from ..ops._util import shape_str, wrap_dim
from ._functional_activation import *  # noqa: F403
from ._functional_activation import __all__ as _act_all
from ._functional_loss import *  # noqa: F403
from ._functional_loss import __all__ as _loss_all

_make = Tensor._make
_CNAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int"}


class _Op(Function):
    _builtin = True


# ---- linear ---------------------------------------------------------------------------------
class Linear(_Op):
    """y = x W^T + b (one GEMM); dx = g W, dW = g^T x, db = sum g"""

    _node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, x, w, b):
        xd, wd = x._data, w._data
        if xd.ndim == 0 or wd.ndim == 0:
            raise RuntimeError(
                f"both arguments to linear need to be at least 1D, but they are {xd.ndim}D and {wd.ndim}D"
            )
        if xd.dtype != wd.dtype:
            raise RuntimeError(
                f"expected m1 and m2 to have the same dtype, but got: {_CNAME.get(str(xd.dtype), xd.dtype)} != "
                f"{_CNAME.get(str(wd.dtype), wd.dtype)}"
            )
        k = xd.shape[-1]
        if wd.ndim == 1:
            if wd.shape[0] != k:
                raise RuntimeError(
                    f"size mismatch, got input ({xd.shape[0] if xd.ndim > 1 else 1}), mat ({xd.size // max(k, 1)}x{k})"
                    f", vec ({wd.shape[0]})"
                )
            out = xd @ wd
        else:
            if wd.ndim != 2 or wd.shape[1] != k:
                rows = xd.size // k if k else int(np.prod(xd.shape[:-1]))
                ws = "x".join(str(s) for s in wd.shape[::-1])
                raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {ws})")
            x2 = xd.reshape(-1, k) if xd.ndim != 2 else xd
            out = x2 @ wd.T
            if xd.ndim != 2:
                out = out.reshape(xd.shape[:-1] + (wd.shape[0],))
        if b is not None:
            bd = b._data
            try:
                if np.broadcast_shapes(out.shape, bd.shape) == out.shape:
                    out += bd
                else:
                    out = out + bd
            except ValueError:
                raise RuntimeError(
                    f"The expanded size of the tensor ({out.shape[-1] if out.ndim else 1}) must match the existing "
                    f"size ({bd.shape[-1] if bd.ndim else 1}) at non-singleton dimension {max(out.ndim - 1, 0)}.  "
                    f"Target sizes: {shape_str(out.shape)}.  Tensor sizes: {shape_str(bd.shape)}"
                ) from None
        ctx.wvec = wd.ndim == 1
        ctx.bvec = b is not None and b._data.shape == out.shape[-1:]
        ctx.save_for_backward(x if ctx.needs_input_grad[1] else None, w if ctx.needs_input_grad[0] else None)
        return out

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        nx, nw, nb = ctx.needs_input_grad
        if _state.enabled:
            return (*_linear_backward_graph(g, x, w, nx, nw, ctx.wvec), g if nb else None)
        gd = g._data
        gx = gw = gb = None
        if ctx.wvec:
            # out = x @ w with a vector weight
            if nx:
                gx = gd[..., None] * w._data
            if nw:
                gw = np.tensordot(gd, x._data, axes=(tuple(range(gd.ndim)), tuple(range(gd.ndim))))
            return gx, gw, (gd if nb else None)
        n_out = gd.shape[-1]
        g2 = gd.reshape(-1, n_out) if gd.ndim != 2 else gd
        if nx:
            wd = w._data
            gx = g2 @ wd
            if gd.ndim != 2:
                gx = gx.reshape(gd.shape[:-1] + (wd.shape[1],))
        if nw:
            xd = x._data
            x2 = xd.reshape(-1, xd.shape[-1]) if xd.ndim != 2 else xd
            gw = g2.T @ x2
        if nb:
            gb = g2.sum(axis=0) if ctx.bvec else gd
        return gx, gw, gb


def _linear_backward_graph(g, x, w, nx, nw, wvec):
    if wvec:
        gk = g.reshape(tuple(g.shape) + (1,))
        return (gk * w if nx else None), (gk * x if nw else None)
    gx = linear(g, w.t()) if nx else None
    gw = None
    if nw:
        gw = linear(g.reshape(-1, g.shape[-1]).t(), x.reshape(-1, x.shape[-1]).t())
    return gx, gw


class _LinearNoBias(Linear):
    _node_name = "MmBackward0"


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """input @ weight.T + bias in one matrix product"""
    if bias is None:
        return _LinearNoBias.apply(input, weight, None)
    return Linear.apply(input, weight, bias)


class Bilinear(_Op):
    """y_k = x1^T W_k x2 + b_k"""

    _node_name = "BilinearBackward0"

    @staticmethod
    def forward(ctx, x1, x2, w, b):
        a, c, wd = x1._data, x2._data, w._data
        out = np.einsum("...i,kij,...j->...k", a, wd, c, optimize=True)
        if b is not None:
            out = out + b._data
        ctx.save_for_backward(x1, x2, w)
        return out.astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x1, x2, w = ctx.saved_tensors
        n1, n2, nw, nb = ctx.needs_input_grad
        gb = g if nb else None
        if _state.enabled:
            g1 = bilinear(g, x2, w.permute(1, 0, 2)) if n1 else None
            g2 = bilinear(x1, g, w.permute(2, 1, 0)) if n2 else None
            gw = None
            if nw:
                k, i, j = w.shape
                outer = x1.reshape(-1, i, 1) * x2.reshape(-1, 1, j)
                gw = linear(g.reshape(-1, k).t(), outer.reshape(-1, i * j).t()).reshape(k, i, j)
            return g1, g2, gw, gb
        gd, a, c, wd = g._data, x1._data, x2._data, w._data
        g1 = np.einsum("...k,kij,...j->...i", gd, wd, c, optimize=True) if n1 else None
        g2 = np.einsum("...k,kij,...i->...j", gd, wd, a, optimize=True) if n2 else None
        gw = np.einsum("...k,...i,...j->kij", gd, a, c, optimize=True) if nw else None
        return g1, g2, gw, gb


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x1^T A x2 + b"""
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"bilinear(): input1 size does not match weight size: got {input1.shape[-1]} but expected {weight.shape[1]}"
        )
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(
            f"bilinear(): input2 size does not match weight size: got {input2.shape[-1]} but expected {weight.shape[2]}"
        )
    if input1.shape[:-1] != input2.shape[:-1]:
        for i, (p, q) in enumerate(zip(input1.shape[:-1], input2.shape[:-1])):
            if p != q:
                raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got {p} and {q}")
        raise RuntimeError("bilinear(): input dimensions do not match")
    if bias is not None and bias.shape[-1] != weight.shape[0]:
        raise RuntimeError(
            f"bilinear(): bias size does not match weight size: got {bias.shape[-1]} but expected {weight.shape[0]}"
        )
    return Bilinear.apply(input1, input2, weight, bias)


# ---- dropout --------------------------------------------------------------------------------
def _check_p(p: float) -> None:
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _mul(input, noise, inplace):
    if inplace:
        return input.mul_(noise)
    return input * noise


def _dropout_impl(input: Tensor, p: float, training: bool, inplace: bool, feature: bool) -> Tensor:
    if not training or p == 0:
        return input
    if p == 1:
        return _mul(input, _make(np.zeros((), dtype=input._data.dtype), False, None, 0), inplace)
    if feature:
        noise = empty(*(tuple(input.shape[:2]) + (1,) * (input.dim() - 2)), dtype=input.dtype)
    else:
        noise = empty_like(input)
    noise.bernoulli_(1 - p)
    noise.div_(1 - p)
    return _mul(input, noise, inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """zero each element with probability p, scale the rest by 1 / (1 - p)"""
    _check_p(p)
    return _dropout_impl(input, p, training, inplace, feature=False)


def _feature_dropout(input, p, training, inplace, batched_dim, name, alpha=False):
    _check_p(p)
    if input.dim() not in (batched_dim - 1, batched_dim):
        raise RuntimeError(
            f"{name}: Expected {batched_dim - 1}D or {batched_dim}D input, but received a {input.dim()}D input. "
            f"Note that {name} exists to provide channel-wise dropout on inputs with {batched_dim - 2} spatial "
            "dimension, a channel dimension, and an optional batch dimension (i.e. "
            f"{batched_dim - 1}D or {batched_dim}D inputs)."
        )
    fn = _alpha_dropout_impl if alpha else _dropout_impl
    if not training or p == 0:
        return input
    if input.dim() == batched_dim - 1:
        shape = tuple(input.shape)
        f = lambda t: fn(t.reshape((1,) + shape), p, True, False, feature=True).reshape(shape)
        return input._inplace(f, name + "_") if inplace else f(input)
    return fn(input, p, training, inplace, feature=True)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """zero whole channels of (N, C, L) / (C, L) input"""
    return _feature_dropout(input, p, training, inplace, 3, "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """zero whole channels of (N, C, H, W) input"""
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {nd}-D input to dropout2d, which is deprecated and will result in an error in a "
            "future release. To retain the behavior and silence this warning, please use dropout instead. Note that "
            "dropout2d exists to provide channel-wise dropout on inputs with 2 spatial dimensions, a channel "
            "dimension, and an optional batch dimension (i.e. 3D or 4D inputs)."
        )
    if nd == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior will "
            "change in a future release to interpret the input as one without a batch dimension, i.e. shape "
            "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using dropout1d instead."
        )
    return _dropout_impl(input, p, training, inplace, feature=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """zero whole channels of (N, C, D, H, W) / (C, D, H, W) input"""
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        warnings.warn(
            f"dropout3d: Received a {nd}-D input to dropout3d, which is deprecated and will result in an error in a "
            "future release. To retain the behavior and silence this warning, please use dropout instead. Note that "
            "dropout3d exists to provide channel-wise dropout on inputs with 3 spatial dimensions, a channel "
            "dimension, and an optional batch dimension (i.e. 4D or 5D inputs)."
        )
    if nd == 4:
        x = input.reshape((1,) + tuple(input.shape))
        return _dropout_impl(x, p, training, False, feature=True).reshape(tuple(input.shape))
    return _dropout_impl(input, p, training, inplace, feature=True)


_SELU_ALPHA_PRIME = 1.7580993408473766


def _alpha_dropout_impl(input, p, training, inplace, feature):
    if not training or p == 0:
        return input
    if p == 1:
        return _mul(input, _make(np.zeros((), dtype=input._data.dtype), False, None, 0), inplace)
    if feature:
        noise = empty(*(tuple(input.shape[:2]) + (1,) * (input.dim() - 2)), dtype=input.dtype)
    else:
        noise = empty_like(input)
    noise.bernoulli_(1 - p)
    a = 1.0 / math.sqrt((_SELU_ALPHA_PRIME**2 * p + 1) * (1 - p))
    nd = noise._data
    b = _make(((nd - 1.0) * (_SELU_ALPHA_PRIME * a) + _SELU_ALPHA_PRIME * a * p).astype(nd.dtype), False, None, 0)
    noise.mul_(a)
    if inplace:
        return input.mul_(noise).add_(b)
    return input * noise + b


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """dropout that keeps the SELU fixed point (mean 0, variance 1)"""
    _check_p(p)
    return _alpha_dropout_impl(input, p, training, inplace, feature=False)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    _check_p(p)
    return _alpha_dropout_impl(input, p, training, inplace, feature=True)


# ---- one_hot / pad ----------------------------------------------------------------------------
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 tensor with a 1 at each index along a new last dim"""
    d = tensor._data
    if d.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if num_classes == -1:
        if d.size == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(d.max()) + 1
    if d.size:
        if d.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if d.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(d.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, d[..., None], 1, axis=-1)
    return _make(out, False, None, 0)


class ConstantPad(_Op):
    """pad with a constant (negative widths crop); the adjoint is the opposite pad with 0"""

    _node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pads, value):
        d = x._data
        nd = d.ndim
        shape = list(d.shape)
        src, dst = [slice(None)] * nd, [slice(None)] * nd
        for i in range(len(pads) // 2):
            ax = nd - 1 - i
            lo, hi = pads[2 * i], pads[2 * i + 1]
            n = shape[ax]
            new = n + lo + hi
            if new < 0:
                raise RuntimeError(
                    f"The input size {n}, plus negative padding {lo} and {hi} resulted in a negative output size, "
                    f"which is invalid. Check dimension {ax} of your input."
                )
            s0, s1 = max(-lo, 0), n - max(-hi, 0)
            src[ax] = slice(s0, max(s1, s0))
            dst[ax] = slice(max(lo, 0), max(lo, 0) + max(s1 - s0, 0))
            shape[ax] = new
        out = np.full(shape, value, dtype=d.dtype)
        out[tuple(dst)] = d[tuple(src)]
        ctx.pads = pads
        return out

    @staticmethod
    def backward(ctx, g):
        return ConstantPad.apply(g, tuple(-p for p in ctx.pads), 0)


def _pad_index(n, lo, hi, mode):
    k = np.arange(-lo, n + hi)
    if mode == "reflect":
        k = np.abs(k)
        k = np.where(k >= n, 2 * (n - 1) - k, k)
    elif mode == "replicate":
        k = np.clip(k, 0, n - 1)
    else:
        # torch crops negative pads first and wraps around what is left
        c0, m = max(-lo, 0), n - max(-lo, 0) - max(-hi, 0)
        if m < max(lo, hi, 0) or (m <= 0 < k.size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        k = c0 + np.mod(k - c0, max(m, 1))
    return k


class IndexPad(_Op):
    """reflect / replicate / circular padding as a gather per dim; the adjoint scatters back"""

    @staticmethod
    def forward(ctx, x, plan):
        d = x._data
        ctx.plan = plan
        ctx.shapes = []
        for ax, idx in plan:
            ctx.shapes.append(d.shape)
            d = np.take(d, idx, axis=ax)
        return d

    @staticmethod
    def backward(ctx, g):
        return IndexPadAdjoint.apply(g, ctx.plan, ctx.shapes)


class IndexPadAdjoint(_Op):
    @staticmethod
    def forward(ctx, g, plan, shapes):
        gd = g._data
        ctx.plan = plan
        for (ax, idx), shape in zip(reversed(plan), reversed(shapes)):
            acc = np.zeros(shape, dtype=gd.dtype)
            np.add.at(np.moveaxis(acc, ax, 0), idx, np.moveaxis(gd, ax, 0))
            gd = acc
        return gd

    @staticmethod
    def backward(ctx, gg):
        return IndexPad.apply(gg, ctx.plan), None, None


def pad(input: Tensor, pad: tuple[int, ...] | list[int], mode: str = "constant", value: float | None = None) -> Tensor:
    """pad the last len(pad) // 2 dims: (left, right, top, bottom, ...)"""
    pads = tuple(int(p) for p in pad)
    if len(pads) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    nd = input.dim()
    if len(pads) // 2 > nd:
        raise RuntimeError(
            "Padding length should be less than or equal to two times the input dimension but got padding length "
            f"{len(pads)} and input of dimension {nd}"
        )
    if mode == "constant":
        return ConstantPad.apply(input, pads, 0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    k = len(pads) // 2
    if k not in (1, 2, 3) or nd not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pads)} is not supported for {nd}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            "padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)"
        )
    plan = []
    for i in range(k):
        ax = nd - 1 - i
        lo, hi = pads[2 * i], pads[2 * i + 1]
        n = input.shape[ax]
        if mode == "reflect" and (lo >= n or hi >= n):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input dimension, but got: "
                f"padding ({lo}, {hi}) at dimension {ax} of input {shape_str(input.shape)}"
            )
        if mode == "circular" and (lo > n or hi > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if mode == "replicate" and n == 0 and (lo > 0 or hi > 0):
            raise RuntimeError(f"padding size is expected to be non-empty at dimension {ax}")
        plan.append((ax, _pad_index(n, lo, hi, mode)))
    return IndexPad.apply(input, tuple(plan))


# ---- norms and distances ---------------------------------------------------------------------
class VectorNorm(_Op):
    """||x||_p over dims; d = x |x|^(p-2) / ||x||^(p-1) (0 where the norm is 0)"""

    _node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        d = x._data
        a = np.abs(d)
        if p == 2:
            out = np.sqrt((d * d).sum(axis=dims, keepdims=True))
        elif p == math.inf:
            out = a.max(axis=dims, keepdims=True, initial=0.0)
        elif p == 1:
            out = a.sum(axis=dims, keepdims=True)
        elif p == 0:
            out = (d != 0).sum(axis=dims, keepdims=True).astype(d.dtype)
        else:
            out = (a**p).sum(axis=dims, keepdims=True) ** (1.0 / p)
        out = out.astype(d.dtype, copy=False)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        ctx.keep_shape = out.shape
        res = out if keepdim else out.reshape([s for i, s in enumerate(out.shape) if i not in dims])
        # save the returned array itself, so under create_graph the norm stays linked to x
        ctx.save_for_backward(x, res)
        return res

    @staticmethod
    def backward(ctx, g):
        x, n = ctx.saved_tensors
        p = ctx.p
        keep_shape = ctx.keep_shape
        n = n.reshape(keep_shape)
        if _state.enabled:
            gk = g.reshape(tuple(keep_shape))
            zero = _make((n._data == 0), False, None, 0)
            nsafe = n + zero
            if p == 2:
                return _T.where(zero, 0.0, gk * x / nsafe)
            if p == 1:
                return gk * _T.sign(x)
            if p == math.inf:
                amax = _make((np.abs(x._data) == n._data) & ~(n._data == 0), False, None, 0)
                cnt = _make(amax._data.sum(axis=ctx.dims, keepdims=True).clip(1), False, None, 0)
                return gk * _T.sign(x) * amax / cnt
            if p == 0:
                return gk * 0.0
            return _T.where(zero, 0.0, gk * x * _T.abs(x) ** (p - 2) / nsafe ** (p - 1))
        gd = g._data.reshape(keep_shape)
        xd, nd = x._data, n._data
        if p == 2:
            r = np.where(nd == 0, 0.0, gd * xd / nd)
        elif p == 1:
            r = gd * np.sign(xd)
        elif p == math.inf:
            amax = (np.abs(xd) == nd) & (nd != 0)
            r = gd * np.sign(xd) * amax / amax.sum(axis=ctx.dims, keepdims=True).clip(1)
        elif p == 0:
            r = np.zeros_like(xd)
        else:
            r = np.where(nd == 0, 0.0, gd * xd * np.abs(xd) ** (p - 2) / nd ** (p - 1))
        return r.astype(xd.dtype, copy=False)


def _vector_norm(x: Tensor, p: float, dim, keepdim: bool) -> Tensor:
    if dim is None:
        dims = tuple(range(x.dim()))
    else:
        dims = tuple(wrap_dim(d, x.dim()) for d in (dim if isinstance(dim, (tuple, list)) else (dim,)))
    if x.dim() == 0:
        return VectorNorm.apply(x.reshape(1), float(p), (0,), False).reshape(())
    return VectorNorm.apply(x, float(p), dims, keepdim)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out=None) -> Tensor:
    """input / max(||input||_p, eps) along dim"""
    denom = _T.clamp_min(_vector_norm(input, p, dim, True), eps)
    return input / denom


def _clamped_norm(x, dim, eps):
    n = _vector_norm(x, 2, dim, True)
    with no_grad():
        c = _T.clamp_min(n, eps)
    # the clamp runs without grad in torch: the gradient passes through as if unclamped
    return n + (c - n).detach()


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps))) along dim"""
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    if tuple(x1.shape) != shape:
        x1 = x1.expand(shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(shape)
    d = wrap_dim(dim, len(shape))
    return ((x1 / _clamped_norm(x1, d, eps)) * (x2 / _clamped_norm(x2, d, eps))).sum(d)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """||x1 - x2 + eps||_p over the last dim"""
    nd = max(x1.dim(), x2.dim())
    diff = x1 - x2 + eps
    if nd == 0:
        return _vector_norm(diff, p, None, keepdim)
    return _vector_norm(diff, p, nd - 1, keepdim)


__all__ = [
    "linear", "bilinear", "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
    "feature_alpha_dropout", "one_hot", "pad", "normalize", "cosine_similarity", "pairwise_distance",
    *_act_all, *_loss_all,
]  # fmt: skip
