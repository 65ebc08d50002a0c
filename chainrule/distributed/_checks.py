"""Agreement checks: every rank must run the same collective on the same shape and dtype.

A cheap fingerprint per call (one 12-int64 max-allreduce) catches a mismatch before the data
moves, so it is reported with each rank's shape instead of hanging or corrupting memory.
Set ``CHAINRULE_DIST_CHECKS=0`` to skip it.
"""

from __future__ import annotations

import numpy as np

from . import distributed_c10d as c10d
from .distributed_c10d import ProcessGroup, RedOpType

_KINDS = {
    "all_reduce": 1,
    "broadcast": 2,
    "reduce": 3,
    "all_gather": 4,
    "all_gather_into_tensor": 5,
    "reduce_scatter": 6,
    "reduce_scatter_tensor": 7,
    "gather": 8,
    "scatter": 9,
}


def _signature(kind: str, arr: np.ndarray, extra: int) -> np.ndarray:
    shape = arr.shape
    dt = arr.dtype
    return np.array(
        [_KINDS[kind], ord(dt.kind) * 64 + dt.itemsize, arr.ndim, arr.size, hash(shape) & 0x7FFFFFFFFFFFFFFF, extra],
        dtype=np.int64,
    )


def _check(pg: ProcessGroup, kind: str, arr: np.ndarray, extra: int = 0, what: str = "tensor") -> None:
    """Make sure every rank runs the same collective on the same shape and dtype.

    One 12-int64 max-allreduce of (signature, -signature): equal maxima of both halves mean all
    ranks agree. Only on disagreement are the details gathered, so the message names every rank.
    """
    if not c10d._state.checks or pg._size == 1:
        return
    sig = _signature(kind, arr, extra)
    buf = np.concatenate([sig, -sig])
    MPI = c10d._MPI
    c10d._wait([pg._comm.Iallreduce(MPI.IN_PLACE, buf, op=MPI.MAX)], pg, f"{kind} (metadata check)")
    n = sig.size
    if np.array_equal(buf[:n], -buf[n:]):
        return
    mine = (kind, tuple(arr.shape), str(arr.dtype), extra)
    every = pg._comm.allgather(mine)
    from .._dtype import from_np

    def desc(r, k, shape, dtype, ex):
        return (
            f"rank {pg._ranks[r]} is running {k}({what} shape [{', '.join(map(str, shape))}], dtype "
            f"{from_np(np.dtype(dtype))}{_extra_desc(k, ex)})"
        )

    lines = "\n  ".join(desc(r, *m) for r, m in enumerate(every))
    raise RuntimeError(f"Detected mismatch between collectives on ranks:\n  {lines}")


def _extra_desc(kind: str, extra: int) -> str:
    if kind in ("all_reduce", "reduce_scatter", "reduce_scatter_tensor"):
        return f", op {RedOpType(extra % 16).name}"
    if kind in ("broadcast", "scatter"):
        return f", src {extra}"
    if kind == "reduce":
        return f", op {RedOpType(extra % 16).name}, dst {extra // 16}"
    if kind == "gather":
        return f", dst {extra}"
    return ""
