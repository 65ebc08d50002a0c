"""Convolution, pooling, normalization, embedding and attention in functional form."""

__all__ = []
