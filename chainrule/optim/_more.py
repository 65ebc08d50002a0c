"""More optimizers (mirrors the rest of ``torch.optim``): Adamax, NAdam, RAdam and Adadelta here; Rprop, ASGD and
Adafactor in ``_more2``; LBFGS in ``_lbfgs``.

Each per-parameter update is torch's single-tensor kernel written with NumPy ``out=`` arguments in the same
operation order, and the state dicts use torch's keys and dtypes so they load into torch and back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ._lbfgs import LBFGS
from ._more2 import ASGD, Adafactor, Rprop
from ._more_common import (
    _FLAGS,
    _addcdiv_,
    _addcmul_,
    _as_scalar_state,
    _axpy_,
    _bump,
    _check_step_flags,
    _decayed_grad,
    _init_state,
    _scalar_states,
)
from .optimizer import (
    Optimizer,
    _check,
    _check_betas,
    _decoupled_grad,
    _defaults,
    _lerp_,
    _lr_check,
    _scalar,
    _zeros_state,
)

__all__ = ["Adamax", "NAdam", "RAdam", "Adadelta", "Rprop", "ASGD", "LBFGS", "Adafactor"]


class Adamax(Optimizer):
    """m <- lerp(m, g, 1-b1); u <- max(b2*u, |g| + eps); p <- p - lr/(1-b1^t) * m/u (Adam with the infinity norm)."""

    _legacy_options = _FLAGS
    _upgrade_state = _scalar_states("step")

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        foreach=None,
        *,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _check_betas(lr, eps, betas, weight_decay)
        defaults = _defaults(locals(), "lr betas eps weight_decay foreach maximize differentiable capturable")
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = _init_state(self, p, step=0.0, exp_avg=_zeros_state, exp_inf=_zeros_state)
        _check_step_flags(p, group, "params and state_steps")
        sc = data.dtype.type
        beta1, beta2 = group["betas"]
        step = _bump(state)
        g = _decayed_grad(data, grad, group["weight_decay"], group["maximize"])
        m = state["exp_avg"]._data
        u = state["exp_inf"]._data
        tmp = np.empty_like(data)
        _lerp_(m, g, 1 - beta1, tmp)
        np.multiply(u, sc(beta2), out=u)
        np.abs(g, out=tmp)
        np.add(tmp, sc(group["eps"]), out=tmp)
        np.maximum(u, tmp, out=u)
        clr = _scalar(group["lr"]) / (1 - beta1**step)
        _addcdiv_(data, m, u, -clr, tmp)


class NAdam(Optimizer):
    """Adam with Nesterov momentum: mu_t = b1*(1 - 0.5*0.96^(t*psi)); p <- p - lr*((1-mu_t)/(1-prod mu) * g
    + mu_{t+1}/(1-prod_{t+1} mu) * m) / (sqrt(v/(1-b2^t)) + eps)."""

    _legacy_options = (
        ("maximize", False),
        ("foreach", None),
        ("capturable", False),
        ("differentiable", False),
        ("decoupled_weight_decay", False),
    )
    _upgrade_state = _scalar_states("step", "mu_product")

    def __init__(
        self,
        params,
        lr: float = 2e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum_decay: float = 4e-3,
        decoupled_weight_decay: bool = False,
        *,
        foreach=None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_betas(lr, eps, betas, weight_decay)
        _check(0.0 <= momentum_decay, f"Invalid momentum_decay value: {momentum_decay}")
        defaults = _defaults(
            locals(),
            "lr betas eps weight_decay momentum_decay decoupled_weight_decay",
            "maximize foreach capturable differentiable",
        )
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = _init_state(self, p, step=0.0, mu_product=1.0, exp_avg=_zeros_state, exp_avg_sq=_zeros_state)
        _check_step_flags(p, group, "params, mu_products and state_steps")
        sc = data.dtype.type
        beta1, beta2 = group["betas"]
        lr = _scalar(group["lr"])
        step = _bump(state)
        bias_correction2 = 1 - beta2**step
        g = _decoupled_grad(data, grad, group, lr, _decayed_grad)
        psi = group["momentum_decay"]
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * psi)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * psi)))
        mu_product = _as_scalar_state(state, "mu_product")._data
        mu_product *= mu
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        tmp = np.empty_like(data)
        _lerp_(m, g, 1 - beta1, tmp)
        np.multiply(v, sc(beta2), out=v)
        _addcmul_(v, g, g, 1 - beta2, tmp)
        denom = np.divide(v, sc(bias_correction2), out=np.empty_like(data))
        np.sqrt(denom, out=denom)
        np.add(denom, sc(group["eps"]), out=denom)
        prod = mu_product.item()
        prod_next = prod * mu_next
        _addcdiv_(data, g, denom, -lr * (1.0 - mu) / (1.0 - prod), tmp)
        _addcdiv_(data, m, denom, (-lr * mu_next) / (1.0 - prod_next), tmp)


class RAdam(Optimizer):
    """Rectified Adam: rho_t = rho_inf - 2t*b2^t/(1-b2^t); p <- p - lr*m_hat*(r_t*sqrt(1-b2^t)/(sqrt(v)+eps)
    if rho_t > 5 else 1), r_t = sqrt((rho_t-4)(rho_t-2)rho_inf / ((rho_inf-4)(rho_inf-2)rho_t))."""

    _legacy_options = (
        ("foreach", None),
        ("maximize", False),
        ("differentiable", False),
        ("decoupled_weight_decay", False),
        ("capturable", False),
    )
    _upgrade_state = _scalar_states("step")

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        decoupled_weight_decay: bool = False,
        *,
        foreach=None,
        maximize: bool = False,
        capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        _check_betas(lr, eps, betas, weight_decay)
        defaults = _defaults(
            locals(), "lr betas eps weight_decay maximize foreach capturable decoupled_weight_decay differentiable"
        )
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = _init_state(self, p, step=0.0, exp_avg=_zeros_state, exp_avg_sq=_zeros_state)
        _check_step_flags(p, group, "params and state_steps")
        sc = data.dtype.type
        beta1, beta2 = group["betas"]
        lr = _scalar(group["lr"])
        step = _bump(state)
        g = _decoupled_grad(data, grad, group, lr, _decayed_grad)
        m = state["exp_avg"]._data
        v = state["exp_avg_sq"]._data
        tmp = np.empty_like(data)
        _lerp_(m, g, 1 - beta1, tmp)
        np.multiply(v, sc(beta2), out=v)
        _addcmul_(v, g, g, 1 - beta2, tmp)
        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        upd = np.divide(m, sc(bias_correction1), out=np.empty_like(data))
        np.multiply(upd, sc(lr), out=upd)
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2**step) / bias_correction2
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            np.sqrt(v, out=tmp)
            np.add(tmp, sc(group["eps"]), out=tmp)
            # float / tensor is tensor.reciprocal() * float in torch
            np.reciprocal(tmp, out=tmp)
            np.multiply(tmp, sc(bias_correction2**0.5), out=tmp)
            np.multiply(upd, tmp, out=upd)
            np.multiply(upd, sc(rect), out=upd)
        np.subtract(data, upd, out=data)


class Adadelta(Optimizer):
    """v <- rho*v + (1-rho)*g^2; dx = sqrt(u + eps)/sqrt(v + eps) * g; u <- rho*u + (1-rho)*dx^2; p <- p - lr*dx."""

    _legacy_options = _FLAGS
    _upgrade_state = _scalar_states("step")

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0,
        foreach=None,
        *,
        capturable: bool = False,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _lr_check(lr)
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= rho <= 1.0, f"Invalid rho value: {rho}")
        _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = _defaults(locals(), "lr rho eps weight_decay maximize capturable foreach differentiable")
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = _init_state(self, p, step=0.0, square_avg=_zeros_state, acc_delta=_zeros_state)
        _check_step_flags(p, group, "params and state_steps", "['cuda', 'xpu', 'hpu', 'privateuseone']")
        sc = data.dtype.type
        rho, eps = group["rho"], sc(group["eps"])
        _bump(state)
        g = _decayed_grad(data, grad, group["weight_decay"], group["maximize"])
        sq = state["square_avg"]._data
        acc = state["acc_delta"]._data
        tmp = np.empty_like(data)
        np.multiply(sq, sc(rho), out=sq)
        _addcmul_(sq, g, g, 1 - rho, tmp)
        std = np.add(sq, eps, out=np.empty_like(data))
        np.sqrt(std, out=std)
        delta = np.add(acc, eps, out=np.empty_like(data))
        np.sqrt(delta, out=delta)
        np.divide(delta, std, out=delta)
        np.multiply(delta, g, out=delta)
        np.multiply(acc, sc(rho), out=acc)
        _addcmul_(acc, delta, delta, 1 - rho, tmp)
        _axpy_(data, delta, -_scalar(group["lr"]))
