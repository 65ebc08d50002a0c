"""Random number generators: ``Generator`` objects and the default generator.

Every random draw in chainrule goes through a Generator's draw methods (``_uniform``,
``_normal``, ``_randint``, ``_randperm``, ``_bernoulli``, ...), so the stream is fully determined
by ``manual_seed``.
"""

from __future__ import annotations

import time

import numpy as np

from . import _dtype as D

_DEFAULT_SEED = 67280421310721


class Generator:
    """A seeded source of random numbers (mirrors ``torch.Generator``)."""

    def __init__(self, device="cpu"):
        self.device = device
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if not -0x8000_0000_0000_0000 <= seed <= 0xFFFF_FFFF_FFFF_FFFF:
            raise RuntimeError(f"Overflow when unpacking long long (seed {seed})")
        self._seed = seed & 0xFFFF_FFFF_FFFF_FFFF
        self._rng = np.random.Generator(np.random.MT19937(self._seed))
        return self

    def seed(self) -> int:
        s = time.time_ns() & 0xFFFF_FFFF_FFFF
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self):
        from ._tensor import Tensor

        st = self._rng.bit_generator.state
        key = np.asarray(st["state"]["key"], dtype=np.uint32)
        head = np.asarray([st["state"]["pos"], self._seed & 0xFFFFFFFF, self._seed >> 32], dtype=np.int64)
        raw = np.concatenate([key.view(np.uint8), head.view(np.uint8)])
        return Tensor._make(raw, False, None, 0)

    def set_state(self, new_state) -> "Generator":
        raw = np.asarray(new_state._data if hasattr(new_state, "_data") else new_state, dtype=np.uint8)
        if raw.size != 624 * 4 + 24:
            raise RuntimeError(f"Expected a RNG state of {624 * 4 + 24} bytes, got {raw.size}")
        key = raw[: 624 * 4].view(np.uint32)
        pos, lo, hi = raw[624 * 4:].view(np.int64)
        self._seed = int(lo) | (int(hi) << 32)
        bg = np.random.MT19937(0)
        bg.state = {"bit_generator": "MT19937", "state": {"key": key.copy(), "pos": int(pos)}}
        self._rng = np.random.Generator(bg)
        return self

    # -- draws (arrays) --------------------------------------------------------------------
    def _uniform(self, shape, np_dtype, low=0.0, high=1.0):
        out = self._rng.random(shape, dtype=np.float64 if np_dtype != np.float32 else np.float32)
        if low != 0.0 or high != 1.0:
            out = out * (high - low) + low
        return out.astype(np_dtype, copy=False)

    def _normal(self, shape, np_dtype, mean=0.0, std=1.0):
        out = self._rng.standard_normal(shape, dtype=np.float64 if np_dtype != np.float32 else np.float32)
        if mean != 0.0 or std != 1.0:
            out = out * std + mean
        return out.astype(np_dtype, copy=False)

    def _randint(self, low, high, shape, np_dtype):
        return self._rng.integers(low, high, size=shape).astype(np_dtype, copy=False)

    def _randperm(self, n, np_dtype):
        return self._rng.permutation(n).astype(np_dtype, copy=False)

    def _bernoulli(self, p):
        return (self._rng.random(np.shape(p)) < p)

    def _exponential(self, shape, np_dtype, lambd=1.0):
        return (self._rng.standard_exponential(shape) / lambd).astype(np_dtype, copy=False)

    def _multinomial(self, probs, num_samples, replacement):
        probs = np.asarray(probs, dtype=np.float64)
        rows = probs.reshape(-1, probs.shape[-1])
        out = np.empty((rows.shape[0], num_samples), dtype=np.int64)
        for i, row in enumerate(rows):
            p = row / row.sum()
            out[i] = self._rng.choice(len(p), size=num_samples, replace=replacement, p=p)
        return out.reshape(probs.shape[:-1] + (num_samples,))


default_generator = Generator()


def _gen(generator):
    return default_generator if generator is None else generator


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: the same seed gives the same numbers on every run."""
    return default_generator.manual_seed(seed)


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
