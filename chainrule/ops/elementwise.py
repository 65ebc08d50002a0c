"""Elementwise primitives: each forward beside its local derivative.

Backward formulas are Tensor expressions, so they are differentiable themselves
(``create_graph=True``). Broadcast gradients come back full-size; the engine reduces them.
dtypes follow torch's promotion (``prep2``): Python scalars are weak, 0-d tensors only win
by category, integer division and float math on integers give the default float dtype.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..backend import xp
from ._ew_arith import (  # noqa: F401
    Add,
    Cast,
    Clone,
    Div,
    DivMode,
    Exp2,
    FloorDivide,
    Fmod,
    FmodTensor,
    Mul,
    Neg,
    Pow,
    PowScalar,
    RDiv,
    Reciprocal,
    Remainder,
    RemainderScalarTensor,
    RemainderTensor,
    RPowScalar,
    RSub,
    RSubTensor,
    Sub,
    _cast,
    copy_from,
    fill_from,
    zero_like_op,
)
from ._ew_base import _TORCH_NAME, _bin, _make
from ._ew_select import (
    Addcdiv,
    Addcmul,
    Clamp,
    ClampMax,
    ClampMaxTensor,
    ClampMin,
    ClampMinTensor,
    ClampTensor,
    Fmax,
    Fmin,
    Lerp,
    LerpTensor,
    Maximum,
    Minimum,
    NanToNum,
    Where,
)
from ._ew_unary import (
    Abs,
    Ceil,
    Cos,
    Erf,
    Erfinv,
    Exp,
    Expm1,
    Floor,
    Frac,
    Log,
    Log1p,
    Log2,
    Log10,
    Relu,
    Round,
    RoundDecimals,
    Rsqrt,
    Sgn,
    Sigmoid,
    Sign,
    Sin,
    Sqrt,
    Tan,
    Tanh,
    Trunc,
)
from ._util import _bcast_msg, as_tensor_arg, prep2, scalar_value


# ---- public function forms ------------------------------------------------------------------
def _scalar_or_tensor(x):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _make(x, False, None, 0)
    return scalar_value(x)


def _lhs(input, other):
    """The left operand as a Tensor (a Python number becomes a 0-d tensor, weak like a scalar)."""
    if isinstance(input, Tensor):
        return input
    return as_tensor_arg(input, other if isinstance(other, Tensor) else None)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other"""
    input = _lhs(input, other)
    if alpha != 1:
        other = _scalar_or_tensor(other) * alpha
    return Add.apply(input, _scalar_or_tensor(other))


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other"""
    input = _lhs(input, other)
    if alpha != 1:
        other = _scalar_or_tensor(other) * alpha
    return Sub.apply(input, _scalar_or_tensor(other))


subtract = sub


def rsub(input, other, *, alpha=1):
    """other - alpha * input"""
    if isinstance(other, Tensor):
        return RSubTensor.apply(input * alpha if alpha != 1 else input, other)
    return RSub.apply(input * alpha if alpha != 1 else input, scalar_value(other))


def mul(input, other, *, out=None):
    if not isinstance(input, Tensor):
        if isinstance(other, Tensor):
            return Mul.apply(other, scalar_value(input))
        input = _lhs(input, other)
    return Mul.apply(input, _scalar_or_tensor(other))


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """input / other (true division unless rounding_mode is 'trunc' or 'floor')"""
    input = _lhs(input, other)
    other = _scalar_or_tensor(other)
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode in ("trunc", "floor"):
        return DivMode.apply(input, other, rounding_mode)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = div
true_divide = div


def rdiv(input, other):
    """other / input for a non-tensor ``other`` (torch rounds as reciprocal(input) * other)"""
    if isinstance(other, np.ndarray):
        return Div.apply(_make(other, False, None, 0), input)
    return RDiv.apply(input, scalar_value(other))


def floor_divide(input, other):
    return FloorDivide.apply(_lhs(input, other), _scalar_or_tensor(other))


def remainder(input, other):
    if not isinstance(input, Tensor):
        return RemainderScalarTensor.apply(_lhs(input, other), other)
    other = _scalar_or_tensor(other)
    return (RemainderTensor if isinstance(other, Tensor) else Remainder).apply(input, other)


def fmod(input, other):
    if not isinstance(input, Tensor):
        raise TypeError(
            f"fmod() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected (Tensor input, Tensor other) or (Tensor input, Number other)"
        )
    other = _scalar_or_tensor(other)
    return (FmodTensor if isinstance(other, Tensor) else Fmod).apply(input, other)


def pow(input, exponent):
    """input ** exponent (tensor or scalar on either side)"""
    if not isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            return RPowScalar.apply(exponent, scalar_value(input))
        input = as_tensor_arg(input)
    if isinstance(exponent, Tensor):
        return Pow.apply(input, exponent)
    if isinstance(exponent, np.ndarray):
        return Pow.apply(input, _make(exponent, False, None, 0))
    return PowScalar.apply(input, scalar_value(exponent))


def float_power(input, exponent):
    input = input.double() if isinstance(input, Tensor) else float(input)
    exponent = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return pow(input, exponent)


def neg(input):
    return Neg.apply(input)


negative = neg


def abs(input):
    return Abs.apply(input)


absolute = abs


def exp(input):
    return Exp.apply(input)


def exp2(input):
    return Exp2.apply(input)


def expm1(input):
    return Expm1.apply(input)


def log(input):
    return Log.apply(input)


def log2(input):
    return Log2.apply(input)


def log10(input):
    return Log10.apply(input)


def log1p(input):
    return Log1p.apply(input)


def sqrt(input):
    return Sqrt.apply(input)


def rsqrt(input):
    return Rsqrt.apply(input)


def square(input):
    return PowScalar.apply(input, 2)


def reciprocal(input):
    return Reciprocal.apply(input)


def sin(input):
    return Sin.apply(input)


def cos(input):
    return Cos.apply(input)


def tan(input):
    return Tan.apply(input)


def tanh(input):
    return Tanh.apply(input)


def sigmoid(input):
    return Sigmoid.apply(input)


def relu(input):
    return Relu.apply(input)


def sign(input):
    return Sign.apply(input)


def sgn(input):
    return Sgn.apply(input)


def floor(input):
    return Floor.apply(input)


def ceil(input):
    return Ceil.apply(input)


def trunc(input):
    return Trunc.apply(input)


fix = trunc


def frac(input):
    return Frac.apply(input)


def round(input, *, decimals=0):
    return (RoundDecimals if decimals else Round).apply(input, decimals)


def clamp(input, min=None, max=None):
    """clamp each element into [min, max] (max wins where min > max)"""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        if (min is not None and not isinstance(min, Tensor)) or (max is not None and not isinstance(max, Tensor)):
            raise TypeError(
                "clamp() received an invalid combination of arguments: min and max must both be "
                "Tensors or both be numbers"
            )
        return ClampTensor.apply(input, min, max)
    return Clamp.apply(input, None if min is None else scalar_value(min), None if max is None else scalar_value(max))


clip = clamp


def clamp_min(input, min):
    if isinstance(min, Tensor):
        return ClampMinTensor.apply(input, min, None)
    return ClampMin.apply(input, scalar_value(min), None)


def clamp_max(input, max):
    if isinstance(max, Tensor):
        return ClampMaxTensor.apply(input, None, max)
    return ClampMax.apply(input, None, scalar_value(max))


def _tensor_pair(name, input, other):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        bad = other if isinstance(input, Tensor) else input
        raise TypeError(f"{name}(): argument 'other' must be Tensor, not {type(bad).__name__}")


def maximum(input, other):
    _tensor_pair("maximum", input, other)
    return Maximum.apply(input, other)


def minimum(input, other):
    _tensor_pair("minimum", input, other)
    return Minimum.apply(input, other)


def fmax(input, other):
    _tensor_pair("fmax", input, other)
    return Fmax.apply(input, other)


def fmin(input, other):
    _tensor_pair("fmin", input, other)
    return Fmin.apply(input, other)


def where(condition, input=None, other=None):
    """elementwise select: input where condition else other"""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = as_tensor_arg(condition)
    if condition._data.dtype.kind != "b":
        if condition._data.dtype != np.uint8:
            raise RuntimeError(
                f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                f"{_TORCH_NAME.get(condition._data.dtype.name, condition.dtype)}"
            )
        condition = _make(condition._data.astype(bool), False, None, 0)
    input = _scalar_or_tensor(input)
    other = _scalar_or_tensor(other)
    return Where.apply(condition, input, other)


def lerp(input, end, weight):
    """input + weight * (end - input)"""
    if isinstance(weight, Tensor):
        return LerpTensor.apply(input, end, weight)
    return Lerp.apply(input, end, scalar_value(weight))


def addcmul(input, tensor1, tensor2, *, value=1):
    return Addcmul.apply(input, tensor1, tensor2, scalar_value(value))


def addcdiv(input, tensor1, tensor2, *, value=1):
    return Addcdiv.apply(input, tensor1, tensor2, scalar_value(value))


def erf(input):
    """d erf(a) = 2/sqrt(pi) exp(-a^2)"""
    return Erf.apply(input)


def erfinv(input):
    return Erfinv.apply(input)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    return NanToNum.apply(input, nan, posinf, neginf)


def _as_tensor_like(x, like):
    return as_tensor_arg(x, like)


# ---- comparisons and logic (not differentiable) ---------------------------------------------
def _cmp(name, fn):
    def op(input, other):
        if not isinstance(input, Tensor):
            input = as_tensor_arg(input)
        if isinstance(other, (list, tuple)):
            other = as_tensor_arg(other)
        ad, bd = prep2(input, _scalar_or_tensor(other))
        return _make(np.asarray(_bin(fn, input, other, ad, bd)), False, None, 0)

    op.__name__ = name
    op.__doc__ = f"elementwise {name} (bool result, no gradient)"
    return op


eq = _cmp("eq", xp.equal)
ne = _cmp("ne", xp.not_equal)
lt = _cmp("lt", xp.less)
le = _cmp("le", xp.less_equal)
gt = _cmp("gt", xp.greater)
ge = _cmp("ge", xp.greater_equal)
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logic(name, fn):
    def op(input, other):
        if not isinstance(other, Tensor):
            raise TypeError(f"{name}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__}")
        ad, bd = input._data, other._data
        if ad.dtype != bd.dtype:  # torch tests in the promoted dtype: 1e-144 (float64) is 0 as float32
            ad, bd = prep2(input, other)
        ad = ad.astype(bool, copy=False)
        bd = bd.astype(bool, copy=False)
        return _make(np.asarray(_bin(fn, input, other, ad, bd)), False, None, 0)

    op.__name__ = name
    return op


logical_and = _logic("logical_and", xp.logical_and)
logical_or = _logic("logical_or", xp.logical_or)
logical_xor = _logic("logical_xor", xp.logical_xor)


def logical_not(input):
    return _make(xp.logical_not(input._data), False, None, 0)


def _bitwise(name, fn):
    def op(input, other):
        if not isinstance(input, Tensor):
            input = as_tensor_arg(input)
        ad, bd = prep2(input, _scalar_or_tensor(other))
        k = np.asarray(bd).dtype.kind
        if ad.dtype.kind == "f" or k == "f":
            dt = ad.dtype if ad.dtype.kind == "f" else np.asarray(bd).dtype
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_TORCH_NAME.get(dt.name, dt.name)}'")
        return _make(np.asarray(_bin(fn, input, other, ad, bd)), False, None, 0)

    op.__name__ = name
    return op


bitwise_and = _bitwise("bitwise_and", xp.bitwise_and)
bitwise_or = _bitwise("bitwise_or", xp.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", xp.bitwise_xor)


def bitwise_not(input):
    d = input._data
    if d.dtype.kind == "f":
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{_TORCH_NAME[d.dtype.name]}'")
    return _make(xp.invert(d), False, None, 0)


def isnan(input):
    return _make(xp.isnan(input._data), False, None, 0)


def isinf(input):
    return _make(xp.isinf(input._data), False, None, 0)


def isfinite(input):
    return _make(xp.isfinite(input._data), False, None, 0)


def isposinf(input):
    return _make(xp.isposinf(input._data), False, None, 0)


def isneginf(input):
    return _make(xp.isneginf(input._data), False, None, 0)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|input - other| <= atol + rtol |other| elementwise (same-sign infinities are close)"""
    if not isinstance(other, Tensor):
        raise TypeError(f"isclose(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    if input._data.dtype != other._data.dtype:
        raise RuntimeError(f"{input.dtype} did not match {other.dtype}")
    try:
        res = xp.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan)
    except ValueError:
        raise RuntimeError(_bcast_msg((input._data.shape, other._data.shape))) from None
    return _make(np.asarray(res), False, None, 0)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:
    """True when both tensors have the same shape and elements"""
    if input._data.shape != other._data.shape:
        return False
    ad, bd = prep2(input, other)
    return bool((ad == bd).all())


__all__ = [
    "add",
    "sub",
    "subtract",
    "rsub",
    "mul",
    "multiply",
    "div",
    "divide",
    "true_divide",
    "floor_divide",
    "remainder",
    "fmod",
    "pow",
    "float_power",
    "neg",
    "negative",
    "abs",
    "absolute",
    "exp",
    "exp2",
    "expm1",
    "log",
    "log2",
    "log10",
    "log1p",
    "sqrt",
    "rsqrt",
    "square",
    "reciprocal",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "relu",
    "sign",
    "sgn",
    "floor",
    "ceil",
    "trunc",
    "fix",
    "frac",
    "round",
    "clamp",
    "clip",
    "clamp_min",
    "clamp_max",
    "maximum",
    "minimum",
    "fmax",
    "fmin",
    "where",
    "lerp",
    "addcmul",
    "addcdiv",
    "erf",
    "erfinv",
    "eq",
    "ne",
    "lt",
    "le",
    "gt",
    "ge",
    "greater",
    "greater_equal",
    "less",
    "less_equal",
    "not_equal",
    "logical_and",
    "logical_or",
    "logical_xor",
    "logical_not",
    "bitwise_and",
    "bitwise_or",
    "bitwise_xor",
    "bitwise_not",
    "isnan",
    "isinf",
    "isfinite",
    "isposinf",
    "isneginf",
    "nan_to_num",
    "isclose",
    "allclose",
    "equal",
]
TENSOR_METHODS = [n for n in __all__ if n not in ("where",)] + ["copy_from"]
