"""LU with partial pivoting: lu_factor(_ex), lu, lu_solve (pivots as LAPACK's 1-based row swaps, int32).

The factorization is LAPACK's getrf (through SciPy); gradients follow from A = P L U: with M = tril(L^T gL, -1) +
triu(gU U^T), gA = P L^-T M U^-T, plus the extra blocks of a rectangular A.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..backend import xp
from ..ops import cat
from ..ops.linalg import _batch_broadcast, matmul
from . import _common as c
from ._common import _Op, return_types
from ._solve import solve_triangular


def _lu_backward(gl, gu, p, lo, up):
    """gA for A = P L U (L m x k unit lower, U k x n upper, k = min(m, n)); gl/gu may be None."""
    m, n = lo.shape[-2], up.shape[-1]
    k = min(m, n)
    dt = lo._data.dtype

    def zeros(shape):
        return c.const(xp.zeros(shape, dtype=dt))

    if gl is None:
        gl = zeros(tuple(lo.shape))
    if gu is None:
        gu = zeros(tuple(up.shape))
    if m == n:
        mid = matmul(lo.mT, gl).tril(-1) + matmul(gu, up.mT).triu()
        ga = solve_triangular(lo.mT, mid, upper=True, unitriangular=True)
        return matmul(p, solve_triangular(up.mT, ga, upper=False, left=False))
    if m < n:  # wide: A = P L [U1 U2]
        u1, u2, gu1, gu2 = up[..., :, :k], up[..., :, k:], gu[..., :, :k], gu[..., :, k:]
        mid = (matmul(lo.mT, gl) - matmul(gu2, u2.mT)).tril(-1) + matmul(gu1, u1.mT).triu()
        g1 = solve_triangular(u1.mT, mid, upper=False, left=False)
        ga = solve_triangular(lo.mT, cat([g1, gu2], -1), upper=True, unitriangular=True)
        return matmul(p, ga)
    # tall: A = P [L1; L2] U
    l1, l2, gl1, gl2 = lo[..., :k, :], lo[..., k:, :], gl[..., :k, :], gl[..., k:, :]
    mid = matmul(l1.mT, gl1).tril(-1) + (matmul(gu, up.mT) - matmul(l2.mT, gl2)).triu()
    g1 = solve_triangular(l1.mT, mid, upper=True, unitriangular=True)
    ga = solve_triangular(up.mT, cat([g1, gl2], -2), upper=False, left=False)
    return matmul(p, ga)


def _perm_matrix(piv, m: int, dtype):
    """P with A = P (L U) from getrf's pivots: P[perm[j], j] = 1."""
    perm = c.apply_swaps(np.asarray(piv, dtype=np.int64) - 1, m)
    p = xp.zeros(perm.shape[:-1] + (m, m), dtype=dtype)
    np.put_along_axis(p, perm[..., None, :], 1, axis=-2)
    return p


def _unpack_arrays(lu, piv):
    """(P, L, U) arrays from getrf's packed LU and pivots."""
    m, n = lu.shape[-2:]
    k = min(m, n)
    lo = xp.tril(lu[..., :, :k], -1) + xp.eye(m, k, dtype=lu.dtype)
    return _perm_matrix(piv, m, lu.dtype), lo, xp.triu(lu[..., :k, :])


def _unpack(lu: Tensor, piv):
    """(P constant, L, U) as tensors that keep LU's history."""
    d = lu._data
    m, n = d.shape[-2:]
    k = min(m, n)
    lo = lu[..., :, :k].tril(-1) + c.const(xp.eye(m, k, dtype=d.dtype))
    return c.const(_perm_matrix(piv, m, d.dtype)), lo, lu[..., :k, :].triu()


class LinalgLuFactorEx(_Op):
    """packed LU of A = P L U; gLU = tril(gL, -1) + triu(gU) fed through the LU backward"""

    @staticmethod
    def forward(ctx, a, name, check):
        d = a._data
        lu, piv, info = c.getrf(d)
        if check and info.any():
            i, v = c.first_failure(info)
            raise RuntimeError(
                f"{name}: {c.batch_prefix(d.ndim, i)}U[{v},{v}] is zero and using it on lu_solve would result in a "
                "division by zero. If you still want to perform the factorization, consider calling "
                "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)"
            )
        ctx.save_for_backward(lu, piv)
        return lu, piv, info

    @staticmethod
    def backward(ctx, g, _gp=None, _gi=None):
        lu, piv = ctx.saved_tensors
        p, lo, up = _unpack(lu, piv._data)
        k = min(lo.shape[-2], up.shape[-1])
        return _lu_backward(g[..., :, :k].tril(-1), g[..., :k, :].triu(), p, lo, up)


def _check_lu(A, name: str, pivot: bool):
    d = A._data
    if d.ndim < 2:
        raise RuntimeError(f"{name}: Expected tensor with 2 or more dimensions. Got size: {list(d.shape)} instead")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    c.check_kernel_dtype(d, "lu_cpu")


def lu_factor_ex(A, *, pivot: bool = True, check_errors: bool = False, out=None):
    """(LU, pivots, info) as LAPACK's getrf: info > 0 is the 1-based index of a zero pivot"""
    _check_lu(A, "torch.lu_factor", pivot)
    res = LinalgLuFactorEx.apply(A, "torch.linalg.lu_factor_ex", check_errors)
    return c.out_to(out, return_types.linalg_lu_factor_ex(*res), "linalg_lu_factor_ex")


def lu_factor(A, *, pivot: bool = True, out=None):
    """(LU, pivots): L (unit diagonal, below) and U packed in one matrix, pivots as 1-based row swaps"""
    _check_lu(A, "torch.lu_factor", pivot)
    lu, piv, _ = LinalgLuFactorEx.apply(A, "torch.linalg.lu_factor", True)
    return c.out_to(out, return_types.linalg_lu_factor(lu, piv), "linalg_lu_factor")


class LinalgLu(_Op):
    """A = P L U with the LU backward (P carries no gradient)"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a):
        lu, piv, _ = c.getrf(a._data)
        p, lo, up = _unpack_arrays(lu, piv)
        pt = c.const(p)
        ctx.mark_non_differentiable(pt)
        ctx.save_for_backward(pt, lo, up)
        return pt, lo, up

    @staticmethod
    def backward(ctx, _gp, gl, gu):
        if gl is None and gu is None:
            return None
        p, lo, up = ctx.saved_tensors
        return _lu_backward(gl, gu, p, lo, up)


def lu(A, *, pivot: bool = True, out=None):
    """(P, L, U) with A = P L U, L unit lower triangular (m x k), U upper triangular (k x n)"""
    _check_lu(A, "linalg.lu", pivot)
    return c.out_to(out, return_types.linalg_lu(*LinalgLu.apply(A)), "linalg_lu")


# ---- lu_solve ----------------------------------------------------------------------------------------
def _lu_solve_array(lu, piv, b, left: bool, adjoint: bool):
    if left:
        return c.getrs(lu, piv, b, adjoint)
    # X A = B  <=>  A^T X^T = B^T ;  X A^T = B  <=>  A X^T = B^T
    return xp.swapaxes(c.getrs(lu, piv, xp.swapaxes(b, -1, -2), not adjoint), -1, -2)


class LinalgLuSolve(_Op):
    """X = A^-1 B for A = P L U: gB solves the adjoint system; gLU maps gA = -gB X^T back onto L and U"""

    @staticmethod
    def forward(ctx, lu, piv, b, left, adjoint):
        x = _lu_solve_array(lu._data, piv._data, b._data, left, adjoint)
        ctx.flags = (left, adjoint)
        ctx.save_for_backward(lu, piv, x if ctx.needs_input_grad[0] else None)
        return x

    @staticmethod
    def backward(ctx, g):
        lu, piv, x = ctx.saved_tensors
        left, adjoint = ctx.flags
        gb = LinalgLuSolve.apply(lu, piv, g, left, not adjoint)
        glu = None
        if ctx.needs_input_grad[0]:
            if left:
                ga = -matmul(gb, x.mT) if not adjoint else -matmul(x, gb.mT)
            else:
                ga = -matmul(x.mT, gb) if not adjoint else -matmul(gb.mT, x)
            p, lo, up = _unpack(lu, piv._data)
            pga = matmul(p.mT, ga)
            glu = matmul(pga, up.mT).tril(-1) + matmul(lo.mT, pga).triu()
        return glu, None, gb


def lu_solve(LU, pivots, B, *, left: bool = True, adjoint: bool = False, out=None) -> Tensor:
    """X with AX = B (XA = B when left=False; A^T instead of A when adjoint) for A given by lu_factor"""
    name = "linalg.lu_solve"
    ld, pd, bd = LU._data, pivots._data, B._data
    c.check_ndim(bd, name, "B")
    c.check_square(ld, "torch." + name)
    n = ld.shape[-1]
    if bd.shape[-2 if left else -1] != n:
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
            f"({n}x{n} and {bd.shape[-2]}x{bd.shape[-1]})"
        )
    if pd.shape[-1:] != (n,) and pd.ndim >= 1:
        raise RuntimeError(f"{name}: Number of pivots per batch should be same as the dimension of the matrix")
    if pd.dtype != np.int32:
        raise RuntimeError(f"{name}: pivots should be a Tensor of scalar type torch.int32")
    if pd.shape != ld.shape[:-1]:
        raise RuntimeError(
            f"{name}: Expected LU.shape[:-1] and pivots.shape to be the same, but got pivots with shape "
            f"{list(pd.shape)} instead"
        )
    c.check_same_dtype(ld, bd, name, "LU", "B")
    _batch_broadcast(ld.shape[:-2], bd.shape[:-2])
    return c.out_to(out, LinalgLuSolve.apply(LU, pivots, B, bool(left), bool(adjoint)), "linalg_lu_solve")
