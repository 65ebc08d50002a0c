"""Factorizations: cholesky(_ex), qr, svd, svdvals, eigh, eigvalsh.

NumPy's batched LAPACK drivers compute them (potrf, geqrf/orgqr, gesdd, syevd: the routines torch calls
on the CPU). The backward formulas are torch's, including its gauge choice for singular vectors and
eigenvectors, written with chainrule ops so they differentiate again.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state
from ..backend import xp
from ..ops import cat
from ..ops.linalg import matmul
from . import _common as c
from ._common import LinAlgError, _Op, return_types
from ._solve import solve_triangular


# ---- cholesky ----------------------------------------------------------------------------------------
def _potrf(d, upper: bool):
    """(factor, info): info > 0 is the order of the first leading minor that is not positive-definite."""
    info = xp.zeros(d.shape[:-2], dtype=np.int32)
    try:
        if upper:
            return xp.swapaxes(xp.linalg.cholesky(xp.swapaxes(d, -1, -2)), -1, -2), info
        return xp.linalg.cholesky(d), info
    except np.linalg.LinAlgError:
        pass
    bad = xp.ones(d.shape[:-2], dtype=bool)
    return c.potrf_each(d, bad, upper)


class LinalgCholeskyEx(_Op):
    """A = L L^T: gA = sym(L^-T Phi(L^T gL) L^-1) with Phi = lower triangle, diagonal halved"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a, upper, name, check):
        d = a._data
        fac, info = _potrf(d, upper)
        if check and info.any():
            i, v = c.first_failure(info)
            raise LinAlgError(
                f"{name}: {c.batch_prefix(d.ndim, i)}The factorization could not be completed because the input "
                f"is not positive-definite (the leading minor of order {v} is not positive-definite)."
            )
        ctx.upper = upper
        ctx.save_for_backward(fac)
        return fac, info

    @staticmethod
    def backward(ctx, g, _g_info):
        if g is None:
            return None
        (fac,) = ctx.saved_tensors
        low, gl = (fac.mT, g.mT) if ctx.upper else (fac, g)
        phi = matmul(low.mT, gl).tril()
        phi = phi - 0.5 * phi.diagonal(0, -2, -1).diag_embed()
        ga = solve_triangular(low.mT, phi, upper=True)
        ga = solve_triangular(low, ga, upper=False, left=False)
        return 0.5 * (ga + ga.mT)


def _check_chol(A):
    d = A._data
    c.check_square(d, "linalg.cholesky")
    c.check_float(d, "linalg.cholesky", "cholesky_cpu")


def cholesky_ex(A, *, upper: bool = False, check_errors: bool = False, out=None):
    """(L, info) with A = L L^T (U^T U when upper); info > 0 marks a matrix that is not positive-definite"""
    _check_chol(A)
    res = LinalgCholeskyEx.apply(A, bool(upper), "linalg.cholesky_ex", check_errors)
    return c.out_to(out, return_types.linalg_cholesky_ex(*res), "linalg_cholesky_ex")


def cholesky(A, *, upper: bool = False, out=None) -> Tensor:
    """L with A = L L^T from A's lower triangle (U with A = U^T U from the upper one when upper=True)"""
    _check_chol(A)
    return c.out_to(out, LinalgCholeskyEx.apply(A, bool(upper), "linalg.cholesky", True)[0], "linalg_cholesky")


# ---- qr ----------------------------------------------------------------------------------------------
class LinalgQr(_Op):
    """A = QR (torch's backward: gA = [Q sym*(triu(gR R^T - Q^T gQ)) + gQ] R^-T for m >= n)"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a, mode):
        d = a._data
        ctx.mode = mode
        if mode == "r":
            r = xp.linalg.qr(d, mode="r")
            q = xp.zeros((0,), dtype=d.dtype)
        else:
            q, r = xp.linalg.qr(d, mode=mode)
        ctx.save_for_backward(q, r)
        return q, r

    @staticmethod
    def backward(ctx, gq, gr):
        q, r = ctx.saved_tensors
        if ctx.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            )
        m, n = q.shape[-2], r.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if gq is None and gr is None:
            return None
        if gq is not None:
            ga = -matmul(q.mT, gq) if gr is None else matmul(gr, r.mT) - matmul(q.mT, gq)
        else:
            ga = matmul(gr, r.mT)
        if m >= n:
            t = ga.triu()
            ga = matmul(q, t + t.mT - t.diagonal(0, -2, -1).diag_embed())
            if gq is not None:
                ga = ga + gq
            return solve_triangular(r.mT, ga, upper=False, left=False)
        ga = matmul(q, (ga.mT - ga).tril())
        ga = solve_triangular(r[..., :, :m].mT, ga, upper=False, left=False)
        zeros = c.const(xp.zeros(tuple(ga.shape[:-1]) + (n - m,), dtype=ga._data.dtype))
        ga = cat([ga, zeros], -1)
        if gr is not None:
            ga = ga + matmul(q, gr)
        return ga


def qr(A, mode: str = "reduced", *, out=None):
    """(Q, R) with A = QR, Q orthonormal columns, R upper triangular; mode 'reduced', 'complete' or 'r'"""
    d = A._data
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    c.check_ndim(d, "linalg.qr")
    c.check_float(d, "linalg.qr", "geqrf_cpu")
    return c.out_to(out, return_types.linalg_qr(*LinalgQr.apply(A, mode)), "linalg_qr")


# ---- svd ---------------------------------------------------------------------------------------------
def _svd_check(d, name: str):
    c.check_ndim(d, name)
    c.check_float(d, name, True)
    if d.dtype == np.float16:
        raise NotImplementedError("\"linalg_svd_cpu\" not implemented for 'Half'")


def _nonfinite(d, name: str):
    if np.isnan(d).any():
        raise LinAlgError(
            f"{name}: The algorithm failed to converge because the input matrix contained non-finite values."
        )
    if np.isinf(d).any():
        raise LinAlgError(
            f"{name}: The algorithm failed to converge because the input matrix is ill-conditioned or has too many "
            f"repeated singular values (error code: {min(d.shape[-2:]) - 1})."
        )


def gesdd(d, full_matrices: bool = False, compute_uv: bool = True):
    """NumPy's SVD with LAPACK's rare non-convergence reported as torch does."""
    try:
        return xp.linalg.svd(d, full_matrices=full_matrices, compute_uv=compute_uv)
    except np.linalg.LinAlgError:
        raise LinAlgError(
            "linalg.svd: The algorithm failed to converge because the input matrix is ill-conditioned or has too "
            f"many repeated singular values (error code: {min(d.shape[-2:]) - 1})."
        ) from None


class LinalgSvd(_Op):
    """A = U diag(S) Vh; torch's backward (Townsend's formula, only the first min(m, n) singular vectors)"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a, full):
        d = a._data
        _nonfinite(d, "linalg.svd")
        u, s, vh = gesdd(d, full)
        ctx.full = full
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, gu, gs, gvh):
        u, s, vh = ctx.saved_tensors
        k = s.shape[-1]
        if ctx.full:
            u, vh = u[..., :, :k], vh[..., :k, :]
            gu = None if gu is None else gu[..., :, :k]
            gvh = None if gvh is None else gvh[..., :k, :]
        return _svd_backward(gu, gs, gvh, u, s, vh)


def _svd_backward(gu, gs, gvh, u, s, vh):
    m, n = u.shape[-2], vh.shape[-1]
    if gu is None and gvh is None:
        if gs is None:
            return None
        return matmul(u, gs.unsqueeze(-1) * vh) if m >= n else matmul(u * gs.unsqueeze(-2), vh)
    s2 = s * s
    e = s2.unsqueeze(-2) - s2.unsqueeze(-1)
    e = e + c.const(xp.eye(s.shape[-1], dtype=s._data.dtype))  # the diagonal is exactly 0: make it 1
    if gu is not None:
        uhgu = matmul(u.mT, gu)
        uhgu = uhgu - uhgu.mT
    if gvh is not None:
        vhgv = matmul(vh, gvh.mT)
        vhgv = vhgv - vhgv.mT
    if gu is not None and gvh is not None:
        ga = (uhgu * s.unsqueeze(-2) + s.unsqueeze(-1) * vhgv) / e
    elif gu is not None:
        ga = (uhgu / e) * s.unsqueeze(-2)
    else:
        ga = s.unsqueeze(-1) * (vhgv / e)
    if gs is not None:
        ga = ga + gs.diag_embed()
    if m > n and gu is not None:
        ga = matmul(u, ga)
        gus = gu / s.unsqueeze(-2)
        ga = ga + gus - matmul(u, matmul(u.mT, gus))
        return matmul(ga, vh)
    if m < n and gvh is not None:
        ga = matmul(ga, vh)
        sgvh = gvh / s.unsqueeze(-1)
        ga = ga + sgvh - matmul(matmul(sgvh, vh.mT), vh)
        return matmul(u, ga)
    return matmul(u, matmul(ga, vh)) if m >= n else matmul(matmul(u, ga), vh)


def svd(A, full_matrices: bool = True, *, driver=None, out=None):
    """(U, S, Vh) with A = U diag(S) Vh, S descending"""
    _svd_check(A._data, "linalg.svd")
    return c.out_to(out, return_types.linalg_svd(*LinalgSvd.apply(A, bool(full_matrices))), "linalg_svd")


def _needs_grad(A) -> bool:
    return A._rg and _state.enabled


def svdvals(A, *, driver=None, out=None) -> Tensor:
    """singular values, descending (gradient U diag(g) Vh)"""
    d = A._data
    _svd_check(d, "linalg.svdvals")
    if _needs_grad(A):
        return c.out_to(out, LinalgSvd.apply(A, False)[1], "linalg_svdvals")
    bad = ~np.isfinite(d).all((-2, -1))
    if bad.any():  # no error without singular vectors: those matrices get nan values
        s = gesdd(xp.where(bad[..., None, None], 0, d), compute_uv=False)
        s[bad] = np.nan
    else:
        s = gesdd(d, compute_uv=False)
    return c.out_to(out, c.const(s), "linalg_svdvals")


# ---- eigh --------------------------------------------------------------------------------------------
def _eigh_check(d, uplo, name: str):
    if uplo not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {uplo}")
    c.check_square(d, name)
    if d.dtype.kind != "f" or d.dtype == np.float16:
        raise NotImplementedError(f"\"linalg_eigh_cpu\" not implemented for '{c.tname(d)}'")


def _syevd(d, uplo: str, vectors: bool):
    if not np.isfinite(d).all():
        raise LinAlgError(
            "linalg.eigh: The algorithm failed to converge because the input matrix is ill-conditioned or has "
            f"too many repeated eigenvalues (error code: {d.shape[-1] - 1})."
        )
    try:
        if vectors:
            return xp.linalg.eigh(d, UPLO=uplo.upper())
        return xp.linalg.eigvalsh(d, UPLO=uplo.upper())
    except np.linalg.LinAlgError:
        raise LinAlgError(
            "linalg.eigh: The algorithm failed to converge because the input matrix is ill-conditioned or has "
            f"too many repeated eigenvalues (error code: {d.shape[-1] - 1})."
        ) from None


class LinalgEigh(_Op):
    """A = V diag(L) V^T: gA = V (diag(gL) + skew(V^T gV) / E) V^T, E_ij = L_j - L_i"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a, uplo):
        w, v = _syevd(a._data, uplo, True)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, gl, gv):
        w, v = ctx.saved_tensors
        if gv is None:
            if gl is None:
                return None
            return matmul(v * gl.unsqueeze(-2), v.mT)
        vhgv = matmul(v.mT, gv)
        vhgv = 0.5 * (vhgv - vhgv.mT)
        e = w.unsqueeze(-2) - w.unsqueeze(-1)
        e = e + c.const(xp.eye(w.shape[-1], dtype=w._data.dtype))
        inner = vhgv / e
        if gl is not None:
            inner = inner + gl.diag_embed()
        return matmul(v, matmul(inner, v.mT))


def eigh(A, UPLO: str = "L", *, out=None):
    """(eigenvalues ascending, orthonormal eigenvectors) of a symmetric matrix, read from one triangle"""
    _eigh_check(A._data, UPLO, "linalg.eigh")
    return c.out_to(out, return_types.linalg_eigh(*LinalgEigh.apply(A, UPLO)), "linalg_eigh")


def eigvalsh(A, UPLO: str = "L", *, out=None) -> Tensor:
    """eigenvalues (ascending) of a symmetric matrix (gradient V diag(g) V^T)"""
    d = A._data
    _eigh_check(d, UPLO, "linalg.eigh")
    if _needs_grad(A):
        return c.out_to(out, LinalgEigh.apply(A, UPLO)[0], "linalg_eigvalsh")
    return c.out_to(out, c.const(_syevd(d, UPLO, False)), "linalg_eigvalsh")
