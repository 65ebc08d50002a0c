"""Optimizers (mirrors torch.optim)."""
