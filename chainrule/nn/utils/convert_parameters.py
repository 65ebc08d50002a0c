"""Flatten parameters into one vector and back."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import Function
from ...autograd.grad_mode import _state
from ..modules.module import typename

__all__ = ["parameters_to_vector", "vector_to_parameters"]


class _CatFlat(Function):
    """concatenation of flattened tensors; the gradient is split back"""

    _builtin = True
    _node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, *tensors):
        ctx.shapes = [t._data.shape for t in tensors]
        return np.concatenate([t._data.reshape(-1) for t in tensors])

    @staticmethod
    def backward(ctx, g):
        out, start = [], 0
        for shape in ctx.shapes:
            n = int(np.prod(shape))
            # under create_graph the slice must stay on the graph
            out.append(
                g[start : start + n].reshape(shape) if _state.enabled else g._data[start : start + n].reshape(shape)
            )
            start += n
        return tuple(out)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """One 1-D tensor holding every parameter, flattened in order (differentiable)."""
    params = list(parameters)
    if not params:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    return _CatFlat.apply(*params)


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter's data a slice of ``vec`` (shared memory, as in torch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    pointer = 0
    vd = vec._data.reshape(-1)
    for param in parameters:
        n = param.numel()
        param._data = vd[pointer : pointer + n].reshape(param._data.shape)
        pointer += n
