"""nn utilities: gradient clipping, parameter vectors."""

import importlib.util as _ilu

from . import clip_grad, convert_parameters  # noqa: F401
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters

# submodules contributed alongside (e.g. rnn) are exposed as attributes when present
for _name in ("rnn", "parametrize", "parametrizations", "prune", "stateless"):
    if _ilu.find_spec(f"{__name__}.{_name}") is not None:
        globals()[_name] = __import__(f"{__name__}.{_name}", fromlist=["_"])

__all__ = [
    "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
    "parameters_to_vector", "vector_to_parameters",
]  # fmt: skip
