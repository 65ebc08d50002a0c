"""The special functions and triangular linear algebra the distributions use, taken from chainrule's
ops and ``chainrule.linalg`` (one implementation each; their backward passes are tensor ops, so higher
derivatives work)."""

from __future__ import annotations

from .. import ops as _ops
from .._tensor import Tensor
from ..linalg import cholesky, solve_triangular
from ..linalg._legacy import cholesky_inverse as _cholesky_inverse

lgamma = _ops.lgamma
digamma = _ops.digamma
atan = _ops.atan
atanh = _ops.atanh


def xlogy(x, y) -> Tensor:
    """x * log(y), 0 where x == 0 (unless y is NaN); a number on either side takes the tensor's dtype."""
    if not isinstance(x, Tensor):
        x = y.new_full(y.shape, x)
    if not isinstance(y, Tensor):
        y = x.new_full(x.shape, y)
    return _ops.xlogy(x, y)


def cholesky_inverse(L: Tensor) -> Tensor:
    """(L L^H)^-1 from the lower factor L."""
    return _cholesky_inverse(L)


__all__ = ["lgamma", "digamma", "atan", "atanh", "xlogy", "cholesky", "solve_triangular", "cholesky_inverse"]
