"""Max, average and adaptive pooling over the last one or two dims.

Pooling works on a (B, H, W) view of the input (all leading dims folded, 1-d as unit height) and
loops over the kh*kw kernel offsets only, each a strided slice of the padded input. Max pooling
returns flat per-plane indices like torch; its gradient is a scatter-add of those indices and
the scatter's gradient is the matching gather, so both orders of differentiation work.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp

_make = Tensor._make


class _Op(Function):
    _builtin = True


def _tup(v, n, name):
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            v = tuple(v) * n
        if len(v) != n:
            raise RuntimeError(f"{name} must either be a single int, or a tuple of {n} ints")
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _pool_len(n, k, s, p, d, ceil):
    num = n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)
    o = num // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def _planes(d, nd):
    """(B, H, W) view of an array pooled over its last ``nd`` dims."""
    if nd == 1:
        return d.reshape(-1, 1, d.shape[-1])
    return d.reshape(-1, d.shape[-2], d.shape[-1])


def _padded(x, H, W, ph, pw, Hp, Wp, fill):
    if (Hp, Wp) == (H, W):
        return x
    out = xp.full((x.shape[0], Hp, Wp), fill, dtype=x.dtype)
    out[:, ph : ph + H, pw : pw + W] = x
    return out


class _Geom:
    """Kernel geometry on the (B, H, W) planes: sizes, strides, padding, dilation, output and padded sizes."""

    __slots__ = ("k", "s", "p", "d", "H", "W", "Ho", "Wo", "Hp", "Wp")

    def __init__(self, k, s, p, d, H, W, Ho, Wo):
        self.k, self.s, self.p, self.d = k, s, p, d
        self.H, self.W, self.Ho, self.Wo = H, W, Ho, Wo
        self.Hp = max(H + 2 * p[0], d[0] * (k[0] - 1) + s[0] * (Ho - 1) + 1)
        self.Wp = max(W + 2 * p[1], d[1] * (k[1] - 1) + s[1] * (Wo - 1) + 1)

    def slices(self):
        (kh, kw), (sh, sw), (dh, dw) = self.k, self.s, self.d
        he, we = sh * (self.Ho - 1) + 1, sw * (self.Wo - 1) + 1
        for i in range(kh):
            for j in range(kw):
                yield i * kw + j, (slice(None), slice(i * dh, i * dh + he, sh), slice(j * dw, j * dw + we, sw))

    def disjoint(self):
        return all(s >= d * (k - 1) + 1 for s, d, k in zip(self.s, self.d, self.k))


def _geometry(x, nd, kernel_size, stride, padding, dilation, ceil_mode, name):
    k = _tup(kernel_size, nd, "kernel_size")
    s = _tup(stride, nd, "stride") if stride is not None and stride != [] and stride != () else k
    p = _tup(padding, nd, "padding")
    d = _tup(dilation, nd, "dilation")
    if any(v <= 0 for v in k):
        raise RuntimeError(f"{name}: kernel_size must be greater than zero")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"{name}: stride must be greater than zero")
    if any(v <= 0 for v in d):
        raise RuntimeError(f"{name}: dilation must be greater than zero")
    for pv, kv, dv in zip(p, k, d):
        if pv < 0 or pv > (dv * (kv - 1) + 1) // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={pv}, "
                f"kernel_size={kv} and dilation={dv}"
            )
    shape = x._data.shape
    if x._data.ndim not in (nd + 1, nd + 2) or 0 in shape[-nd - 1 :]:
        raise RuntimeError(f"non-empty {nd + 1}D or {nd + 2}D (batch mode) tensor expected for input")
    sp = shape[-nd:]
    outs = [_pool_len(n, kv, sv, pv, dv, ceil_mode) for n, kv, sv, pv, dv in zip(sp, k, s, p, d)]
    if any(o <= 0 for o in outs):
        raise RuntimeError(
            f"Given input size: ({'x'.join(map(str, shape[-nd - 1 :]))}). Calculated output size: "
            f"({'x'.join(map(str, (shape[-nd - 1], *outs)))}). Output size is too small"
        )
    if nd == 1:
        return _Geom((1, k[0]), (1, s[0]), (0, p[0]), (1, d[0]), 1, sp[0], 1, outs[0]), shape[:-1] + (outs[0],)
    return _Geom(k, s, p, d, sp[0], sp[1], outs[0], outs[1]), shape[:-2] + tuple(outs)


# ---- gather / scatter-add pair -------------------------------------------------------------
class _Gather(_Op):
    """y = x.flat[idx]; dx = scatter_add(g, idx)"""

    @staticmethod
    def forward(ctx, x, idx, disjoint):
        ctx.idx, ctx.disjoint, ctx.shape = idx, disjoint, x._data.shape
        return x._data.reshape(-1)[idx]

    @staticmethod
    def backward(ctx, g):
        return _ScatterAdd.apply(g, ctx.idx, ctx.shape, ctx.disjoint), None, None


class _ScatterAdd(_Op):
    """x.flat[idx] += g over a zero array; dg = gather(gx, idx)"""

    @staticmethod
    def forward(ctx, g, idx, shape, disjoint):
        ctx.idx, ctx.disjoint = idx, disjoint
        gd = g._data
        n = int(np.prod(shape))
        if disjoint:
            out = xp.zeros(n, dtype=gd.dtype)
            out[idx.reshape(-1)] = gd.reshape(-1)
        else:
            out = xp.bincount(idx.reshape(-1), weights=gd.reshape(-1), minlength=n).astype(gd.dtype, copy=False)
        return out.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return _Gather.apply(g, ctx.idx, ctx.disjoint), None, None, None


# ---- max pooling ---------------------------------------------------------------------------
class _MaxPool(_Op):
    """y = max over each window; dx = scatter_add(g, argmax)"""

    _node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, G, nd, out_shape, want_idx):
        xd = x._data
        planes = _planes(xd, nd)
        xpd = _padded(planes, G.H, G.W, G.p[0], G.p[1], G.Hp, G.Wp, -xp.inf)
        track = want_idx or ctx.needs_input_grad[0]
        # torch takes a later NaN over the running max; without NaNs np.maximum gives the same values
        nan = track and xd.dtype.kind == "f" and bool(xp.isnan(xd).any())
        K = G.k[0] * G.k[1]
        best = arg = None
        for k, sl in G.slices():
            v = xpd[sl]
            if best is None:
                best = v.copy()
                if track:
                    arg = xp.zeros(best.shape, dtype=xp.int16 if K < 32768 else xp.int64)
            elif track:
                upd = v > best
                if nan:
                    upd |= xp.isnan(v)
                    xp.copyto(best, v, where=upd)
                    xp.copyto(arg, k, where=upd)
                else:
                    xp.maximum(best, v, out=best)
                    # arg += upd * (k - arg): branch-free, 3x faster than a masked copy on random data
                    step = xp.subtract(k, arg, dtype=arg.dtype)
                    step *= upd
                    arg += step
            else:
                xp.maximum(best, v, out=best)
        out = best.reshape(out_shape)
        if not track:
            return out, xp.zeros(0, dtype=xp.int64)
        # flat input index = window origin + offset of the winning kernel position
        ki, kj = xp.divmod(xp.arange(K), G.k[1])
        offs = ki * (G.d[0] * G.W) + kj * G.d[1]
        origin = (xp.arange(G.Ho) * G.s[0] - G.p[0])[:, None] * G.W + (xp.arange(G.Wo) * G.s[1] - G.p[1])
        flat = offs[arg]
        flat += origin
        ctx.flat, ctx.disjoint, ctx.in_shape, ctx.plane = flat, G.disjoint(), xd.shape, G.H * G.W
        return out, flat.reshape(out_shape)

    @staticmethod
    def backward(ctx, g, _gi):
        flat = ctx.flat
        gidx = (flat + (xp.arange(flat.shape[0]) * ctx.plane)[:, None, None]).reshape(g._data.shape)
        return _ScatterAdd.apply(g, gidx, ctx.in_shape, ctx.disjoint), None, None, None, None


def _max_pool(input, nd, kernel_size, stride, padding, dilation, ceil_mode, return_indices, name):
    G, out_shape = _geometry(input, nd, kernel_size, stride, padding, dilation, ceil_mode, name)
    out, idx = _MaxPool.apply(input, G, nd, out_shape, return_indices)
    return (out, idx) if return_indices else out


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[l] = max over the window at l (indices: flat position in the input row)"""
    return _max_pool(input, 1, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[h, w] = max over the window at (h, w) (indices: flat position in the input plane)"""
    return _max_pool(input, 2, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


# ---- average pooling -----------------------------------------------------------------------
def _divisor(G, count_include_pad, divisor_override, dtype):
    if divisor_override is not None:
        return float(divisor_override)
    divs = []
    for n, o, k, s, p in ((G.H, G.Ho, G.k[0], G.s[0], G.p[0]), (G.W, G.Wo, G.k[1], G.s[1], G.p[1])):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, n + p)
        if count_include_pad:
            divs.append(end - start)
        else:
            divs.append(xp.minimum(end, n) - xp.maximum(start, 0))
    div = divs[0][:, None] * divs[1][None, :]
    if (div == div.flat[0]).all():
        return float(div.flat[0])
    return div.astype(dtype)


class _AvgPool(_Op):
    """y = sum over window / divisor; dx = avg_pool_t(g) (its adjoint)"""

    _node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, G, nd, out_shape, div):
        xd = x._data
        ctx.G, ctx.nd, ctx.div, ctx.in_shape = G, nd, div, xd.shape
        planes = _planes(xd, nd)
        xpd = _padded(planes, G.H, G.W, G.p[0], G.p[1], G.Hp, G.Wp, 0)
        acc = None
        for _, sl in G.slices():
            if acc is None:
                acc = xpd[sl].copy()
            else:
                acc += xpd[sl]
        acc /= div
        return acc.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        return _AvgPoolT.apply(g, ctx.G, ctx.nd, ctx.in_shape, ctx.div), None, None, None, None


class _AvgPoolT(_Op):
    """x = sum of g / divisor spread over each window (adjoint of avg_pool); dg = avg_pool(gx)"""

    _node_name = "AvgPool2DBackwardBackward0"

    @staticmethod
    def forward(ctx, g, G, nd, in_shape, div):
        gd = g._data
        ctx.G, ctx.nd, ctx.div, ctx.out_shape = G, nd, div, gd.shape
        gs = gd.reshape(-1, G.Ho, G.Wo) / div
        out = xp.zeros((gs.shape[0], G.Hp, G.Wp), dtype=gd.dtype)
        for _, sl in G.slices():
            out[sl] += gs
        if (G.Hp, G.Wp) != (G.H, G.W):
            out = out[:, G.p[0] : G.p[0] + G.H, G.p[1] : G.p[1] + G.W]
        return xp.ascontiguousarray(out).reshape(in_shape)

    @staticmethod
    def backward(ctx, g):
        return _AvgPool.apply(g, ctx.G, ctx.nd, ctx.out_shape, ctx.div), None, None, None, None


def _avg_pool(input, nd, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, name):
    G, out_shape = _geometry(input, nd, kernel_size, stride, padding, 1, ceil_mode, name)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if input._data.dtype.kind != "f":
        raise RuntimeError(f"\"{name}\" not implemented for '{input.dtype}'")
    div = _divisor(G, count_include_pad, divisor_override, input._data.dtype)
    return _AvgPool.apply(input, G, nd, out_shape, div)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True) -> Tensor:
    """y[l] = mean over the window at l"""
    return _avg_pool(input, 1, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
) -> Tensor:
    """y[h, w] = sum over the window at (h, w) / its size (or divisor_override)"""
    return _avg_pool(
        input, 2, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool2d"
    )


# ---- adaptive pooling ----------------------------------------------------------------------
def _bounds(n, o):
    i = xp.arange(o)
    return (i * n) // o, ((i + 1) * n + o - 1) // o


def _avg_matrix(n, o, dtype):
    """(o, n) matrix averaging input positions [floor(i n / o), ceil((i + 1) n / o))"""
    start, end = _bounds(n, o)
    j = xp.arange(n)
    m = (j >= start[:, None]) & (j < end[:, None])
    return (m / (end - start)[:, None]).astype(dtype)


class _Bilinear(_Op):
    """y = A x B^T over the last two dims (linear); dx = A^T g B"""

    _node_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, A, Bm, out_shape):
        xd = x._data
        ctx.A, ctx.B, ctx.in_shape = A, Bm, xd.shape
        planes = xd.reshape(-1, A.shape[1], Bm.shape[1])
        t = planes.reshape(-1, Bm.shape[1]) @ Bm.T
        t = t.reshape(planes.shape[0], A.shape[1], Bm.shape[0])
        y = xp.matmul(A, t) if A.shape[0] > 1 or A.shape[1] > 1 else t
        return y.reshape(out_shape)

    @staticmethod
    def backward(ctx, g):
        return _Bilinear.apply(g, ctx.A.T, ctx.B.T, ctx.in_shape), None, None, None


def _out_size(output_size, sp):
    nd = len(sp)
    if isinstance(output_size, (list, tuple)):
        if len(output_size) != nd:
            raise ValueError(f"adaptive pool: output_size must be {nd} ints, got {output_size}")
        return tuple(s if o is None else int(o) for o, s in zip(output_size, sp))
    return (int(output_size),) * nd


def _check_adaptive(input, nd, name):
    shape = input._data.shape
    if input._data.ndim not in (nd + 1, nd + 2) or 0 in shape[-nd:]:
        raise RuntimeError(f"{name}(): Expected {nd + 1}D or {nd + 2}D tensor, but got {list(shape)}")


def adaptive_avg_pool1d(input, output_size) -> Tensor:
    """mean over the adaptive windows [floor(i L / o), ceil((i + 1) L / o))"""
    _check_adaptive(input, 1, "adaptive_avg_pool1d")
    (o,) = _out_size(output_size, input._data.shape[-1:])
    dt = input._data.dtype
    A = xp.ones((1, 1), dtype=dt)
    return _Bilinear.apply(input, A, _avg_matrix(input._data.shape[-1], o, dt), input._data.shape[:-1] + (o,))


def adaptive_avg_pool2d(input, output_size) -> Tensor:
    """mean over the adaptive windows per output pixel (separable: A x B^T)"""
    _check_adaptive(input, 2, "adaptive_avg_pool2d")
    H, W = input._data.shape[-2:]
    o = _out_size(output_size, (H, W))
    dt = input._data.dtype
    if dt.kind != "f":
        raise RuntimeError(f"\"adaptive_avg_pool2d\" not implemented for '{input.dtype}'")
    return _Bilinear.apply(input, _avg_matrix(H, o[0], dt), _avg_matrix(W, o[1], dt), input._data.shape[:-2] + o)


class _AdaptiveMaxGather(_Gather):
    _node_name = "AdaptiveMaxPool2DBackward0"


def _adaptive_max(input, nd, output_size, return_indices, name):
    _check_adaptive(input, nd, name)
    xd = input._data
    sp = xd.shape[-nd:]
    o = _out_size(output_size, sp)
    planes = _planes(xd, nd)
    B, H, W = planes.shape
    Ho, Wo = (1, *o) if nd == 1 else o
    idx = []
    for n, oo in ((H, Ho), (W, Wo)):
        start, end = _bounds(n, oo)
        kmax = int((end - start).max())
        # windows padded to a common length by repeating their last element (never changes the max)
        idx.append(xp.minimum(start[:, None] + xp.arange(kmax)[None, :], end[:, None] - 1))
    r, c = idx
    win = planes[:, r[:, :, None, None], c[None, None, :, :]]  # (B, Ho, kh, Wo, kw)
    kh, kw = r.shape[1], c.shape[1]
    win = win.transpose(0, 1, 3, 2, 4).reshape(B, Ho, Wo, kh * kw)
    arg = xp.argmax(win, axis=-1)
    flat = r[xp.arange(Ho)[:, None], arg // kw] * W + c[xp.arange(Wo)[None, :], arg % kw]
    gidx = flat + (xp.arange(B) * (H * W))[:, None, None]
    out_shape = xd.shape[:-nd] + tuple(o)
    out = _AdaptiveMaxGather.apply(input, gidx.reshape(out_shape), False)
    if return_indices:
        return out, _make(flat.reshape(out_shape), False, None, 0)
    return out


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """max over the adaptive windows [floor(i L / o), ceil((i + 1) L / o))"""
    return _adaptive_max(input, 1, output_size, return_indices, "adaptive_max_pool1d")


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """max over the adaptive windows per output pixel"""
    return _adaptive_max(input, 2, output_size, return_indices, "adaptive_max_pool2d")


__all__ = [
    "max_pool1d",
    "max_pool2d",
    "avg_pool1d",
    "avg_pool2d",
    "adaptive_avg_pool1d",
    "adaptive_avg_pool2d",
    "adaptive_max_pool1d",
    "adaptive_max_pool2d",
]
