"""Flatten and Unflatten: reshape a range of dims into one, and back."""

from __future__ import annotations

from ..._tensor import Tensor
from ...ops._util import wrap_dim
from .module import Module

__all__ = ["Flatten", "Unflatten"]


def _flatten_shape(shape: tuple, start_dim: int, end_dim: int) -> tuple:
    if not shape:
        return (1,)
    s, e = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    n = 1
    for d in shape[s : e + 1]:
        n *= d
    return shape[:s] + (n,) + shape[e + 1 :]


def _unflatten_shape(shape: tuple, dim: int, sizes: tuple) -> tuple:
    d = wrap_dim(dim, len(shape))
    sizes = tuple(int(x) for x in sizes)
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for x in sizes:
        if x != -1:
            known *= x
    if -1 in sizes:
        if known == 0 or shape[d] % known:
            raise RuntimeError(f"shape '{list(sizes)}' is invalid for input of size {shape[d]}")
        sizes = tuple(shape[d] // known if x == -1 else x for x in sizes)
    elif known != shape[d]:
        raise RuntimeError(
            f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({shape[d]}) in the "
            "input tensor"
        )
    return shape[:d] + sizes + shape[d + 1 :]


class Flatten(Module):
    """Flatten dims start_dim..end_dim into one."""

    __constants__ = ["start_dim", "end_dim"]

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.reshape(_flatten_shape(tuple(input.shape), self.start_dim, self.end_dim))

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expand dim ``dim`` into the shape ``unflattened_size``."""

    __constants__ = ["dim", "unflattened_size"]

    def __init__(self, dim: int | str, unflattened_size) -> None:
        super().__init__()
        if isinstance(dim, int):
            self._require_tuple_int(unflattened_size)
        else:
            raise TypeError("invalid argument type for dim parameter")
        self.dim = dim
        self.unflattened_size = unflattened_size

    @staticmethod
    def _require_tuple_int(value) -> None:
        if isinstance(value, (tuple, list)):
            for idx, elem in enumerate(value):
                if not isinstance(elem, int):
                    raise TypeError(
                        f"unflattened_size must be tuple of ints, but found element of type {type(elem).__name__} "
                        f"at pos {idx}"
                    )
            return
        raise TypeError(f"unflattened_size must be a tuple of ints, but found type {type(value).__name__}")

    def forward(self, input: Tensor) -> Tensor:
        return input.reshape(_unflatten_shape(tuple(input.shape), self.dim, tuple(self.unflattened_size)))

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
