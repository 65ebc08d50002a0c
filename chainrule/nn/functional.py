"""Functional forms of layers, activations and losses (``import chainrule.nn.functional as F``)."""

from ._functional_basic import *  # noqa: F401,F403
from ._functional_layers import *  # noqa: F401,F403
