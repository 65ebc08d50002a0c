"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ._more_common import _addcmul_
from .optimizer import (
    Optimizer,
    _bump_step,
    _check,
    _defaults,
    _effective_grad,
    _lerp_,
    _lr_check,
    _new_step,
    _scalar,
    _step_tensor,
    _zeros_state,
)

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """v <- alpha*v + (1-alpha)*g^2; p <- p - lr * g / (sqrt(v - E[g]^2 if centered else v) + eps)."""

    _legacy_options = (
        ("momentum", 0),
        ("centered", False),
        ("foreach", None),
        ("maximize", False),
        ("differentiable", False),
        ("capturable", False),
    )
    _upgrade_state = staticmethod(_step_tensor)

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        capturable: bool = False,
        foreach=None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _lr_check(lr)
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= momentum, f"Invalid momentum value: {momentum}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(0.0 <= alpha, f"Invalid alpha value: {alpha}")
        defaults = _defaults(
            locals(), "lr momentum alpha eps centered weight_decay", "capturable foreach maximize differentiable"
        )
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = self.state[p]
        sc = data.dtype.type
        if len(state) == 0:
            state["step"] = _new_step()
            state["square_avg"] = _zeros_state(p)
            if group["momentum"] > 0:
                state["momentum_buffer"] = _zeros_state(p)
            if group["centered"]:
                state["grad_avg"] = _zeros_state(p)
        _bump_step(state)
        alpha = group["alpha"]
        g = _effective_grad(data, grad, group["weight_decay"], group["maximize"])
        sq = state["square_avg"]._data
        tmp = np.empty_like(data)
        np.multiply(sq, sc(alpha), out=sq)
        _addcmul_(sq, g, g, 1 - alpha, tmp)
        avg = tmp
        if group["centered"]:
            ga = state["grad_avg"]._data
            _lerp_(ga, g, 1 - alpha, tmp)
            np.multiply(ga, ga, out=avg)
            np.subtract(sq, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            np.sqrt(sq, out=avg)
        np.add(avg, sc(group["eps"]), out=avg)
        lr = sc(-_scalar(group["lr"]))
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]._data
            np.multiply(buf, sc(group["momentum"]), out=buf)
            np.divide(g, avg, out=avg)
            np.add(buf, avg, out=buf)
            np.multiply(buf, lr, out=avg)
        else:
            upd = np.multiply(g, lr, out=g if g is not grad else np.empty_like(g))
            np.divide(upd, avg, out=avg)
        np.add(data, avg, out=data)
