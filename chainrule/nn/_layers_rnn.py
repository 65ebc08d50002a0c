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


def _sigmoid(x, out):
    """1 / (1 + exp(-x)) into ``out`` (as ops.sigmoid computes it; scipy's expit is 3x slower in float32)"""
    xp.negative(x, out=out)
    xp.exp(out, out=out)
    out += 1.0
    xp.reciprocal(out, out=out)


class LSTMSequence(_Op):
    """A whole LSTM layer direction: (x_proj (T, N, 4H), h0, c0, W_hh, b_hh) -> (h_t for every t, c_T).

    Per step only h W_hh^T and the gate pointwise run; backward per step is the pointwise part and
    dh = dgates W_hh, and dW_hh = sum_t dgates_t^T h_{t-1} is one matmul over all steps at the end.
    """

    _node_name = "LstmBackward0"

    @staticmethod
    def forward(ctx, xproj, h0, c0, w, b, reverse):
        xd, wd = xproj._data, w._data
        T, N, G = xd.shape
        H = G // 4
        dt = xd.dtype
        acts = xp.empty((T, N, G), dtype=dt)
        cs = xp.empty((T, N, H), dtype=dt)
        tcs = xp.empty((T, N, H), dtype=dt)
        out = xp.empty((T, N, H), dtype=dt)
        wt = xp.ascontiguousarray(wd.T)
        bd = None if b is None else b._data
        h, c = h0._data, c0._data
        for t in range(T - 1, -1, -1) if reverse else range(T):
            gates = h @ wt
            if bd is not None:
                gates += bd
            gates += xd[t]
            a = acts[t]
            _sigmoid(gates, a)  # all four chunks in one pass (fewer calls), then g's chunk overwritten
            xp.tanh(gates[:, 2 * H : 3 * H], out=a[:, 2 * H : 3 * H])
            c_new = cs[t]
            xp.multiply(a[:, H : 2 * H], c, out=c_new)
            c_new += a[:, :H] * a[:, 2 * H : 3 * H]
            xp.tanh(c_new, out=tcs[t])
            h = xp.multiply(a[:, 3 * H :], tcs[t], out=out[t])
            c = c_new
        ctx.reverse = reverse
        ctx.save_for_backward(xproj, h0, c0, w, b, out)
        if not any(ctx.needs_input_grad):
            return out, c.copy()
        # d h / d gates and d h / d c per step, for all steps at once (a few large array ops): backward's
        # per-step work is then dgates = [dc_t, dc_t, dc_t, dh_t] * coef_t
        coef = acts * (1.0 - acts)
        gg = acts[:, :, 2 * H : 3 * H]
        xp.subtract(1.0, gg * gg, out=coef[:, :, 2 * H : 3 * H])
        coef[:, :, :H] *= gg
        cf = coef[:, :, H : 2 * H]
        if reverse:
            cf[:-1] *= cs[1:]
            cf[-1] *= c0._data
        else:
            cf[1:] *= cs[:-1]
            cf[0] *= c0._data
        coef[:, :, 2 * H : 3 * H] *= acts[:, :, :H]
        coef[:, :, 3 * H :] *= tcs
        q = tcs * tcs
        xp.subtract(1.0, q, out=q)
        q *= acts[:, :, 3 * H :]
        ctx.arrays = (acts, coef, q)
        return out, c.copy()

    @staticmethod
    def backward(ctx, dout, dcT):
        xproj, h0, c0, w, b, out = ctx.saved_tensors
        need = ctx.needs_input_grad
        reverse = ctx.reverse
        if _state.enabled:
            return _lstm_seq_backward_graph(xproj, h0, c0, w, b, reverse, dout, dcT, need)
        acts, coef, q = ctx.arrays
        out = out._data
        T, N, G = acts.shape
        H = G // 4
        wd = xp.ascontiguousarray(w._data)
        dod = dout._data
        dgates = xp.empty_like(acts)
        dc = dcT._data
        dh = None
        for t in range(T) if reverse else range(T - 1, -1, -1):
            dht = dod[t] if dh is None else dod[t] + dh
            dct = dht * q[t]
            dct += dc
            dg, cft = dgates[t], coef[t]
            xp.multiply(cft[:, : 3 * H].reshape(N, 3, H), dct[:, None, :], out=dg[:, : 3 * H].reshape(N, 3, H))
            xp.multiply(dht, cft[:, 3 * H :], out=dg[:, 3 * H :])
            dc = dct * acts[t, :, H : 2 * H]
            dh = dg @ wd
        gw = gb = None
        if need[3]:
            hprev = xp.empty_like(out)
            if reverse:
                hprev[:-1] = out[1:]
                hprev[-1] = h0._data
            else:
                hprev[1:] = out[:-1]
                hprev[0] = h0._data
            gw = _t(dgates.reshape(-1, G).T @ hprev.reshape(-1, H))
        if b is not None and need[4]:
            gb = _t(dgates.reshape(-1, G).sum(0))
        return (
            _t(dgates) if need[0] else None,
            _t(dh) if need[1] else None,
            _t(dc) if need[2] else None,
            gw,
            gb,
            None,
        )


def _lstm_seq_backward_graph(xproj, h0, c0, w, b, reverse, dout, dcT, need):
    """The same gradients with Tensor ops (forward recomputed from the inputs), for create_graph."""
    from . import functional as F

    T = xproj.shape[0]
    order = list(range(T - 1, -1, -1)) if reverse else list(range(T))
    h, c = h0, c0
    steps = []
    for t in order:
        gates = F.linear(h, w, b) + xproj[t]
        steps.append((gates, c, h))
        h, c = LSTMPointwise.apply(gates, c)
    dgates = [None] * T
    gw = gb = None
    dc = dcT
    dh = None
    for t, (gates, c_prev, h_prev) in zip(reversed(order), reversed(steps)):
        dht = dout[t] if dh is None else dout[t] + dh
        dg, dc = _lstm_backward_graph(gates, c_prev, dht, dc)
        dgates[t] = dg
        dh = F.linear(dg, w.t())
        if need[3]:
            gwt = F.linear(dg.t(), h_prev.t())
            gw = gwt if gw is None else gw + gwt
        if b is not None and need[4]:
            gbt = dg.sum(0)
            gb = gbt if gb is None else gb + gbt
    return (ops.stack(dgates) if need[0] else None, dh if need[1] else None, dc if need[2] else None, gw, gb, None)
