"""Loss functions in functional form (``F.mse_loss``, ``F.cross_entropy``, ...).

Each loss is one fused Function: NumPy forward, and a backward whose formula is written once
for a namespace ``M`` (NumPy arrays on the first-order path, differentiable chainrule tensors
under ``create_graph``).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.special import xlogy as _np_xlogy

from .. import _dtype as D
from .. import ops as _T
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..ops._util import prep2, shape_str
from ._functional_activation import _N, _TN, LogSoftmax, Softmax, _np_softplus, logsigmoid

_make = Tensor._make
_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
          "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}  # fmt: skip


class _Op(Function):
    _builtin = True


class _NL(_N):
    sign = staticmethod(np.sign)
    abs = staticmethod(np.abs)
    log = staticmethod(np.log)
    xlogy = staticmethod(_np_xlogy)


def _t_xlogy(x, y):
    return _T.where(x == 0, 0.0, x * _T.log(y))


class _TL(_TN):
    sign = staticmethod(_T.sign)
    abs = staticmethod(_T.abs)
    log = staticmethod(_T.log)
    xlogy = staticmethod(_t_xlogy)


def _ns(*tensors):
    """(namespace, operands): tensors under create_graph, their arrays otherwise."""
    if _state.enabled:
        return _TL, tensors
    return _NL, tuple(t._data if isinstance(t, Tensor) else t for t in tensors)


def _reduction_string(size_average, reduce, reduction: str) -> str:
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = "mean" if size_average and reduce else ("sum" if reduce else "none")
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{ret}' instead.")
    return ret


def _check_reduction(reduction: str) -> None:
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce_np(loss, reduction):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=loss.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(loss.sum() / loss.size if loss.size else np.nan, dtype=loss.dtype)


def _grad_scale(g, reduction, n):
    """Upstream gradient per element: g itself, or g / n for 'mean'."""
    if reduction == "mean":
        return g / n if n else g * math.nan
    return g


def _size_warning(input: Tensor, target: Tensor) -> None:
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). This will "
            "likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
            stacklevel=3,
        )


def _bcast_check(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        pa, pb = (1,) * (len(b) - len(a)) + tuple(a), (1,) * (len(a) - len(b)) + tuple(b)
        for i in range(len(pa) - 1, -1, -1):
            if pa[i] != pb[i] and 1 not in (pa[i], pb[i]):
                raise RuntimeError(
                    f"The size of tensor a ({pa[i]}) must match the size of tensor b ({pb[i]}) at non-singleton "
                    f"dimension {i}"
                ) from None
        raise


# ---- pointwise regression losses -------------------------------------------------------------
class _Pointwise(_Op):
    """loss = reduce(f(x - y)); d/dx = df(x - y), d/dy = -df(x - y)."""

    @staticmethod
    def f(M, d, p):
        raise NotImplementedError

    @staticmethod
    def df(M, d, p):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, y, reduction, p):
        _bcast_check(x._data.shape, y._data.shape)
        xd, yd = prep2(x, y)
        d = xd - yd
        ctx.save_for_backward(x, y)
        ctx.p, ctx.reduction, ctx.n = p, reduction, d.size
        return _reduce_np(cls.f(_NL, d, p).astype(d.dtype, copy=False), reduction)

    @classmethod
    def backward(cls, ctx, g):
        M, (x, y) = _ns(*ctx.saved_tensors)
        gx = _grad_scale(g if M is _TL else g._data, ctx.reduction, ctx.n) * cls.df(M, x - y, ctx.p)
        return gx, (-gx if ctx.needs_input_grad[1] else None)


class MseLoss(_Pointwise):
    """(x - y)^2; d = 2 (x - y)"""

    @staticmethod
    def f(M, d, p):
        return d * d

    @staticmethod
    def df(M, d, p):
        return 2.0 * d


class L1Loss(_Pointwise):
    """|x - y|; d = sign(x - y)"""

    _node_name = "L1LossBackward0"

    @staticmethod
    def f(M, d, p):
        return M.abs(d)

    @staticmethod
    def df(M, d, p):
        return M.sign(d)


class SmoothL1Loss(_Pointwise):
    """0.5 d^2 / beta for |d| < beta else |d| - beta / 2; d = clamp(d / beta, -1, 1)"""

    @staticmethod
    def f(M, d, beta):
        a = M.abs(d)
        return M.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)

    @staticmethod
    def df(M, d, beta):
        return M.where(M.abs(d) <= beta, d / beta, M.sign(d))


class HuberLoss(_Pointwise):
    """0.5 d^2 for |d| < delta else delta (|d| - delta / 2); d = clamp(d, -delta, delta)"""

    @staticmethod
    def f(M, d, delta):
        a = M.abs(d)
        return M.where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta))

    @staticmethod
    def df(M, d, delta):
        return M.where(M.abs(d) <= delta, d, delta * M.sign(d))


def mse_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
             weight=None) -> Tensor:  # fmt: skip
    """mean((input - target)^2)"""
    _size_warning(input, target)
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if weight is not None:
        return _weighted(MseLoss, input, target, weight, reduction, None)
    return MseLoss.apply(input, target, reduction, None)


def l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
            weight=None) -> Tensor:  # fmt: skip
    """mean(|input - target|)"""
    _size_warning(input, target)
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if weight is not None:
        return _weighted(L1Loss, input, target, weight, reduction, None)
    return L1Loss.apply(input, target, reduction, None)


def smooth_l1_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:  # fmt: skip
    """quadratic below beta, linear above"""
    _size_warning(input, target)
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0.0:
        return L1Loss.apply(input, target, reduction, None)
    return SmoothL1Loss.apply(input, target, reduction, float(beta))


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight=None) -> Tensor:
    """quadratic below delta, delta-scaled linear above"""
    _size_warning(input, target)
    _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        return _weighted(HuberLoss, input, target, weight, reduction, float(delta))
    return HuberLoss.apply(input, target, reduction, float(delta))


def _weighted(cls, input, target, weight, reduction, p):
    loss = cls.apply(input, target, "none", p) * weight
    return _reduce_t(loss, reduction)


def _reduce_t(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none":
        return loss
    s = loss.sum()
    if reduction == "sum":
        return s
    n = loss.numel()
    return s / n if n else s * math.nan


# ---- binary cross entropy -------------------------------------------------------------------
class BinaryCrossEntropy(_Op):
    """-w (t log x + (1 - t) log(1 - x)), logs clamped at -100; dx = w (x - t) / max(x (1 - x), 1e-12)"""

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        xd, td = x._data, t._data
        if td.dtype != xd.dtype:
            raise RuntimeError(f"Found dtype {_NAMES[str(td.dtype)]} but expected {_NAMES[str(xd.dtype)]}")
        if ((xd < 0) | (xd > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        if ((td < 0) | (td > 1)).any():
            raise RuntimeError("all elements of target should be between 0 and 1")
        lx = np.maximum(np.log(xd), -100.0)
        l1x = np.maximum(np.log1p(-xd), -100.0)
        loss = -(td * lx + (1.0 - td) * l1x)
        if w is not None:
            loss = loss * w._data
        ctx.save_for_backward(x, t, w)
        ctx.reduction, ctx.n = reduction, loss.size
        return _reduce_np(loss.astype(xd.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        M, (x, t, w) = _ns(*ctx.saved_tensors)
        gs = _grad_scale(g if M is _TL else g._data, ctx.reduction, ctx.n)
        if w is not None:
            gs = gs * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            den = x * (1.0 - x)
            den = _T.clamp(den, min=1e-12) if M is _TL else np.maximum(den, 1e-12)
            gx = gs * (x - t) / den
        if ctx.needs_input_grad[1]:
            lx = _T.clamp(_T.log(x), min=-100.0) if M is _TL else np.maximum(np.log(x), -100.0)
            l1x = _T.clamp(_T.log1p(-x), min=-100.0) if M is _TL else np.maximum(np.log1p(-x), -100.0)
            gt = gs * (l1x - lx)
        return gx, gt, None


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                         reduce=None, reduction: str = "mean") -> Tensor:  # fmt: skip
    """-mean(w (t log x + (1 - t) log(1 - x)))"""
    reduction = _reduction_string(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size ({input.shape}) is deprecated. "
            "Please ensure they have the same size."
        )
    _check_reduction(reduction)
    if weight is not None:
        weight = weight.expand(_bcast_check(target.shape, weight.shape))
    return BinaryCrossEntropy.apply(input, target, weight, reduction)


class BCEWithLogits(_Op):
    """(1 - t) x + (1 + (pw - 1) t) softplus(-x), times w; dx = w ((pw t + 1 - t) s(x) - pw t)"""

    _node_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(ctx, x, t, w, pw, reduction):
        xd, td = prep2(x, t)
        sp = _np_softplus(-xd)
        # 0 * inf for infinite logits: nan as torch, without a NumPy warning
        if pw is not None:
            loss = (1.0 - td) * xd + ((pw._data - 1.0) * td + 1.0) * sp
        else:
            loss = (1.0 - td) * xd + sp
        if w is not None:
            loss = loss * w._data
        ctx.save_for_backward(x, t, w, pw)
        ctx.reduction, ctx.n = reduction, loss.size
        return _reduce_np(loss.astype(xd.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        M, (x, t, w, pw) = _ns(*ctx.saved_tensors)
        gs = _grad_scale(g if M is _TL else g._data, ctx.reduction, ctx.n)
        if w is not None:
            gs = gs * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            s = M.sigmoid(x)
            gx = gs * ((pw * t + 1.0 - t) * s - pw * t if pw is not None else s - t)
        if ctx.needs_input_grad[1]:
            gt = gs * ((pw - 1.0) * M.softplus(-x) - x if pw is not None else -x)
        return gx, gt, None, None


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     size_average=None, reduce=None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:  # fmt: skip
    """BCE on sigmoid(input), computed stably from the logits"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    if pos_weight is not None:
        _bcast_check(pos_weight.shape, input.shape)
    if weight is not None:
        _bcast_check(weight.shape, input.shape)
    return BCEWithLogits.apply(input, target, weight, pos_weight, reduction)


# ---- KL divergence ----------------------------------------------------------------------------
class KLDiv(_Op):
    """t (log t - x) (log_target: e^t (t - x)); dx = -t (-e^t)"""

    @staticmethod
    def forward(ctx, x, t, reduction, log_target):
        xd, td = prep2(x, t)
        if log_target:
            loss = np.exp(td) * (td - xd)
        else:
            loss = _np_xlogy(td, td) - td * xd
        loss = loss.astype(xd.dtype, copy=False)
        ctx.save_for_backward(x, t)
        ctx.reduction, ctx.log_target, ctx.n = reduction, log_target, loss.size
        ctx.batch = xd.shape[0] if xd.ndim else 1
        if reduction == "batchmean":
            return np.asarray(loss.sum() / ctx.batch, dtype=loss.dtype)
        return _reduce_np(loss, reduction)

    @staticmethod
    def backward(ctx, g):
        M, (x, t) = _ns(*ctx.saved_tensors)
        gd = g if M is _TL else g._data
        gs = gd / ctx.batch if ctx.reduction == "batchmean" else _grad_scale(gd, ctx.reduction, ctx.n)
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = gs * -(M.exp(t) if ctx.log_target else t)
        if ctx.needs_input_grad[1]:
            if ctx.log_target:
                gt = gs * (M.exp(t) * (t - x + 1.0))
            else:
                # d xlogy(t, t) / dt as torch composes it: xlogy(t != 0, t) + t / t (nan at t == 0)
                gt = gs * (M.where(t != 0, M.log(t), 0.0) + t / t - x)
        return gx, gt


def kl_div(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:  # fmt: skip
    """sum t (log t - input) reduced; input holds log-probabilities"""
    if size_average is not None or reduce is not None:
        reduction = _reduction_string(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support size.'batchmean' "
            "divides only by the batch size, and aligns with the KL div math definition.'mean' will be changed to "
            "behave the same as 'batchmean' in the next major release.",
            stacklevel=2,
        )
    if reduction != "batchmean":
        _check_reduction(reduction)
    _bcast_check(input.shape, target.shape)
    return KLDiv.apply(input, target, reduction, log_target)


# ---- negative log likelihood / cross entropy ----------------------------------------------------
def _check_nll(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int):
    """Validate like torch; returns (class axis, number of classes)."""
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    tb = target.shape[0] if target.dim() else 0
    if nd != 1 and input.shape[0] != tb:
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size ({tb}).")
    c = input.shape[0] if nd == 1 else input.shape[1]
    if nd == 1:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.dim() == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
    elif nd == 2:
        if target.dim() != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif nd == 4:
        if target.dim() != 3:
            raise RuntimeError(
                f"only batches of spatial targets supported (3D tensors) but got targets of dimension: {target.dim()}"
            )
        if tuple(target.shape[1:]) != tuple(input.shape[2:]):
            raise RuntimeError(
                f"size mismatch (got input: {shape_str(input.shape)} , target: {shape_str(target.shape)}"
            )
    elif tuple(target.shape[1:]) != tuple(input.shape[2:]):
        out = (input.shape[0],) + tuple(input.shape[2:])
        raise RuntimeError(f"Expected target size {shape_str(out)}, got {shape_str(target.shape)}")
    if weight is not None:
        if weight.dim() != 1 or weight.numel() != c:
            if nd >= 3:
                raise RuntimeError("weight tensor should be defined either for all or no classes")
            raise RuntimeError(
                f"weight tensor should be defined either for all {c} classes or no classes but got weight tensor "
                f"of shape: {shape_str(weight.shape)}"
            )
        if weight.dtype != input.dtype:
            raise RuntimeError(f"expected scalar type {_NAMES[input.dtype.name]} but found {_NAMES[weight.dtype.name]}")
    tdt = target._data.dtype
    if tdt not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_NAMES[str(tdt)]}")
    td = target._data.astype(np.int64, copy=False)
    valid = td != ignore_index
    bad = valid & ((td < 0) | (td >= c))
    if bad.any():
        raise IndexError(f"Target {int(td[bad].flat[0])} is out of bounds.")
    return (0 if nd == 1 else 1), c


def _rows(d, axis):
    """(M, C) view of an array with classes on ``axis`` (copy only when the class axis is not last)."""
    if d.ndim == 1:
        return d.reshape(1, -1)
    if d.ndim == 2:
        return d
    return np.moveaxis(d, axis, -1).reshape(-1, d.shape[axis])


def _unrows(r, shape, axis):
    if len(shape) <= 2:
        return r.reshape(shape)
    moved = shape[:axis] + shape[axis + 1 :] + (shape[axis],)
    return np.moveaxis(r.reshape(moved), -1, axis)


def _log_softmax_axis(x, axis):
    if x.ndim == 0:
        return np.zeros_like(x)
    s = x - x.max(axis=axis, keepdims=True) if x.size else x.copy()
    s -= np.log(np.exp(s).sum(axis=axis, keepdims=True))
    return s


def _log_softmax_rows(x):
    with np.errstate(invalid="ignore"):  # inf - inf: nan as torch, without a NumPy warning
        s = x - x.max(axis=1, keepdims=True)
        s -= np.log(np.exp(s).sum(axis=1, keepdims=True))
    return s


class _ClassIndexLoss(_Op):
    """Shared forward/backward for nll_loss (``logits=False``) and fused cross_entropy (``logits=True``).

    Per row i with target class t_i: coefficients c_i = (1 - eps) w[t_i] e_{t_i} + (eps / C) w (zero when
    ignored); nll: loss_i = -c_i . x_i, dx = -c_i; cross entropy: loss_i = -c_i . logp_i,
    dx = softmax_i sum(c_i) - c_i.
    """

    logits = False

    @classmethod
    def forward(cls, ctx, x, target, weight, ignore_index, reduction, eps, axis):
        xd = x._data
        c = xd.shape[axis]
        rows = _rows(xd, axis)
        lp = _log_softmax_rows(rows) if cls.logits else rows
        t = target._data.reshape(-1).astype(np.int64, copy=False)
        valid = t != ignore_index
        tc = np.where(valid, t, 0)
        wd = weight._data if weight is not None else None
        wt = (wd[tc] * valid) if wd is not None else valid.astype(xd.dtype)
        ar = np.arange(t.shape[0])
        picked = lp[ar, tc] if t.shape[0] else np.zeros(0, xd.dtype)
        loss = -(1.0 - eps) * wt * picked
        if eps:
            smooth = -(lp * wd).sum(axis=1) if wd is not None else -lp.sum(axis=1)
            loss = loss + (eps / c) * np.where(valid, smooth, 0.0)
        loss = loss.astype(xd.dtype, copy=False)
        ctx.lp, ctx.tc, ctx.wt, ctx.valid = lp, tc, wt, valid
        ctx.wd, ctx.eps, ctx.c, ctx.axis, ctx.reduction = wd, eps, c, axis, reduction
        ctx.shape = xd.shape
        ctx.tshape = target._data.shape
        if reduction == "none":
            return loss.reshape(ctx.tshape)
        total = loss.sum()
        if reduction == "sum":
            return np.asarray(total, dtype=xd.dtype)
        denom = wt.sum()
        ctx.denom = denom
        return np.asarray(total / denom, dtype=xd.dtype)

    @classmethod
    def _coeffs(cls, ctx, dtype):
        """Dense (M, C) coefficient matrix c_i and its row sums."""
        m = ctx.tc.shape[0]
        coef = np.zeros((m, ctx.c), dtype=dtype)
        coef[np.arange(m), ctx.tc] = (1.0 - ctx.eps) * ctx.wt
        if ctx.eps:
            wrow = ctx.wd if ctx.wd is not None else np.ones(ctx.c, dtype)
            coef += (ctx.eps / ctx.c) * ctx.valid[:, None] * wrow[None, :]
        return coef

    @classmethod
    def backward(cls, ctx, g):
        dt = ctx.lp.dtype
        m = ctx.tc.shape[0]
        if ctx.reduction == "none":
            gs = g.reshape(-1) if _state.enabled else g._data.reshape(-1)
        elif ctx.reduction == "sum":
            gs = g if _state.enabled else g._data
        else:
            gs = g / ctx.denom if _state.enabled else g._data / ctx.denom
        if _state.enabled:
            return cls._backward_graph(ctx, g, gs), None, None
        gsv = np.broadcast_to(np.asarray(gs, dt), (m,))
        if ctx.reduction == "mean" and not ctx.denom:
            # all targets ignored: the loss is nan but no element receives gradient
            gsv = np.where(ctx.valid, gsv, 0).astype(dt)
        if cls.logits:
            s = (1.0 - ctx.eps) * ctx.wt
            if ctx.eps:
                wsum = ctx.wd.sum() if ctx.wd is not None else ctx.c
                s = s + (ctx.eps / ctx.c) * ctx.valid * wsum
            grad = np.exp(ctx.lp) * (s * gsv)[:, None]
        else:
            grad = np.zeros((m, ctx.c), dtype=dt)
        grad[np.arange(m), ctx.tc] -= (1.0 - ctx.eps) * ctx.wt * gsv
        if ctx.eps:
            wrow = ctx.wd if ctx.wd is not None else 1.0
            grad -= (ctx.eps / ctx.c) * (ctx.valid * gsv)[:, None] * wrow
        return _unrows(grad.astype(dt, copy=False), ctx.shape, ctx.axis), None, None

    @classmethod
    def _backward_graph(cls, ctx, g, gs):
        # differentiable form (create_graph): grad = (softmax * rowsum - coef) * gs, in the input's layout
        dt = ctx.lp.dtype
        coef = cls._coeffs(ctx, dt)
        keep = list(ctx.shape)
        keep[ctx.axis if len(ctx.shape) > 1 else 0] = 1
        if ctx.reduction == "none":
            gsk = gs.reshape(tuple(keep) if len(ctx.shape) > 1 else ())
        else:
            gsk = gs
        coef_t = _make(_unrows(coef, ctx.shape, ctx.axis).copy(), False, None, 0)
        if not cls.logits:
            return -coef_t * gsk
        rowsum = _make(
            _unrows(coef, ctx.shape, ctx.axis).sum(axis=ctx.axis if len(ctx.shape) > 1 else 0, keepdims=True),
            False,
            None,
            0,
        )
        p = Softmax.apply(ctx.x_graph, ctx.axis if len(ctx.shape) > 1 else 0)
        return (p * rowsum - coef_t) * gsk


class NllLoss(_ClassIndexLoss):
    """loss_i = -w[t_i] x[i, t_i]"""

    logits = False


class CrossEntropyFused(_ClassIndexLoss):
    """loss_i = -w[t_i] log_softmax(x)[i, t_i] (+ label smoothing)"""

    _node_name = "NllLossBackward0"
    logits = True

    @classmethod
    def forward(cls, ctx, x, target, weight, ignore_index, reduction, eps, axis):
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(x)
        return super().forward.__func__(cls, ctx, x, target, weight, ignore_index, reduction, eps, axis)

    @classmethod
    def backward(cls, ctx, g):
        if _state.enabled:
            (ctx.x_graph,) = ctx.saved_tensors
        return super().backward.__func__(cls, ctx, g)


class CrossEntropyProb(_Op):
    """loss_i = -sum_c w_c t'_ic logp_ic, t' = (1 - eps) t + eps / C"""

    _node_name = "NegBackward0"

    @staticmethod
    def forward(ctx, x, t, weight, reduction, eps, axis):
        xd, td = x._data, t._data
        lp = _log_softmax_axis(xd, axis)
        c = xd.shape[axis] if xd.ndim else 1
        ts = td * (1.0 - eps) + eps / c if eps else td
        wb = None
        if weight is not None:
            wb = weight._data.reshape((-1,) + (1,) * (xd.ndim - axis - 1))
            ts = ts * wb
        per = -(lp * ts).sum(axis=axis)
        ctx.save_for_backward(x, t)
        ctx.lp, ctx.wb, ctx.eps, ctx.axis, ctx.c, ctx.reduction = lp, wb, eps, axis, c, reduction
        ctx.n = per.size
        return _reduce_np(per.astype(xd.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, g):
        M, (x, t) = _ns(*ctx.saved_tensors)
        gs = _grad_scale(g if M is _TL else g._data, ctx.reduction, ctx.n)
        if ctx.reduction == "none":
            gs = gs.reshape(tuple(gs.shape[: ctx.axis]) + (1,) + tuple(gs.shape[ctx.axis :]))
        ts = t * (1.0 - ctx.eps) + ctx.eps / ctx.c if ctx.eps else t
        wb = ctx.wb
        if wb is not None:
            ts = ts * (_make(wb, False, None, 0) if M is _TL else wb)
        gx = gt = None
        if M is _TL:
            lp = LogSoftmax.apply(x, ctx.axis)
            if ctx.needs_input_grad[0]:
                gx = (_T.exp(lp) * ts.sum(ctx.axis, keepdim=True) - ts) * gs
        else:
            lp = ctx.lp
            if ctx.needs_input_grad[0]:
                gx = (np.exp(lp) * ts.sum(axis=ctx.axis, keepdims=True) - ts) * gs
        if ctx.needs_input_grad[1]:
            wl = lp * (_make(wb, False, None, 0) if (wb is not None and M is _TL) else (wb if wb is not None else 1.0))
            gt = -wl * (1.0 - ctx.eps) * gs
        return gx, gt, None


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
             ignore_index: int = -100, reduce=None, reduction: str = "mean") -> Tensor:  # fmt: skip
    """-mean over non-ignored i of w[t_i] input[i, t_i] (weighted mean)"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    axis, _ = _check_nll(input, target, weight, ignore_index)
    return NllLoss.apply(input, target, weight, ignore_index, reduction, 0.0, axis)


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                  ignore_index: int = -100, reduce=None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:  # fmt: skip
    """nll_loss(log_softmax(input, 1), target): class indices or class probabilities as target"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    axis = 0 if input.dim() == 1 else 1
    if input.shape == target.shape:
        if not target.is_floating_point():
            raise RuntimeError(
                f"Expected floating point type for target with class probabilities, got {_NAMES[target.dtype.name]}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if not 0.0 <= label_smoothing <= 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
        x, t = input, target
        if t.dtype != x.dtype:
            dt = D._promote_np(x._data.dtype, t._data.dtype)
            x, t = x.to(D.from_np(dt)), t.to(D.from_np(dt))
        if weight is not None and weight.numel() != input.shape[axis]:
            raise RuntimeError(
                f"weight tensor should be defined either for all {input.shape[axis]} classes or no classes but got "
                f"weight tensor of shape: {shape_str(weight.shape)}"
            )
        return CrossEntropyProb.apply(x, t, weight, reduction, float(label_smoothing), axis)
    if input.dim() < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.dim()})")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    axis, _ = _check_nll(input, target, weight, ignore_index)
    if not input.is_floating_point():
        raise NotImplementedError(
            f"\"log_softmax_lastdim_kernel_impl\" not implemented for '{_NAMES[input.dtype.name]}'"
        )
    return CrossEntropyFused.apply(input, target, weight, ignore_index, reduction, float(label_smoothing), axis)


# ---- other losses (compositions of differentiable ops) ------------------------------------------
def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
                     eps: float = 1e-8, reduce=None, reduction: str = "mean") -> Tensor:  # fmt: skip
    """exp(x) - t x (log_input) or x - t log(x + eps); full adds Stirling's term for t > 1"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if log_input:
        loss = _T.exp(input) - target * input
    else:
        loss = input - target * _T.log(input + eps)
    if full:  # Stirling's term t log t - t + log(2 pi t) / 2 where t > 1, differentiable in t as in torch
        big = target > 1
        t = _T.where(big, target, 1.0)
        stirling = t * _T.log(t) - t + 0.5 * _T.log(t * (2 * np.pi))
        loss = loss + _T.where(big, stirling, 0.0)
    return _reduce_t(loss, reduction)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                        reduce=None, reduction: str = "mean") -> Tensor:  # fmt: skip
    """max(0, -y (x1 - x2) + margin)"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(
            f"margin_ranking_loss : All input tensors should have same dimension but got sizes: input1: "
            f"{input1.shape}, input2: {input2.shape}, target: {target.shape} "
        )
    return _reduce_t(_T.clamp_min(-target * (input1 - input2) + margin, 0), reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                     reduction: str = "mean") -> Tensor:  # fmt: skip
    """log(1 + exp(-y x))"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    return _reduce_t(_TL.softplus(-target * input), reduction)


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None,
                         reduction: str = "mean") -> Tensor:  # fmt: skip
    """x where y == 1, max(0, margin - x) where y == -1"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    zeros = input * 0.0
    margin_clamp = _T.where(target != 1, _T.clamp_min(margin - input, 0), zeros)
    output_margin = _T.where(target != -1, input, zeros)
    return _reduce_t(output_margin + margin_clamp, reduction)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None,
                          reduce=None, reduction: str = "mean") -> Tensor:  # fmt: skip
    """1 - cos(x1, x2) where y == 1, max(0, cos(x1, x2) - margin) where y == -1"""
    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    eps = 1e-12
    prod = (input1 * input2).sum(-1)
    mag1 = (input1 * input1).sum(-1) + eps
    mag2 = (input2 * input2).sum(-1) + eps
    cos = prod / _T.sqrt(mag1 * mag2)
    zeros = cos * 0.0
    pos = _T.where(target == 1, 1.0 - cos, zeros)
    neg = _T.where(target == -1, _T.clamp_min(cos - margin, 0), zeros)
    return _reduce_t(pos + neg, reduction)


def gaussian_nll_loss(input: Tensor, target: Tensor, var: Tensor | float, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:  # fmt: skip
    """0.5 (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) when full)"""
    _check_reduction(reduction)
    if not isinstance(var, Tensor):
        var = _make(np.full(input._data.shape, float(var), dtype=input._data.dtype), False, None, 0)
    elif var.shape != input.shape and var.dim() == input.dim() - 1 and var.shape == input.shape[:-1]:
        var = var.reshape(tuple(var.shape) + (1,))
    if bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    with _no_grad():
        clamped = _T.clamp(var, min=eps)
    var = var + (clamped - var).detach()
    loss = 0.5 * (_T.log(var) + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce_t(loss, reduction)


def multilabel_soft_margin_loss(input: Tensor, target: Tensor, weight: Tensor | None = None, size_average=None,
                                reduce=None, reduction: str = "mean") -> Tensor:  # fmt: skip
    """-mean over classes of t logsigmoid(x) + (1 - t) logsigmoid(-x)"""
    reduction = _reduction_string(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce_t(loss, reduction)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, size_average=None, reduce=None,
                        reduction: str = "mean") -> Tensor:  # fmt: skip
    """max(d(a, p) - d(a, n) + margin, 0) with d the pairwise p-distance"""
    from ._functional_basic import pairwise_distance

    reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = _T.minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce_t(_T.clamp_min(margin + d_pos - d_neg, 0), reduction)


def _no_grad():
    from ..autograd.grad_mode import no_grad

    return no_grad()


__all__ = [
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "nll_loss", "cross_entropy", "poisson_nll_loss",
    "margin_ranking_loss", "soft_margin_loss", "hinge_embedding_loss", "cosine_embedding_loss", "gaussian_nll_loss",
    "multilabel_soft_margin_loss", "triplet_margin_loss",
]  # fmt: skip
