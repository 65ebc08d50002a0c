"""nn utilities: gradient clipping, parameter vectors, parametrizations, weight/spectral norm, fusion, stateless."""

import importlib.util as _ilu

from . import clip_grad, convert_parameters, fusion, parametrizations, parametrize, stateless  # noqa: F401
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_, get_total_norm
from .convert_parameters import parameters_to_vector, vector_to_parameters
from .fusion import fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval, fuse_linear_bn_weights
from .init import skip_init
from .spectral_norm import remove_spectral_norm, spectral_norm
from .weight_norm import remove_weight_norm, weight_norm

# submodules contributed alongside (e.g. rnn) are exposed as attributes when present
for _name in ("rnn", "prune"):
    if _ilu.find_spec(f"{__name__}.{_name}") is not None:
        globals()[_name] = __import__(f"{__name__}.{_name}", fromlist=["_"])

__all__ = [
    "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
    "parameters_to_vector", "vector_to_parameters", "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
    "fuse_linear_bn_weights", "parametrizations", "parametrize", "remove_spectral_norm", "remove_weight_norm",
    "skip_init", "spectral_norm", "stateless", "weight_norm",
]  # fmt: skip
