"""Clamping, extrema and selection ops (clamp, maximum, where, lerp, addcmul): forward beside derivative."""

from __future__ import annotations

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor
from ..backend import xp
from . import elementwise as _E
from ._ew_base import _TORCH_NAME, _bin, _Op
from ._util import _bcast_msg, float_data, prep2


# ---- clamping, extrema, selection -------------------------------------------------------
class Clamp(_Op):
    """clamp to Python-number bounds: d/da = 1 where lo <= a <= hi else 0"""

    _node_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, a, lo, hi):
        d = a._data
        if type(lo) is float or type(hi) is float:
            d = float_data(a)
        ctx.save_for_backward(a)
        ctx.lo, ctx.hi = lo, hi
        if lo is not None and hi is not None:
            return xp.minimum(xp.maximum(d, lo), hi)
        return xp.maximum(d, lo) if lo is not None else xp.minimum(d, hi)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        lo, hi = ctx.lo, ctx.hi
        if lo is not None and hi is not None:
            mask = (a >= lo) & (a <= hi)
        elif lo is not None:
            mask = a >= lo
        else:
            mask = a <= hi
        return _E.where(mask, g, 0.0), None, None


class ClampMin(Clamp):
    _node_name = "ClampMinBackward0"


class ClampMax(Clamp):
    _node_name = "ClampMaxBackward0"


class ClampTensor(_Op):
    """clamp to tensor bounds: a's gradient where lo <= a <= hi; a bound's where it is the result"""

    _node_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, a, lo, hi):
        ts = [t for t in (a, lo, hi) if t is not None]
        dt = _result_np(*ts)
        d = a._data.astype(dt, copy=False)
        out = d
        try:
            if lo is not None:
                ld = lo._data.astype(dt, copy=False)
                out = xp.where(xp.isnan(ld), ld, xp.maximum(out, ld)) if dt.kind == "f" else xp.maximum(out, ld)
            if hi is not None:
                hd = hi._data.astype(dt, copy=False)
                out = xp.where(xp.isnan(hd), hd, xp.minimum(out, hd)) if dt.kind == "f" else xp.minimum(out, hd)
        except ValueError:
            shapes = ", ".join(str(list(t._data.shape)) for t in ts)
            raise RuntimeError(f"clamp: shapes {shapes} cannot be broadcast together") from None
        ctx.save_for_backward(a, lo, hi)
        return out

    @staticmethod
    def backward(ctx, g):
        a, lo, hi = ctx.saved_tensors
        _, nlo, nhi = ctx.needs_input_grad
        if lo is not None and hi is not None:
            mask = (a >= lo) & (a <= hi)
        elif lo is not None:
            mask = a >= lo
        else:
            mask = a <= hi
        ga = _E.where(mask, g, 0.0)
        glo = ghi = None
        # where lo > hi every element is hi, so hi takes the gradient and lo none
        if nlo:
            glo = _E.where(a < lo, g, 0.0) if hi is None else _E.where((a < lo) & (lo < hi), g, 0.0)
        if nhi:
            ghi = _E.where(a > hi, g, 0.0) if lo is None else _E.where((a > hi) | (hi < lo), g, 0.0)
        return ga, glo, ghi


class ClampMinTensor(ClampTensor):
    _node_name = "ClampMinBackward1"


class ClampMaxTensor(ClampTensor):
    _node_name = "ClampMaxBackward1"


def _result_np(*ts):
    """torch's result dtype for several tensors (dimensioned ones outrank 0-d ones)."""
    return D.result_np([t._data.dtype for t in ts if t._data.ndim], [t._data.dtype for t in ts if not t._data.ndim], ())


class _Pick(_Op):
    """d max(a,b) / d min(a,b): gradient to the chosen input, halved on ties (as torch)"""

    fn = None
    flip = False  # min: the roles of "larger" and "smaller" swap

    @classmethod
    def forward(cls, ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(cls.fn, a, b, ad, bd)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        lo, hi = (b, a) if cls.flip else (a, b)
        half = _E.where(a == b, g / 2.0, g)
        return (_E.where(lo < hi, 0.0, half) if na else None), (_E.where(lo > hi, 0.0, half) if nb else None)


class Maximum(_Pick):
    fn = staticmethod(xp.maximum)


class Minimum(_Pick):
    fn = staticmethod(xp.minimum)
    flip = True


class Fmax(_Op):
    """max ignoring NaN: gradient to the input chosen"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.fmax, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        pick_a = (a >= b) | _E.isnan(b)
        return _E.where(pick_a, g, 0.0), _E.where(pick_a, 0.0, g)


class Fmin(_Op):
    """min ignoring NaN: gradient to the input chosen"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        ctx.save_for_backward(a, b)
        return _bin(xp.fmin, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        pick_a = (a <= b) | _E.isnan(b)
        return _E.where(pick_a, g, 0.0), _E.where(pick_a, 0.0, g)


class Where(_Op):
    """d _E.where(c, a, b) = c for a, ~c for b. An unsafe unselected branch still gives 0 * nan = nan."""

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.save_for_backward(cond)
        if isinstance(a, Tensor):
            ad, bd = prep2(a, b)
        elif isinstance(b, Tensor):
            bd, ad = prep2(b, a)
        else:
            dt = D.result_np((), (), (a, b))
            ad, bd = np.asarray(a, dt), np.asarray(b, dt)
        try:
            return xp.where(cond._data, ad, bd)
        except ValueError:
            raise RuntimeError(
                f"where: shapes {list(cond.shape)}, {list(np.shape(ad))} and {list(np.shape(bd))} "
                "cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        _, na, nb = ctx.needs_input_grad
        return None, (_E.where(cond, g, 0.0) if na else None), (_E.where(cond, 0.0, g) if nb else None)


class NanToNum(_Op):
    """replace nan/+-inf: d/da = 1 where a is finite else 0"""

    @staticmethod
    def forward(ctx, a, nan, posinf, neginf):
        ctx.save_for_backward(a)
        return xp.nan_to_num(a._data, nan=nan, posinf=posinf, neginf=neginf)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _E.isfinite(a)


class Lerp(_Op):
    """a + w (b - a): d/da = 1 - w, d/db = w, d/dw = b - a"""

    @staticmethod
    def forward(ctx, a, b, w):
        ad, bd = prep2(a, b)
        if ad.dtype.kind != "f":
            raise NotImplementedError(f"\"lerp_kernel_scalar\" not implemented for '{_TORCH_NAME[ad.dtype.name]}'")
        wd = w._data if isinstance(w, Tensor) else w
        ctx.save_for_backward(a, b, w if isinstance(w, Tensor) else None)
        ctx.w = w
        try:
            diff = bd - ad
            # torch's two-sided form keeps lerp(a, b, 1) == b exactly
            out = xp.where(np.abs(wd) < 0.5, ad + wd * diff, bd - diff * (1 - wd))
        except ValueError:
            raise RuntimeError(_bcast_msg((a._data.shape, b._data.shape))) from None
        return out.astype(ad.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        a, b, wt = ctx.saved_tensors
        w = wt if wt is not None else ctx.w
        na, nb, nw = ctx.needs_input_grad
        return (g * (1 - w) if na else None), (g * w if nb else None), (g * (b - a) if nw else None)


class LerpTensor(Lerp):
    _node_name = "LerpBackward1"


class Addcmul(_Op):
    """a + v t1 t2: d/da = 1, d/dt1 = v t2, d/dt2 = v t1"""

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        dt = _result_np(a, t1, t2)
        try:
            return a._data.astype(dt, copy=False) + value * t1._data.astype(dt, copy=False) * t2._data.astype(
                dt, copy=False
            )
        except ValueError:
            raise RuntimeError(_bcast_msg((t1._data.shape, t2._data.shape))) from None

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        _, n1, n2 = ctx.needs_input_grad[:3]
        v = ctx.value
        return g, (g * t2 * v if n1 else None), (g * t1 * v if n2 else None), None


class Addcdiv(_Op):
    """a + v t1 / t2: d/da = 1, d/dt1 = v / t2, d/dt2 = -v t1 / t2^2"""

    @staticmethod
    def forward(ctx, a, t1, t2, value):
        if t1._data.dtype.kind in "iub" and t2._data.dtype.kind in "iub":
            raise RuntimeError(
                "Integer division with addcdiv is no longer supported, and in a future release "
                "addcdiv will perform a true division of tensor1 and tensor2."
            )
        ctx.save_for_backward(t1, t2)
        ctx.value = value
        dt = _result_np(a, t1, t2)
        try:
            return a._data.astype(dt, copy=False) + value * t1._data.astype(dt, copy=False) / t2._data.astype(
                dt, copy=False
            )
        except ValueError:
            raise RuntimeError(_bcast_msg((t1._data.shape, t2._data.shape))) from None

    @staticmethod
    def backward(ctx, g):
        t1, t2 = ctx.saved_tensors
        _, n1, n2 = ctx.needs_input_grad[:3]
        v = ctx.value
        return g, (g * v / t2 if n1 else None), (-g * v * t1 / (t2 * t2) if n2 else None), None
