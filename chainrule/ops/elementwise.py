"""Elementwise primitives: each forward beside its local derivative.

Backward formulas are Tensor expressions, so they are differentiable themselves
(``create_graph=True``). Broadcast gradients come back full-size; the engine reduces them.
dtypes follow torch's promotion (``prep2``): Python scalars are weak, 0-d tensors only win
by category, integer division and float math on integers give the default float dtype.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp
from ._util import _bcast_msg, as_tensor_arg, float_data, prep2, scalar_value

_make = Tensor._make
_LN2 = 0.6931471805599453
_LN10 = 2.302585092994046
_TORCH_NAME = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


class _Op(Function):
    _builtin = True


try:  # np.errstate costs ~1 us per use; setting NumPy's error-state context variable directly ~0.2 us
    from numpy._core._ufunc_config import _extobj_contextvar as _errvar
    from numpy._core.umath import _make_extobj

    _IGNORE = _make_extobj(all="ignore")

    class _quiet:
        """Suppress NumPy floating-point warnings (torch silently returns inf/nan)."""

        __slots__ = ("tok",)

        def __enter__(self):
            self.tok = _errvar.set(_IGNORE)

        def __exit__(self, *exc):
            _errvar.reset(self.tok)

except ImportError:  # pragma: no cover - other NumPy versions

    def _quiet():
        return np.errstate(all="ignore")


def _bin(fn, a, b, ad, bd):
    try:
        return fn(ad, bd)
    except ValueError:
        sb = b._data.shape if isinstance(b, Tensor) else ()
        raise RuntimeError(_bcast_msg((a._data.shape, sb))) from None


def _is_bool(x) -> bool:
    return x._data.dtype.kind == "b" if isinstance(x, Tensor) else type(x) is bool


def _check_sub(a, b) -> None:
    if _is_bool(a) or _is_bool(b):
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError(
                "Subtraction, the `-` operator, with two bool tensors is not supported. "
                "Use the `^` or `logical_xor()` operator instead."
            )
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def _float_pair(a, b):
    """Promoted operands of a true division: integer/bool results divide in the default float dtype."""
    ad, bd = prep2(a, b)
    if ad.dtype.kind != "f":
        ft = D.get_default_dtype().np
        ad = ad.astype(ft)
        if isinstance(bd, np.ndarray):
            bd = bd.astype(ft)
    return ad, bd


def _not_for_bool(name, ad) -> None:
    if ad.dtype.kind == "b":
        raise NotImplementedError(f"\"{name}\" not implemented for 'Bool'")


def _int_zero_div(ad, bd) -> None:
    if ad.dtype.kind in "iub" and np.any(np.asarray(bd) == 0):
        raise RuntimeError("ZeroDivisionError")


def _not_freed(ctx) -> None:
    """An op that saved nothing still refuses a second backward through a freed graph, as torch."""
    if ctx._freed:
        ctx.saved_tensors  # noqa: B018  (raises the freed-graph error)


def _zeros(g):
    return _make(xp.zeros_like(g._data), False, None, 0)


# ---- arithmetic ---------------------------------------------------------------------------
def _bcast_error(a, b):
    sb = b._data.shape if isinstance(b, Tensor) else ()
    return RuntimeError(_bcast_msg((a._data.shape, sb)))


class Add(_Op):
    """d(a+b)/da = 1, d(a+b)/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        ad = a._data
        if type(b) is Tensor and b._data.dtype == ad.dtype:
            bd = b._data
        else:
            ad, bd = prep2(a, b)
        try:
            return ad + bd
        except ValueError:
            raise _bcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(_Op):
    """d(a-b)/da = 1, d(a-b)/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        ad = a._data
        if type(b) is Tensor and b._data.dtype == ad.dtype and ad.dtype.kind != "b":
            bd = b._data
        else:
            if ad.dtype.kind == "b" or _is_bool(b):
                _check_sub(a, b)
            ad, bd = prep2(a, b)
        try:
            return ad - bd
        except ValueError:
            raise _bcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class RSub(_Op):
    """other - a: d/da = -1"""

    _node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        if a._data.dtype.kind == "b" or _is_bool(b):
            _check_sub(a, b)
        ad, bd = prep2(a, b)
        return _bin(xp.subtract, a, b, bd, ad)

    @staticmethod
    def backward(ctx, g):
        return -g, (g if ctx.needs_input_grad[1] else None)


class RSubTensor(RSub):
    _node_name = "RsubBackward0"


class Mul(_Op):
    """d(ab)/da = b, d(ab)/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ad = a._data
        if type(b) is Tensor and b._data.dtype == ad.dtype:
            bd = b._data
        else:
            ad, bd = prep2(a, b)
        na, nb = ctx.needs_input_grad
        if nb:
            ctx._saved = (a, b if na else None)
        elif na and isinstance(b, Tensor):
            ctx._saved = (None, b)
        ctx.scalar = b
        try:
            return ad * bd
        except ValueError:
            raise _bcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        if ctx._saved is None:  # a Python-number factor: nothing was saved
            _not_freed(ctx)
            return g * ctx.scalar, None
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = (g * (b if b is not None else ctx.scalar)) if na else None
        gb = g * a if nb else None
        return ga, gb


class Div(_Op):
    """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = _float_pair(a, b)
        if isinstance(b, Tensor):
            ctx._saved = (a if ctx.needs_input_grad[1] else None, b)
        ctx.scalar = b
        with _quiet():
            return _bin(xp.true_divide, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        if ctx._saved is None:  # divided by a Python number: nothing was saved
            _not_freed(ctx)
            return g / ctx.scalar, None
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g / b if na else None
        gb = -g * ((a / b) / b) if nb else None
        return ga, gb


class RDiv(_Op):
    """s / a computed as reciprocal(a) * s (torch's rounding): d/da = -s / a^2"""

    _node_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, s):
        ctx.save_for_backward(a)
        ctx.scalar = s
        with _quiet():
            return xp.reciprocal(float_data(a)) * s

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * ctx.scalar / (a * a), None


class Reciprocal(_Op):
    """d(1/a) = -1/a^2 = -out^2"""

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = xp.reciprocal(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -g * (out * out)


class Neg(_Op):
    """d(-a)/da = -1"""

    @staticmethod
    def forward(ctx, a):
        if a._data.dtype.kind == "b":
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return xp.negative(a._data)

    @staticmethod
    def backward(ctx, g):
        return -g


# ---- powers ---------------------------------------------------------------------------------
class PowScalar(_Op):
    """d(a^p)/da = p a^(p-1) (0 for p = 0)"""

    _node_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, p):
        ad, pd = prep2(a, p)
        if ad.dtype.kind in "iu" and type(p) is int and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(a)
        ctx.p = p
        if ad.dtype.kind == "b":
            return xp.power(ad.astype(np.int8), pd).astype(np.bool_)
        with _quiet():
            return xp.power(ad, pd)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return _zeros(g)
        if p == 1:
            return g
        if p == 2:
            return g * (a * 2.0)
        return g * (p * a ** (p - 1))


class Pow(_Op):
    """d(a^b)/da = b a^(b-1) (0 where b == 0); d(a^b)/db = a^b log(a) (0 where a == 0 and b >= 0)"""

    _node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        if a._data.dtype.kind == "b" and b._data.dtype.kind == "b":
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        ad, bd = prep2(a, b)
        if ad.dtype.kind in "iu":
            out = _int_pow(ad, bd)
        else:
            with _quiet():
                out = _bin(xp.power, a, b, ad, bd)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            ga = where(b == 0, 0.0, g * (b * a ** (b - 1)))
        if nb:
            gb = where((a == 0) & (b >= 0), 0.0, g * (out * log(a)))
        return ga, gb


def _int_pow(ad, bd):
    """Integer powers as torch: negative exponents give 1/(a^|b|) truncated (1, -1 stay +-1, others 0)."""
    try:
        if not np.any(bd < 0):
            return xp.power(ad, bd)
    except ValueError:
        raise RuntimeError(_bcast_msg((ad.shape, bd.shape))) from None
    pos = xp.power(ad, xp.abs(bd))
    neg = xp.where(ad == 1, 1, xp.where(ad == -1, xp.where(bd % 2 == 0, 1, -1), 0)).astype(ad.dtype)
    return xp.where(bd < 0, neg, pos)


class RPowScalar(_Op):
    """d(s^b)/db = s^b log(s) (0 where s == 0 and b >= 0)"""

    _node_name = "PowBackward2"

    @staticmethod
    def forward(ctx, b, s):
        if b._data.dtype.kind == "b" and type(s) is bool:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        bd, sd = prep2(b, s)
        if bd.dtype.kind == "b":
            bd = bd.astype(np.int64)
        if bd.dtype.kind in "iu":
            out = _int_pow(np.asarray(sd, dtype=bd.dtype), bd)
        else:
            with _quiet():
                out = xp.power(np.asarray(sd, dtype=bd.dtype), bd)
        ctx.save_for_backward(out)
        ctx.s = s
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        s = ctx.s
        if s == 0:
            return where(out == 0, 0.0, g * (out * float("-inf")))
        return g * (out * float(np.log(s)))


class Exp2(_Op):
    """d 2^a = 2^a ln 2"""

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = xp.exp2(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * _LN2)


# ---- unary math ---------------------------------------------------------------------------
class Exp(_Op):
    """d exp(a) = exp(a)"""

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = xp.exp(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Expm1(_Op):
    """d (exp(a)-1) = exp(a) = out + 1"""

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = xp.expm1(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out + 1.0)


class _LogLike(_Op):
    """log-family forward on floats (integers promote); domain errors give nan/-inf like torch."""

    fn = None

    @classmethod
    def forward(cls, ctx, a):
        ctx.save_for_backward(a)
        with _quiet():
            return cls.fn(float_data(a))


class Log(_LogLike):
    """d log(a) = 1/a"""

    fn = staticmethod(xp.log)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Log2(_LogLike):
    """d log2(a) = 1/(a ln 2)"""

    fn = staticmethod(xp.log2)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * _LN2)


class Log10(_LogLike):
    """d log10(a) = 1/(a ln 10)"""

    fn = staticmethod(xp.log10)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * _LN10)


class Log1p(_LogLike):
    """d log(1+a) = 1/(1+a)"""

    _node_name = "Log1PBackward0"
    fn = staticmethod(xp.log1p)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a + 1.0)


class Sqrt(_Op):
    """d sqrt(a) = 1 / (2 sqrt(a))"""

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = xp.sqrt(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (out * 2.0)


class Rsqrt(_Op):
    """d a^(-1/2) = -1/2 a^(-3/2) = -out^3 / 2"""

    @staticmethod
    def forward(ctx, a):
        with _quiet():
            out = 1.0 / xp.sqrt(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -0.5 * g * (out * out * out)


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
        return g * -sin(a)


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
    """d s(a) = s(a) (1 - s(a))"""

    @staticmethod
    def forward(ctx, a):
        d = float_data(a)
        # exp(-a) overflows to inf for a << 0 and 1/(1+inf) is exactly 0: finite without a split
        with _quiet():
            out = 1.0 / (1.0 + xp.exp(-d))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1.0 - out) * out


class Relu(_Op):
    """d relu(a) = 1 where a > 0 else 0 (0 at a == 0, as torch)"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        if d.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        out = xp.maximum(d, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return where(out > 0, g, 0.0)


class Abs(_Op):
    """d|a| = sign(a) (0 at 0)"""

    @staticmethod
    def forward(ctx, a):
        if a._data.dtype.kind == "b":
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        ctx.save_for_backward(a)
        return xp.abs(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * sign(a)


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


class _ZeroGrad(_Op):
    """Piecewise-constant functions: derivative 0 almost everywhere."""

    fn = None
    kernel = ""

    @classmethod
    def forward(cls, ctx, a):
        d = a._data
        if d.dtype.kind == "b":
            raise NotImplementedError(f"\"{cls.kernel}_vml_cpu\" not implemented for 'Bool'")
        return cls.fn(d) if d.dtype.kind == "f" else d.copy()

    @staticmethod
    def backward(ctx, g):
        return _zeros(g)


class Sign(_ZeroGrad):
    fn = staticmethod(xp.sign)

    @classmethod
    def forward(cls, ctx, a):
        d = a._data
        return xp.sign(d) if d.dtype.kind != "b" else d.copy()


class Sgn(Sign):
    pass


class Floor(_ZeroGrad):
    fn = staticmethod(xp.floor)
    kernel = "floor"


class Ceil(_ZeroGrad):
    fn = staticmethod(xp.ceil)
    kernel = "ceil"


class Trunc(_ZeroGrad):
    fn = staticmethod(xp.trunc)
    kernel = "trunc"


class Round(_ZeroGrad):
    """round half to even (as torch); zero gradient"""

    @staticmethod
    def forward(ctx, a, decimals=0):
        d = a._data
        if d.dtype.kind == "b":
            raise NotImplementedError("\"round_vml_cpu\" not implemented for 'Bool'")
        if d.dtype.kind != "f":
            return d.copy()
        if decimals == 0:
            return xp.round(d)
        return xp.round(d, decimals)


class RoundDecimals(Round):
    _node_name = "RoundBackward1"


class Frac(_Op):
    """a - trunc(a): d/da = 1"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        if d.dtype.kind != "f":
            raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_TORCH_NAME[d.dtype.name]}'")
        return d - xp.trunc(d)

    @staticmethod
    def backward(ctx, g):
        return g


# ---- clamping, extrema, selection -------------------------------------------------------
class Clamp(_Op):
    """clamp to Python-number bounds: d/da = 1 where lo <= a <= hi else 0"""

    _node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, lo, hi):
        d = a._data
        if type(lo) is float or type(hi) is float:
            d = float_data(a)
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        if lo is not None and hi is not None:
            return xp.minimum(xp.maximum(d, lo), hi)
        return xp.maximum(d, lo) if lo is not None else xp.minimum(d, hi)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        if lo is not None and hi is not None:
            mask = (a >= lo) & (a <= hi)
        elif lo is not None:
            mask = a >= lo
        else:
            mask = a <= hi
        return where(mask, g, 0.0), None, None


class ClampMin(Clamp):
    _node_name = "ClampMinBackward0"


class ClampMax(Clamp):
    _node_name = "ClampMaxBackward0"


class ClampTensor(_Op):
    """clamp to tensor bounds: a's gradient where lo <= a <= hi; a bound's where it is the result"""

    _node_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ts = [t for t in (a, lo, hi) if t is not None]
        dt = _result_np(*ts)
        d = a._data.astype(dt, copy=False)
        out = d
        try:
            if lo is not None:
                ld = lo._data.astype(dt, copy=False)
                out = xp.where(xp.isnan(ld), ld, xp.maximum(out, ld)) if dt.kind == "f" else xp.maximum(out, ld)
            if hi is not None:
                hd = hi._data.astype(dt, copy=False)
                out = xp.where(xp.isnan(hd), hd, xp.minimum(out, hd)) if dt.kind == "f" else xp.minimum(out, hd)
        except ValueError:
            shapes = ", ".join(str(list(t._data.shape)) for t in ts)
            raise RuntimeError(f"clamp: shapes {shapes} cannot be broadcast together") from None
        ctx.save_for_backward(a, lo, hi)
        return out

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        _, nlo, nhi = ctx.needs_input_grad
        if lo is not None and hi is not None:
            mask = (a >= lo) & (a <= hi)
        elif lo is not None:
            mask = a >= lo
        else:
            mask = a <= hi
        ga = where(mask, g, 0.0)
        glo = ghi = None
        # where lo > hi every element is hi, so hi takes the gradient and lo none
        if nlo:
            glo = where(a < lo, g, 0.0) if hi is None else where((a < lo) & (lo < hi), g, 0.0)
        if nhi:
            ghi = where(a > hi, g, 0.0) if lo is None else where((a > hi) | (hi < lo), g, 0.0)
        return ga, glo, ghi


class ClampMinTensor(ClampTensor):
    _node_name = "ClampMinBackward1"


class ClampMaxTensor(ClampTensor):
    _node_name = "ClampMaxBackward1"


def _result_np(*ts):
    """torch's result dtype for several tensors (dimensioned ones outrank 0-d ones)."""
    return D.result_np([t._data.dtype for t in ts if t._data.ndim], [t._data.dtype for t in ts if not t._data.ndim], ())


class Maximum(_Op):
    """d max(a,b): gradient to the larger input, halved on ties (as torch)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.maximum, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        half = where(a == b, g / 2.0, g)
        return (where(a < b, 0.0, half) if na else None), (where(a > b, 0.0, half) if nb else None)


class Minimum(_Op):
    """d min(a,b): gradient to the smaller input, halved on ties (as torch)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.minimum, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        half = where(a == b, g / 2.0, g)
        return (where(a > b, 0.0, half) if na else None), (where(a < b, 0.0, half) if nb else None)


class Fmax(_Op):
    """max ignoring NaN: gradient to the input chosen"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.fmax, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        pick_a = (a >= b) | isnan(b)
        return where(pick_a, g, 0.0), where(pick_a, 0.0, g)


class Fmin(_Op):
    """min ignoring NaN: gradient to the input chosen"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.fmin, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        pick_a = (a <= b) | isnan(b)
        return where(pick_a, g, 0.0), where(pick_a, 0.0, g)


class Where(_Op):
    """d where(c, a, b) = c for a, ~c for b. An unsafe unselected branch still gives 0 * nan = nan."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        if isinstance(a, Tensor):
            ad, bd = prep2(a, b)
        elif isinstance(b, Tensor):
            bd, ad = prep2(b, a)
        else:
            dt = D.result_np((), (), (a, b))
            ad, bd = np.asarray(a, dt), np.asarray(b, dt)
        try:
            return xp.where(cond._data, ad, bd)
        except ValueError:
            raise RuntimeError(
                f"where: shapes {list(cond.shape)}, {list(np.shape(ad))} and {list(np.shape(bd))} "
                "cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        _, na, nb = ctx.needs_input_grad
        return None, (where(cond, g, 0.0) if na else None), (where(cond, 0.0, g) if nb else None)


class NanToNum(_Op):
    """replace nan/+-inf: d/da = 1 where a is finite else 0"""

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        ctx.save_for_backward(a)
        return xp.nan_to_num(a._data, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * isfinite(a)


class Lerp(_Op):
    """a + w (b - a): d/da = 1 - w, d/db = w, d/dw = b - a"""

    @staticmethod
    def forward(ctx, a, b, w):
        ad, bd = prep2(a, b)
        if ad.dtype.kind != "f":
            raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{_TORCH_NAME[ad.dtype.name]}'")
        wd = w._data if isinstance(w, Tensor) else w
        ctx.save_for_backward(a, b, w if isinstance(w, Tensor) else None)
        ctx.w = w
        try:
            diff = bd - ad
            # torch's two-sided form keeps lerp(a, b, 1) == b exactly
            out = xp.where(np.abs(wd) < 0.5, ad + wd * diff, bd - diff * (1 - wd))
        except ValueError:
            raise RuntimeError(_bcast_msg((a._data.shape, b._data.shape))) from None
        return out.astype(ad.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, b, wt = ctx.saved_tensors
        w = wt if wt is not None else ctx.w
        na, nb, nw = ctx.needs_input_grad
        return (g * (1 - w) if na else None), (g * w if nb else None), (g * (b - a) if nw else None)


class LerpTensor(Lerp):
    _node_name = "LerpBackward1"


class Addcmul(_Op):
    """a + v t1 t2: d/da = 1, d/dt1 = v t2, d/dt2 = v t1"""

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        dt = _result_np(a, t1, t2)
        try:
            return a._data.astype(dt, copy=False) + value * t1._data.astype(dt, copy=False) * t2._data.astype(
                dt, copy=False
            )
        except ValueError:
            raise RuntimeError(_bcast_msg((t1._data.shape, t2._data.shape))) from None

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        _, n1, n2 = ctx.needs_input_grad[:3]
        v = ctx.value
        return g, (g * t2 * v if n1 else None), (g * t1 * v if n2 else None), None


class Addcdiv(_Op):
    """a + v t1 / t2: d/da = 1, d/dt1 = v / t2, d/dt2 = -v t1 / t2^2"""

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        if t1._data.dtype.kind in "iub" and t2._data.dtype.kind in "iub":
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future release "
                "addcdiv will perform a true division of tensor1 and tensor2."
            )
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        dt = _result_np(a, t1, t2)
        try:
            with _quiet():
                return a._data.astype(dt, copy=False) + value * t1._data.astype(dt, copy=False) / t2._data.astype(
                    dt, copy=False
                )
        except ValueError:
            raise RuntimeError(_bcast_msg((t1._data.shape, t2._data.shape))) from None

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        _, n1, n2 = ctx.needs_input_grad[:3]
        v = ctx.value
        return g, (g * v / t2 if n1 else None), (-g * v * t1 / (t2 * t2) if n2 else None), None


# ---- integer-style division -----------------------------------------------------------------
class FloorDivide(_Op):
    """floor(a / b); torch defines no derivative for ``//``"""

    _node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        _not_for_bool("div_floor_cpu", ad)
        _int_zero_div(ad, bd)
        with _quiet():
            return _bin(xp.floor_divide, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("the derivative for 'floor_divide' is not implemented.")


class DivMode(_Op):
    """a / b rounded ('trunc' or 'floor'): zero gradient"""

    _node_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        ad, bd = prep2(a, b)
        _not_for_bool(f"div_{mode}_cpu", ad)
        _int_zero_div(ad, bd)
        with _quiet():
            if mode == "floor":
                return _bin(xp.floor_divide, a, b, ad, bd)
            if ad.dtype.kind == "f":
                return xp.trunc(_bin(xp.true_divide, a, b, ad, bd))
            q = _bin(xp.floor_divide, a, b, ad, bd)
            return q + ((q < 0) & (q * bd != ad))

    @staticmethod
    def backward(ctx, g):
        return _zeros(g), None, None


class Remainder(_Op):
    """a - floor(a/b) b (sign of b): d/da = 1, d/db = -floor(a/b)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        _not_for_bool("remainder_cpu", ad)
        _int_zero_div(ad, bd)
        ctx.save_for_backward(a, b if isinstance(b, Tensor) else None)
        with _quiet():
            return _bin(xp.remainder, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if b is not None and ctx.needs_input_grad[1]:
            gb = -g * DivMode.apply(a, b, "floor")
        return g, gb


class RemainderTensor(Remainder):
    _node_name = "RemainderBackward1"


class Fmod(_Op):
    """a - trunc(a/b) b (sign of a): d/da = 1, d/db = -trunc(a/b)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        _not_for_bool("fmod_cpu", ad)
        _int_zero_div(ad, bd)
        ctx.save_for_backward(a, b if isinstance(b, Tensor) else None)
        with _quiet():
            return _bin(xp.fmod, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if b is not None and ctx.needs_input_grad[1]:
            gb = -g * DivMode.apply(a, b, "trunc")
        return g, gb


class FmodTensor(Fmod):
    _node_name = "FmodBackward1"


# ---- dtype and copies ------------------------------------------------------------------------
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
            raise RuntimeError(
                f"The size of tensor a ({list(src.shape)}) must match the size of tensor b "
                f"({list(dst.shape)}): copy_ cannot broadcast {list(src.shape)} to "
                f"{list(dst.shape)}"
            ) from None
        return out.astype(dst._data.dtype)

    @staticmethod
    def backward(ctx, g):
        nd, ns = ctx.needs_input_grad
        return (_zeros(g) if nd else None), (g if ns else None)


class Fill(CopyFrom):
    """dst.fill_(value): the old dst gets a zero gradient, a tensor value the sum of the gradient"""

    _node_name = "FillBackward2"


class Zero(_Op):
    """dst.zero_(): zero gradient for the old dst"""

    @staticmethod
    def forward(ctx, dst):
        return xp.zeros_like(dst._data)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g)


def _cast(a, np_dtype):
    return Cast.apply(a, np_dtype)


def copy_from(dst, src):
    return CopyFrom.apply(dst, src)


def fill_from(dst, value):
    return Fill.apply(dst, value)


def zero_like_op(dst):
    return Zero.apply(dst)


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
    input = _lhs(input, other)
    other = _scalar_or_tensor(other)
    return (RemainderTensor if isinstance(other, Tensor) else Remainder).apply(input, other)


def fmod(input, other):
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
        ad = input._data.astype(bool, copy=False)
        bd = other._data.astype(bool, copy=False)
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
