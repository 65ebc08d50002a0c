"""3-d pooling: max, average and adaptive pooling over (D, H, W), on the N-d kernels of ``_layers_pool``.

Each op is the N-d one under torch's 3-d graph-node name.
"""

from __future__ import annotations

from .._tensor import Tensor
from ._layers_pool import (
    _adaptive_avg,
    _adaptive_max,
    _AdaptiveMaxGather,
    _avg_pool,
    _AvgPool,
    _AvgPoolT,
    _max_pool,
    _MaxPool,
    _Separable,
)


class _MaxPool3(_MaxPool):
    _node_name = "MaxPool3DWithIndicesBackward0"


class _AvgPool3(_AvgPool):
    _node_name = "AvgPool3DBackward0"


class _AvgPool3T(_AvgPoolT):
    _node_name = "AvgPool3DBackwardBackward0"


_AvgPool3._adj, _AvgPool3T._adj = _AvgPool3T, _AvgPool3


class _Separable3(_Separable):
    _node_name = "AdaptiveAvgPool3DBackward0"


class _AdaptiveMaxGather3(_AdaptiveMaxGather):
    _node_name = "AdaptiveMaxPool3DBackward0"


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """y[t, h, w] = max over the window at (t, h, w) (indices: flat position in the input volume)"""
    return _max_pool(
        input, 3, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool3d", _MaxPool3
    )


def avg_pool3d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
) -> Tensor:
    """y[t, h, w] = sum over the window at (t, h, w) / its size (or divisor_override)"""
    return _avg_pool(
        input, 3, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, "avg_pool3d", _AvgPool3
    )


def adaptive_avg_pool3d(input, output_size) -> Tensor:
    """mean over the adaptive windows per output voxel (separable along depth, height and width)"""
    return _adaptive_avg(input, 3, output_size, "adaptive_avg_pool3d", _Separable3)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """max over the adaptive windows per output voxel (first maximum in (d, h, w) order; indices as in the volume)"""
    return _adaptive_max(input, 3, output_size, return_indices, "adaptive_max_pool3d", _AdaptiveMaxGather3)


__all__ = ["max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d"]
