"""Elementwise unary math (exp, log, trig, activations, rounding): forward beside derivative."""

from __future__ import annotations

from .._tensor import Tensor
from ..autograd.grad_mode import _state
from ..backend import xp
from . import elementwise as _E
from ._ew_base import _LN2, _LN10, _TORCH_NAME, _Op, _zeros
from ._util import float_data


# ---- unary math ---------------------------------------------------------------------------
class Exp(_Op):
    """d _E.exp(a) = _E.exp(a)"""

    @staticmethod
    def forward(ctx, a):
        out = xp.exp(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out


class Expm1(_Op):
    """d (_E.exp(a)-1) = _E.exp(a) = out + 1"""

    @staticmethod
    def forward(ctx, a):
        out = xp.expm1(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out + 1.0)


class _LogLike(_Op):
    """log-family forward on floats (integers promote); domain errors give nan/-inf like torch."""

    fn = None

    @classmethod
    def forward(cls, ctx, a):
        ctx.save_for_backward(a)
        return cls.fn(float_data(a))


class Log(_LogLike):
    """d _E.log(a) = 1/a"""

    fn = staticmethod(xp.log)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / a


class Log2(_LogLike):
    """d log2(a) = 1/(a ln 2)"""

    fn = staticmethod(xp.log2)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * _LN2)


class Log10(_LogLike):
    """d log10(a) = 1/(a ln 10)"""

    fn = staticmethod(xp.log10)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a * _LN10)


class Log1p(_LogLike):
    """d _E.log(1+a) = 1/(1+a)"""

    _node_name = "Log1PBackward0"
    fn = staticmethod(xp.log1p)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g / (a + 1.0)


class Sqrt(_Op):
    """d sqrt(a) = 1 / (2 sqrt(a))"""

    @staticmethod
    def forward(ctx, a):
        out = xp.sqrt(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g / (out * 2.0)


class Rsqrt(_Op):
    """d a^(-1/2) = -1/2 a^(-3/2) = -out^3 / 2"""

    @staticmethod
    def forward(ctx, a):
        out = 1.0 / xp.sqrt(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return -0.5 * g * (out * out * out)


class Sin(_Op):
    """d _E.sin(a) = _E.cos(a)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp.sin(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _E.cos(a)


class Cos(_Op):
    """d _E.cos(a) = -_E.sin(a)"""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return xp.cos(float_data(a))

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * -_E.sin(a)


class Tan(_Op):
    """d tan(a) = 1 + tan(a)^2"""

    @staticmethod
    def forward(ctx, a):
        out = xp.tan(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (out * out + 1.0)


class Tanh(_Op):
    """d tanh(a) = 1 - tanh(a)^2"""

    @staticmethod
    def forward(ctx, a):
        out = xp.tanh(float_data(a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1.0 - out * out)


class Sigmoid(_Op):
    """d s(a) = s(a) (1 - s(a))"""

    @staticmethod
    def forward(ctx, a):
        d = float_data(a)
        # _E.exp(-a) overflows to inf for a << 0 and 1/(1+inf) is exactly 0: finite without a split
        out = 1.0 / (1.0 + xp.exp(-d))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (1.0 - out) * out


class Relu(_Op):
    """d relu(a) = 0 where a <= 0 else 1 (0 at a == 0; nan lets the gradient through, as torch)"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        if d.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        out = xp.maximum(d, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        if _state.enabled:  # building a graph (create_graph=True): stay in Tensor ops
            return _E.where(out <= 0, 0.0, g)
        return Tensor._make(_relu_grad(out._data, g._data), False, None, 0)


_INT_OF_SIZE = {2: xp.int16, 4: xp.int32, 8: xp.int64}


def _relu_grad(out, g):
    """g where out > 0 (or nan) else 0, branch-free.

    ``where`` on a random sign mask mispredicts a branch per element (~8x slower); AND-ing the
    gradient's bits with an all-ones/all-zeros mask gives the same values, signed zeros and NaNs.
    """
    g = xp.asarray(g)
    it = _INT_OF_SIZE.get(g.dtype.itemsize)
    if it is None or g.dtype.kind != "f" or g.shape != xp.shape(out):
        return xp.where(out <= 0, g.dtype.type(0), g)
    m = xp.asarray(xp.less_equal(out, 0)).astype(it)
    xp.subtract(m, 1, out=m)
    xp.bitwise_and(g.view(it), m, out=m)
    return m.view(g.dtype)


class Abs(_Op):
    """d|a| = _E.sign(a) (0 at 0)"""

    @staticmethod
    def forward(ctx, a):
        if a._data.dtype.kind == "b":
            raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
        ctx.save_for_backward(a)
        return xp.abs(a._data)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * _E.sign(a)


class Erf(_Op):
    """d erf(a) = 2/sqrt(pi) _E.exp(-a^2)"""

    @staticmethod
    def forward(ctx, a):
        from scipy.special import erf as _erf

        ctx.save_for_backward(a)
        d = float_data(a)
        return _erf(d).astype(d.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        return g * (_E.exp(-(a * a)) * 1.1283791670955126)


class Erfinv(_Op):
    """d erfinv(y) = sqrt(pi)/2 _E.exp(erfinv(y)^2)"""

    @staticmethod
    def forward(ctx, a):
        from scipy.special import erfinv as _erfinv

        d = float_data(a)
        out = _erfinv(d).astype(d.dtype, copy=False)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * (_E.exp(out * out) * 0.8862269254527580)


class _ZeroGrad(_Op):
    """Piecewise-constant functions: derivative 0 almost everywhere."""

    fn = None
    kernel = ""

    @classmethod
    def forward(cls, ctx, a):
        d = a._data
        if d.dtype.kind == "b":
            raise NotImplementedError(f"\"{cls.kernel}_vml_cpu\" not implemented for 'Bool'")
        return cls.fn(d) if d.dtype.kind == "f" else d.copy()

    @staticmethod
    def backward(ctx, g):
        return _zeros(g)


class Sign(_ZeroGrad):
    fn = staticmethod(xp.sign)

    @classmethod
    def forward(cls, ctx, a):
        d = a._data
        if d.dtype.kind != "f":
            return xp.sign(d) if d.dtype.kind != "b" else d.copy()
        return xp.nan_to_num(xp.sign(d))  # torch: sign(nan) = 0 (so |x|'(nan) = 0 too)


class Sgn(Sign):
    pass


class Floor(_ZeroGrad):
    fn = staticmethod(xp.floor)
    kernel = "floor"


class Ceil(_ZeroGrad):
    fn = staticmethod(xp.ceil)
    kernel = "ceil"


class Trunc(_ZeroGrad):
    fn = staticmethod(xp.trunc)
    kernel = "trunc"


class Round(_ZeroGrad):
    """round half to even (as torch); zero gradient"""

    @staticmethod
    def forward(ctx, a, decimals=0):
        d = a._data
        if d.dtype.kind == "b":
            raise NotImplementedError("\"round_vml_cpu\" not implemented for 'Bool'")
        if d.dtype.kind != "f":
            return d.copy()
        if decimals == 0:
            return xp.round(d)
        return xp.round(d, decimals)


class RoundDecimals(Round):
    _node_name = "RoundBackward1"


class Frac(_Op):
    """a - trunc(a): d/da = 1"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        if d.dtype.kind != "f":
            raise NotImplementedError(f"\"frac_cpu\" not implemented for '{_TORCH_NAME[d.dtype.name]}'")
        return d - xp.trunc(d)

    @staticmethod
    def backward(ctx, g):
        return g
