"""Optimizers and learning-rate schedulers (mirrors ``torch.optim``)."""

from . import _more, lr_scheduler, swa_utils
from ._more import *  # noqa: F401,F403
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler", "swa_utils", *_more.__all__]
