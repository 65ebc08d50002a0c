"""Tensor creation: from data, filled, ranges, and random draws from a Generator."""

from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from . import _dtype as D
from . import _rng_math as RM
from ._random import _float_dtype, _gen
from ._tensor import Tensor
from .autograd.function import Function
from .autograd.grad_mode import _state
from .backend import xp

_make = Tensor._make


def _finish(arr, requires_grad):
    t = _make(arr, False, None, 0)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _leaf_np_dtype(x, default_float):
    """dtype torch infers for one leaf of nested data (None for a sequence to descend into)."""
    if isinstance(x, (np.ndarray, np.generic)):  # before float: np.float64 subclasses float
        if x.dtype not in D._CAT:
            D.from_np(x.dtype)  # raises TypeError naming the dtype
        return x.dtype
    if isinstance(x, bool):
        return np.dtype(np.bool_)
    if isinstance(x, int):
        return np.dtype(np.int64)
    if isinstance(x, float):
        return default_float
    if isinstance(x, Tensor):
        return x._data.dtype
    if isinstance(x, numbers.Integral):
        return np.dtype(np.int64)
    if isinstance(x, numbers.Real):
        return default_float
    return None


def _infer(data) -> np.dtype:
    """torch.tensor's dtype inference: promote_types over every leaf (floats -> default dtype)."""
    default_float = D.get_default_dtype().np
    res = None
    stack = [data]
    while stack:
        x = stack.pop()
        dt = _leaf_np_dtype(x, default_float)
        if dt is None:
            if isinstance(x, (list, tuple)):
                stack.extend(x)
                continue
            if x is None or isinstance(x, (str, bytes)):
                raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
            raise TypeError(f"Could not infer dtype of {type(x).__name__}")
        res = dt if res is None else D._promote_np(res, dt)
    return res if res is not None else default_float


def _to_array(data, np_dtype=None):
    """A fresh array holding ``data`` with torch's dtype inference (or ``np_dtype``)."""
    if isinstance(data, Tensor):
        return data._data.astype(np_dtype if np_dtype is not None else data._data.dtype)
    if isinstance(data, np.ndarray):
        D.from_np(data.dtype)
        return data.astype(np_dtype if np_dtype is not None else data.dtype)
    if data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    dt = _infer(data) if np_dtype is None else np_dtype
    if isinstance(data, (list, tuple)) and builtins.any(isinstance(x, Tensor) for x in data):
        data = [_to_array(x, dt) if isinstance(x, Tensor) else x for x in data]
    integral = np.dtype(dt).kind in "iu"
    try:
        arr = np.array(data, dtype=dt)
    except (ValueError, OverflowError) as e:
        _check_rectangular(data)
        if integral:
            return _checked_integers(data, np.dtype(dt))
        raise ValueError(f"expected a rectangular nested sequence of numbers: {e}") from None
    except TypeError as e:
        raise TypeError(f"Could not convert data to a tensor: {e}") from None
    if arr.dtype == object:
        raise ValueError("expected a rectangular nested sequence of numbers")
    if integral and arr.size:
        vals = np.array(data)
        if vals.dtype.kind == "f":  # floats must fit the integer type (torch's checked conversion)
            info = np.iinfo(dt)
            with np.errstate(invalid="ignore"):
                if not np.all((vals >= info.min) & (vals <= info.max)):
                    raise RuntimeError(
                        f"value cannot be converted to type {D.from_np(np.dtype(dt)).name} without overflow"
                    )
    return arr


def _is_seq(x) -> bool:
    return isinstance(x, (list, tuple)) or (isinstance(x, (Tensor, np.ndarray)) and x.ndim > 0)


def _check_rectangular(data) -> None:
    """Raise torch's error for ragged nested lists: the sizes come from the first element at each
    depth, and the first sequence (depth first) whose length differs is reported."""
    sizes = []
    x = data
    while _is_seq(x):
        sizes.append(len(x))
        if not len(x):
            break
        x = x[0]
    stack = [(data, 0)]
    while stack:
        x, dim = stack.pop()
        if dim == len(sizes):
            if _is_seq(x):
                raise TypeError("'list' object cannot be interpreted as an integer")
            continue
        if not _is_seq(x):
            raise TypeError("not a sequence")
        if len(x) != sizes[dim]:
            raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(x)})")
        stack.extend((y, dim + 1) for y in reversed(list(x)))


def _checked_integers(data, dt):
    """Integers from nested Python numbers as torch converts them: a float outside the type's range
    (or NaN) is an error, an int beyond 64 bits is an error, a negative int wraps into an unsigned
    type when its magnitude fits."""
    flat = np.array(data, dtype=object)
    if flat.dtype != object:
        flat = flat.astype(object)
    info = np.iinfo(dt)
    name = D.from_np(dt).name
    out = []
    for v in flat.reshape(-1).tolist():
        if isinstance(v, float):
            if not info.min <= v <= info.max:
                raise RuntimeError(f"value cannot be converted to type {name} without overflow")
            out.append(int(v))
            continue
        if isinstance(v, (list, tuple)):
            raise ValueError("expected a rectangular nested sequence of numbers")
        v = int(v)
        if not -(1 << 63) <= v < (1 << 64) or (v >= 1 << 63 and dt != np.uint64):
            raise ValueError("Overflow when unpacking long long")
        if v < 0 and info.min == 0 and -v <= info.max:
            v += info.max + 1
        if not info.min <= v <= info.max:
            raise RuntimeError(f"value cannot be converted to type {name} without overflow")
        out.append(v)
    return np.array(out, dtype=dt).reshape(flat.shape)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new leaf tensor copying ``data`` (nested lists, numbers, arrays or tensors).

    Python floats become float32 (the default dtype), ints int64, bools bool; NumPy arrays
    keep their dtype.
    """
    return _finish(_to_array(data, D.to_np(dtype) if dtype is not None else None), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """Share memory with ``data`` when possible (NumPy arrays, tensors of the same dtype)."""
    if isinstance(data, Tensor):
        return data if dtype is None or D.to_np(dtype) == data._data.dtype else data.to(dtype)
    if isinstance(data, np.ndarray):
        D.from_np(data.dtype)
        arr = data if dtype is None else data.astype(D.to_np(dtype), copy=False)
        return _make(arr, False, None, 0)
    return tensor(data, dtype=dtype)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """Tensor sharing memory with a NumPy array (dtype kept)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_np(ndarray.dtype)
    return _make(ndarray, False, None, 0)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (numbers.Integral,)):
            raise TypeError(f"expected a sequence of integers for the size, but got {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _fdt(dtype):
    return D.to_np(dtype) if dtype is not None else D.get_default_dtype().np


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(xp.zeros(_size(size), dtype=_fdt(dtype)), requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None) -> Tensor:
    return _finish(xp.ones(_size(size), dtype=_fdt(dtype)), requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(xp.zeros(_size(size), dtype=_fdt(dtype)), requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from the value: bool, int64 or float)."""
    if not isinstance(fill_value, (Tensor, numbers.Number, np.generic)):
        raise TypeError(f"full(): argument 'fill_value' (position 2) must be Number, not {type(fill_value).__name__}")
    if dtype is None:
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        dt = D.result_np((), (), (fill_value,))
    else:
        dt = D.to_np(dtype)
        if not isinstance(fill_value, Tensor):
            D.check_scalar_fits(fill_value, dt)
    return _finish(xp.full(_size((size,) if isinstance(size, int) else (size,)), fill_value, dtype=dt), requires_grad)


def _like(input, dtype):
    return D.to_np(dtype) if dtype is not None else input._data.dtype


def _like_axes(arr, memory_format=None):
    """Axes, outermost first, of a new array laid out like ``arr`` (torch's preserve_format: a transposed or
    permuted input keeps its layout, which fixes the order in-place random fills visit); None for C order."""
    if arr.ndim < 2 or arr.flags.c_contiguous:
        return None
    if memory_format is not None and str(memory_format).rsplit(".", 1)[-1] != "preserve_format":
        return None
    st = [abs(s) for s in arr.strides]
    sh = arr.shape
    perm = list(range(arr.ndim - 1, -1, -1))  # innermost first; torch's stable insertion sort by stride
    for i in range(1, arr.ndim):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            a0, a1 = perm[d0], perm[d1]
            if st[a0] == 0 or st[a1] == 0:  # a broadcast dim keeps its place
                continue
            if st[a0] < st[a1]:
                break
            if st[a0] > st[a1] or sh[a0] > sh[a1]:
                perm[d0], perm[d1] = a1, a0
                d1 = d0
    perm.reverse()
    return None if perm == sorted(perm) else perm


def _alloc_like(input, np_dtype, make, memory_format=None):
    """``make(shape, dtype)`` for ``input``'s shape, laid out like ``input``."""
    shape = input._data.shape
    axes = _like_axes(input._data, memory_format)
    if axes is None:
        return make(shape, dtype=np_dtype)
    return make(tuple(shape[a] for a in axes), dtype=np_dtype).transpose(np.argsort(axes))


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(_alloc_like(input, _like(input, dtype), xp.zeros, memory_format), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(_alloc_like(input, _like(input, dtype), xp.ones, memory_format), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad, memory_format=memory_format)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    arr = _alloc_like(input, _like(input, dtype), xp.empty, memory_format)
    arr[...] = fill_value
    return _finish(arr, requires_grad)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) in steps; int64 unless any bound is a float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(
            f"upper bound and lower bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    if dtype is None:
        dt = np.int64 if builtins.all(isinstance(v, numbers.Integral) for v in vals) else D.get_default_dtype().np
    else:
        dt = D.to_np(dtype)
    n = int(math.ceil((end - start) / step))
    if np.dtype(dt).kind == "f":
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(dt)
    else:
        arr = np.arange(start, end, step).astype(dt)[:n]
    return _finish(arr, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    dt = _fdt(dtype)
    if steps < 0:
        raise RuntimeError("linspace(): number of steps must be non-negative")
    start = start.item() if isinstance(start, Tensor) else start
    end = end.item() if isinstance(end, Tensor) else end
    # torch fills the first half from start and the second half from end (symmetric rounding)
    if steps == 1:
        arr = np.array([start], dtype=np.float64)
    else:
        step = (end - start) / (steps - 1)
        idx = np.arange(steps, dtype=np.float64)
        half = steps // 2
        arr = np.where(idx < half, start + step * idx, end - step * (steps - 1 - idx))
    if np.dtype(dt).kind != "f":
        arr = np.trunc(arr)
    return _finish(arr.astype(dt), requires_grad)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    lin = linspace(start, end, steps, dtype=D.float64)
    return _finish((base**lin._data).astype(_fdt(dtype)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Identity matrix (n x m)."""
    if n < 0 or (m is not None and m < 0):
        raise RuntimeError(f"{'n' if n < 0 else 'm'} must be greater or equal to 0, got {n if n < 0 else m}")
    return _finish(xp.eye(n, n if m is None else m, dtype=_fdt(dtype)), requires_grad)


# ---- random ---------------------------------------------------------------------------------
# Each function draws exactly what torch's CPU kernel draws, in the same order, so a seeded run
# reproduces torch's numbers. In-place fills walk the tensor in memory order, as torch's kernels do.
_INT64_MIN = -(1 << 63)
_TNAME = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}
_CTYPE = {
    "uint8": "unsigned char",
    "int8": "signed char",
    "int16": "short int",
    "int32": "int",
    "int64": "long int",
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "bool": "bool",
}


def _tname(np_dtype) -> str:
    return _TNAME.get(str(np.dtype(np_dtype)), str(np_dtype))


def _need_float(np_dtype, kernel, exc=NotImplementedError):
    if np.dtype(np_dtype).kind != "f":
        raise exc(f"\"{kernel}\" not implemented for '{_tname(np_dtype)}'")


def _fmt(x) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _mem_perm(arr):
    """Axes of ``arr`` outermost-stride first (None when already C-contiguous): C order over
    ``arr.transpose(perm)`` is memory order, the order torch's kernels visit elements in."""
    if arr.flags.c_contiguous or arr.ndim < 2:
        return None
    return sorted(range(arr.ndim), key=lambda d: -abs(arr.strides[d]))


def _new_like(input, np_dtype):
    """Like ``empty_like``: the layout of ``input`` is kept (so a transposed input gets a transposed result)."""
    return _alloc_like(input, np_dtype, xp.empty)


class _RandomFill(Function):
    """self.<dist>_(): the new values are constant, so the old self (and a tensor p) get a zero gradient"""

    _builtin = True

    @staticmethod
    def forward(ctx, dst, vals, p=None):
        return vals

    @staticmethod
    def backward(ctx, g):
        nd, _, npg = ctx.needs_input_grad + (False,) * (3 - len(ctx.needs_input_grad))
        zero = Tensor._make(xp.zeros_like(g._data), False, None, 0)
        return (zero if nd else None), None, (zero if npg else None)


_FILL_NODES: dict = {}


def _fill_node(node: str):
    cls = _FILL_NODES.get(node)
    if cls is None:
        cls = _FILL_NODES[node] = type(node, (_RandomFill,), {"_node_name": node})
    return cls


def _fill(t, name, draw, node=None, p=None):
    """Overwrite ``t`` in place with ``draw(shape, contiguous)`` laid out in memory order.

    Under autograd the result replaces ``t``'s history with a ``node`` (torch's ``UniformBackward0``, ...)
    that sends zero gradient back, as torch does."""
    t._check_inplace(name)
    sd = t._data
    if not sd.flags.writeable:
        sd = t._data = sd.copy()
    perm = _mem_perm(sd)
    view = sd if perm is None else sd.transpose(perm)
    if view.size:
        view[...] = draw(view.shape, perm is None)
    if _state.enabled and (t._rg or (p is not None and p._rg)):
        if node is None:
            node = "".join(w.capitalize() for w in name.strip("_").split("_")) + "Backward0"
        args = (t, sd) if p is None else (t, sd, p)
        return t._write(_fill_node(node).apply(*args), name)
    vc = t._vc_get()
    vc.v += 1
    vc.op = name
    return t


def _check_uniform(np_dtype, a, b):
    _need_float(np_dtype, "check_uniform_bounds")
    lim = float(np.finfo(np_dtype).max)
    if not -lim <= a <= lim:
        raise RuntimeError(f"from is out of bounds for {_CTYPE[str(np.dtype(np_dtype))]}")
    if not -lim <= b <= lim:
        raise RuntimeError(f"to is out of bounds for {_CTYPE[str(np.dtype(np_dtype))]}")
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={_fmt(a)} > to={_fmt(b)}")
    if b - a > lim:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{_tname(np_dtype)}>::max(), but found "
            f"to={_fmt(b)} and from={_fmt(a)} which result in to-from to exceed the limit"
        )


def _check_std(std):
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(float(std))}")


def rand(
    *size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, **kw
) -> Tensor:
    """Uniform samples on [0, 1)."""
    dt = _float_dtype(dtype)
    _need_float(dt, "check_uniform_bounds")
    return _finish(_gen(generator)._uniform(_size(size or (kw.pop("size"),)), dt), requires_grad)


def randn(
    *size, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False, **kw
) -> Tensor:
    """Standard normal samples."""
    dt = _float_dtype(dtype)
    _need_float(dt, "normal_kernel_cpu")
    return _finish(_gen(generator)._normal(_size(size or (kw.pop("size"),)), dt), requires_grad)


def _int_bounds(np_dtype):
    dt = np.dtype(np_dtype)
    if dt == np.bool_:
        return 0, 1
    if dt.kind == "f":
        lim = 1 << (np.finfo(dt).nmant + 1)
        return -lim, lim
    info = np.iinfo(dt)
    return int(info.min), int(info.max)


def _check_from_to(np_dtype, frm, to_inc):
    dt = np.dtype(np_dtype)
    name = _CTYPE.get(str(dt), str(dt))
    if dt.kind == "f":
        lo, hi = -float(np.finfo(dt).max), float(np.finfo(dt).max)
    else:
        lo, hi = _int_bounds(dt)
    if not lo <= frm <= hi:
        raise RuntimeError(f"from is out of bounds for {name}")
    if not lo <= to_inc <= hi:
        raise RuntimeError(f"to - 1 is out of bounds for {name}")
    if dt.kind == "f":
        digits = np.finfo(dt).nmant + 1
        for what, v in (("from", frm), ("to - 1", to_inc)):
            if not -(1 << digits) <= v <= 1 << digits:
                import warnings

                warnings.warn(
                    f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision limitations "
                    f"{name} can support discrete uniform distribution only within this range. This "
                    "warning will become an error in version 1.7 release, please fix the code in advance",
                    UserWarning,
                    stacklevel=4,
                )


def _update_from(np_dtype, frm):
    """torch moves a ``from`` that the float type cannot hold up to the next value it can."""
    plus1 = int(np.dtype(np_dtype).type(frm + 1))
    if plus1 < frm:
        n = abs(frm + 1).bit_length() - 1
        frm = plus1 + (1 << (n - (np.finfo(np_dtype).nmant + 1) + 1))
    return frm


def _update_to(np_dtype, to):
    """... and a ``to`` whose ``to - 1`` rounds up to ``to``, down by one float spacing."""
    m1 = int(np.dtype(np_dtype).type(to - 1))
    if m1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = m1 - (1 << (n - (np.finfo(np_dtype).nmant + 1) + 1))
    return to


def _random_draw(g, np_dtype, frm, to):
    """The drawing function for ``random_(from, to)`` (``to`` None: up to the dtype's largest value)."""
    is_float = np.dtype(np_dtype).kind == "f"
    if to is not None:
        if frm >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={frm} >= to={to}")
        if is_float:
            frm, to = _update_from(np_dtype, frm), _update_to(np_dtype, to)
            if frm >= to:
                raise RuntimeError(
                    "random_ expects 'from' casted to dtype to be less than 'to' casted to dtype, but got "
                    f"from={frm} >= to={to}"
                )
        _check_from_to(np_dtype, frm, to - 1)
        return lambda shape, _c: g._random_range(to - frm, frm, shape, np_dtype)
    if frm == _INT64_MIN:
        if np.dtype(np_dtype) not in (np.int64, np.float64, np.float32):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, double, float and bfloat16")
        return lambda shape, _c: g._random_range(0, frm, shape, np_dtype)
    to_inc = _int_bounds(np_dtype)[1]
    if is_float:
        frm = _update_from(np_dtype, frm)
        if frm >= to_inc:
            raise RuntimeError(
                "random_ expects 'from' casted to dtype to be less than or equal to 'to_inc' casted to dtype, but "
                f"got from={frm} > to_inc={to_inc}"
            )
    _check_from_to(np_dtype, frm, to_inc)
    return lambda shape, _c: g._random_range(to_inc - frm + 1, frm, shape, np_dtype)


def randint(
    low=0,
    high=None,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
) -> Tensor:
    """Integers uniform on [low, high) (``randint(high, size)`` or ``randint(low, high, size)``)."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    elif high is None and size is not None:
        low, high = 0, low
    if high is None or size is None:
        raise TypeError('randint() missing 1 required positional arguments: "size"')
    low, high = int(low), int(high)
    dt = D.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    shape = _size((size,) if isinstance(size, numbers.Integral) else (size,))
    draw = _random_draw(_gen(generator), dt, low, high)
    return _finish(draw(shape, True), requires_grad)


def randperm(
    n, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False
) -> Tensor:
    """A random permutation of 0..n-1 (torch's Fisher-Yates over the same draws)."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dt = D.to_np(dtype) if dtype is not None else np.dtype(np.int64)
    if dt == np.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    if dt.kind == "f":
        cap = (1 << (np.finfo(dt).nmant + 1)) + 1
        if n > cap:
            msg = "2^24+1" if dt == np.float32 else str(cap)
            raise RuntimeError(f"n cannot be greater than {msg} for {_tname(dt)} type.")
    elif n - 1 > np.iinfo(dt).max:
        raise RuntimeError(f"value cannot be converted to type {dt.name}_t without overflow")
    return _finish(_gen(generator)._randperm(n, dt), requires_grad)


def rand_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None
) -> Tensor:
    t = _make(_new_like(input, _like(input, dtype)), False, None, 0)
    uniform_(t, generator=generator)
    return _finish(t._data, requires_grad)


def randn_like(
    input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None, generator=None
) -> Tensor:
    t = _make(_new_like(input, _like(input, dtype)), False, None, 0)
    normal_(t, generator=generator)
    return _finish(t._data, requires_grad)


def randint_like(
    input,
    low=0,
    high=None,
    *,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    memory_format=None,
    generator=None,
) -> Tensor:
    if high is None:
        low, high = 0, low
    t = _make(_new_like(input, _like(input, dtype)), False, None, 0)
    random_(t, int(low), int(high), generator=generator)
    return _finish(t._data, requires_grad)


def bernoulli(input, p=None, *, generator=None, out=None) -> Tensor:
    """1 with probability ``input`` (or the float ``p``), else 0; same dtype and layout as ``input``."""
    t = _make(xp.empty(input._data.shape, dtype=input._data.dtype), False, None, 0)  # torch: contiguous here
    return bernoulli_(t, input if p is None else p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None) -> Tensor:
    """Category indices drawn from each row of (unnormalised) probabilities ``input``."""
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {_tname(d.dtype)}")
    if d.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    num_samples = int(num_samples)
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > d.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if d.size and (not np.all(d < np.inf) or not np.all(d >= 0)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if d.size and np.any(d.sum(-1) == 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    res = _gen(generator)._multinomial(d if d.dtype != np.float16 else d.astype(np.float32), num_samples, replacement)
    return _make(res, False, None, 0)


def normal(
    mean=0.0,
    std=1.0,
    size=None,
    *,
    generator=None,
    out=None,
    dtype=None,
    layout=None,
    device=None,
    requires_grad=False,
    pin_memory=False,
) -> Tensor:
    """Samples from N(mean, std^2): tensor mean/std broadcast, or floats with an explicit size."""
    g = _gen(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        _check_std(std)
        if size is None:
            raise TypeError("normal() received an invalid combination of arguments - got (float, float)")
        dt = _float_dtype(dtype)
        _need_float(dt, "normal_kernel_cpu")
        return _finish(g._normal(_size((size,)), dt, float(mean), float(std)), requires_grad)
    if st and std._data.size and not np.all(std._data >= 0):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if mt and not st:
        _check_std(std)
        m = mean._data
        vals = g._normal(m.shape, m.dtype, 0.0, float(std))
        return _make(vals + m, False, None, 0)
    s = std._data
    if mt:
        m = mean._data
        dt = m.dtype
        shape = _broadcast(m.shape, s.shape)
    else:
        dt = s.dtype
        m = np.asarray(mean, dtype=dt)
        shape = s.shape
    vals = g._normal(shape, dt)
    vals = (vals * s).astype(dt, copy=False)
    vals = (vals + m).astype(dt, copy=False)
    return _make(vals, False, None, 0)


def _broadcast(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        n = max(len(a), len(b))
        pa, pb = (1,) * (n - len(a)) + tuple(a), (1,) * (n - len(b)) + tuple(b)
        d = next(i for i in range(n - 1, -1, -1) if pa[i] != pb[i] and 1 not in (pa[i], pb[i]))
        raise RuntimeError(
            f"The size of tensor a ({pa[d]}) must match the size of tensor b ({pb[d]}) at non-singleton dimension {d}"
        ) from None


def poisson(input, generator=None) -> Tensor:
    """Poisson counts with rates ``input``."""
    d = input._data
    return _make(_gen(generator)._poisson(d).astype(d.dtype), False, None, 0)


# ---- gamma family ---------------------------------------------------------------------------------
def _need_real(d, kernel):
    if d.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_tname(d.dtype)}'")


def _same_dtype_broadcast(*arrs):
    for a in arrs[1:]:
        if a.dtype != arrs[0].dtype:
            raise RuntimeError(f"Found dtype {_tname(a.dtype)} but expected {_tname(arrs[0].dtype)}")
    shape = arrs[0].shape
    for a in arrs[1:]:
        shape = _broadcast(shape, a.shape)


class _StandardGamma(Function):
    """d x / d alpha = _standard_gamma_grad(alpha, x), the implicit reparameterisation gradient"""

    _builtin = True
    _node_name = "StandardGammaBackward0"

    @staticmethod
    def forward(ctx, alpha, gen):
        d = alpha._data
        _need_real(d, "gamma_cpu")
        out = gen._standard_gamma(d)
        ctx.save_for_backward(alpha, out)
        return out

    @staticmethod
    def backward(ctx, g):
        alpha, x = ctx.saved_tensors
        return g * _standard_gamma_grad(alpha, x), None


class _NotDifferentiable(Function):
    """An op torch gives no derivative: its node raises when the backward pass reaches it."""

    _builtin = True
    _node_name = "NotImplemented"
    _what = ""

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(f"derivative for aten::{ctx._what} is not implemented")


class _SampleDirichlet(_NotDifferentiable):
    _node_name = "NotImplemented"
    _what = "_sample_dirichlet"

    @staticmethod
    def forward(ctx, alpha, gen):
        d = alpha._data
        _need_real(d, "dirichlet")
        return gen._dirichlet(d)


class _StandardGammaGrad(Function):
    _builtin = True
    _node_name = "StandardGammaGradBackward0"

    @staticmethod
    def forward(ctx, alpha, x):
        from .distributions._gamma_grad import standard_gamma_grad

        a, xd = alpha._data, x._data
        _need_real(a, "_standard_gamma_grad_cpu")
        _same_dtype_broadcast(a, xd)
        return standard_gamma_grad(a, xd)

    @staticmethod
    def backward(ctx, g):
        raise NotImplementedError("the derivative for '_standard_gamma_grad' is not implemented.")


class _DirichletGrad(_NotDifferentiable):
    _node_name = "NotImplemented"
    _what = "_dirichlet_grad"

    @staticmethod
    def forward(ctx, x, alpha, total):
        from .distributions._gamma_grad import dirichlet_grad

        xd = x._data
        _need_real(xd, "_dirichlet_grad_cpu")
        _same_dtype_broadcast(xd, alpha._data, total._data)
        return dirichlet_grad(xd, alpha._data, total._data)


def _standard_gamma(input, generator=None) -> Tensor:
    """Gamma(input, 1) draws by torch's sampler; differentiable through the implicit reparameterisation."""
    return _StandardGamma.apply(input, _gen(generator))


def _sample_dirichlet(input, generator=None) -> Tensor:
    """Dirichlet(input) draws over the last dimension (normalised gamma draws)."""
    return _SampleDirichlet.apply(input, _gen(generator))


def _standard_gamma_grad(input, output) -> Tensor:
    """d output / d input for output ~ Gamma(input, 1): -(d/d alpha CDF(x; alpha)) / pdf(x; alpha)"""
    return _StandardGammaGrad.apply(input, output)


def _dirichlet_grad(x, alpha, total) -> Tensor:
    """Reparameterised gradient of x ~ Beta(alpha, total - alpha) with respect to alpha, over 1 - x."""
    return _DirichletGrad.apply(x, alpha, total)


# ---- in-place random fills (Tensor methods) ------------------------------------------------------
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """Fill with samples from U[from, to)."""
    from_ = kw.pop("from", from_)
    a, b = float(from_), float(to)
    dt = self._data.dtype
    _check_uniform(dt, a, b)
    g = _gen(generator)
    return _fill(self, "uniform_", lambda shape, _c: g._uniform(shape, dt, a, b))


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std^2)."""
    dt = self._data.dtype
    _need_float(dt, "normal_kernel_cpu")
    _check_std(std)
    g = _gen(generator)
    return _fill(self, "normal_", lambda shape, c: g._normal(shape, dt, float(mean), float(std), c))


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples from Exp(lambd)."""
    dt = self._data.dtype
    if dt.kind != "f":
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {_tname(dt)}"
        )
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(float(lambd))}")
    g = _gen(generator)
    return _fill(self, "exponential_", lambda shape, _c: g._exponential(shape, dt, float(lambd)))


def random_(self, *args, generator=None, **kw):
    """``random_()``: [0, dtype max]; ``random_(to)``: [0, to); ``random_(from, to)``: [from, to)."""
    if "from" in kw:
        args = (kw.pop("from"),) + args
    if "to" in kw:
        args = (args[0] if args else 0, kw.pop("to"))
    if kw:
        raise TypeError(f"random_() got an unexpected keyword argument '{next(iter(kw))}'")
    g = _gen(generator)
    dt = self._data.dtype
    if not args:
        return _fill(self, "random_", lambda shape, _c: g._random_full(shape, dt), "RandomBackward2")
    frm, to = (0, args[0]) if len(args) == 1 else args
    draw = _random_draw(g, dt, int(frm), None if to is None else int(to))
    return _fill(self, "random_", draw, "RandomBackward1" if len(args) == 1 else "RandomBackward0")


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 where a uniform draw falls below ``p`` (a float or a tensor broadcast to self), else 0."""
    g = _gen(generator)
    dt = self._data.dtype
    if isinstance(p, Tensor):
        pd = p._data
        if pd.dtype.kind != "f":
            raise NotImplementedError(f"\"bernoulli_tensor_cpu_p_\" not implemented for '{_tname(pd.dtype)}'")
        if pd.size and not np.all((pd >= 0) & (pd <= 1)):
            raise RuntimeError(
                "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error message be "
                "improved?  If so, please report an enhancement request to PyTorch.)"
            )
        pb = np.broadcast_to(pd, self._data.shape)
        perm = _mem_perm(self._data)
        if perm is not None:
            pb = pb.transpose(perm)
        return _fill(self, "bernoulli_", lambda shape, _c: g._bernoulli(pb, shape).astype(dt), "BernoulliBackward1", p)
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    return _fill(self, "bernoulli_", lambda shape, _c: g._bernoulli(p, shape).astype(dt), "BernoulliBackward2")


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples from Cauchy(median, sigma)."""
    if not sigma > 0.0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(float(sigma))}")
    if self._data.dtype.kind != "f":
        raise RuntimeError(
            "Cauchy distribution is a continuous probability distribution. dtype must be a floating "
            f"point but you specified {_CTYPE.get(str(self._data.dtype))}"
        )
    g, dt = _gen(generator), self._data.dtype
    return _fill(self, "cauchy_", lambda shape, _c: g._cauchy(shape, dt, float(median), float(sigma)))


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp of N(mean, std^2) samples."""
    _need_float(self._data.dtype, "log_normal_cpu")
    if not std > 0.0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(float(std))}")
    g, dt = _gen(generator), self._data.dtype
    return _fill(
        self,
        "log_normal_",
        lambda shape, _c: RM.libm("exp")(g._normal_serial(math.prod(shape), mean, std)).astype(dt).reshape(shape),
    )


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success."""
    if not 0.0 < p < 1.0:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(float(p))}")
    g, dt = _gen(generator), self._data.dtype
    return _fill(self, "geometric_", lambda shape, _c: g._geometric(shape, dt, float(p)))


for _name in (
    "uniform_",
    "normal_",
    "exponential_",
    "random_",
    "bernoulli_",
    "cauchy_",
    "log_normal_",
    "geometric_",
    "bernoulli",
    "multinomial",
):
    setattr(Tensor, _name, globals()[_name])
del _name

__all__ = [
    "tensor",
    "as_tensor",
    "asarray",
    "from_numpy",
    "zeros",
    "ones",
    "empty",
    "full",
    "zeros_like",
    "ones_like",
    "empty_like",
    "full_like",
    "arange",
    "linspace",
    "logspace",
    "eye",
    "rand",
    "randn",
    "randint",
    "randperm",
    "rand_like",
    "randn_like",
    "randint_like",
    "bernoulli",
    "multinomial",
    "normal",
    "poisson",
    "_standard_gamma",
    "_sample_dirichlet",
    "_standard_gamma_grad",
    "_dirichlet_grad",
]
