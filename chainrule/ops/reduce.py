"""Reductions: sum, mean, prod, var/std, norm, amax/amin, logsumexp, softmax, scans, all/any/argmax.

Backward formulas are Tensor expressions, so they are differentiable themselves (``create_graph=True``).
Masks and counts that only select (ties, zeros) are constants. ``sum_to_shape`` is the engine's reduction
of broadcast gradients. Selections along a dim (max/min with dim, sort, topk, ...) live in ``_select``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..backend import xp
from ._util import float_data, wrap_dim, wrap_dims
from .elementwise import abs as _abs
from .elementwise import exp as _exp
from .elementwise import isnan as _isnan
from .elementwise import sign as _sign
from .elementwise import where as _where
from .linalg import _into

_make = Tensor._make
_INT_KINDS = "biu"


class _Op(Function):
    _builtin = True


def _const(arr) -> Tensor:
    return _make(arr, False, None, 0)


def _axes(nd: int, dim):
    """NumPy axes for a torch ``dim`` argument: None (all), or a tuple of wrapped dims (``()`` for 0-d)."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        if len(dim) == 0:
            return None
        dims = wrap_dims(dim, nd)
    else:
        dims = (wrap_dim(dim, nd),)
    return dims if nd else ()


def _keep_shape(shape, axes):
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else s for i, s in enumerate(shape))


def _count(shape, axes) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[i] for i in axes)


def _restore(g, ctx):
    """Gradient (or output) of a reduction reshaped to keepdim form so it broadcasts against the input."""
    if ctx.keepdim or ctx.axes == ():
        return g
    return g.reshape(_keep_shape(ctx.in_shape, ctx.axes))


def _restore_np(arr, ctx):
    """Array form of ``_restore`` for masks computed outside the graph."""
    if ctx.keepdim or ctx.axes == ():
        return arr
    return arr.reshape(_keep_shape(ctx.in_shape, ctx.axes))


def _kw(dim, keepdim, axis, keepdims):
    # torch accepts NumPy's spelling (axis=, keepdims=) for its native reductions
    return (axis if dim is None else dim), (keepdims if keepdims is not None else keepdim)


def _sum_keep(x, axes):
    return Sum.apply(x, axes, True, None)


# ---- sums ---------------------------------------------------------------------------------
class SumToShape(_Op):
    """Sum over broadcast axes back to ``shape``; its derivative broadcasts back out."""

    _node_name = "SumBackward1"

    @staticmethod
    def forward(ctx, g, axes, shape):
        ctx.in_shape = g._data.shape
        return g._data.sum(axis=axes).reshape(shape) if axes else g._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.expand(ctx.in_shape)


def sum_to_shape(g, axes, shape):
    return SumToShape.apply(g, axes, shape)


class Sum(_Op):
    """d sum(a)/da = 1 (broadcast back over the reduced dims)"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, np_dtype):
        d = a._data
        ctx.in_shape = d.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if axes is not None:
            ctx._node_name = "SumBackward1"
        if np_dtype is None and d.dtype.kind in _INT_KINDS:
            np_dtype = np.int64
        return d.sum(axis=axes, keepdims=keepdim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        if not _state.enabled:  # plain backward: one array op instead of a reshape and an expand node
            return Tensor._make(_spread(g._data, ctx), False, None, 0)
        return _restore(g, ctx).expand(ctx.in_shape)


def _spread(gd, ctx):
    """Array gradient of a sum: ``gd`` broadcast back over the reduced axes.

    Small results are materialised (a fresh array the engine may hand to a leaf without a copy);
    large ones stay a read-only broadcast view.
    """
    gd = _restore_np(gd, ctx)
    shape = ctx.in_shape
    if gd.size == 1 and math.prod(shape) <= 65536:
        out = xp.empty(shape, dtype=gd.dtype)
        out.fill(gd.reshape(()))
        return out
    return xp.broadcast_to(gd, shape)


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None) -> Tensor:
    """sum over ``dim`` (all elements when None); integers and bools sum to int64"""
    if axis is not None or keepdims is not None:
        dim, keepdim = _kw(dim, keepdim, axis, keepdims)
    axes = _axes(input._data.ndim, dim)
    return _into(out, Sum.apply(input, axes, keepdim, D.to_np(dtype) if dtype is not None else None), "sum", True)


def nansum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """sum treating NaN as 0 (zero gradient at NaN)"""
    if input._data.dtype.kind == "f":
        input = _where(_isnan(input), 0.0, input)
    return sum(input, dim, keepdim, dtype=dtype)


class Mean(_Op):
    """d mean(a)/da = 1/n"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, np_dtype):
        d = a._data
        ctx.in_shape = d.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if axes is not None:
            ctx._node_name = "MeanBackward1"
        n = ctx.n = _count(d.shape, axes)
        dt = np_dtype if np_dtype is not None else d.dtype
        acc = np.float32 if dt == np.float16 else dt
        return (d.sum(axis=axes, keepdims=keepdim, dtype=acc) / n).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        return _restore(g, ctx).expand(ctx.in_shape) / ctx.n


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None, out=None) -> Tensor:
    """arithmetic mean over ``dim`` (floating point only, as torch); nan over zero elements"""
    if axis is not None or keepdims is not None:
        dim, keepdim = _kw(dim, keepdim, axis, keepdims)
    d = input._data
    np_dtype = D.to_np(dtype) if dtype is not None else None
    if (np_dtype if np_dtype is not None else d.dtype).kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {_TORCH_NAME[str(np_dtype or d.dtype)]}"
        )
    return _into(out, Mean.apply(input, _axes(d.ndim, dim), keepdim, np_dtype), "mean", True)


def nanmean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """mean over the non-NaN elements"""
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got {input.dtype}")
    keep = _const(~np.isnan(input._data))
    return nansum(input, dim, keepdim, dtype=dtype) / sum(keep, dim, keepdim)


# ---- product ------------------------------------------------------------------------------
class Prod(_Op):
    """d prod(a)/da_k = prod_{j != k} a_j (exact with zeros: one zero, several zeros)"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, np_dtype):
        d = a._data
        ctx.in_shape = d.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if axes is not None:
            ctx._node_name = "ProdBackward1"
        if np_dtype is None and d.dtype.kind in _INT_KINDS:
            np_dtype = np.int64
        out = xp.asarray(d.prod(axis=axes, keepdims=keepdim, dtype=np_dtype))
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        if not ctx.in_shape:  # a 0-d input is its own product: gradient g (torch's rule, even at inf)
            return g
        g = _restore(g, ctx)
        ad = a._data
        zero = ad == 0
        if not zero.any():
            return g * (_restore(out, ctx) / a)
        return g * _exclusive_prod(a, ctx.axes)


def _exclusive_prod(a, axes):
    """prod_{j != k} a_j over the reduced elements, without dividing (exact with zeros and infinities):
    the product of the elements before k times the product of those after it, from two cumulative
    products along the flattened reduced axes."""
    from ._join import cat
    from ._rearrange import flip

    shape = a.shape
    if axes is None:
        axes = tuple(range(a.dim()))
    keep = [d for d in range(a.dim()) if d not in axes]
    t = a.permute(*keep, *axes).reshape(*[shape[d] for d in keep], -1)
    ones = t.new_ones(*t.shape[:-1], 1)
    before = cat([ones, t[..., :-1].cumprod(-1)], -1)
    after = flip(cat([ones, flip(t[..., 1:], -1).cumprod(-1)], -1), -1)
    others = (before * after).reshape(*[shape[d] for d in keep], *[shape[d] for d in axes])
    inv = [0] * a.dim()
    for i, d in enumerate([*keep, *axes]):
        inv[d] = i
    return others.permute(*inv)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None) -> Tensor:
    """product over ``dim`` (one int, or all elements)"""
    if axis is not None or keepdims is not None:
        dim, keepdim = _kw(dim, keepdim, axis, keepdims)
    if isinstance(dim, (list, tuple)):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    return Prod.apply(input, _axes(input._data.ndim, dim), keepdim, D.to_np(dtype) if dtype is not None else None)


# ---- extrema over dims (gradient split evenly among ties) -----------------------------------
class _Extreme(_Op):
    """d amax(a)/da = 1/(number of maxima) at the maxima, 0 elsewhere (as torch)"""

    fn = None
    nan_aware = False

    @classmethod
    def forward(cls, ctx, a, axes, keepdim):
        d = a._data
        ctx.in_shape = d.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        out = xp.asarray(cls.fn(d, axes, keepdim))
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a, out)
        return out

    @classmethod
    def backward(cls, ctx, g):
        a, out = ctx.saved_tensors
        ad = a._data
        od = _restore_np(out._data, ctx)
        mask = ad == od
        if cls.nan_aware:
            mask |= np.isnan(ad) & np.isnan(od)
        cnt = mask.sum(axis=ctx.axes, keepdims=True)
        w = mask.astype(ad.dtype) / cnt.astype(ad.dtype)
        return _restore(g, ctx) * _const(w)


def _np_amax(d, axes, keepdim):
    return d.max(axis=axes, keepdims=keepdim)


def _np_amin(d, axes, keepdim):
    return d.min(axis=axes, keepdims=keepdim)


def _np_median_all(d, axes, keepdim):
    flat = d.reshape(-1)
    n = flat.size
    if n == 0:
        return xp.asarray(np.nan, dtype=d.dtype)
    if d.dtype.kind == "f" and np.isnan(flat).any():
        return xp.asarray(np.nan, dtype=d.dtype)
    k = (n - 1) // 2
    return xp.asarray(np.partition(flat, k)[k])


class Amax(_Extreme):
    fn = staticmethod(_np_amax)


class Amin(_Extreme):
    fn = staticmethod(_np_amin)


class MaxAll(_Extreme):
    _node_name = "MaxBackward1"
    fn = staticmethod(_np_amax)
    nan_aware = True


class MinAll(_Extreme):
    _node_name = "MinBackward1"
    fn = staticmethod(_np_amin)
    nan_aware = True


class MedianAll(_Extreme):
    _node_name = "MedianBackward0"
    fn = staticmethod(_np_median_all)
    nan_aware = True


def _check_nonempty(name: str, d, axes, sep="()") -> None:
    if axes is None:
        if d.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. Specify "
                "the reduction dim with the 'dim' argument."
            )
        return
    for ax in axes:
        if d.shape[ax] == 0:
            raise IndexError(f"{name}{sep}: Expected reduction dim {ax} to have non-zero size.")


def amax(input, dim=(), keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """maximum over ``dim`` (all when empty); the gradient is shared evenly among ties"""
    if axis is not None or keepdims is not None:
        dim, keepdim = _kw(dim if dim != () else None, keepdim, axis, keepdims)
    axes = _axes(input._data.ndim, dim)
    _check_nonempty("amax", input._data, axes)
    return Amax.apply(input, axes, keepdim)


def amin(input, dim=(), keepdim=False, *, axis=None, keepdims=None) -> Tensor:
    """minimum over ``dim`` (all when empty); the gradient is shared evenly among ties"""
    if axis is not None or keepdims is not None:
        dim, keepdim = _kw(dim if dim != () else None, keepdim, axis, keepdims)
    axes = _axes(input._data.ndim, dim)
    _check_nonempty("amin", input._data, axes)
    return Amin.apply(input, axes, keepdim)


class Aminmax(_Op):
    """(amin, amax) in one pass; each gradient is shared evenly among its ties"""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        d = a._data
        ctx.in_shape = d.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        lo = xp.asarray(d.min(axis=axes, keepdims=keepdim))
        hi = xp.asarray(d.max(axis=axes, keepdims=keepdim))
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a, lo, hi)
        return lo, hi

    @staticmethod
    def backward(ctx, g_lo, g_hi):
        a, lo, hi = ctx.saved_tensors
        ad = a._data
        res = None
        for g, o in ((g_lo, lo), (g_hi, hi)):
            mask = ad == _restore_np(o._data, ctx)
            w = mask.astype(ad.dtype) / mask.sum(axis=ctx.axes, keepdims=True).astype(ad.dtype)
            part = _restore(g, ctx) * _const(w)
            res = part if res is None else res + part
        return res


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) over ``dim`` (all elements when None) as ``return_types.aminmax``"""
    from ._select import return_types

    d = input._data
    axes = None if dim is None else _axes(d.ndim, dim)
    if axes is None and d.size == 0:
        raise RuntimeError(
            "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity."
        )
    _check_nonempty("aminmax", d, axes, sep="")
    return return_types.aminmax(*Aminmax.apply(input, axes, keepdim))


def _max_all(input, cls, name):
    _check_nonempty(name, input._data, None)
    return cls.apply(input, None, False)


def median_all(input) -> Tensor:
    return MedianAll.apply(input, None, False)


# ---- variance, standard deviation ------------------------------------------------------------
def _var_np(d, axes, correction, keepdim, name, with_mean=False, root=False):
    """var (std with ``root``) of d over axes, in d's dtype, and the degrees of freedom."""
    n = _count(d.shape, axes)
    dof = n - correction
    if dof <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=4,
        )
        dof = 0
    with np.errstate(invalid="ignore", divide="ignore"):
        m = d.sum(axis=axes, keepdims=True) / n if n else xp.full(_keep_shape(d.shape, axes), np.nan, d.dtype)
        c = d - m
        out = (c * c).sum(axis=axes, keepdims=keepdim) / dof
        # torch's Welford pass (every reduction but a CPU all-reduce, and always for var_mean/std_mean) cannot
        # overflow in the mean or the squares; that only matters where the result overflowed here
        if n and (with_mean or out.size != 1) and not np.isfinite(out).all():
            z, _, e = _scaled_offsets(d, axes)
            c = z - z.sum(axis=axes, keepdims=True) / n
            ss = (c * c).sum(axis=axes, keepdims=keepdim)
            out = np.ldexp(ss, 2 * (e if keepdim else e.reshape(ss.shape))) / dof  # the sum of squares in double
        return xp.asarray(xp.sqrt(out) if root else out, dtype=d.dtype), dof


def _scaled_offsets(d, axes):
    """Each slice (in double, as torch accumulates) scaled by a power of two (exact) that brings its largest
    |x| below 1, as offsets from the slice's first value, so equal values give exactly 0 as Welford does.
    Returns (offsets, first value, exponent) with the reduced dims kept."""
    d = d.astype(np.float64, copy=False)
    e = np.frexp(xp.abs(d).max(axis=axes, keepdims=True))[1]  # exponent 0 for 0, inf and nan
    y = np.ldexp(d, -e)
    y0 = y[tuple(slice(0, 1) if axes is None or i in axes else slice(None) for i in range(d.ndim))]
    return y - y0, y0, e


class _WelfordMean(Mean):
    """var_mean's mean: torch's Welford pass does not overflow for finite values, so neither does this"""

    @staticmethod
    def forward(ctx, a, axes, keepdim, np_dtype):
        out = Mean.forward(ctx, a, axes, keepdim, np_dtype)
        d = a._data
        if d.size and not np.isfinite(out).all() and np.isfinite(d).all():
            z, y0, e = _scaled_offsets(d, axes)
            m = np.ldexp(y0 + z.sum(axis=axes, keepdims=True) / ctx.n, e)
            out = (m if keepdim else m.reshape(out.shape)).astype(d.dtype)
        return out


class Var(_Op):
    """d var(a)/da = 2 (a - mean(a)) / (n - correction)"""

    @staticmethod
    def forward(ctx, a, axes, correction, keepdim, with_mean=False):
        ctx.in_shape = a._data.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        out, ctx.dof = _var_np(a._data, axes, correction, keepdim, "var", with_mean)
        ctx.save_for_backward(a)
        return out

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        scale = 2.0 / ctx.dof if ctx.dof else math.inf
        return _restore(g, ctx) * scale * (a - Mean.apply(a, ctx.axes, True, None))


class Std(_Op):
    """d std(a)/da = (a - mean(a)) / ((n - correction) std(a)), 0 where std == 0 (as torch)"""

    @staticmethod
    def forward(ctx, a, axes, correction, keepdim, with_mean=False):
        ctx.in_shape = a._data.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        out, ctx.dof = _var_np(a._data, axes, correction, keepdim, "std", with_mean, root=True)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        out = _restore(out, ctx)
        gv = _where(out == 0, 0.0, _restore(g, ctx) / (out * 2.0))
        scale = 2.0 / ctx.dof if ctx.dof else math.inf
        return gv * scale * (a - Mean.apply(a, ctx.axes, True, None))


def _var_prep(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    if correction is None:
        correction = 0 if unbiased is False else 1
    elif unbiased is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both unbiased and correction")
    if input._data.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return _axes(input._data.ndim, dim), correction


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None) -> Tensor:
    """variance over ``dim`` with Bessel's ``correction`` (1 by default; ``unbiased=False`` means 0)"""
    if axis is not None or keepdims is not None:
        dim, keepdim = _kw(dim, keepdim, axis, keepdims)
    axes, corr = _var_prep("var", input, dim, unbiased, keepdim, correction)
    return Var.apply(input, axes, corr, keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None, keepdims=None) -> Tensor:
    """standard deviation: sqrt(var)"""
    if axis is not None or keepdims is not None:
        dim, keepdim = _kw(dim, keepdim, axis, keepdims)
    axes, corr = _var_prep("std", input, dim, unbiased, keepdim, correction)
    return Std.apply(input, axes, corr, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> tuple:
    """(var, mean) over ``dim``"""
    return _stat_mean(Var, "var", input, dim, unbiased, keepdim, correction)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> tuple:
    """(std, mean) over ``dim``"""
    return _stat_mean(Std, "std", input, dim, unbiased, keepdim, correction)


def _stat_mean(cls, name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        unbiased, dim = dim, None
    axes, corr = _var_prep(name, input, dim, unbiased, keepdim, correction)
    return cls.apply(input, axes, corr, keepdim, True), _WelfordMean.apply(input, axes, keepdim, None)


# ---- norms ------------------------------------------------------------------------------------
class VectorNorm(_Op):
    """d ||a||_p / da = sign(a) |a|^(p-1) / ||a||^(p-1) (p=2: a/||a||, 0 at 0; inf: split among ties)"""

    _node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, a, p, axes, keepdim):
        d = a._data
        ctx.in_shape = d.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        ctx.p = p
        kw = dict(axis=axes, keepdims=keepdim)
        if p != 0 and (d.size if axes is None else math.prod([d.shape[i] for i in axes])) == 1:
            out = xp.abs(d).sum(**kw)  # torch takes |a| when every reduced dim has size 1: no overflow in a^p
        elif p == 2:
            out = xp.sqrt((d * d).sum(**kw))
        elif p == 1:
            out = xp.abs(d).sum(**kw)
        elif p == math.inf:
            out = xp.abs(d).max(**kw)
        elif p == -math.inf:
            out = xp.abs(d).min(**kw)
        elif p == 0:
            out = (d != 0).sum(dtype=d.dtype, **kw)
        else:
            out = (xp.abs(d) ** p).sum(**kw) ** (1.0 / p)
        out = xp.asarray(out, dtype=d.dtype)
        if p != 0:
            ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        p = ctx.p
        if p == 0:
            return None
        a, out = ctx.saved_tensors
        g = _restore(g, ctx)
        if p == 1:
            return g * _sign(a)
        out = _restore(out, ctx)
        if p == 2:
            return a * _where(out == 0, 0.0, g / out)
        if math.isinf(p):
            ad = np.abs(a._data)
            mask = (ad == out._data) | np.isnan(ad)
            cnt = mask.sum(axis=ctx.axes, keepdims=True).astype(ad.dtype)
            return _sign(a) * ((g / _const(cnt)) * _const(mask))
        if p < 1:
            scaled = _sign(a) * _where(a == 0, 0.0, _abs(a) ** (p - 1))
            return scaled * g * out ** (1 - p)
        scale = _where(out == 0, 0.0, g / out ** (p - 1))
        if p < 2:
            return _sign(a) * _abs(a) ** (p - 1) * scale
        return a * _abs(a) ** (p - 2) * scale


def _vector_norm(input, p, dim, keepdim):
    d = input._data
    if d.dtype.kind != "f":
        raise RuntimeError(
            f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_TORCH_NAME[str(d.dtype)]}"
        )
    axes = _axes(d.ndim, dim)
    p = float(p)
    if math.isinf(p):
        which = "inf" if p > 0 else "-inf"
        if axes is None and d.size == 0:
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {which} norm on an empty tensor because "
                "the operation does not have an identity"
            )
        for ax in axes or ():
            if d.shape[ax] == 0:
                raise RuntimeError(
                    f"linalg.vector_norm cannot compute the {which} norm on the dimension {ax}"
                    "because this dimension is empty and the operation does not have an identity"
                )
    return VectorNorm.apply(input, p, axes, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None) -> Tensor:
    """vector p-norm over ``dim`` (all elements when None); ``'fro'`` is the 2-norm"""
    if dtype is not None:
        input = input.to(dtype)
    if isinstance(p, str):
        if p != "fro":
            raise RuntimeError(f"norm: p={p!r} is not supported; use 'fro' or a number")
        if isinstance(dim, (list, tuple)) and len(dim) > 2:
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        p = 2
    if p is None:
        p = 2
    return _into(out, _vector_norm(input, p, dim, keepdim), "norm")


# ---- logsumexp, softmax ------------------------------------------------------------------------
class Logsumexp(_Op):
    """d logsumexp(a)/da = exp(a - logsumexp(a)); computed as m + log(sum(exp(a - m))) with m = max"""

    @staticmethod
    def forward(ctx, a, axes, keepdim):
        d = float_data(a)
        ctx.in_shape = d.shape
        ctx.axes = axes
        ctx.keepdim = keepdim
        if _count(d.shape, axes) == 0:
            out = xp.full(d.sum(axis=axes, keepdims=keepdim).shape, -np.inf, d.dtype)
        else:
            m = d.max(axis=axes, keepdims=True)
            m = xp.where(xp.isinf(m), 0, m)
            out = xp.log(xp.exp(d - m).sum(axis=axes, keepdims=True)) + m
            out = xp.asarray(out if keepdim else out.reshape(m.sum(axis=axes).shape))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return _restore(g, ctx) * _exp(a - _restore(out, ctx))


def logsumexp(input, dim, keepdim=False, *, axis=None) -> Tensor:
    """log(sum(exp(input))) over ``dim``, stable for large magnitudes"""
    if axis is not None:
        dim = axis
    axes = _axes(input._data.ndim, dim)
    if axes is None:
        axes = tuple(range(input._data.ndim))
    return Logsumexp.apply(input, axes, keepdim)


def _softmax_prep(input, dim, dtype, name):
    if dtype is not None:
        input = input.to(dtype)
    d = input._data
    if d.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}_kernel_impl\" not implemented for '{_TORCH_NAME[str(d.dtype)]}'")
    return input, wrap_dim(dim, d.ndim)


class Softmax(_Op):
    """d softmax(a) = s * (g - sum(g * s))"""

    @staticmethod
    def forward(ctx, a, dim):
        d = a._data
        ctx.axes = (dim,) if d.ndim else ()
        if d.size == 0:
            out = d.copy()
        elif d.ndim == 0:
            out = d - d + 1  # 1, or nan for +-inf/nan as torch's exp(x - max) / sum gives
        else:
            out = xp.exp(d - d.max(axis=dim, keepdims=True))
            out /= out.sum(axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if not _state.enabled and ctx.axes:  # plain backward: two array passes, no graph nodes
            gy = g._data * out._data
            gy -= out._data * gy.sum(axis=ctx.axes, keepdims=True)
            return Tensor._make(gy, False, None, 0)
        return out * (g - _sum_keep(g * out, ctx.axes))


class LogSoftmax(_Op):
    """d log_softmax(a) = g - exp(out) * sum(g)"""

    @staticmethod
    def forward(ctx, a, dim):
        d = a._data
        ctx.axes = (dim,) if d.ndim else ()
        if d.size == 0:
            out = d.copy()
        elif d.ndim == 0:
            out = d - d  # 0, or nan for +-inf/nan
        else:
            out = d - d.max(axis=dim, keepdims=True)
            out -= xp.log(xp.exp(out).sum(axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if not _state.enabled and ctx.axes:
            gd = g._data
            return Tensor._make(gd - xp.exp(out._data) * gd.sum(axis=ctx.axes, keepdims=True), False, None, 0)
        return g - _exp(out) * _sum_keep(g, ctx.axes)


def softmax(input, dim, dtype=None, *, axis=None) -> Tensor:
    """exp(x - max) / sum(exp(x - max)) along ``dim``"""
    input, dim = _softmax_prep(input, axis if axis is not None else dim, dtype, "softmax")
    return Softmax.apply(input, dim)


def log_softmax(input, dim, dtype=None, *, axis=None) -> Tensor:
    """x - logsumexp(x) along ``dim``"""
    input, dim = _softmax_prep(input, axis if axis is not None else dim, dtype, "log_softmax")
    return LogSoftmax.apply(input, dim)


# ---- scans ------------------------------------------------------------------------------------
class Cumsum(_Op):
    """d cumsum(a)/da: the gradient is the reversed cumulative sum of g"""

    @staticmethod
    def forward(ctx, a, dim, np_dtype, reverse):
        d = a._data
        ctx.dim = dim
        ctx.reverse = reverse
        if np_dtype is None and d.dtype.kind in _INT_KINDS:
            np_dtype = np.int64
        if d.ndim == 0:
            return d.astype(np_dtype or d.dtype, copy=True)
        if reverse:
            return xp.flip(xp.flip(d, dim).cumsum(axis=dim, dtype=np_dtype), dim)
        return d.cumsum(axis=dim, dtype=np_dtype)

    @staticmethod
    def backward(ctx, g):
        return Cumsum.apply(g, ctx.dim, None, not ctx.reverse)


def cumsum(input, dim, *, dtype=None, axis=None) -> Tensor:
    """running sum along ``dim``"""
    dim = wrap_dim(axis if axis is not None else dim, input._data.ndim)
    return Cumsum.apply(input, dim, D.to_np(dtype) if dtype is not None else None, False)


class Cumprod(_Op):
    """d cumprod(a)_k/da_i = prod_{j <= k, j != i} a_j; with zeros, positions after a slice's first zero get 0"""

    @staticmethod
    def forward(ctx, a, dim, np_dtype):
        d = a._data
        ctx.dim = dim
        if np_dtype is None and d.dtype.kind in _INT_KINDS:
            np_dtype = np.int64
        out = d.astype(np_dtype or d.dtype, copy=True) if d.ndim == 0 else d.cumprod(axis=dim, dtype=np_dtype)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        ad = a._data
        dim = ctx.dim
        if ad.ndim == 0 or ad.shape[dim] <= 1:
            return g
        zero = ad == 0
        if not zero.any():
            return Cumsum.apply(g * out, dim, None, True) / a
        n = ad.shape[dim]
        first = xp.where(zero.any(axis=dim, keepdims=True), zero.argmax(axis=dim, keepdims=True), n)
        pos = xp.arange(n).reshape([-1 if i == dim else 1 for i in range(ad.ndim)])
        before = _const(pos < first)
        a_before = _where(before, a, 1.0)
        term1 = Cumsum.apply(g * out, dim, None, True) / a_before * before
        # at a slice's first zero z: prod_{j<z} a_j * sum_{k>=z} g_k prod_{z<j<=k} a_j
        left = Cumprod.apply(a_before, dim, None)
        right = Cumprod.apply(_where(_const(pos <= first), 1.0, a), dim, None)
        term2 = left * Cumsum.apply(g * right, dim, None, True) * _const(pos == first)
        return term1 + term2


def cumprod(input, dim, *, dtype=None, axis=None) -> Tensor:
    """running product along ``dim``"""
    dim = wrap_dim(axis if axis is not None else dim, input._data.ndim)
    return Cumprod.apply(input, dim, D.to_np(dtype) if dtype is not None else None)


# ---- non-differentiable reductions ---------------------------------------------------------------
def _argext(input, dim, keepdim, fn, name):
    d = input._data
    if d.dtype == np.bool_:
        raise RuntimeError(f"{name}(): does not support bool input")
    if dim is None:
        if d.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        r = xp.asarray(fn(d), dtype=np.int64)
        return _make(r.reshape((1,) * d.ndim) if keepdim else r, False, None, 0)
    dim = wrap_dim(dim, d.ndim)
    if d.ndim == 0:
        return _make(xp.zeros((), np.int64), False, None, 0)
    if d.shape[dim] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {dim} to have non-zero size.")
    return _make(fn(d, axis=dim, keepdims=keepdim).astype(np.int64, copy=False), False, None, 0)


def argmax(input, dim=None, keepdim=False, *, axis=None) -> Tensor:
    """index of the (first) maximum: flattened when ``dim`` is None"""
    return _argext(input, axis if axis is not None else dim, keepdim, xp.argmax, "argmax")


def argmin(input, dim=None, keepdim=False, *, axis=None) -> Tensor:
    """index of the (first) minimum: flattened when ``dim`` is None"""
    return _argext(input, axis if axis is not None else dim, keepdim, xp.argmin, "argmin")


def _logical(input, dim, keepdim, fn):
    d = input._data
    r = fn(d, axis=_axes(d.ndim, dim), keepdims=keepdim)
    return _make(xp.asarray(r, dtype=np.uint8 if d.dtype == np.uint8 else np.bool_), False, None, 0)


def all(input, dim=None, keepdim=False, *, axis=None) -> Tensor:
    """True where every element over ``dim`` is non-zero"""
    return _logical(input, axis if axis is not None else dim, keepdim, xp.all)


def any(input, dim=None, keepdim=False, *, axis=None) -> Tensor:
    """True where some element over ``dim`` is non-zero"""
    return _logical(input, axis if axis is not None else dim, keepdim, xp.any)


def count_nonzero(input, dim=None) -> Tensor:
    """number of non-zero elements over ``dim`` (int64)"""
    d = input._data
    return _make(xp.asarray(xp.count_nonzero(d, axis=_axes(d.ndim, dim)), dtype=np.int64), False, None, 0)


from ._select import (  # noqa: E402
    argsort,
    kthvalue,
    max,
    median,
    min,
    return_types,
    sort,
    topk,
)

__all__ = [
    "sum",
    "nansum",
    "mean",
    "nanmean",
    "prod",
    "amax",
    "amin",
    "aminmax",
    "max",
    "min",
    "var",
    "std",
    "var_mean",
    "std_mean",
    "norm",
    "logsumexp",
    "softmax",
    "log_softmax",
    "cumsum",
    "cumprod",
    "argmax",
    "argmin",
    "all",
    "any",
    "count_nonzero",
    "sort",
    "argsort",
    "topk",
    "kthvalue",
    "median",
    "return_types",
]
TENSOR_METHODS = [n for n in __all__ if n not in ("var_mean", "std_mean", "return_types")]
