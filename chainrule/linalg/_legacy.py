"""torch's top-level linear-algebra functions and Tensor methods (``torch.det``, ``x.inverse()``,
``torch.svd`` returning V, the deprecated ``torch.cholesky``/``torch.qr``), expressed through
``chainrule.linalg``."""

from __future__ import annotations

import warnings

from .. import ops as _T
from .._creation import eye, zeros
from .._tensor import Tensor
from ..ops._select import _structseq, return_types
from . import _decomp, _lu, _misc, _pinv, _solve

_WARNED: set = set()


def _warn_once(key: str, message: str) -> None:
    """torch raises these deprecation warnings once per process (TORCH_WARN_ONCE)."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


for _name, _fields in (("slogdet", ("sign", "logabsdet")), ("svd", ("U", "S", "V")), ("qr", ("Q", "R"))):
    setattr(return_types, _name, _structseq(_name, _fields))
return_types.triangular_solve = _structseq("triangular_solve", ("solution", "cloned_coefficient"))


def det(input: Tensor) -> Tensor:
    return _solve.det(input)


def slogdet(input: Tensor):
    sign, logabsdet = _solve.slogdet(input)
    return return_types.slogdet(sign, logabsdet)


def logdet(input: Tensor) -> Tensor:
    """log det A: nan for a negative determinant, -inf for a zero one"""
    sign, logabsdet = _solve.slogdet(input)
    return _T.where(sign < 0, float("nan"), logabsdet)


def inverse(input: Tensor, *, out=None) -> Tensor:
    return _solve.inv(input, out=out)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    return _pinv.pinv(input, rtol=rcond)


def matrix_exp(input: Tensor) -> Tensor:
    return _misc.matrix_exp(input)


def matrix_power(input: Tensor, n: int) -> Tensor:
    return _misc.matrix_power(input, n)


def svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """U, S, V with A = U diag(S) V^T (V, not V^H); without ``compute_uv`` U and V are zeros."""
    if not compute_uv:
        s = _decomp.svdvals(input)
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        zu = zeros(*batch, m, m, dtype=input.dtype)  # torch: (m, m) and (n, n) zeros, whatever ``some``
        zv = zeros(*batch, n, n, dtype=input.dtype)
        return return_types.svd(zu, s, zv)
    u, s, vh = _decomp.svd(input, full_matrices=not some)
    return return_types.svd(u, s, vh.mT)


def qr(input: Tensor, some: bool = True):
    _warn_once(
        "qr",
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.",
    )
    q, r = _decomp.qr(input, "reduced" if some else "complete")
    return return_types.qr(q, r)


def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    _warn_once(
        "cholesky",
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future "
        "PyTorch release.",
    )
    return _decomp.cholesky(input, upper=upper)


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """X with A X = B where A = L L^T (``input2`` = L, or U with ``upper``): two triangular solves"""
    low = input2.mT if upper else input2
    y = _solve.solve_triangular(low, input, upper=False)
    return _solve.solve_triangular(low.mT, y, upper=True)


def cholesky_inverse(input: Tensor, upper: bool = False) -> Tensor:
    """(L L^T)^-1 from the factor L (or U^T U from U with ``upper``)"""
    n = input.shape[-1]
    ident = eye(n, dtype=input.dtype).expand(*input.shape)
    return cholesky_solve(ident, input, upper=upper)


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False, unitriangular: bool = False):
    """X with op(A) X = b, op = transpose when asked; returns (X, a copy of A)"""
    _warn_once(
        "triangular_solve",
        "torch.triangular_solve is deprecated in favor of torch.linalg.solve_triangular"
        "and will be removed in a future PyTorch release.\n"
        "torch.linalg.solve_triangular has its arguments reversed and does not return a copy of one of the inputs.\n"
        "X = torch.triangular_solve(B, A).solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, B).",
    )
    coef = A.mT if transpose else A
    x = _solve.solve_triangular(coef, b, upper=upper != transpose, unitriangular=unitriangular)
    return return_types.triangular_solve(x, A.clone())


def lu_solve(b: Tensor, LU_data: Tensor, LU_pivots: Tensor) -> Tensor:
    _warn_once(
        "lu_solve",
        "torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be removed in a future PyTorch "
        "release.\nNote that torch.linalg.lu_solve has its arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\n"
        "should be replaced with\nX = torch.linalg.lu_solve(LU, pivots, B)",
    )
    return _lu.lu_solve(LU_data, LU_pivots, b)


_FUNCS = (
    "det slogdet logdet inverse pinverse matrix_exp matrix_power svd qr cholesky cholesky_solve cholesky_inverse "
    "triangular_solve lu_solve"
).split()
for _n in _FUNCS:
    if _n not in Tensor.__dict__:
        setattr(Tensor, _n, globals()[_n])

__all__ = _FUNCS
