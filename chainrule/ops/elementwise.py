"""Elementwise primitives: each forward beside its local derivative.

Backward formulas are Tensor expressions, so they are differentiable themselves
(``create_graph=True``). Broadcast gradients come back full-size; the engine reduces them.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp
from ._util import _bcast_msg, as_tensor_arg, float_data, prep2, scalar_value

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _bin(fn, a, b, ad, bd):
    try:
        return fn(ad, bd)
    except ValueError:
        sb = b._data.shape if isinstance(b, Tensor) else ()
        raise RuntimeError(_bcast_msg((a._data.shape, sb))) from None


# ---- arithmetic ---------------------------------------------------------------------------
class Add(_Op):
    """d(a+b)/da = 1, d(a+b)/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        return _bin(xp.add, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(_Op):
    """d(a-b)/da = 1, d(a-b)/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        if ad.dtype.kind == "b" and (isinstance(b, Tensor) and bd.dtype.kind == "b" or type(b) is bool):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        return _bin(xp.subtract, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class RSub(_Op):
    _node_name = "RsubBackward1"
    """other - a: d/da = -1"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        return _bin(xp.subtract, a, b, bd, ad)

    @staticmethod
    def backward(ctx, g):
        return -g, (g if ctx.needs_input_grad[1] else None)


class Mul(_Op):
    """d(ab)/da = b, d(ab)/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        na, nb = ctx.needs_input_grad
        if nb or na:
            ctx.save_for_backward(a if nb else None, b if na and isinstance(b, Tensor) else None)
            ctx.scalar = b
        return _bin(xp.multiply, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = (g * (b if b is not None else ctx.scalar)) if na else None
        gb = g * a if nb else None
        return ga, gb


class Div(_Op):
    """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        if ad.dtype.kind != "f":
            ad = ad.astype(D.get_default_dtype().np)
        na, nb = ctx.needs_input_grad
        if na or nb:
            ctx.save_for_backward(a if nb else None, b if isinstance(b, Tensor) else None)
            ctx.scalar = b
        with np.errstate(divide="ignore", invalid="ignore"):
            return _bin(xp.true_divide, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        if b is None:
            return g / ctx.scalar, None
        ga = g / b if na else None
        gb = -g * a / (b * b) if nb else None
        return ga, gb


class RDiv(_Op):
    _node_name = "DivBackward0"
    """other / a: d/da = -other / a^2"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        if ad.dtype.kind != "f":
            ad = ad.astype(D.get_default_dtype().np)
        ctx.save_for_backward(a, b if isinstance(b, Tensor) else None)
        ctx.scalar = b
        with np.errstate(divide="ignore", invalid="ignore"):
            return _bin(xp.true_divide, a, b, bd, ad)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        num = b if b is not None else ctx.scalar
        na, nb = ctx.needs_input_grad
        return (-g * num / (a * a) if na else None), (g / a if nb else None)


class Neg(_Op):
    """d(-a)/da = -1"""

    @staticmethod
    def forward(ctx, a):
        if a._data.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                               "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return xp.negative(a._data)

    @staticmethod
    def backward(ctx, g):
        return -g


class PowScalar(_Op):
    _node_name = "PowBackward0"
    """d(a^p)/da = p a^(p-1)"""

    @staticmethod
    def forward(ctx, a, p):
        ad, pd = prep2(a, p)
        if ad.dtype.kind in "iu" and isinstance(p, int) and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(a)
        ctx.p = p
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.power(ad, pd)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return g * 0.0
        if p == 2:
            return g * (a * 2.0)
        if p == 1:
            return g
        return g * (p * a ** (p - 1))


class Pow(_Op):
    _node_name = "PowBackward1"
    """d(a^b)/da = b a^(b-1); d(a^b)/db = a^b log(a) (0 where a == 0 and b >= 0)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        if ad.dtype.kind in "iu" and (bd < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = xp.power(ad, bd)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g * b * a ** (b - 1) if na else None
        gb = None
        if nb:
            safe = where((a == 0) & (b >= 0), 1.0, a)
            gb = g * where((a == 0) & (b >= 0), 0.0, out * log(safe))
        return ga, gb


class RPowScalar(_Op):
    _node_name = "PowBackward2"
    """d(s^b)/db = s^b log(s)"""

    @staticmethod
    def forward(ctx, b, s):
        bd, sd = prep2(b, s)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = xp.power(sd, bd)
        if isinstance(out, np.ndarray) is False:
            out = xp.asarray(out)
        ctx.save_for_backward(out)
        ctx.s = s
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        s = ctx.s
        if s == 0:
            return g * where(out == out, 0.0, 0.0)
        return g * out * float(np.log(s))


# ---- unary math ---------------------------------------------------------------------------
class Exp(_Op):
    """d exp(a) = exp(a)"""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = xp.exp(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Expm1(_Op):
    """d (exp(a)-1) = exp(a)"""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(over="ignore"):
            out = xp.expm1(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out + 1.0)


class Log(_Op):
    """d log(a) = 1/a"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.log(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Log2(_Op):
    """d log2(a) = 1/(a ln 2)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.log2(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * 0.6931471805599453)


class Log10(_Op):
    """d log10(a) = 1/(a ln 10)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.log10(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * 2.302585092994046)


class Log1p(_Op):
    """d log(1+a) = 1/(1+a)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return xp.log1p(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a + 1.0)


class Sqrt(_Op):
    """d sqrt(a) = 1 / (2 sqrt(a))"""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(invalid="ignore"):
            out = xp.sqrt(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (out * 2.0)


class Rsqrt(_Op):
    """d a^(-1/2) = -1/2 a^(-3/2)"""

    @staticmethod
    def forward(ctx, a):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = 1.0 / xp.sqrt(float_data(a))
        ctx.save_for_backward(out)
        return out.astype(float_data(a).dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * out * out) * -0.5


class Sin(_Op):
    """d sin(a) = cos(a)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp.sin(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * cos(a)


class Cos(_Op):
    """d cos(a) = -sin(a)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp.cos(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * sin(a)


class Tan(_Op):
    """d tan(a) = 1 + tan(a)^2"""

    @staticmethod
    def forward(ctx, a):
        out = xp.tan(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * out + 1.0)


class Tanh(_Op):
    """d tanh(a) = 1 - tanh(a)^2"""

    @staticmethod
    def forward(ctx, a):
        out = xp.tanh(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1.0 - out * out)


class Sigmoid(_Op):
    """d s(a) = s(a) (1 - s(a)); computed sign-split so neither branch overflows"""

    @staticmethod
    def forward(ctx, a):
        out = _stable_sigmoid(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * (1.0 - out))


def _stable_sigmoid(x):
    # exp(-|x|) never overflows; sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


class Relu(_Op):
    _node_name = "ReluBackward0"
    """d relu(a) = 1 where a > 0 else 0 (0 at a == 0, as torch)"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        out = xp.maximum(d, 0) if d.dtype.kind != "b" else d.copy()
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out > 0)


class Abs(_Op):
    """d|a| = sign(a) (0 at 0)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp.abs(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * sign(a)


class _ZeroGrad(_Op):
    """Piecewise-constant functions: derivative 0 almost everywhere."""

    fn = None

    @classmethod
    def forward(cls, ctx, a):
        ctx.shape = a._data.shape
        return cls.fn(a._data)

    @staticmethod
    def backward(ctx, g):
        return g * 0.0


class Sign(_ZeroGrad):
    fn = staticmethod(xp.sign)


class Floor(_ZeroGrad):
    fn = staticmethod(lambda d: xp.floor(d) if d.dtype.kind == "f" else d.copy())


class Ceil(_ZeroGrad):
    fn = staticmethod(lambda d: xp.ceil(d) if d.dtype.kind == "f" else d.copy())


class Trunc(_ZeroGrad):
    fn = staticmethod(lambda d: xp.trunc(d) if d.dtype.kind == "f" else d.copy())


class Round(_Op):
    """round half to even (as torch); zero gradient"""

    @staticmethod
    def forward(ctx, a, decimals=0):
        d = a._data
        return xp.round(d, decimals) if d.dtype.kind == "f" else d.copy()

    @staticmethod
    def backward(ctx, g):
        return g * 0.0


class Clamp(_Op):
    """d clamp(a, lo, hi) = 1 where lo <= a <= hi else 0"""

    @staticmethod
    def forward(ctx, a, lo, hi):
        d = a._data
        lod = lo._data if isinstance(lo, Tensor) else lo
        hid = hi._data if isinstance(hi, Tensor) else hi
        if isinstance(lo, float) or isinstance(hi, float):
            d = float_data(a)
        out = d
        if lod is not None:
            out = xp.maximum(out, lod)
            if isinstance(lo, Tensor):
                out = xp.where(xp.isnan(lod), lod, out)
        if hid is not None:
            out = xp.minimum(out, hid)
            if isinstance(hi, Tensor):
                out = xp.where(xp.isnan(hid), hid, out)
        if out is d:
            out = d.copy()
        ctx.save_for_backward(a, lo if isinstance(lo, Tensor) else None, hi if isinstance(hi, Tensor) else None)
        ctx.lo, ctx.hi = lo, hi
        return out.astype(np.result_type(d.dtype, out.dtype) if isinstance(lo, Tensor) or isinstance(hi, Tensor)
                          else d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, lo_t, hi_t = ctx.saved_tensors
        lo = lo_t if lo_t is not None else ctx.lo
        hi = hi_t if hi_t is not None else ctx.hi
        mask = None
        if lo is not None:
            mask = a >= lo
        if hi is not None:
            m2 = a <= hi
            mask = m2 if mask is None else mask & m2
        ga = g * mask
        glo = ghi = None
        if lo_t is not None and ctx.needs_input_grad[1]:
            glo = g * (a < lo_t)
        if hi_t is not None and ctx.needs_input_grad[2]:
            m = a > hi_t
            if lo is not None:
                m = m & (a >= lo)
            ghi = g * m
        return ga, glo, ghi


class Maximum(_Op):
    """d max(a,b): gradient to the larger input; split evenly on ties (as torch)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.maximum, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        w = (a > b) + (a == b) * 0.5
        return g * w, g * (1.0 - w)


class Minimum(_Op):
    """d min(a,b): gradient to the smaller input; split evenly on ties (as torch)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.minimum, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        w = (a < b) + (a == b) * 0.5
        return g * w, g * (1.0 - w)


class Where(_Op):
    """d where(c, a, b) = c for a, ~c for b. An unsafe unselected branch still gives 0 * nan = nan."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        ad = a._data if isinstance(a, Tensor) else a
        bd = b._data if isinstance(b, Tensor) else b
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            if ad.dtype != bd.dtype:
                dt = _promote_tensors(a, b)
                ad, bd = ad.astype(dt), bd.astype(dt)
        elif isinstance(a, Tensor):
            _, bd = prep2(a, b)
            ad = prep2(a, b)[0]
        elif isinstance(b, Tensor):
            bd, ad = prep2(b, a)
        else:
            dt = D.result_np((), (), (a, b))
            ad, bd = np.asarray(a, dt), np.asarray(b, dt)
        try:
            return xp.where(cond._data, ad, bd)
        except ValueError:
            raise RuntimeError(f"where: shapes {list(cond.shape)}, {list(np.shape(ad))} and {list(np.shape(bd))} "
                               "cannot be broadcast together") from None

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        _, na, nb = ctx.needs_input_grad
        z = g * 0.0
        return None, (where(cond, g, z) if na else None), (where(cond, z, g) if nb else None)


def _promote_tensors(a, b):
    from ._util import result_np2

    return result_np2(a._data, b._data)


class Cast(_Op):
    """dtype conversion: gradient cast back to the input dtype (by the engine)"""

    _node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, np_dtype):
        return a._data.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g


class Clone(_Op):
    """identity with a copy"""

    @staticmethod
    def forward(ctx, a):
        return a._data.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class CopyFrom(_Op):
    """dst.copy_(src): the old dst gets no gradient, src gets the (shape-reduced) gradient"""

    _node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, dst, src):
        sd = src._data
        try:
            out = np.broadcast_to(sd, dst._data.shape)
        except ValueError:
            raise RuntimeError(f"The size of tensor a ({list(dst.shape)}) must match the size of tensor b "
                               f"({list(src.shape)}): copy_ cannot broadcast {list(src.shape)} to "
                               f"{list(dst.shape)}") from None
        return out.astype(dst._data.dtype)

    @staticmethod
    def backward(ctx, g):
        return None, g


def _cast(a, np_dtype):
    return Cast.apply(a, np_dtype)


def copy_from(dst, src):
    return CopyFrom.apply(dst, src)


# ---- public function forms ------------------------------------------------------------------
def _scalar_or_tensor(x):
    if isinstance(x, Tensor):
        return x
    if isinstance(x, np.ndarray):
        return _make(x, False, None, 0)
    return scalar_value(x)


def add(input, other, *, alpha=1, out=None):
    """input + alpha * other"""
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input, other if isinstance(other, Tensor) else None)
    if alpha != 1:
        other = other * alpha
    return Add.apply(input, other)


def sub(input, other, *, alpha=1, out=None):
    """input - alpha * other"""
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input, other if isinstance(other, Tensor) else None)
    if alpha != 1:
        other = other * alpha
    return Sub.apply(input, other)


subtract = sub


def rsub(input, other, *, alpha=1):
    return sub(other, input, alpha=alpha) if isinstance(other, Tensor) else RSub.apply(input * alpha, other)


def mul(input, other, *, out=None):
    if not isinstance(input, Tensor):
        return Mul.apply(other, input)
    return Mul.apply(input, other)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input, other if isinstance(other, Tensor) else None)
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode == "trunc":
        return trunc_divide(input, other)
    if rounding_mode == "floor":
        return floor_divide(input, other)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")


divide = div
true_divide = div


def _nondiff_binary(name, fn):
    def op(input, other):
        if not isinstance(input, Tensor):
            input = as_tensor_arg(input, other if isinstance(other, Tensor) else None)
        ad, bd = prep2(input, _scalar_or_tensor(other))
        if ad.dtype.kind in "iub" and np.any(np.asarray(bd) == 0) and name in ("floor_divide", "remainder", "trunc"):
            raise ZeroDivisionError("ZeroDivisionError")
        with np.errstate(divide="ignore", invalid="ignore"):
            out = _bin(fn, input, other, ad, bd)
        res = _make(np.asarray(out), False, None, 0)
        if input._rg or (isinstance(other, Tensor) and other._rg):
            # piecewise-constant in its inputs: zero gradient, like torch's floor_divide
            res = res + 0.0 * (input if input._data.dtype.kind == "f" else 0) if input._rg else res
        return res

    op.__name__ = name
    return op


floor_divide = _nondiff_binary("floor_divide", xp.floor_divide)
trunc_divide = _nondiff_binary("trunc", lambda a, b: xp.trunc(xp.true_divide(a, b)).astype(np.result_type(a, b)))


class Remainder(_Op):
    """a - floor(a/b) b: d/da = 1, d/db = -floor(a/b)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        if ad.dtype.kind in "iub" and np.any(np.asarray(bd) == 0):
            raise ZeroDivisionError("ZeroDivisionError")
        ctx.save_for_backward(a, b if isinstance(b, Tensor) else None)
        with np.errstate(divide="ignore", invalid="ignore"):
            return _bin(xp.remainder, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if b is not None and ctx.needs_input_grad[1]:
            gb = -g * floor_divide(a, b)
        return g, gb


def remainder(input, other):
    if not isinstance(input, Tensor):
        input = as_tensor_arg(input, other if isinstance(other, Tensor) else None)
    return Remainder.apply(input, _scalar_or_tensor(other))


def fmod(input, other):
    ad, bd = prep2(input, _scalar_or_tensor(other))
    with np.errstate(divide="ignore", invalid="ignore"):
        out = xp.fmod(ad, bd)
    return _make(np.asarray(out), False, None, 0) if not input._rg else input - (input - _make(
        np.asarray(out), False, None, 0)).detach()


def pow(input, exponent):
    """input ** exponent (tensor or scalar on either side)"""
    if not isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            return RPowScalar.apply(exponent, scalar_value(input))
        input = as_tensor_arg(input)
    if isinstance(exponent, Tensor):
        if exponent._data.ndim == 0 and not exponent._rg and input._data.ndim > 0:
            return PowScalar.apply(input, exponent.item()).to(_promote_tensors(input, exponent))
        return Pow.apply(input, exponent)
    return PowScalar.apply(input, scalar_value(exponent))


def float_power(input, exponent):
    input = input.double() if isinstance(input, Tensor) else input
    exponent = exponent.double() if isinstance(exponent, Tensor) else exponent
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
    return pow(2.0, input.float() if input._data.dtype.kind != "f" else input)


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
    return RDiv.apply(input, 1.0)


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
    return Sign.apply(input)


def floor(input):
    return Floor.apply(input)


def ceil(input):
    return Ceil.apply(input)


def trunc(input):
    return Trunc.apply(input)


fix = trunc


def frac(input):
    return input - trunc(input)


def round(input, *, decimals=0):
    return Round.apply(input, decimals)


def clamp(input, min=None, max=None):
    """clamp each element into [min, max]"""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if min is not None and not isinstance(min, Tensor):
        min = scalar_value(min)
    if max is not None and not isinstance(max, Tensor):
        max = scalar_value(max)
    return Clamp.apply(input, min, max)


clip = clamp


def clamp_min(input, min):
    return clamp(input, min=min)


def clamp_max(input, max):
    return clamp(input, max=max)


def maximum(input, other):
    return Maximum.apply(input, other)


def minimum(input, other):
    return Minimum.apply(input, other)


def fmax(input, other):
    return where(isnan(other), input, where(isnan(input), other, maximum(input, other)))


def fmin(input, other):
    return where(isnan(other), input, where(isnan(input), other, minimum(input, other)))


def where(condition, input=None, other=None):
    """elementwise select: input where condition else other"""
    if input is None and other is None:
        from .indexing import nonzero

        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = as_tensor_arg(condition)
    if condition._data.dtype.kind != "b":
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype}")
    if not isinstance(input, Tensor):
        input = scalar_value(input)
    if not isinstance(other, Tensor):
        other = scalar_value(other)
    return Where.apply(condition, input, other)


def lerp(input, end, weight):
    return input + weight * (end - input)


def addcmul(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):
    return input + value * tensor1 / tensor2


def erf(input):
    """d erf(a) = 2/sqrt(pi) exp(-a^2)"""
    return Erf.apply(input)


def erfinv(input):
    return Erfinv.apply(input)


class Erf(_Op):
    """d erf(a) = 2/sqrt(pi) exp(-a^2)"""

    @staticmethod
    def forward(ctx, a):
        from scipy.special import erf as _erf

        ctx.save_for_backward(a)
        d = float_data(a)
        return _erf(d).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (exp(-(a * a)) * 1.1283791670955126)


class Erfinv(_Op):
    """d erfinv(y) = sqrt(pi)/2 exp(erfinv(y)^2)"""

    @staticmethod
    def forward(ctx, a):
        from scipy.special import erfinv as _erfinv

        d = float_data(a)
        out = _erfinv(d).astype(d.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (exp(out * out) * 0.8862269254527580)


def _as_tensor_like(x, like):
    return as_tensor_arg(x, like)


# ---- comparisons and logic (not differentiable) ---------------------------------------------
def _cmp(name, fn):
    def op(input, other):
        if not isinstance(input, Tensor):
            input = as_tensor_arg(input)
        if isinstance(other, (list, tuple)):
            other = as_tensor_arg(other)
        ad, bd = prep2(input, _scalar_or_tensor(other) if not isinstance(other, Tensor) else other)
        return _make(np.asarray(_bin(fn, input, other, ad, bd)), False, None, 0)

    op.__name__ = name
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
        ad = input._data.astype(bool)
        bd = (other._data if isinstance(other, Tensor) else np.asarray(other)).astype(bool)
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
        if ad.dtype.kind == "f" or np.asarray(bd).dtype.kind == "f":
            raise RuntimeError(f"\"{name}_cpu\" not implemented for 'Float'")
        return _make(np.asarray(_bin(fn, input, other, ad, bd)), False, None, 0)

    op.__name__ = name
    return op


bitwise_and = _bitwise("bitwise_and", xp.bitwise_and)
bitwise_or = _bitwise("bitwise_or", xp.bitwise_or)
bitwise_xor = _bitwise("bitwise_xor", xp.bitwise_xor)


def bitwise_not(input):
    d = input._data
    if d.dtype.kind == "f":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
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


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):
    d = input._data
    out = xp.nan_to_num(d, nan=nan, posinf=posinf, neginf=neginf)
    if not input._rg:
        return _make(out, False, None, 0)
    return where(isfinite(input), input, _make(out, False, None, 0))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    ad, bd = prep2(input, other)
    return _make(np.asarray(xp.isclose(ad, bd, rtol=rtol, atol=atol, equal_nan=equal_nan)), False, None, 0)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other) -> bool:
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


__all__ = [
    "add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide", "floor_divide",
    "remainder", "fmod", "pow", "float_power", "neg", "negative", "abs", "absolute", "exp", "exp2", "expm1",
    "log", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "reciprocal", "sin", "cos", "tan", "tanh",
    "sigmoid", "relu", "sign", "sgn", "floor", "ceil", "trunc", "fix", "frac", "round", "clamp", "clip",
    "clamp_min", "clamp_max", "maximum", "minimum", "fmax", "fmin", "where", "lerp", "addcmul", "addcdiv",
    "erf", "erfinv", "eq", "ne", "lt", "le", "gt", "ge", "greater", "greater_equal", "less", "less_equal",
    "not_equal", "logical_and", "logical_or", "logical_xor", "logical_not", "bitwise_and", "bitwise_or",
    "bitwise_xor", "bitwise_not", "isnan", "isinf", "isfinite", "isposinf", "isneginf", "nan_to_num",
    "isclose", "allclose", "equal",
]
TENSOR_METHODS = [n for n in __all__ if n not in ("where",)] + ["copy_from"]
