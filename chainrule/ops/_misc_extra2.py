"""Identities and fill, integration (trapezoid, cumulative_trapezoid), finite differences (gradient), chained
matrix products, frobenius_norm, threshold and the top-level rms_norm.

Integration, differences, products and norms are compositions of Tensor ops following torch's formulas step by
step, so values round as torch's do and gradients (first and higher order) come from the ops they are built of.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ._ew_arith import CopyFrom
from ._join import cat
from ._util import scalar_value, shape_str, wrap_dim, wrap_dims
from .elementwise import where
from .linalg import _CNAME, _into, _scalar_as, mm, vector_norm

_make = Tensor._make
_WARNED = set()


class _Op(Function):
    _builtin = True


def _warn_once(key: str, msg: str) -> None:
    # torch's TORCH_WARN_ONCE: the first call in the process warns
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(msg, UserWarning, stacklevel=3)


def _sl(t, dim: int, start, stop):
    """``t`` sliced as Python's ``start:stop`` along ``dim``."""
    return t[(slice(None),) * dim + (slice(start, stop),)]


def _is_number(x) -> bool:
    return isinstance(x, (numbers.Number, np.generic)) and not isinstance(x, (str, bytes))


# ---- identities and fill ----------------------------------------------------------------------------------
def clone(input, *, memory_format=None) -> Tensor:
    """copy of ``input``; the gradient passes through unchanged"""
    return input.clone(memory_format=memory_format)


def positive(input) -> Tensor:
    """``+input``: the tensor itself"""
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def real(input) -> Tensor:
    """real part: a real tensor itself"""
    return input


def imag(input) -> Tensor:
    """imaginary part, which real tensors do not have"""
    raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")


class _FillScalar(CopyFrom):
    """input filled with a number: zero gradient for input"""

    _node_name = "FillBackward0"


class _FillTensor(CopyFrom):
    """input filled with a 0-d tensor: zero gradient for input, the summed gradient for the value"""

    _node_name = "FillBackward1"


def fill(input, value) -> Tensor:
    """new tensor shaped and typed like ``input`` with every element ``value``"""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        return _FillTensor.apply(input, value)
    if not _is_number(value):
        raise TypeError(
            f"fill() received an invalid combination of arguments - got (Tensor, {type(value).__name__}), "
            "but expected (Tensor input, Tensor value) or (Tensor input, Number value)"
        )
    dt = input._data.dtype
    v = scalar_value(value)
    D.check_scalar_fits(v, dt)
    return _FillScalar.apply(input, _make(np.asarray(v).astype(dt), False, None, 0))


# ---- trapezoid rule ------------------------------------------------------------------------------------
def _trapz_args(name, y, x, dx, bool_dx_ok=False):
    if not isinstance(y, Tensor) or (x is not None and not isinstance(x, Tensor)) or (x is not None and dx is not None):
        got = ", ".join(type(a).__name__ for a in (y, x) if a is not None)
        raise TypeError(
            f"{name}() received an invalid combination of arguments - got ({got}{', dx' if dx is not None else ''}), "
            "but expected one of (Tensor y, Tensor x, *, int dim = -1) or (Tensor y, *, Number dx = 1, int dim = -1)"
        )
    if x is None:
        if dx is None:
            dx = 1
        if isinstance(dx, Tensor) and dx._data.ndim == 0:
            dx = dx._data.item()
        if not _is_number(dx):
            raise TypeError(f"{name}(): argument 'dx' must be Number, not {type(dx).__name__}")
        if isinstance(dx, (bool, np.bool_)) and not bool_dx_ok:
            raise RuntimeError(f"{name}: Currently, we only support dx as a real number.")
        dx = scalar_value(dx)
    return dx


def _x_steps(name, y, x, d):
    """Differences of the sample points along ``d``, shaped to broadcast against y's differences."""
    nd = y._data.ndim
    if x._data.ndim == 1:
        if x._data.shape[0] != y._data.shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        x = x.reshape((1,) * d + (x._data.shape[0],) + (1,) * (nd - d - 1))
    elif x._data.ndim < nd:
        x = x.reshape((1,) * (nd - x._data.ndim) + x._data.shape)
    return _sl(x, d, 1, None) - _sl(x, d, 0, -1)


def _trapezoid(y, x, dx, dim, name, bool_dx_ok=False) -> Tensor:
    dx = _trapz_args(name, y, x, dx, bool_dx_ok)
    yd = y._data
    if yd.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = wrap_dim(dim, yd.ndim)
    if yd.shape[d] == 0:
        # no samples integrate to 0 (NumPy's convention)
        return _make(np.zeros(yd.shape[:d] + yd.shape[d + 1 :], yd.dtype), False, None, 0)
    if x is None:
        if yd.dtype == np.bool_:
            raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
        return (y.sum(d) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * dx
    if yd.dtype == np.bool_ or x._data.dtype == np.bool_:
        raise RuntimeError("trapezoid: received a bool input for `x` or `y`, but bool is not supported")
    steps = _x_steps("trapezoid", y, x, d)
    return (steps * (_sl(y, d, 1, None) + _sl(y, d, 0, -1))).sum(d) / 2.0


def trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """trapezoid rule along ``dim``: sum (x[i+1] - x[i]) (y[i+1] + y[i]) / 2 (spacing ``dx`` without x)"""
    return _trapezoid(y, x, dx, dim, "trapezoid")


def trapz(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """alias of trapezoid"""
    return _trapezoid(y, x, dx, dim, "trapz", bool_dx_ok=True)


def cumulative_trapezoid(y, x=None, *, dx=None, dim: int = -1) -> Tensor:
    """running trapezoid rule along ``dim`` (one element fewer than y along it)"""
    dx = _trapz_args("cumulative_trapezoid", y, x, dx)
    yd = y._data
    if yd.ndim == 0:
        raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, yd.ndim)
    pairs = _sl(y, d, 0, -1) + _sl(y, d, 1, None) if yd.dtype != np.bool_ else None
    if x is None:
        if pairs is None:
            raise RuntimeError("cumulative_trapezoid: received a bool input for `y`, but bool is not supported")
        return (pairs * (dx / 2.0)).cumsum(d)
    if pairs is None or x._data.dtype == np.bool_:
        raise RuntimeError("cumulative_trapezoid: received a bool input for `x` or `y`, but bool is not supported")
    steps = _x_steps("cumulative_trapezoid", y, x, d)
    return (steps * pairs).cumsum(d) / 2.0


# ---- finite differences ----------------------------------------------------------------------------------
def _gradient_spacing(input, spacing, dim):
    """(dims, per-dim spacing) after torch's argument checks."""
    nd = input._data.ndim
    if input._data.dtype == np.uint8:
        raise RuntimeError("torch.gradient does not support uint8 input.")
    if dim is None:
        dims = list(range(nd))
    elif isinstance(dim, (int, np.integer)):
        dims = [int(dim)]
    else:
        dims = list(dim)
    if isinstance(spacing, Tensor) and spacing._data.ndim == 0:
        spacing = spacing._data.item()
    if isinstance(spacing, (list, tuple)):
        tensors = isinstance(spacing[0], Tensor) if spacing else False
        for i, s in enumerate(spacing):
            if tensors != isinstance(s, Tensor) or not (tensors or _is_number(s)):
                want = "Tensor" if tensors else "Number"
                raise TypeError(f"expected {want} as element {i} in argument 1, but got {type(s).__name__}")
        if dim is None and len(spacing) != nd:
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar, or a list of length equal to "
                f"'self.dim() = {nd}', since dim argument was not given, but got a list of length {len(spacing)}"
            )
        if dim is not None and len(spacing) != len(dims):
            raise RuntimeError(
                "torch.gradient expected spacing to be unspecified, a scalar or it's spacing and dim arguments to "
                f"have the same length, but got a spacing argument of length {len(spacing)} and a dim argument of "
                f"length {len(dims)}."
            )
        spacing = [s if tensors else scalar_value(s) for s in spacing]
    elif _is_number(spacing):
        spacing = [scalar_value(spacing)] * len(dims)
    else:
        raise TypeError(
            f"gradient(): argument 'spacing' must be a Number or a tuple of Numbers or Tensors, "
            f"not {type(spacing).__name__}"
        )
    return dims, spacing


def _grad_uniform(input, d, h, edge_order):
    sl = lambda a, b: _sl(input, d, a, b)  # noqa: E731
    center = (sl(2, None) - sl(0, -2)) / h
    if edge_order == 1:
        first = (sl(1, 2) - sl(0, 1)) / h
        last = (sl(-1, None) - sl(-2, -1)) / h
    else:
        first = (sl(0, 1) * -1.5 + sl(1, 2) * 2 - sl(2, 3) * 0.5) / h
        last = (sl(-3, -2) * 0.5 + sl(-2, -1) * -2 + sl(-1, None) * 1.5) / h
    return cat([first, center / 2, last], d)


def _grad_coords(input, d, coords, edge_order):
    """Second-order differences on uneven sample points (weights from the neighbouring spacings)."""
    sl = lambda a, b: _sl(input, d, a, b)  # noqa: E731
    h = coords[1:] - coords[:-1]
    h1, h2 = h[:-1], h[1:]
    nd = input._data.ndim
    shape = (1,) * d + (h1._data.shape[0],) + (1,) * (nd - d - 1)
    a = (-h2 / (h1 * (h1 + h2))).reshape(shape)
    b = ((h2 - h1) / (h1 * h2)).reshape(shape)
    c = (h1 / (h2 * (h1 + h2))).reshape(shape)
    center = a * sl(0, -2) + b * sl(1, -1) + c * sl(2, None)
    if edge_order == 1:
        first = (sl(1, 2) - sl(0, 1)) / h[0]
        last = (sl(-1, None) - sl(-2, -1)) / h[-1]
    else:
        h0, h1_, hl, hm = h[0], h[1], h[-1], h[-2]
        first = (
            -(2.0 * h0 + h1_) / (h0 * (h0 + h1_)) * sl(0, 1)
            + (h0 + h1_) / (h0 * h1_) * sl(1, 2)
            + (-h0) / (h1_ * (h0 + h1_)) * sl(2, 3)
        )
        last = (
            hl / (hm * (hl + hm)) * sl(-3, -2)
            + -(hl + hm) / (hl * hm) * sl(-2, -1)
            + (2 * hl + hm) / (hl * (hl + hm)) * sl(-1, None)
        )
    return cat([first, center, last], d)


def gradient(input, *, spacing=1, dim=None, edge_order: int = 1) -> tuple:
    """central differences along each dim (one-sided of order ``edge_order`` at the ends), one tensor per dim"""
    dims, spacing = _gradient_spacing(input, spacing, dim)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    nd = input._data.ndim
    dims = wrap_dims(dims, nd) if dims else ()
    for d in dims:
        if input._data.shape[d] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least edge_order+1")
    if input._data.dtype == np.bool_:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    out = []
    for d, s in zip(dims, spacing):
        if isinstance(s, Tensor):
            if s._data.ndim != 1:
                raise RuntimeError(
                    "torch.gradient expected each element of spacing to have one dimension, but got an element "
                    f"with {s._data.ndim} dimensions!"
                )
            out.append(_grad_coords(input, d, s, edge_order))
        else:
            out.append(_grad_uniform(input, d, s, edge_order))
    return tuple(out)


# ---- chained products and norms ----------------------------------------------------------------------------
_CHAIN_WARNING = (
    "torch.chain_matmul is deprecated and will be removed in a future PyTorch release. Use torch.linalg.multi_dot "
    "instead, which accepts a list of two or more tensors rather than multiple parameters."
)


def _chain_order(dims):
    """Split points of the cheapest parenthesisation of a matrix chain (the classic dynamic programme)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _chain(ms, split, i, j):
    if i == j:
        return ms[i]
    k = split[i][j]
    return mm(_chain(ms, split, i, k), _chain(ms, split, k + 1, j))


def chain_matmul(*matrices, out=None) -> Tensor:
    """product of 2-D matrices, multiplied in the order that needs the fewest scalar products"""
    _warn_once("chain_matmul", _CHAIN_WARNING)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    for m in matrices:
        if m._data.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {m._data.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        return _into(out, matrices[0].clone(), "chain_matmul")
    d0 = matrices[0]._data
    for i, m in enumerate(matrices[1:], 1):
        if m._data.dtype != d0.dtype:
            raise RuntimeError(
                f"multi_dot(): all tensors must have be the same dtype but tensor 0 is {_CNAME[d0.dtype.name]} "
                f"and tensor {i} {_CNAME[m._data.dtype.name]}"
            )
    for i in range(len(matrices) - 1):
        sa, sb = matrices[i]._data.shape, matrices[i + 1]._data.shape
        if sa[1] != sb[0]:
            raise RuntimeError(
                f"multi_dot(): tensors {i} and {i + 1} with shapes {shape_str(sa)} and {shape_str(sb)} "
                "cannot be multiplied"
            )
    ms = matrices
    if len(ms) == 3:
        a, b = ms[0]._data.shape
        c, d = ms[2]._data.shape
        res = mm(ms[0], mm(ms[1], ms[2])) if a * c * (b + d) > b * d * (a + c) else mm(mm(ms[0], ms[1]), ms[2])
    else:
        dims = [m._data.shape[0] for m in ms] + [ms[-1]._data.shape[1]]
        res = _chain(ms, _chain_order(dims), 0, len(ms) - 1)
    return _into(out, res, "chain_matmul")


_FROBENIUS_WARNING = (
    "at::frobenius_norm is deprecated and it is just left for JIT compatibility. It will be removed in a future "
    "PyTorch release. Please use `linalg.vector_norm(A, 2., dim, keepdim)` instead"
)


def frobenius_norm(input, dim, keepdim: bool = False) -> Tensor:
    """sqrt of the sum of squares over ``dim`` (at most two dims; all for an empty tuple)"""
    _warn_once("frobenius_norm", _FROBENIUS_WARNING)
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions instead.")
    dt = input._data.dtype
    if dt.kind != "f":
        raise RuntimeError(
            f"norm(): input dtype should be either floating point or complex. Got {_TORCH_NAME[dt.name]} instead."
        )
    return vector_norm(input, 2, dims, keepdim)


# ---- thresholding -------------------------------------------------------------------------------------------
class Threshold(_Op):
    """x where x > threshold (or NaN) else value; d/dx = 1 where kept, 0 where replaced"""

    @staticmethod
    def forward(ctx, x, thresh, value):
        d = x._data
        replaced = d <= thresh
        if ctx.needs_input_grad[0]:
            ctx.replaced = replaced
        return np.where(replaced, value, d).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        return where(_make(ctx.replaced, False, None, 0), 0.0, g), None, None


class _ThresholdInplace(Threshold):
    _node_name = "ThresholdBackward1"


def _threshold_args(input, thresh, value):
    dt = input._data.dtype
    if dt == np.bool_:
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    thresh, value = (v._data.item() if isinstance(v, Tensor) else v for v in (thresh, value))
    for pos, (name, v) in enumerate((("threshold", thresh), ("value", value)), 2):
        if not _is_number(v):
            raise TypeError(f"threshold(): argument '{name}' (position {pos}) must be Number, not {type(v).__name__}")
    if dt.kind in "iu":
        # the scalars are converted to the tensor's integer type (toward zero, overflow raises) before comparing
        return _scalar_as(thresh, dt), _scalar_as(value, dt)
    D.check_scalar_fits(value, dt)
    if dt == np.float16 and abs(value) != float("inf") and abs(value) > 65504:
        raise RuntimeError("value cannot be converted to type c10::Half without overflow")
    return _scalar_as(thresh, dt), value  # half types compare in float: a threshold beyond float's range raises


def threshold(input, threshold, value) -> Tensor:
    """x where x > threshold else value"""
    return Threshold.apply(input, *_threshold_args(input, threshold, value))


def threshold_(input, threshold, value) -> Tensor:
    """in-place threshold"""
    args = _threshold_args(input, threshold, value)
    return input._inplace(lambda t, *a: _ThresholdInplace.apply(t, *a), "threshold_", *args)


def rms_norm(input, normalized_shape, weight=None, eps=None) -> Tensor:
    """x / sqrt(mean(x^2) + eps) * weight over the trailing ``normalized_shape`` dims"""
    if not isinstance(normalized_shape, (list, tuple)):
        raise TypeError(
            "rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
            f"{type(normalized_shape).__name__}"
        )
    from ..nn.functional import rms_norm as _rms_norm

    return _rms_norm(input, normalized_shape, weight, eps)
