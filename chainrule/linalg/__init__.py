"""Linear algebra (mirrors ``torch.linalg``): factorizations, solvers, inverses, norms and matrix functions,
all batched over leading dims and differentiable where torch's are."""

from __future__ import annotations

from ..ops.linalg import matmul
from ._common import LinAlgError
from ._decomp import cholesky, cholesky_ex, eigh, eigvalsh, qr, svd, svdvals
from ._lu import lu, lu_factor, lu_factor_ex, lu_solve
from ._misc import (
    cross,
    diagonal,
    householder_product,
    matrix_exp,
    matrix_power,
    multi_dot,
    tensorinv,
    tensorsolve,
    vander,
    vecdot,
)
from ._pinv import cond, lstsq, matrix_norm, matrix_rank, norm, pinv, vector_norm
from ._solve import det, inv, inv_ex, slogdet, solve, solve_ex, solve_triangular

__all__ = [
    "LinAlgError",
    "cholesky",
    "cholesky_ex",
    "cond",
    "cross",
    "det",
    "diagonal",
    "eigh",
    "eigvalsh",
    "householder_product",
    "inv",
    "inv_ex",
    "lstsq",
    "lu",
    "lu_factor",
    "lu_factor_ex",
    "lu_solve",
    "matmul",
    "matrix_exp",
    "matrix_norm",
    "matrix_power",
    "matrix_rank",
    "multi_dot",
    "norm",
    "pinv",
    "qr",
    "slogdet",
    "solve",
    "solve_ex",
    "solve_triangular",
    "svd",
    "svdvals",
    "tensorinv",
    "tensorsolve",
    "vander",
    "vecdot",
    "vector_norm",
]
