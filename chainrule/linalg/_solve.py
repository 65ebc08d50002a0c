"""Inverse, determinants and linear solves: inv(_ex), det, slogdet, solve(_ex), solve_triangular.

LAPACK does the work through NumPy (gesv/getrf, batched); singular inputs take a slower path that finds
which matrix failed (torch's error names it) or, for the ``_ex`` variants, returns what substitution
gives there. Backward formulas call these same functions, so they differentiate again.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state
from ..backend import xp
from ..ops import cat, where
from ..ops.linalg import _batch_broadcast, matmul
from . import _common as c
from ._common import LinAlgError, _Op, return_types


# ---- inv ---------------------------------------------------------------------------------------------
def _inv_array(d, name: str, check: bool):
    """(inverse, info); raises LinAlgError when ``check`` and some matrix is singular."""
    try:
        return xp.linalg.inv(d), xp.zeros(d.shape[:-2], dtype=np.int32)
    except np.linalg.LinAlgError:
        pass
    info = c.getrf(d)[2]
    if check:
        i, v = c.first_failure(info)
        raise LinAlgError(
            f"{name}: {c.batch_prefix(d.ndim, i)}The diagonal element {v} is zero, the inversion could not be "
            "completed because the input matrix is singular."
        )
    eye = xp.broadcast_to(xp.eye(d.shape[-1], dtype=d.dtype), d.shape)
    bad = info > 0
    good = xp.where(bad[..., None, None], eye, d)
    out = xp.linalg.inv(good)
    res, mask = c.getrs_each(d, eye, bad)
    flat = out.reshape((-1,) + d.shape[-2:])
    flat[mask] = res.reshape(flat.shape)[mask]
    return out, info


class LinalgInvEx(_Op):
    """d A^-1 = -A^-1 dA A^-1, so gA = -A^-T g A^-T"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a, name, check):
        inv, info = _inv_array(a._data, name, check)
        ctx.save_for_backward(inv)
        return inv, info

    @staticmethod
    def backward(ctx, g, _g_info):
        if g is None:
            return None
        (ai,) = ctx.saved_tensors
        ait = ai.mT
        return -matmul(matmul(ait, g), ait)


def _check_inv(A, name: str):
    d = A._data
    c.check_square(d, name)
    c.check_float(d, name)


def inv_ex(A, *, check_errors: bool = False, out=None):
    """(A^-1, info): info[i] > 0 marks a singular matrix (its inverse then holds inf/nan)"""
    _check_inv(A, "linalg.inv")
    res = return_types.linalg_inv_ex(*LinalgInvEx.apply(A, "linalg.inv_ex", check_errors))
    return c.out_to(out, res, "linalg_inv_ex")


def inv(A, *, out=None) -> Tensor:
    """A^-1 (LinAlgError for a singular matrix)"""
    _check_inv(A, "linalg.inv")
    return c.out_to(out, LinalgInvEx.apply(A, "linalg.inv", True)[0], "linalg_inv")


# ---- det, slogdet ------------------------------------------------------------------------------------
def _prod_safe_zeros_grad(g, s):
    """d prod(s)/ds_i = prod_{j != i} s_j, by exclusive cumulative products (exact with zeros)"""
    if s.shape[-1] == 1:
        return g.expand(tuple(s.shape))
    ones = c.const(xp.ones(tuple(s.shape[:-1]) + (1,), dtype=s._data.dtype))
    left = cat([ones, s[..., :-1]], -1).cumprod(-1)
    right = cat([ones, s[..., 1:].flip(-1)], -1).cumprod(-1).flip(-1)
    return g * left * right


class LinalgDet(_Op):
    """d det A = det A tr(A^-1 dA), so gA = g det A A^-T; at (near) singular A the adjugate comes from the SVD:
    det A = det U det Vh prod S, whose product rule needs no division"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        out = xp.asarray(xp.linalg.det(d), dtype=d.dtype)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, det = ctx.saved_tensors
        d = a._data
        if d.size == 0:
            return None
        eps = float(np.finfo(d.dtype).eps)
        if not _state.enabled:
            # first order as torch: det * A^-T from the LU, exact zero pivots nudged to eps (so 0 at det = 0)
            scale = (g._data * det._data)[..., None, None]
            if (det._data != 0).all():
                return c.const(scale * xp.swapaxes(xp.linalg.inv(d), -1, -2))
            lu, piv, _ = c.getrf(d)
            idx = np.arange(d.shape[-1])
            diag = lu[..., idx, idx]
            lu[..., idx, idx] = xp.where(diag == 0, eps, diag)
            scale = scale * xp.eye(d.shape[-1], dtype=d.dtype)
            return c.const(c.getrs(lu, piv, scale, True).astype(d.dtype, copy=False))
        sing = np.abs(det._data) < 100.0 * eps
        gd = (g * det).unsqueeze(-1).unsqueeze(-1)
        if not sing.any():
            return gd * inv(a).mT
        from ._decomp import svd  # _decomp imports this module

        u, s, vh = svd(a)
        alpha = (det_(u) * det_(vh) * g).unsqueeze(-1)
        res = matmul(u * _prod_safe_zeros_grad(alpha, s).unsqueeze(-2), vh)
        if sing.all():
            return res
        mask = c.const(sing[..., None, None])
        safe = where(mask, c.eye_like(a), a)
        return where(mask, res, gd * inv(safe).mT)


def det_(A) -> Tensor:
    """determinant (product of LU pivots with the permutation's sign)"""
    d = A._data
    c.check_square(d, "linalg.det")
    c.check_float(d, "linalg.det", "lu_cpu")
    return LinalgDet.apply(A)


def det(A, *, out=None) -> Tensor:
    """determinant of each matrix"""
    return c.out_to(out, det_(A), "linalg_det")


class LinalgSlogdet(_Op):
    """d log|det A| = tr(A^-1 dA), so gA = g A^-T (sign is piecewise constant)"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a):
        d = a._data
        sign, logabs = xp.linalg.slogdet(d)
        ctx.save_for_backward(a)
        return xp.asarray(sign, dtype=d.dtype), xp.asarray(logabs, dtype=d.dtype)

    @staticmethod
    def backward(ctx, _g_sign, g):
        if g is None:
            return None
        (a,) = ctx.saved_tensors
        return g.unsqueeze(-1).unsqueeze(-1) * inv(a).mT


def slogdet(A, *, out=None):
    """(sign, log|det|) of each matrix"""
    d = A._data
    c.check_square(d, "linalg.slogdet")
    c.check_float(d, "linalg.slogdet")
    return c.out_to(out, return_types.linalg_slogdet(*LinalgSlogdet.apply(A)), "linalg_slogdet")


# ---- solve -------------------------------------------------------------------------------------------
def _is_vector_rhs(ad, bd) -> bool:
    return bd.ndim == 1 or (bd.ndim == ad.ndim - 1 and bd.shape == ad.shape[:-1])


def _solve_array(ad, bd, left: bool, name: str, check: bool):
    """X with A X = B (``left``) or X A = B; ``bd`` is a matrix (batch-broadcast to A's)."""
    if not left:
        ad, bd = xp.swapaxes(ad, -1, -2), xp.swapaxes(bd, -1, -2)
    info = None
    try:
        x = xp.linalg.solve(ad, bd)
    except np.linalg.LinAlgError:
        info = c.getrf(ad)[2]
        if check:
            i, _ = c.first_failure(info)
            nd = max(ad.ndim, bd.ndim)
            raise LinAlgError(
                f"{name}: {c.batch_prefix(nd, i)}The solver failed because the input matrix is singular."
            ) from None
        bad = info > 0
        eye = xp.broadcast_to(xp.eye(ad.shape[-1], dtype=ad.dtype), ad.shape)
        x = xp.ascontiguousarray(xp.linalg.solve(xp.where(bad[..., None, None], eye, ad), bd))
        res, mask = c.getrs_each(ad, bd, bad)
        flat = x.reshape((-1,) + x.shape[-2:])
        flat[mask] = res.reshape(flat.shape)[mask]
    if info is None:
        info = xp.zeros(ad.shape[:-2], dtype=np.int32)
    return (x if left else xp.swapaxes(x, -1, -2)), info


class LinalgSolveEx(_Op):
    """X = A^-1 B: gB = A^-T gX, gA = -gB X^T (left); for X A = B: gB = gX A^-T, gA = -X^T gB"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a, b, left, vector, name, check):
        ad, bd = a._data, b._data
        x, info = _solve_array(ad, bd[..., None] if vector else bd, left, name, check)
        if vector:
            x = x[..., 0]
        ctx.left, ctx.vector = left, vector
        ctx.save_for_backward(a, x if ctx.needs_input_grad[0] else None)
        return x, info

    @staticmethod
    def backward(ctx, g, _g_info):
        if g is None:
            return None, None
        a, x = ctx.saved_tensors
        left, vector = ctx.left, ctx.vector
        gm = g.unsqueeze(-1) if vector else g
        gb = solve(a.mT, gm, left=left)
        ga = None
        if ctx.needs_input_grad[0]:
            xm = x.unsqueeze(-1) if vector else x
            ga = -matmul(gb, xm.mT) if left else -matmul(xm.mT, gb)
        return ga, (gb[..., 0] if vector else gb)


def _check_solve(ad, bd, left: bool, name: str) -> bool:
    c.check_square(ad, name)
    c.check_float(ad, name, "lu_cpu")
    c.check_same_dtype(ad, bd, name)
    vector = _is_vector_rhs(ad, bd)
    n = ad.shape[-1]
    eq = "AX = B" if left else "XA = B"
    if vector:
        if not left:
            if n == 1:
                raise RuntimeError(
                    f"{name}: Vector broadcasting of the left hand side is not supported for left=False. "
                    "In this case linalg.solve is equivalent to B / A.squeeze(-1)"
                )
            raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {n}x1)")
        if bd.shape[-1] != n:
            raise RuntimeError(
                f"{name}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {bd.shape[-1]}x1)"
            )
        _batch_broadcast(ad.shape[:-2], bd.shape[:-1])
        return True
    if bd.ndim < 2 or bd.shape[-2 if left else -1] != n:
        bs = f"{bd.shape[-2]}x{bd.shape[-1]}" if bd.ndim >= 2 else f"{bd.shape[-1]}x1"
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {eq} ({n}x{n} and {bs})")
    _batch_broadcast(ad.shape[:-2], bd.shape[:-2])
    return False


def solve_ex(A, B, *, left: bool = True, check_errors: bool = False, out=None):
    """(X, info) with AX = B (or XA = B when left=False); info > 0 marks a singular A"""
    vector = _check_solve(A._data, B._data, left, "linalg.solve")
    res = LinalgSolveEx.apply(A, B, left, vector, "torch.linalg.solve_ex", check_errors)
    return c.out_to(out, return_types.linalg_solve_ex(*res), "linalg_solve_ex")


def solve(A, B, *, left: bool = True, out=None) -> Tensor:
    """X with AX = B (XA = B when left=False); B may be a vector or a batch of matrices"""
    vector = _check_solve(A._data, B._data, left, "linalg.solve")
    return c.out_to(out, LinalgSolveEx.apply(A, B, left, vector, "torch.linalg.solve", True)[0], "linalg_solve")


# ---- solve_triangular --------------------------------------------------------------------------------
class LinalgSolveTriangular(_Op):
    """X = A^-1 B with A triangular: gB = A^-T gX, gA = -gB X^T restricted to A's triangle"""

    @staticmethod
    def forward(ctx, a, b, upper, left, unit):
        x = c.trsolve(a._data, b._data, lower=not upper, unit=unit, left=left)
        ctx.flags = (upper, left, unit)
        ctx.save_for_backward(a, x if ctx.needs_input_grad[0] else None)
        return x

    @staticmethod
    def backward(ctx, g):
        a, x = ctx.saved_tensors
        upper, left, unit = ctx.flags
        gb = solve_triangular(a.mT, g, upper=not upper, left=left, unitriangular=unit)
        ga = None
        if ctx.needs_input_grad[0]:
            ga = -matmul(gb, x.mT) if left else -matmul(x.mT, gb)
            ga = ga.triu(int(unit)) if upper else ga.tril(-int(unit))
        return ga, gb


def solve_triangular(A, B, *, upper: bool, left: bool = True, unitriangular: bool = False, out=None) -> Tensor:
    """X with AX = B (XA = B when left=False) for triangular A, reading only its upper/lower triangle"""
    name = "linalg.solve_triangular"
    ad, bd = A._data, B._data
    c.check_ndim(ad, name, "A")
    c.check_ndim(bd, name, "B")
    c.check_square(ad, name)
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"expected scalar type {c.tname(bd)} but found {c.tname(ad)}")
    c.check_kernel_dtype(ad, "triangular_solve_cpu")
    n = ad.shape[-1]
    if bd.shape[-2 if left else -1] != n:
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
            f"({n}x{n} and {bd.shape[-2]}x{bd.shape[-1]})"
        )
    _batch_broadcast(ad.shape[:-2], bd.shape[:-2])
    return c.out_to(
        out, LinalgSolveTriangular.apply(A, B, bool(upper), bool(left), bool(unitriangular)), "linalg_solve_triangular"
    )
