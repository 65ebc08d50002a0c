"""chainrule: reverse-mode automatic differentiation over N-d tensors, PyTorch-compatible.

``import chainrule as torch`` runs PyTorch tensor, autograd and training code on NumPy.
"""

from __future__ import annotations

from . import _dtype
from ._dtype import (  # noqa: F401
    bfloat16,
    bool_ as bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from ._tensor import Size, Tensor
from . import ops as _ops
from .ops import *  # noqa: F401,F403
from ._creation import *  # noqa: F401,F403
from ._random import Generator, default_generator, get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from . import random
from ._tensor_str import set_printoptions
from ._threads import get_num_threads, set_num_threads
from . import autograd
from .autograd import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .autograd.grad_mode import is_inference_mode_enabled
from .serialization import load, save
from ._info import (  # noqa: F401
    are_deterministic_algorithms_enabled,
    channels_last,
    channels_last_3d,
    contiguous_format,
    e,
    finfo,
    get_default_device,
    iinfo,
    inf,
    is_deterministic_algorithms_warn_only_enabled,
    is_nonzero,
    layout,
    memory_format,
    nan,
    newaxis,
    pi,
    preserve_format,
    set_default_device,
    sparse_coo,
    strided,
    typename,
    use_deterministic_algorithms,
)

__version__ = "0.1.0"


class device:
    """A device descriptor; chainrule computes on the CPU."""

    def __init__(self, type="cpu", index=None):
        if isinstance(type, device):
            type = type.type
        self.type = str(type).split(":")[0]
        self.index = index

    def __repr__(self):
        return f"device(type='{self.type}')"

    def __str__(self):
        return self.type

    def __eq__(self, other):
        return str(self) == str(other)

    def __hash__(self):
        return hash(self.type)


class _Cuda:
    @staticmethod
    def is_available() -> bool:
        return False

    @staticmethod
    def device_count() -> int:
        return 0

    @staticmethod
    def manual_seed(value) -> None:
        pass

    @staticmethod
    def manual_seed_all(value) -> None:
        pass


cuda = _Cuda()


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def is_floating_point(input) -> bool:
    return input.is_floating_point()


def numel(input) -> int:
    return input.numel()


def result_type(tensor1, tensor2):
    """dtype a binary op on these operands produces (torch's promotion rules)."""
    import numbers

    dims, zeros, scalars = [], [], []
    for x in (tensor1, tensor2):
        if isinstance(x, Tensor):
            (dims if x._data.ndim else zeros).append(x._data.dtype)
        elif isinstance(x, numbers.Number):
            scalars.append(x)
        else:
            raise TypeError(f"result_type(): expected Tensor or Number, got {type(x).__name__}")
    return _dtype.from_np(_dtype.result_np(dims, zeros, scalars))


def promote_types(type1, type2):
    return _dtype.from_np(_dtype._promote_np(type1.np, type2.np))


def can_cast(from_, to) -> bool:
    cat = {"b": 0, "u": 1, "i": 1, "f": 2}
    return cat[from_.np.kind] <= cat[to.np.kind]


def compile(model=None, **kwargs):
    """No-op compile (eager execution); returns the model or function unchanged."""
    if model is None:
        return lambda m: m
    return model


from . import nn  # noqa: E402  (torch.nn is reachable as an attribute after ``import torch``)
from . import optim, utils  # noqa: E402  (torch.optim / torch.utils.data likewise)
from . import distributed  # noqa: E402  (torch.distributed likewise; mpi4py loads at init_process_group)
from . import explain, viz  # noqa: E402  (chainrule.explain(loss) shows backprop step by step)
from . import backends, testing  # noqa: E402  (torch.backends flags, torch.testing.assert_close)
from . import distributions, func, special  # noqa: E402  (torch.distributions, torch.func, torch.special)

# torch.linalg: the star import above bound the ops module of that name, so import the package explicitly
linalg = __import__("importlib").import_module(".linalg", __name__)
from .linalg._legacy import *  # noqa: E402,F401,F403  (torch.det, torch.svd, x.inverse(), ...)
from ._toplevel_extra import *  # noqa: E402,F401,F403
