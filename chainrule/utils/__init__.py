"""Data utilities."""
