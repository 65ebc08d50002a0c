"""Adagrad: per-coordinate step sizes from the running sum of squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from .optimizer import (
    Optimizer,
    _bump_step,
    _check,
    _check_fused_foreach,
    _defaults,
    _effective_grad,
    _lr_check,
    _scalar,
    _step_tensor,
)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """s <- s + g^2; p <- p - lr / (1 + (t-1)*lr_decay) * g / (sqrt(s) + eps)."""

    _legacy_options = (("foreach", None), ("maximize", False), ("differentiable", False), ("fused", None))
    _upgrade_state = staticmethod(_step_tensor)

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        foreach=None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        _lr_check(lr)
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= lr_decay, f"Invalid lr_decay value: {lr_decay}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        _check(
            0.0 <= initial_accumulator_value, f"Invalid initial_accumulator_value value: {initial_accumulator_value}"
        )
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        defaults = _defaults(
            locals(), "lr lr_decay eps weight_decay initial_accumulator_value", "foreach maximize differentiable fused"
        )
        super().__init__(params, defaults)
        _check_fused_foreach(fused, foreach, differentiable)

    def _init_new_group(self, group: dict[str, Any]) -> None:
        for p in group["params"]:
            self._init_state(p, group)

    def _init_state(self, p: Tensor, group: dict[str, Any]) -> None:
        state = self.state[p]
        state["step"] = Tensor._make(np.array(0.0, dtype=np.float32), False, None, 0)
        state["sum"] = Tensor._make(np.full_like(p._data, group["initial_accumulator_value"]), False, None, 0)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = self.state[p]
        sc = data.dtype.type
        if "sum" not in state:
            self._init_state(p, group)
        step = _bump_step(state)
        g = _effective_grad(data, grad, group["weight_decay"], group["maximize"])
        clr = _scalar(group["lr"]) / (1 + (step - 1) * group["lr_decay"])
        s = state["sum"]._data
        std = np.multiply(g, g, out=np.empty_like(data))
        np.add(s, std, out=s)
        np.sqrt(s, out=std)
        np.add(std, sc(group["eps"]), out=std)
        upd = np.multiply(g, sc(-clr), out=g if g is not grad else np.empty_like(data))
        np.divide(upd, std, out=upd)
        np.add(data, upd, out=data)
