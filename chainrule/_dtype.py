"""dtype objects and PyTorch's type-promotion rules.

Promotion follows ``torch.result_type``: operands are ranked by category
(bool < integer < floating); dimensioned tensors outrank 0-d tensors, which
outrank Python scalars. A lower-priority operand only changes the result when
its category is higher, and then it contributes the default dtype of that
category (float32 for floats, int64 for ints) rather than its own width.
"""

from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type (mirrors ``torch.dtype``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_complex", "is_signed", "itemsize", "_cat")

    def __init__(self, name: str, np_dtype, cat: int):
        self.name = name
        self.np = np.dtype(np_dtype)
        self._cat = cat  # 0 bool, 1 int, 2 float
        self.is_floating_point = cat == 2
        self.is_complex = False
        self.is_signed = cat != 0 and self.np.kind != "u"
        self.itemsize = self.np.itemsize

    def __repr__(self) -> str:
        return "torch." + self.name

    def __reduce__(self):
        return self.name

    def to_real(self) -> dtype:
        return self


float32 = dtype("float32", np.float32, 2)
float64 = dtype("float64", np.float64, 2)
float16 = dtype("float16", np.float16, 2)
bfloat16 = float16  # NumPy has no bfloat16; closest storage type
int64 = dtype("int64", np.int64, 1)
int32 = dtype("int32", np.int32, 1)
int16 = dtype("int16", np.int16, 1)
int8 = dtype("int8", np.int8, 1)
uint8 = dtype("uint8", np.uint8, 1)
bool_ = dtype("bool", np.bool_, 0)

float = float32
double = float64
half = float16
long = int64
int = int32
short = int16

_ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool_)
_FROM_NP = {d.np: d for d in _ALL}
for _d in _ALL:
    _FROM_NP[_d.np.type] = _d

_default_float = [float32]


def get_default_dtype() -> dtype:
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    if d not in (float32, float64, float16):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


def from_np(np_dtype) -> dtype:
    """chainrule dtype for a NumPy dtype; raises TypeError for unsupported ones."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_np(d) -> np.dtype:
    """NumPy dtype for a chainrule dtype, a NumPy dtype or a Python type."""
    if isinstance(d, dtype):
        return d.np
    if d is builtins_float:
        return _default_float[0].np
    if d is builtins_int:
        return np.dtype(np.int64)
    if d is builtins_bool:
        return np.dtype(np.bool_)
    return from_np(d).np


import builtins as _b  # noqa: E402

builtins_float, builtins_int, builtins_bool = _b.float, _b.int, _b.bool

# numpy dtype -> category
_CAT = {d.np: d._cat for d in _ALL}
_DEFAULT_INT = np.dtype(np.int64)
_BOOL = np.dtype(np.bool_)


def _promote_np(a: np.dtype, b: np.dtype) -> np.dtype:
    """Promote two NumPy dtypes of tensors of equal priority, torch-style."""
    if a == b:
        return a
    ca, cb = _CAT[a], _CAT[b]
    if ca != cb:
        return a if ca > cb else b
    if ca == 2:
        return a if a.itemsize >= b.itemsize else b
    # integers: uint8 with signed -> next signed size that holds both
    return np.promote_types(a, b)


def scalar_category(x) -> int:
    if isinstance(x, _b.bool):
        return 0
    if isinstance(x, _b.int):
        return 1
    return 2


def result_np(arrays_dim, arrays_zero, scalars) -> np.dtype:
    """Result NumPy dtype from dtypes of dimensioned tensors, 0-d tensors and Python scalars."""
    res = None
    for d in arrays_dim:
        res = d if res is None else _promote_np(res, d)
    for group in (arrays_zero,):
        r0 = None
        for d in group:
            r0 = d if r0 is None else _promote_np(r0, d)
        if r0 is not None:
            if res is None:
                res = r0
            elif _CAT[r0] > _CAT[res]:
                res = r0 if _CAT[r0] == 1 else r0
    for s in scalars:
        c = scalar_category(s)
        if res is None:
            res = (_BOOL, _DEFAULT_INT, _default_float[0].np)[c]
        elif c > _CAT[res]:
            res = (_BOOL, _DEFAULT_INT, _default_float[0].np)[c]
    return res


def infer_np_dtype(data) -> np.dtype:
    """dtype torch.tensor() would pick for nested Python data."""
    kind = 0
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, _b.bool) or isinstance(x, np.bool_):
            pass
        elif isinstance(x, (_b.int, np.integer)):
            kind = max(kind, 1)
        elif isinstance(x, np.ndarray):
            kind = max(kind, _CAT.get(x.dtype, 2))
        elif hasattr(x, "_data") and hasattr(x, "grad_fn"):
            kind = max(kind, _CAT.get(x._data.dtype, 2))
        else:
            kind = 2
            break
    return (_BOOL, _DEFAULT_INT, _default_float[0].np)[kind]


_CTYPE = {"int64": "int64_t", "int32": "int", "int16": "short", "int8": "int8_t", "float32": "float"}


def check_scalar_fits(value, np_dtype: np.dtype) -> None:
    """torch's check when a Python number is written into a tensor: a value the dtype cannot hold (nan or inf
    into an integer dtype, or out of range) raises instead of silently wrapping to garbage."""
    kind = np_dtype.kind
    if kind not in "if" or isinstance(value, (_b.bool, np.bool_)) or np_dtype.name not in _CTYPE:
        return
    if kind == "i":
        info = np.iinfo(np_dtype)
        fits = info.min <= value <= info.max  # False for nan
    else:
        big = _b.abs(_b.float(value))
        fits = not (_b.float(np.finfo(np_dtype).max) < big < _b.float("inf"))
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_CTYPE[np_dtype.name]} without overflow")
