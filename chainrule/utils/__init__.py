"""Utilities (mirrors ``torch.utils``): ``chainrule.utils.data`` holds datasets and the DataLoader."""

from . import checkpoint, data  # noqa: F401
