"""Laplace distribution."""

from __future__ import annotations

import chainrule as _c

from .._tensor import Size, Tensor
from ._shared import _LocScale

__all__ = ["Laplace"]


class Laplace(_LocScale):
    """Laplace(loc, scale): density exp(-|x - loc| / scale) / (2 scale)."""

    def expand(self, batch_shape, _instance=None):
        return self._expand_loc_scale(Laplace, batch_shape, _instance)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return 2 * self.scale.pow(2)

    @property
    def stddev(self) -> Tensor:
        return (2**0.5) * self.scale

    def rsample(self, sample_shape=Size()) -> Tensor:
        """loc - scale sign(u) log1p(-|u|), u ~ U[eps - 1, 1)"""
        shape = self._extended_shape(sample_shape)
        finfo = _c.finfo(self.loc.dtype)
        u = _c.empty(shape, dtype=self.loc.dtype).uniform_(finfo.eps - 1, 1)
        return self.loc - self.scale * u.sign() * _c.log1p(-u.abs())

    def log_prob(self, value):
        """-log(2 scale) - |x - loc| / scale"""
        if self._validate_args:
            self._validate_sample(value)
        return -_c.log(2 * self.scale) - _c.abs(value - self.loc) / self.scale

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 - 0.5 * (value - self.loc).sign() * _c.expm1(-(value - self.loc).abs() / self.scale)

    def icdf(self, value):
        term = value - 0.5
        return self.loc - self.scale * term.sign() * _c.log1p(-2 * term.abs())

    def entropy(self):
        """1 + log(2 scale)"""
        return 1 + _c.log(2 * self.scale)
