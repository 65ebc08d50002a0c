"""Stochastic gradient descent with optional momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from .optimizer import Optimizer, _check, _defaults, _effective_grad, _lr_check, _scalar

__all__ = ["SGD"]


class SGD(Optimizer):
    """b <- mu*b + (1-dampening)*g (b starts as g); p <- p - lr*(g + mu*b if nesterov else b)."""

    _legacy_options = (
        ("nesterov", False),
        ("maximize", False),
        ("foreach", None),
        ("differentiable", False),
        ("fused", False),
    )

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
        foreach=None,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        _lr_check(lr)
        _check(lr >= 0.0, f"Invalid learning rate: {lr}")
        _check(momentum >= 0.0, f"Invalid momentum value: {momentum}")
        _check(weight_decay >= 0.0, f"Invalid weight_decay value: {weight_decay}")
        defaults = _defaults(
            locals(), "lr momentum dampening weight_decay nesterov", "maximize foreach differentiable fused"
        )
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        sc = data.dtype.type
        momentum = group["momentum"]
        g = _effective_grad(data, grad, _scalar(group["weight_decay"]), group["maximize"])
        fresh = g is not grad  # g is a temporary this update may overwrite
        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                b = g if fresh else np.array(g, copy=True)
                fresh = False
                state["momentum_buffer"] = Tensor._make(b, False, None, 0)
            else:
                b = buf._data
                np.multiply(b, sc(momentum), out=b)
                alpha = 1 - group["dampening"]
                np.add(b, g if alpha == 1 else np.multiply(g, sc(alpha), out=np.empty_like(g)), out=b)
            if group["nesterov"]:
                tmp = np.multiply(b, sc(momentum), out=np.empty_like(b))
                g = np.add(g, tmp, out=tmp)
                fresh = True
            else:
                g, fresh = b, False
        upd = np.multiply(g, sc(-_scalar(group["lr"])), out=g if fresh else np.empty_like(g))
        np.add(data, upd, out=data)
