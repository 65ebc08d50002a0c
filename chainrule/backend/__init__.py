"""The one seam between chainrule and its array library.

Every array call in chainrule goes through ``xp`` (NumPy today). A GPU backend
(CuPy) plugs in by binding ``xp`` to a module with NumPy's API.
"""

from __future__ import annotations

import numpy as xp

ndarray = xp.ndarray


def _quiet_switch():
    """(context variable, value) that make NumPy's floating-point checks silent while set.

    torch computes inf - inf, 0 / 0 or an overflowing product quietly (NaN or inf, no warning);
    NumPy warns. Ops set this value around their array work (``tok = ERRSTATE.set(QUIET)`` ...
    ``ERRSTATE.reset(tok)``, 0.2 us) so user code outside chainrule keeps NumPy's settings. Where
    NumPy keeps its state elsewhere, a private variable stands in and the warnings stay.
    """
    import contextvars

    try:
        from numpy._core import _ufunc_config as cfg

        var = cfg._extobj_contextvar
        with xp.errstate(all="ignore"):
            return var, var.get()
    except (ImportError, AttributeError):  # pragma: no cover - other NumPy layouts
        return contextvars.ContextVar("chainrule_quiet", default=None), None


ERRSTATE, QUIET = _quiet_switch()


def asarray(obj, dtype=None):
    """Array view of ``obj`` (no copy where possible)."""
    return xp.asarray(obj, dtype=dtype)


def to_numpy(arr):
    """Host NumPy array for ``arr`` (identity on the NumPy backend)."""
    return arr


__all__ = ["xp", "ndarray", "asarray", "to_numpy", "ERRSTATE", "QUIET"]
