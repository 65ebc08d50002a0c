"""Helpers shared by the distributions: parameter broadcasting, probs/logits conversion, lazy attributes."""

from __future__ import annotations

import functools
import math

import numpy as np

import chainrule as _c

from .._tensor import Size, Tensor

euler_constant = 0.57721566490153286060  # Euler-Mascheroni constant

__all__ = [
    "broadcast_all",
    "logits_to_probs",
    "clamp_probs",
    "probs_to_logits",
    "lazy_property",
    "tril_matrix_to_vec",
    "vec_to_tril_matrix",
]

_NUMBER = (int, float, bool)


def _size(shape) -> Size:
    """``shape`` as a Size (tuple concatenation and slicing of a Size give plain tuples)."""
    return shape if type(shape) is Size else Size(shape)


def broadcast_all(*values) -> tuple[Tensor, ...]:
    """Broadcast tensors and numbers together; numbers become tensors of the first tensor's dtype
    (the default dtype when all are numbers)."""
    if not all(isinstance(v, (Tensor,) + _NUMBER) for v in values):
        raise ValueError(
            "Input arguments must all be instances of Number, torch.Tensor or objects implementing __torch_function__."
        )
    if not all(isinstance(v, Tensor) for v in values):
        dtype = next((v.dtype for v in values if isinstance(v, Tensor)), _c.get_default_dtype())
        values = [v if isinstance(v, Tensor) else _c.tensor(v, dtype=dtype) for v in values]
    try:
        shape = np.broadcast_shapes(*[v._data.shape for v in values])
    except ValueError:
        return _c.broadcast_tensors(*values)  # raises torch's message
    # a tensor already of the broadcast shape is returned itself, as torch does (so `Normal(loc, s).loc is loc`,
    # and a distribution built under no_grad still differentiates to its parameters)
    return tuple(v if v._data.shape == shape else v.expand(shape) for v in values)


def _standard_normal(shape, dtype, device=None) -> Tensor:
    """N(0, 1) draws of ``shape``, filled in place like torch's ``empty(shape).normal_()``."""
    return _c.empty(tuple(shape), dtype=dtype).normal_()


def _sum_rightmost(value, dim: int):
    """Sum out the ``dim`` rightmost dimensions of ``value``."""
    if dim == 0:
        return value
    return value.reshape(tuple(value.shape[:-dim]) + (-1,)).sum(-1)


def logits_to_probs(logits: Tensor, is_binary: bool = False) -> Tensor:
    """sigmoid(logits) for binary events, softmax over the last dim otherwise."""
    if is_binary:
        return _c.sigmoid(logits)
    return _c.nn.functional.softmax(logits, dim=-1)


def clamp_probs(probs: Tensor) -> Tensor:
    """Probabilities clamped to [eps, 1 - eps] of their dtype."""
    eps = _c.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: Tensor, is_binary: bool = False) -> Tensor:
    """log-odds of clamped probabilities (binary), or their logs (categorical)."""
    ps = clamp_probs(probs)
    if is_binary:
        return _c.log(ps) - _c.log1p(-ps)
    return _c.log(ps)


class lazy_property:
    """Computed on first access (with gradients enabled), then stored on the instance."""

    def __init__(self, wrapped) -> None:
        self.wrapped = wrapped
        functools.update_wrapper(self, wrapped)

    def __get__(self, instance, obj_type=None):
        if instance is None:
            return self
        with _c.enable_grad():
            value = self.wrapped(instance)
        setattr(instance, self.wrapped.__name__, value)
        return value


def _tril_mask(n: int, diag: int) -> Tensor:
    r = _c.arange(n)
    return r < r.view(-1, 1) + (diag + 1)


def tril_matrix_to_vec(mat: Tensor, diag: int = 0) -> Tensor:
    """The lower-triangular entries (from diagonal ``diag``) of each matrix, in row order."""
    n = mat.shape[-1]
    if diag < -n or diag >= n:
        raise ValueError(f"diag ({diag}) provided is outside [{-n}, {n - 1}].")
    return mat[..., _tril_mask(n, diag)]


def vec_to_tril_matrix(vec: Tensor, diag: int = 0) -> Tensor:
    """Inverse of :func:`tril_matrix_to_vec`: a D x D lower-triangular matrix per vector."""
    # positive root of D^2 + (1 + 2 diag) D - |diag| (diag + 1) - 2 len = 0
    n = (-(1 + 2 * diag) + math.sqrt((1 + 2 * diag) ** 2 + 8 * vec.shape[-1] + 4 * abs(diag) * (diag + 1))) / 2
    if round(n) - n > _c.finfo(vec.dtype).eps:
        raise ValueError(
            f"The size of last dimension is {vec.shape[-1]} which cannot be expressed as "
            "the lower triangular part of a square D x D matrix."
        )
    n = round(n)
    mat = vec.new_zeros(tuple(vec.shape[:-1]) + (n, n))
    mat[..., _tril_mask(n, diag)] = vec
    return mat
