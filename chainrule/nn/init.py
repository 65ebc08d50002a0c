"""Weight initialisation (mirrors torch.nn.init)."""
