"""Small datasets bundled with the package, so examples and the ``chainrule`` command run offline.

``load_digits()``: the UCI 8x8 handwritten digits (1,797 images, labels 0-9), CC BY 4.0
(Alpaydin & Kaynak, 1998; see ``chainrule/data/LICENSE-digits.txt``), with a fixed
stratified 80/20 train/test split stored in the file itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
DIGITS_PATH = DATA_DIR / "digits.npz"


class Digits(NamedTuple):
    """Train and test arrays; images are ``(N, 8, 8)``, labels ``(N,)``."""

    train_images: object
    train_labels: object
    test_images: object
    test_labels: object


def load_digits_arrays() -> dict[str, np.ndarray]:
    """The raw arrays: ``images`` uint8 (1797, 8, 8) in 0..16, ``labels`` uint8, ``is_test`` bool."""
    with np.load(DIGITS_PATH) as f:
        return {k: f[k] for k in ("images", "labels", "is_test")}


def load_digits(as_tensor: bool = True, scale: bool = True) -> Digits:
    """The fixed digits split: 1,438 training and 359 test images (20% of every class held out).

    With ``scale`` pixels become float32 in [0, 1] (divided by 16), else they stay uint8 0..16.
    Labels are int64. With ``as_tensor`` the arrays are chainrule Tensors, else NumPy arrays.
    """
    raw = load_digits_arrays()
    images = raw["images"].astype(np.float32) / np.float32(16.0) if scale else raw["images"]
    labels = raw["labels"].astype(np.int64)
    test = raw["is_test"]
    parts = (images[~test], labels[~test], images[test], labels[test])
    if as_tensor:
        from ._creation import from_numpy

        parts = tuple(from_numpy(np.ascontiguousarray(p)) for p in parts)
    return Digits(*parts)
