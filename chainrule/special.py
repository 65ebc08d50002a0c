"""``torch.special``: special functions, each forward beside its derivative.

Most names are the top-level functions under torch.special's spelling (expit = sigmoid, gammaln =
lgamma, ...). The rest compute through SciPy's kernels; the Bessel functions and orthogonal
polynomials are not differentiable in torch either (their outputs do not require grad).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.special as _sp

from . import ops as _T
from ._tensor import Tensor
from .ops._ew_base import _Op
from .ops._ew_extra_special import I1
from .ops._util import float_data

_SQRT_2PI = math.sqrt(2 * math.pi)
_INV_SQRT_2PI = 1.0 / _SQRT_2PI
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _sp_out(fn, d, *args):
    """SciPy kernel on ``d`` (float16 through float32), result in ``d``'s dtype."""
    src = d.astype(np.float32) if d.dtype == np.float16 else d
    return np.asarray(fn(*args, src) if args else fn(src)).astype(d.dtype, copy=False)


class _Saved(_Op):
    """``fn`` on the input as float; input and output are saved for the derivative."""

    fn = None

    @classmethod
    def forward(cls, ctx, a):
        out = _sp_out(cls.fn, float_data(a))
        ctx.save_for_backward(a, out)
        return out


class SpecialEntr(_Saved):
    """entr(x) = -x log x (0 at 0, -inf below): d/dx = -(1 + log x)"""

    fn = staticmethod(_sp.entr)

    @staticmethod
    def backward(ctx, g):
        a, _ = ctx.saved_tensors
        return g * -(a.log() + 1.0)


class SpecialErfcx(_Saved):
    """erfcx(x) = exp(x^2) erfc(x): d/dx = 2 x erfcx(x) - 2/sqrt(pi)"""

    fn = staticmethod(_sp.erfcx)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g * (2.0 * a * out - _TWO_OVER_SQRT_PI)


class SpecialI0E(_Saved):
    """i0e(x) = exp(-|x|) i0(x): d/dx = i1e(x) - sign(x) i0e(x)"""

    fn = staticmethod(_sp.i0e)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g * (SpecialI1E.apply(a) - a.sign() * out)


class SpecialI1E(_Saved):
    """i1e(x) = exp(-|x|) i1(x): d/dx = i0e(x) - i1e(x) (sign(x) + 1/x), 1/2 at 0"""

    fn = staticmethod(_sp.i1e)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        eps = float(np.finfo(a._data.dtype).eps)
        big = a.abs() > eps
        safe = _T.where(big, a, eps)
        return g * _T.where(big, SpecialI0E.apply(safe) - out * (safe.sign() + safe.reciprocal()), 0.5)


class SpecialNdtri(_Saved):
    """ndtri = inverse of the standard normal CDF: d/dp = sqrt(2 pi) exp(ndtri(p)^2 / 2)"""

    fn = staticmethod(_sp.ndtri)

    @staticmethod
    def backward(ctx, g):
        _, out = ctx.saved_tensors
        return g * ((out * out * 0.5).exp() * _SQRT_2PI)


class SpecialLogNdtr(_Saved):
    """log of the standard normal CDF: d/dx = exp(-x^2/2 - log_ndtr(x)) / sqrt(2 pi)"""

    fn = staticmethod(_sp.log_ndtr)

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return g * ((a * a * -0.5 - out).exp() * _INV_SQRT_2PI)


class SpecialXlog1py(_Op):
    """x log1p(y), 0 where x == 0 (unless y is nan): d/dx = log1p(y) (0 where x == 0), d/dy = x / (1 + y)"""

    _node_name = "SpecialXlog1PyBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ad, bd, dt = _float_pair(a, b)
        ctx.save_for_backward(a, b)
        out = np.where((ad == 0) & ~np.isnan(bd), 0.0, ad * np.log1p(bd))
        return np.asarray(out, dtype=dt)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g * _T.where(a == 0, 0.0, b.log1p()) if na else None
        gb = g * a / (b + 1.0) if nb else None
        return ga, gb


class SpecialZeta(_Op):
    """Hurwitz zeta(x, q) = sum_k (k + q)^-x; torch defines no derivative"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd, dt = _float_pair(a, b)
        return np.asarray(_sp.zeta(ad, bd), dtype=dt)

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("the derivative for 'zeta' is not implemented.")


def _float_pair(a, b):
    ad, bd = a._data, b._data
    dt = np.result_type(ad, bd)
    if dt.kind not in "f":
        from . import get_default_dtype

        dt = get_default_dtype().np
    return ad.astype(dt, copy=False), bd.astype(dt, copy=False), dt


def _tensor_pair(a, b):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError("expected at least one Tensor argument")
    like = a if isinstance(a, Tensor) else b
    if not isinstance(a, Tensor):
        a = Tensor._make(
            np.asarray(a, dtype=like._data.dtype if like._data.dtype.kind == "f" else None), False, None, 0
        )
    if not isinstance(b, Tensor):
        b = Tensor._make(
            np.asarray(b, dtype=like._data.dtype if like._data.dtype.kind == "f" else None), False, None, 0
        )
    return a, b


# ---- differentiable functions --------------------------------------------------------------
def entr(input: Tensor) -> Tensor:
    return SpecialEntr.apply(input)


def erfcx(input: Tensor) -> Tensor:
    return SpecialErfcx.apply(input)


def i0e(input: Tensor) -> Tensor:
    return SpecialI0E.apply(input)


def i1(input: Tensor) -> Tensor:
    return I1.apply(input)


def i1e(input: Tensor) -> Tensor:
    return SpecialI1E.apply(input)


def ndtr(input: Tensor) -> Tensor:
    """Standard normal CDF, (1 + erf(x / sqrt 2)) / 2."""
    x = input if input.is_floating_point() else input.to(_default())
    return (1.0 + (x * (1.0 / math.sqrt(2.0))).erf()) * 0.5


def ndtri(input: Tensor) -> Tensor:
    return SpecialNdtri.apply(input)


def log_ndtr(input: Tensor) -> Tensor:
    return SpecialLogNdtr.apply(input)


def xlog1py(input, other) -> Tensor:
    return SpecialXlog1py.apply(*_tensor_pair(input, other))


def zeta(input, other) -> Tensor:
    return SpecialZeta.apply(*_tensor_pair(input, other))


def _default():
    from . import get_default_dtype

    return get_default_dtype()


def expit(input: Tensor) -> Tensor:
    return input.sigmoid()


def exp2(input: Tensor) -> Tensor:
    return _T.exp2(input)


def softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _T.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    return _T.log_softmax(input, dim, dtype=dtype)


def multigammaln(input: Tensor, p: int) -> Tensor:
    return _T.mvlgamma(input, p)


def round(input: Tensor, decimals: int = 0) -> Tensor:
    return _T.round(input, decimals=decimals)


digamma = psi = _T.digamma
erf, erfc, erfinv = _T.erf, _T.erfc, _T.erfinv
expm1, log1p = _T.expm1, _T.log1p
gammainc, gammaincc, gammaln = _T.igamma, _T.igammac, _T.lgamma
i0, logit, logsumexp, polygamma, sinc, xlogy = _T.i0, _T.logit, _T.logsumexp, _T.polygamma, _T.sinc, _T.xlogy


# ---- not differentiable in torch: Bessel functions and orthogonal polynomials -----------------------
def _plain(fn):
    def run(input: Tensor) -> Tensor:
        d = float_data(input)
        return Tensor._make(_sp_out(fn, d), False, None, 0)

    return run


def _spherical_j0(d):
    with np.errstate(all="ignore"):
        return np.where(d == 0, 1.0, np.sin(d) / np.where(d == 0, 1.0, d))


bessel_j0, bessel_j1 = _plain(_sp.j0), _plain(_sp.j1)
bessel_y0, bessel_y1 = _plain(_sp.y0), _plain(_sp.y1)
modified_bessel_i0, modified_bessel_i1 = _plain(_sp.i0), _plain(_sp.i1)
modified_bessel_k0, modified_bessel_k1 = _plain(_sp.k0), _plain(_sp.k1)
scaled_modified_bessel_k0, scaled_modified_bessel_k1 = _plain(_sp.k0e), _plain(_sp.k1e)
spherical_bessel_j0 = _plain(_spherical_j0)
airy_ai = _plain(lambda d: _sp.airy(d)[0])


def _polynomial(first, step):
    """P_n(x) by the three-term recurrence ``P_{k+1} = step(k, x, P_k, P_{k-1})`` from P_0 = 1 and
    P_1 = first(x); negative n gives 0, as torch."""

    def run(input, n) -> Tensor:
        x_t, n_t = _tensor_pair(input, n)
        x = float_data(x_t)
        nn = np.asarray(n_t._data)
        x, nn = np.broadcast_arrays(x, nn)
        nn = nn.astype(np.int64)
        out = np.where(nn < 0, 0.0, 1.0).astype(x.dtype)
        prev, cur = np.ones_like(x), first(x).astype(x.dtype)
        out = np.where(nn == 1, cur, out)
        top = int(nn.max()) if nn.size else 0
        with np.errstate(all="ignore"):
            for k in range(1, top):
                prev, cur = cur, step(k, x, cur, prev).astype(x.dtype)
                out = np.where(nn == k + 1, cur, out)
        return Tensor._make(np.ascontiguousarray(out), False, None, 0)

    return run


def _cheb(k, x, p, q):
    return 2 * x * p - q


chebyshev_polynomial_t = _polynomial(lambda x: x, _cheb)
chebyshev_polynomial_u = _polynomial(lambda x: 2 * x, _cheb)
chebyshev_polynomial_v = _polynomial(lambda x: 2 * x - 1, _cheb)
chebyshev_polynomial_w = _polynomial(lambda x: 2 * x + 1, _cheb)
shifted_chebyshev_polynomial_t = _polynomial(lambda x: 2 * x - 1, lambda k, x, p, q: 2 * (2 * x - 1) * p - q)
shifted_chebyshev_polynomial_u = _polynomial(lambda x: 4 * x - 2, lambda k, x, p, q: 2 * (2 * x - 1) * p - q)
shifted_chebyshev_polynomial_v = _polynomial(lambda x: 4 * x - 3, lambda k, x, p, q: 2 * (2 * x - 1) * p - q)
shifted_chebyshev_polynomial_w = _polynomial(lambda x: 4 * x - 1, lambda k, x, p, q: 2 * (2 * x - 1) * p - q)
hermite_polynomial_h = _polynomial(lambda x: 2 * x, lambda k, x, p, q: 2 * x * p - 2 * k * q)
hermite_polynomial_he = _polynomial(lambda x: x, lambda k, x, p, q: x * p - k * q)
laguerre_polynomial_l = _polynomial(lambda x: 1 - x, lambda k, x, p, q: ((2 * k + 1 - x) * p - k * q) / (k + 1))
legendre_polynomial_p = _polynomial(lambda x: x, lambda k, x, p, q: ((2 * k + 1) * x * p - k * q) / (k + 1))

__all__ = [n for n in dir() if not n.startswith("_") and n not in ("math", "np", "Tensor", "annotations")]
__all__ = [n for n in __all__ if not n[0].isupper()]
