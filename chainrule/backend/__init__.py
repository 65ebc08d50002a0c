"""The one seam between chainrule and its array library.

Every array call in chainrule goes through ``xp`` (NumPy today). A GPU backend
(CuPy) plugs in by binding ``xp`` to a module with NumPy's API.
"""

from __future__ import annotations

import numpy as xp

ndarray = xp.ndarray


def asarray(obj, dtype=None):
    """Array view of ``obj`` (no copy where possible)."""
    return xp.asarray(obj, dtype=dtype)


def to_numpy(arr):
    """Host NumPy array for ``arr`` (identity on the NumPy backend)."""
    return arr


__all__ = ["xp", "ndarray", "asarray", "to_numpy"]
