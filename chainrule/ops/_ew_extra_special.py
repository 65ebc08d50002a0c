"""Unary math of ``elementwise_extra``: inverse/hyperbolic trig and special functions (gamma family,
Bessel i0, erfc, sinc, logit), each forward beside its derivative.

Forwards run on the input's floating dtype (integers and bools promote to the default float dtype,
as torch; special functions through SciPy's kernels); backward formulas are Tensor expressions, as
torch writes them.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as _sp

from .. import _dtype as D
from ..autograd.grad_mode import _state
from ..backend import xp
from . import elementwise as _E
from ._ew_base import _TORCH_NAME, _make, _Op
from ._util import broadcast_shapes, float_data, prep2

_PI = math.pi
_TWO_OVER_SQRT_PI = 1.1283791670955126


def _sp_call(fn, d, *args):
    """SciPy kernel result in the input's dtype (float16 runs through SciPy's float32 loop)."""
    return np.asarray(fn(*args, d)).astype(d.dtype, copy=False)


def _opmath(d):
    """float16 math runs in float32 and rounds once, as torch's CPU kernels"""
    return d.astype(np.float32) if d.dtype == np.float16 else d


def _trigamma(d):
    """torch's trigamma series: reflection below 1/2, six recurrence steps, then the asymptotic sum.

    SciPy's ``polygamma(1, x)`` is inf at non-positive integers where torch's reflection through
    ``sin(pi x)`` gives a large finite number; this follows torch.
    """
    x = _opmath(d)
    neg = x < 0.5
    s = xp.sin(_PI * x)
    res = xp.where(neg, -(_PI * _PI) / (s * s), 0.0).astype(x.dtype, copy=False)
    x = xp.where(neg, 1.0 - x, x).astype(x.dtype, copy=False)
    for _ in range(6):
        res = res + 1.0 / (x * x)
        x = x + 1.0
    ixx = 1.0 / (x * x)
    res = res + (1.0 + 1.0 / (2.0 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x
    return xp.where(neg, -res, res).astype(d.dtype, copy=False)


def _polygamma_data(n: int, d):
    if n == 0:
        return _sp_call(_sp.psi, d)
    if n == 1:
        return _trigamma(d)
    out = _sp_call(_sp.polygamma, d, n)
    return xp.where(d == np.inf, np.nan, out).astype(d.dtype, copy=False)  # torch's zeta gives nan at +inf


# ---- inverse and hyperbolic trigonometry ------------------------------------------------------
class _Unary(_Op):
    """``fn`` on the input as float; the input is saved for the derivative."""

    fn = None

    @classmethod
    def forward(cls, ctx, a):
        ctx.save_for_backward(a)
        return cls.fn(float_data(a))


class Asin(_Unary):
    """d asin(a) = 1/sqrt(1 - a^2)"""

    fn = staticmethod(xp.arcsin)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _E.rsqrt(1.0 - a * a)


class Acos(_Unary):
    """d acos(a) = -1/sqrt(1 - a^2)"""

    fn = staticmethod(xp.arccos)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * -_E.rsqrt(1.0 - a * a)


class Atan(_Unary):
    """d atan(a) = 1/(1 + a^2)"""

    fn = staticmethod(xp.arctan)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * a + 1.0)


class Sinh(_Unary):
    """d sinh(a) = cosh(a)"""

    fn = staticmethod(xp.sinh)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Cosh.apply(a)


class Cosh(_Unary):
    """d cosh(a) = sinh(a)"""

    fn = staticmethod(xp.cosh)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Sinh.apply(a)


class Asinh(_Unary):
    """d asinh(a) = 1/sqrt(a^2 + 1)"""

    fn = staticmethod(xp.arcsinh)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _E.rsqrt(a * a + 1.0)


class Acosh(_Unary):
    """d acosh(a) = 1/sqrt(a^2 - 1)"""

    fn = staticmethod(xp.arccosh)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _E.rsqrt(a * a - 1.0)


class Atanh(_Unary):
    """d atanh(a) = 1/(1 - a^2)"""

    fn = staticmethod(xp.arctanh)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (1.0 - a * a)


class _NoInplaceGrad:
    """torch defines no derivative for the in-place forms of asinh, acosh and atanh"""

    @classmethod
    def backward(cls, ctx, g):
        raise NotImplementedError(f"the derivative for 'inplace version of {cls.torch_name}' is not implemented.")


class AsinhInplace(_NoInplaceGrad, Asinh):
    _node_name = "AsinhBackward1"
    torch_name = "asinh"


class AcoshInplace(_NoInplaceGrad, Acosh):
    _node_name = "AcoshBackward1"
    torch_name = "acosh"


class AtanhInplace(_NoInplaceGrad, Atanh):
    _node_name = "AtanhBackward1"
    torch_name = "atanh"


# ---- special functions ------------------------------------------------------------------------
class _Special(_Op):
    """``fn`` on the input as float; the input is saved for the derivative."""

    fn = None

    @classmethod
    def forward(cls, ctx, a):
        ctx.save_for_backward(a)
        return _sp_call(cls.fn, float_data(a))


class Erfc(_Special):
    """d erfc(a) = -2/sqrt(pi) exp(-a^2)"""

    fn = staticmethod(_sp.erfc)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return (-_TWO_OVER_SQRT_PI * _E.exp(-(a * a))) * g


class Lgamma(_Special):
    """d lgamma(a) = digamma(a)"""

    @staticmethod
    def fn(d):
        return xp.where(d == -math.inf, math.inf, _sp.gammaln(d))  # SciPy gives -inf at -inf, torch inf

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Digamma.apply(a)


class Digamma(_Special):
    """d digamma(a) = polygamma(1, a)"""

    fn = staticmethod(_sp.psi)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Polygamma.apply(a, 1)


class Polygamma(_Op):
    """d polygamma(n, a) = polygamma(n + 1, a)"""

    @staticmethod
    def forward(ctx, a, n):
        ctx.save_for_backward(a)
        ctx.n = n
        return _polygamma_data(n, float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * Polygamma.apply(a, ctx.n + 1), None


class PolygammaInplace(Polygamma):
    _node_name = "PolygammaBackward1"


class Mvlgamma(_Op):
    """mvlgamma(a, p) = p(p-1)/4 log(pi) + sum_j lgamma(a - j/2): d/da = sum_j digamma(a - j/2)"""

    @staticmethod
    def forward(ctx, a, p):
        if a._data.dtype.kind == "b":
            raise RuntimeError("The input tensor may not be a boolean tensor.")
        d = float_data(a)
        ctx.save_for_backward(a)
        ctx.p = p
        out = None
        for off in _mvl_offsets(p):
            t = _sp_call(_sp.gammaln, d + off)
            out = t if out is None else out + t
        return out + p * (p - 1) * math.log(_PI) / 4

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        s = None
        for off in _mvl_offsets(ctx.p):
            t = Digamma.apply(a + off)
            s = t if s is None else s + t
        return g * s, None


def _mvl_offsets(p: int):
    return [-(p - 1) / 2 + 0.5 * j for j in range(p)]


class I0(_Special):
    """d i0(a) = i1(a)"""

    fn = staticmethod(_sp.i0)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * I1.apply(a)


class I1(_Op):
    """d i1(a) = i0(a) - i1(a)/a (1/2 at a = 0)"""

    _node_name = "SpecialI1Backward0"

    @staticmethod
    def forward(ctx, a):
        out = _sp_call(_sp.i1, float_data(a))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        eps = float(np.finfo(a._data.dtype).eps)
        big = a.abs() > eps
        safe = _E.where(big, a, eps)
        return g * _E.where(big, I0.apply(safe) - out * safe.reciprocal(), 0.5)


class Sinc(_Op):
    """sin(pi a)/(pi a), 1 at 0: d/da = (pi a cos(pi a) - sin(pi a)) / (pi a^2) (0 at a = 0)"""

    @staticmethod
    def forward(ctx, a):
        d = float_data(a)
        ctx.save_for_backward(a)
        x = _opmath(d)
        y = _PI * x
        return xp.where(x == 0, 1.0, xp.sin(y) / y).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        api = a * _PI
        a2pi = a * a * _PI
        out = g * ((api * _E.cos(api) - _E.sin(api)) / a2pi)
        return _E.where(a2pi == 0, 0.0, out)


class Logit(_Op):
    """log(a / (1 - a)) of a clamped to [eps, 1 - eps]: d/da = 1/(a (1 - a)) inside, 0 (nan without eps) outside"""

    @staticmethod
    def forward(ctx, a, eps):
        d = float_data(a)
        ctx.save_for_backward(a)
        ctx.eps = eps
        x = _opmath(d)
        if eps is not None and eps >= 0:  # torch clamps only for eps >= 0
            lo, hi = eps, 1.0 - eps
            x = xp.where(x < lo, lo, xp.where(x > hi, hi, x)).astype(x.dtype, copy=False)
        return xp.log(x / (1.0 - x)).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        eps = ctx.eps
        if not _state.enabled:
            return _make(_logit_grad(g._data, a._data, eps), False, None, 0), None
        # torch's differentiable form (create_graph=True): a given eps bounds the region even when negative
        lo, hi = (0.0, 1.0) if eps is None else (eps, 1.0 - eps)
        inside = (a >= lo) & (a <= hi)
        return _E.where(inside, g / (a * (1.0 - a)), 0.0 if eps is not None else math.nan), None


def _logit_grad(dy, x, eps):
    """torch's logit_backward kernel: +-inf at 0 and 1 by the sign of dy; nan (no eps) or 0 outside the range"""
    val = xp.where((x == 0) | (x == 1), dy * math.inf, dy / (x * (1.0 - x)))
    if eps is None or eps < 0:
        return xp.where((x < 0) | (x > 1), math.nan, val).astype(val.dtype, copy=False)
    return xp.where((x < eps) | (x > 1.0 - eps), 0.0, val).astype(val.dtype, copy=False)


class _Scale(_Op):
    """multiplication by a constant (angle conversions)"""

    k = 1.0

    @classmethod
    def forward(cls, ctx, a):
        return float_data(a) * cls.k

    @classmethod
    def backward(cls, ctx, g):
        return g * cls.k


class Deg2Rad(_Scale):
    """a pi/180"""

    k = _PI / 180


class Rad2Deg(_Scale):
    """a 180/pi"""

    k = 180 / _PI


class _IncGamma(_Op):
    """regularized incomplete gamma; torch has no derivative in the first argument"""

    fn = None
    sign = 1.0

    @classmethod
    def forward(cls, ctx, a, x):
        ad, xd = float_pair_only(cls.kernel, a, x)
        ctx.save_for_backward(a, x)
        return np.asarray(cls.fn(ad, xd)).astype(ad.dtype, copy=False)

    @classmethod
    def backward(cls, ctx, g):
        a, x = ctx.saved_tensors
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{cls.kernel}: input' is not implemented.")
        return None, (cls.sign * g) * _E.exp((a - 1) * _E.log(x) - x - Lgamma.apply(a))


class Igamma(_IncGamma):
    """P(a, x): d/dx = x^(a-1) e^-x / Gamma(a)"""

    fn = staticmethod(_sp.gammainc)
    kernel = "igamma"


class Igammac(_IncGamma):
    """Q(a, x) = 1 - P(a, x): d/dx = -x^(a-1) e^-x / Gamma(a)"""

    fn = staticmethod(_sp.gammaincc)
    kernel = "igammac"
    sign = -1.0


class Frexp(_Op):
    """a = mantissa 2^exponent: d mantissa/da = 2^-exponent (the exponent is not differentiable)"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        if d.dtype.kind != "f":
            raise RuntimeError("torch.frexp() only supports floating-point dtypes")
        m, e = xp.frexp(d)
        ctx.e = e
        return m, e.astype(np.int32, copy=False)

    @staticmethod
    def backward(ctx, gm, ge):
        # torch divides by exponent.exp2(), an int32 tensor's exp2: computed in the default float dtype
        p2 = xp.exp2(ctx.e.astype(D.get_default_dtype().np))
        return gm / _make(p2, False, None, 0)


def torch_name(dt) -> str:
    return _TORCH_NAME.get(dt.name, dt.name)


def check_bcast(ad, bd) -> None:
    """RuntimeError naming both shapes when the operands do not broadcast."""
    sa, sb = np.shape(ad), np.shape(bd)
    if sa != sb and sa and sb:
        broadcast_shapes(sa, sb)


def float_pair_only(kernel: str, a, b):
    """Promoted operands of a floating-only binary kernel (torch: not implemented for integers/bools)."""
    ad, bd = prep2(a, b)
    if ad.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for '{torch_name(ad.dtype)}'")
    check_bcast(ad, bd)
    return ad, bd
