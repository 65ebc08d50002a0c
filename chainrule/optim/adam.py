"""Adam and AdamW (decoupled weight decay), with optional AMSGrad."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ._more_common import _addcmul_
from .optimizer import (
    Optimizer,
    _bump_step,
    _check_betas,
    _check_fused_foreach,
    _decoupled_grad,
    _defaults,
    _lerp_,
    _new_step,
    _scalar,
    _step_tensor,
    _zeros_state,
)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """m <- lerp(m, g, 1-b1); v <- b2*v + (1-b2)*g^2; p <- p - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)."""

    _legacy_options = (
        ("amsgrad", False),
        ("maximize", False),
        ("foreach", None),
        ("capturable", False),
        ("differentiable", False),
        ("decoupled_weight_decay", False),
        ("fused", None),
    )
    _upgrade_state = staticmethod(_step_tensor)

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        foreach=None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
        fused=None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        _check_betas(lr, eps, betas, weight_decay)
        both_float = isinstance(betas[0], float) and isinstance(betas[1], float)
        both_tensor = isinstance(betas[0], Tensor) and isinstance(betas[1], Tensor)
        if not (both_float or both_tensor):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if isinstance(b, Tensor) and b.numel() != 1:
                raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(betas)
        defaults = _defaults(
            locals(),
            "lr betas eps weight_decay amsgrad maximize",
            "foreach capturable differentiable fused decoupled_weight_decay",
        )
        super().__init__(params, defaults)
        _check_fused_foreach(fused, foreach, differentiable)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _new_step()
            state["exp_avg"] = _zeros_state(p)
            state["exp_avg_sq"] = _zeros_state(p)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = _zeros_state(p)
        beta1, beta2 = (_scalar(b) for b in group["betas"])
        lr = _scalar(group["lr"])
        step = _bump_step(state)
        sc = data.dtype.type
        g = _decoupled_grad(data, grad, group, lr)
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        tmp = np.empty_like(data)
        _lerp_(m, g, 1 - beta1, tmp)
        np.multiply(v, sc(beta2), out=v)
        _addcmul_(v, g, g, 1 - beta2, tmp)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5
        if group["amsgrad"]:
            vmax = state["max_exp_avg_sq"]._data
            np.maximum(vmax, v, out=vmax)
            v = vmax
        denom = np.sqrt(v, out=tmp)
        np.divide(denom, sc(bias_correction2_sqrt), out=denom)
        np.add(denom, sc(group["eps"]), out=denom)
        upd = np.multiply(m, sc(-step_size), out=g if g is not grad else np.empty_like(data))
        np.divide(upd, denom, out=upd)
        np.add(data, upd, out=data)


class AdamW(Adam):
    """Adam with decoupled weight decay: p <- p * (1 - lr*weight_decay) before the Adam update."""

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        foreach=None,
        capturable: bool = False,
        differentiable: bool = False,
        fused=None,
    ) -> None:
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            foreach=foreach,
            maximize=maximize,
            capturable=capturable,
            differentiable=differentiable,
            fused=fused,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
