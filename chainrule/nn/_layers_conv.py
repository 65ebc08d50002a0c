"""Convolution, transposed convolution, unfold and fold (im2col / col2im on a window view).

A convolution y = conv(x, w) is bilinear; its three adjoint forms close under differentiation:
``_Conv`` (x, w -> y), ``_ConvT`` (y, w -> x: grad-input, also conv_transpose) and ``_ConvW``
(x, y -> w: grad-weight). Each backward is written with the other two, so gradients of any order
work. 1-d convolutions run as 2-d ones with a unit height (a free reshape of the arrays).
"""

from __future__ import annotations

from numpy.lib.stride_tricks import as_strided

from .._tensor import Tensor
from ..autograd.function import Function
from ..backend import xp

_make = Tensor._make


class _Op(Function):
    _builtin = True


# ---- array kernels -----------------------------------------------------------------------
# geometry ``P`` = (sh, sw, pt, pb, pl, pr, dh, dw, groups)


def _as4d(a):
    return a.reshape(a.shape[0], a.shape[1], 1, a.shape[2]) if a.ndim == 3 else a


def _back(a, ndim):
    return a.reshape(a.shape[0], a.shape[1], a.shape[3]) if ndim == 3 else a


def _out_len(n, k, s, p0, p1, d):
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


def _windows(x, kh, kw, P, Ho, Wo):
    """(N, C, kh, kw, Ho, Wo) read-only view of the zero-padded input's receptive fields."""
    sh, sw, pt, pb, pl, pr, dh, dw, _ = P
    N, C, H, W = x.shape
    if pt or pb or pl or pr:
        Hp = max(H + pt + pb, dh * (kh - 1) + sh * (Ho - 1) + 1)
        Wp = max(W + pl + pr, dw * (kw - 1) + sw * (Wo - 1) + 1)
        padded = xp.zeros((N, C, Hp, Wp), dtype=x.dtype)
        padded[:, :, pt : pt + H, pl : pl + W] = x
        x = padded
    sN, sC, sH, sW = x.strides
    return as_strided(x, (N, C, kh, kw, Ho, Wo), (sN, sC, sH * dh, sW * dw, sH * sh, sW * sw), writeable=False)


def _im2col(x, kh, kw, P, Ho, Wo):
    """(N, groups, C/groups*kh*kw, Ho*Wo) matrix of receptive fields (one copy)."""
    N, C = x.shape[:2]
    G = P[8]
    return _windows(x, kh, kw, P, Ho, Wo).reshape(N, G, C // G * kh * kw, Ho * Wo)


def _col2im(cols, C, kh, kw, P, H, W, Ho, Wo):
    """Adjoint of ``_im2col``: sum every column entry back onto its input pixel (loop over kh*kw)."""
    sh, sw, pt, pb, pl, pr, dh, dw, _ = P
    N = cols.shape[0]
    if kh == 1 and kw == 1 and sh == 1 and sw == 1 and not (pt or pb or pl or pr) and (Ho, Wo) == (H, W):
        return cols.reshape(N, C, H, W)
    cols = cols.reshape(N, C, kh, kw, Ho, Wo)
    Hp = max(H + pt + pb, dh * (kh - 1) + sh * (Ho - 1) + 1)
    Wp = max(W + pl + pr, dw * (kw - 1) + sw * (Wo - 1) + 1)
    out = xp.zeros((N, C, Hp, Wp), dtype=cols.dtype)
    he, we = sh * (Ho - 1) + 1, sw * (Wo - 1) + 1
    for i in range(kh):
        for j in range(kw):
            out[:, :, i * dh : i * dh + he : sh, j * dw : j * dw + we : sw] += cols[:, :, i, j]
    if Hp == H and Wp == W:
        return out
    return out[:, :, pt : pt + H, pl : pl + W]


# Input gradient at stride 1: with the padded map as one flat row per channel, kernel offset (i, j) is a
# shift by i*dh*Wp + j*dw, so col2im is kh*kw adds of contiguous runs of Ho*Wp (instead of Ho runs of Wo
# each). The gradient gets Wp - Wo zero junk columns per row so the shifted runs line up; its columns
# are laid out (C, kh, kw, N, Ho*Wp), making W^T g one matmul over the whole batch.
def _flat_ok(P, ck):
    return P[0] == 1 and P[1] == 1 and ck >= 32  # few channels: the batched path is cheaper


def _flat_geom(H, W, kh, kw, P):
    Hp, Wp = H + P[2] + P[3], W + P[4] + P[5]
    return Hp, Wp, Hp - P[6] * (kh - 1), Wp - P[7] * (kw - 1)


def _flat_g(g, Wp):
    """(O, N*Ho*Wp) gradient with zero junk columns."""
    N, O, Ho, Wo = g.shape
    ge = xp.zeros((O, N, Ho, Wp), dtype=g.dtype)
    ge[..., :Wo] = g.transpose(1, 0, 2, 3)
    return ge.reshape(O, N * Ho * Wp)


def _flat_conv_t(g, w, P, H, W):
    O, Cg, kh, kw = w.shape
    N = g.shape[0]
    G = P[8]
    C = Cg * G
    Hp, Wp, Ho, Wo = _flat_geom(H, W, kh, kw, P)
    wt = w.reshape(G, O // G, Cg * kh * kw)
    if Wo < Wp and not xp.isfinite(wt).all():
        return None  # a non-finite weight times a zero junk column would leak nan: take the exact path
    ge = _flat_g(g, Wp)
    cols = xp.matmul(wt.transpose(0, 2, 1), ge.reshape(G, O // G, -1)).reshape(C, kh, kw, N, Ho * Wp)
    out = xp.zeros((C, N, (Hp + 1) * Wp), dtype=g.dtype)
    L = Ho * Wp
    for i in range(kh):
        for j in range(kw):
            off = i * P[6] * Wp + j * P[7]
            out[:, :, off : off + L] += cols[:, i, j]
    out = out.reshape(C, N, Hp + 1, Wp)[:, :, P[2] : P[2] + H, P[4] : P[4] + W]
    return xp.ascontiguousarray(out.transpose(1, 0, 2, 3))


def _conv_arr(x, w, P):
    """y[n, o] = sum_{c, i, j} w[o, c, i, j] * xpad[n, c, s*h + d*i, s*w + d*j] as one batched matmul."""
    O, Cg, kh, kw = w.shape
    N, C, H, W = x.shape
    G = P[8]
    Ho = _out_len(H, kh, P[0], P[2], P[3], P[6])
    Wo = _out_len(W, kw, P[1], P[4], P[5], P[7])
    cols = _im2col(x, kh, kw, P, Ho, Wo)
    y = xp.matmul(w.reshape(G, O // G, Cg * kh * kw), cols)
    return y.reshape(N, O, Ho, Wo), cols


def _conv_t_arr(g, w, P, H, W):
    """Adjoint of the convolution in x: weight-transposed matmul, then col2im onto an H x W map."""
    ck = w.shape[1] * w.shape[2] * w.shape[3]
    if _flat_ok(P, ck) and _flat_geom(H, W, w.shape[2], w.shape[3], P)[2:] == g.shape[2:]:
        out = _flat_conv_t(g, w, P, H, W)
        if out is not None:
            return out
    O, Cg, kh, kw = w.shape
    N, _, Ho, Wo = g.shape
    G = P[8]
    wt = w.reshape(G, O // G, Cg * kh * kw).transpose(0, 2, 1)
    cols = xp.matmul(wt, g.reshape(N, G, O // G, Ho * Wo))
    return _col2im(cols, Cg * G, kh, kw, P, H, W, Ho, Wo)


def _conv_w_arr(x, g, P, kh, kw, cols=None):
    """Adjoint of the convolution in w: sum over batch and positions of g (x) receptive fields."""
    N, O, Ho, Wo = g.shape
    C = x.shape[1]
    G = P[8]
    if cols is None:
        cols = _im2col(x, kh, kw, P, Ho, Wo)
    # per-sample products summed over the batch (cheaper than one GEMM over transposed copies)
    gw = xp.matmul(g.reshape(N, G, O // G, Ho * Wo), cols.transpose(0, 1, 3, 2)).sum(0)
    return gw.reshape(O, C // G, kh, kw)


# ---- differentiable forms ----------------------------------------------------------------
class _Conv(_Op):
    """y = conv(x, w) + b; dx = conv_t(g, w), dw = conv_w(x, g), db = sum g"""

    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, b, P):
        xd = x._data
        y, cols = _conv_arr(_as4d(xd), _as4d(w._data), P)
        if b is not None:
            y += b._data.reshape(1, -1, 1, 1)
        ctx.P = P
        ctx.cols = cols if ctx.needs_input_grad[1] else None
        ctx.save_for_backward(x, w)
        return _back(y, xd.ndim)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gw = gb = None
        xs = x._data.shape
        if need[0]:
            gx = _ConvT.apply(g, w, None, ctx.P, xs[-2] if len(xs) == 4 else 1, xs[-1])
        if need[1]:
            gw = _ConvW.apply(x, g, ctx.P, w._data.shape, ctx.cols)
            ctx.cols = None
        if len(need) > 2 and need[2]:
            gb = g.sum((0, 2, 3) if g._data.ndim == 4 else (0, 2))
        return gx, gw, gb, None


class _ConvT(_Op):
    """x = conv_t(y, w) + b (adjoint of conv in x); dy = conv(g, w), dw = conv_w(g, y), db = sum g"""

    _node_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, y, w, b, P, H, W):
        yd = y._data
        x = _conv_t_arr(_as4d(yd), _as4d(w._data), P, H, W)
        if b is not None:
            x = x + b._data.reshape(1, -1, 1, 1)
        elif not x.flags.c_contiguous:
            x = xp.ascontiguousarray(x)
        ctx.P = P
        ctx.save_for_backward(y, w)
        return _back(x, yd.ndim)

    @staticmethod
    def backward(ctx, g):
        y, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        gy = gw = gb = None
        if need[0]:
            gy = _Conv.apply(g, w, None, ctx.P)
        if need[1]:
            gw = _ConvW.apply(g, y, ctx.P, w._data.shape, None)
        if len(need) > 2 and need[2]:
            gb = g.sum((0, 2, 3) if g._data.ndim == 4 else (0, 2))
        return gy, gw, gb, None, None, None


class _ConvW(_Op):
    """w = conv_w(x, y) (adjoint of conv in w); dx = conv_t(y, g), dy = conv(x, g)"""

    _node_name = "ConvolutionBackwardBackward0"

    @staticmethod
    def forward(ctx, x, y, P, wshape, cols):
        xd = x._data
        kh, kw = (wshape[2], wshape[3]) if len(wshape) == 4 else (1, wshape[2])
        gw = _conv_w_arr(_as4d(xd), _as4d(y._data), P, kh, kw, cols)
        ctx.P = P
        ctx.save_for_backward(x, y)
        return gw.reshape(wshape)

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        need = ctx.needs_input_grad
        xs = x._data.shape
        gx = _ConvT.apply(y, g, None, ctx.P, xs[-2] if len(xs) == 4 else 1, xs[-1]) if need[0] else None
        gy = _Conv.apply(x, g, None, ctx.P) if need[1] else None
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


def _check_dtypes(x, w, b):
    if x._data.dtype != w._data.dtype:
        raise RuntimeError(f"expected scalar type {_tname(x._data)} but found {_tname(w._data)}")
    if b is not None and b._data.dtype != x._data.dtype:
        raise RuntimeError(
            f"Input type ({_tname(x._data).lower()}) and bias type ({_tname(b._data).lower()}) should be the same"
        )


def _unbatched(x, nd, name):
    k = x._data.ndim
    if k == nd + 1:
        return True
    if k != nd + 2:
        raise RuntimeError(
            f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to {name}, but got input "
            f"of size: [{', '.join(map(str, x._data.shape))}]"
        )
    return False


def _geometry(nd, stride, padding, dilation, groups, ksize):
    """P tuple for 1-d (as 2-d with unit height) or 2-d; ``padding`` may be 'same' / 'valid'."""
    s = _tup(stride, nd, "stride")
    d = _tup(dilation, nd, "dilation")
    if any(v <= 0 for v in s):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise RuntimeError("dilation should be greater than zero")
    if isinstance(padding, str):
        if padding == "valid":
            pads = [(0, 0)] * nd
        elif padding == "same":
            if any(v != 1 for v in s):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = []
            for k, dd in zip(ksize, d):
                tot = dd * (k - 1)
                pads.append((tot // 2, tot - tot // 2))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _tup(padding, nd, "padding")
        if any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pads = [(v, v) for v in p]
    if nd == 1:
        return (1, s[0], 0, 0, pads[0][0], pads[0][1], 1, d[0], groups)
    return (s[0], s[1], pads[0][0], pads[0][1], pads[1][0], pads[1][1], d[0], d[1], groups)


def _check_bias(w, b, nout):
    if b is not None and (b._data.ndim != 1 or b._data.shape[0] != nout):
        raise RuntimeError(
            f"Given weight of size [{', '.join(map(str, w._data.shape))}], expected bias to be "
            f"1-dimensional with {nout} elements, but got bias of size "
            f"[{', '.join(map(str, b._data.shape))}] instead"
        )


def _convnd(input, weight, bias, stride, padding, dilation, groups, nd, name):
    unb = _unbatched(input, nd, name)
    if weight._data.ndim != nd + 2:
        raise RuntimeError(f"weight should have at least three dimensions (got {weight._data.ndim}) for {name}")
    _check_dtypes(input, weight, bias)
    if unb:
        input = input.reshape((1,) + input._data.shape)
    ws = weight._data.shape
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if ws[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [[{', '.join(map(str, ws))}]] instead"
        )
    C = input._data.shape[1]
    if C != ws[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size [{', '.join(map(str, ws))}], expected "
            f"input[{', '.join(map(str, input._data.shape))}] to have {ws[1] * groups} channels, "
            f"but got {C} channels instead"
        )
    _check_bias(weight, bias, ws[0])
    P = _geometry(nd, stride, padding, dilation, groups, ws[2:])
    sp = input._data.shape[2:] if nd == 2 else (1,) + input._data.shape[2:]
    ks = ws[2:] if nd == 2 else (1,) + ws[2:]
    Ho = _out_len(sp[0], ks[0], P[0], P[2], P[3], P[6])
    Wo = _out_len(sp[1], ks[1], P[1], P[4], P[5], P[7])
    if Ho <= 0 or Wo <= 0:
        psz = [sp[0] + P[2] + P[3], sp[1] + P[4] + P[5]][2 - nd :]
        esz = [P[6] * (ks[0] - 1) + 1, P[7] * (ks[1] - 1) + 1][2 - nd :]
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, psz))}). Kernel size: "
            f"({' x '.join(map(str, esz))}). Kernel size can't be greater than actual input size"
        )
    out = _Conv.apply(input, weight, bias, P)
    return out.reshape(out._data.shape[1:]) if unb else out


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """1-d cross-correlation over (N, C, L) with (O, C/groups, k) filters"""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1) -> Tensor:
    """2-d cross-correlation over (N, C, H, W) with (O, C/groups, kh, kw) filters"""
    return _convnd(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def _conv_transpose_nd(input, weight, bias, stride, padding, output_padding, groups, dilation, nd, name):
    unb = _unbatched(input, nd, name)
    _check_dtypes(input, weight, bias)
    if unb:
        input = input.reshape((1,) + input._data.shape)
    ws = weight._data.shape
    groups = int(groups)
    C = input._data.shape[1]
    if C != ws[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size [{', '.join(map(str, ws))}], expected "
            f"input[{', '.join(map(str, input._data.shape))}] to have {ws[0]} channels, but got {C} "
            "channels instead"
        )
    if ws[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [[{', '.join(map(str, ws))}]] instead"
        )
    _check_bias(weight, bias, ws[1] * groups)
    if isinstance(padding, str):
        raise RuntimeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    P = _geometry(nd, stride, padding, dilation, groups, ws[2:])
    op = _tup(output_padding, nd, "output_padding")
    s = (P[0], P[1])[2 - nd :]
    d = (P[6], P[7])[2 - nd :]
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        raise RuntimeError(
            "output padding must be smaller than either stride or dilation, but got "
            + " ".join(f"output_padding_{a}: {o}" for a, o in zip(("height", "width")[2 - nd :], op))
            + " "
            + " ".join(f"stride_{a}: {o}" for a, o in zip(("height", "width")[2 - nd :], s))
            + " "
            + " ".join(f"dilation_{a}: {o}" for a, o in zip(("height", "width")[2 - nd :], d))
        )
    sp = (1,) * (2 - nd) + input._data.shape[2:]
    ks = (1,) * (2 - nd) + ws[2:]
    ops = (0,) * (2 - nd) + op
    H = (sp[0] - 1) * P[0] - P[2] - P[3] + P[6] * (ks[0] - 1) + ops[0] + 1
    W = (sp[1] - 1) * P[1] - P[4] - P[5] + P[7] * (ks[1] - 1) + ops[1] + 1
    if H <= 0 or W <= 0:
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, sp[2 - nd :]))}). Calculated output "
            f"size per channel: ({' x '.join(map(str, (H, W)[2 - nd :]))}). Output size is too small"
        )
    out = _ConvT.apply(input, weight, bias, P, H, W)
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


# ---- unfold / fold -------------------------------------------------------------------------
class _Unfold(_Op):
    """cols = im2col(x); adjoint: fold"""

    _node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, k, P):
        d = x._data
        N, C, H, W = d.shape
        Ho = _out_len(H, k[0], P[0], P[2], P[3], P[6])
        Wo = _out_len(W, k[1], P[1], P[4], P[5], P[7])
        ctx.k, ctx.P, ctx.hw = k, P, (H, W)
        return _im2col(d, k[0], k[1], P, Ho, Wo).reshape(N, C * k[0] * k[1], Ho * Wo)

    @staticmethod
    def backward(ctx, g):
        return _Fold.apply(g, ctx.k, ctx.P, ctx.hw), None, None


class _Fold(_Op):
    """x = col2im(cols) summing overlaps; adjoint: unfold"""

    _node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, c, k, P, hw):
        d = c._data
        N, CK, L = d.shape
        H, W = hw
        Ho = _out_len(H, k[0], P[0], P[2], P[3], P[6])
        Wo = _out_len(W, k[1], P[1], P[4], P[5], P[7])
        ctx.k, ctx.P = k, P
        return xp.ascontiguousarray(_col2im(d, CK // (k[0] * k[1]), k[0], k[1], P, H, W, Ho, Wo))

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
    return k, (s[0], s[1], p[0], p[0], p[1], p[1], d[0], d[1], 1)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Sliding blocks as columns: (N, C, H, W) -> (N, C*kh*kw, L)"""
    k, P = _fold_geometry(kernel_size, dilation, padding, stride)
    nd = input._data.ndim
    if nd not in (3, 4):
        raise RuntimeError(f"Input Error: Only 3D or 4D input Tensors are supported (got {nd}D)")
    x = input.reshape((1,) + input._data.shape) if nd == 3 else input
    H, W = x._data.shape[2:]
    if _out_len(H, k[0], P[0], P[2], P[3], P[6]) <= 0 or _out_len(W, k[1], P[1], P[4], P[5], P[7]) <= 0:
        raise RuntimeError(
            f"Given input with spatial size ({H}, {W}), kernel_size={list(k)}, "
            f"dilation=({P[6]}, {P[7]}), padding=({P[2]}, {P[4]}), calculated shape of the array of "
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
    Ho = _out_len(hw[0], k[0], P[0], P[2], P[3], P[6])
    Wo = _out_len(hw[1], k[1], P[1], P[4], P[5], P[7])
    if CK % (k[0] * k[1]):
        raise RuntimeError(
            f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
            f"got input.size(1)={CK} and kernel_size=({k[0]}, {k[1]})"
        )
    if Ho * Wo != L:
        raise RuntimeError(
            f"Given output_size=({hw[0]}, {hw[1]}), kernel_size=({k[0]}, {k[1]}), "
            f"dilation=({P[6]}, {P[7]}), padding=({P[2]}, {P[4]}), stride=({P[0]}, {P[1]}), expected "
            f"size of input's dimension 2 to match the calculated number of sliding blocks "
            f"{Ho} * {Wo} = {Ho * Wo}, but got input.size(2)={L}."
        )
    out = _Fold.apply(x, k, P, hw)
    return out.reshape(out._data.shape[1:]) if nd == 2 else out


__all__ = ["conv1d", "conv2d", "conv_transpose1d", "conv_transpose2d", "unfold", "fold"]
