"""Activations, linear, dropout, losses and helpers in functional form."""

__all__ = []
