"""Statistics and counting: cov, corrcoef, nanmedian, mode, msort, histc, bincount, unique, unique_consecutive.

Where torch reports an index among equal values, the index is the one torch's CPU kernel reports:
nanmedian's partition orders equal values by position; mode sorts with libstdc++'s (unstable) std::sort,
which is emulated for the slices whose answer depends on it.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ..backend import xp
from ._select import _Pick, _pick_dim, return_types, sort
from ._util import wrap_dim
from .reduce import _Extreme

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _const(arr) -> Tensor:
    return _make(arr, False, None, 0)


def _tn(d) -> str:
    return _TORCH_NAME[str(d.dtype)]


class _NoDerivative(_Op):
    """An op torch records in the graph but does not differentiate: backward raises torch's error."""

    @staticmethod
    def forward(ctx, a, outs, node, exc, msg):
        ctx._node_name = node
        ctx.exc, ctx.msg = exc, msg
        return outs

    @staticmethod
    def backward(ctx, *grads):
        raise ctx.exc(ctx.msg)


def _no_derivative(src, outs, node, exc, msg):
    if isinstance(src, Tensor) and src._rg:
        return _NoDerivative.apply(src, outs, node, exc, msg)
    return tuple(_const(o) for o in outs) if isinstance(outs, tuple) else _const(outs)


# ---- cov / corrcoef ---------------------------------------------------------------------------------
def _check_weights(name, w, nobs, integral):
    d = w._data
    if d.ndim > 1:
        raise RuntimeError(
            f"cov(): expected {name} to have one or fewer dimensions but got {name} with {d.ndim} dimensions"
        )
    ok = d.dtype.kind in "iu" if integral else d.dtype.kind == "f"
    if not ok:
        kind = "integral" if integral else "floating point"
        raise RuntimeError(f"cov(): expected {name} to have {kind} dtype but got {name} with {_tn(d)} dtype")
    if d.size != nobs:
        raise RuntimeError(
            f"cov(): expected {name} to have the same numel as there are observations in the input but got "
            f"{d.size} != {nobs}"
        )
    if nobs and d.min() < 0:
        raise RuntimeError(f"cov(): {name} cannot be negative")


def cov(input, *, correction=1, fweights=None, aweights=None) -> Tensor:
    """covariance of the rows (variables) over the columns (observations), optionally weighted"""
    d = input._data
    if d.ndim > 2:
        raise RuntimeError(
            f"cov(): expected input to have two or fewer dimensions but got an input with {d.ndim} dimensions"
        )
    if d.dtype == np.bool_:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input if d.ndim == 2 else input.view(1, -1)
    nobs = x._data.shape[1]
    w = None
    if fweights is not None:
        _check_weights("fweights", fweights, nobs, True)
        w = fweights
    if aweights is not None:
        _check_weights("aweights", aweights, nobs, False)
        w = aweights if w is None else w * aweights
    w_sum = nobs if w is None else w.sum()
    if w is not None and w_sum._data == 0:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x if w is None else x * w).sum(1) / w_sum
    if w is None:
        norm = nobs - correction
    elif correction == 0:
        norm = w_sum
    elif aweights is None:
        norm = w_sum - correction
    elif fweights is None and nobs == 1 and correction == 1:
        norm = 0
    else:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    if float(norm._data if isinstance(norm, Tensor) else norm) <= 0:
        warnings.warn(
            "cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of observations.",
            UserWarning,
            stacklevel=2,
        )
        norm = _const(xp.zeros((), norm._data.dtype)) if isinstance(norm, Tensor) else 0
    if nobs == 1 and (fweights is None) != (aweights is None):
        # one observation with one kind of weight: the weighted mean is the observation itself
        xc = _const(xp.zeros(x._data.shape, x._data.dtype if x._data.dtype.kind == "f" else np.float32))
    else:
        xc = x - avg.unsqueeze(1)
    c = xc.mm((xc if w is None else xc * w).t())
    return (c / norm).squeeze()


def corrcoef(input) -> Tensor:
    """Pearson correlation coefficients: cov / (std_i std_j), clipped to [-1, 1]"""
    d = input._data
    if d.ndim > 2:
        raise RuntimeError(
            f"corrcoef(): expected input to have two or fewer dimensions but got an input with {d.ndim} dimensions"
        )
    c = cov(input)
    if c._data.ndim == 0:
        return c / c
    std = c.diagonal().sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    return c.clip(-1, 1)


# ---- nanmedian ------------------------------------------------------------------------------------------
def _nan_or_min(dt):
    """torch's value for an empty integer nanmedian: NaN cast to the integer type."""
    return xp.asarray(np.nan if dt.kind == "f" else np.iinfo(dt).min, dtype=dt)


def _np_nanmedian_all(d, axes, keepdim):
    flat = d.reshape(-1)
    if d.dtype.kind == "f":
        flat = flat[~xp.isnan(flat)]
    n = flat.size
    if n == 0:
        return _nan_or_min(d.dtype)
    k = (n - 1) // 2
    return xp.asarray(xp.partition(flat, k)[k])


class NanmedianAll(_Extreme):
    """lower median of the non-NaN elements; the gradient is shared evenly among elements equal to it"""

    _node_name = "NanmedianBackward0"
    fn = staticmethod(_np_nanmedian_all)
    nan_aware = True


_NTH_CACHE: dict = {}


def _nth_all_equivalent(n: int) -> int:
    """Index std::nth_element(first, first, last) leaves at the front when every element compares equivalent.

    torch partitions an all-NaN slice this way; with no comparison true, libstdc++'s introselect only swaps
    the median-of-three candidate to the front and mirrors the rest, so the answer depends on n alone.
    Positions are traced back from the front through each round's swaps.
    """
    if n not in _NTH_CACHE:
        rounds = []
        last = n
        while last > 3:
            mid = last // 2
            t = (last - 1) // 2  # swaps made by the unguarded partition of [1, last)
            rounds.append((last, mid, t))
            last = 1 + t
        pos = 0
        for last, mid, t in reversed(rounds):
            if 1 <= pos <= t:
                pos = last - pos
            elif last - t <= pos <= last - 1:
                pos = last - pos
            if pos == 0:
                pos = mid
            elif pos == mid:
                pos = 0
        _NTH_CACHE[n] = pos
    return _NTH_CACHE[n]


def _nanmedian_pick(d, dim):
    n = d.shape[dim]
    s = xp.argsort(d, axis=dim, kind="stable")  # NaN last, equal values by position: torch's order
    kshape = s.shape[:dim] + (1,) + s.shape[dim + 1 :]
    if d.dtype.kind != "f":
        return xp.take_along_axis(s, xp.full(kshape, (n - 1) // 2, np.int64), dim)
    valid = n - xp.isnan(d).sum(axis=dim, keepdims=True)
    idx = xp.take_along_axis(s, xp.maximum(valid - 1, 0) // 2, dim)
    return xp.where(valid == 0, _nth_all_equivalent(n), idx)


class NanmedianDim(_Pick):
    _node_name = "NanmedianBackward1"
    pick = staticmethod(_nanmedian_pick)


def nanmedian(input, dim=None, keepdim=False):
    """lower median ignoring NaN: of all elements (ties share the gradient), or ``(values, indices)`` along ``dim``"""
    d = input._data
    if d.dtype == np.bool_:
        raise NotImplementedError(f"\"{'median_cpu' if dim is None else 'median_out'}\" not implemented for 'Bool'")
    if dim is None:
        return NanmedianAll.apply(input, None, False)
    return return_types.nanmedian(*_pick_dim(NanmedianDim, "median", input, dim, keepdim))


# ---- mode: libstdc++ std::sort on (value, index) pairs, compared by value ---------------------------------
def _std_sort(v: list, ix: list) -> None:
    """Sort ``v`` (carrying ``ix``) exactly as libstdc++'s std::sort with ``a < b``: introsort, then insertion."""
    n = len(v)
    if n > 1:
        _introsort(v, ix, 0, n, 2 * (n.bit_length() - 1))
        if n > 16:
            _insertion(v, ix, 0, 16)
            for i in range(16, n):
                _linear_insert(v, ix, i)
        else:
            _insertion(v, ix, 0, n)


def _swap(v, ix, i, j):
    v[i], v[j] = v[j], v[i]
    ix[i], ix[j] = ix[j], ix[i]


def _introsort(v, ix, first, last, depth):
    while last - first > 16:
        if depth == 0:
            _heap_sort(v, ix, first, last)
            return
        depth -= 1
        a, b, c = first + 1, first + (last - first) // 2, last - 1
        if v[a] < v[b]:
            pick = b if v[b] < v[c] else (c if v[a] < v[c] else a)
        else:
            pick = a if v[a] < v[c] else (c if v[b] < v[c] else b)
        _swap(v, ix, first, pick)
        lo, hi, p = first + 1, last, v[first]
        while True:
            while v[lo] < p:
                lo += 1
            hi -= 1
            while p < v[hi]:
                hi -= 1
            if not lo < hi:
                break
            _swap(v, ix, lo, hi)
            lo += 1
        _introsort(v, ix, lo, last, depth)
        last = lo


def _insertion(v, ix, first, last):
    for i in range(first + 1, last):
        if v[i] < v[first]:
            val, iv = v[i], ix[i]
            v[first + 1 : i + 1] = v[first:i]
            ix[first + 1 : i + 1] = ix[first:i]
            v[first], ix[first] = val, iv
        else:
            _linear_insert(v, ix, i)


def _linear_insert(v, ix, i):
    val, iv = v[i], ix[i]
    j = i - 1
    while val < v[j]:
        v[i], ix[i] = v[j], ix[j]
        i = j
        j -= 1
    v[i], ix[i] = val, iv


def _heap_sort(v, ix, first, last):
    """std::partial_sort(first, last, last): make_heap, then pop_heap down to one element."""
    n = last - first
    for parent in range((n - 2) // 2, -1, -1):
        _adjust_heap(v, ix, first, parent, n, v[first + parent], ix[first + parent])
    while last - first > 1:
        last -= 1
        val, iv = v[last], ix[last]
        v[last], ix[last] = v[first], ix[first]
        _adjust_heap(v, ix, first, 0, last - first, val, iv)


def _adjust_heap(v, ix, first, hole, n, val, iv):
    top = hole
    child = hole
    while child < (n - 1) // 2:
        child = 2 * (child + 1)
        if v[first + child] < v[first + child - 1]:
            child -= 1
        v[first + hole], ix[first + hole] = v[first + child], ix[first + child]
        hole = child
    if n % 2 == 0 and child == (n - 2) // 2:
        child = 2 * (child + 1)
        v[first + hole], ix[first + hole] = v[first + child - 1], ix[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and v[first + parent] < val:
        v[first + hole], ix[first + hole] = v[first + parent], ix[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    v[first + hole], ix[first + hole] = val, iv


def _mode_emulated(row) -> int:
    v = row.tolist()
    ix = list(range(len(v)))
    _std_sort(v, ix)
    best = freq = run = 0
    for i in range(len(v)):
        run += 1
        if i == len(v) - 1 or v[i] != v[i + 1]:
            if run > freq:
                best, freq = ix[i], run
            run = 0
    return best


def _mode_pick(d, dim):
    x = xp.moveaxis(d, dim, -1)
    lead, n = x.shape[:-1], x.shape[-1]
    rows = x.reshape(-1, n)
    if n == 1 or rows.shape[0] == 0:
        idx = xp.zeros(rows.shape[0], np.int64)
    else:
        # the last element of the first longest run in stable sorted order
        s = xp.argsort(rows, axis=1, kind="stable")
        srt = xp.take_along_axis(rows, s, 1)
        pos = xp.arange(n)
        start = xp.ones(rows.shape, bool)
        start[:, 1:] = srt[:, 1:] != srt[:, :-1]
        end = xp.ones(rows.shape, bool)
        end[:, :-1] = start[:, 1:]
        run = xp.where(end, pos - xp.maximum.accumulate(xp.where(start, pos, 0), axis=1) + 1, 0)
        at = run.argmax(axis=1)
        idx = s[xp.arange(rows.shape[0]), at]
        # std::sort is an insertion sort (stable) up to 16 elements; beyond that, or with NaN (which
        # compares false both ways), which of equal elements ends a run depends on the sort's moves
        redo = run.max(axis=1) > 1 if n > 16 else xp.zeros(rows.shape[0], bool)
        if rows.dtype.kind == "f":
            redo |= xp.isnan(rows).any(axis=1)
        for r in xp.nonzero(redo)[0]:
            idx[r] = _mode_emulated(rows[r])
    return xp.moveaxis(idx.reshape(lead + (1,)), -1, dim)


class ModeDim(_Pick):
    _node_name = "ModeBackward0"
    pick = staticmethod(_mode_pick)


def mode(input, dim=-1, keepdim=False):
    """``(values, indices)`` of the most frequent value along ``dim`` (the smallest among equally frequent)"""
    return return_types.mode(*_pick_dim(ModeDim, "mode", input, dim, keepdim))


def msort(input) -> Tensor:
    """``input`` sorted along dim 0"""
    return sort(input, 0).values


# ---- histograms ---------------------------------------------------------------------------------------
def _cfmt(x: float, from_data: bool = False) -> str:
    if x != x:
        return "-nan" if from_data else "nan"
    return f"{x:g}"


def histc(input, bins=100, min=0, max=0) -> Tensor:
    """counts in ``bins`` equal-width bins over [min, max] (the data's range when min == max)"""
    if not isinstance(bins, (int, np.integer)) or isinstance(bins, bool):
        raise TypeError(f"histc(): argument 'bins' must be int, not {type(bins).__name__}")
    d = input._data
    lo, hi = float(min), float(max)
    data = False
    if lo == hi and d.size:
        lo, hi, data = float(d.min()), float(d.max()), True
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_cfmt(lo, data)}, {_cfmt(hi, data)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    if d.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_tn(d)}'")
    t = d.dtype.type
    left, right = t(lo), t(hi)
    flat = d.reshape(-1)
    x = flat[(flat >= left) & (flat <= right)]
    # torch's histc maps by division in the input's precision (no search against the edges)
    pos = ((x - left) * t(bins) / (right - left)).astype(np.int64)
    pos[pos == bins] = bins - 1
    return _const(xp.bincount(pos, minlength=bins).astype(d.dtype))


def bincount(input, weights=None, minlength=0) -> Tensor:
    """occurrences of each value 0..max of a 1-D non-negative integer tensor (sums of ``weights`` if given)"""
    d = input._data
    if d.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_tn(d)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if d.ndim != 1 or (d.size and d.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if d.size == 0:
        return _const(xp.zeros(int(minlength), np.int64))
    if weights is not None and (weights._data.ndim != 1 or weights._data.size != d.size):
        raise RuntimeError("weights should be 1-d and have the same length as input")
    nbins = max(int(d.max()) + 1, int(minlength))
    if weights is None:
        return _const(xp.bincount(d, minlength=nbins).astype(np.int64, copy=False))
    wd = weights._data
    dt = wd.dtype if wd.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    out = xp.zeros(nbins, dt)
    xp.add.at(out, d, wd.astype(dt, copy=False))  # in input order, in the weights' precision, as torch
    return _no_derivative(
        weights, out, "NotImplemented", RuntimeError, "derivative for aten::bincount is not implemented"
    )


# ---- unique ---------------------------------------------------------------------------------------------
def _runs(flat_or_rows):
    """Start mask of runs of equal consecutive entries (rows compared whole; NaN never equal)."""
    a = flat_or_rows
    start = xp.ones(a.shape[0], bool)
    if a.shape[0] > 1:
        ne = a[1:] != a[:-1]
        start[1:] = ne if ne.ndim == 1 else ne.any(axis=1)
    return start


def _counts(start, n):
    first = xp.nonzero(start)[0]
    return xp.diff(xp.append(first, n)).astype(np.int64)


def _dim_rows(name, d, dim):
    if d.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    dim = wrap_dim(dim, d.ndim)
    if d.size == 0:
        if sum(1 for s in d.shape if s == 0) > 1:
            raise RuntimeError(f"Number of zero sized dimensions is more than one, so {name} cannot be applied ")
        if d.shape[dim] != 0:
            raise RuntimeError(f"There are 0 sized dimensions, and they aren't selected, so {name} cannot be applied")
    moved = xp.moveaxis(d, dim, 0)
    return dim, moved, moved.reshape(moved.shape[0], math.prod(moved.shape[1:]))


def _finish(input, vals, inv, cnt, return_inverse, return_counts, node, msg):
    outs = (vals,) + ((inv,) if return_inverse else ()) + ((cnt,) if return_counts else ())
    res = _no_derivative(input, outs, node, NotImplementedError, msg)
    return res if len(res) > 1 else res[0]


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """sorted distinct values (or distinct slices along ``dim``), with inverse indices and counts if asked"""
    d = input._data
    if dim is None:
        vals, inv, cnt = xp.unique(d.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        return _finish(
            input,
            vals,
            inv.reshape(d.shape).astype(np.int64, copy=False),
            cnt.astype(np.int64, copy=False),
            return_inverse,
            return_counts,
            "Unique2Backward0",
            "the derivative for '_unique2' is not implemented.",
        )
    dim, moved, rows = _dim_rows("unique", d, dim)
    n = rows.shape[0]
    order = xp.lexsort(rows.T[::-1]) if rows.shape[1] else xp.arange(n)
    srt = rows[order]
    start = _runs(srt)
    inv = xp.empty(n, np.int64)
    inv[order] = xp.cumsum(start) - 1
    vals = xp.moveaxis(moved[order[start]], 0, dim) if n else d.copy()
    return _finish(
        input,
        xp.ascontiguousarray(vals),
        inv,
        _counts(start, n),
        return_inverse,
        return_counts,
        "UniqueDimBackward0",
        "the derivative for 'unique_dim' is not implemented.",
    )


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """the first of each run of equal consecutive values (or slices along ``dim``), with inverse and counts"""
    d = input._data
    if dim is None:
        flat = d.reshape(-1)
        start = _runs(flat)
        vals, inv = flat[start], (xp.cumsum(start) - 1).reshape(d.shape)
        n = flat.size
    else:
        dim, moved, rows = _dim_rows("unique", d, dim)
        n = rows.shape[0]
        start = _runs(rows)
        inv = xp.cumsum(start) - 1
        vals = xp.ascontiguousarray(xp.moveaxis(moved[start], 0, dim)) if n else d.copy()
    return _finish(
        input,
        vals,
        inv.astype(np.int64, copy=False),
        _counts(start, n),
        return_inverse,
        return_counts,
        "UniqueConsecutiveBackward0",
        "the derivative for 'unique_consecutive' is not implemented.",
    )
