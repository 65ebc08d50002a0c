"""``torch.testing.assert_close``: compare tensors, numbers and nested containers of them.

Two values are close when ``|actual - expected| <= atol + rtol * |expected|`` elementwise (equal
infinities count as close, NaNs only with ``equal_nan``). Default tolerances depend on the dtype,
as in torch: float16 (1e-3, 1e-5), float32 (1.3e-6, 1e-5), float64 (1e-7, 1e-7), integers and bool
exact. Failure messages name the number of mismatches and the worst absolute and relative
difference with its index.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np

from . import _dtype as D
from ._tensor import Tensor

_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}


class _Mismatch(AssertionError):
    pass


def _tolerances(*dtypes) -> tuple[float, float]:
    pairs = [_TOLERANCES.get(np.dtype(d), (0.0, 0.0)) for d in dtypes]
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def assert_close(
    actual,
    expected,
    *,
    allow_subclasses: bool = True,
    rtol: float | None = None,
    atol: float | None = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg=None,
) -> None:
    """Raise AssertionError (with torch's wording) unless ``actual`` and ``expected`` are close."""
    if (rtol is None) != (atol is None):
        missing = "rtol" if rtol is None else "atol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    try:
        _compare(actual, expected, rtol, atol, equal_nan, check_dtype, "")
    except _Mismatch as e:
        text = str(e)
        if callable(msg):
            text = msg(text)
        elif msg is not None:
            text = msg
        raise AssertionError(text) from None


def _compare(actual, expected, rtol, atol, equal_nan, check_dtype, where) -> None:
    if isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray):
        actual, expected = Tensor._make(actual, False, None, 0), Tensor._make(expected, False, None, 0)
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        return _tensors(actual, expected, rtol, atol, equal_nan, check_dtype, where)
    if _is_number(actual) and _is_number(expected):
        return _scalars(actual, expected, rtol, atol, equal_nan, where)
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        if set(actual) != set(expected):
            raise _Mismatch(
                "The keys of the mappings do not match:\n"
                f"Missing keys in the actual mapping: {sorted(map(repr, set(expected) - set(actual)))}\n"
                f"Extra keys in the actual mapping: {sorted(map(repr, set(actual) - set(expected)))}" + where
            )
        for k in expected:
            _compare(actual[k], expected[k], rtol, atol, equal_nan, check_dtype, where or f"[{k!r}]")
        return None
    if _is_seq(actual) and _is_seq(expected):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}" + where)
        for i, (a, b) in enumerate(zip(actual, expected)):
            _compare(a, b, rtol, atol, equal_nan, check_dtype, where or f"[{i}]")
        return None
    raise TypeError(f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.")


def _is_number(x) -> bool:
    return isinstance(x, numbers.Number) and not isinstance(x, Tensor)


def _is_seq(x) -> bool:
    return isinstance(x, Sequence) and not isinstance(x, str)


def _suffix(where: str) -> str:
    return f"\n\nThe failure occurred for item {where}" if where else ""


def _tensors(actual, expected, rtol, atol, equal_nan, check_dtype, where) -> None:
    a, e = actual._data, expected._data
    if a.shape != e.shape:
        raise _Mismatch(
            f"The values for attribute 'shape' do not match: {actual.shape!r} != {expected.shape!r}." + _suffix(where)
        )
    if check_dtype and a.dtype != e.dtype:
        da, de = D.from_np(a.dtype), D.from_np(e.dtype)
        raise _Mismatch(f"The values for attribute 'dtype' do not match: {da!r} != {de!r}." + _suffix(where))
    if rtol is None:
        rtol, atol = _tolerances(a.dtype, e.dtype)
    common = np.result_type(a, e)
    if common.kind in "biu":
        ai, ei = a.astype(np.int64), e.astype(np.int64)
        abs_diff = np.abs(ai - ei)
        close = abs_diff <= atol + rtol * np.abs(ei)
        if close.all():
            return
        with np.errstate(divide="ignore", invalid="ignore"):
            rel_diff = abs_diff.astype(np.float32) / np.abs(ei).astype(np.float32)
        return _fail(abs_diff, rel_diff, close, rtol, atol, where, int, ai, ei)
    af, ef = a.astype(common), e.astype(common)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        abs_diff = np.abs(af - ef)
        close = (af == ef) | (np.isfinite(ef) & (abs_diff <= atol + rtol * np.abs(ef)))
        if equal_nan:
            close |= np.isnan(af) & np.isnan(ef)
        if close.all():
            return
        rel_diff = abs_diff / np.abs(ef)
    abs_diff = np.where(close, 0, abs_diff)
    rel_diff = np.where(close, 0, rel_diff)
    return _fail(abs_diff, rel_diff, close, rtol, atol, where, float, af, ef)


def _fail(abs_diff, rel_diff, close, rtol, atol, where, kind, a=None, e=None) -> None:
    if close.ndim == 0:  # one element: torch words it like two Python numbers
        return _scalar_fail(kind(a), kind(e), rtol, atol, where)
    n, bad = close.size, int(close.size - np.count_nonzero(close))
    exact = rtol == 0 and atol == 0
    ia = np.unravel_index(int(np.argmax(abs_diff)), close.shape) if close.ndim else ()
    ir = np.unravel_index(int(np.argmax(rel_diff)), close.shape) if close.ndim else ()
    va, vr = kind(abs_diff[ia]), float(rel_diff[ir])
    loc_a = f" at index {tuple(int(i) for i in ia)}" if close.ndim else ""
    loc_r = f" at index {tuple(int(i) for i in ir)}" if close.ndim else ""
    lines = [
        f"Tensor-likes are not {'equal' if exact else 'close'}!",
        "",
        f"Mismatched elements: {bad} / {n} ({100.0 * bad / n:.1f}%)",
        f"Greatest absolute difference: {va}{loc_a}" + ("" if exact else f" (up to {atol} allowed)"),
        f"Greatest relative difference: {vr}{loc_r}" + ("" if exact else f" (up to {rtol} allowed)"),
    ]
    raise _Mismatch("\n".join(lines) + _suffix(where))


def _scalars(actual, expected, rtol, atol, equal_nan, where) -> None:
    is_int = all(isinstance(x, (bool, int)) for x in (actual, expected))
    if rtol is None:
        rtol, atol = (0.0, 0.0) if is_int else (1e-7, 1e-7)
    if actual == expected or (equal_nan and actual != actual and expected != expected):
        return
    diff = abs(actual - expected)
    if not is_int and diff == diff and abs(expected) != float("inf") and diff <= atol + rtol * abs(expected):
        return
    return _scalar_fail(actual, expected, rtol, atol, where)


def _scalar_fail(actual, expected, rtol, atol, where) -> None:
    diff = abs(actual - expected)
    rel = diff / abs(expected) if expected else float("inf")
    exact = rtol == 0 and atol == 0
    lines = [
        f"Scalars are not {'equal' if exact else 'close'}!",
        "",
        f"Expected {expected} but got {actual}.",
        f"Absolute difference: {diff}" + ("" if exact else f" (up to {atol} allowed)"),
        f"Relative difference: {rel}" + ("" if exact else f" (up to {rtol} allowed)"),
    ]
    raise _Mismatch("\n".join(lines) + _suffix(where))


__all__ = ["assert_close"]
