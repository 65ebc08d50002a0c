"""skip_init: build a module without spending time or random draws on initializing it (mirrors torch's)."""

from __future__ import annotations

import inspect

from ... import _random
from ..modules.module import Module

__all__ = ["skip_init"]


def skip_init(module_cls: type, *args, **kwargs) -> Module:
    """Instantiate ``module_cls(*args, **kwargs)`` with uninitialized parameters; the random stream is untouched."""
    if not issubclass(module_cls, Module):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    # torch builds on the meta device, which draws nothing: restore the generator so later draws match
    gen = _random.default_generator
    state = gen.get_state()
    try:
        module = module_cls(*args, **kwargs)
    finally:
        gen.set_state(state)
    return module
