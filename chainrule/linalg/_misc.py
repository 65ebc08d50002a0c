"""matrix_power, tensorinv, tensorsolve, matrix_exp, multi_dot, cross, vecdot, diagonal, vander,
householder_product."""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as sla

from .._tensor import Tensor
from ..backend import xp
from ..ops import cat
from ..ops._misc_extra2 import _chain_order  # the cheapest parenthesization, shared with chain_matmul
from ..ops._util import wrap_dim
from ..ops.linalg import _batch_broadcast, matmul
from . import _common as c
from ._common import _Op
from ._solve import LinalgInvEx, inv, solve


# ---- matrix_power, tensorinv, tensorsolve ------------------------------------------------------------
class _Identity(_Op):
    """A^0 = I: a new tensor whose gradient wrt A is zero"""

    _node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, a):
        d = a._data
        return xp.broadcast_to(xp.eye(d.shape[-1], dtype=d.dtype), d.shape).copy()

    @staticmethod
    def backward(ctx, g):
        return c.const(xp.zeros(tuple(g.shape), dtype=g._data.dtype))


def matrix_power(A, n: int, *, out=None) -> Tensor:
    """A^n by repeated squaring (n < 0: powers of A^-1)"""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    name = "linalg.matrix_power"
    c.check_square(A._data, name)
    n = int(n)
    if n == 0:
        return c.out_to(out, _Identity.apply(A), "linalg_matrix_power")
    a = inv(A) if n < 0 else A
    n = abs(n)
    if n == 1:
        res = a.clone()
    elif n == 2:
        res = matmul(a, a)
    elif n == 3:
        res = matmul(matmul(a, a), a)
    else:
        z = res = None
        while n > 0:
            bit, n = n & 1, n >> 1
            z = a if z is None else matmul(z, z)
            if bit:
                res = z if res is None else matmul(res, z)
    return c.out_to(out, res, "linalg_matrix_power")


def tensorinv(A, ind: int = 2, *, out=None) -> Tensor:
    """the tensor B with tensordot(B, A, ind) = I: an inverse of A reshaped to a square matrix"""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    shape = tuple(A.shape)
    rows, cols = math.prod(shape[:ind]), math.prod(shape[ind:])
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[ind:]) == prod(self.shape[:ind]), "
            f"but got {cols} != {rows}"
        )
    m = A.reshape(rows, cols)
    c.check_float(m._data, "linalg.inv")
    res = LinalgInvEx.apply(m, "inv", True)[0]
    return c.out_to(out, res.reshape(shape[ind:] + shape[:ind]), "linalg_tensorinv")


def tensorsolve(A, B, dims=None, *, out=None) -> Tensor:
    """X with tensordot(A, X, X.ndim) = B: a linear solve with A reshaped to a square matrix"""
    nd = A._data.ndim
    if dims is not None:
        dims = [d % nd for d in dims]
        keep = [i for i in range(nd) if i not in dims]
        A = A.permute(*(keep + dims))
    shape = tuple(A.shape)
    bn = B._data.ndim
    rows, cols = math.prod(shape[:bn]), math.prod(shape[bn:])
    if rows != cols:
        raise RuntimeError(
            "Expected self to satisfy the requirement prod(self.shape[other.ndim:]) == "
            f"prod(self.shape[:other.ndim]), but got {cols} != {rows}"
        )
    res = solve(A.reshape(rows, cols), B.reshape(-1))
    return c.out_to(out, res.reshape(shape[bn:]), "linalg_tensorsolve")


# ---- matrix_exp --------------------------------------------------------------------------------------
class LinalgMatrixExp(_Op):
    """exp(A) (scaling and squaring with Pade approximants); the adjoint of its derivative at A applied to
    G is the top-right block of exp([[A^T, G], [0, A^T]])"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        ctx.save_for_backward(a)
        if d.size == 0:
            return xp.zeros(d.shape, dtype=d.dtype)
        return xp.asarray(sla.expm(d), dtype=d.dtype)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        at = a.mT
        shape = tuple(np.broadcast_shapes(tuple(at.shape), tuple(g.shape)))
        at = at.expand(shape)
        zeros = c.const(xp.zeros(shape, dtype=a._data.dtype))
        big = cat([cat([at, g.expand(shape)], -1), cat([zeros, at], -1)], -2)
        return LinalgMatrixExp.apply(big)[..., :n, n:]


def matrix_exp(A) -> Tensor:
    """matrix exponential sum_k A^k / k!"""
    d = A._data
    c.check_square(d, "linalg.matrix_exp")
    c.check_float(d, "linalg.matrix_exp", True)
    return LinalgMatrixExp.apply(A)


# ---- multi_dot ---------------------------------------------------------------------------------------
def _chain(ts, split, i, j):
    if i == j:
        return ts[i]
    k = split[i][j]
    return matmul(_chain(ts, split, i, k), _chain(ts, split, k + 1, j))


def multi_dot(tensors, *, out=None) -> Tensor:
    """product of a chain of matrices in the cheapest order; the first/last may be vectors"""
    ts = list(tensors)
    n = len(ts)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = ts[0]._data.ndim, ts[-1]._data.ndim
    if first not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first}D")
    if last not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last}D")
    for i in range(1, n - 1):
        nd = ts[i]._data.ndim
        if nd != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
    dt = ts[0]._data.dtype
    for i, t in enumerate(ts[1:], 1):
        if t._data.dtype != dt:
            raise RuntimeError(
                "multi_dot(): all tensors must have be the same dtype but tensor 0 is "
                f"{np.dtype(dt).name.replace('float32', 'float').replace('float64', 'double')} and tensor {i} "
                f"{t._data.dtype.name.replace('float32', 'float').replace('float64', 'double')}"
            )
    if first == 1:
        ts[0] = ts[0].unsqueeze(0)
    if last == 1:
        ts[-1] = ts[-1].unsqueeze(-1)
    for i in range(n - 1):
        a, b = ts[i].shape, ts[i + 1].shape
        if a[1] != b[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {list(tensors[i].shape)} and "
                f"{list(tensors[i + 1].shape)} cannot be multiplied"
            )
    dims = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    res = _chain(ts, _chain_order(dims), 0, n - 1)
    if first == 1 and last == 1:
        res = res.reshape(())
    elif first == 1:
        res = res.reshape(-1)
    elif last == 1:
        res = res.reshape(-1)
    return c.out_to(out, res, "linalg_multi_dot")


# ---- cross, vecdot, diagonal -------------------------------------------------------------------------
class LinalgCross(_Op):
    """a x b: d/da = b x g, d/db = g x a (each reduced to its input's broadcast shape by the engine)"""

    @staticmethod
    def forward(ctx, a, b, dim):
        ctx.dim = dim
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        ad, bd = a._data, b._data
        shape = np.broadcast_shapes(ad.shape, bd.shape)
        return xp.cross(xp.broadcast_to(ad, shape), xp.broadcast_to(bd, shape), axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        ga = LinalgCross.apply(b, g, ctx.dim) if na else None
        gb = LinalgCross.apply(g, a, ctx.dim) if nb else None
        return ga, gb


def cross(input, other, *, dim: int = -1, out=None) -> Tensor:
    """cross product of 3-vectors along ``dim`` (other dims broadcast)"""
    ad, bd = input._data, other._data
    if ad.ndim != bd.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"expected scalar type {c.tname(ad)} but found {c.tname(bd)}")
    if ad.dtype == np.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    wd = wrap_dim(dim, ad.ndim)
    if ad.shape[wd] != 3 or bd.shape[wd] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {ad.shape[wd]} and {bd.shape[wd]}"
        )
    _batch_broadcast(ad.shape, bd.shape)
    return c.out_to(out, LinalgCross.apply(input, other, wd), "linalg_cross")


def vecdot(x, y, *, dim: int = -1, out=None) -> Tensor:
    """sum over ``dim`` of x * y (dims broadcast)"""
    xd, yd = x._data, y._data
    c.check_same_dtype(xd, yd, "linalg.vecdot", "x", "y")
    c.check_float(xd, "linalg.vecdot", True)
    return c.out_to(out, (x * y).sum(dim), "linalg_vecdot")


def diagonal(A, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """the diagonal of each matrix (a view)"""
    return A.diagonal(offset, dim1, dim2)


# ---- vander ------------------------------------------------------------------------------------------
def vander(x, N=None) -> Tensor:
    """Vandermonde matrix [1, x, x^2, ..., x^(N-1)] along a new last dim (N defaults to x.shape[-1])"""
    d = x._data
    if d.dtype in (np.bool_, np.float16):
        raise RuntimeError(f"linalg.vander supports floating point, complex, and integer tensors, but got {c.tname(d)}")
    n = N if N is not None else (d.shape[-1] if d.ndim else 0)
    if n <= 1:
        raise RuntimeError("N must be greater than 1.")
    if d.dtype.kind in "iu":
        x = x.long()
    shape = tuple(x.shape)
    powers = x.unsqueeze(-1).expand(shape + (n - 1,)).cumprod(-1)
    ones = c.const(xp.ones(shape + (1,), dtype=x._data.dtype))
    return cat([ones, powers], -1)


# ---- householder_product -----------------------------------------------------------------------------
def householder_product(A, tau, *, out=None) -> Tensor:
    """first n columns of H_1 ... H_k, H_i = I - tau_i v_i v_i^T with v_i = (0, .., 1, A[i+1:, i])"""
    name = "torch.linalg.householder_product"
    ad, td = A._data, tau._data
    if ad.ndim < 2:
        raise RuntimeError(f"{name}: input must have at least 2 dimensions.")
    m, n = ad.shape[-2:]
    if m < n:
        raise RuntimeError(f"{name}: input.shape[-2] must be greater than or equal to input.shape[-1]")
    if td.ndim >= 1 and n < td.shape[-1]:
        raise RuntimeError(f"{name}: input.shape[-1] must be greater than or equal to tau.shape[-1]")
    if td.ndim != ad.ndim - 1:
        raise RuntimeError(
            f"{name}: Expected tau to have one dimension less than input, but got tau.ndim equal to {td.ndim} "
            f"and input.ndim is equal to {ad.ndim}"
        )
    if td.shape[:-1] != ad.shape[:-2]:
        raise RuntimeError(
            f"{name}: Expected batch dimensions of tau to be equal to input.shape[:-2], but got {list(td.shape[:-1])}"
        )
    if td.dtype != ad.dtype:
        raise RuntimeError(f"{name}: tau dtype {c.tname(td)} does not match input dtype {c.tname(ad)}")
    c.check_kernel_dtype(ad, "orgqr_cpu")
    eye = c.const(xp.eye(m, n, dtype=ad.dtype))
    v = A.tril(-1) + eye
    q = eye.expand(tuple(A.shape)) if ad.ndim > 2 else eye
    for i in range(td.shape[-1] - 1, -1, -1):
        vi = v[..., :, i : i + 1]
        q = q - tau[..., i : i + 1].unsqueeze(-1) * matmul(vi, matmul(vi.mT, q))
    return c.out_to(out, q, "linalg_householder_product")
