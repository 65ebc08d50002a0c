"""Optimizer base class: parameter groups, per-parameter state, state_dict in torch's format.

Subclasses implement ``_update(p, grad, group)``, an in-place update of one parameter's
array (``p._data``) from its gradient array, written with NumPy ``out=`` arguments in the same
operation order torch's single-tensor kernels use, so float results agree with torch.
"""

from __future__ import annotations

import functools
import itertools
import warnings
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state, enable_grad

__all__ = ["Optimizer", "required", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]


class _RequiredParameter:
    """Singleton marking a hyper-parameter without a default."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()

_global_pre_hooks: OrderedDict = OrderedDict()
_global_post_hooks: OrderedDict = OrderedDict()
_hook_ids = itertools.count()


class _HookHandle:
    """Removes a hook registered in an ordered dict (mirrors torch.utils.hooks.RemovableHandle)."""

    def __init__(self, hooks: OrderedDict):
        self._hooks = hooks
        self.id = next(_hook_ids)

    def remove(self) -> None:
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def _register(hooks: OrderedDict, hook, prepend: bool = False) -> _HookHandle:
    handle = _HookHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


def register_optimizer_step_pre_hook(hook: Callable) -> _HookHandle:
    """Register ``hook(optimizer, args, kwargs)`` run before every optimizer's step."""
    return _register(_global_pre_hooks, hook)


def register_optimizer_step_post_hook(hook: Callable) -> _HookHandle:
    """Register ``hook(optimizer, args, kwargs)`` run after every optimizer's step."""
    return _register(_global_post_hooks, hook)


def _typename(obj) -> str:
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = getattr(cls, "__module__", "")
    return cls.__qualname__ if module in ("", "builtins") else f"{module}.{cls.__qualname__}"


def _with_hooks(step):
    @functools.wraps(step)
    def wrapper(self, *args, **kwargs):
        for hook in itertools.chain(_global_pre_hooks.values(), self._optimizer_step_pre_hooks.values()):
            result = hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(
                        f"{hook} must return None or a tuple of (new_args, new_kwargs), but got {result}."
                    )
                args, kwargs = result
        out = step(self, *args, **kwargs)
        for hook in itertools.chain(self._optimizer_step_post_hooks.values(), _global_post_hooks.values()):
            hook(self, args, kwargs)
        return out

    wrapper._hooked = True
    return wrapper


def _scalar(v) -> float:
    """Python number for a hyper-parameter given as a float or a one-element tensor."""
    return v.item() if isinstance(v, Tensor) else v


class Optimizer:
    """Base class for all optimizers (mirrors ``torch.optim.Optimizer``).

    ``params`` is an iterable of tensors, of ``(name, tensor)`` pairs, or of dicts (parameter
    groups with per-group options); ``defaults`` fills the options a group leaves out.
    """

    # options that checkpoints of older torch versions lack, as (name, default): unpickling fills them in
    _legacy_options: tuple[tuple[str, Any], ...] = ()
    # brings one parameter's (non-empty) state from an older checkpoint up to date, e.g. a plain-number ``step``
    _upgrade_state: Callable[[dict], Any] | None = None

    def __init__(self, params, defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self._optimizer_step_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_step_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_pre_hooks: OrderedDict = OrderedDict()
        self._optimizer_load_state_dict_post_hooks: OrderedDict = OrderedDict()
        self._patch_step_function()
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Tensors or dicts, but got "
                + _typename(params)
            )
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    # -- pickling / repr ----------------------------------------------------------------------
    def __getstate__(self) -> dict[str, Any]:
        return {"defaults": self.defaults, "state": self.state, "param_groups": self.param_groups}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        for name in (
            "_optimizer_step_pre_hooks",
            "_optimizer_step_post_hooks",
            "_optimizer_state_dict_pre_hooks",
            "_optimizer_state_dict_post_hooks",
            "_optimizer_load_state_dict_pre_hooks",
            "_optimizer_load_state_dict_post_hooks",
        ):
            if name not in self.__dict__:
                setattr(self, name, OrderedDict())
        self._patch_step_function()
        self.defaults.setdefault("differentiable", False)
        for group in self.param_groups:
            for key, default in self._legacy_options:
                group.setdefault(key, default)
            if self._upgrade_state is not None:
                for p in group["params"]:
                    st = self.state.get(p)
                    if st:
                        self._upgrade_state(st)

    def _patch_step_function(self) -> None:
        # wrap the class's resolved ``step`` once so step hooks run around every optimizer's step
        cls = type(self)
        if not getattr(cls.step, "_hooked", False):
            cls.step = _with_hooks(cls.step)

    def __repr__(self) -> str:
        out = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            out += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    out += f"    {key}: {group[key]}\n"
        return out + ")"

    # -- parameter groups ---------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Append a parameter group (a dict with ``params`` and optional per-group options)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but the ordering of tensors "
                "in sets will change between runs. Please use a list instead."
            )
        else:
            params = list(params)
        tensors, names = [], []
        for p in params:
            if isinstance(p, tuple):
                names.append(p[0])
                tensors.append(p[1])
            else:
                tensors.append(p)
        param_group["params"] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group["param_names"] = names
        for p in tensors:
            if not isinstance(p, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(p))
            if not self.defaults.get("differentiable", None) and not (p.is_leaf or p.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)
        if len(tensors) != len({id(p) for p in tensors}):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; in future, this will cause an "
                "error; see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        seen: set[int] = set()
        for group in self.param_groups:
            seen.update(id(p) for p in group["params"])
            if ("param_names" in param_group) != ("param_names" in group):
                txt = "with names" if "param_names" in param_group else "without names"
                raise ValueError(
                    f"all optimizer param groups should be with/without names. cannot add param group {txt} "
                    "to the optimizer"
                )
        if any(id(p) in seen for p in tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)
        self._init_new_group(param_group)

    def _init_new_group(self, group: dict[str, Any]) -> None:
        """Eager per-parameter state for a freshly added group (Adagrad fills its accumulators here)."""

    # -- gradients and steps ------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all optimized tensors (to None, or to zeros in place)."""
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                else:
                    if g.grad_fn is not None:
                        g.detach_()
                    else:
                        g._rg = False
                    g._data.fill(0)
                    g._vc_get().v += 1

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; ``closure`` re-evaluates and returns the loss."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        prev = _state.enabled
        _state.enabled = False
        try:
            for group in self.param_groups:
                for p in group["params"]:
                    g = p._grad
                    if g is None:
                        continue
                    if not p._data.flags.writeable:
                        p._data = p._data.copy()
                    if g._data.dtype != p._data.dtype:
                        raise RuntimeError(
                            f"{type(self).__name__}.step: gradient dtype {g.dtype} does not match the parameter "
                            f"dtype {p.dtype}"
                        )
                    self._update(p, g._data, group)
                    p._vc_get().v += 1
        finally:
            _state.enabled = prev
        return loss

    def _update(self, p: Tensor, grad: np.ndarray, group: dict[str, Any]) -> None:
        raise NotImplementedError(f"{type(self).__name__} does not implement a parameter update")

    # -- hooks ----------------------------------------------------------------------------------
    def register_step_pre_hook(self, hook: Callable) -> _HookHandle:
        """``hook(optimizer, args, kwargs)`` runs before ``step``; it may return new ``(args, kwargs)``."""
        return _register(self._optimizer_step_pre_hooks, hook)

    def register_step_post_hook(self, hook: Callable) -> _HookHandle:
        """``hook(optimizer, args, kwargs)`` runs after ``step``."""
        return _register(self._optimizer_step_post_hooks, hook)

    def register_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        return _register(self._optimizer_state_dict_pre_hooks, hook, prepend)

    def register_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        return _register(self._optimizer_state_dict_post_hooks, hook, prepend)

    def register_load_state_dict_pre_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        return _register(self._optimizer_load_state_dict_pre_hooks, hook, prepend)

    def register_load_state_dict_post_hook(self, hook: Callable, prepend: bool = False) -> _HookHandle:
        return _register(self._optimizer_load_state_dict_post_hooks, hook, prepend)

    # -- state dicts ----------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}`` (torch's layout)."""
        for hook in self._optimizer_state_dict_pre_hooks.values():
            hook(self)
        mapping: dict[int, int] = {}
        start = 0

        def pack(group):
            nonlocal start
            packed = {k: v for k, v in group.items() if k != "params"}
            for i, p in enumerate(group["params"], start):
                mapping.setdefault(id(p), i)
            packed["params"] = [mapping[id(p)] for p in group["params"]]
            start += len(packed["params"])
            return packed

        groups = [pack(g) for g in self.param_groups]
        state = {(mapping[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        sd = {"state": state, "param_groups": groups}
        for hook in self._optimizer_state_dict_post_hooks.values():
            result = hook(self, sd)
            if result is not None:
                sd = result
        return sd

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by ``state_dict`` (state tensors are copied, floats cast to each param's dtype)."""
        import copy

        state_dict = state_dict.copy()
        for hook in self._optimizer_load_state_dict_pre_hooks.values():
            result = hook(self, state_dict)
            if result is not None:
                state_dict = result
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"]) for g, s in zip(groups, saved_groups)):
            raise ValueError(
                "loaded state dict contains a parameter group that doesn't match the size of optimizer's group"
            )
        id_map = dict(
            zip(
                itertools.chain.from_iterable(g["params"] for g in saved_groups),
                itertools.chain.from_iterable(g["params"] for g in groups),
            )
        )
        flags = {}
        for g in saved_groups:
            for i in g["params"]:
                flags[i] = g.get("fused", False) or g.get("capturable", False)
        state: defaultdict = defaultdict(dict)
        for k, v in state_dict["state"].items():
            if k in id_map:
                param = id_map[k]
                state[param] = _cast(param, v, flags.get(k, False), None)
            else:
                state[k] = v

        def update(group, new_group):
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            return new_group

        self.__setstate__({"state": state, "param_groups": [update(g, s) for g, s in zip(groups, saved_groups)]})
        for hook in self._optimizer_load_state_dict_post_hooks.values():
            hook(self)


def _cast(param: Tensor, value, fused: bool, key):
    """Copy of a saved state value; tensors take the param's float dtype (``step`` stays as saved)."""
    if isinstance(value, Tensor):
        arr = value._data
        if key == "step":
            if fused:
                arr = arr.astype(np.float32)
        elif param._data.dtype.kind == "f":
            arr = arr.astype(param._data.dtype)
        return Tensor._make(np.array(arr, copy=True), False, None, 0)
    if isinstance(value, dict):
        return {k: _cast(param, v, fused, k) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_cast(param, v, fused, None) for v in value)
    return value


def _step_tensor(state: dict) -> Tensor:
    """The state's ``step`` counter as a float32 0-d tensor (older checkpoints stored a number)."""
    st = state["step"]
    if not isinstance(st, Tensor):
        st = state["step"] = Tensor._make(np.array(float(st), dtype=np.float32), False, None, 0)
    return st


def _zeros_state(p: Tensor) -> Tensor:
    return Tensor._make(np.zeros_like(p._data), False, None, 0)


def _new_step() -> Tensor:
    return Tensor._make(np.array(0.0, dtype=np.float32), False, None, 0)


def _bump_step(state: dict) -> float:
    """``step += 1`` on the float32 step tensor; the new count as a Python float (torch's ``_get_value``)."""
    st = _step_tensor(state)
    st._data += 1
    return st._data.item()


def _effective_grad(p: np.ndarray, grad: np.ndarray, weight_decay: float, maximize: bool) -> np.ndarray:
    """``(-grad if maximize else grad) + weight_decay * p`` as torch computes it; never writes into ``grad``."""
    if weight_decay == 0:
        return np.negative(grad, out=np.empty_like(grad)) if maximize else grad
    out = np.multiply(p, p.dtype.type(weight_decay), out=np.empty_like(grad))
    # -g + wd*p and wd*p - g round identically
    return np.subtract(out, grad, out=out) if maximize else np.add(grad, out, out=out)


def _decoupled_grad(p: np.ndarray, grad: np.ndarray, group: dict[str, Any], lr: float, decayed=_effective_grad):
    """``p *= 1 - lr*weight_decay`` under ``decoupled_weight_decay`` (the gradient then takes no decay term), and
    ``decayed(p, grad, weight_decay, maximize)`` as the effective gradient."""
    wd = group["weight_decay"]
    if wd != 0 and group["decoupled_weight_decay"]:
        np.multiply(p, p.dtype.type(1 - lr * wd), out=p)
        wd = 0
    return decayed(p, grad, wd, group["maximize"])


def _lerp_(a: np.ndarray, b: np.ndarray, weight: float, tmp: np.ndarray) -> None:
    """a <- lerp(a, b, weight) in torch's two-branch form (``tmp`` is scratch of a's shape and dtype)."""
    w = a.dtype.type(weight)
    np.subtract(b, a, out=tmp)
    if abs(w) < 0.5:
        np.multiply(tmp, w, out=tmp)
        np.add(a, tmp, out=a)
    else:
        np.multiply(tmp, w - a.dtype.type(1), out=tmp)
        np.add(b, tmp, out=a)


def _check(cond: bool, msg: str) -> None:
    if not cond:
        raise ValueError(msg)


def _defaults(args: dict[str, Any], *names: str) -> dict[str, Any]:
    """The ``defaults`` dict of the constructor arguments ``names`` (space-separated, in torch's key order), read
    from the constructor's ``locals()``."""
    return {name: args[name] for part in names for name in part.split()}


def _lr_check(lr) -> None:
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


def _check_betas(lr, eps, betas, weight_decay) -> None:
    """torch's argument checks shared by the Adam family."""
    _lr_check(lr)
    _check(0.0 <= lr, f"Invalid learning rate: {lr}")
    _check(0.0 <= eps, f"Invalid epsilon value: {eps}")
    _check(0.0 <= betas[0] < 1.0, f"Invalid beta parameter at index 0: {betas[0]}")
    _check(0.0 <= betas[1] < 1.0, f"Invalid beta parameter at index 1: {betas[1]}")
    _check(0.0 <= weight_decay, f"Invalid weight_decay value: {weight_decay}")


def _check_fused_foreach(fused, foreach, differentiable) -> None:
    if fused:
        if differentiable:
            raise RuntimeError("`fused` does not support `differentiable`")
        if foreach:
            raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
