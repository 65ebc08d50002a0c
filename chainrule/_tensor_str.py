"""torch-style printing: ``tensor([1., 2.], requires_grad=True)``."""

from __future__ import annotations

import numpy as np

PRECISION = 4
LINEWIDTH = 80
THRESHOLD = 1000
EDGEITEMS = 3


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    global PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH
    if profile == "default":
        PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80
    if precision is not None:
        PRECISION = precision
    if threshold is not None:
        THRESHOLD = threshold
    if edgeitems is not None:
        EDGEITEMS = edgeitems
    if linewidth is not None:
        LINEWIDTH = linewidth


class _Formatter:
    """Choose one format for all elements, as torch does (int-like, fixed, or scientific)."""

    def __init__(self, values: np.ndarray):
        self.floating = values.dtype.kind == "f"
        self.int_mode = True
        self.sci = False
        self.width = 1
        if not self.floating:
            strs = [str(v) for v in values.ravel().tolist()]
            self.width = max((len(s) for s in strs), default=1)
            return
        v = values.astype(np.float64).ravel()
        finite = v[np.isfinite(v)]
        for s in ("nan", "inf", "-inf"):
            pass
        if finite.size == 0:
            self.width = max((len(self._nonfinite(x)) for x in v), default=3)
            return
        nz = np.abs(finite[finite != 0])
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if nz.size and (nz.max() / nz.min() > 1000.0 or nz.max() > 1e8):
                self.sci = True
                self.int_mode = False
        else:
            if nz.size and (nz.max() / nz.min() > 1000.0 or nz.max() > 1e8 or nz.min() < 1e-4):
                self.sci = True
        self.width = max(len(self._fmt_one(x)) for x in v)

    @staticmethod
    def _nonfinite(x):
        if np.isnan(x):
            return "nan"
        return "inf" if x > 0 else "-inf"

    def _fmt_one(self, x) -> str:
        if not self.floating:
            return str(x)
        if not np.isfinite(x):
            return self._nonfinite(x)
        if self.sci:
            return f"{x:.{PRECISION}e}"
        if self.int_mode:
            return f"{x:.0f}."
        return f"{x:.{PRECISION}f}"

    def format(self, x) -> str:
        return self._fmt_one(x).rjust(self.width)


def _summarize(a: np.ndarray):
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * EDGEITEMS:
        idx = list(range(EDGEITEMS)) + list(range(a.shape[0] - EDGEITEMS, a.shape[0]))
        a = a[idx]
    return np.stack([_summarize(x) for x in a]) if a.ndim > 1 else a


def _tensor_body(a: np.ndarray, fmt: _Formatter, indent: int, summarize: bool) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    n = a.shape[0]
    if a.ndim == 1:
        items = [fmt.format(x) for x in a.tolist()]
        if summarize and n > 2 * EDGEITEMS:
            items = items[:EDGEITEMS] + ["..."] + items[-EDGEITEMS:]
        per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(n))
    parts = []
    if summarize and n > 2 * EDGEITEMS:
        rows = list(range(EDGEITEMS)) + [None] + list(range(n - EDGEITEMS, n))
    for r in rows:
        parts.append("..." if r is None else _tensor_body(a[r], fmt, indent + 1, summarize))
    sep = "," + "\n" * (a.ndim - 1) + " " * (indent + 1)
    return "[" + sep.join(parts) + "]"


def tensor_repr(t) -> str:
    from ._dtype import get_default_dtype

    a = t._data
    summarize = a.size > THRESHOLD
    shown = _summarize(a) if summarize else a
    suffix = []
    if a.size == 0 and a.ndim != 1:
        body = "[]"
        suffix.append(f"size=({', '.join(str(s) for s in a.shape)}{',' if a.ndim == 1 else ''})")
    else:
        fmt = _Formatter(shown if shown.size else a)
        body = _tensor_body(a if not summarize else a, fmt, len("tensor("), summarize)
    dt = t.dtype
    if not (dt is get_default_dtype() or dt.name == "int64" or dt.name == "bool" and False):
        if not (dt.name == "bool" and False):
            if dt.name != "int64" and dt is not get_default_dtype():
                suffix.append(f"dtype={dt!r}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn._node_name}>")
    elif t._rg:
        suffix.append("requires_grad=True")
    if dt.name == "bool":
        suffix = [s for s in suffix if not s.startswith("dtype")]
    prefix = "Parameter containing:\n" if type(t).__name__ == "Parameter" else ""
    s = "tensor(" + body + "".join(", " + s for s in suffix) + ")"
    return prefix + s
