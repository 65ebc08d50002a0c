"""torch.* forms of neural-network ops whose functional versions live in ``chainrule.nn.functional``.

The top-level signatures follow ATen's schemas (e.g. ``embedding(weight, indices)``, ``dropout(input, p, train)``,
losses taking ``reduction`` as the integer enum 0 = none, 1 = mean, 2 = sum), not the ``F.*`` ones.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from . import _creation as _cr
from . import ops as _ops
from ._dtype import from_np as _from_np
from ._dtype import to_np as _to_np
from ._tensor import Tensor
from .autograd.grad_mode import is_grad_enabled as _is_grad_enabled
from .nn import _functional_basic as _fb
from .nn import functional as F
from .ops._select import _Op, _structseq
from .ops._select import return_types as _return_types

if not hasattr(_return_types, "histogram"):
    _return_types.histogram = _structseq("histogram", ("hist", "bin_edges"))
_HIST = _return_types.histogram

__all__ = [
    "adaptive_avg_pool1d",
    "adaptive_max_pool1d",
    "adjoint",
    "alpha_dropout",
    "alpha_dropout_",
    "avg_pool1d",
    "batch_norm",
    "bilinear",
    "binary_cross_entropy_with_logits",
    "binomial",
    "cdist",
    "celu",
    "celu_",
    "constant_pad_nd",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "convolution",
    "cosine_embedding_loss",
    "cosine_similarity",
    "detach",
    "dropout",
    "dropout_",
    "dsplit",
    "embedding",
    "embedding_bag",
    "feature_alpha_dropout",
    "feature_alpha_dropout_",
    "feature_dropout",
    "feature_dropout_",
    "group_norm",
    "hardshrink",
    "hinge_embedding_loss",
    "histogram",
    "instance_norm",
    "kl_div",
    "layer_norm",
    "margin_ranking_loss",
    "max_pool1d",
    "max_pool1d_with_indices",
    "max_pool2d",
    "max_pool3d",
    "pairwise_distance",
    "pdist",
    "pixel_shuffle",
    "pixel_unshuffle",
    "poisson_nll_loss",
    "prelu",
    "put",
    "rrelu",
    "rrelu_",
    "selu",
    "selu_",
    "tril_indices",
    "triu_indices",
    "triplet_margin_loss",
    "vander",
]

conv1d = F.conv1d
conv2d = F.conv2d
conv3d = F.conv3d
conv_transpose1d = F.conv_transpose1d
conv_transpose2d = F.conv_transpose2d
conv_transpose3d = F.conv_transpose3d
adaptive_avg_pool1d = F.adaptive_avg_pool1d
selu = F.selu
selu_ = F.selu_
celu_ = F.celu_
prelu = F.prelu
hardshrink = F.hardshrink
bilinear = F.bilinear
cosine_similarity = F.cosine_similarity
pairwise_distance = F.pairwise_distance
pdist = F.pdist
pixel_shuffle = F.pixel_shuffle
pixel_unshuffle = F.pixel_unshuffle


def celu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1))"""
    return F.celu(input, alpha)


def rrelu(
    input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3, training: bool = False, generator=None
) -> Tensor:
    """x if x > 0 else a x, a ~ U(lower, upper) in training, (lower + upper) / 2 otherwise"""
    _no_generator(generator, "rrelu")
    return F.rrelu(input, lower, upper, training)


def rrelu_(
    input: Tensor, lower: float = 0.125, upper: float = 1.0 / 3, training: bool = False, generator=None
) -> Tensor:
    """In-place rrelu"""
    _no_generator(generator, "rrelu_")
    return F.rrelu_(input, lower, upper, training)


def _no_generator(generator, name):
    if generator is not None:
        raise NotImplementedError(f"{name}: an explicit generator is not supported; seed the default generator")


def convolution(input: Tensor, weight: Tensor, bias, stride, padding, dilation, transposed: bool, output_padding,
                groups: int) -> Tensor:  # fmt: skip
    """N-d (transposed) convolution, N = weight.dim() - 2"""
    n = weight.dim() - 2
    if n not in (1, 2, 3):
        raise RuntimeError(f"convolution: expected a 3D, 4D or 5D weight, but got a {weight.dim()}D weight")
    if transposed:
        fn = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[n - 1]
        return fn(input, weight, bias, stride, padding, output_padding, groups, dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[n - 1]
    return fn(input, weight, bias, stride, padding, dilation, groups)


# ---- pooling: ATen's empty stride means stride = kernel_size ------------------------------------
def _stride(stride):
    return None if stride is None or (isinstance(stride, (list, tuple)) and len(stride) == 0) else stride


def avg_pool1d(input: Tensor, kernel_size, stride=(), padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:  # fmt: skip
    """mean over each window"""
    return F.avg_pool1d(input, kernel_size, _stride(stride), padding, ceil_mode, count_include_pad)


def max_pool1d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """max over each window"""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool2d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """max over each window"""
    return F.max_pool2d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool3d(input: Tensor, kernel_size, stride=(), padding=0, dilation=1, ceil_mode: bool = False) -> Tensor:
    """max over each window"""
    return F.max_pool3d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=(), padding=0, dilation=1,
                            ceil_mode: bool = False) -> tuple[Tensor, Tensor]:  # fmt: skip
    """(max over each window, flat index of the max)"""
    return F.max_pool1d(input, kernel_size, _stride(stride), padding, dilation, ceil_mode, return_indices=True)


def adaptive_max_pool1d(input: Tensor, output_size) -> tuple[Tensor, Tensor]:
    """(max over adaptive windows, index of the max)"""
    return F.adaptive_max_pool1d(input, output_size, return_indices=True)


# ---- normalisation ---------------------------------------------------------------------------------
def batch_norm(input: Tensor, weight, bias, running_mean, running_var, training: bool, momentum: float, eps: float,
               cudnn_enabled: bool) -> Tensor:  # fmt: skip
    """(x - E[x]) / sqrt(Var[x] + eps) * w + b per channel"""
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be defined in evaluation mode")
    return F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def instance_norm(input: Tensor, weight, bias, running_mean, running_var, use_input_stats: bool, momentum: float,
                  eps: float, cudnn_enabled: bool) -> Tensor:  # fmt: skip
    """batch norm over each (sample, channel) separately"""
    return F.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def layer_norm(input: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enable: bool = True) -> Tensor:  # fmt: skip
    """(x - E[x]) / sqrt(Var[x] + eps) * w + b over the trailing normalized_shape dims"""
    return F.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm(input: Tensor, num_groups: int, weight=None, bias=None, eps: float = 1e-05,
               cudnn_enabled: bool = True) -> Tensor:  # fmt: skip
    """normalise over each group of channels"""
    return F.group_norm(input, num_groups, weight, bias, eps)


# ---- embeddings ---------------------------------------------------------------------------------
def embedding(weight: Tensor, input: Tensor, padding_idx: int = -1, scale_grad_by_freq: bool = False,
              sparse: bool = False) -> Tensor:  # fmt: skip
    """weight[input]; ATen's padding_idx < 0 means no padding row"""
    return F.embedding(input, weight, padding_idx if padding_idx >= 0 else None, None, 2.0, scale_grad_by_freq, sparse)


def embedding_bag(weight: Tensor, indices: Tensor, offsets: Tensor, scale_grad_by_freq: bool = False, mode: int = 0,
                  sparse: bool = False, per_sample_weights=None, include_last_offset: bool = False,
                  padding_idx=None) -> tuple[Tensor, Tensor, Tensor, Tensor]:  # fmt: skip
    """(bag reductions, offset2bag, bag_size, max_indices) as ATen's CPU kernel returns them"""
    if mode not in (0, 1, 2):
        raise RuntimeError(f"embedding_bag: unknown mode {mode}")
    out = F.embedding_bag(indices, weight, offsets, None, 2, scale_grad_by_freq, ("sum", "mean", "max")[mode], sparse,
                          per_sample_weights, include_last_offset, padding_idx)  # fmt: skip
    idx = indices._data.reshape(-1)
    off = offsets._data.astype(np.int64)
    nb = off.shape[0]
    n = idx.shape[0]
    # the autograd path of ATen sizes the sum kernel's bookkeeping by bags, the forward-only one by offsets
    grad = _is_grad_enabled() and (
        weight.requires_grad or (per_sample_weights is not None and per_sample_weights.requires_grad)
    )
    z = np.zeros(out.shape[0] if include_last_offset and grad else nb, np.int64)
    if mode == 0 and padding_idx is None and weight._data.dtype in (np.float32, np.float16):
        # the index-select fast path of the sum kernel leaves offset2bag empty
        return out, _long(np.zeros(0, np.int64)), _long(z), _long(z.copy())
    nbags = out.shape[0]
    # with include_last_offset the last bag runs to the end of indices, whatever the last offset says
    bag_of = np.minimum(np.searchsorted(off[:nbags], np.arange(n), side="right") - 1, nbags - 1)
    keep = np.ones(n, bool) if padding_idx is None else idx != padding_idx % weight.shape[0]
    if mode == 0:
        return out, _long(bag_of), _long(z), _long(z.copy())
    bag_size = np.bincount(bag_of[keep], minlength=nbags).astype(np.int64)
    if mode == 1:
        return out, _long(bag_of), _long(bag_size), _long(bag_size.copy())
    D = weight.shape[1]
    wd = weight._data
    best = np.full((nbags, D), -np.inf, dtype=np.float64)
    maxi = np.zeros((nbags, D), np.int64)
    if n:
        rows = wd[idx[keep]].astype(np.float64)
        bags = bag_of[keep]
        # first occurrence of the maximum in index order, as the kernel's strict ">" keeps it
        for j in np.argsort(bags, kind="stable"):
            b = bags[j]
            upd = rows[j] > best[b]
            best[b] = np.where(upd, rows[j], best[b])
            maxi[b] = np.where(upd, idx[keep][j], maxi[b])
    return out, _long(bag_of), _long(bag_size), _long(maxi)


def _TORCH_DT(dt) -> str:
    from ._tensor import _TORCH_NAME

    return _TORCH_NAME.get(str(dt).split(".")[-1], str(dt).split(".")[-1])


def _long(a: np.ndarray) -> Tensor:
    return Tensor._make(np.ascontiguousarray(a, dtype=np.int64), False, None, 0)


# ---- dropout: ATen checks p, returns input for p == 0 / eval / empty input -----------------------------
def _drop(input, p, train, inplace, feature, alpha):
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    fn = _fb._alpha_dropout_impl if alpha else _fb._dropout_impl
    return fn(input, p, True, inplace, feature)


def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """zero each element with probability p, scale the rest by 1 / (1 - p)"""
    return _drop(input, p, train, False, False, False)


def dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place dropout"""
    return _drop(input, p, train, True, False, False)


def feature_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """zero whole (sample, channel) slices with probability p"""
    return _drop(input, p, train, False, True, False)


def feature_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place feature_dropout"""
    return _drop(input, p, train, True, True, False)


def alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """dropout keeping the SELU fixed point (mean 0, variance 1)"""
    return _drop(input, p, train, False, False, True)


def alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place alpha_dropout"""
    return _drop(input, p, train, True, False, True)


def feature_alpha_dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """alpha dropout of whole (sample, channel) slices"""
    return _drop(input, p, train, False, True, True)


def feature_alpha_dropout_(input: Tensor, p: float, train: bool) -> Tensor:
    """In-place feature_alpha_dropout"""
    return _drop(input, p, train, True, True, True)


# ---- losses: reduction is ATen's enum ---------------------------------------------------------------
_REDUCTIONS = ("none", "mean", "sum")


def _red(reduction: int) -> str:
    if isinstance(reduction, str):
        raise TypeError(f"reduction must be an int (0 = none, 1 = mean, 2 = sum), got '{reduction}'")
    if reduction not in (0, 1, 2):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _REDUCTIONS[reduction]


def kl_div(input: Tensor, target: Tensor, reduction: int = 0, *, log_target: bool = False) -> Tensor:
    """target * (log target - input), elementwise mean for reduction 1"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # F's batchmean advice does not apply to the ATen form
        return F.kl_div(input, target, reduction=_red(reduction), log_target=log_target)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight=None, pos_weight=None,
                                     reduction: int = 0) -> Tensor:  # fmt: skip
    """-w [pw y log s(x) + (1 - y) log(1 - s(x))]"""
    return F.binary_cross_entropy_with_logits(input, target, weight, reduction=_red(reduction), pos_weight=pos_weight)


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                          reduction: int = 0) -> Tensor:  # fmt: skip
    """1 - cos(x1, x2) if y = 1 else max(0, cos(x1, x2) - margin)"""
    return F.cosine_embedding_loss(input1, input2, target, margin, reduction=_red(reduction))


def hinge_embedding_loss(input: Tensor, target: Tensor, margin: float = 1.0, reduction: int = 0) -> Tensor:
    """x if y = 1 else max(0, margin - x)"""
    return F.hinge_embedding_loss(input, target, margin, reduction=_red(reduction))


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0,
                        reduction: int = 0) -> Tensor:  # fmt: skip
    """max(0, -y (x1 - x2) + margin)"""
    return F.margin_ranking_loss(input1, input2, target, margin, reduction=_red(reduction))


def poisson_nll_loss(input: Tensor, target: Tensor, log_input: bool, full: bool, eps: float,
                     reduction: int) -> Tensor:  # fmt: skip
    """exp(x) - y x (log_input) or x - y log(x + eps), plus Stirling's term when full"""
    red = _red(reduction)
    loss = F.poisson_nll_loss(input, target, log_input, False, eps=eps, reduction="none")
    if full:
        # added here so the target also gets the Stirling term's gradient, as in ATen
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return loss if red == "none" else loss.mean() if red == "mean" else loss.sum()


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0,
                        eps: float = 1e-06, swap: bool = False, reduction: int = 0) -> Tensor:  # fmt: skip
    """max(d(a, p) - d(a, n) + margin, 0)"""
    return F.triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap, reduction=_red(reduction))


# ---- misc ----------------------------------------------------------------------------------------
def constant_pad_nd(input: Tensor, pad, value=0) -> Tensor:
    """pad the trailing dims with value (negative widths crop)"""
    return F.pad(input, list(pad), "constant", value)


def _tri_indices(row, col, offset, dtype, lower, name):
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    np_dtype = np.int64 if dtype is None else _to_np(dtype)
    if np_dtype not in (np.int64, np.int32):
        raise RuntimeError(f"\"{name}\" not implemented for '{_from_np(np_dtype)}'")
    r, c = (np.tril_indices if lower else np.triu_indices)(row, offset, col)
    return Tensor._make(np.stack([r, c]).astype(np_dtype).reshape(2, -1), False, None, 0)


def tril_indices(row: int, col: int, offset: int = 0, *, dtype=None, layout=None, device=None,
                 pin_memory=None) -> Tensor:  # fmt: skip
    """(2, n) row-major coordinates of the lower triangle of a row x col matrix"""
    return _tri_indices(row, col, offset, dtype, True, "tril_indices")


def triu_indices(row: int, col: int, offset: int = 0, *, dtype=None, layout=None, device=None,
                 pin_memory=None) -> Tensor:  # fmt: skip
    """(2, n) row-major coordinates of the upper triangle of a row x col matrix"""
    return _tri_indices(row, col, offset, dtype, False, "triu_indices")


def vander(x: Tensor, N: int | None = None, increasing: bool = False) -> Tensor:
    """out[i, j] = x_i ** (N - 1 - j), or x_i ** j when increasing"""
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    if x._data.dtype.kind in "biu":
        x = x.long()
    if n == 0:
        return _cr.zeros(x.shape[0], 0, dtype=x.dtype)
    cols = [_cr.ones(x.shape[0], 1, dtype=x.dtype)]
    if n > 1:
        cols.append(x.unsqueeze(1).expand(x.shape[0], n - 1).cumprod(1))
    out = _ops.cat(cols, 1)
    return out if increasing else out.flip(1)


def dsplit(input: Tensor, indices_or_sections) -> tuple[Tensor, ...]:
    """split along dim 2 (depth)"""
    if input.dim() < 3:
        raise RuntimeError(
            f"torch.dsplit requires a tensor with at least 3 dimension, but got a tensor with {input.dim()} dimensions!"
        )
    if isinstance(indices_or_sections, int):
        size = input.shape[2]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(
                f"torch.dsplit attempted to split along dimension 2, but the size of the dimension {size} is not "
                f"divisible by the split_size {indices_or_sections}!"
            )
    return _ops.tensor_split(input, indices_or_sections, 2)


def detach(input: Tensor) -> Tensor:
    """the same values, cut from the graph"""
    return input.detach()


def adjoint(input: Tensor) -> Tensor:
    """conjugate transpose of the last two dims"""
    if input.dim() < 2:
        raise RuntimeError(
            f"tensor.adjoint() is only supported on matrices or batches of matrices. Got {input.dim()}-D tensor."
        )
    return input.transpose(-2, -1)


def histogram(input: Tensor, bins=100, *, range=None, weight=None, density: bool = False):
    """(counts per bin, bin edges); the last bin is closed"""
    xd = input._data
    if xd.dtype.kind != "f":
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{str(input.dtype).split('.')[-1].title()}'")
    if isinstance(bins, Tensor):
        if bins.dtype != input.dtype:
            raise RuntimeError(
                "torch.histogramdd: input tensor and bins tensors should have the same dtype, but got input with "
                f"dtype {_TORCH_DT(input.dtype)} and bins for dimension 0 with dtype {_TORCH_DT(bins.dtype)}"
            )
        edges = bins._data
        if edges.ndim != 1 or edges.shape[0] < 1:
            raise RuntimeError("torch.histogramdd(): bins tensor should have one dimension and at least 1 element")
    else:
        if bins <= 0:
            raise RuntimeError(f"torch.histogramdd(): bins must be > 0, but got {bins} for dimension 0")
        if range is not None:
            lo, hi = float(range[0]), float(range[1])
        elif xd.size:
            lo, hi = float(xd.min()), float(xd.max())
        else:
            lo, hi = 0.0, 1.0
        if lo > hi:
            raise RuntimeError(
                f"torch.histogramdd: min should not exceed max, but got min {lo:g} max {hi:g} for dimension 0"
            )
        if lo == hi:
            lo, hi = lo - 0.5, hi + 0.5
        edges = _cr.linspace(lo, hi, bins + 1, dtype=input.dtype)._data
    flat = xd.reshape(-1)
    w = None if weight is None else weight._data.reshape(-1)
    pos = np.searchsorted(edges, flat, side="right") - 1
    nbin = edges.shape[0] - 1
    pos[flat == edges[-1]] = nbin - 1
    ok = (pos >= 0) & (pos < nbin) & (flat >= edges[0]) & (flat <= edges[-1])
    hist = np.bincount(pos[ok], weights=None if w is None else w[ok], minlength=nbin).astype(xd.dtype)
    if density:
        hist = (hist / (hist.sum() * np.diff(edges))).astype(xd.dtype)
    return _HIST(Tensor._make(hist, False, None, 0), Tensor._make(edges.copy(), False, None, 0))


def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """flat copy of input with input.view(-1)[index] = source (+= when accumulate)"""
    if index._data.dtype != np.int64:
        raise RuntimeError(f"put_(): Expected a long tensor for index, but got {index.dtype}")
    if index.numel() != source.numel():
        raise IndexError(
            "put_(): Expected source and index to have the same number of elements, but got source.numel() = "
            f"{source.numel()}, index.numel() = {index.numel()}"
        )
    n = input.numel()
    idx = index._data.reshape(-1)
    if idx.size:
        bad = idx[(idx >= n) | (idx < -n)]
        if bad.size:
            raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor of {n} elements.")
    flat_idx = Tensor._make(np.where(idx < 0, idx + n, idx), False, None, 0)
    src = source.reshape(-1)
    if src.dtype != input.dtype:
        src = src.to(input.dtype)
    out = _ops.index_put(input.reshape(-1), (flat_idx,), src, accumulate)
    return out.reshape(input.shape)


def _put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    return self._inplace(put, "put_", index, source, accumulate)


def _resize_as_(self: Tensor, the_template: Tensor, *, memory_format=None) -> Tensor:
    shape = tuple(the_template.shape)
    if shape == tuple(self.shape):
        return self
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    old = self._data.reshape(-1)
    new = np.zeros(int(np.prod(shape, dtype=np.int64)), dtype=old.dtype)
    k = min(old.size, new.size)
    new[:k] = old[:k]
    self._data = new.reshape(shape)
    vc = self._vc_get()
    vc.v += 1
    vc.op = "resize_as_"
    return self


class _Cdist(_Op):
    """d(x1_i, x2_j) = ||x1_i - x2_j||_p; d/dx1 = sign(diff) |diff|^(p-1) / d^(p-1), 0 where d = 0"""

    _node_name = "CdistBackward0"

    @staticmethod
    def forward(ctx, x1, x2, p):
        diff = x1._data[..., :, None, :] - x2._data[..., None, :, :]
        a = np.abs(diff)
        if p == 0:
            d = (a != 0).sum(-1).astype(diff.dtype)
        elif p == np.inf:
            d = a.max(-1, initial=0)
        elif p == 1:
            d = a.sum(-1)
        elif p == 2:
            d = np.sqrt((a * a).sum(-1))
        else:
            d = (a**p).sum(-1) ** (1.0 / p)
        ctx.p = p
        ctx.save_for_backward(x1, x2, d)
        return d.astype(x1._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x1, x2, d = ctx.saved_tensors
        p = ctx.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        gd, dd = g.unsqueeze(-1), d.unsqueeze(-1)
        if p == 0:
            gdiff = diff * 0
        elif p == 1:
            gdiff = gd * diff.sign()
        elif p == np.inf:
            gdiff = gd * diff.sign() * (diff.abs() == dd).to(g.dtype)
        else:
            safe = _ops.where(dd == 0, _cr.ones_like(dd), dd)
            gdiff = gd * diff.sign() * diff.abs() ** (p - 1) / safe ** (p - 1)
            gdiff = _ops.where(dd == 0, _cr.zeros_like(gdiff), gdiff)
        n1, n2, _ = ctx.needs_input_grad
        return (gdiff.sum(-2) if n1 else None), (-gdiff.sum(-3) if n2 else None), None


def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """p-norm distance between each row of x1 and each row of x2 (batched)"""
    for name, t in (("X1", x1), ("X2", x2)):
        if t.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.dim()}D")
        if t._data.dtype.kind != "f":
            raise RuntimeError(
                f"cdist only supports floating-point dtypes, {name} got: {str(t.dtype).split('.')[-1].title()}"
            )
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    modes = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")
    if compute_mode not in modes:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    if x1.dtype != x2.dtype:
        raise RuntimeError(
            f"cdist: expected both inputs to have same dtype, but x1 has {x1.dtype} and x2 has {x2.dtype}"
        )
    batch = tuple(np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    x1 = x1.expand(*batch, *x1.shape[-2:])
    x2 = x2.expand(*batch, *x2.shape[-2:])
    r1, r2 = x1.shape[-2], x2.shape[-2]
    use_mm = p == 2 and (
        compute_mode == "use_mm_for_euclid_dist"
        or (compute_mode == "use_mm_for_euclid_dist_if_necessary" and (r1 > 25 or r2 > 25))
    )
    if use_mm:
        # torch's |a|^2 - 2 a.b + |b|^2 as one matmul of padded operands, clamped at 1e-30
        n1 = x1.pow(2).sum(-1, keepdim=True)
        n2 = x2.pow(2).sum(-1, keepdim=True)
        a = _ops.cat([x1.mul(-2), n1, _cr.ones_like(n1)], -1)
        b = _ops.cat([x2, _cr.ones_like(n2), n2], -1)
        return a.matmul(b.transpose(-2, -1)).clamp_min(1e-30).sqrt()
    return _Cdist.apply(x1, x2, float(p))


def binomial(count: Tensor, prob: Tensor, generator=None) -> Tensor:
    """one Binomial(count, prob) draw per element, on torch's stream"""
    from .distributions.binomial import _binomial

    if count._data.dtype.kind != "f":
        raise ValueError(
            f"binomial only supports floating-point dtypes for count, got: {str(count.dtype).split('.')[-1].title()}"
        )
    return _binomial(count, prob, generator)


Tensor.put = put
Tensor.put_ = _put_
Tensor.resize_as_ = _resize_as_
for _n in ("adjoint", "dsplit", "histogram", "hardshrink", "prelu"):
    if not hasattr(Tensor, _n):
        setattr(Tensor, _n, globals()[_n])
