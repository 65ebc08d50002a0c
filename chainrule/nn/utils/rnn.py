"""Variable-length sequences: PackedSequence, packing, unpacking and padding (mirrors torch.nn.utils.rnn).

A packed batch stores the time steps one after another, each holding only the sequences still
running (``batch_sizes[t]`` rows, sequences sorted by decreasing length).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ... import _dtype as D
from ... import ops
from ..._creation import full, tensor
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "unpad_sequence", "pack_sequence", "unpack_sequence"]  # fmt: skip


class _PackedSequenceBase(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedSequenceBase):
    """(data, batch_sizes, sorted_indices, unsorted_indices) of a packed batch of sequences."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:
            data, batch_sizes = data[0], data[1]
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else type(self)(data, self.batch_sizes, self.sorted_indices,
                                                         self.unsorted_indices)  # fmt: skip

    def cpu(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self.to(dtype=D.float64)

    def float(self) -> PackedSequence:
        return self.to(dtype=D.float32)

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The permutation p^-1 with p^-1[p[i]] = i."""
    if permutation is None:
        return None
    p = permutation._data
    out = np.empty_like(p)
    out[p] = np.arange(p.size, dtype=p.dtype)
    return tensor(out)


def _lengths_array(lengths) -> np.ndarray:
    if isinstance(lengths, Tensor):
        return lengths._data.astype(np.int64).reshape(-1)
    return np.asarray([int(v) for v in lengths], dtype=np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True):
    """Pack a padded (T, B, *) (or (B, T, *)) batch whose sequences have the given lengths."""
    lens = _lengths_array(lengths)
    if enforce_sorted:
        if (np.diff(lens) > 0).any():
            raise RuntimeError(
                "`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. You can pass "
                "`enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep this requirement "
                "if you do not need ONNX exportability."
            )
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        lens = lens[order]
        sorted_indices = tensor(order.astype(np.int64))
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    if lens.size and lens.min() <= 0:
        raise RuntimeError(
            "Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0"
        )
    x = input.transpose(0, 1) if batch_first else input
    T = int(lens[0]) if lens.size else 0
    if T > x.shape[0]:
        raise RuntimeError(f"Expected sequence length to be smaller than or equal to {x.shape[0]}, got {T}")
    bs = [(lens > t).sum() for t in range(T)]
    data = ops.cat([x[t, : int(b)] for t, b in enumerate(bs)])
    return PackedSequence(data, tensor(np.asarray(bs, dtype=np.int64)), sorted_indices, None)


def _pad_rows(t: Tensor, n: int, value: float) -> Tensor:
    if t.shape[0] == n:
        return t
    pad = full((n - t.shape[0], *t.shape[1:]), value, dtype=t.dtype)
    return ops.cat([t, pad])


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None):  # fmt: skip
    """Inverse of pack_padded_sequence: the padded (T, B, *) batch and the lengths (int64)."""
    data, batch_sizes, _, unsorted = sequence
    bs = [int(b) for b in batch_sizes._data]
    T = len(bs)
    if total_length is not None:
        if total_length < T:
            raise ValueError(
                "Expected total_length to be at least the length of the longest sequence in input, but got "
                f"total_length={total_length} and max sequence length being {T}"
            )
    B = bs[0] if bs else 0
    steps = [_pad_rows(p, B, padding_value) for p in data.split(bs)]
    if total_length is not None and total_length > T:
        blank = full((B, *data.shape[1:]), padding_value, dtype=data.dtype)
        steps += [blank] * (total_length - T)
    padded = ops.stack(steps)
    lens = np.asarray([sum(1 for b in bs if b > i) for i in range(B)], dtype=np.int64)
    if batch_first:
        padded = padded.transpose(0, 1)
    if unsorted is not None:
        padded = padded.index_select(0 if batch_first else 1, unsorted)
        lens = lens[unsorted._data]
    return padded, tensor(lens)


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0, padding_side: str = "right"):
    """Stack (L_i, *) tensors into (max L, B, *) (or (B, max L, *)), padding with padding_value."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    L = max(s.shape[0] for s in sequences)
    cols = []
    for s in sequences:
        n = L - s.shape[0]
        if n:
            pad = full((n, *s.shape[1:]), padding_value, dtype=s.dtype)
            s = ops.cat([s, pad] if padding_side == "right" else [pad, s])
        cols.append(s)
    return ops.stack(cols, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list[Tensor]:
    """The list of unpadded sequences of a padded batch."""
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, : int(n)] for i, n in enumerate(_lengths_array(lengths))]


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of (L_i, *) tensors."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences of a packed batch."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
