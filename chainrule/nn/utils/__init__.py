"""nn utilities: gradient clipping, parameter vectors."""
