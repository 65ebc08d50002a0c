"""Fused pointwise parts of the LSTM and GRU cells (one graph node per time step instead of a dozen).

The gate pre-activations come from ordinary (differentiable) linear layers. Backward runs on the
saved arrays; when a graph of the gradient is wanted (create_graph) the same formulas are
evaluated with Tensor ops on the saved inputs, so higher derivatives stay correct.
"""

from __future__ import annotations

from scipy.special import expit

from .. import ops
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ..backend import xp

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _t(a):
    return _make(a, False, None, 0)


class LSTMPointwise(_Op):
    """(gates, c) -> (h', c'): i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of the gate chunks;
    c' = f c + i g, h' = o tanh(c')"""

    _node_name = "LstmCellBackward0"

    @staticmethod
    def forward(ctx, gates, c):
        gd = gates._data
        H = gd.shape[1] // 4
        i = expit(gd[:, :H])
        f = expit(gd[:, H : 2 * H])
        g = xp.tanh(gd[:, 2 * H : 3 * H])
        o = expit(gd[:, 3 * H :])
        c_new = f * c._data + i * g
        tc = xp.tanh(c_new)
        ctx.acts = (i, f, g, o, tc)
        ctx.save_for_backward(gates, c)
        return o * tc, c_new

    @staticmethod
    def backward(ctx, dh, dc):
        gates, c = ctx.saved_tensors
        if _state.enabled:
            return _lstm_backward_graph(gates, c, dh, dc)
        i, f, g, o, tc = ctx.acts
        dhd = dh._data
        dct = dc._data + dhd * o * (1.0 - tc * tc)
        dgates = xp.concatenate(
            [dct * g * i * (1.0 - i), dct * c._data * f * (1.0 - f), dct * i * (1.0 - g * g), dhd * tc * o * (1.0 - o)],
            axis=1,
        )
        return _t(dgates), (_t(dct * f) if ctx.needs_input_grad[1] else None)


def _lstm_backward_graph(gates, c, dh, dc):
    gi, gf, gg, go = gates.chunk(4, 1)
    i, f, g, o = ops.sigmoid(gi), ops.sigmoid(gf), ops.tanh(gg), ops.sigmoid(go)
    tc = ops.tanh(f * c + i * g)
    dct = dc + dh * o * (1.0 - tc * tc)
    dgates = ops.cat([dct * g * i * (1.0 - i), dct * c * f * (1.0 - f), dct * i * (1.0 - g * g),
                      dh * tc * o * (1.0 - o)], 1)  # fmt: skip
    return dgates, dct * f


class GRUPointwise(_Op):
    """(x_gates, h_gates, h) -> h': r = sigmoid(x_r + h_r), z = sigmoid(x_z + h_z),
    n = tanh(x_n + r h_n), h' = (h - n) z + n"""

    _node_name = "GruCellBackward0"

    @staticmethod
    def forward(ctx, xg, hg, h):
        xd, hd = xg._data, hg._data
        H = xd.shape[1] // 3
        r = expit(xd[:, :H] + hd[:, :H])
        z = expit(xd[:, H : 2 * H] + hd[:, H : 2 * H])
        hn = hd[:, 2 * H :]
        n = xp.tanh(xd[:, 2 * H :] + r * hn)
        ctx.acts = (r, z, n, hn)
        ctx.save_for_backward(xg, hg, h)
        return (h._data - n) * z + n

    @staticmethod
    def backward(ctx, dout):
        xg, hg, h = ctx.saved_tensors
        need = ctx.needs_input_grad
        if _state.enabled:
            return _gru_backward_graph(xg, hg, h, dout, need)
        r, z, n, hn = ctx.acts
        d = dout._data
        dn = d * (1.0 - z) * (1.0 - n * n)
        dr = dn * hn * r * (1.0 - r)
        dz = d * (h._data - n) * z * (1.0 - z)
        dxg = _t(xp.concatenate([dr, dz, dn], axis=1)) if need[0] else None
        dhg = _t(xp.concatenate([dr, dz, dn * r], axis=1)) if need[1] else None
        dh = _t(d * z) if need[2] else None
        return dxg, dhg, dh


def _gru_backward_graph(xg, hg, h, dout, need):
    xr, xz, xn = xg.chunk(3, 1)
    hr, hz, hn = hg.chunk(3, 1)
    r = ops.sigmoid(xr + hr)
    z = ops.sigmoid(xz + hz)
    n = ops.tanh(xn + r * hn)
    dn = dout * (1.0 - z) * (1.0 - n * n)
    dr = dn * hn * r * (1.0 - r)
    dz = dout * (h - n) * z * (1.0 - z)
    dxg = ops.cat([dr, dz, dn], 1) if need[0] else None
    dhg = ops.cat([dr, dz, dn * r], 1) if need[1] else None
    return dxg, dhg, (dout * z if need[2] else None)
