"""More elementwise math: inverse and hyperbolic trig, special functions, two-argument functions.

Float math on integer or bool inputs runs in the default float dtype, as torch; binary ops follow
torch's promotion (``prep2``). Backward formulas are torch's, written in Tensor ops, so their
values at special points (0/0, inf) and double backward match.
"""

from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _make_inplace
from ..backend import xp
from . import elementwise as _E
from ._ew_base import _LN2, _TORCH_NAME, _float_pair, _make, _Op, _zeros
from ._ew_extra_special import (
    I0,
    Acos,
    Acosh,
    AcoshInplace,
    Asin,
    Asinh,
    AsinhInplace,
    Atan,
    Atanh,
    AtanhInplace,
    Cosh,
    Deg2Rad,
    Digamma,
    Erfc,
    Frexp,
    Igamma,
    Igammac,
    Lgamma,
    Logit,
    Mvlgamma,
    Polygamma,
    PolygammaInplace,
    Rad2Deg,
    Sinc,
    Sinh,
    check_bcast,
    float_pair_only,
    torch_name,
)
from ._select import _structseq, return_types
from ._util import as_tensor_arg, prep2, scalar_value


# ---- two-argument functions -------------------------------------------------------------------
def _keep(t, d):
    """``t`` for backward: a float tensor as it is (version-checked), else its promoted float values."""
    return t if t._data.dtype.kind == "f" else _make(d, False, None, 0)


class Atan2(_Op):
    """d atan2(a, b) = (b, -a) / (a^2 + b^2), both 0 where a = b = 0"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = _float_pair(a, b)
        check_bcast(ad, bd)
        ctx.save_for_backward(_keep(a, ad), _keep(b, bd))
        return xp.arctan2(ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        den = a * a + b * b
        recip = _E.where(den == 0, 0.0, den.reciprocal())
        na, nb = ctx.needs_input_grad
        return (g * b * recip if na else None), (g * -a * recip if nb else None)


class Hypot(_Op):
    """d sqrt(a^2 + b^2) = (a, b) / hypot(a, b)"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = float_pair_only("hypot", a, b)
        out = xp.hypot(ad, bd)
        ctx.save_for_backward(_keep(a, ad), _keep(b, bd), out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (g * a / out if na else None), (g * b / out if nb else None)


class Logaddexp(_Op):
    """d log(e^a + e^b) = 1/(1 + e^(b-a)), 1/(1 + e^(a-b))"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = float_pair_only("logaddexp", a, b)
        ctx.save_for_backward(_keep(a, ad), _keep(b, bd))
        return xp.logaddexp(ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (g / (_E.exp(b - a) + 1.0) if na else None), (g / (_E.exp(a - b) + 1.0) if nb else None)


class Logaddexp2(_Op):
    """d log2(2^a + 2^b) = 1/(1 + 2^(b-a)), 1/(1 + 2^(a-b))"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = float_pair_only("logaddexp2", a, b)
        ctx.save_for_backward(_keep(a, ad), _keep(b, bd))
        return xp.logaddexp2(ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g / (_E.pow(2.0, b - a) + 1.0) if na else None
        return ga, (g / (_E.pow(2.0, a - b) + 1.0) if nb else None)


def _xlogy_data(ad, bd):
    """a log(b), 0 where a == 0 unless b is nan (torch's definition)"""
    dt = ad.dtype
    if dt == np.float16:  # float16 runs in float32 and rounds once, as torch
        ad, bd = ad.astype(np.float32), bd.astype(np.float32)
    out = ad * xp.log(bd)
    zero = ad == 0
    if zero.any():
        out = xp.where(zero & ~xp.isnan(bd), 0.0, out)
    return out.astype(dt, copy=False)


class Xlogy(_Op):
    """d a log(b) = log(b) (0 where a == 0 and b <= 0), a/b"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = _float_pair(a, b)
        check_bcast(ad, bd)
        ctx.save_for_backward(_keep(a, ad), _keep(b, bd))
        return _xlogy_data(ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = _E.where((a == 0) & (b <= 0), 0.0, Xlogy.apply(g, b)) if na else None
        return ga, (g * a / b if nb else None)


class XlogyScalarSelf(_Op):
    """d s log(b) / db = s/b"""

    _node_name = "XlogyBackward1"

    @staticmethod
    def forward(ctx, b, s):
        bd, _ = _float_pair(b, s)
        ctx.save_for_backward(_keep(b, bd))
        ctx.s = s
        return _xlogy_data(np.asarray(s, dtype=bd.dtype), bd)

    @staticmethod
    def backward(ctx, g):
        (b,) = ctx.saved_tensors
        return g * ctx.s / b, None


class XlogyScalarOther(_Op):
    """d a log(s) / da = log(s) (0 where a == 0 unless s > 0)"""

    _node_name = "XlogyBackward2"

    @staticmethod
    def forward(ctx, a, s):
        ad, _ = _float_pair(a, s)
        ctx.save_for_backward(_keep(a, ad))
        ctx.s = s
        return _xlogy_data(ad, np.asarray(s, dtype=ad.dtype))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        s = ctx.s
        ga = XlogyScalarOther.apply(g, s)
        return (ga if s > 0 else _E.where(a == 0, 0.0, ga)), None


class Copysign(_Op):
    """|a| with the sign of b: d/da = copysign(a, b)/a (0 at a == 0), d/db = 0"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = _float_pair(a, b)
        check_bcast(ad, bd)
        out = xp.copysign(ad, bd)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        na = ctx.needs_input_grad[0]
        ga = g * _E.where(a == 0, 0.0, out / a) if na else None
        return ga, (_zeros(g) if ctx.needs_input_grad[1] else None)


class CopysignScalar(Copysign):
    _node_name = "CopysignBackward1"


class Heaviside(_Op):
    """step function (values at 0); torch defines no derivative"""

    _node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, a, v):
        ad, vd = a._data, v._data
        if ad.dtype != vd.dtype:
            raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes.")
        check_bcast(ad, vd)
        return xp.where(ad == 0, vd, ad > 0).astype(ad.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::heaviside is not implemented")


class Nextafter(_Op):
    """next float after a towards b: torch passes the gradient to a where a != b, zero to b"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = float_pair_only("nextafter", a, b)
        ctx.save_for_backward(_keep(a, ad), _keep(b, bd))
        return xp.nextafter(ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (_E.where(a == b, 0.0, g) if na else None), (_zeros(g) if nb else None)


class Ldexp(_Op):
    """a 2^b: d/da = 2^b (integer power for integer b, as torch), d/db = a 2^b ln 2"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        check_bcast(ad, bd)
        rdt = ad.dtype if ad.dtype.kind == "f" else D.get_default_dtype().np
        x = a._data.astype(rdt, copy=False)
        e = b._data
        if e.dtype.kind in "iub":  # exact scaling; torch narrows the exponent to a C int
            out = xp.ldexp(x, e.astype(np.int32))
        else:
            out = x * xp.exp2(e.astype(rdt, copy=False))
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        return (g * _E.pow(2, b) if na else None), (g * out * _LN2 if nb else None)


# ---- public functions -----------------------------------------------------------------------
def _tensors(name: str, input, other, other_name: str = "other") -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument '{other_name}' (position 2) must be Tensor, not {type(other).__name__}")


def asin(input: Tensor) -> Tensor:
    return Asin.apply(input)


def acos(input: Tensor) -> Tensor:
    return Acos.apply(input)


def atan(input: Tensor) -> Tensor:
    return Atan.apply(input)


def sinh(input: Tensor) -> Tensor:
    return Sinh.apply(input)


def cosh(input: Tensor) -> Tensor:
    return Cosh.apply(input)


def asinh(input: Tensor) -> Tensor:
    return Asinh.apply(input)


def acosh(input: Tensor) -> Tensor:
    return Acosh.apply(input)


def atanh(input: Tensor) -> Tensor:
    return Atanh.apply(input)


arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """angle of the point (other, input), in (-pi, pi]"""
    _tensors("atan2", input, other)
    return Atan2.apply(input, other)


arctan2 = atan2


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input^2 + other^2) without overflow"""
    _tensors("hypot", input, other)
    return Hypot.apply(input, other)


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other))"""
    _tensors("logaddexp", input, other)
    return Logaddexp.apply(input, other)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2^input + 2^other)"""
    _tensors("logaddexp2", input, other)
    return Logaddexp2.apply(input, other)


def xlogy(input, other) -> Tensor:
    """input * log(other), 0 where input == 0 (unless other is nan); either side may be a number"""
    if isinstance(input, Tensor):
        if isinstance(other, Tensor):
            return Xlogy.apply(input, other)
        return XlogyScalarOther.apply(input, scalar_value(other))
    if isinstance(other, Tensor):
        return XlogyScalarSelf.apply(other, scalar_value(input))
    raise TypeError(
        f"xlogy() received an invalid combination of arguments - got ({type(input).__name__}, "
        f"{type(other).__name__}), but expected a Tensor for 'input' or 'other'"
    )


def copysign(input: Tensor, other) -> Tensor:
    """|input| with the sign of other (a tensor or a number)"""
    if not isinstance(input, Tensor):
        raise TypeError(
            f"copysign() received an invalid combination of arguments - got ({type(input).__name__}, "
            f"{type(other).__name__}), but expected (Tensor input, Tensor other) or (Tensor input, Number other)"
        )
    if isinstance(other, Tensor):
        return Copysign.apply(input, other)
    return CopysignScalar.apply(input, scalar_value(other))


def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """0 for input < 0, values where input == 0, 1 for input > 0"""
    _tensors("heaviside", input, values, "values")
    return Heaviside.apply(input, values)


def nextafter(input: Tensor, other: Tensor) -> Tensor:
    """the next representable float after input towards other"""
    _tensors("nextafter", input, other)
    return Nextafter.apply(input, other)


def ldexp(input: Tensor, other: Tensor) -> Tensor:
    """input * 2^other"""
    _tensors("ldexp", input, other)
    return Ldexp.apply(input, other)


def _int_pair(kernel: str, input, other):
    ad, bd = prep2(input, other)
    if ad.dtype.kind not in "iu":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{torch_name(ad.dtype)}'")
    check_bcast(ad, bd)
    return ad, bd


def gcd(input: Tensor, other: Tensor) -> Tensor:
    """greatest common divisor (integer tensors; gcd(0, 0) = 0)"""
    _tensors("gcd", input, other)
    ad, bd = _int_pair("gcd", input, other)
    return _make(np.asarray(xp.gcd(ad, bd)), False, None, 0)


def lcm(input: Tensor, other: Tensor) -> Tensor:
    """least common multiple |a / gcd(a, b) * b| (integer tensors; 0 if either is 0)"""
    _tensors("lcm", input, other)
    ad, bd = _int_pair("lcm", input, other)
    g = xp.gcd(ad, bd)
    zero = g == 0
    out = xp.abs(ad // xp.where(zero, 1, g).astype(g.dtype, copy=False) * bd)  # torch's order: wraps alike
    return _make(np.asarray(xp.where(zero, 0, out).astype(g.dtype, copy=False)), False, None, 0)


def _shift(kernel: str, left: bool, input, other) -> Tensor:
    if not isinstance(input, Tensor):
        if not isinstance(other, Tensor):
            raise TypeError(f"bitwise shift expects a Tensor, got {type(input).__name__} and {type(other).__name__}")
        input = as_tensor_arg(input, other)
    if not isinstance(other, Tensor):
        other = _make(other, False, None, 0) if isinstance(other, np.ndarray) else scalar_value(other)
    ad, bd = prep2(input, other)
    if ad.dtype.kind not in "iu":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{torch_name(ad.dtype)}'")
    fn = xp.left_shift if left else xp.right_shift
    if isinstance(bd, np.ndarray):
        check_bcast(ad, bd)
        out = fn(ad, bd)
    else:  # a Python number: out-of-range shifts give 0 (left) or the sign fill (right), as tensors do
        s = int(bd)
        if 0 <= s < ad.dtype.itemsize * 8:
            out = fn(ad, ad.dtype.type(s))
        elif left:
            out = xp.zeros_like(ad)
        else:
            out = xp.where(ad < 0, -1, 0).astype(ad.dtype)
    return _make(np.asarray(out), False, None, 0)


def bitwise_left_shift(input, other) -> Tensor:
    """input << other (integer tensors; shifts outside [0, bits) give 0)"""
    return _shift("lshift", True, input, other)


def bitwise_right_shift(input, other) -> Tensor:
    """input >> other, arithmetic for signed types (shifts outside [0, bits) give the sign fill)"""
    return _shift("rshift", False, input, other)


def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (-0.0 and -nan included); no gradient"""
    d = input._data
    return _make(np.asarray(xp.signbit(d) if d.dtype.kind == "f" else d < 0), False, None, 0)


def erfc(input: Tensor) -> Tensor:
    """1 - erf(input)"""
    return Erfc.apply(input)


def lgamma(input: Tensor) -> Tensor:
    """log |Gamma(input)|"""
    return Lgamma.apply(input)


def digamma(input: Tensor) -> Tensor:
    """Gamma'(input) / Gamma(input)"""
    return Digamma.apply(input)


def polygamma(n: int, input: Tensor) -> Tensor:
    """n-th derivative of digamma"""
    return Polygamma.apply(input, _check_n(n))


def _check_n(n) -> int:
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    return int(n)


def _polygamma_method(self: Tensor, n: int) -> Tensor:
    return polygamma(n, self)


def mvlgamma(input: Tensor, p: int) -> Tensor:
    """log of the p-variate gamma function"""
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    return Mvlgamma.apply(input, int(p))


def i0(input: Tensor) -> Tensor:
    """modified Bessel function of the first kind, order 0"""
    return I0.apply(input)


def sinc(input: Tensor) -> Tensor:
    """sin(pi x) / (pi x), 1 at 0"""
    return Sinc.apply(input)


def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), p clamped to [eps, 1 - eps] when eps is given"""
    return Logit.apply(input, None if eps is None else float(eps))


def deg2rad(input: Tensor) -> Tensor:
    """input * pi / 180"""
    return Deg2Rad.apply(input)


def rad2deg(input: Tensor) -> Tensor:
    """input * 180 / pi"""
    return Rad2Deg.apply(input)


def igamma(input: Tensor, other: Tensor) -> Tensor:
    """regularized lower incomplete gamma P(input, other)"""
    _tensors("igamma", input, other)
    return Igamma.apply(input, other)


def igammac(input: Tensor, other: Tensor) -> Tensor:
    """regularized upper incomplete gamma Q(input, other)"""
    _tensors("igammac", input, other)
    return Igammac.apply(input, other)


if not hasattr(return_types, "frexp"):
    return_types.frexp = _structseq("frexp", ("mantissa", "exponent"))


def frexp(input: Tensor):
    """(mantissa, exponent) with input = mantissa * 2^exponent, |mantissa| in [0.5, 1)"""
    m, e = Frexp.apply(input)
    return return_types.frexp(m, e)


__all__ = """
    asin acos atan sinh cosh asinh acosh atanh arcsin arccos arctan arcsinh arccosh arctanh atan2 arctan2
    hypot logaddexp logaddexp2 xlogy copysign heaviside nextafter ldexp gcd lcm bitwise_left_shift
    bitwise_right_shift signbit erfc lgamma digamma polygamma mvlgamma i0 sinc logit deg2rad rad2deg igamma
    igammac frexp
""".split()
TENSOR_METHODS = [n for n in __all__ if n != "polygamma"]


# ---- Tensor methods that differ from the functions, operators and in-place forms --------------
def _check_int_result(self: Tensor, other) -> None:
    """Integer in-place ops: a float result cannot be written back (torch checks before the kernel)."""
    sd = self._data.dtype
    if sd.kind == "f":
        return
    if not isinstance(other, Tensor):
        other = _make(other, False, None, 0) if isinstance(other, np.ndarray) else scalar_value(other)
    rd = prep2(self, other)[0].dtype
    if rd.kind == "f":
        raise RuntimeError(
            f"result type {_TORCH_NAME.get(rd.name, rd.name)} can't be cast to the desired output type "
            f"{_TORCH_NAME.get(sd.name, sd.name)}"
        )


def _int_inplace(fn, opname: str):
    def method(self, other):
        _check_int_result(self, other)
        return self._inplace(fn, opname, other)

    method.__name__ = opname
    method.__doc__ = f"In-place ``{opname[:-1]}``: writes the result into this tensor and bumps its version."
    return method


def _bind() -> None:
    from . import elementwise as ew

    def unary_inplace(cls, opname):
        return lambda self: self._inplace(cls.apply, opname)

    methods = {
        "polygamma": _polygamma_method,
        "polygamma_": lambda self, n: self._inplace(PolygammaInplace.apply, "polygamma_", _check_n(n)),
        "asinh_": unary_inplace(AsinhInplace, "asinh_"),
        "acosh_": unary_inplace(AcoshInplace, "acosh_"),
        "atanh_": unary_inplace(AtanhInplace, "atanh_"),
        "arcsinh_": unary_inplace(AsinhInplace, "arcsinh_"),
        "arccosh_": unary_inplace(AcoshInplace, "arccosh_"),
        "arctanh_": unary_inplace(AtanhInplace, "arctanh_"),
        "bitwise_and_": _int_inplace(ew.bitwise_and, "bitwise_and_"),
        "bitwise_or_": _int_inplace(ew.bitwise_or, "bitwise_or_"),
        "bitwise_xor_": _int_inplace(ew.bitwise_xor, "bitwise_xor_"),
        "bitwise_left_shift_": _int_inplace(bitwise_left_shift, "bitwise_left_shift_"),
        "bitwise_right_shift_": _int_inplace(bitwise_right_shift, "bitwise_right_shift_"),
        "gcd_": _int_inplace(gcd, "gcd_"),
        "lcm_": _int_inplace(lcm, "lcm_"),
        "__lshift__": bitwise_left_shift,
        "__rshift__": bitwise_right_shift,
        "__rlshift__": lambda self, other: bitwise_left_shift(other, self),
        "__rrshift__": lambda self, other: bitwise_right_shift(other, self),
        "__ilshift__": _int_inplace(bitwise_left_shift, "bitwise_left_shift_"),
        "__irshift__": _int_inplace(bitwise_right_shift, "bitwise_right_shift_"),
    }
    for name in (
        "asin acos atan sinh cosh arcsin arccos arctan atan2 arctan2 "
        "hypot xlogy copysign heaviside nextafter ldexp erfc lgamma digamma i0 sinc logit deg2rad rad2deg "
        "mvlgamma igamma igammac bitwise_not"
    ).split():
        methods[name + "_"] = _make_inplace(name)
    for name, fn in methods.items():
        if name not in Tensor.__dict__:
            setattr(Tensor, name, fn)


_bind()
