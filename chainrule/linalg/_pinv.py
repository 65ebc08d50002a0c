"""Functions of the singular values: pinv, lstsq, matrix_rank, cond, and the matrix/vector norms (the 2-norm,
-2 and nuclear norms come from svdvals; the others are the ones in ``ops.linalg``)."""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as sla

from .._tensor import Tensor
from ..backend import xp
from ..ops import linalg as _ops
from ..ops import where
from ..ops._util import wrap_dim
from ..ops.linalg import _batch_broadcast, matmul
from . import _common as c
from ._common import _Op, return_types
from ._decomp import _eigh_check, _syevd, gesdd, svdvals
from ._solve import inv_ex


# ---- tolerances shared by pinv and matrix_rank -------------------------------------------------------
def _tols(d, atol, rtol):
    """(atol, rtol) arrays as torch picks them: rtol defaults to eps * max(m, n), or 0 where atol > 0."""

    def arr(v):
        return None if v is None else xp.asarray(v._data if isinstance(v, Tensor) else v, dtype=d.dtype)

    a, r = arr(atol), arr(rtol)
    if r is None:
        default = np.finfo(d.dtype).eps * max(d.shape[-2:])
        r = xp.asarray(default, dtype=d.dtype) if a is None else xp.where(a > 0, 0, default).astype(d.dtype)
    if a is None:
        a = xp.zeros((), dtype=d.dtype)
    return a, r


def _spectrum(d, hermitian: bool):
    """(values used for the cut, their maximum with keepdims) from the SVD or, for hermitian, from eigvalsh."""
    s = xp.abs(_syevd(d, "L", False)) if hermitian else gesdd(d, compute_uv=False)
    if s.shape[-1] == 0:
        return s, xp.zeros(s.shape[:-1] + (1,), dtype=d.dtype)
    return s, s.max(-1, keepdims=True)


def _pinv_array(d, atol, rtol, hermitian: bool):
    """V diag(1/s) U^T over the kept singular values (U diag(1/w) U^T over eigenvalues when hermitian)."""
    a, r = _tols(d, atol, rtol)
    m, n = d.shape[-2:]
    if hermitian:
        w, v = _syevd(d, "L", True)
        left, right = v, xp.swapaxes(v, -1, -2)
    else:
        u, w, vh = gesdd(d)
        left, right = xp.swapaxes(vh, -1, -2), xp.swapaxes(u, -1, -2)
    s = xp.abs(w)
    top = s.max(-1, keepdims=True) if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), d.dtype)
    tol = xp.maximum(a[..., None], r[..., None] * top)
    sinv = xp.where(s > tol, 1 / xp.where(s == 0, 1, w), 0).astype(d.dtype)
    out = xp.matmul(left * sinv[..., None, :], right)
    if out.shape[-2:] != (n, m):  # empty matrices
        out = xp.zeros(out.shape[:-2] + (n, m), dtype=d.dtype)
    return out


def _pinv_backward(g, p, a):
    """gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A), associated for the smaller side"""
    m, n = a.shape[-2], a.shape[-1]
    pt, gt = p.mT, g.mT
    if m <= n:
        k = matmul(gt, p)
        kpt = matmul(k, pt)
        return -matmul(p, k).mT + kpt - matmul(matmul(a, p), kpt) + matmul(matmul(pt, p), gt - matmul(k, a))
    k = matmul(p, gt)
    ptk = matmul(pt, k)
    return -matmul(k, p).mT + matmul(matmul(gt - matmul(a, k), p), pt) + ptk - matmul(matmul(ptk, p), a)


class LinalgPinv(_Op):
    """Moore-Penrose pseudo-inverse; gradient at constant rank (torch's pinv_backward)"""

    @staticmethod
    def forward(ctx, a, atol, rtol, hermitian):
        out = _pinv_array(a._data, atol, rtol, hermitian)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        return _pinv_backward(g, p, a)


def pinv(A, rcond=None, hermitian: bool = False, *, atol=None, rtol=None, out=None) -> Tensor:
    """pseudo-inverse: singular values at most max(atol, rtol * largest) count as zero"""
    d = A._data
    if d.ndim < 2 or d.dtype not in (np.float32, np.float64):
        raise RuntimeError(
            f"linalg.pinv({c.tname(d)}{{{list(d.shape)}}}): expected a tensor with 2 or more dimensions of float, "
            "double, cfloat or cdouble types"
        )
    if rcond is not None:
        rtol = rcond
    if hermitian:
        _eigh_check(d, "L", "linalg.eigh")
    return c.out_to(out, LinalgPinv.apply(A, atol, rtol, bool(hermitian)), "linalg_pinv")


def matrix_rank(A, tol=None, hermitian: bool = False, *, atol=None, rtol=None, out=None) -> Tensor:
    """number of singular values above max(atol, rtol * largest) (eigenvalue magnitudes when hermitian)"""
    d = A._data
    if d.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 dimensions.")
    if d.dtype not in (np.float32, np.float64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if tol is not None:
        atol, rtol = tol, 0.0
    if hermitian:
        _eigh_check(d, "L", "linalg.eigh")
    a, r = _tols(d, atol, rtol)
    s, top = _spectrum(d, hermitian)
    tol_ = xp.maximum(a[..., None], r[..., None] * top)
    return c.out_to(out, c.const((s > tol_).sum(-1).astype(np.int64)), "linalg_matrix_rank")


# ---- lstsq -------------------------------------------------------------------------------------------
_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def _gelsy_operator(ad, rcond):
    """(G, rank) per matrix from LAPACK gelsy: its solution of A X = B is G B (linear in B)."""
    m, n = ad.shape[-2:]
    flat = ad.reshape((-1, m, n))
    ops = xp.empty((flat.shape[0], n, m), dtype=ad.dtype)
    ranks = xp.empty(flat.shape[0], dtype=np.int64)
    eye = xp.eye(m, dtype=ad.dtype)
    for i in range(flat.shape[0]):
        ops[i], _, ranks[i], _ = sla.lstsq(flat[i], eye, cond=rcond, lapack_driver="gelsy", check_finite=False)
    return ops.reshape(ad.shape[:-2] + (n, m)), ranks.reshape(ad.shape[:-2])


class LinalgLstsq(_Op):
    """min |AX - B|: X = pinv(A) B, so gB = pinv(A)^T gX and gA = pinv_backward(gX B^T); the residuals
    |AX - B|^2 add 2 r X^T and -2 r (Danskin: X is optimal)"""

    materialize_grads = False

    @staticmethod
    def forward(ctx, a, b, rcond, driver, vector):
        ad, bd = a._data, b._data
        bm = bd[..., None] if vector else bd
        m, n = ad.shape[-2:]
        batch = np.broadcast_shapes(ad.shape[:-2], bm.shape[:-2])
        u, s, vh = gesdd(ad)
        if driver == "gelsy" and rcond is not None and ad.size:
            # gelsy's own rank decision (pivoted QR and condition estimates) can differ from the SVD's
            op, rank = _gelsy_operator(ad, rcond)
            x = xp.matmul(op, bm)
        else:
            cut = rcond if rcond is not None and rcond > 0 else np.finfo(ad.dtype).eps * max(m, n)
            top = s[..., :1] if s.shape[-1] else xp.zeros(s.shape[:-1] + (1,), ad.dtype)
            keep = s > cut * top
            rank = keep.sum(-1).astype(np.int64)
            sinv = xp.where(keep, 1 / xp.where(keep, s, 1), 0).astype(ad.dtype)
            x = xp.matmul(xp.swapaxes(vh, -1, -2), sinv[..., None] * xp.matmul(xp.swapaxes(u, -1, -2), bm))
        x = xp.broadcast_to(x, batch + (n, bm.shape[-1])).copy()
        empty = xp.zeros((0,), dtype=ad.dtype)
        res = empty
        if driver != "gelsy" and m > n and (driver == "gels" or bool((rank == n).all())):
            r = xp.matmul(ad, x) - bm
            res = (r * r).sum(-2)
        ctx.vector = vector
        ctx.save_for_backward(a, b, x)
        if vector:
            x = x[..., 0]
        rank_t = c.const(rank if driver != "gels" else xp.zeros((0,), dtype=np.int64))
        sv = c.const(s if driver in ("gelsd", "gelss") else empty.copy())
        ctx.mark_non_differentiable(rank_t, sv)
        return x, res, rank_t, sv

    @staticmethod
    def backward(ctx, gx, gres, _gr=None, _gs=None):
        a, b, x = ctx.saved_tensors
        vector = ctx.vector
        has_res = gres is not None and gres._data.size > 0
        if gx is None and not has_res:
            return None, None
        bm = b.unsqueeze(-1) if vector else b
        ga = gb = None
        na, nb = ctx.needs_input_grad[:2]
        if gx is not None:
            gxm = gx.unsqueeze(-1) if vector else gx
            p = pinv(a)
            if na:
                ga = _pinv_backward(matmul(gxm, bm.mT), p, a)
            if nb:
                gb = matmul(p.mT, gxm)
        if has_res:
            r = matmul(a, x) - bm
            gl = gres.unsqueeze(-2)
            if na:
                t = 2 * matmul(gl * r, x.mT)
                ga = t if ga is None else ga + t
            if nb:
                t = -2 * gl * r
                gb = t if gb is None else gb + t
        if vector and gb is not None:
            gb = gb[..., 0]
        return ga, gb


def lstsq(A, B, rcond=None, *, driver=None):
    """least-squares solution of AX = B (minimum norm when rank-deficient), with residuals, rank and singular
    values as the chosen LAPACK driver reports them"""
    name = "torch.linalg.lstsq"
    ad, bd = A._data, B._data
    if driver is not None and driver not in _DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss)")
    if ad.dtype != bd.dtype:
        raise RuntimeError(
            f"{name}: Expected input and other to have the same dtype, but got input's dtype {c.tname(ad)} and "
            f"other's dtype {c.tname(bd)}"
        )
    if ad.dtype not in (np.float32, np.float64):
        raise RuntimeError("This function doesn't handle types other than float and double")
    if ad.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    if not 0 <= ad.ndim - bd.ndim <= 1:
        raise RuntimeError(
            f"{name}: input.dim() must be greater or equal to other.dim() and (input.dim() - other.dim()) <= 1"
        )
    vector = bd.ndim == ad.ndim - 1
    if bd.shape[-1 if vector else -2] != ad.shape[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size({-1 if vector else -2})")
    _batch_broadcast(ad.shape[:-2], bd.shape[:-1] if vector else bd.shape[:-2])
    res = LinalgLstsq.apply(A, B, rcond, driver or "gelsy", vector)
    return return_types.linalg_lstsq(*res)


# ---- cond --------------------------------------------------------------------------------------------
_COND_ORDS = (None, 2, -2, 1, -1, math.inf, -math.inf, "fro", "nuc")


def cond(A, p=None, *, out=None) -> Tensor:
    """condition number |A|_p |A^-1|_p (the ratio of extreme singular values for p = None, 2, -2)"""
    d = A._data
    if p not in _COND_ORDS or isinstance(p, bool):
        raise RuntimeError(f"linalg.cond got an invalid norm type: {p}")
    c.check_ndim(d, "linalg.cond")
    c.check_float(d, "linalg.cond", True)
    if d.dtype == np.float16:  # the singular values or the inverse reject half
        c.check_float(d, "linalg.inv", "linalg_svd_cpu" if p in (None, 2, -2) else None)
    if d.size == 0:  # NumPy has no value here; torch returns 0
        return c.out_to(out, c.const(xp.zeros(d.shape[:-2], dtype=d.dtype)), "linalg_cond")
    if p in (None, 2, -2):
        s = svdvals(A)
        res = s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
        return c.out_to(out, res, "linalg_cond")
    label = p if isinstance(p, str) or math.isinf(p) or isinstance(p, int) else f"{p:.6f}"
    c.check_square(d, f"linalg.cond(ord={label})")
    ai, info = inv_ex(A)
    if p == "nuc":
        return c.out_to(out, matrix_norm(A, p) * matrix_norm(ai, p), "linalg_cond")
    inf = c.const(xp.asarray(math.inf, dtype=d.dtype))
    ai = where(c.const(info._data[..., None, None] > 0), inf, ai)
    res = matrix_norm(A, p) * matrix_norm(ai, p)
    # 0 * inf for a singular matrix: infinite, as NumPy says
    res = where(c.const(xp.isnan(res._data)), inf, res)
    return c.out_to(out, res, "linalg_cond")


# ---- norms -------------------------------------------------------------------------------------------
vector_norm = _ops.vector_norm

_MATRIX_ORDS = ("fro", "nuc", 2, -2, 1, -1, math.inf, -math.inf)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None, out=None) -> Tensor:
    """matrix norm over two dims: 'fro', 'nuc' (sum of singular values), 2 / -2 (largest / smallest singular
    value), 1 / -1 (max / min column sum of |A|), inf / -inf (max / min row sum)"""
    d = A._data
    if d.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    c.check_float(d, "linalg.matrix_norm", True)
    dim = tuple(dim) if isinstance(dim, (list, tuple)) else (dim,)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
    if isinstance(ord, bool) or ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    d0, d1 = (wrap_dim(x, d.ndim) for x in dim)
    if 0 in (d.shape[d0], d.shape[d1]) and ord not in (-1, -math.inf):
        if ord == -2:
            raise IndexError("amin(): Expected reduction dim -1 to have non-zero size.")
        if dtype is not None:
            A = A.to(dtype)
        return c.out_to(out, A.sum((d0, d1), keepdim=keepdim), "linalg_matrix_norm")
    if ord not in (2, -2, "nuc"):
        return _ops.matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    c.check_float(d, "linalg.matrix_norm")
    if dtype is not None:
        A = A.to(dtype)
    s = svdvals(A.movedim((d0, d1), (-2, -1)))
    res = s.amax(-1) if ord == 2 else s.amin(-1) if ord == -2 else s.sum(-1)
    if keepdim:
        res = res.unsqueeze(min(d0, d1)).unsqueeze(max(d0, d1))
    return c.out_to(out, res, "linalg_matrix_norm")


def norm(A, ord=None, dim=None, keepdim: bool = False, *, out=None, dtype=None) -> Tensor:
    """a vector norm over one dim (or all elements), a matrix norm over two (2-D inputs by default)"""
    nd = A._data.ndim
    if isinstance(dim, int):
        dim = (dim,)
    if dim is not None:
        dim = tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {list(dim)}")
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if nd not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {nd}D."
            )
        dim = tuple(range(nd))
    if isinstance(ord, str) or len(dim) == 2:
        return matrix_norm(A, ord, dim if nd >= 2 else (-2, -1), keepdim, dtype=dtype, out=out)
    return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
