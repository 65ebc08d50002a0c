"""Collectives and point-to-point operations on Tensors, in place, as ``torch.distributed`` has them.

A tensor's contiguous array is handed to MPI as the message buffer itself (no staging copy);
only non-contiguous tensors and the list forms (``all_gather``/``gather`` into a list,
``reduce_scatter``/``scatter`` from a list) go through one packed array. Point-to-point and
object operations are in ``_p2p``. Every operation is
started non-blocking (``Iallreduce``, ``Ibcast``, ...): with ``async_op=True`` the Work handle is
returned, otherwise it is waited on here with the group's timeout.
"""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from . import distributed_c10d as c10d
from ._checks import _check
from .distributed_c10d import ProcessGroup, RedOpType, ReduceOp, Work, _resolve

__all__ = [
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "broadcast",
    "gather",
    "reduce",
    "reduce_scatter",
    "reduce_scatter_tensor",
    "scatter",
]

_DT_NAMES = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def _arr(t, name: str = "tensor") -> np.ndarray:
    if not isinstance(t, Tensor):
        raise TypeError(
            f"Invalid function argument. Expected parameter `{name}` of type torch.Tensor but got {type(t)} instead."
        )
    return t._data


def _io(arr: np.ndarray):
    """A contiguous buffer with ``arr``'s values: ``arr`` itself when it can be, else a copy to write back."""
    if arr.flags.c_contiguous and arr.flags.writeable:
        return arr, None
    return np.ascontiguousarray(arr), arr


def _mpi_op(op, arr: np.ndarray, name: str):
    """(MPI op, average afterwards) for a ReduceOp on ``arr``'s dtype."""
    MPI = c10d._MPI
    try:
        op = RedOpType(int(op))
    except (TypeError, ValueError):
        raise ValueError(f"{name}: unknown reduce op {op!r}") from None
    kind = arr.dtype.kind
    if op == RedOpType.PREMUL_SUM:
        raise ValueError(f"{name}: ReduceOp.PREMUL_SUM is not supported by the MPI backend")
    if op in (RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR) and kind == "f":
        raise RuntimeError(f"{name}: Cannot use ReduceOp.{op.name} with non-integral dtype {arr.dtype}")
    if op == RedOpType.AVG and kind != "f":
        raise RuntimeError(
            f"{name} with ReduceOp.AVG: result type Float can't be cast to the desired output type "
            f"{_DT_NAMES.get(str(arr.dtype), str(arr.dtype))}"
        )
    if kind == "b":
        if op in (RedOpType.SUM, RedOpType.MAX, RedOpType.BOR):
            return MPI.LOR, False
        if op in (RedOpType.PRODUCT, RedOpType.MIN, RedOpType.BAND):
            return MPI.LAND, False
        return MPI.LXOR, False
    table = {
        RedOpType.SUM: MPI.SUM,
        RedOpType.AVG: MPI.SUM,
        RedOpType.PRODUCT: MPI.PROD,
        RedOpType.MIN: MPI.MIN,
        RedOpType.MAX: MPI.MAX,
        RedOpType.BAND: MPI.BAND,
        RedOpType.BOR: MPI.BOR,
        RedOpType.BXOR: MPI.BXOR,
    }
    return table[op], op == RedOpType.AVG


def _root(pg: ProcessGroup, rank, group_rank, name: str, arg: str) -> int:
    if group_rank is not None:
        r = int(group_rank)
    elif rank is not None:
        r = pg.group_rank(int(rank), arg)
    else:
        raise ValueError("Must specify global_rank or group_rank")
    if not 0 <= r < pg._size:
        raise RuntimeError(f"{name}: invalid root rank: {r}")
    return r


def _finish(buf, back, avg_size: int = 0):
    """What to run on completion: average, then write back into a non-contiguous tensor."""
    if not avg_size and back is None:
        return None

    def fin():
        if avg_size:
            np.divide(buf, avg_size, out=buf)
        if back is not None:
            back[...] = buf

    return fin


def _done(work: Work, async_op: bool):
    if async_op:
        return work
    work.wait()
    return None


def _shape(shape) -> str:
    return "[" + ", ".join(map(str, shape)) + "]"


def _check_list(tensors, ref: np.ndarray, size: int, name: str, what: str) -> list[np.ndarray]:
    if not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}: expected a list of tensors for `{what}`, got {type(tensors).__name__}")
    if len(tensors) != size:
        raise RuntimeError(f"{name}: invalid {what} at index 0 (expected length {size}, got {len(tensors)})")
    arrs = []
    for i, t in enumerate(tensors):
        a = _arr(t, what)
        if a.shape != ref.shape:
            raise RuntimeError(
                f"{name}: invalid tensor size at index {i} (expected {_shape(ref.shape)}, got {_shape(a.shape)})"
            )
        if a.dtype != ref.dtype:
            raise RuntimeError(f"{name}: invalid tensor type at index {i} (expected {ref.dtype}, got {a.dtype})")
        arrs.append(a)
    return arrs


# -- reductions ----------------------------------------------------------------------------


def all_reduce(tensor: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False):
    """Reduce ``tensor`` across ranks in place; every rank gets the result."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    mop, avg = _mpi_op(op, d, "all_reduce")
    _check(pg, "all_reduce", d, int(op))
    buf, back = _io(d)
    req = pg._comm.Iallreduce(c10d._MPI.IN_PLACE, buf, op=mop)
    return _done(Work([req], pg, "all_reduce", _finish(buf, back, pg._size if avg else 0), (tensor,)), async_op)


def reduce(
    tensor: Tensor,
    dst: int | None = None,
    op=ReduceOp.SUM,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
):
    """Reduce ``tensor`` across ranks into rank ``dst``'s tensor."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    root = _root(pg, dst, group_dst, "reduce", "dst")
    mop, avg = _mpi_op(op, d, "reduce")
    _check(pg, "reduce", d, int(op) + 16 * root)
    buf, back = _io(d)
    MPI = c10d._MPI
    if pg._rank == root:
        req = pg._comm.Ireduce(MPI.IN_PLACE, buf, op=mop, root=root)
        fin = _finish(buf, back, pg._size if avg else 0)
    else:
        req = pg._comm.Ireduce(buf, None, op=mop, root=root)
        fin = None
    return _done(Work([req], pg, "reduce", fin, (tensor,)), async_op)


def reduce_scatter(
    output: Tensor, input_list: list[Tensor], op=ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False
):
    """Reduce ``input_list[i]`` across ranks into rank i's ``output``."""
    d = _arr(output, "output")
    pg = _resolve(group)
    if pg is None:
        return None
    arrs = _check_list(input_list, d, pg._size, "reduce_scatter", "input tensor list")
    mop, avg = _mpi_op(op, d, "reduce_scatter")
    _check(pg, "reduce_scatter", d, int(op), "output")
    send = np.stack(arrs) if arrs else np.empty((0,) + d.shape, d.dtype)
    buf, back = _io(d)
    req = pg._comm.Ireduce_scatter_block(send, buf, op=mop)
    return _done(Work([req], pg, "reduce_scatter", _finish(buf, back, pg._size if avg else 0), (output,)), async_op)


def reduce_scatter_tensor(
    output: Tensor, input: Tensor, op=ReduceOp.SUM, group: ProcessGroup | None = None, async_op: bool = False
):
    """Reduce ``input`` (world_size chunks along its first dimension) and keep this rank's chunk."""
    d = _arr(output, "output")
    src = _arr(input, "input")
    pg = _resolve(group)
    if pg is None:
        return None
    if src.size != pg._size * d.size or src.dtype != d.dtype:
        raise ValueError(
            f"reduce_scatter_tensor: input tensor must be the same type as the output tensor and have world_size "
            f"({pg._size}) times its size; got input {_shape(src.shape)} {src.dtype}, output {_shape(d.shape)} "
            f"{d.dtype}"
        )
    mop, avg = _mpi_op(op, d, "reduce_scatter_tensor")
    _check(pg, "reduce_scatter_tensor", src, int(op), "input")
    buf, back = _io(d)
    req = pg._comm.Ireduce_scatter_block(np.ascontiguousarray(src), buf, op=mop)
    fin = _finish(buf, back, pg._size if avg else 0)
    return _done(Work([req], pg, "reduce_scatter_tensor", fin, (output,)), async_op)


# -- data movement -------------------------------------------------------------------------


def broadcast(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
):
    """Copy rank ``src``'s tensor into every rank's tensor."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    root = _root(pg, src, group_src, "broadcast", "src")
    _check(pg, "broadcast", d, root)
    buf, back = _io(d)
    req = pg._comm.Ibcast(buf, root=root)
    return _done(Work([req], pg, "broadcast", _finish(buf, back), (tensor,)), async_op)


def all_gather(tensor_list: list[Tensor], tensor: Tensor, group: ProcessGroup | None = None, async_op: bool = False):
    """``tensor_list[i]`` receives rank i's ``tensor`` on every rank."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    outs = _check_list(tensor_list, d, pg._size, "all_gather", "output tensor list")
    _check(pg, "all_gather", d)
    recv = np.empty((pg._size,) + d.shape, d.dtype)
    req = pg._comm.Iallgather(np.ascontiguousarray(d), recv)

    def fin():
        for o, r in zip(outs, recv):
            o[...] = r

    return _done(Work([req], pg, "all_gather", fin, tuple(tensor_list)), async_op)


def all_gather_into_tensor(
    output_tensor: Tensor, input_tensor: Tensor, group: ProcessGroup | None = None, async_op: bool = False
):
    """Rank i's ``input_tensor`` becomes chunk i of ``output_tensor`` (concatenated or stacked on dim 0)."""
    out = _arr(output_tensor, "output_tensor")
    d = _arr(input_tensor, "input_tensor")
    pg = _resolve(group)
    if pg is None:
        return None
    if out.size != pg._size * d.size or out.dtype != d.dtype:
        raise ValueError(
            f"all_gather_into_tensor: output tensor must be the same type as the input tensor and have world_size "
            f"({pg._size}) times its size; got output {_shape(out.shape)} {out.dtype}, input {_shape(d.shape)} "
            f"{d.dtype}"
        )
    _check(pg, "all_gather_into_tensor", d, 0, "input")
    buf, back = _io(out)
    req = pg._comm.Iallgather(np.ascontiguousarray(d), buf)
    return _done(Work([req], pg, "all_gather_into_tensor", _finish(buf, back), (output_tensor,)), async_op)


def gather(
    tensor: Tensor,
    gather_list: list[Tensor] | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_dst: int | None = None,
):
    """Rank ``dst`` receives every rank's ``tensor`` into ``gather_list``."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    root = _root(pg, dst if dst is not None or group_dst is not None else 0, group_dst, "gather", "dst")
    if pg._rank == root:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
        outs = _check_list(gather_list, d, pg._size, "gather", "gather_list")
        recv = np.empty((pg._size,) + d.shape, d.dtype)
    else:
        if gather_list:
            raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
        outs, recv = (), None
    _check(pg, "gather", d, root)
    req = pg._comm.Igather(np.ascontiguousarray(d), recv, root=root)

    def fin():
        for o, r in zip(outs, recv):
            o[...] = r

    return _done(Work([req], pg, "gather", fin if outs else None, tuple(gather_list or ())), async_op)


def scatter(
    tensor: Tensor,
    scatter_list: list[Tensor] | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    async_op: bool = False,
    group_src: int | None = None,
):
    """Rank i's ``tensor`` receives ``scatter_list[i]`` of rank ``src``."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    root = _root(pg, src if src is not None or group_src is not None else 0, group_src, "scatter", "src")
    if pg._rank == root:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
        send = np.stack(_check_list(scatter_list, d, pg._size, "scatter", "scatter_list"))
    else:
        if scatter_list:
            raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
        send = None
    _check(pg, "scatter", d, root)
    buf, back = _io(d)
    req = pg._comm.Iscatter(send, buf, root=root)
    return _done(Work([req], pg, "scatter", _finish(buf, back), (tensor,)), async_op)
