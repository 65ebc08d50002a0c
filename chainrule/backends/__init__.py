"""``torch.backends``: the flags scripts set or query for accelerator libraries.

chainrule computes with NumPy on the CPU, so no accelerator backend is available; the cuDNN flags
are kept as plain attributes so that ``torch.backends.cudnn.deterministic = True`` runs unchanged.
"""

from __future__ import annotations

import types


def _false() -> bool:
    return False


cudnn = types.SimpleNamespace(
    enabled=True,
    benchmark=False,
    deterministic=False,
    allow_tf32=True,
    is_available=_false,
    version=lambda: None,
)
mps = types.SimpleNamespace(is_available=_false, is_built=_false)
cuda = types.SimpleNamespace(
    is_built=_false,
    matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True),
)
mkldnn = types.SimpleNamespace(is_available=_false, enabled=False)
mkl = types.SimpleNamespace(is_available=_false)
openmp = types.SimpleNamespace(is_available=_false)

__all__ = ["cudnn", "mps", "cuda", "mkldnn", "mkl", "openmp"]
