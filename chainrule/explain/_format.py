"""Number and tensor formatting shared by the text rendering and the graph labels."""

from __future__ import annotations

import numpy as np


def fmt_num(v, step: bool = False) -> str:
    """Shortest round-trip form in the value's own precision (``2.0``, ``-2.25``); ``step`` prints 1 not 1.0."""
    a = np.asarray(v)
    if a.dtype.kind == "O":
        return str(v)
    x = a.reshape(())[()] if a.size == 1 else a
    if a.dtype.kind == "f":
        f = float(x)
        if step and f.is_integer():
            return str(int(f))
        s = str(x)
        return s if len(s) <= 12 else f"{f:.6g}"
    if a.dtype.kind == "b":
        return str(bool(x))
    return str(x)


def norm(a) -> float:
    a = np.asarray(a)
    if a.dtype.kind not in "fiub":
        return float("nan")
    return float(np.sqrt(np.sum(np.square(a, dtype=np.float64))))


def shape_str(shape) -> str:
    return "[" + ", ".join(str(s) for s in shape) + "]"


def fmt_tensor(a) -> str:
    """``shape [64, 10], norm 3.21``: a summary for anything with more than one element."""
    a = np.asarray(a)
    return f"shape {shape_str(a.shape)}, norm {norm(a):.4g}"


def fmt_value(v, step: bool = False) -> str:
    """A number for single-element values, else a shape-and-norm summary."""
    if v is None:
        return "?"
    if np.size(v) == 1:
        return fmt_num(v, step)
    return fmt_tensor(v)
