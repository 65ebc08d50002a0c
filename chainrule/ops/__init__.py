"""Differentiable primitives, grouped by kind; this package is also the function namespace
that ``Tensor`` methods are bound from (each module lists its ``TENSOR_METHODS``)."""

from __future__ import annotations

import sys

from .. import _tensor
from . import elementwise, elementwise_extra, indexing, linalg, misc_extra, reduce, reduce_extra, shape

_MODULES = [elementwise, reduce, shape, indexing, linalg, elementwise_extra, reduce_extra, misc_extra]

for _m in _MODULES:
    for _n in getattr(_m, "__all__", ()):
        setattr(sys.modules[__name__], _n, getattr(_m, _n))
    for _n in getattr(_m, "TENSOR_METHODS", ()):
        if _n not in _tensor.Tensor.__dict__:
            setattr(_tensor.Tensor, _n, getattr(_m, _n))

copy_from = elementwise.copy_from
_tensor._OPS.append(sys.modules[__name__])
