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


# ---- the C library's own float64 log / exp / cos / sin, vectorised ---------------------------------
# torch's float64 samplers call libm (std::log, std::exp, ...). NumPy's SIMD log and exp differ from
# glibc's in the last ulp for a few values in a thousand, so each function here is taken from a
# vectorised routine that is checked once, on probe values, to round exactly as the C library does
# (Python's math module calls the same libm). scipy's Box-Cox transforms at lambda 0 are plain
# log/exp calls; should a candidate ever disagree, the exact per-element fallback is used instead.
def _probes(kind):
    rng = np.random.default_rng(20261128)
    if kind == "log":
        return np.concatenate([rng.random(4096), 1.0 - rng.random(1024) * 2.0**-4, rng.random(256) * 1e-300])
    if kind == "exp":
        return rng.uniform(-700.0, 700.0, 1024) * rng.random(1024) ** 8
    return rng.uniform(-10.0, 10.0, 4096)


def _candidates(name):
    import scipy.special as sps

    return {
        "log": [lambda x: sps.boxcox(x, 0.0)],
        "exp": [lambda x: sps.inv_boxcox(x, 0.0)],
        "cos": [np.cos],
        "sin": [np.sin],
    }[name]


_LIBM: dict = {}


def libm(name: str):
    """A float64 array function rounding exactly as the C library's ``name`` (log, exp, cos, sin)."""
    fn = _LIBM.get(name)
    if fn is None:
        import math

        ref = getattr(math, name)
        probe = _probes(name)
        want = np.array([ref(v) for v in probe.tolist()])
        for cand in _candidates(name):
            with np.errstate(all="ignore"):
                got = np.asarray(cand(probe), dtype=_F64)
            if got.shape == want.shape and np.array_equal(got.view(np.int64), want.view(np.int64)):
                fn = cand
                break
        else:  # pragma: no cover - only on a platform whose vector routines all differ from libm
            fn = _per_element(ref)
        _LIBM[name] = fn
    return fn


def _per_element(ref):  # pragma: no cover - fallback path
    def one(v):
        try:
            return ref(v)
        except ValueError:
            return -np.inf if v == 0 else np.nan
        except OverflowError:
            return np.inf

    per = np.frompyfunc(one, 1, 1)
    return lambda x: per(np.asarray(x, dtype=_F64)).astype(_F64)


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
_CHUNK = 32768  # lanes per pass: reused scratch stays in L2 and ~100 ufunc calls a pass stay cheap


class _Scratch:
    """Work arrays for one pass of the Box-Muller kernel, allocated once per call and reused."""

    __slots__ = ("i", "f", "d")

    def __init__(self, n):
        self.i = [np.empty(n, np.int32) for _ in range(3)]
        self.f = [np.empty(n, _F32) for _ in range(6)]
        self.d = [np.empty(n, _F64) for _ in range(3)]


def _radius(k, ws=None):
    """``sqrt(-2 * logf(1 - k * 2^-24))`` with the Cephes logf; k int32 in [0, 2^24).

    Every fused step here is exact in float64, so one rounding to float32 reproduces the FMA
    (checked over all 2^24 inputs). Returns a view of scratch buffer ``f[0]``.
    """
    n = k.size
    ws = ws or _Scratch(n)
    ex, t, small = (a[:n] for a in ws.i)
    x, z, e, y = (a[:n] for a in ws.f[:4])
    x64, y64, t64 = (a[:n] for a in ws.d)
    np.subtract(np.int32(1 << 24), k, out=t)
    np.copyto(x, t)  # u1 = (1 - u) * 2^24, exact
    bits = x.view(np.int32)
    np.right_shift(bits, 23, out=ex)
    bits &= np.int32(0x007F_FFFF)
    bits |= np.int32(0x3F00_0000)  # mantissa m in [0.5, 1)
    np.subtract(bits, _SQRTHF_BITS, out=small)
    small >>= 31  # -1 where m < sqrt(1/2): use 2m - 1 and one less in the exponent
    ex += small
    np.copyto(e, ex)
    e -= _F32(126 + 24)
    small <<= 23
    bits -= small
    x -= _F32(1)
    np.multiply(x, x, out=z)
    np.copyto(x64, x)
    np.multiply(x64, _LOG_P64[0], out=y64)
    y64 += _LOG_P64[1]
    for c in _LOG_P64[2:]:  # Horner with one rounding to float32 per fused step
        np.copyto(y, y64, casting="unsafe")
        np.copyto(y64, y)
        y64 *= x64
        y64 += c
    np.copyto(y, y64, casting="unsafe")
    y *= x
    np.copyto(y64, y)
    np.copyto(t64, z)
    y64 *= t64
    np.multiply(e, _LOG_Q1, out=y)
    np.copyto(t64, y)
    y64 += t64  # fma(y * x, z, e * q1)
    np.copyto(y, y64, casting="unsafe")
    z *= _F32(0.5)
    y -= z
    x += y
    e *= _LOG_Q2  # exact: a small integer times a 9-bit constant
    x += e
    x *= _F32(-2)
    return np.sqrt(x, out=x)


def _sincos(k, ws=None):
    """(sin, cos) of ``theta = 2pi * k * 2^-24`` in float32 with the Cephes polynomials; k int32.

    Only the last sine step can round differently in float64 than with an FMA; the exact-halfway
    check fixes that one (checked over all 2^24 inputs). Returns views of scratch ``f[4]``, ``f[5]``.
    """
    n = k.size
    ws = ws or _Scratch(n)
    j, m, d = (a[:n] for a in ws.i)
    th, x, z, yc, ys = (a[:n] for a in ws.f[1:])
    w, z64, x64 = (a[:n] for a in ws.d)
    np.copyto(th, k)
    th *= _TWO_PI
    th *= _F32(2.0**-24)
    np.multiply(th, _FOPI, out=x)
    np.copyto(j, x, casting="unsafe")
    j += 1
    j &= -2  # even octant index
    np.copyto(yc, j)
    np.multiply(yc, _DP1, out=x)  # exact products: the fused and plain steps agree
    x += th
    np.multiply(yc, _DP2, out=ys)
    x += ys
    np.copyto(w, yc)
    w *= _DP3
    np.copyto(x64, x)
    w += x64
    np.copyto(x, w, casting="unsafe")
    np.multiply(x, x, out=z)
    np.copyto(z64, z)
    # cosine polynomial: 1 - z/2 + z^2 (c0 z^2 + c1 z + c2)
    np.multiply(z64, _COS64[0], out=w)
    w += _COS64[1]
    np.copyto(yc, w, casting="unsafe")
    np.copyto(w, yc)
    w *= z64
    w += _COS64[2]
    np.copyto(yc, w, casting="unsafe")
    yc *= z
    np.copyto(w, yc)
    w *= z64
    np.multiply(z, _F32(0.5), out=th)
    np.copyto(x64, th)
    w -= x64
    np.copyto(yc, w, casting="unsafe")
    yc += _F32(1)
    # sine polynomial: x + x z (s0 z^2 + s1 z + s2)
    np.multiply(z64, _SIN64[0], out=w)
    w += _SIN64[1]
    np.copyto(ys, w, casting="unsafe")
    np.copyto(w, ys)
    w *= z64
    w += _SIN64[2]
    np.copyto(ys, w, casting="unsafe")
    ys *= z
    np.copyto(w, ys)
    np.copyto(x64, x)
    w *= x64
    w += x64
    mid = (w.view(_U64) & _MID_MASK) == _MID  # float64 sum exactly halfway between two float32s
    if mid.any():
        idx = np.nonzero(mid)
        p = ys[idx].astype(_F64) * x64[idx]
        t = w[idx]
        bb = t - p
        err = (p - (t - bb)) + (x64[idx] - bb)
        w[idx] = np.where(err != 0, _toward(t, err), t)
    np.copyto(ys, w, casting="unsafe")
    # pick polynomial and sign per octant with bit operations (j is even)
    sin = yc.view(np.int32)
    cos = ys.view(np.int32)
    np.bitwise_and(j, 2, out=m)
    m -= 1
    m >>= 31  # -1 where the sine polynomial gives the sine
    np.bitwise_xor(sin, cos, out=d)
    d &= m
    sin ^= d
    cos ^= d
    np.bitwise_and(j, 4, out=m)
    m <<= 29
    sin ^= m
    j -= 2
    np.invert(j, out=j)
    j &= 4
    j <<= 29
    cos ^= j
    return yc, ys


def normal16_f32(words, mean, std, out=None):
    """PyTorch's AVX2 16-lane Box-Muller over 32-bit words (count a multiple of 16) -> float32.

    In each block of 16 uniforms, lanes 0-7 give the radius (from ``1 - u``) and lanes 8-15 the
    angle; the outputs are ``radius * cos`` in lanes 0-7 and ``radius * sin`` in lanes 8-15, then
    ``fma(v, std, mean)``. Writes into ``out`` (float32, same length) when given.
    """
    blocks = words.view(np.int32).reshape(-1, 2, 8)
    nblk = blocks.shape[0]
    if out is None:
        out = np.empty(words.size, dtype=_F32)
    res = out.reshape(-1, 2, 8)
    step = min(_CHUNK // 8, nblk)
    ws = _Scratch(step * 8)
    kr = np.empty((step, 8), np.int32)
    ka = np.empty((step, 8), np.int32)
    scale = std != 1.0 or mean != 0.0
    low24 = np.int32(0xFF_FFFF)
    for b in range(0, nblk, step):
        nb = min(step, nblk - b)
        blk = blocks[b : b + nb]
        r_k, a_k = kr[:nb], ka[:nb]
        np.bitwise_and(blk[:, 0], low24, out=r_k)
        np.bitwise_and(blk[:, 1], low24, out=a_k)
        r = _radius(r_k.reshape(-1), ws).reshape(nb, 8)
        sin, cos = _sincos(a_k.reshape(-1), ws)
        dst = res[b : b + nb]
        if scale:
            dst[:, 0] = fma32(cos.reshape(nb, 8) * r, _F32(std), _F32(mean))
            dst[:, 1] = fma32(sin.reshape(nb, 8) * r, _F32(std), _F32(mean))
        else:
            np.multiply(cos.reshape(nb, 8), r, out=dst[:, 0])
            np.multiply(sin.reshape(nb, 8), r, out=dst[:, 1])
    return out


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


# ---- torch's cascade sum over a contiguous last axis ---------------------------------------------
def _ceil_log2(x: int) -> int:
    return 1 if x <= 2 else (x - 1).bit_length()


def _multi_row_sum(x):
    """ATen's multi_row_sum: x (batch, size, nrows, lanes) summed over ``size`` in chunks of 16+ rows
    whose partial sums cascade through four levels."""
    size = x.shape[1]
    power = max(4, _ceil_log2(size) // 4)
    step = 1 << power
    mask = step - 1
    acc = np.zeros((4,) + x.shape[:1] + x.shape[2:], dtype=x.dtype)
    i = 0
    while i + step <= size:
        acc[0] = np.cumsum(x[:, i : i + step], axis=1)[:, -1]  # acc[0] is zero here; accumulate is sequential
        i += step
        for j in range(1, 4):
            acc[j] += acc[j - 1]
            acc[j - 1] = 0
            if i & (mask << (j * power)):
                break
    if i < size:
        acc[0] = np.cumsum(x[:, i:], axis=1)[:, -1]
    for j in range(1, 4):
        acc[0] += acc[j]
    return acc[0]


def _row_sum(x):
    """ATen's row_sum with four interleaved accumulators: x (batch, size, lanes) -> (batch, lanes)."""
    size = x.shape[1]
    full = size // 4 * 4
    part = _multi_row_sum(x[:, :full].reshape(x.shape[0], size // 4, 4, x.shape[2]))
    first = part[:, 0]
    for i in range(full, size):
        first += x[:, i]
    for k in range(1, 4):
        first += part[:, k]
    return first


def cascade_sum_last(a):
    """Sum over the last axis of a float64 array with keepdims, adding in exactly the order of torch's
    CPU ``sum`` over a contiguous reduced dimension (vector lanes, interleaved accumulators, cascade)."""
    lanes = 4  # the sum kernel has no AVX-512 build: AVX2 and default vectors hold 4 doubles
    k = a.shape[-1]
    rows = np.ascontiguousarray(a).reshape(-1, k)
    if k >= lanes:
        nv = k // lanes
        vec = _row_sum(rows[:, : nv * lanes].reshape(rows.shape[0], nv, lanes))
        total = np.zeros(rows.shape[0], dtype=a.dtype)
        for j in range(nv * lanes, k):
            total += rows[:, j]
        for j in range(lanes):
            total += vec[:, j]
    else:
        total = _row_sum(rows[:, :, None])[:, 0]
    return (total + 0.0).reshape(a.shape[:-1] + (1,))


# ---- glibc's logf ----------------------------------------------------------------------------------
# float32 log as the C library computes it (a 16-entry table of 1/c and log(c), then a cubic in
# r = z/c - 1, all in double, rounded once to float). NumPy's float32 log differs from it in about
# one value in nine, which matters where torch's float32 kernels subtract nearby logarithms.
_LOGF_TAB = np.array(
    [
        [float.fromhex(a), float.fromhex(b)]
        for a, b in (
            ("0x1.661ec79f8f3bep+0", "-0x1.57bf7808caadep-2"),
            ("0x1.571ed4aaf883dp+0", "-0x1.2bef0a7c06ddbp-2"),
            ("0x1.49539f0f010bp+0", "-0x1.01eae7f513a67p-2"),
            ("0x1.3c995b0b80385p+0", "-0x1.b31d8a68224e9p-3"),
            ("0x1.30d190c8864a5p+0", "-0x1.6574f0ac07758p-3"),
            ("0x1.25e227b0b8eap+0", "-0x1.1aa2bc79c81p-3"),
            ("0x1.1bb4a4a1a343fp+0", "-0x1.a4e76ce8c0e5ep-4"),
            ("0x1.12358f08ae5bap+0", "-0x1.1973c5a611cccp-4"),
            ("0x1.0953f419900a7p+0", "-0x1.252f438e10c1ep-5"),
            ("0x1p+0", "0x0p+0"),
            ("0x1.e608cfd9a47acp-1", "0x1.aa5aa5df25984p-5"),
            ("0x1.ca4b31f026aap-1", "0x1.c5e53aa362eb4p-4"),
            ("0x1.b2036576afce6p-1", "0x1.526e57720db08p-3"),
            ("0x1.9c2d163a1aa2dp-1", "0x1.bc2860d22477p-3"),
            ("0x1.886e6037841edp-1", "0x1.1058bc8a07ee1p-2"),
            ("0x1.767dcf5534862p-1", "0x1.4043057b6ee09p-2"),
        )
    ]
)
_LOGF_LN2 = float.fromhex("0x1.62e42fefa39efp-1")
_LOGF_POLY = [float.fromhex(v) for v in ("-0x1.00ea348b88334p-2", "0x1.5575b0be00b6ap-2", "-0x1.ffffef20a4123p-2")]


def logf(x):
    """float32 natural log rounding exactly as glibc's ``logf``."""
    shape = np.shape(x)
    x = np.asarray(x, dtype=_F32).reshape(-1)
    ix = x.view(np.uint32).astype(np.int64)
    sub = (ix > 0) & (ix < 0x0080_0000)
    if sub.any():  # subnormal: scale into the normal range and take the scale off the exponent
        ix[sub] = (x[sub] * _F32(2.0**23)).view(np.uint32).astype(np.int64) - (23 << 23)
    tmp = (ix - 0x3F33_0000) & 0xFFFF_FFFF
    i = (tmp >> 19) & 15
    k = ((tmp ^ 0x8000_0000) - 0x8000_0000) >> 23
    z = (ix - (tmp & (0x1FF << 23))).astype(np.uint32).view(_F32).astype(_F64)
    r = z * _LOGF_TAB[i, 0] - 1.0
    y0 = _LOGF_TAB[i, 1] + k * _LOGF_LN2
    r2 = r * r
    y = _LOGF_POLY[1] * r + _LOGF_POLY[2]
    y = _LOGF_POLY[0] * r2 + y
    y = y * r2 + (y0 + r)
    out = y.astype(_F32)
    finite = ((ix >= 0x0080_0000) & (ix < 0x7F80_0000)) | sub
    if not finite.all():  # zero, negative, inf and nan as the C library answers them
        with np.errstate(all="ignore"):
            out = np.where(finite, out, np.log(x))
    out[x == 1] = 0
    return out.reshape(shape)
