"""Searching, combinatorics, creation helpers and the ``torch.<name>_`` in-place forms of torch's top-level
namespace (identities, fill, integration, finite differences, chain products, threshold: ``_misc_extra2``).

Searches (searchsorted, bucketize, isin, unravel_index) return integer or bool tensors outside the graph. The
differentiable ops are compositions of Tensor ops, or an op whose backward is Tensor ops, so double backward works.
"""

from __future__ import annotations

import builtins
import numbers
import operator
import sys
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import _TORCH_NAME, Size, Tensor
from ..autograd.function import Function
from ..backend import xp
from ._join import stack
from ._misc_extra2 import (
    chain_matmul,
    clone,
    cumulative_trapezoid,
    fill,
    frobenius_norm,
    gradient,
    imag,
    positive,
    real,
    rms_norm,
    threshold,
    threshold_,
    trapezoid,
    trapz,
)
from ._util import scalar_value, shape_str
from .linalg import _into

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _const(arr) -> Tensor:
    return _make(arr, False, None, 0)


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, (str, bytes))


# ---- searching ------------------------------------------------------------------------------------------
def _search_operands(seq, values, name):
    """Arrays of the boundaries and the values in their common dtype (a 0-d or Python value is weak)."""
    if not isinstance(seq, Tensor) or not (isinstance(values, Tensor) or _is_number(values)):
        got = ", ".join(type(x).__name__ for x in (seq, values))
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got ({got}), but expected "
            "(Tensor sorted_sequence, Tensor input) or (Tensor sorted_sequence, Number self)"
        )
    sd = seq._data
    dims, zeros, scalars = [], [], []
    (dims if sd.ndim else zeros).append(sd.dtype)
    if isinstance(values, Tensor):
        vd = values._data
        (dims if vd.ndim else zeros).append(vd.dtype)
    else:
        v = scalar_value(values)
        scalars.append(v)
        vd = np.asarray(v)
    dt = D.result_np(dims, zeros, scalars)
    return sd, vd, dt


def _check_search(sd, vd, sorter, side, right) -> None:
    p = "torch.searchsorted(): "
    if side is not None and side not in ("left", "right"):
        raise RuntimeError(f"{p}side can only be 'left' or 'right' but got {side}")
    if sorter is not None:
        od = sorter._data
        if od.shape != sd.shape:
            raise RuntimeError(
                f"{p}boundary and sorter must have the same size, but got boundary tensor "
                f"{shape_str(sd.shape)}and got sorter tensor {shape_str(od.shape)}"
            )
        if od.dtype != np.int64:
            raise RuntimeError(f"{p}sorter must be a tensor of long dtype but got dtype {_TORCH_NAME[od.dtype.name]}")
        if od.size and (od.min() < 0 or od.max() >= sd.shape[-1]):
            raise RuntimeError(f"{p}sorter index out of range")
    if vd.ndim == 0 and sd.ndim != 1:
        raise RuntimeError(
            f"{p}input value can be a scalar only when boundaries tensor dimension is 1, but we got "
            f"boundaries tensor dim({sd.ndim}) and input value's dim(0) numel(1)"
        )
    if sd.ndim != 1 and (sd.ndim != vd.ndim or sd.shape[:-1] != vd.shape[:-1]):
        raise RuntimeError(
            f"{p}boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and "
            f"input value tensor must match, but we got boundaries tensor {shape_str(sd.shape)} and input "
            f"value tensor {shape_str(vd.shape)}"
        )
    if side == "left" and right:
        raise RuntimeError(f"{p}side and right can't be set to opposites, got side of left while right was True")


def _lower_upper(sd, vd, right: bool):
    """Insertion points of ``vd`` in the last dim of ``sd`` (torch's binary search, NaN handling included)."""
    n = sd.shape[-1]
    if vd.size == 0 or n == 0:
        return np.zeros(vd.shape, np.int64)
    if sd.ndim == 1 and not (sd.dtype.kind == "f" and np.isnan(sd).any()):
        return np.asarray(np.searchsorted(sd, vd, side="right" if right else "left"))
    s2 = sd.reshape(-1, n)
    v2 = vd.reshape(s2.shape[0], -1) if sd.ndim > 1 else vd.reshape(1, -1)
    lo = np.zeros(v2.shape, np.int64)
    hi = np.full(v2.shape, n, np.int64)
    rows = np.arange(s2.shape[0])[:, None]
    for _ in builtins.range(n.bit_length()):
        mid = (lo + hi) >> 1
        mv = s2[rows, np.minimum(mid, n - 1)]
        # a value moves right past mid unless mid's boundary is >= it (> it for right); NaN values end last
        go = ~(mv > v2) if right else ~(mv >= v2)
        act = lo < hi
        lo = np.where(act & go, mid + 1, lo)
        hi = np.where(act & ~go, mid, hi)
    return lo.reshape(vd.shape)


def _search(sd, vd, dt, right, out_int32):
    if dt == np.bool_:
        raise NotImplementedError("\"searchsorted_out_cpu\" not implemented for 'Bool'")
    res = _lower_upper(sd.astype(dt, copy=False), vd.astype(dt, copy=False), right)
    return _const(res.astype(np.int32 if out_int32 else np.int64, copy=False))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, out=None, sorter=None) -> Tensor:
    """indices at which ``input`` would be inserted into the last dim of ``sorted_sequence`` to keep it sorted"""
    sd, vd, dt = _search_operands(sorted_sequence, input, "searchsorted")
    _check_search(sd, vd, sorter, side, right)
    if sorter is not None:
        sd = np.take_along_axis(sd, sorter._data, axis=-1)
    return _into(out, _search(sd, vd, dt, right or side == "right", out_int32), "searchsorted")


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None) -> Tensor:
    """index of the bucket of each value: boundaries[i-1] < x <= boundaries[i] (< and <= swap with right)"""
    sd, vd, dt = _search_operands(boundaries, input, "bucketize")
    if sd.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({sd.ndim})")
    return _into(out, _search(sd, vd, dt, right, out_int32), "bucketize")


def isin(elements, test_elements, *, assume_unique=False, invert=False) -> Tensor:
    """elementwise membership of ``elements`` in ``test_elements`` (negated with invert)"""
    ok = [isinstance(x, Tensor) or _is_number(x) for x in (elements, test_elements)]
    if not all(ok) or not (isinstance(elements, Tensor) or isinstance(test_elements, Tensor)):
        got = ", ".join(type(x).__name__ for x in (elements, test_elements))
        raise TypeError(
            f"isin() received an invalid combination of arguments - got ({got}), but expected one of "
            "(Tensor elements, Tensor test_elements), (Number element, Tensor test_elements) or "
            "(Tensor elements, Number test_element)"
        )
    dims, zeros, scalars, arrs = [], [], [], []
    for x in (elements, test_elements):
        if isinstance(x, Tensor):
            d = x._data
            (dims if d.ndim else zeros).append(d.dtype)
        else:
            v = scalar_value(x)
            scalars.append(v)
            d = np.asarray(v)
        if d.dtype == np.bool_:
            raise RuntimeError("Unsupported input type encountered for isin(): Bool")
        arrs.append(d)
    dt = D.result_np(dims, zeros, scalars)
    ed, td = (a.astype(dt, copy=False) for a in arrs)
    # uniqueness is only a speed hint; NumPy's unique-assuming path can answer wrongly for repeated values
    return _const(np.asarray(np.isin(ed, td, invert=invert)))


def unravel_index(indices, shape) -> tuple:
    """coordinates, one tensor per dim of ``shape``, of the flat ``indices`` (taken modulo the shape, as torch)"""
    if not isinstance(indices, Tensor):
        raise AttributeError(f"'{type(indices).__name__}' object has no attribute 'is_complex'")
    d = indices._data
    if d.dtype.kind in "fb":
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, (int, np.integer)):
        shape = (int(shape),)
    elif isinstance(shape, (list, tuple)):
        for s in shape:
            if not isinstance(s, (int, np.integer)):
                raise TypeError(f"expected 'shape' sequence to only contain ints, but got {type(s)}")
        shape = tuple(int(s) for s in shape)
    else:
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    if any(s < 0 for s in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    if 0 in shape and d.size:
        raise RuntimeError("ZeroDivisionError")
    idx = d.astype(np.int64, copy=False)
    out, coef = [], 1
    for s in reversed(shape):
        out.append(_const((idx // coef) % s if d.size else np.zeros(d.shape, np.int64)))
        coef *= s
    return tuple(reversed(out))


# ---- combinatorics --------------------------------------------------------------------------------------
class BlockDiag(_Op):
    """d block_diag / d A_i = the i-th diagonal block of the gradient"""

    @staticmethod
    def forward(ctx, *tensors):
        datas = [t._data for t in tensors]
        dt = D.result_np([d.dtype for d in datas if d.ndim], [d.dtype for d in datas if not d.ndim], ())
        blocks = [d if d.ndim == 2 else d.reshape(1, d.size) for d in datas]
        out = xp.zeros((builtins.sum(b.shape[0] for b in blocks), builtins.sum(b.shape[1] for b in blocks)), dt)
        spans, r, c = [], 0, 0
        for d, b in zip(datas, blocks):
            h, w = b.shape
            out[r : r + h, c : c + w] = b
            spans.append((r, r + h, c, c + w, d.shape))
            r, c = r + h, c + w
        ctx.spans = spans
        return out

    @staticmethod
    def backward(ctx, g):
        return tuple(
            g[r0:r1, c0:c1].reshape(shape) if need else None
            for need, (r0, r1, c0, c1, shape) in zip(ctx.needs_input_grad, ctx.spans)
        )


def block_diag(*tensors) -> Tensor:
    """block-diagonal matrix of the inputs (0-d and 1-d ones as 1 x n blocks)"""
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
        if t._data.ndim > 2:
            raise RuntimeError(
                f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                f"{t._data.ndim} dimensions"
            )
    if not tensors:
        return _const(xp.zeros((1, 0), D.get_default_dtype().np))
    return BlockDiag.apply(*tensors)


def _check_vector(t) -> None:
    if not isinstance(t, Tensor):
        raise TypeError(f"expected Tensor, but got {type(t).__name__}")
    if t._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {shape_str(t._data.shape)}")


def cartesian_prod(*tensors) -> Tensor:
    """rows of every combination of one element from each 1-D input (itertools.product order)"""
    for t in tensors:
        _check_vector(t)
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if len(tensors) == 1:
        return tensors[0]
    if len({t._data.dtype for t in tensors}) > 1:
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    sizes = tuple(t._data.shape[0] for t in tensors)
    n = len(tensors)
    cols = [
        t.reshape((1,) * i + (s,) + (1,) * (n - i - 1)).expand(sizes).reshape(-1)
        for i, (t, s) in enumerate(zip(tensors, sizes))
    ]
    return stack(cols, 1)


def _combination_rows(n: int, r: int, with_replacement: bool):
    """(K, r) index rows of the r-combinations of range(n) in lexicographic order, built column by column."""
    first = np.arange(n)
    rows = first[:, None]
    side = "left" if with_replacement else "right"
    i = np.arange(n)
    for _ in builtins.range(r - 1):
        # prefix i joins every suffix row whose first index is > i (>= i with replacement)
        start = np.searchsorted(first, i, side=side)
        counts = len(first) - start
        total = int(counts.sum())
        pre = np.repeat(i, counts)
        offs = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts) + np.repeat(start, counts)
        rows = np.concatenate([pre[:, None], rows[offs]], axis=1)
        first = pre
    return rows


def combinations(input, r: int = 2, with_replacement: bool = False) -> Tensor:
    """rows of the length-r combinations of a 1-D tensor's elements (itertools order)"""
    _check_vector(input)
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return _const(xp.empty((0,), input._data.dtype))
    rows = _combination_rows(input._data.shape[0], r, with_replacement)
    return stack([input[_const(np.ascontiguousarray(rows[:, j]))] for j in builtins.range(r)], 1)


# ---- creation and identities ----------------------------------------------------------------------------
def scalar_tensor(s, *, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False) -> Tensor:
    """0-d tensor holding the number ``s`` (default floating dtype unless ``dtype`` is given)"""
    if isinstance(s, Tensor):
        if s._data.ndim:
            raise TypeError("scalar_tensor(): argument 's' (position 1) must be Number, not Tensor")
        s = s._data.item()
    if not _is_number(s):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}")
    v = scalar_value(s)
    if type(v) is int and not -(2**63) <= v < 2**63:
        raise OverflowError("int too big to convert")
    dt = D.to_np(dtype) if dtype is not None else D.get_default_dtype().np
    D.check_scalar_fits(v, dt)
    t = _const(np.asarray(v).astype(dt))
    if requires_grad:
        t.requires_grad_(True)
    return t


def broadcast_shapes(*shapes) -> Size:
    """shape that tensors of all the given shapes broadcast to"""
    shapes = [(s,) if isinstance(s, (int, np.integer)) else s for s in shapes if s is not None]
    for s in shapes:
        if not isinstance(s, (list, tuple)):
            raise RuntimeError(f"Input shapes should be of type ints, a tuple of ints, or a list of ints, got {s}")
    common = [1] * builtins.max((len(s) for s in shapes), default=0)
    for k, s in enumerate(shapes):
        for i in builtins.range(-1, -1 - len(s), -1):
            if s[i] == common[i]:
                continue
            if common[i] == 1:
                if s[i] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[i] = s[i]
            elif s[i] != 1:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {s[i]} at {i}! Mismatching argument at index "
                    f"{k} had {tuple(s)}; but expected shape should be broadcastable to {common}"
                )
    for i, c in enumerate(common):
        try:
            common[i] = operator.index(c)
        except TypeError:
            raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is '{type(c).__name__}')") from None
    return Size(common)


_RANGE_WARNING = (
    "torch.range is deprecated and will be removed in a future release because its behavior is inconsistent "
    "with Python's range builtin. Instead, use torch.arange, which produces values in [start, end)."
)


def _range_number(x, name: str, pos: int):
    if isinstance(x, Tensor) and x._data.size == 1:
        return x._data.item()
    if not _is_number(x):
        raise TypeError(f"range(): argument '{name}' (position {pos}) must be Number, not {type(x).__name__}")
    return scalar_value(x)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad=False) -> Tensor:
    """values start, start + step, ... up to and including ``end`` (deprecated in torch in favour of arange)"""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    start, end, step = (_range_number(v, n, i) for v, n, i in ((start, "start", 1), (end, "end", 2), (step, "step", 3)))
    warnings.warn(_RANGE_WARNING, UserWarning, stacklevel=2)
    dt = D.to_np(dtype) if dtype is not None else D.get_default_dtype().np
    if dt == np.bool_:
        raise NotImplementedError("\"range_cpu\" not implemented for 'Bool'")
    ds, de, dst = float(start), float(end), float(step)
    if dst == 0:
        raise RuntimeError("step must be nonzero")
    if not (np.isfinite(ds) and np.isfinite(de)):
        raise RuntimeError(f"unsupported range: {ds:g} -> {de:g}")
    if not ((dst > 0 and de >= ds) or (dst < 0 and de <= ds)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt.kind == "f":
        # torch accumulates in double (float for half precision) and rounds each value once
        acc = np.float64 if dt.itemsize >= 4 else np.float32
        xs, xe, xst = acc(start), acc(end), acc(step)
        size = int((xe - xs) / xst + acc(1))
        vals = xs + np.arange(size, dtype=acc) * xst
    else:
        xs, xe, xst = int(start), int(end), int(step)
        if xst == 0:
            raise RuntimeError("step must be nonzero")
        size = abs(xe - xs) // abs(xst) + 1
        vals = xs + np.arange(size, dtype=np.int64) * xst
    res = _const(vals.astype(dt))
    if requires_grad:
        res.requires_grad_(True)
    return _into(out, res, "range", True)


# ---- top-level forms of in-place methods ---------------------------------------------------------------
_TORCH_INPLACE = (
    "abs acos acosh addmv arccos arccosh arcsin arcsinh arctan arctanh asin asinh atan atanh ceil clamp clamp_max "
    "clamp_min clip cos cosh deg2rad detach erf erfc exp exp2 expm1 fill fix floor frac gcd i0 index_put lcm ldexp "
    "log log10 log1p log2 logit nan_to_num neg negative rad2deg reciprocal relu round rsqrt sigmoid sin sinc sinh "
    "sqrt square tan tanh trunc xlogy zero"
).split()


def _bound_later(name: str) -> bool:
    """The method exists on Tensor, or an ops module already loaded binds it once the package is assembled."""
    if hasattr(Tensor, name):
        return True
    pkg = __name__.rpartition(".")[0] + "."
    mods = [m for k, m in list(sys.modules.items()) if k.startswith(pkg) and m is not None]
    return builtins.any(name in getattr(m, "TENSOR_METHODS", ()) for m in mods)


def _top_level_inplace(name: str):
    def fn(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)

    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, ...)``: ``input.{name}(...)``, writing into ``input``."
    return fn


_INPLACE_FUNCS = [n + "_" for n in _TORCH_INPLACE if _bound_later(n + "_")]
for _n in _INPLACE_FUNCS:
    globals()[_n] = _top_level_inplace(_n)

if "real" not in Tensor.__dict__:
    Tensor.real = property(real, doc="real part: the tensor itself for real dtypes")
if "imag" not in Tensor.__dict__:
    Tensor.imag = property(imag, doc="imaginary part (complex tensors only)")

__all__ = [
    "searchsorted",
    "bucketize",
    "isin",
    "unravel_index",
    "block_diag",
    "cartesian_prod",
    "combinations",
    "scalar_tensor",
    "broadcast_shapes",
    "range",
    "clone",
    "positive",
    "real",
    "imag",
    "fill",
    "trapezoid",
    "trapz",
    "cumulative_trapezoid",
    "gradient",
    "chain_matmul",
    "frobenius_norm",
    "threshold",
    "threshold_",
    "rms_norm",
] + _INPLACE_FUNCS
TENSOR_METHODS: list[str] = ["positive"]
