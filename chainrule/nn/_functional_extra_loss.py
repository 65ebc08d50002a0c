"""Margin losses over classes (multi_margin_loss, multilabel_margin_loss) and embedding_bag.

The losses are compositions of differentiable ops (so they differentiate twice). embedding_bag
reduces rows of the table with sparse matrices: ``out = M @ weight`` for sum and mean, with M
(bags x rows) built from the bags, and a gather of each bag's per-column argmax row for max.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import scipy.sparse as sp

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state, no_grad
from ..backend import xp
from ._functional_activation import relu
from ._functional_loss import _check_reduction, _reduction_string
from ._layers_norm import _renorm_rows
from ._layers_pool import _Gather

_make = Tensor._make
_TNAME = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
          "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}  # fmt: skip
_CNAME = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor", "bool": "BoolTensor"}


class _Op(Function):
    _builtin = True


def _tname(dt) -> str:
    return _TNAME.get(str(dt), str(dt))


def _const(a) -> Tensor:
    return _make(a, False, None, 0)


def _reduce(loss: Tensor, reduction: str, none_shape) -> Tensor:
    if reduction == "none":
        return loss.reshape(none_shape)
    if reduction == "sum":
        return loss.sum()
    return loss.mean() if loss.numel() else loss.sum() * math.nan


def _margin_checks(input: Tensor, name: str):
    shape = tuple(input.shape)
    if len(shape) > 2 or (len(shape) == 2 and shape[1] == 0) or (len(shape) == 1 and shape[0] == 0):
        raise RuntimeError(
            f"Expected non-empty vector or matrix with optional 0-dim batch size, but got: {list(shape)}"
        )
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_tname(input._data.dtype)}'")


# ---- multi_margin_loss -------------------------------------------------------------------------------
def multi_margin_loss(input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Tensor | None = None,
                      size_average=None, reduce=None, reduction: str = "mean") -> Tensor:  # fmt: skip
    """mean over samples of sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C"""
    if size_average is not None or reduce is not None:
        reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _margin_checks(input, "multi_margin_loss_cpu_kernel")
    x = input.reshape(-1, input.shape[-1]) if input.dim() else input.reshape(1, 1)
    n, c = x.shape
    td = target._data
    if td.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_tname(td.dtype)}")
    if td.ndim > 1 or td.size != n:
        raise RuntimeError(
            "multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch "
            f"size). Expected target size [{n}], but got {list(td.shape)}. Input has shape {list(input.shape)}."
        )
    if weight is not None:
        if weight.numel() != c:
            raise RuntimeError(f"inconsistent weight size, expected {c} but got {list(weight.shape)}")
        if weight.requires_grad and _state.enabled:
            raise RuntimeError(
                "The function 'multi_margin_loss' is not differentiable with respect to argument 'weight'. This "
                "input cannot have requires_grad True."
            )
        if weight._data.dtype != input._data.dtype:
            raise RuntimeError(
                f"expected scalar type {_tname(input._data.dtype)} but found {_tname(weight._data.dtype)}"
            )
    y = td.reshape(-1)
    if y.size and (y.min() < 0 or y.max() >= c):
        raise RuntimeError("target out of range")
    yt = _const(y.reshape(-1, 1))
    z = margin - x.gather(1, yt) + x
    h = relu(z)
    if p == 2:
        h = h * h
    # the target class itself is not summed
    h = h * _const((np.arange(c) != y[:, None]).astype(x._data.dtype))
    if weight is not None:
        h = h * weight.gather(0, _const(y)).reshape(-1, 1)
    loss = h.sum(1) / c
    return _reduce(loss, reduction, (n,) if td.ndim else ())


# ---- multilabel_margin_loss --------------------------------------------------------------------------
def multilabel_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None,
                           reduction: str = "mean") -> Tensor:  # fmt: skip
    """sum over target classes j (the indices before the first -1) and non-targets k of max(0, 1 - (x[j] - x[k])) / C"""
    if size_average is not None or reduce is not None:
        reduction = _reduction_string(size_average, reduce, reduction)
    _check_reduction(reduction)
    _margin_checks(input, "multilabel_margin_loss_forward_out_frame")
    td = target._data
    if td.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_tname(td.dtype)}")
    if td.shape != tuple(input.shape):
        raise RuntimeError(f"inconsistent target size: {list(td.shape)} for input of size: {list(input.shape)}")
    x = input.reshape(-1, input.shape[-1]) if input.dim() else input.reshape(1, 1)
    n, c = x.shape
    t = td.reshape(n, c)
    if t.size and (t.min() < -1 or t.max() >= c):
        raise RuntimeError("argument #2 'target' is out of range")
    valid = np.cumprod(t >= 0, axis=1).astype(bool)  # entries before the first -1
    # count[s, j]: how often class j is listed (duplicates count twice, like torch's loop)
    count = np.zeros((n, c + 1), dtype=x._data.dtype)
    np.add.at(count, (np.repeat(np.arange(n), c), np.where(valid, t, c).reshape(-1)), 1)
    count = count[:, :c]
    others = (count == 0).astype(x._data.dtype)
    z = relu(1 - x.unsqueeze(2) + x.unsqueeze(1))  # z[s, j, k] = 1 - x[j] + x[k]
    w = _const(count[:, :, None] * others[:, None, :])
    loss = (z * w).sum((1, 2)) / c
    return _reduce(loss, reduction, (n,) if td.ndim > 1 else ())


# ---- embedding_bag -----------------------------------------------------------------------------------
class _SparseMM(_Op):
    """y = A @ x for a fixed sparse A; dx = AT @ g (AT is A^T, or the frequency-scaled one)"""

    _node_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, x, A, AT):
        ctx.A, ctx.AT = A, AT
        xd = x._data
        return np.asarray(A @ xd.reshape(xd.shape[0], -1), dtype=xd.dtype).reshape((A.shape[0],) + xd.shape[1:])

    @staticmethod
    def backward(ctx, g):
        return _SparseMM.apply(g, ctx.AT, ctx.A), None, None


class _BagMaxGather(_Gather):
    _node_name = "EmbeddingBagBackward0"


def _bag_checks(idx, offs, V, n, include_last_offset, padding_idx):
    if idx.dtype.kind not in "iu":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; but got "
            f"torch.{_CNAME.get(str(idx.dtype), 'Tensor')} instead (while checking arguments for embedding_bag)"
        )
    if offs.size:
        if offs[0] != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0. "
                f"However, got {offs[0]}"
            )
        if offs[-1] > n:
            raise RuntimeError(
                f"offsets[-1] can not be greater than input's length {n} but got offsets[-1] of {offs[-1]}"
            )
        if (np.diff(offs) < 0).any():
            raise RuntimeError("offsets has to be a non-decreasing sequence of positions in input")
    bad = (idx < 0) | (idx >= V)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise RuntimeError(f"Index {i} of input takes value {idx[i]} which is not in the valid range [0, {V})")
    if padding_idx is not None:
        if not -V <= padding_idx < V:
            raise RuntimeError(
                f"padding_idx must be within the number of embeddings, {-V} through {V - 1}, but got {padding_idx}"
            )
        if padding_idx < 0:
            padding_idx += V
    return padding_idx


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None, max_norm: float | None = None,
                  norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None, include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:  # fmt: skip
    """sum, mean or max of the rows weight[input] within each bag (bags from offsets, or the rows of a 2-D input)"""
    if weight._data.dtype == np.int64 and input._data.dtype.kind == "f":
        warnings.warn(
            "Argument order of nn.functional.embedding_bag was changed. Usage `embedding_bag(weight, input, ...)` is "
            "deprecated, and should now be `embedding_bag(input, weight, ...)`.",
            stacklevel=2,
        )
        weight, input = input, weight
    psw = per_sample_weights
    if psw is not None and tuple(input.shape) != tuple(psw.shape):
        raise ValueError(
            f"embedding_bag: If per_sample_weights ({psw.shape}) is not None, then it must have the same shape as the "
            f"input ({input.shape})"
        )
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.dim()}")
    idx = input._data
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets)}"
            )
        if idx.shape[1] == 0:
            raise RuntimeError("step must be nonzero")
        offs = np.arange(0, idx.size, idx.shape[1])
        include_last_offset = False
        idx = idx.reshape(-1)
        if psw is not None:
            psw = psw.reshape(-1)
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        offs = offsets._data
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {idx.ndim}")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    elif mode not in ("sum", "mean"):
        raise ValueError("mode has to be one of sum, mean or max")
    V, D = weight._data.shape
    n = idx.shape[0]
    padding_idx = _bag_checks(idx, offs, V, n, include_last_offset, padding_idx)
    if max_norm is not None:
        with no_grad():
            _renorm_rows(weight, idx, max_norm, norm_type)
    if psw is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only supported for mode='sum' "
            f"(got mode='{mode}'). Please open a feature request on GitHub."
        )
    idx = idx.astype(np.int64, copy=False)
    offs = offs.astype(np.int64, copy=False)
    B = max(offs.size - 1, 0) if include_last_offset else offs.size
    end = int(offs[B]) if include_last_offset and B else n
    pos = np.arange(n)
    bag = np.searchsorted(offs[:B], pos, side="right") - 1
    keep = pos < end
    if padding_idx is not None:
        keep &= idx != padding_idx
    bag_k, idx_k = bag[keep], idx[keep]
    dt = weight._data.dtype
    if mode == "max":
        return _bag_max(weight, idx_k, bag_k, B, V, D)
    nk = idx_k.size
    freq = None
    if scale_grad_by_freq:
        # torch's CPU backward divides the gradient of the g-th distinct index (ascending) by the count of the
        # g-th entry of the sorted indices (not of that index itself); the same scaling keeps results equal
        uniq = np.unique(idx)
        freq = np.ones(V, dtype=dt)
        freq[uniq] = np.bincount(idx, minlength=V)[np.sort(idx)[: uniq.size]]
    if psw is None:
        M = sp.csr_array((np.ones(nk, dtype=dt), (bag_k, idx_k)), shape=(B, V))
        MT = M.T.tocsr() if freq is None else sp.diags_array(1 / freq) @ M.T
        out = _SparseMM.apply(weight, M, sp.csr_array(MT))
    else:
        G = sp.csr_array((np.ones(nk, dtype=dt), (np.arange(nk), idx_k)), shape=(nk, V))
        GT = G.T.tocsr() if freq is None else sp.csr_array(sp.diags_array(1 / freq) @ G.T)
        rows = _SparseMM.apply(weight, G, GT) * psw[_const(np.flatnonzero(keep))].reshape(-1, 1)
        S = sp.csr_array((np.ones(nk, dtype=dt), (bag_k, np.arange(nk))), shape=(B, nk))
        out = _SparseMM.apply(rows, S, S.T.tocsr())
    if mode == "mean":
        out = out / _const(np.maximum(np.bincount(bag_k, minlength=B), 1).astype(dt)[:, None])
    return out


def _bag_max(weight, idx_k, bag_k, B, V, D):
    """per bag and column, the first row reaching the max; empty bags give zeros"""
    wd = weight._data
    nk = idx_k.size
    rowidx = np.zeros((B, D), dtype=np.int64)
    mask = np.zeros((B, 1), dtype=wd.dtype)
    if nk and D:
        rows = wd[idx_k]
        starts = np.flatnonzero(np.r_[True, bag_k[1:] != bag_k[:-1]])
        seg = np.cumsum(np.r_[False, bag_k[1:] != bag_k[:-1]])
        best = np.maximum.reduceat(rows, starts, axis=0)
        cand = np.where(rows == best[seg], np.arange(nk)[:, None], nk)
        first = np.minimum.reduceat(cand, starts, axis=0)
        first = np.where(first == nk, starts[:, None], first)  # NaN columns: keep the bag's first row
        ubag = bag_k[starts]
        rowidx[ubag] = idx_k[first]
        mask[ubag] = 1
    if V == 0:
        return _const(xp.zeros((B, D), dtype=wd.dtype))
    flat = rowidx * D + np.arange(D)
    return _BagMaxGather.apply(weight, flat, False) * _const(mask)


__all__ = ["multi_margin_loss", "multilabel_margin_loss", "embedding_bag"]
