"""Tensor creation: from data, filled, ranges, and random draws from a Generator."""

from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from . import _dtype as D
from ._random import _float_dtype, _gen
from ._tensor import Tensor
from .backend import xp

_make = Tensor._make


def _finish(arr, requires_grad):
    t = _make(arr, False, None, 0)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _to_array(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, np.ndarray):
        return data
    if isinstance(data, (list, tuple)):
        if builtins.any(isinstance(x, (Tensor, list, tuple, np.ndarray)) for x in data):
            parts = [_to_array(x) for x in data]
            shapes = {p.shape for p in parts}
            if len(shapes) > 1:
                raise ValueError(f"expected sequence of equal-length elements, got shapes {sorted(shapes)}")
            if not parts:
                return np.zeros((0,), dtype=np.float32)
            kinds = [p.dtype for p in parts]
            dt = kinds[0]
            for k in kinds[1:]:
                dt = D._promote_np(dt, k) if dt in D._CAT and k in D._CAT else np.result_type(dt, k)
            return np.stack([p.astype(dt, copy=False) for p in parts])
        dt = D.infer_np_dtype(data)
        try:
            return np.array(data, dtype=dt)
        except (TypeError, ValueError) as e:
            raise TypeError(f"Could not infer dtype of {type(data[0]).__name__}: {e}") from None
    if isinstance(data, (bool, np.bool_)):
        return np.array(data, dtype=np.bool_)
    if isinstance(data, numbers.Integral):
        return np.array(data, dtype=np.int64)
    if isinstance(data, numbers.Real):
        return np.array(data, dtype=D.get_default_dtype().np)
    if hasattr(data, "__array__"):
        return np.asarray(data)
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False) -> Tensor:
    """A new leaf tensor copying ``data`` (nested lists, numbers, arrays or tensors).

    Python floats become float32 (the default dtype), ints int64, bools bool; NumPy arrays
    keep their dtype.
    """
    arr = _to_array(data)
    if arr.dtype not in D._CAT:
        D.from_np(arr.dtype)  # raises TypeError naming the dtype
    if dtype is not None:
        arr = arr.astype(D.to_np(dtype))
    else:
        arr = arr.copy()
    return _finish(arr, requires_grad)


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
    if dtype is None:
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        dt = D.result_np((), (), (fill_value,))
    else:
        dt = D.to_np(dtype)
    return _finish(xp.full(_size((size,) if isinstance(size, int) else (size,)), fill_value, dtype=dt), requires_grad)


def _like(input, dtype):
    return D.to_np(dtype) if dtype is not None else input._data.dtype


def zeros_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(xp.zeros(input._data.shape, dtype=_like(input, dtype)), requires_grad)


def ones_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(xp.ones(input._data.shape, dtype=_like(input, dtype)), requires_grad)


def empty_like(input, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False, memory_format=None) -> Tensor:
    return _finish(xp.full(input._data.shape, fill_value, dtype=_like(input, dtype)), requires_grad)


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (inclusive) to end (exclusive) in steps; int64 unless any bound is a float."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign (start={start}, end={end}, "
                           f"step={step})")
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
    return _finish((base ** lin._data).astype(_fdt(dtype)), requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    return _finish(xp.eye(n, n if m is None else m, dtype=_fdt(dtype)), requires_grad)


# ---- random ---------------------------------------------------------------------------------
def rand(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples on [0, 1)."""
    return _finish(_gen(generator)._uniform(_size(size), _float_dtype(dtype)), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples."""
    return _finish(_gen(generator)._normal(_size(size), _float_dtype(dtype)), requires_grad)


def randint(low=0, high=None, size=None, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Integers uniform on [low, high)."""
    if size is None and isinstance(high, (tuple, list)):
        low, high, size = 0, low, high
    if high is None:
        raise TypeError("randint() missing required argument 'size'")
    if size is None:
        raise TypeError("randint() missing 1 required positional arguments: \"size\"")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    dt = D.to_np(dtype) if dtype is not None else np.int64
    return _finish(_gen(generator)._randint(int(low), int(high), _size((size,)), dt), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0..n-1."""
    if n < 0:
        raise RuntimeError(f"n must be non-negative, got{n}")
    dt = D.to_np(dtype) if dtype is not None else np.int64
    return _finish(_gen(generator)._randperm(int(n), dt), requires_grad)


def rand_like(input, *, dtype=None, generator=None, requires_grad=False, **kw) -> Tensor:
    return _finish(_gen(generator)._uniform(input._data.shape, _like(input, dtype)), requires_grad)


def randn_like(input, *, dtype=None, generator=None, requires_grad=False, **kw) -> Tensor:
    return _finish(_gen(generator)._normal(input._data.shape, _like(input, dtype)), requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, generator=None, requires_grad=False, **kw) -> Tensor:
    if high is None:
        low, high = 0, low
    return _finish(_gen(generator)._randint(int(low), int(high), input._data.shape, _like(input, dtype)),
                   requires_grad)


def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """1 with probability ``input`` (or ``p``), else 0; same dtype as input."""
    probs = input._data if p is None else np.full(input._data.shape, p)
    if np.any((probs < 0) | (probs > 1)):
        raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.")
    return _make(_gen(generator)._bernoulli(probs).astype(input._data.dtype), False, None, 0)


def multinomial(input, num_samples, replacement=False, *, generator=None) -> Tensor:
    d = input._data
    if d.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not replacement and num_samples > d.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if np.any(d < 0) or not np.all(np.isfinite(d)):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(d.sum(-1) == 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    return _make(_gen(generator)._multinomial(d, int(num_samples), replacement), False, None, 0)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False) -> Tensor:
    g = _gen(generator)
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean._data if isinstance(mean, Tensor) else mean
        s = std._data if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        dt = (mean if isinstance(mean, Tensor) else std)._data.dtype
        return _finish((g._normal(shape, dt) * s + m).astype(dt), requires_grad)
    return _finish(g._normal(_size((size,)), _float_dtype(dtype), mean, std), requires_grad)


def poisson(input, generator=None) -> Tensor:
    return _make(_gen(generator)._rng.poisson(input._data).astype(input._data.dtype), False, None, 0)


# ---- in-place random initialisers (Tensor methods) ------------------------------------------------
def _fill(t, arr, name):
    if t._data.dtype.kind != "f" and name in ("uniform_", "normal_", "exponential_"):
        raise RuntimeError(f"\"{name[:-1]}_kernel_cpu\" not implemented for '{t.dtype.name}'")
    t._check_inplace(name)
    t._data[...] = arr
    vc = t._vc_get()
    vc.v += 1
    vc.op = name
    return t


def uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with samples from U(a, b)."""
    return _fill(self, _gen(generator)._uniform(self._data.shape, self._data.dtype, a, b), "uniform_")


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with samples from N(mean, std^2)."""
    return _fill(self, _gen(generator)._normal(self._data.shape, self._data.dtype, mean, std), "normal_")


def exponential_(self, lambd=1.0, *, generator=None):
    return _fill(self, _gen(generator)._exponential(self._data.shape, self._data.dtype, lambd), "exponential_")


def random_(self, from_=0, to=None, *, generator=None):
    if to is None:
        from_, to = 0, (from_ if from_ else 2**24 if self._data.dtype.kind == "f" else np.iinfo(self._data.dtype).max)
    return _fill(self, _gen(generator)._randint(from_, to, self._data.shape, self._data.dtype), "random_")


def bernoulli_(self, p=0.5, *, generator=None):
    probs = p._data if isinstance(p, Tensor) else np.full(self._data.shape, p)
    return _fill(self, _gen(generator)._bernoulli(np.broadcast_to(probs, self._data.shape)), "bernoulli_")


Tensor.uniform_ = uniform_
Tensor.normal_ = normal_
Tensor.exponential_ = exponential_
Tensor.random_ = random_
Tensor.bernoulli_ = bernoulli_
Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
    "empty_like", "full_like", "arange", "linspace", "logspace", "eye", "rand", "randn", "randint", "randperm",
    "rand_like", "randn_like", "randint_like", "bernoulli", "multinomial", "normal", "poisson",
]
