"""Poisson distribution."""

from __future__ import annotations

import chainrule as _c

from .._tensor import Size, Tensor
from . import constraints
from ._math import lgamma, xlogy
from .distribution import ExponentialFamily
from .utils import _NUMBER, broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """P(X = k) = rate^k exp(-rate) / k!"""

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, _NUMBER) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = self._get_checked_instance(Poisson, _instance)
        batch_shape = Size(batch_shape)
        new.rate = self.rate.expand(batch_shape)
        super(Poisson, new).__init__(batch_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def sample(self, sample_shape=Size()) -> Tensor:
        shape = self._extended_shape(sample_shape)
        with _c.no_grad():
            return _c.poisson(self.rate.expand(shape))

    def log_prob(self, value):
        """k log(rate) - rate - lgamma(k + 1)"""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return xlogy(value, rate) - rate - lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple:
        return (_c.log(self.rate),)

    def _log_normalizer(self, x):
        return _c.exp(x)
