"""Binomial distribution, sampled by torch's CPU algorithm (inversion below n p = 10, BTRS above)."""

from __future__ import annotations

import math

import numpy as np

import chainrule as _c

from .._random import _gen, _UniformBuffer
from .._tensor import Size, Tensor
from . import constraints
from ._math import lgamma
from ._shared import _ProbsOrLogits
from .distribution import Distribution

__all__ = ["Binomial"]

_TAIL = (
    0.0810614667953272,
    0.0413406959554092,
    0.0276779256849983,
    0.02079067210376509,
    0.0166446911898211,
    0.0138761288230707,
    0.0118967099458917,
    0.0104112652619720,
    0.00925546218271273,
    0.00833056343336287,
)


def _log(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


def _stirling_tail(k: float) -> float:
    """log k! - Stirling's approximation of it."""
    if k <= 9:
        return _TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


# The kernel mixes the tensor's type S (float32 for float32 tensors) with double: every S-typed step below
# is rounded through S, so that the accept/reject decisions and results equal torch's.
def _inversion(count, prob, S, buf) -> float:
    logprob = float(np.log1p(S(-prob)))
    geom_sum = 0.0
    num = 0
    while True:
        u = buf.next()
        geom_sum += math.ceil(math.log(u) / logprob) if u > 0 else math.inf
        if geom_sum > count:
            return float(num)
        num += 1


def _btrs(count, prob, S, buf) -> float:
    count_s, prob_s = S(count), S(prob)
    stddev = float(np.sqrt(S(count_s * prob_s * (S(1) - prob_s))))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob_s)
    c = float(S(count_s * prob_s)) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(S(prob_s / (S(1) - prob_s)))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor(S((count_s + S(1)) * prob_s)))
    count = float(count_s)
    while True:
        u = buf.next() - 0.5
        v = buf.next()
        us = 0.5 - abs(u)
        k = float(S(math.floor((2 * a / us + b) * u + c)))
        if k < 0 or k > count:
            continue
        if us >= 0.07 and v <= v_r:
            return k
        v = _log(v * alpha / (a / (us * us) + b))
        nk1 = float(S(S(count - k) + S(1)))
        bound = (
            (m + 0.5) * math.log((m + 1) / (r * (count - m + 1)))
            + float(S(count + 1)) * math.log((count - m + 1) / nk1)
            + (k + 0.5) * math.log(r * nk1 / (k + 1))
            + _stirling_tail(m)
            + _stirling_tail(count - m)
            - _stirling_tail(k)
            - _stirling_tail(float(S(count - k)))
        )
        if v <= bound:
            return k


def _binomial_one(count, prob, S, buf) -> float:
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        if S(S(count) * S(prob)) >= 10.0:
            return _btrs(count, prob, S, buf)
        return _inversion(count, prob, S, buf)
    if prob > 0.5:
        q = float(S(1.0 - prob))
        draw = _btrs(count, q, S, buf) if S(S(count) * S(q)) >= 10.0 else _inversion(count, q, S, buf)
        return float(S(S(count) - S(draw)))
    return math.nan


def _binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """torch.binomial: one count per element, drawn in memory order from 53-bit uniforms."""
    cd, pd = count._data, prob._data
    shape = np.broadcast_shapes(cd.shape, pd.shape)
    S = np.float32 if cd.dtype == np.float32 else float
    counts = np.broadcast_to(cd, shape).ravel().tolist()
    probs = np.broadcast_to(pd, shape).ravel().tolist()
    buf = _UniformBuffer(_gen(generator))
    out = np.array([_binomial_one(n, p, S, buf) for n, p in zip(counts, probs)], dtype=cd.dtype)
    buf.give_back()
    return Tensor._make(out.reshape(shape), False, None, 0)


def _clamp_by_zero(x):
    return (x.clamp(min=0) + x - x.clamp(max=0)) / 2


class Binomial(_ProbsOrLogits, Distribution):
    """Number of successes in ``total_count`` Bernoulli(``probs``) trials."""

    arg_constraints = {
        "total_count": constraints.nonnegative_integer,
        "probs": constraints.unit_interval,
        "logits": constraints.real,
    }
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args: bool | None = None) -> None:
        self._init_count_and_param(total_count, probs, logits)
        super().__init__(self._param.size(), validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Binomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count.expand(batch_shape)
        self._expand_param_into(new, batch_shape)
        super(Binomial, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _new(self, *args, **kwargs):
        return self._param.new_empty(*args, **kwargs)

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    @property
    def mean(self) -> Tensor:
        return self.total_count * self.probs

    @property
    def mode(self) -> Tensor:
        return ((self.total_count + 1) * self.probs).floor().clamp(max=self.total_count)

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with _c.no_grad():
            return _binomial(self.total_count.expand(shape), self.probs.expand(shape))

    def log_prob(self, value):
        """log C(n, k) + k logits - n log(1 + exp(logits))"""
        if self._validate_args:
            self._validate_sample(value)
        log_factorial_n = lgamma(self.total_count + 1)
        log_factorial_k = lgamma(value + 1)
        log_factorial_nmk = lgamma(self.total_count - value + 1)
        normalize_term = (
            self.total_count * _clamp_by_zero(self.logits)
            + self.total_count * _c.log1p(_c.exp(-_c.abs(self.logits)))
            - log_factorial_n
        )
        return value * self.logits - log_factorial_k - log_factorial_nmk - normalize_term

    def entropy(self):
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `entropy`.")
        log_prob = self.log_prob(self.enumerate_support(False))
        return -(_c.exp(log_prob) * log_prob).sum(0)

    def enumerate_support(self, expand: bool = True) -> Tensor:
        total_count = int(self.total_count.max())
        if not self.total_count.min() == total_count:
            raise NotImplementedError("Inhomogeneous total count not supported by `enumerate_support`.")
        values = _c.arange(1 + total_count, dtype=self._param.dtype)
        values = values.view((-1,) + (1,) * len(self._batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self._batch_shape))
        return values
