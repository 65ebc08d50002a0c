"""Convolution, transposed convolution, unfold and fold (im2col / col2im on a window view).

A convolution y = conv(x, w) is bilinear; its three adjoint forms close under differentiation:
``_Conv`` (x, w -> y), ``_ConvT`` (y, w -> x: grad-input, also conv_transpose) and ``_ConvW``
(x, y -> w: grad-weight). Each backward is written with the other two, so gradients of any order
work. The kernels take any number of spatial dims (1-d, 2-d and 3-d convolutions share them).
"""

from __future__ import annotations

import itertools
import math

from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp

_make = Tensor._make


class _Op(Function):
    _builtin = True


# ---- array kernels -----------------------------------------------------------------------
# geometry ``P`` = (stride, pad_lo, pad_hi, dilation, groups); the first four hold one entry per spatial dim
_ALL2 = (slice(None), slice(None))


def _out_len(n, k, s, p0, p1, d):
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


def _out_sizes(sp, ks, P):
    return tuple(_out_len(n, k, s, a, b, d) for n, k, s, a, b, d in zip(sp, ks, *P[:4]))


def _pad_sizes(sp, ks, P, out):
    """Padded extent per dim (the zero padding, or more where the last window needs it)."""
    return tuple(max(n + a + b, d * (k - 1) + s * (o - 1) + 1) for n, k, s, a, b, d, o in zip(sp, ks, *P[:4], out))


def _inner(sp, p0):
    return _ALL2 + tuple(slice(a, a + n) for n, a in zip(sp, p0))


def _kernel_slices(ks, P, out):
    """(flat kernel offset, spatial slices of the padded input that offset reads for every output)"""
    s, d = P[0], P[3]
    ext = [st * (o - 1) + 1 for st, o in zip(s, out)]
    for kk, offs in enumerate(itertools.product(*(range(k) for k in ks))):
        yield kk, offs, tuple(slice(i * dd, i * dd + e, st) for i, dd, e, st in zip(offs, d, ext, s))


def _windows(x, ks, P, out):
    """(N, C, *k, *out) read-only view of the zero-padded input's receptive fields."""
    if any(P[1]) or any(P[2]):
        sp = x.shape[2:]
        padded = xp.zeros(x.shape[:2] + _pad_sizes(sp, ks, P, out), dtype=x.dtype)
        padded[_inner(sp, P[1])] = x
        x = padded
    st = x.strides
    sst = st[2:]
    strides = st[:2] + tuple(a * d for a, d in zip(sst, P[3])) + tuple(a * s for a, s in zip(sst, P[0]))
    return as_strided(x, x.shape[:2] + tuple(ks) + tuple(out), strides, writeable=False)


def _im2col(x, ks, P, out):
    """(N, groups, C/groups*prod(k), prod(out)) matrix of receptive fields (one copy)."""
    N, C = x.shape[:2]
    G = P[4]
    return _windows(x, ks, P, out).reshape(N, G, C // G * math.prod(ks), math.prod(out))


def _col2im(cols, C, ks, P, sp, out):
    """Adjoint of ``_im2col``: sum every column entry back onto its input pixel (loop over prod(k))."""
    N = cols.shape[0]
    sp, out = tuple(sp), tuple(out)
    if all(k == 1 for k in ks) and all(v == 1 for v in P[0]) and not (any(P[1]) or any(P[2])) and out == sp:
        return cols.reshape((N, C) + sp)
    cols = cols.reshape((N, C, math.prod(ks)) + out)
    pad = _pad_sizes(sp, ks, P, out)
    res = xp.zeros((N, C) + pad, dtype=cols.dtype)
    for kk, _, sl in _kernel_slices(ks, P, out):
        res[_ALL2 + sl] += cols[:, :, kk]
    return res if pad == sp else res[_inner(sp, P[1])]


# Input gradient at stride 1: with the padded map as one flat row per channel, kernel offset (i, j, ...) is a
# shift by i*dh*Wp + j*dw (generally: the offsets times the padded map's row strides), so col2im is prod(k)
# adds of contiguous runs of Ho*Wp (instead of Ho runs of Wo each). The gradient gets Wp - Wo zero junk
# columns per row (and junk rows in 3-d) so the shifted runs line up; its columns are laid out
# (C, k, N, Ho*Wp), making W^T g one matmul over the whole batch.
def _flat_ok(P, ck):
    return all(v == 1 for v in P[0]) and ck >= 32  # few channels: the batched path is cheaper


def _flat_conv_t(g, w, P, sp):
    O, Cg = w.shape[:2]
    ks = w.shape[2:]
    N = g.shape[0]
    G = P[4]
    C = Cg * G
    K = math.prod(ks)
    out = g.shape[2:]
    pad = tuple(n + a + b for n, a, b in zip(sp, P[1], P[2]))
    wt = w.reshape(G, O // G, Cg * K)
    junk = out[1:] != pad[1:]
    if junk and not xp.isfinite(wt).all():
        return None  # a non-finite weight times a zero junk column would leak nan: take the exact path
    if junk:
        ge = xp.zeros((O, N, out[0]) + pad[1:], dtype=g.dtype)
        ge[_ALL2 + (slice(None),) + tuple(slice(0, o) for o in out[1:])] = g.swapaxes(0, 1)
    else:
        ge = xp.ascontiguousarray(g.swapaxes(0, 1))
    row = math.prod(pad[1:])
    L = out[0] * row
    ge = ge.reshape(G, O // G, N * L)
    res = xp.zeros((C, N, (pad[0] + 1) * row), dtype=g.dtype)
    fs = [math.prod(pad[i + 1 :]) for i in range(len(pad))]
    offsets = [sum(i * d * f for i, d, f in zip(offs, P[3], fs)) for _, offs, _ in _kernel_slices(ks, P, out)]
    if K >= 27 and Cg * K >= 8 * (O // G):
        # many kernel offsets, few output channels: one small GEMM per offset into a cache-sized buffer beats
        # writing and re-reading the (C*K, N*L) column matrix (3x3x3 kernels: about 1.6x faster)
        wk = xp.ascontiguousarray(w.reshape(G, O // G, Cg, K).transpose(3, 0, 2, 1))
        tmp = xp.empty((G, Cg, N * L), dtype=g.dtype)
        for kk, off in enumerate(offsets):
            xp.matmul(wk[kk], ge, out=tmp)
            res[:, :, off : off + L] += tmp.reshape(C, N, L)
    else:
        cols = xp.matmul(wt.transpose(0, 2, 1), ge).reshape(C, K, N, L)
        for kk, off in enumerate(offsets):
            res[:, :, off : off + L] += cols[:, kk]
    res = res.reshape((C, N, pad[0] + 1) + pad[1:])[_inner(sp, P[1])]
    return xp.ascontiguousarray(res.swapaxes(0, 1))


def _conv_arr(x, w, P, out=None):
    """y[n, o] = sum_{c, k} w[o, c, k] * xpad[n, c, s*pos + d*k] as one batched matmul (first ``out`` windows)."""
    O, Cg = w.shape[:2]
    G = P[4]
    out = _out_sizes(x.shape[2:], w.shape[2:], P) if out is None else tuple(out)
    cols = _im2col(x, w.shape[2:], P, out)
    y = xp.matmul(w.reshape(G, O // G, -1), cols)
    return y.reshape(x.shape[:1] + (O,) + out), cols


def _conv_t_arr(g, w, P, sp):
    """Adjoint of the convolution in x: weight-transposed matmul, then col2im onto a map of size sp."""
    ks = w.shape[2:]
    if _flat_ok(P, math.prod(w.shape[1:])) and _out_sizes(sp, ks, P) == g.shape[2:]:
        res = _flat_conv_t(g, w, P, sp)
        if res is not None:
            return res
    O, Cg = w.shape[:2]
    N = g.shape[0]
    G = P[4]
    wt = w.reshape(G, O // G, -1).transpose(0, 2, 1)
    cols = xp.matmul(wt, g.reshape(N, G, O // G, math.prod(g.shape[2:])))
    return _col2im(cols, Cg * G, ks, P, sp, g.shape[2:])


def _conv_w_arr(x, g, P, ks, cols=None):
    """Adjoint of the convolution in w: sum over batch and positions of g (x) receptive fields."""
    N, O = g.shape[:2]
    C = x.shape[1]
    G = P[4]
    if cols is None:
        cols = _im2col(x, ks, P, g.shape[2:])
    # per-sample cols g^T summed over the batch: cheaper than g cols^T (BLAS likes the long reduction this way)
    # and than one GEMM over transposed copies
    gw = xp.matmul(cols, g.reshape(N, G, O // G, math.prod(g.shape[2:])).transpose(0, 1, 3, 2)).sum(0)
    return xp.ascontiguousarray(gw.transpose(0, 2, 1)).reshape((O, C // G) + tuple(ks))


def _sum_spatial(g):
    return g.sum((0,) + tuple(range(2, g._data.ndim)))


def _chan(b, nd):
    return b.reshape((1, -1) + (1,) * nd)


# ---- differentiable forms ----------------------------------------------------------------
class _Conv(_Op):
    """y = conv(x, w) + b; dx = conv_t(g, w), dw = conv_w(x, g), db = sum g"""

    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, P, out):
        xd = x._data
        y, cols = _conv_arr(xd, w._data, P, out)
        if b is not None:
            y += _chan(b._data, xd.ndim - 2)
        ctx.P = P
        ctx.cols = cols if ctx.needs_input_grad[1] else None
        ctx.save_for_backward(x, w)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gw = gb = None
        if need[0]:
            gx = _ConvT.apply(g, w, None, ctx.P, x._data.shape[2:])
        if need[1]:
            gw = _ConvW.apply(x, g, ctx.P, w._data.shape, ctx.cols)
            ctx.cols = None
        if len(need) > 2 and need[2]:
            gb = _sum_spatial(g)
        return gx, gw, gb, None, None


class _ConvT(_Op):
    """x = conv_t(y, w) + b (adjoint of conv in x); dy = conv(g, w), dw = conv_w(g, y), db = sum g"""

    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, y, w, b, P, sp):
        yd = y._data
        x = _conv_t_arr(yd, w._data, P, sp)
        if b is not None:
            x = x + _chan(b._data, yd.ndim - 2)
        elif not x.flags.c_contiguous:
            x = xp.ascontiguousarray(x)
        ctx.P = P
        ctx.save_for_backward(y, w)
        return x

    @staticmethod
    def backward(ctx, g):
        y, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gy = gw = gb = None
        if need[0]:
            # the adjoint's window count is y's size: with output_padding at stride 1, g has more windows
            gy = _Conv.apply(g, w, None, ctx.P, y._data.shape[2:])
        if need[1]:
            gw = _ConvW.apply(g, y, ctx.P, w._data.shape, None)
        if len(need) > 2 and need[2]:
            gb = _sum_spatial(g)
        return gy, gw, gb, None, None


class _ConvW(_Op):
    """w = conv_w(x, y) (adjoint of conv in w); dx = conv_t(y, g), dy = conv(x, g)"""

    _node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, y, P, wshape, cols):
        ctx.P = P
        ctx.save_for_backward(x, y)
        return _conv_w_arr(x._data, y._data, P, wshape[2:], cols)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = _ConvT.apply(y, g, None, ctx.P, x._data.shape[2:]) if need[0] else None
        gy = _Conv.apply(x, g, None, ctx.P, y._data.shape[2:]) if need[1] else None
        return gx, gy, None, None, None


# ---- argument handling ---------------------------------------------------------------------
def _tup(v, n, name):
    if isinstance(v, Tensor):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            v = tuple(v) * n
        if len(v) != n:
            raise RuntimeError(
                f"expected {name} to be a single integer value or a list of {n} values to match "
                f"the convolution dimensions, but got {name}={list(v)}"
            )
        return tuple(int(a) for a in v)
    return (int(v),) * n


def _tname(a):
    return {"float32": "Float", "float64": "Double", "float16": "Half"}.get(str(a.dtype), str(a.dtype))


def _sz(shape):
    return ", ".join(map(str, shape))


def _check_dtypes(x, w, b):
    xd, wd = x._data, w._data
    if xd.dtype != wd.dtype:
        if xd.dtype == "float32":
            raise RuntimeError(
                f"Input type (torch.{_tname(xd)}Tensor) and weight type (torch.{_tname(wd)}Tensor) should be the "
                "same or input should be a MKLDNN tensor and weight is a dense tensor"
            )
        raise RuntimeError(f"expected scalar type {_tname(xd)} but found {_tname(wd)}")
    if b is not None and b._data.dtype != xd.dtype:
        raise RuntimeError(
            f"Input type ({_tname(xd).lower()}) and bias type ({_tname(b._data).lower()}) should be the same"
        )


def _unbatched(x, nd, name):
    k = x._data.ndim
    if k == nd + 1:
        return True
    if k != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
            f"of size: [{_sz(x._data.shape)}]"
        )
    return False


def _check_weight(weight, nd, stride, name):
    wn = weight._data.ndim
    if wn == nd + 2:
        return
    if wn < 3:
        raise RuntimeError(f"weight should have at least three dimensions (got {wn}) for {name}")
    raise RuntimeError(
        f"expected stride to be a single integer value or a list of {wn - 2} values to match the convolution "
        f"dimensions, but got stride={list(_tup(stride, nd, 'stride'))}"
    )


def _geometry(nd, stride, padding, dilation, groups, ksize):
    """P = (stride, pad_lo, pad_hi, dilation, groups); ``padding`` may be 'same' / 'valid'."""
    s = _tup(stride, nd, "stride")
    d = _tup(dilation, nd, "dilation")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError("non-positive dilation is not supported")
    if isinstance(padding, str):
        if padding == "valid":
            lo = hi = (0,) * nd
        elif padding == "same":
            if any(v != 1 for v in s):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            tot = [dd * (k - 1) for k, dd in zip(ksize, d)]
            lo = tuple(t // 2 for t in tot)
            hi = tuple(t - t // 2 for t in tot)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        lo = hi = _tup(padding, nd, "padding")
        if any(v < 0 for v in lo):
            raise RuntimeError("negative padding is not supported")
    return (s, lo, hi, d, groups)


def _check_bias(w, b, nout, transposed=False):
    if b is not None and (b._data.ndim != 1 or b._data.shape[0] != nout):
        given = "transposed=1, " if transposed else ""
        raise RuntimeError(
            f"Given {given}weight of size [{_sz(w._data.shape)}], expected bias to be 1-dimensional with {nout} "
            f"elements, but got bias of size [{_sz(b._data.shape)}] instead"
        )


def _check_groups(ws, groups):
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if ws[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [[{_sz(ws)}]] instead"
        )


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd, name):
    unb = _unbatched(input, nd, name)
    _check_weight(weight, nd, stride, name)
    _check_dtypes(input, weight, bias)
    if unb:
        input = input.reshape((1,) + input._data.shape)
    ws = weight._data.shape
    groups = int(groups)
    _check_groups(ws, groups)
    C = input._data.shape[1]
    if C != ws[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size [{_sz(ws)}], expected input[{_sz(input._data.shape)}] to have "
            f"{ws[1] * groups} channels, but got {C} channels instead"
        )
    _check_bias(weight, bias, ws[0])
    P = _geometry(nd, stride, padding, dilation, groups, ws[2:])
    sp = input._data.shape[2:]
    if any(o <= 0 for o in _out_sizes(sp, ws[2:], P)):
        psz = [n + a + b for n, a, b in zip(sp, P[1], P[2])]
        esz = [d * (k - 1) + 1 for k, d in zip(ws[2:], P[3])]
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, psz))}). Kernel size: "
            f"({' x '.join(map(str, esz))}). Kernel size can't be greater than actual input size"
        )
    out = _Conv.apply(input, weight, bias, P, None)
    return out.reshape(out._data.shape[1:]) if unb else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-d cross-correlation over (N, C, L) with (O, C/groups, k) filters"""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-d cross-correlation over (N, C, H, W) with (O, C/groups, kh, kw) filters"""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """3-d cross-correlation over (N, C, D, H, W) with (O, C/groups, kd, kh, kw) filters"""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, name):
    unb = _unbatched(input, nd, name)
    _check_weight(weight, nd, stride, name)
    _check_dtypes(input, weight, bias)
    if unb:
        input = input.reshape((1,) + input._data.shape)
    ws = weight._data.shape
    groups = int(groups)
    C = input._data.shape[1]
    if C != ws[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size [{_sz(ws)}], expected input[{_sz(input._data.shape)}] to have "
            f"{ws[0]} channels, but got {C} channels instead"
        )
    _check_groups(ws, groups)
    _check_bias(weight, bias, ws[1] * groups, True)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    P = _geometry(nd, stride, padding, dilation, groups, ws[2:])
    op = _tup(output_padding, nd, "output_padding")
    s, d = P[0], P[3]
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        pre = max(0, 2 - nd)  # torch reports 1-d as 2-d with a unit height
        names = ("depth", "height", "width")[3 - nd - pre :]
        parts = [((0,) * pre + op, "output_padding"), ((1,) * pre + s, "stride"), ((1,) * pre + d, "dilation")]
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(f"{what}_{a}: {v}" for vals, what in parts for a, v in zip(names, vals))
        )
    in_sp = input._data.shape[2:]
    geo = zip(in_sp, s, P[1], P[2], d, ws[2:], op)
    size = tuple((n - 1) * si - a - b + di * (k - 1) + o + 1 for n, si, a, b, di, k, o in geo)
    if any(v <= 0 for v in size):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, in_sp))}). Calculated output "
            f"size per channel: ({' x '.join(map(str, size))}). Output size is too small"
        )
    out = _ConvT.apply(input, weight, bias, P, size)
    return out.reshape(out._data.shape[1:]) if unb else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1) -> Tensor:
    """1-d transposed convolution (the gradient of conv1d with respect to its input)"""
    return _conv_transpose_nd(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 1, "conv_transpose1d"
    )


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1) -> Tensor:
    """2-d transposed convolution (the gradient of conv2d with respect to its input)"""
    return _conv_transpose_nd(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 2, "conv_transpose2d"
    )


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1) -> Tensor:
    """3-d transposed convolution (the gradient of conv3d with respect to its input)"""
    return _conv_transpose_nd(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 3, "conv_transpose3d"
    )


# ---- unfold / fold -------------------------------------------------------------------------
class _Unfold(_Op):
    """cols = im2col(x); adjoint: fold"""

    _node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, k, P):
        d = x._data
        N, C = d.shape[:2]
        out = _out_sizes(d.shape[2:], k, P)
        ctx.k, ctx.P, ctx.hw = k, P, d.shape[2:]
        return _im2col(d, k, P, out).reshape(N, C * k[0] * k[1], out[0] * out[1])

    @staticmethod
    def backward(ctx, g):
        return _Fold.apply(g, ctx.k, ctx.P, ctx.hw), None, None


class _Fold(_Op):
    """x = col2im(cols) summing overlaps; adjoint: unfold"""

    _node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, c, k, P, hw):
        d = c._data
        ctx.k, ctx.P = k, P
        out = _out_sizes(hw, k, P)
        return xp.ascontiguousarray(_col2im(d, d.shape[1] // (k[0] * k[1]), k, P, hw, out))

    @staticmethod
    def backward(ctx, g):
        return _Unfold.apply(g, ctx.k, ctx.P), None, None, None


def _fold_geometry(kernel_size, dilation, padding, stride):
    k = _tup(kernel_size, 2, "kernel_size")
    d = _tup(dilation, 2, "dilation")
    p = _tup(padding, 2, "padding")
    s = _tup(stride, 2, "stride")
    if any(v <= 0 for v in k + d + s) or any(v < 0 for v in p):
        raise RuntimeError(
            f"kernel size, dilation and stride should be greater than zero and padding non-negative, "
            f"but got kernel_size={list(k)} dilation={list(d)} padding={list(p)} stride={list(s)}"
        )
    return k, (s, p, p, d, 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding blocks as columns: (N, C, H, W) -> (N, C*kh*kw, L)"""
    k, P = _fold_geometry(kernel_size, dilation, padding, stride)
    nd = input._data.ndim
    if nd not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {nd}D)")
    x = input.reshape((1,) + input._data.shape) if nd == 3 else input
    H, W = x._data.shape[2:]
    if any(o <= 0 for o in _out_sizes((H, W), k, P)):
        raise RuntimeError(
            f"Given input with spatial size ({H}, {W}), kernel_size={list(k)}, "
            f"dilation=({P[3][0]}, {P[3][1]}), padding=({P[1][0]}, {P[1][1]}), calculated shape of the array of "
            "sliding blocks as non-positive"
        )
    out = _Unfold.apply(x, k, P)
    return out.reshape(out._data.shape[1:]) if nd == 3 else out


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sum columns back into an image: (N, C*kh*kw, L) -> (N, C, H, W); inverse layout of unfold"""
    k, P = _fold_geometry(kernel_size, dilation, padding, stride)
    hw = _tup(output_size, 2, "output_size")
    nd = input._data.ndim
    if nd not in (2, 3):
        raise RuntimeError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported (got {nd}D)")
    x = input.reshape((1,) + input._data.shape) if nd == 2 else input
    _, CK, L = x._data.shape
    Ho, Wo = _out_sizes(hw, k, P)
    if CK % (k[0] * k[1]):
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
            f"got input.size(1)={CK} and kernel_size=({k[0]}, {k[1]})"
        )
    if Ho * Wo != L:
        raise RuntimeError(
            f"Given output_size=({hw[0]}, {hw[1]}), kernel_size=({k[0]}, {k[1]}), "
            f"dilation=({P[3][0]}, {P[3][1]}), padding=({P[1][0]}, {P[1][1]}), stride=({P[0][0]}, {P[0][1]}), "
            f"expected size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{Ho} * {Wo} = {Ho * Wo}, but got input.size(2)={L}."
        )
    out = _Fold.apply(x, k, P, hw)
    return out.reshape(out._data.shape[1:]) if nd == 2 else out


__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "unfold", "fold"]
