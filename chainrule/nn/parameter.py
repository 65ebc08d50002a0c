"""Parameter: a Tensor that a Module registers as learnable (requires_grad=True by default)."""

from __future__ import annotations

from .._tensor import Tensor, _init
from ..backend import xp


class Parameter(Tensor):
    """A leaf tensor registered by ``Module.__setattr__``; shares ``data``'s memory."""

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            arr = xp.zeros((0,), dtype=xp.float32)
        elif isinstance(data, Tensor):
            arr = data._data
        else:
            arr = xp.asarray(data)
        t = Tensor.__new__(cls)
        _init(t, arr, requires_grad)
        return t

    def __init__(self, data=None, requires_grad: bool = True):
        pass

    def __deepcopy__(self, memo):
        t = Parameter(self._data.copy(), self._rg)
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy(), False, None, 0)
        memo[id(self)] = t
        return t

    def __reduce_ex__(self, proto):
        return (Parameter, (Tensor._make(self._data, False, None, 0), self._rg))


class Buffer(Tensor):
    """Marks a tensor to be registered as a module buffer when assigned as an attribute."""

    def __new__(cls, data=None, *, persistent: bool = True):
        arr = (
            xp.zeros((0,), dtype=xp.float32)
            if data is None
            else (data._data if isinstance(data, Tensor) else xp.asarray(data))
        )
        t = Tensor.__new__(cls)
        _init(t, arr, False)
        t.persistent = persistent
        return t

    def __init__(self, data=None, *, persistent: bool = True):
        pass


__all__ = ["Parameter", "Buffer"]
