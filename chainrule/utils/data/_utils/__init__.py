"""Internals of chainrule.utils.data laid out like torch.utils.data._utils."""

from . import collate  # noqa: F401
