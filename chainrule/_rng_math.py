"""Exact NumPy replicas of the arithmetic inside PyTorch's CPU random kernels.

PyTorch's vectorised normal sampler for float32 runs Cephes-style ``logf``/``sincosf`` polynomials
whose multiply-adds the compiler fuses into FMAs, and its uniform kernels are fused too
(``x * (to - from) + from`` becomes one rounding). NumPy has no fma, so these helpers compute each
fused step exactly in a wider type and round once. They also give the closed form of the
Fisher-Yates shuffles ``randperm`` runs, so a permutation is built from its swap targets without a
per-element loop.
"""

from __future__ import annotations

import numpy as np

_F32 = np.float32
_F64 = np.float64
_U64 = np.uint64
_MID_MASK = np.uint64(0x1FFF_FFFF)  # float64 bits below float32 precision
_MID = np.uint64(0x1000_0000)  # ... at exactly half a float32 ulp


def _toward(s, e):
    return np.nextafter(s, np.where(e > 0, np.inf, -np.inf))


def fma32(a, b, c):
    """float32 ``a * b + c`` with a single rounding (a, b, c float32 arrays or scalars)."""
    s = np.multiply(a, b, dtype=_F64)
    s += c
    return round_sum32(s, a, b, c)


def round_sum32(s, a, b, c):
    """Round ``s = a*b + c`` (computed in float64, product exact) to float32 as one fused rounding.

    float64 keeps the product exactly, so only the addition rounds; that second rounding can only
    mislead the final one when it lands exactly halfway between two float32 values, which is rare
    and fixed by nudging toward the exact sum's error term.
    """
    mid = (s.view(_U64) & _MID_MASK) == _MID
    if mid.any():
        idx = np.nonzero(mid)
        p = np.multiply(_pick(a, idx), _pick(b, idx), dtype=_F64)
        cc = np.asarray(_pick(c, idx), dtype=_F64)
        t = s[idx]
        bb = t - p
        e = (p - (t - bb)) + (cc - bb)
        s = s.copy()
        s[idx] = np.where(e != 0, _toward(t, e), t)
    return s.astype(_F32)


def _pick(v, idx):
    return v[idx] if np.ndim(v) else v


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _split(a):
    c = a * 134217729.0  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def fma64(a, b, c):
    """float64 ``a * b + c`` rounded once (exact product, then round-to-odd before the last add)."""
    a = np.asarray(a, _F64)
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(np.asarray(b, _F64))
    pl = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s, e = _two_sum(p, c)
    t, f = _two_sum(e, pl)
    even = (np.asarray(t).view(np.int64) & 1) == 0
    fix = (f != 0) & even
    if np.any(fix):
        t = np.where(fix, _toward(t, f), t)
    return s + t


# ---- glibc's log1p on (-1, 0] -----------------------------------------------------------------------
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_LP = (
    6.666666666666735130e-01,
    3.999999999940941908e-01,
    2.857142874366239149e-01,
    2.222219843214978396e-01,
    1.818357216161805012e-01,
    1.531383769920937332e-01,
    1.479819860511658591e-01,
)


def log1p_neg(x):
    """``log1p(x)`` for float64 x in (-1, 0], bit-identical to glibc's (the FDLIBM reduction
    ``1 + x = 2^k (1 + f)``, ``s = f / (2 + f)``, an even polynomial in s, with the multiply-adds its
    x86-64 FMA build fuses). torch's samplers call it on ``-u`` for uniforms u."""
    x = np.asarray(x, dtype=_F64)
    f = x.copy()
    k = np.zeros_like(x)
    c = np.zeros_like(x)
    hi = (x.view(np.int64) >> 32).astype(np.int32)
    far = hi > np.int32(-0x402D_413D)  # x < -0.2929: reduce 1 + x to 2^k (1 + f) with a correction c
    special = np.zeros(x.shape, dtype=bool)
    if far.any():
        xs = x[far]
        u = 1.0 + xs
        ub = u.view(np.int64)
        hu = (ub >> 32) & 0xFFFF_FFFF
        kk = (hu >> 20) - 1023
        cc = np.where(kk > 0, 1.0 - (u - xs), xs - (u - 1.0)) / u
        hu &= 0x000F_FFFF
        big = hu >= 0x6A09E
        top = np.where(big, hu | 0x3FE0_0000, hu | 0x3FF0_0000)
        un = ((top << 32) | (ub & 0xFFFF_FFFF)).view(_F64)
        f[far] = un - 1.0
        k[far] = kk + big
        c[far] = cc
        special[far] = np.where(big, (0x0010_0000 - hu) >> 2, hu) == 0  # |f| < 2^-20
    hfsq = 0.5 * f * f
    s = f / (2.0 + f)
    z = s * s
    z2 = z * z
    z4 = z2 * z2
    z6 = z4 * z2
    r2 = fma64(z, _LP[2], _LP[1])
    r3 = fma64(z, _LP[4], _LP[3])
    r4 = fma64(z, _LP[6], _LP[5])
    r = fma64(z6, r4, fma64(z4, r3, fma64(z, _LP[0], z2 * r2)))
    sr = s * (hfsq + r)
    out = np.where(k == 0, f - (hfsq - sr), fma64(k, _LN2_HI, -((hfsq - (sr + fma64(k, _LN2_LO, c))) - f)))
    if special.any():
        fs, ks, cs = f[special], k[special], c[special]
        rr = hfsq[special] * fma64(-0.66666666666666666, fs, 1.0)
        val = np.where(ks == 0, fs - rr, fma64(ks, _LN2_HI, -((rr - fma64(ks, _LN2_LO, cs)) - fs)))
        out[special] = np.where(fs == 0, np.where(ks == 0, 0.0, fma64(ks, _LN2_HI, fma64(ks, _LN2_LO, cs))), val)
    tiny = np.abs(x) < 2.0**-29
    if tiny.any():
        xt = x[tiny]
        out[tiny] = np.where(np.abs(xt) < 2.0**-54, xt, xt - xt * xt * 0.5)
    return out


# ---- Cephes logf / sincosf as in PyTorch's AVX2 normal sampler ---------------------------------
_LOG_P = [
    _F32(v)
    for v in (
        7.0376836292e-2,
        -1.1514610310e-1,
        1.1676998740e-1,
        -1.2420140846e-1,
        1.4249322787e-1,
        -1.6668057665e-1,
        2.0000714765e-1,
        -2.4999993993e-1,
        3.3333331174e-1,
    )
]
_LOG_Q1 = _F32(-2.12194440e-4)
_LOG_Q2 = _F32(0.693359375)
_SQRTHF = _F32(0.707106781186547524)
_DP1 = _F32(-0.78515625)
_DP2 = _F32(-2.4187564849853515625e-4)
_DP3 = _F64(_F32(-3.77489497744594108e-8))
_SIN = [_F32(v) for v in (-1.9515295891e-4, 8.3321608736e-3, -1.6666654611e-1)]
_COS = [_F32(v) for v in (2.443315711809948e-005, -1.388731625493765e-003, 4.166664568298827e-002)]
_FOPI = _F32(1.27323954473516)
_TWO_PI = _F32(2.0 * np.pi)


_SQRTHF_BITS = np.int32(np.array(_SQRTHF).view(np.int32))
_LOG_P64 = [_F64(c) for c in _LOG_P]
_SIN64 = [_F64(c) for c in _SIN]
_COS64 = [_F64(c) for c in _COS]
_CHUNK = 16384  # lanes per pass: keeps the float64 temporaries in L2


def _radius(k):
    """``sqrt(-2 * logf(1 - k * 2^-24))`` with the Cephes logf; k int32 in [0, 2^24).

    Every fused step here is exact in float64, so one rounding to float32 reproduces the FMA
    (checked over all 2^24 inputs).
    """
    u1 = (np.int32(1 << 24) - k).astype(_F32)  # (1 - u) * 2^24, exact
    bits = u1.view(np.int32)
    ex = bits >> 23
    mb = bits & np.int32(0x007F_FFFF)
    mb |= np.int32(0x3F00_0000)  # mantissa m in [0.5, 1)
    small = mb - _SQRTHF_BITS
    small >>= 31  # -1 where m < sqrt(1/2): use 2m - 1 and one less in the exponent
    ex += small
    e = ex.astype(_F32)
    e -= _F32(126 + 24)
    small <<= 23
    mb -= small
    x = mb.view(_F32)
    x -= _F32(1)
    z = x * x
    x64 = x.astype(_F64)
    s = x64 * _LOG_P64[0]
    s += _LOG_P64[1]
    y = s.astype(_F32)
    y64 = np.empty_like(x64)
    for c in _LOG_P64[2:]:
        np.copyto(y64, y)
        np.multiply(y64, x64, out=s)
        s += c
        np.copyto(y, s, casting="unsafe")
    y *= x
    np.copyto(y64, y)
    np.multiply(y64, z, out=y64)
    y64 += e * _LOG_Q1
    np.copyto(y, y64, casting="unsafe")
    z *= _F32(0.5)
    y -= z
    x += y
    e *= _LOG_Q2  # exact: a small integer times a 9-bit constant
    x += e
    x *= _F32(-2)
    return np.sqrt(x, out=x)


def _sincos(k):
    """(sin, cos) of ``theta = 2pi * k * 2^-24`` in float32 with the Cephes polynomials; k int32.

    Only the last sine step can round differently in float64 than with an FMA; round_sum32 fixes
    that one (checked over all 2^24 inputs).
    """
    th = k.astype(_F32)
    th *= _TWO_PI
    th *= _F32(2.0**-24)
    j = (th * _FOPI).astype(np.int32)
    j += 1
    j &= -2
    y = j.astype(_F32)
    x = y * _DP1
    x += th
    x += y * _DP2
    s = y.astype(_F64)
    s *= _DP3
    s += x
    np.copyto(x, s, casting="unsafe")
    z = x * x
    z64 = z.astype(_F64)
    np.multiply(z64, _COS64[0], out=s)
    s += _COS64[1]
    yc = s.astype(_F32)
    w = yc.astype(_F64)
    w *= z64
    w += _COS64[2]
    np.copyto(yc, w, casting="unsafe")
    yc *= z
    np.copyto(w, yc)
    w *= z64
    w -= z64 * 0.5
    np.copyto(yc, w, casting="unsafe")
    yc += _F32(1)
    np.multiply(z64, _SIN64[0], out=s)
    s += _SIN64[1]
    ys = s.astype(_F32)
    np.copyto(w, ys)
    w *= z64
    w += _SIN64[2]
    np.copyto(ys, w, casting="unsafe")
    ys *= z
    np.copyto(w, ys)
    x64 = x.astype(_F64)
    w *= x64
    w += x64
    ys = round_sum32(w, ys, x, x)
    # pick polynomial and sign per octant with bit operations (j is even)
    yci = yc.view(np.int32)
    ysi = ys.view(np.int32)
    m = j & 2
    m -= 1
    m >>= 31  # -1 where the sine polynomial gives the sine
    d = yci ^ ysi
    d &= m
    sin = yci ^ d
    cos = ysi ^ d
    sign = j & 4
    sign <<= 29
    sin ^= sign
    j -= 2
    np.invert(j, out=j)
    j &= 4
    j <<= 29
    cos ^= j
    return sin.view(_F32), cos.view(_F32)


def normal16_f32(words, mean, std):
    """PyTorch's AVX2 16-lane Box-Muller over 32-bit words (count a multiple of 16) -> float32.

    In each block of 16 uniforms, lanes 0-7 give the radius (from ``1 - u``) and lanes 8-15 the
    angle; the outputs are ``radius * cos`` in lanes 0-7 and ``radius * sin`` in lanes 8-15, then
    ``fma(v, std, mean)``.
    """
    k = (words & np.uint32(0xFF_FFFF)).view(np.int32).reshape(-1, 2, 8)
    out = np.empty(k.shape, dtype=_F32)
    step = _CHUNK // 8
    scale = std != 1.0 or mean != 0.0
    for b in range(0, k.shape[0], step):
        blk = k[b : b + step]
        r = _radius(blk[:, 0].reshape(-1))
        sin, cos = _sincos(blk[:, 1].reshape(-1))
        cos *= r
        sin *= r
        if scale:
            cos = fma32(cos, _F32(std), _F32(mean))
            sin = fma32(sin, _F32(std), _F32(mean))
        out[b : b + step, 0] = cos.reshape(-1, 8)
        out[b : b + step, 1] = sin.reshape(-1, 8)
    return out.reshape(-1)


# ---- Fisher-Yates closed forms -------------------------------------------------------------------
def _groups(t):
    """Indices grouped by target: returns (target, index) sorted by target then index, one sort of
    composite keys (cheaper than a stable argsort), and a mask of entries whose predecessor in that
    order has the same target."""
    n = t.size
    shift = max(n - 1, 1).bit_length()
    keys = t << shift
    keys |= np.arange(n, dtype=np.int64)
    keys.sort()
    ts = keys >> shift
    ks = keys & ((1 << shift) - 1)
    same = ts[1:] == ts[:-1]
    return ts, ks, same


def _prev_same(ts, ks, same):
    """For each i, the largest k < i with t[k] == t[i], else -1."""
    prev = np.full(ts.size, -1, dtype=np.int64)
    prev[ks[1:][same]] = ks[:-1][same]
    return prev


def _last_other(ts, ks, same, n):
    """For each value v in [0, n), the largest index k != v with t[k] == v, else -1 (the k == v entry,
    when present, is the last of its group since t[k] >= k)."""
    last = np.full(n, -1, dtype=np.int64)
    end = np.ones(ts.size, dtype=bool)
    end[:-1] = ~same
    own = ks == ts
    pick = end & ~own
    pick[:-1] |= same & own[1:] & end[1:]  # the entry just before a group-ending k == v
    last[ts[pick]] = ks[pick]
    return last


def _resolve(ptr, val):
    """Follow ``ptr`` chains (ptr[i] == i marks a resolved entry) and return the resolved values."""
    ptr = ptr.copy()
    todo = np.nonzero(ptr != np.arange(ptr.size))[0]
    while todo.size:
        nxt = ptr[ptr[todo]]
        ptr[todo] = nxt
        todo = todo[ptr[nxt] != nxt]
    return val[ptr]


def shuffle_forward(z):
    """Result of ``a = arange(n); for i: swap(a[i], a[i + z[i]])`` for z of length n - 1."""
    n = z.size + 1
    t = np.arange(n, dtype=np.int64)
    t[:-1] += z
    g = _groups(t)
    prev = _prev_same(*g)
    # value sitting at position i when step i starts: written by the last earlier step aimed at i
    last = _last_other(*g, n)
    idx = np.arange(n, dtype=np.int64)
    ptr = np.where(last >= 0, last, idx)
    v = _resolve(ptr, idx)
    return np.where(prev >= 0, v[np.maximum(prev, 0)], t)


def shuffle_inside_out(z):
    """Result of ``for i: a[i] = a[z[i]]; a[z[i]] = i`` (``z[i] <= i``) over a fresh array."""
    n = z.size
    idx = np.arange(n, dtype=np.int64)
    g = _groups(z)
    prev = _prev_same(*g)
    # the value step p leaves at p: p itself, an earlier step's index aimed at the same slot, or
    # whatever slot z[p] held when step z[p] left it
    own = z == idx
    later = prev > z
    ptr = np.where(own | later, idx, z)
    val = np.where(later, prev, idx)
    base = _resolve(ptr, val)
    last = _last_other(*g, n)
    return np.where(last >= 0, last, base)
