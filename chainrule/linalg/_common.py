"""Shared pieces of ``chainrule.linalg``: the error type, result tuples, input checks in torch's words,
and the array kernels (LU, triangular solves) that several functions build on."""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg as sla
from scipy.linalg import lapack

from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ..backend import xp
from ..ops._select import _structseq, return_types
from ..ops.linalg import _into

_make = Tensor._make


class _LinAlgError(RuntimeError):
    """A linear-algebra routine met a singular or non positive-definite input (``torch.linalg.LinAlgError``)."""


LinAlgError = _LinAlgError  # torch's class is torch._C._LinAlgError, exported as torch.linalg.LinAlgError


class _Op(Function):
    _builtin = True


for _name, _fields in (
    ("linalg_inv_ex", ("inverse", "info")),
    ("linalg_slogdet", ("sign", "logabsdet")),
    ("linalg_solve_ex", ("result", "info")),
    ("linalg_cholesky_ex", ("L", "info")),
    ("linalg_qr", ("Q", "R")),
    ("linalg_svd", ("U", "S", "Vh")),
    ("linalg_eigh", ("eigenvalues", "eigenvectors")),
    ("linalg_lstsq", ("solution", "residuals", "rank", "singular_values")),
    ("linalg_lu_factor", ("LU", "pivots")),
    ("linalg_lu_factor_ex", ("LU", "pivots", "info")),
    ("linalg_lu", ("P", "L", "U")),
):
    setattr(return_types, _name, _structseq(_name, _fields))


def const(arr) -> Tensor:
    """A tensor that carries no history (constants inside backward formulas)."""
    return _make(arr, False, None, 0)


def eye_like(t: Tensor, n: int | None = None) -> Tensor:
    d = t._data
    return const(xp.eye(d.shape[-1] if n is None else n, dtype=d.dtype))


def tname(d) -> str:
    return _TORCH_NAME[str(d.dtype)]


def out_to(out, res, name: str):
    """``out=`` for one tensor or a tuple of them (each resized/copied as torch does)."""
    if out is None:
        return res
    if isinstance(res, tuple):
        if not isinstance(out, (tuple, list)) or len(out) != len(res):
            raise TypeError(f"{name}(): argument 'out' must be tuple of {len(res)} Tensors")
        filled = tuple(_into(o, r, name) for o, r in zip(out, res))
        return type(res)(*filled)
    return _into(out, res, name)


# ---- input checks ------------------------------------------------------------------------------------
def check_ndim(d, name: str, arg: str = "A") -> None:
    if d.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")


def check_square(d, name: str, arg: str = "A") -> None:
    check_ndim(d, name, arg)
    if d.shape[-1] != d.shape[-2]:
        raise RuntimeError(
            f"{name}: {arg} must be batches of square matrices, but they are {d.shape[-2]} by {d.shape[-1]} matrices"
        )


def check_float(d, name: str, half: str | bool | None = None) -> None:
    """A float input; for float16 torch says "Low precision dtypes not supported" (``half`` None), names the
    missing CPU kernel (``half`` a kernel name), or accepts it (``half`` True)."""
    if d.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got {tname(d)}")
    if d.dtype == np.float16 and half is not True:
        if half is None:
            raise RuntimeError(f"{name}: Low precision dtypes not supported. Got Half")
        raise NotImplementedError(f"\"{half}\" not implemented for 'Half'")


def check_kernel_dtype(d, kernel: str) -> None:
    """torch's dispatch error for kernels that exist for float and double only."""
    if d.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{tname(d)}'")


def check_same_dtype(a, b, name: str, an: str = "A", bn: str = "B") -> None:
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{name}: Expected {an} and {bn} to have the same dtype, but found {an} of type {tname(a)} and "
            f"{bn} of type {tname(b)} instead"
        )


def batch_prefix(ndim: int, idx: int) -> str:
    return f"(Batch element {idx}): " if ndim > 2 else ""


def first_failure(info) -> tuple[int, int]:
    """(flat batch index, info value) of the first nonzero entry of ``info``."""
    flat = np.asarray(info).reshape(-1)
    i = int(np.flatnonzero(flat)[0])
    return i, int(flat[i])


# ---- array kernels -----------------------------------------------------------------------------------
def getrs_each(d, b, bad):
    """Solve A X = B by getrf + getrs for the matrices flagged in ``bad`` (singular ones: torch returns the
    inf/nan that substitution gives there, and so does this); ``b`` is broadcast to ``d``'s batch."""
    out_shape = np.broadcast_shapes(d.shape[:-2], b.shape[:-2]) + b.shape[-2:]
    res = xp.zeros(out_shape, dtype=np.result_type(d, b))
    ad = xp.broadcast_to(d, out_shape[:-2] + d.shape[-2:]).reshape((-1,) + d.shape[-2:])
    bd = xp.broadcast_to(b, out_shape).reshape((-1,) + b.shape[-2:])
    flat = res.reshape((-1,) + b.shape[-2:])
    mask = xp.broadcast_to(bad, out_shape[:-2]).reshape(-1)
    for i in np.flatnonzero(mask):
        lu, piv, _ = getrf(ad[i])
        flat[i] = getrs(lu, piv, bd[i], False)
    return res, mask


def trsolve(a, b, lower: bool, unit: bool = False, left: bool = True, trans: bool = False):
    """Triangular solve op(a) x = b (``left``) or x op(a) = b, reading only the triangle of ``a`` as BLAS
    trsm does; a zero diagonal gives inf/nan instead of an error."""
    if a.ndim == 2 and b.ndim == 2:
        if a.size == 0 or b.size == 0:
            return xp.zeros(b.shape, dtype=b.dtype)
        trsm = sla.get_blas_funcs("trsm", (a, b))
        return trsm(1.0, a, b, side=0 if left else 1, lower=int(lower), trans_a=int(trans), diag=int(unit))
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = xp.broadcast_to(a, shape + a.shape[-2:])
    b = xp.broadcast_to(b, shape + b.shape[-2:])
    if b.size == 0:
        return xp.zeros(b.shape, dtype=b.dtype)
    t = xp.tril(a) if lower else xp.triu(a)
    if unit:
        t = t.copy()
        idx = np.arange(a.shape[-1])
        t[..., idx, idx] = 1
    if trans:
        t = xp.swapaxes(t, -1, -2)
    try:
        if left:
            return xp.linalg.solve(t, b)
        return xp.swapaxes(xp.linalg.solve(xp.swapaxes(t, -1, -2), xp.swapaxes(b, -1, -2)), -1, -2)
    except np.linalg.LinAlgError:  # a zero on some diagonal: substitute matrix by matrix as trsm does
        out = xp.empty(b.shape, dtype=b.dtype)
        fa = a.reshape((-1,) + a.shape[-2:])
        fb, fo = b.reshape((-1,) + b.shape[-2:]), out.reshape((-1,) + b.shape[-2:])
        for i in range(fa.shape[0]):
            fo[i] = trsolve(fa[i], fb[i], lower, unit, left, trans)
        return out


def apply_swaps(piv, m: int):
    """Apply LAPACK row swaps (0-based, shape (*, k)) to arange(m): the rows of P^T A in terms of A."""
    batch, k = piv.shape[:-1], piv.shape[-1]
    if not batch:
        order = list(range(m))
        for i, j in enumerate(piv.tolist()):
            order[i], order[j] = order[j], order[i]
        return xp.asarray(order, dtype=np.int64)
    perm = xp.broadcast_to(xp.arange(m), batch + (m,)).copy()
    nb = math.prod(batch)
    fp = perm.reshape(nb, m)
    fv = piv.reshape(nb, k)
    rows = np.arange(fp.shape[0])
    for i in range(k):
        j = fv[:, i]
        a, b = fp[rows, i].copy(), fp[rows, j].copy()
        fp[rows, i], fp[rows, j] = b, a
    return perm


def getrf(d):
    """LU with partial pivoting by LAPACK getrf, matrix by matrix (SciPy's batched LU is slower than this
    loop for small matrices): (LU packed, 1-based int32 pivots, info = index of the first zero pivot)."""
    m, n = d.shape[-2:]
    k = min(m, n)
    batch = d.shape[:-2]
    if d.size == 0:
        piv = xp.broadcast_to(xp.arange(1, k + 1, dtype=np.int32), batch + (k,)).copy()
        return xp.zeros(d.shape, dtype=d.dtype), piv, xp.zeros(batch, dtype=np.int32)
    fn = lapack.get_lapack_funcs("getrf", (d,))
    if d.ndim == 2:
        lu, piv, info = fn(d)
        return xp.ascontiguousarray(lu), (piv + 1).astype(np.int32), xp.asarray(info, dtype=np.int32)
    flat = d.reshape((-1, m, n))
    lu = xp.empty(flat.shape, dtype=d.dtype)
    piv = xp.empty((flat.shape[0], k), dtype=np.int32)
    info = xp.empty(flat.shape[0], dtype=np.int32)
    for i in range(flat.shape[0]):
        lu[i], p, info[i] = fn(flat[i])
        piv[i] = p + 1
    return lu.reshape(d.shape), piv.reshape(batch + (k,)), info.reshape(batch)


def getrs(lu, piv, b, trans: bool):
    """LAPACK getrs: A X = B (A^T X = B when ``trans``) from getrf's factors; batch dims broadcast."""
    n = lu.shape[-1]
    shape = np.broadcast_shapes(lu.shape[:-2], b.shape[:-2])
    dt = np.result_type(lu, b)
    if n == 0 or b.size == 0 or 0 in shape:
        return xp.zeros(shape + b.shape[-2:], dtype=dt)
    fn = lapack.get_lapack_funcs("getrs", (lu, b))
    p0 = np.asarray(piv, dtype=np.int32) - 1
    if lu.ndim == 2 and b.ndim == 2:
        return xp.ascontiguousarray(fn(lu, p0, b, trans=int(trans))[0])
    flu = xp.broadcast_to(lu, shape + lu.shape[-2:]).reshape((-1, n, n))
    fp = xp.broadcast_to(p0, shape + (n,)).reshape((-1, n))
    fb = xp.broadcast_to(b, shape + b.shape[-2:]).reshape((-1,) + b.shape[-2:])
    out = xp.empty(fb.shape, dtype=dt)
    for i in range(fb.shape[0]):
        out[i] = fn(flu[i], fp[i], fb[i], trans=int(trans))[0]
    return out.reshape(shape + b.shape[-2:])


def potrf_each(d, bad, upper: bool):
    """LAPACK potrf per flagged matrix: the partial factor and the order of the failing leading minor."""
    out = xp.zeros(d.shape, dtype=d.dtype)
    fd, fo = d.reshape((-1,) + d.shape[-2:]), out.reshape((-1,) + d.shape[-2:])
    info = xp.zeros(fd.shape[0], dtype=np.int32)
    fn = lapack.get_lapack_funcs("potrf", (d,))
    for i in np.flatnonzero(np.asarray(bad).reshape(-1)):
        c, inf = fn(fd[i], lower=0 if upper else 1, clean=1)
        fo[i] = c
        info[i] = inf
    return out, info.reshape(d.shape[:-2])
