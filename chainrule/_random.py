"""Random number generators that reproduce PyTorch's CPU generator bit for bit.

A Generator is the 32-bit Mersenne Twister torch uses, seeded the same way (``mt19937`` on the low
32 bits of the seed), plus torch's cached second Box-Muller sample. The draw methods consume the
raw stream exactly as torch's CPU kernels do: float32 work takes one 32-bit word per value (24
bits of it), float64 work takes a 64-bit value made of two words, high word first (53 bits of
it). All of them are vectorised: NumPy's MT19937 produces the words in bulk and the transforms are
array operations, with ``_rng_math`` supplying the exactly-rounded steps.
"""

from __future__ import annotations

import math
import os

import numpy as np

from . import _dtype as D
from . import _rng_math as RM

_DEFAULT_SEED = 67280421310721  # torch's seed for a freshly made Generator
_STATE_BYTES = 5056  # torch's CPUGeneratorImplState
_MT_N = 624
_U64 = np.uint64
_F32 = np.float32
_F64 = np.float64
_TWO_PI = 2.0 * math.pi
_PERM_64BIT_FROM = 0xFFFF_FFFF // 20  # randperm switches to 64-bit draws from this n on


def _unpack_seed(seed) -> int:
    if isinstance(seed, bool) or not hasattr(seed, "__index__"):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = seed.__index__()
    if not -(1 << 63) <= seed < (1 << 64):
        raise ValueError("Overflow when unpacking long long")
    return seed & 0xFFFF_FFFF_FFFF_FFFF


def _mt_init(seed32: int) -> np.ndarray:
    key = np.empty(_MT_N, dtype=np.uint32)
    x = seed32
    key[0] = x
    for j in range(1, _MT_N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFF_FFFF
        key[j] = x
    return key


class Generator:
    """A seeded random stream (mirrors ``torch.Generator`` on the CPU)."""

    def __init__(self, device="cpu"):
        self._bits = np.random.MT19937(0)
        self._words = np.random.Generator(self._bits).integers
        self.manual_seed(_DEFAULT_SEED)

    @property
    def device(self):
        from . import device

        return device("cpu")

    def __repr__(self) -> str:
        return f"<chainrule.Generator object at {hex(id(self))}>"

    # -- seeding and state ------------------------------------------------------------------
    def manual_seed(self, seed: int) -> Generator:
        """Reset the stream; only the low 32 bits of the seed reach the Mersenne Twister."""
        seed = _unpack_seed(seed)
        self._seed = seed
        low = seed & 0xFFFF_FFFF
        try:
            self._bits._legacy_seeding(low)
        except AttributeError:  # pragma: no cover - older/newer NumPy without the legacy hook
            self._set_key(_mt_init(low), _MT_N)
        self._fresh = True  # torch reports next=0 until the first draw
        self._next_double = None
        self._next_float = None
        return self

    def seed(self) -> int:
        """Seed from the OS entropy source and return the seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def _set_key(self, key, pos):
        self._bits.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": int(pos)}}

    def get_state(self):
        """The state as a uint8 tensor laid out like torch's, so states can be exchanged."""
        from ._tensor import Tensor

        buf = np.zeros(_STATE_BYTES, dtype=np.uint8)
        st = self._bits.state["state"]
        pos = int(st["pos"])
        nxt, left = (0, 1) if self._fresh else (pos, _MT_N + 1 - pos)
        buf[0:8].view(np.uint64)[0] = self._seed
        buf[8:16].view(np.int32)[:] = (left, 1)
        buf[16:24].view(np.uint64)[0] = nxt
        buf[24 : 24 + 8 * _MT_N].view(np.uint64)[:] = st["key"]
        if self._next_double is not None:
            buf[5024:5032].view(np.float64)[0] = self._next_double
            buf[5040:5044].view(np.int32)[0] = 1
        if self._next_float is not None:
            buf[5048:5052].view(np.float32)[0] = self._next_float
            buf[5052] = 1
        return Tensor._make(buf, False, None, 0)

    def set_state(self, new_state) -> Generator:
        raw = getattr(new_state, "_data", None)
        if raw is None or raw.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if raw.size != _STATE_BYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found the input RNG "
                f"state size to be {raw.size}"
            )
        raw = np.ascontiguousarray(raw).reshape(-1)
        left, seeded = (int(v) for v in raw[8:16].view(np.int32))
        nxt = int(raw[16:24].view(np.uint64)[0]) & 0xFFFF_FFFF
        if not (seeded and 0 < left <= _MT_N and nxt <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        key = raw[24 : 24 + 8 * _MT_N].view(np.uint64).astype(np.uint32)
        # the twister refills on the draw that brings `left` to 0; NumPy refills when pos hits 624
        self._set_key(key, _MT_N if left == 1 else _MT_N + 1 - left)
        self._fresh = left == 1 and nxt == 0
        self._seed = int(raw[0:8].view(np.uint64)[0])
        self._next_double = float(raw[5024:5032].view(np.float64)[0]) if raw[5040:5044].view(np.int32)[0] else None
        self._next_float = float(raw[5048:5052].view(np.float32)[0]) if raw[5052] else None
        return self

    def clone_state(self) -> Generator:
        g = Generator()
        g.set_state(self.get_state())
        return g

    def __getstate__(self):
        return {"state": self.get_state()._data.copy()}

    def __setstate__(self, d):
        self.__init__()
        from ._tensor import Tensor

        self.set_state(Tensor._make(d["state"], False, None, 0))

    # -- raw words ---------------------------------------------------------------------------
    def _u32(self, n: int) -> np.ndarray:
        """The next n 32-bit outputs of the twister."""
        if n <= 0:
            return np.empty(0, dtype=np.uint32)
        self._fresh = False
        return self._words(0, 1 << 32, size=n, dtype=np.uint32)

    def _u64(self, n: int) -> np.ndarray:
        """n 64-bit values, each two consecutive words with the first one high (torch's random64)."""
        w = self._u32(2 * n).astype(_U64)
        hi = w[0::2]
        hi <<= _U64(32)
        hi |= w[1::2]
        return hi

    def _unif24(self, n: int) -> np.ndarray:
        """float32 uniforms on [0, 1): the low 24 bits of one word, times 2^-24."""
        w = self._u32(n)
        w &= np.uint32(0xFF_FFFF)
        out = w.astype(_F32)
        out *= _F32(2.0**-24)
        return out

    def _unif53(self, n: int) -> np.ndarray:
        """float64 uniforms on [0, 1): the low 53 bits of a 64-bit value, times 2^-53."""
        w = self._u32(2 * n).reshape(n, 2)
        hi = (w[:, 0] & np.uint32(0x1F_FFFF)).astype(_F64)
        hi *= 2.0**-21
        lo = w[:, 1].astype(_F64)
        lo *= 2.0**-53
        hi += lo  # exact: the sum has at most 53 significant bits
        return hi

    # -- distributions (NumPy arrays, C order) ----------------------------------------------------------
    def _uniform(self, shape, np_dtype, low=0.0, high=1.0) -> np.ndarray:
        """U[low, high), computed as torch does: ``x * (to - from) + from`` fused, in the op's math type."""
        n = math.prod(shape)
        np_dtype = np.dtype(np_dtype)
        if np_dtype == _F64:
            x = self._unif53(n)
            lo, hi = float(low), float(high)
            if lo != 0.0 or hi != 1.0:
                x = RM.fma64(x, hi - lo, lo)
        else:
            x = self._unif24(n)
            lo, hi = _F32(low), _F32(high)
            if lo != 0 or hi != 1:
                x = RM.fma32(x, hi - lo, lo)
        out = x.astype(np_dtype, copy=False)
        top = np_dtype.type(high)
        if out.size and out.max() >= top:  # rounding can reach `to`; torch maps it back to `from`
            out[out == top] = np_dtype.type(low)
        return out.reshape(shape)

    def _normal(self, shape, np_dtype, mean=0.0, std=1.0, contiguous=True) -> np.ndarray:
        """N(mean, std^2): torch's 16-lane Box-Muller for contiguous tensors of 16+ elements, else its
        one-at-a-time sampler (which caches the second value of each pair in the generator)."""
        n = math.prod(shape)
        np_dtype = np.dtype(np_dtype)
        if n < 16 or not contiguous:
            return self._normal_serial(n, mean, std).astype(np_dtype).reshape(shape)
        tail = 16 if n % 16 else 0
        full = n - n % 16
        if np_dtype == _F64:
            u = self._unif53(n + tail)
            out = np.empty(n, dtype=_F64)
            out[:full] = _box_muller16_f64(u[:full], mean, std)
            if tail:
                out[n - 16 :] = _box_muller16_f64(u[n:], mean, std)
            return out.reshape(shape)
        # float32 math (float16 too: it samples in float32 and rounds)
        if np_dtype == _F32:
            w = self._u32(n + tail)
            head, rest = w[:full], w[n:]
        else:  # reduced precision draws 16 words per block, so the leftover n % 16 words are never drawn
            w = self._u32(full + tail)
            head, rest = w[:full], w[full:]
        out = np.empty(n, dtype=_F32)
        RM.normal16_f32(head, mean, std, out=out[:full])
        if tail:  # torch redoes the last 16 values from 16 fresh uniforms
            RM.normal16_f32(rest, mean, std, out=out[n - 16 :])
        return out.astype(np_dtype, copy=False).reshape(shape)

    def _normal_serial(self, n: int, mean=0.0, std=1.0) -> np.ndarray:
        """n float64 samples from torch's scalar Box-Muller, honouring and refilling the cached sample."""
        vals = np.empty(n, dtype=_F64)
        start = 0
        if n and self._next_double is not None:
            vals[0] = self._next_double
            self._next_double = None
            start = 1
        m = n - start
        if m:
            pairs = (m + 1) // 2
            u = self._unif53(2 * pairs).reshape(pairs, 2)
            both = np.empty((pairs, 2), dtype=_F64)
            if pairs <= 32:  # a few values: libm through the math module beats array set-up
                for i, (u1, u2) in enumerate(u.tolist()):
                    r = math.sqrt(-2.0 * math.log1p(-u2))
                    both[i] = (r * math.cos(_TWO_PI * u1), r * math.sin(_TWO_PI * u1))
            else:
                r = np.sqrt(-2.0 * RM.log1p_neg(-u[:, 1]))
                theta = _TWO_PI * u[:, 0]
                np.multiply(r, RM.libm("cos")(theta), out=both[:, 0])
                np.multiply(r, RM.libm("sin")(theta), out=both[:, 1])
            vals[start:] = both.reshape(-1)[:m]
            if m % 2:
                self._next_double = float(both[-1, 1])
        if mean != 0.0 or std != 1.0:
            vals = RM.fma64(vals, float(std), float(mean))
        return vals

    def _randint(self, low, high, shape, np_dtype) -> np.ndarray:
        """Integers on [low, high): ``word % (high - low) + low``; 64-bit words once the range reaches 2^28."""
        return self._random_range((int(high) - int(low)) & 0xFFFF_FFFF_FFFF_FFFF, int(low), shape, np_dtype)

    def _random_range(self, rng: int, base: int, shape, np_dtype) -> np.ndarray:
        n = math.prod(shape)
        if rng == 0:  # the whole 64-bit range
            v = self._u64(n).view(np.int64)
        elif rng >= 1 << 28:
            v = (self._u64(n) % _U64(rng)).view(np.int64)
            v += np.int64(base)
        else:
            v = (self._u32(n) % np.uint32(rng)).astype(np.int64)
            v += np.int64(base)
        return v.astype(np_dtype, copy=False).reshape(shape)

    def _random_full(self, shape, np_dtype) -> np.ndarray:
        """``random_()`` with no bounds: [0, max] for integer types, [0, 2^mantissa] for floats."""
        n = math.prod(shape)
        dt = np.dtype(np_dtype)
        if dt == np.bool_:
            return (self._u32(n) & np.uint32(1)).astype(np.bool_).reshape(shape)
        if dt in (np.int64, _F64):
            mod = 1 << 63 if dt == np.int64 else (1 << 53) + 1
            return (self._u64(n) % _U64(mod)).astype(dt).reshape(shape)
        mod = (1 << (np.finfo(dt).nmant + 1)) + 1 if dt.kind == "f" else int(np.iinfo(dt).max) + 1
        return (self._u32(n).astype(_U64) % _U64(mod)).astype(dt).reshape(shape)

    def _randperm(self, n: int, np_dtype) -> np.ndarray:
        """torch's Fisher-Yates: swap i with i + word % (n - i); 64-bit inside-out variant for huge n."""
        if n < _PERM_64BIT_FROM:
            z = self._u32(n - 1).astype(np.int64)
            z %= np.arange(n, 1, -1, dtype=np.int64)
            perm = RM.shuffle_forward(z) if n else np.empty(0, dtype=np.int64)
        else:
            z = self._u64(n) % np.arange(1, n + 1, dtype=_U64)
            perm = RM.shuffle_inside_out(z.astype(np.int64))
        return perm.astype(np_dtype, copy=False)

    def _bernoulli(self, p, shape=None) -> np.ndarray:
        """Boolean draws ``u < p``: a float ``p`` (or float64 tensor) compares 53-bit uniforms, a float32
        or float16 tensor compares 24-bit ones; ``p`` is broadcast to ``shape``."""
        if np.ndim(p) == 0 and not isinstance(p, np.ndarray):
            shape = () if shape is None else shape
            return (self._unif53(math.prod(shape)) < float(p)).reshape(shape)
        p = np.asarray(p)
        shape = p.shape if shape is None else tuple(shape)
        pb = np.broadcast_to(p, shape).reshape(-1)
        u = self._unif53(pb.size) if p.dtype == _F64 else self._unif24(pb.size)
        return (u < pb).reshape(shape)

    def _exponential(self, shape, np_dtype, lambd=1.0) -> np.ndarray:
        """Exp(lambd): ``-1/lambd * log1p(-u)`` on 53-bit uniforms."""
        u = self._unif53(math.prod(shape))
        out = RM.log1p_neg(-u)
        out *= -1.0 / lambd
        return out.astype(np_dtype, copy=False).reshape(shape)

    def _multinomial(self, probs, num_samples: int, replacement: bool) -> np.ndarray:
        """torch's CPU multinomial on a 1-d/2-d float array (rows are distributions)."""
        probs = np.asarray(probs)
        rows = probs.reshape(-1, probs.shape[-1])
        if not replacement or num_samples == 1:
            # top-k of p / Exp(1) noise (the Gumbel trick), one noise draw per category
            q = self._exponential(rows.shape, rows.dtype)
            np.divide(rows, q, out=q)
            if num_samples == 1:
                out = np.argmax(q, axis=-1)[:, None]
            else:
                out = np.argsort(-q, axis=-1, kind="stable")[:, :num_samples]
        else:
            # inverse CDF per row: cumulative sums in the input's type, normalised, last bucket forced to 1,
            # then torch's binary search (first bucket whose cdf is not below u), run for all draws at once
            cdf = np.cumsum(rows, axis=-1, dtype=rows.dtype)
            cdf /= cdf[:, -1:]
            cdf[:, -1] = 1
            ncat = rows.shape[1]
            u = self._unif53(rows.shape[0] * num_samples).reshape(rows.shape[0], num_samples)
            row = np.arange(rows.shape[0])[:, None]
            left = np.zeros(u.shape, dtype=np.int64)
            right = np.full(u.shape, ncat, dtype=np.int64)
            while True:
                active = right > left
                if not active.any():
                    break
                mid = left + (right - left) // 2
                below = cdf[row, np.minimum(mid, ncat - 1)] < u
                left = np.where(active & below, mid + 1, left)
                right = np.where(active & ~below, mid, right)
            out = left
        return out.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64, copy=False)

    def _cauchy(self, shape, np_dtype, median=0.0, sigma=1.0) -> np.ndarray:
        """Cauchy(median, sigma): ``median + sigma * tan(pi * (u - 0.5))`` on 53-bit uniforms."""
        u = self._unif53(math.prod(shape))
        u -= 0.5
        u *= math.pi
        out = median + sigma * np.tan(u)
        return out.astype(np_dtype).reshape(shape)

    def _geometric(self, shape, np_dtype, p) -> np.ndarray:
        """Geometric(p) trial counts: ``ceil(log(u) / log1p(-p))`` on 53-bit uniforms."""
        u = self._unif53(math.prod(shape))
        with np.errstate(divide="ignore"):
            out = np.ceil(RM.libm("log")(u) / math.log1p(-p))
        return out.astype(np_dtype).reshape(shape)

    def _poisson(self, rates) -> np.ndarray:
        """Poisson counts, one per rate, by torch's per-element samplers (each consumes a varying
        number of 53-bit uniforms: a product of uniforms below rate 10, Hoermann's transformed
        rejection from 10 on)."""
        lam = np.asarray(rates, dtype=_F64).reshape(-1)
        if lam.size and not np.all(lam >= 0):
            raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
        out = np.zeros(lam.size, dtype=_F64)
        buf = _UniformBuffer(self)
        for i, rate in enumerate(lam.tolist()):  # each count decides where the next one starts
            out[i] = _poisson_one(rate, buf) if rate > 0 else 0.0
        buf.give_back()
        return out.reshape(np.shape(rates))

    def _standard_gamma(self, alpha) -> np.ndarray:
        """Gamma(alpha, 1) draws, one per alpha in C order, by torch's per-element Marsaglia-Tsang sampler
        (float32 alphas take its float32 steps); results are kept at or above the smallest normal number."""
        a = np.asarray(alpha)
        dt = a.dtype
        out = _gamma_draws(self, a.reshape(-1), dt == _F32).astype(dt)
        return _at_least(out, np.finfo(dt).tiny).reshape(a.shape)

    def _dirichlet(self, alpha) -> np.ndarray:
        """Dirichlet draws over the last axis: float64 gamma draws normalised by torch's summation, cast back
        and kept inside [tiny, 1)."""
        a = np.asarray(alpha)
        dt = a.dtype
        if a.size == 0:
            return np.zeros(a.shape, dtype=dt)
        g = _at_least(_gamma_draws(self, a.reshape(-1).astype(_F64), False), np.finfo(_F64).tiny)
        g = g.reshape(a.shape)
        total = RM.cascade_sum_last(g) if a.ndim else g
        out = _at_least((g / total).astype(dt), np.finfo(dt).tiny)
        top = np.nextafter(dt.type(1), dt.type(0))
        return np.where(out < top, out, top)


def _box_muller16_f64(u, mean, std):
    """torch's scalar 16-lane Box-Muller in float64 (lanes 0-7 radius, 8-15 angle)."""
    blocks = u.reshape(-1, 2, 8)
    radius = np.sqrt(-2.0 * RM.libm("log")(1.0 - blocks[:, 0]))
    theta = _TWO_PI * blocks[:, 1]
    out = np.empty_like(blocks)
    np.multiply(radius, RM.libm("cos")(theta), out=out[:, 0])
    np.multiply(radius, RM.libm("sin")(theta), out=out[:, 1])
    out = out.reshape(-1)
    if mean != 0.0 or std != 1.0:
        out = RM.fma64(out, float(std), float(mean))
    return out


class _UniformBuffer:
    """53-bit uniforms drawn ahead in blocks; words not consumed are handed back to the stream."""

    def __init__(self, gen):
        self.gen = gen
        self.state = gen.get_state()
        self.vals = []
        self.pos = 0
        self.taken = 0

    def next(self) -> float:
        if self.pos == len(self.vals):
            self.vals = self.gen._unif53(256).tolist()
            self.pos = 0
        self.pos += 1
        self.taken += 1
        return self.vals[self.pos - 1]

    def give_back(self):
        # rewind, then redraw exactly what was used, leaving the stream where torch's would be
        self.gen.set_state(self.state)
        self.gen._u32(2 * self.taken)


class _UniformRun:
    """53-bit uniforms drawn ahead into a list for a serial sampler; ``finish`` rewinds the generator and
    redraws exactly the words used, so the stream ends where torch's would."""

    def __init__(self, gen, n: int):
        self.gen = gen
        self.state = gen.get_state()
        self.vals = gen._unif53(max(n, 16)).tolist()

    def more(self) -> int:
        """Draw further ahead (in place, so references to ``vals`` stay valid); returns the new length."""
        self.vals.extend(self.gen._unif53(max(1024, len(self.vals) // 4)).tolist())
        return len(self.vals)

    def finish(self, used: int, cached_normal) -> None:
        self.gen.set_state(self.state)
        self.gen._u32(2 * used)
        self.gen._next_double = cached_normal


_THIRD = float(_F32(1) / _F32(3))  # torch writes 1.0f / 3.0f, a float constant even in double arithmetic
_SQUEEZE = float(_F32(0.0331))


def _at_least(x, low):
    """``std::max(low, x)``: NaN becomes ``low`` too."""
    return np.where(x > low, x, low).astype(x.dtype, copy=False)


def _gamma_consts(a, f32: bool):
    """Per alpha: kind (0 zero, 1 plain, 2 boosted below 1), 1/alpha, d = alpha' - 1/3, c = 1/sqrt(9d),
    with torch's float32 rounding of alpha' = alpha + 1, 1/alpha and d for float32 input."""
    with np.errstate(all="ignore"):
        if f32:
            a = a.astype(_F32)
            inv = (_F32(1) / a).astype(_F64)
            boost = (a < 1) & (a != 0)
            d = (np.where(boost, a + _F32(1), a) - _F32(_THIRD)).astype(_F64)
        else:
            a = a.astype(_F64)
            inv = 1.0 / a
            boost = (a < 1) & (a != 0)
            d = np.where(boost, a + 1.0, a) - _THIRD
        c = 1.0 / np.sqrt(9.0 * d)
    kind = np.where(a == 0, 0, np.where(boost, 2, 1))
    return kind, boost, inv, d, c


_GAMMA_CHUNK = 1 << 16  # elements per draw-ahead run, which bounds the Python lists held at once


def _gamma_draws(gen, alpha, f32: bool) -> np.ndarray:
    """float64 gamma draws (before torch's final cast and clamp) for a flat array of alphas."""
    n = alpha.size
    kind, boost, inv, d, c = _gamma_consts(alpha, f32)
    v = np.empty(n, dtype=_F64)
    bu = np.zeros(n, dtype=_F64)
    for lo in range(0, n, _GAMMA_CHUNK):
        hi = min(n, lo + _GAMMA_CHUNK)
        run = _UniformRun(gen, int((hi - lo) * (2.2 + boost[lo:hi].mean())) + 32)
        vs, bus = [0.0] * (hi - lo), [0.0] * (hi - lo)
        cl, dl = c[lo:hi].tolist(), d[lo:hi].tolist()
        used, cached = _gamma_loop(run, gen._next_double, kind[lo:hi].tolist(), cl, dl, vs, bus)
        run.finish(used, cached)
        v[lo:hi] = vs
        bu[lo:hi] = bus
    out = d * v
    if boost.any():
        idx = np.nonzero(boost)[0]
        base = (1.0 - bu[idx]).tolist()
        exps = inv[idx].tolist()
        scale = np.array(list(map(math.pow if inv[idx].min() >= 0 else _pow, base, exps)))
        out[idx] = scale * d[idx] * v[idx]  # torch's scale * d * v
    out[kind == 0] = 0.0
    return out


def _pow(b: float, e: float) -> float:
    try:
        return math.pow(b, e)
    except OverflowError:
        return math.inf


def _gamma_loop(run, cached, kind, c, d, v_out, bu_out):
    """torch's sample_gamma for each element in turn, drawing from ``run``: uniforms are its
    ``uniform_real_distribution<double>``, normals its scalar Box-Muller with the generator's cached second
    value. Stores y^3 of the accepted proposal (and the boost uniform); returns (uniforms used, cached normal)."""
    vals = run.vals
    lim = len(vals) - 4  # an element's boost and one attempt draw at most 4 uniforms
    pos = 0
    log, log1p, sqrt, cos, sin = math.log, math.log1p, math.sqrt, math.cos, math.sin
    for i, k in enumerate(kind):
        if not k:
            continue
        if pos > lim:
            lim = run.more() - 4
        if k == 2:
            bu_out[i] = vals[pos]
            pos += 1
        ci = c[i]
        di = d[i]
        while True:
            if pos > lim:
                lim = run.more() - 4
            if cached is None:
                theta = _TWO_PI * vals[pos]
                r = sqrt(-2.0 * log1p(-vals[pos + 1]))
                pos += 2
                cached = r * sin(theta)
                x = r * cos(theta)
            else:
                x = cached
                cached = None
            y = 1.0 + ci * x
            if y <= 0.0:
                continue
            v = y * y * y
            u = 1.0 - vals[pos]
            pos += 1
            xx = x * x
            if u < 1.0 - _SQUEEZE * xx * xx:
                break
            if log(u) < 0.5 * xx + di * (1.0 - v + (log(v) if v else -math.inf)):
                break
        v_out[i] = v
    return pos, cached


def _poisson_one(lam: float, buf) -> float:
    if lam >= 10:
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = buf.next() - 0.5
            v = buf.next()
            us = 0.5 - abs(u)
            k = math.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return float(k)
            if k < 0 or (us < 0.013 and v > us):
                continue
            if math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b) <= -lam + k * loglam - math.lgamma(k + 1):
                return float(k)
    enlam = math.exp(-lam)
    x = 0
    prod = 1.0
    while True:
        prod *= buf.next()
        if prod > enlam:
            x += 1
        else:
            return float(x)


default_generator = Generator()
default_generator.seed()  # like torch, the process-wide stream starts from a non-deterministic seed


def _gen(generator):
    return default_generator if generator is None else generator


def manual_seed(seed) -> Generator:
    """Seed the default generator: the same seed gives the same numbers as torch on every run."""
    return default_generator.manual_seed(int(seed))


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state) -> None:
    default_generator.set_state(new_state)


def _float_dtype(dtype):
    return D.to_np(dtype) if dtype is not None else D.get_default_dtype().np
