"""Differentiable special functions and triangular linear algebra used by the distributions.

Backward passes are written with tensor ops (and these same functions), so higher derivatives work.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.special as sps

import chainrule as _c

from .. import _dtype as D
from .._tensor import Tensor
from ..autograd.function import Function
from ..ops._util import float_data, prep2


class _Op(Function):
    _builtin = True


def _arr(out, like):
    return np.asarray(out).astype(like.dtype, copy=False)


class _Lgamma(_Op):
    """d lgamma(x) = digamma(x)"""

    _node_name = "LgammaBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        d = float_data(a)
        return _arr(sps.gammaln(d), d)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * digamma(a)


def _trigamma_np(x):
    """torch's trigamma: reflection below 1/2, six recurrence steps, then the asymptotic series (so that
    gradients of digamma equal torch's, whose series stops at the x^-7 term)."""
    x = np.asarray(x)
    one = x.dtype.type(1)
    refl = x < 0.5
    sin_pi_x = np.sin(np.pi * x)
    result = np.where(refl, -(np.pi * np.pi) / (sin_pi_x * sin_pi_x), 0).astype(x.dtype)
    x = np.where(refl, one - x, x)
    for _ in range(6):
        result = result + one / (x * x)
        x = x + one
    ixx = one / (x * x)
    series = (1 + 1 / (2 * x) + ixx * (1.0 / 6 - ixx * (1.0 / 30 - ixx * (1.0 / 42)))) / x
    return np.where(refl, -(result + series), result + series).astype(x.dtype, copy=False)


class _Polygamma(_Op):
    """d polygamma(n, x) = polygamma(n + 1, x)"""

    @staticmethod
    def forward(ctx, a, n):
        ctx._node_name = "DigammaBackward0" if n == 0 else "PolygammaBackward0"
        ctx.save_for_backward(a)
        ctx.n = n
        d = float_data(a)
        if n == 0:
            return _arr(sps.psi(d), d)
        return _trigamma_np(d) if n == 1 else _arr(sps.polygamma(n, d), d)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _Polygamma.apply(a, ctx.n + 1), None


class _Xlogy(_Op):
    """d xlogy(x, y)/dx = xlogy(x != 0, y), d/dy = x / y"""

    _node_name = "XlogyBackward0"

    @staticmethod
    def forward(ctx, x, y):
        xd, yd = prep2(x, y)
        if xd.dtype.kind != "f":
            xd = xd.astype(D.get_default_dtype().np)
            yd = yd.astype(xd.dtype)
        ctx.save_for_backward(x, y)
        out = xd * np.log(yd)
        return np.where((xd == 0) & ~np.isnan(yd), np.zeros((), xd.dtype), out).astype(xd.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        gx = g * xlogy((x != 0).to(g.dtype), y) if ctx.needs_input_grad[0] else None
        gy = g * x / y if ctx.needs_input_grad[1] else None
        return gx, gy


class _Atan(_Op):
    """d atan(x) = 1 / (1 + x^2)"""

    _node_name = "AtanBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.arctan(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * a + 1)


def lgamma(x: Tensor) -> Tensor:
    """log |Gamma(x)|"""
    return _Lgamma.apply(x)


def digamma(x: Tensor) -> Tensor:
    """d/dx lgamma(x)"""
    return _Polygamma.apply(x, 0)


def xlogy(x, y) -> Tensor:
    """x * log(y), 0 where x == 0 (unless y is NaN)"""
    if not isinstance(x, Tensor):
        x = _c.tensor(x, dtype=y.dtype)
    if not isinstance(y, Tensor):
        y = _c.tensor(y, dtype=x.dtype)
    return _Xlogy.apply(x, y)


def atan(x: Tensor) -> Tensor:
    """arctan(x)"""
    return _Atan.apply(x)


def atanh(x: Tensor) -> Tensor:
    """artanh(x) = (log1p(x) - log1p(-x)) / 2"""
    return 0.5 * (_c.log1p(x) - _c.log1p(-x))


# ---- triangular linear algebra ------------------------------------------------------------------
def _tri_solve_np(a, b, upper: bool):
    """Solve a X = b for triangular ``a`` (batch dims broadcast), by substitution as LAPACK's trsm does."""
    if a.ndim == 2 and b.ndim == 2:
        return sla.solve_triangular(a, b, lower=not upper, check_finite=False).astype(b.dtype, copy=False)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]))
    n = a.shape[-1]
    rows = range(n - 1, -1, -1) if upper else range(n)
    for i in rows:  # one step per matrix row, each over the whole batch
        lo, hi = (i + 1, n) if upper else (0, i)
        if hi > lo:
            x[..., i, :] -= (a[..., i : i + 1, lo:hi] @ x[..., lo:hi, :])[..., 0, :]
        x[..., i, :] /= a[..., i, i][..., None]
    return x


class _SolveTriangular(_Op):
    """A X = B: dB = A^-H dX, dA = -dB X^H (tril/triu); X A = B: dB = dX A^-H, dA = -X^H dB"""

    _node_name = "LinalgSolveTriangularBackward0"

    @staticmethod
    def forward(ctx, a, b, upper, left):
        ad, bd = prep2(a, b)
        ctx.upper, ctx.left = upper, left
        if left:
            x = _tri_solve_np(ad, bd, upper)
        else:  # X A = B  <=>  A^T X^T = B^T
            x = np.swapaxes(_tri_solve_np(np.swapaxes(ad, -1, -2), np.swapaxes(bd, -1, -2), not upper), -1, -2)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        upper, left = ctx.upper, ctx.left
        gb = solve_triangular(a.mT, g, upper=not upper, left=left)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -(gb @ x.mT) if left else -(x.mT @ gb)
            ga = ga.triu() if upper else ga.tril()
        return ga, gb, None, None


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True) -> Tensor:
    """X with A X = B (``left``) or X A = B, for triangular A (torch.linalg.solve_triangular)."""
    return _SolveTriangular.apply(A, B, upper, left)


class _Cholesky(_Op):
    """dA = L^-H Phi(L^H dL) L^-1 with Phi = symmetrised lower part (Murray 2016)"""

    _node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, a):
        d = float_data(a)
        try:
            out = np.linalg.cholesky(d)
        except np.linalg.LinAlgError:
            raise _not_pd(d) from None
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (L,) = ctx.saved_tensors
        p = (L.mT @ g).tril()
        p = 0.5 * (p + p.tril(-1).mT)
        p = solve_triangular(L.mT, p, upper=True)
        return solve_triangular(L, p, upper=False, left=False)


class _LinAlgError(RuntimeError):
    """A factorisation failed (torch's ``torch.linalg.LinAlgError``)."""


def _not_pd(d) -> RuntimeError:
    """torch's error naming the first failing leading minor (of the first failing matrix)."""
    flat = d.reshape((-1,) + d.shape[-2:])
    for i, m in enumerate(flat):
        for k in range(1, m.shape[-1] + 1):
            try:
                np.linalg.cholesky(m[:k, :k])
            except np.linalg.LinAlgError:
                where = f"(Batch element {i}): " if d.ndim > 2 else ""
                return _LinAlgError(
                    f"linalg.cholesky: {where}The factorization could not be completed because the input is not "
                    f"positive-definite (the leading minor of order {k} is not positive-definite)."
                )
    return _LinAlgError("linalg.cholesky: The factorization could not be completed.")


def cholesky(A: Tensor) -> Tensor:
    """Lower Cholesky factor L with A = L L^H (torch.linalg.cholesky)."""
    return _Cholesky.apply(A)


def cholesky_inverse(L: Tensor) -> Tensor:
    """(L L^H)^-1 from the lower factor L."""
    eye = _c.eye(L.shape[-1], dtype=L.dtype)
    li = solve_triangular(L, eye, upper=False)
    return li.mT @ li
