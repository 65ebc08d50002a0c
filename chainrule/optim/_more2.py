"""Rprop, ASGD and Adafactor (re-exported by ``_more``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._tensor import Tensor
from ._more_common import (
    _FLAGS,
    _as_scalar_state,
    _axpy_,
    _bump,
    _check_step_flags,
    _decayed_grad,
    _init_state,
    _new_scalar,
    _scalar_np_dtype,
    _scalar_states,
)
from .optimizer import Optimizer, _check, _defaults, _lerp_, _lr_check, _scalar, _zeros_state

__all__ = ["Rprop", "ASGD", "Adafactor"]


def _norm(a: np.ndarray) -> float:
    """``a.norm(2).item()``: torch accumulates the squares in a's own dtype."""
    return float(np.sqrt(np.sum(np.multiply(a, a))))


class Rprop(Optimizer):
    """s <- clamp(s * (eta+ if g*g_prev > 0, eta- if < 0, else 1), step_sizes); g <- 0 where the sign flipped;
    p <- p - sign(g) * s; g_prev <- g."""

    _legacy_options = _FLAGS
    _upgrade_state = _scalar_states("step")

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        *,
        capturable: bool = False,
        foreach=None,
        maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        _lr_check(lr)
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 < etas[0] < 1.0 < etas[1], f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = _defaults(locals(), "lr etas step_sizes foreach maximize differentiable capturable")
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = _init_state(
            self,
            p,
            step=0.0,
            prev=_zeros_state,
            step_size=lambda p: Tensor._make(np.full_like(grad, _scalar(group["lr"])), False, None, 0),
        )
        _check_step_flags(p, group, "params and state_steps")
        sc = data.dtype.type
        etaminus, etaplus = group["etas"]
        size_min, size_max = group["step_sizes"]
        _bump(state)
        prev = state["prev"]._data
        size = state["step_size"]._data
        g = np.negative(grad, out=np.empty_like(grad)) if group["maximize"] else np.array(grad, copy=True)
        factor = np.multiply(g, prev, out=np.empty_like(g))
        np.sign(factor, out=factor)
        shrink = factor < 0
        factor[factor > 0] = sc(etaplus)
        factor[shrink] = sc(etaminus)
        factor[factor == 0] = 1
        np.multiply(size, factor, out=size)
        np.maximum(size, sc(size_min), out=size)
        np.minimum(size, sc(size_max), out=size)
        # a sign change: no step now, and no eta- again next time
        g[factor == sc(etaminus)] = 0
        upd = np.sign(g, out=np.empty_like(g))
        np.multiply(upd, size, out=upd)
        np.subtract(data, upd, out=data)
        np.copyto(prev, g)


class ASGD(Optimizer):
    """p <- p*(1 - lambd*eta) - eta*g; ax <- ax + mu*(p - ax) (ax <- p while mu = 1);
    eta <- lr / (1 + lambd*lr*t)^alpha; mu <- 1 / max(1, t - t0)."""

    _legacy_options = _FLAGS
    _upgrade_state = _scalar_states("step", "eta", "mu")

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lambd: float = 1e-4,
        alpha: float = 0.75,
        t0: float = 1e6,
        weight_decay: float = 0,
        foreach=None,
        maximize: bool = False,
        differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        _lr_check(lr)
        _check(0.0 <= lr, f"Invalid learning rate: {lr}")
        _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")
        defaults = _defaults(locals(), "lr lambd alpha t0 weight_decay foreach maximize differentiable capturable")
        super().__init__(params, defaults)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = _init_state(self, p, step=0.0, eta=_scalar(group["lr"]), mu=1.0, ax=_zeros_state)
        _check_step_flags(p, group, "params, mus, etas, and state_steps")
        sc = data.dtype.type
        lr, lambd = _scalar(group["lr"]), group["lambd"]
        eta = _as_scalar_state(state, "eta")._data
        mu = _as_scalar_state(state, "mu")._data
        ax = state["ax"]._data
        step = _bump(state)
        g = _decayed_grad(data, grad, group["weight_decay"], group["maximize"])
        eta_value = eta.item()
        np.multiply(data, sc(1 - lambd * eta_value), out=data)
        _axpy_(data, g, -eta_value)
        if mu.item() != 1:
            upd = np.empty_like(data)
            np.subtract(data, ax, out=upd)
            np.multiply(upd, sc(mu.item()), out=upd)
            np.add(ax, upd, out=ax)
        else:
            np.copyto(ax, data)
        # torch.as_tensor(float) rounds to the default dtype before copying into the state tensor
        rnd = _scalar_np_dtype()
        eta[...] = rnd(lr / ((1 + lambd * lr * step) ** group["alpha"]))
        mu[...] = rnd(1 / max(1, step - group["t0"]))


class Adafactor(Optimizer):
    """Factored second moments: R <- lerp(R, mean_cols(g^2), t^tau), C <- lerp(C, mean_rows(g^2), t^tau),
    V = R C / max(mean(R), eps1) (V <- lerp(V, g^2, t^tau) for vectors); U = g / max(sqrt(V), eps1);
    p <- p*(1 - lr*wd) - max(eps2, RMS(p)) * min(lr, 1/sqrt(t)) * U / max(1, RMS(U)/d)."""

    _legacy_options = (("foreach", None),)
    _upgrade_state = _scalar_states("step")

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        beta2_decay: float = -0.8,
        eps: tuple[float | None, float] = (None, 1e-3),
        d: float = 1.0,
        weight_decay: float = 0.0,
        *,
        foreach=None,
        maximize: bool = False,
    ) -> None:
        _lr_check(lr)
        _check(0.0 <= lr, f"Learning rate should be >= 0 but is: {lr}")
        _check(0.0 >= beta2_decay, f"beta2_decay should be <= 0 but is: {beta2_decay}")
        _check(eps[0] is None or 0.0 <= eps[0], f"epsilon1 should be >= 0 but is: {eps[0]}")
        _check(0.0 <= eps[1], f"epsilon2 should be >= 0 but is: {eps[1]}")
        _check(1.0 <= d, f"Clipping threshold d should be >= 1 but is: {d}")
        _check(0.0 <= weight_decay, f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = _defaults(locals(), "lr beta2_decay eps d weight_decay foreach maximize")
        self._eps1: dict[int, float] = {}
        super().__init__(params, defaults)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        self._eps1 = {}

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates and returns the loss."""
        # eps1=None means the machine epsilon of the first parameter with a gradient, per group, as torch
        self._eps1 = {}
        return super().step(closure)

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        data = p._data
        state = self.state[p]
        if len(state) == 0:
            state["step"] = _new_scalar(0.0)
            if grad.ndim > 1:
                state["row_var"] = Tensor._make(np.zeros(grad.shape[:-1] + (1,), grad.dtype), False, None, 0)
                state["col_var"] = Tensor._make(
                    np.zeros(grad.shape[:-2] + (1,) + grad.shape[-1:], grad.dtype), False, None, 0
                )
            else:
                state["variance"] = Tensor._make(np.zeros_like(grad), False, None, 0)
        sc = data.dtype.type
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = self._eps1.setdefault(id(group), float(np.finfo(data.dtype).eps))
        lr = _scalar(group["lr"])
        g = np.negative(grad, out=np.empty_like(grad)) if group["maximize"] else grad
        step = _bump(state)
        one_minus_beta2_t = step ** group["beta2_decay"]
        rho_t = min(lr, 1 / (step**0.5))
        alpha = max(eps2, _norm(data) / (data.size**0.5)) * rho_t
        if group["weight_decay"] != 0:
            np.multiply(data, sc(1 - lr * group["weight_decay"]), out=data)
        sq = np.multiply(g, g)
        if g.ndim > 1:
            row_var, col_var = state["row_var"]._data, state["col_var"]._data
            # torch.norm(g, dim).square_() / size: the norm is rounded to g's dtype before squaring
            row_mean = np.sqrt(sq.sum(axis=-1, keepdims=True))
            np.square(row_mean, out=row_mean)
            np.divide(row_mean, sc(g.shape[-1]), out=row_mean)
            _lerp_(row_var, row_mean, one_minus_beta2_t, np.empty_like(row_var))
            col_mean = np.sqrt(sq.sum(axis=-2, keepdims=True))
            np.square(col_mean, out=col_mean)
            np.divide(col_mean, sc(g.shape[-2]), out=col_mean)
            _lerp_(col_var, col_mean, one_minus_beta2_t, np.empty_like(col_var))
            var_estimate = np.multiply(row_var, col_var)  # (.., m, 1) @ (.., 1, n): one product per entry
            row_avg = row_var.mean(axis=-2, keepdims=True)
            np.maximum(row_avg, sc(eps1), out=row_avg)
            np.divide(var_estimate, row_avg, out=var_estimate)
        else:
            variance = state["variance"]._data
            _lerp_(variance, sq, one_minus_beta2_t, np.empty_like(variance))
            var_estimate = variance.copy()
        update = np.maximum(var_estimate, sc(eps1 * eps1), out=var_estimate)
        np.sqrt(update, out=update)
        np.reciprocal(update, out=update)
        np.multiply(update, g, out=update)
        denom = max(1.0, _norm(update) / ((update.size**0.5) * group["d"]))
        _axpy_(data, update, -alpha / denom)
