"""Cauchy (Lorentz) distribution."""

from __future__ import annotations

import math

import chainrule as _c

from .._tensor import Size, Tensor
from ._math import atan
from ._shared import _LocScale

__all__ = ["Cauchy"]


class Cauchy(_LocScale):
    """Cauchy(loc, scale): density 1 / (pi scale (1 + ((x - loc) / scale)^2))."""

    def expand(self, batch_shape, _instance=None):
        return self._expand_loc_scale(Cauchy, batch_shape, _instance)

    @property
    def mean(self) -> Tensor:
        return _c.full(self._extended_shape(), math.nan, dtype=self.loc.dtype)

    @property
    def variance(self) -> Tensor:
        return _c.full(self._extended_shape(), math.inf, dtype=self.loc.dtype)

    def rsample(self, sample_shape=Size()) -> Tensor:
        """loc + e scale, e ~ Cauchy(0, 1)"""
        shape = self._extended_shape(sample_shape)
        eps = _c.empty(shape, dtype=self.loc.dtype).cauchy_()
        return self.loc + eps * self.scale

    def log_prob(self, value):
        """-log(pi) - log(scale) - log1p(((x - loc) / scale)^2)"""
        if self._validate_args:
            self._validate_sample(value)
        return -math.log(math.pi) - self.scale.log() - (((value - self.loc) / self.scale) ** 2).log1p()

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return atan((value - self.loc) / self.scale) / math.pi + 0.5

    def icdf(self, value):
        return _c.tan(math.pi * (value - 0.5)) * self.scale + self.loc

    def entropy(self):
        """log(4 pi) + log(scale)"""
        return math.log(4 * math.pi) + self.scale.log()
