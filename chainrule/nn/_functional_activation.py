"""Activation functions in functional form (``F.relu``, ``F.gelu``, ``F.softmax``, ...).

Smooth activations write their derivative once for a namespace ``M``: NumPy arrays on the
first-order path, chainrule tensors under ``create_graph`` so the gradient is differentiable.
Piecewise-linear ones multiply by a constant mask, which is exact to every order.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy.special import erf as _np_erf

from .. import ops as _T
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..backend import xp
from ..ops import reduce as _reduce
from ..ops._util import wrap_dim
from ..ops.reduce import LogSoftmax, Softmax  # noqa: F401  (also used by the fused losses)

_make = Tensor._make
_TORCH_TYPE = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


class _Op(Function):
    _builtin = True
    saves_input = False


def _np_sigmoid(x):
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _np_softplus(x):
    # log(1 + e^x) = max(x, 0) + log1p(e^-|x|): no overflow for large |x|
    return xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))


def _t_softplus(x):
    return _T.relu(x) + _T.log1p(_T.exp(-_T.abs(x)))


class _N:
    """NumPy functions under the names the derivative formulas use."""

    exp = staticmethod(xp.exp)
    tanh = staticmethod(xp.tanh)
    erf = staticmethod(_np_erf)
    sigmoid = staticmethod(_np_sigmoid)
    softplus = staticmethod(_np_softplus)
    where = staticmethod(xp.where)


class _TN:
    """chainrule ops under the same names (differentiable)."""

    exp = staticmethod(_T.exp)
    tanh = staticmethod(_T.tanh)
    erf = staticmethod(_T.erf)
    sigmoid = staticmethod(_T.sigmoid)
    softplus = staticmethod(_t_softplus)
    where = staticmethod(_T.where)


def _float_input(x: Tensor, name: str):
    d = x._data
    if d.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_TORCH_TYPE.get(str(d.dtype), d.dtype)}'")
    return d


class _Smooth(_Op):
    """y = f(x); dy/dx = df(x), with f and df given per subclass for namespace M."""

    kernel = "activation_cpu"
    saves_input = True

    @staticmethod
    def f(M, x, *p):
        raise NotImplementedError

    @staticmethod
    def df(M, x, *p):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, *p):
        d = _float_input(x, cls.kernel)
        ctx.p = p
        ctx.save_for_backward(x)
        return cls.f(_N, d, *p).astype(d.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        (x,) = ctx.saved_tensors
        if _state.enabled:
            return g * cls.df(_TN, x, *ctx.p)
        return g._data * cls.df(_N, x._data, *ctx.p)


_SQRT1_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_K_TANH = math.sqrt(2.0 / math.pi)


class Gelu(_Smooth):
    """gelu(x) = x Phi(x); d = Phi(x) + x phi(x)"""

    kernel = "GeluKernelImpl"

    @staticmethod
    def f(M, x, approximate):
        if approximate == "tanh":
            return 0.5 * x * (1.0 + M.tanh(_K_TANH * (x + 0.044715 * x * x * x)))
        return 0.5 * x * (1.0 + M.erf(x * _SQRT1_2))

    @staticmethod
    def df(M, x, approximate):
        if approximate == "tanh":
            t = M.tanh(_K_TANH * (x + 0.044715 * x * x * x))
            return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * _K_TANH * (1.0 + 3 * 0.044715 * x * x)
        return 0.5 * (1.0 + M.erf(x * _SQRT1_2)) + x * M.exp(-0.5 * x * x) * _INV_SQRT_2PI


class Silu(_Smooth):
    """silu(x) = x s(x); d = s(x) (1 + x (1 - s(x)))"""

    @staticmethod
    def f(M, x):
        return x * M.sigmoid(x)

    @staticmethod
    def df(M, x):
        s = M.sigmoid(x)
        return s * (1.0 + x * (1.0 - s))


class Mish(_Smooth):
    """mish(x) = x tanh(softplus(x)); d = tanh(sp) + x s(x) (1 - tanh(sp)^2)"""

    @staticmethod
    def f(M, x):
        return x * M.tanh(M.softplus(x))

    @staticmethod
    def df(M, x):
        t = M.tanh(M.softplus(x))
        return t + x * M.sigmoid(x) * (1.0 - t * t)


class Softplus(_Smooth):
    """softplus(x) = log(1 + e^(b x)) / b (x where b x > threshold); d = s(b x)"""

    @staticmethod
    def f(M, x, beta, threshold):
        bx = x * beta
        return M.where(bx > threshold, x, M.softplus(bx) / beta)

    @staticmethod
    def df(M, x, beta, threshold):
        bx = x * beta
        return M.where(bx > threshold, 1.0, M.sigmoid(bx))


class LogSigmoid(_Smooth):
    """logsigmoid(x) = -softplus(-x); d = s(-x)"""

    @staticmethod
    def f(M, x):
        return -M.softplus(-x)

    @staticmethod
    def df(M, x):
        return M.sigmoid(-x)


class Hardswish(_Op):
    """hardswish(x) = x relu6(x + 3) / 6; d = 0 (x < -3), x/3 + 1/2 (x <= 3), 1"""

    saves_input = True

    @staticmethod
    def forward(ctx, x):
        d = _float_input(x, "hardswish_cpu")
        ctx.save_for_backward(x)
        return (d * np.clip(d + 3.0, 0.0, 6.0) / 6.0).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if _state.enabled:
            return g * _T.where(x < -3.0, 0.0, _T.where(x <= 3.0, x / 3.0 + 0.5, 1.0))
        xd = x._data
        return g._data * np.where(xd < -3.0, 0.0, np.where(xd <= 3.0, xd / 3.0 + 0.5, 1.0)).astype(xd.dtype)


class Elu(_Op):
    """elu family: scale x (x > 0) else scale alpha (e^(s x) - 1); d from the output: s (y + scale alpha)"""

    _node_name = "EluBackward0"

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        d = _float_input(x, "elu_cpu")
        pos = d > 0
        neg = scale * alpha * np.expm1(np.minimum(d, 0) * input_scale)
        out = np.where(pos, d * scale, neg).astype(d.dtype, copy=False)
        ctx.pos = pos
        ctx.p = (alpha, scale, input_scale)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.p
        if _state.enabled:
            pos = _make(ctx.pos, False, None, 0)
            return g * _T.where(pos, scale, (out + scale * alpha) * input_scale)
        o = out._data
        return g._data * np.where(ctx.pos, scale, (o + scale * alpha) * input_scale).astype(o.dtype, copy=False)


class _Masked(_Op):
    """Piecewise-linear activation: gradient = g * (constant slope array)."""

    @staticmethod
    def backward(ctx, g):
        return g * _make(ctx.slope, False, None, 0)


class Hardtanh(_Masked):
    """clamp(x, lo, hi); d = 1 inside (lo, hi), 0 outside"""

    @staticmethod
    def forward(ctx, x, lo, hi):
        d = x._data
        out = np.clip(d, lo, hi).astype(d.dtype, copy=False)
        ctx.slope = (d > lo) & (d < hi)
        return out


class LeakyRelu(_Masked):
    """x (x > 0) else slope x"""

    @staticmethod
    def forward(ctx, x, slope):
        d = _float_input(x, "leaky_relu_cpu")
        pos = d > 0
        ctx.slope = np.where(pos, 1.0, slope).astype(d.dtype)
        return np.where(pos, d, d * slope).astype(d.dtype, copy=False)


_ONE_SIXTH_F = float(np.float32(1.0) / np.float32(6.0))


class Hardsigmoid(_Masked):
    """relu6(x + 3) / 6; d = 1/6 on (-3, 3)"""

    @staticmethod
    def forward(ctx, x):
        d = _float_input(x, "hardsigmoid_cpu")
        # torch's kernel uses the float literal 1.0f / 6.0f for every dtype
        ctx.slope = np.where((d > -3.0) & (d < 3.0), _ONE_SIXTH_F, 0.0).astype(d.dtype)
        return (np.clip(d + 3.0, 0.0, 6.0) / 6.0).astype(d.dtype, copy=False)


class Softshrink(_Masked):
    """x - l (x > l), x + l (x < -l), else 0"""

    @staticmethod
    def forward(ctx, x, lambd):
        d = _float_input(x, "softshrink_cpu")
        ctx.slope = (d > lambd) | (d < -lambd)
        return np.where(d > lambd, d - lambd, np.where(d < -lambd, d + lambd, 0.0)).astype(d.dtype, copy=False)


class Hardshrink(_Masked):
    """x where |x| > l else 0"""

    @staticmethod
    def forward(ctx, x, lambd):
        d = _float_input(x, "hardshrink_cpu")
        ctx.slope = (d > lambd) | (d < -lambd)
        return np.where(ctx.slope, d, 0.0).astype(d.dtype, copy=False)


# ---- softmax family -------------------------------------------------------------------------
def _softmax_dim(ndim: int) -> int:
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated. Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_prep(x, dim, dtype, name):
    if dtype is not None:
        x = x.to(dtype)
    d = x._data
    if d.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_TORCH_TYPE.get(str(d.dtype), d.dtype)}'")
    return x, wrap_dim(dim, d.ndim)


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(x)_i = exp(x_i) / sum_j exp(x_j) along ``dim``"""
    if dim is None:
        dim = _softmax_dim(input.dim())
    x, axis = _softmax_prep(input, dim, dtype, "softmax_lastdim_kernel_impl")
    return _reduce.Softmax.apply(x, axis)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """log_softmax(x) = x - logsumexp(x) along ``dim``"""
    if dim is None:
        dim = _softmax_dim(input.dim())
    x, axis = _softmax_prep(input, dim, dtype, "log_softmax_lastdim_kernel_impl")
    return _reduce.LogSoftmax.apply(x, axis)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmin(x) = softmax(-x)"""
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return softmax(-input, dim)


# ---- public activations ---------------------------------------------------------------------
def _apply(cls, input, inplace, name, *args):
    if inplace:
        if cls.saves_input and input._rg:
            # the derivative needs the original values, which the in-place write overwrites
            return input._inplace(lambda t, *a: cls.apply(t.clone(), *a), name, *args)
        return input._inplace(lambda t, *a: cls.apply(t, *a), name, *args)
    return cls.apply(input, *args)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """relu(x) = max(x, 0)"""
    if inplace:
        return input._inplace(_T.relu, "relu_")
    return _T.relu(input)


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """clamp(x, min_val, max_val)"""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _apply(Hardtanh, input, inplace, "hardtanh_", min_val, max_val)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x) = min(max(x, 0), 6)"""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0 else negative_slope * x"""
    return _apply(LeakyRelu, input, inplace, "leaky_relu_", negative_slope)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold else value (NaN kept); the op is ``torch.threshold``"""
    return (_T.threshold_ if inplace else _T.threshold)(input, threshold, value)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    return _T.threshold_(input, threshold, value)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0 else alpha (e^x - 1)"""
    return _apply(Elu, input, inplace, "elu_", alpha, 1.0, 1.0)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants"""
    return _apply(Elu, input, inplace, "selu_", _SELU_ALPHA, _SELU_SCALE, 1.0)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1))"""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _apply(Elu, input, inplace, "celu_", alpha, 1.0, 1.0 / alpha)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x Phi(x) (approximate='tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))))"""
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh, got {approximate}")
    return Gelu.apply(input, approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x)"""
    return _apply(Silu, input, inplace, "silu_")


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))"""
    return _apply(Mish, input, inplace, "mish_")


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + exp(beta x)) / beta, linear above threshold"""
    return Softplus.apply(input, beta, threshold)


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x))"""
    return LogSigmoid.apply(input)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * relu6(x + 3) / 6"""
    return _apply(Hardswish, input, inplace, "hardswish_")


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6"""
    return _apply(Hardsigmoid, input, inplace, "hardsigmoid_")


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x)"""
    return _T.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """(e^x - e^-x) / (e^x + e^-x)"""
    return _T.tanh(input)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)"""
    return input / (_T.abs(input) + 1)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)"""
    return input - _T.tanh(input)


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return Softshrink.apply(input, lambd)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    return Hardshrink.apply(input, lambd)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """x for x > 0 else weight * x, weight per channel (dim 1)"""
    n = weight.numel()
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.dim()}")
    if input.dim() == 0 and n != 1:
        raise RuntimeError("Not allow zero-dim input tensor.")
    if n != 1:
        channels = input.shape[1] if input.dim() >= 2 else input.shape[0]
        if n != channels:
            raise RuntimeError(
                "Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                f"{n} and channel size = {channels}."
            )
        if input.dim() >= 2:
            weight = weight.reshape((1, n) + (1,) * (input.dim() - 2))
    elif weight.dim() == 1 and input.dim() == 0:
        weight = weight.reshape(())
    return _T.where(input > 0, input, weight * input)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """a * sigmoid(b) where a, b are the two halves of ``input`` along ``dim``"""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    axis = wrap_dim(dim, input.dim())
    n = input.shape[axis]
    if n % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {axis} is size {n}")
    return Glu.apply(input, axis)


class Glu(_Op):
    """glu = a s(b); da = s(b), db = a s(b) (1 - s(b))"""

    @staticmethod
    def forward(ctx, x, axis):
        a, b = np.split(x._data, 2, axis=axis)
        ctx.axis = axis
        ctx.save_for_backward(x)
        return a * _np_sigmoid(b)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        if _state.enabled:
            n = x.shape[ctx.axis] // 2
            a, b = x.narrow(ctx.axis, 0, n), x.narrow(ctx.axis, n, n)
            s = _T.sigmoid(b)
            return _T.cat([g * s, g * a * s * (1.0 - s)], ctx.axis)
        a, b = np.split(x._data, 2, axis=ctx.axis)
        s = _np_sigmoid(b)
        gd = g._data
        return np.concatenate([gd * s, gd * a * s * (1.0 - s)], axis=ctx.axis)


__all__ = [
    "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "leaky_relu", "leaky_relu_", "threshold", "threshold_",
    "elu", "elu_", "selu", "selu_", "celu", "celu_", "gelu", "silu", "mish", "softplus", "logsigmoid", "hardswish",
    "hardsigmoid", "sigmoid", "tanh", "softsign", "tanhshrink", "softshrink", "hardshrink", "prelu", "glu",
    "softmax", "log_softmax", "softmin",
]  # fmt: skip
