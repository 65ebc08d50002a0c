"""Elementwise arithmetic, powers, integer division and copies: each forward beside its derivative."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state
from ..backend import xp
from . import elementwise as _E
from ._ew_base import (
    _LN2,
    _bin,
    _check_sub,
    _float_pair,
    _int_zero_div,
    _is_bool,
    _make,
    _not_for_bool,
    _not_freed,
    _Op,
    _zeros,
)
from ._util import _bcast_msg, float_data, prep2


# ---- arithmetic ---------------------------------------------------------------------------
def _bcast_error(a, b):
    sb = b._data.shape if isinstance(b, Tensor) else ()
    return RuntimeError(_bcast_msg((a._data.shape, sb)))


class Add(_Op):
    """d(a+b)/da = 1, d(a+b)/db = 1"""

    @staticmethod
    def forward(ctx, a, b):
        ad = a._data
        if type(b) is Tensor and b._data.dtype == ad.dtype:
            bd = b._data
        else:
            ad, bd = prep2(a, b)
        try:
            return ad + bd
        except ValueError:
            raise _bcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return g, g


class Sub(_Op):
    """d(a-b)/da = 1, d(a-b)/db = -1"""

    @staticmethod
    def forward(ctx, a, b):
        ad = a._data
        if type(b) is Tensor and b._data.dtype == ad.dtype and ad.dtype.kind != "b":
            bd = b._data
        else:
            if ad.dtype.kind == "b" or _is_bool(b):
                _check_sub(a, b)
            ad, bd = prep2(a, b)
        try:
            return ad - bd
        except ValueError:
            raise _bcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return g, (-g if ctx.needs_input_grad[1] else None)


class RSub(_Op):
    """other - a: d/da = -1"""

    _node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        if a._data.dtype.kind == "b" or _is_bool(b):
            _check_sub(a, b)
        ad, bd = prep2(a, b)
        return _bin(xp.subtract, a, b, bd, ad)

    @staticmethod
    def backward(ctx, g):
        return -g, (g if ctx.needs_input_grad[1] else None)


class RSubTensor(RSub):
    _node_name = "RsubBackward0"


class Mul(_Op):
    """d(ab)/da = b, d(ab)/db = a"""

    @staticmethod
    def forward(ctx, a, b):
        ad = a._data
        if type(b) is Tensor and b._data.dtype == ad.dtype:
            bd = b._data
        else:
            ad, bd = prep2(a, b)
        na, nb = ctx.needs_input_grad
        if na or nb:
            if nb:
                ctx._saved = (a, b if na else None)
            elif isinstance(b, Tensor):
                ctx._saved = (None, b)
            ctx.scalar = b
        try:
            return ad * bd
        except ValueError:
            raise _bcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        if ctx._saved is None:  # a Python-number factor: nothing was saved
            _not_freed(ctx)
            return g * ctx.scalar, None
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = _times(g, b if b is not None else ctx.scalar) if na else None
        gb = _times(g, a) if nb else None
        return ga, gb


def _times(g, t):
    """g * t; straight on the arrays when backward records no graph and the dtypes agree (same rounding)."""
    if type(t) is Tensor and not _state.enabled and t._data.dtype is g._data.dtype:
        return _make(g._data * t._data, False, None, 0)
    return g * t


class Div(_Op):
    """d(a/b)/da = 1/b, d(a/b)/db = -a/b^2"""

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = _float_pair(a, b)
        if isinstance(b, Tensor):
            ctx._saved = (a if ctx.needs_input_grad[1] else None, b)
        ctx.scalar = b
        return _bin(xp.true_divide, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        if ctx._saved is None:  # divided by a Python number: nothing was saved
            _not_freed(ctx)
            return g / ctx.scalar, None
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = g / b if na else None
        gb = -g * ((a / b) / b) if nb else None
        return ga, gb


class RDiv(_Op):
    """s / a computed as reciprocal(a) * s (torch's rounding): d/da = -s / a^2"""

    _node_name = "MulBackward0"

    @staticmethod
    def forward(ctx, a, s):
        ctx.save_for_backward(a)
        ctx.scalar = s
        return xp.reciprocal(float_data(a)) * s

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return -g * ctx.scalar / (a * a), None


class Reciprocal(_Op):
    """d(1/a) = -1/a^2 = -out^2"""

    @staticmethod
    def forward(ctx, a):
        out = xp.reciprocal(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -g * (out * out)


class Neg(_Op):
    """d(-a)/da = -1"""

    @staticmethod
    def forward(ctx, a):
        if a._data.dtype.kind == "b":
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                "to invert a mask, use the `~` or `logical_not()` operator instead."
            )
        return xp.negative(a._data)

    @staticmethod
    def backward(ctx, g):
        return -g


# ---- powers ---------------------------------------------------------------------------------
class PowScalar(_Op):
    """d(a^p)/da = p a^(p-1) (0 for p = 0)"""

    _node_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, p):
        ad, pd = prep2(a, p)
        if ad.dtype.kind in "iu" and type(p) is int and p < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        ctx.save_for_backward(a)
        ctx.p = p
        if ad.dtype.kind == "b":
            return xp.power(ad.astype(np.int8), pd).astype(np.bool_)
        if type(pd) is float and ad.dtype == np.float32 and float(np.float32(pd)) != pd:
            # torch raises to the exponent in double: rounded to float32, 1e-50 would become 0 (0 ** 0 = 1)
            return xp.power(ad.astype(np.float64), pd).astype(np.float32)
        if ad.dtype == np.float16 and abs(pd) != float("inf") and abs(pd) > 65504:
            raise RuntimeError("value cannot be converted to type c10::Half without overflow")
        return xp.power(ad, pd)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return _zeros(g)
        if p == 1:
            return g
        if p == 2:
            return g * (a * 2.0)
        return g * (p * a ** (p - 1))


class Pow(_Op):
    """d(a^b)/da = b a^(b-1) (0 where b == 0); d(a^b)/db = a^b _E.log(a) (0 where a == 0 and b >= 0)"""

    _node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        if a._data.dtype.kind == "b" and b._data.dtype.kind == "b":
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        ad, bd = prep2(a, b)
        if ad.dtype.kind in "iu":
            out = _int_pow(ad, bd)
        else:
            out = _bin(xp.power, a, b, ad, bd)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        na, nb = ctx.needs_input_grad
        ga = gb = None
        if na:
            ga = _E.where(b == 0, 0.0, g * (b * a ** (b - 1)))
        if nb:
            la = _E.log(a if a._data.dtype == out._data.dtype else a.to(out.dtype))  # log in the result's precision
            gb = _E.where((a == 0) & (b >= 0), 0.0, g * (out * la))
        return ga, gb


def _int_pow(ad, bd):
    """Integer powers as torch: negative exponents give 1/(a^|b|) truncated (1, -1 stay +-1, others 0)."""
    try:
        if not np.any(bd < 0):
            return xp.power(ad, bd)
    except ValueError:
        raise RuntimeError(_bcast_msg((ad.shape, bd.shape))) from None
    pos = xp.power(ad, xp.abs(bd))
    neg = xp.where(ad == 1, 1, xp.where(ad == -1, xp.where(bd % 2 == 0, 1, -1), 0)).astype(ad.dtype)
    return xp.where(bd < 0, neg, pos)


class RPowScalar(_Op):
    """d(s^b)/db = s^b _E.log(s) (0 where s == 0 and b >= 0)"""

    _node_name = "PowBackward2"

    @staticmethod
    def forward(ctx, b, s):
        if b._data.dtype.kind == "b" and type(s) is bool:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        bd, sd = prep2(b, s)
        if bd.dtype.kind == "b":
            bd = bd.astype(np.int64)
        if bd.dtype.kind in "iu":
            out = _int_pow(np.asarray(sd, dtype=bd.dtype), bd)
        else:
            out = xp.power(np.asarray(sd, dtype=bd.dtype), bd)
        ctx.save_for_backward(out)
        ctx.s = s
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        s = ctx.s
        if s == 0:
            return _E.where(out == 0, 0.0, g * (out * float("-inf")))
        return g * (out * float(np.log(s)))


class Exp2(_Op):
    """d 2^a = 2^a ln 2"""

    @staticmethod
    def forward(ctx, a):
        out = xp.exp2(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * _LN2)


# ---- integer-style division -----------------------------------------------------------------
class FloorDivide(_Op):
    """floor(a / b); torch defines no derivative for ``//``"""

    _node_name = "torch::autograd::NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        ad, bd = prep2(a, b)
        _not_for_bool("div_floor_cpu", ad)
        _int_zero_div(ad, bd)
        return _bin(xp.floor_divide, a, b, ad, bd)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class DivMode(_Op):
    """a / b rounded ('trunc' or 'floor'): zero gradient"""

    _node_name = "DivBackward2"

    @staticmethod
    def forward(ctx, a, b, mode):
        ad, bd = prep2(a, b)
        _not_for_bool(f"div_{mode}_cpu", ad)
        _int_zero_div(ad, bd)
        if mode == "floor":
            return _bin(xp.floor_divide, a, b, ad, bd)
        if ad.dtype.kind == "f":
            return xp.trunc(_bin(xp.true_divide, a, b, ad, bd))
        q = _bin(xp.floor_divide, a, b, ad, bd)
        return q + ((q < 0) & (q * bd != ad))

    @staticmethod
    def backward(ctx, g):
        return _zeros(g), None, None


class _ModLike(_Op):
    """a - round(a/b) b with ``mode``'s rounding: d/da = 1, d/db = -round(a/b)"""

    kernel = fn = mode = None

    @classmethod
    def forward(cls, ctx, a, b):
        ad, bd = prep2(a, b)
        _not_for_bool(cls.kernel, ad)
        _int_zero_div(ad, bd)
        ctx.save_for_backward(a, b if isinstance(b, Tensor) else None)
        return _bin(cls.fn, a, b, ad, bd)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if b is not None and ctx.needs_input_grad[1]:
            gb = -g * DivMode.apply(a, b, cls.mode)
        return g, gb


class Remainder(_ModLike):
    """a - floor(a/b) b (sign of b): d/db = -floor(a/b)"""

    kernel, fn, mode = "remainder_cpu", staticmethod(xp.remainder), "floor"


class RemainderTensor(Remainder):
    _node_name = "RemainderBackward1"


class RemainderScalarTensor(Remainder):
    """number % tensor: torch defines no derivative for this overload"""

    _node_name = "torch::autograd::NotImplemented"

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::remainder is not implemented")


class Fmod(_ModLike):
    """a - trunc(a/b) b (sign of a): d/db = -trunc(a/b)"""

    kernel, fn, mode = "fmod_cpu", staticmethod(xp.fmod), "trunc"


class FmodTensor(Fmod):
    _node_name = "FmodBackward1"


# ---- dtype and copies ------------------------------------------------------------------------
class Cast(_Op):
    """dtype conversion: gradient cast back to the input dtype (by the engine)"""

    _node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, a, np_dtype):
        return a._data.astype(np_dtype)

    @staticmethod
    def backward(ctx, g):
        return g


class Clone(_Op):
    """identity with a copy"""

    @staticmethod
    def forward(ctx, a):
        return a._data.copy()

    @staticmethod
    def backward(ctx, g):
        return g


class CopyFrom(_Op):
    """dst.copy_(src): the old dst gets no gradient, src gets the (shape-reduced) gradient"""

    _node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, dst, src):
        sd = src._data
        try:
            out = np.broadcast_to(sd, dst._data.shape)
        except ValueError:
            raise RuntimeError(
                f"The size of tensor a ({list(src.shape)}) must match the size of tensor b "
                f"({list(dst.shape)}): copy_ cannot broadcast {list(src.shape)} to "
                f"{list(dst.shape)}"
            ) from None
        return out.astype(dst._data.dtype)

    @staticmethod
    def backward(ctx, g):
        nd, ns = ctx.needs_input_grad
        return (_zeros(g) if nd else None), (g if ns else None)


class Fill(CopyFrom):
    """dst.fill_(value): the old dst gets a zero gradient, a tensor value the sum of the gradient"""

    _node_name = "FillBackward2"


class Zero(_Op):
    """dst.zero_(): zero gradient for the old dst"""

    @staticmethod
    def forward(ctx, dst):
        return xp.zeros_like(dst._data)

    @staticmethod
    def backward(ctx, g):
        return _zeros(g)


def _cast(a, np_dtype):
    return Cast.apply(a, np_dtype)


def copy_from(dst, src):
    return CopyFrom.apply(dst, src)


def fill_from(dst, value):
    return Fill.apply(dst, value)


def zero_like_op(dst):
    return Zero.apply(dst)
