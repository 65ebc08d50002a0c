"""Point-to-point transfers, barriers and collectives on picklable Python objects."""

from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from . import distributed_c10d as c10d
from ._collectives import _arr, _finish, _io, _root
from .distributed_c10d import ProcessGroup, Work, _resolve

__all__ = [
    "all_gather_object",
    "barrier",
    "broadcast_object_list",
    "gather_object",
    "irecv",
    "isend",
    "monitored_barrier",
    "recv",
    "scatter_object_list",
    "send",
]


# -- point to point ------------------------------------------------------------------------


def isend(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> Work | None:
    """Start sending ``tensor`` to rank ``dst``."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    peer = _root(pg, dst, group_dst, "send", "dst")
    if peer == pg._rank:
        raise ValueError(
            "Invalid destination rank: destination rank should not be the same as the rank of the current process."
        )
    send = np.ascontiguousarray(d)
    req = pg._comm.Isend(send, dest=peer, tag=tag)
    return Work([req], pg, "send", None, (send,))


def irecv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> Work | None:
    """Start receiving into ``tensor`` from rank ``src`` (any rank when None)."""
    d = _arr(tensor)
    pg = _resolve(group)
    if pg is None:
        return None
    MPI = c10d._MPI
    peer = MPI.ANY_SOURCE if src is None and group_src is None else _root(pg, src, group_src, "recv", "src")
    if peer == pg._rank:
        raise ValueError("Invalid source rank: source rank should not be the same as the rank of the current process.")
    buf, back = _io(d)
    status = MPI.Status()
    req = pg._comm.Irecv(buf, source=peer, tag=tag)
    return Work([req], pg, "recv", _finish(buf, back), (tensor,), status)


def send(
    tensor: Tensor,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_dst: int | None = None,
) -> None:
    work = isend(tensor, dst, group, tag, group_dst)
    if work is not None:
        work.wait()


def recv(
    tensor: Tensor,
    src: int | None = None,
    group: ProcessGroup | None = None,
    tag: int = 0,
    group_src: int | None = None,
) -> int:
    """Receive into ``tensor``; returns the sender's global rank (-1 outside the group)."""
    work = irecv(tensor, src, group, tag, group_src)
    if work is None:
        return -1
    return work.source_rank()


# -- synchronisation and Python objects ----------------------------------------------------


def barrier(group: ProcessGroup | None = None, async_op: bool = False, device_ids=None, timeout=None):
    """Wait until every rank of the group reached the barrier."""
    pg = _resolve(group)
    if pg is None:
        return None
    work = Work([pg._comm.Ibarrier()], pg, "barrier")
    if async_op:
        return work
    work.wait(timeout)
    return None


def monitored_barrier(group: ProcessGroup | None = None, timeout=None, wait_all_ranks: bool = False) -> None:
    barrier(group, timeout=timeout)


def all_gather_object(object_list: list, obj, group: ProcessGroup | None = None) -> None:
    """``object_list[i]`` becomes rank i's ``obj`` (pickled)."""
    pg = _resolve(group)
    if pg is None:
        return
    if len(object_list) != pg._size:
        raise ValueError(
            f"all_gather_object: object_list must have world_size ({pg._size}) entries, got {len(object_list)}"
        )
    object_list[:] = pg._comm.allgather(obj)


def broadcast_object_list(
    object_list: list,
    src: int | None = None,
    group: ProcessGroup | None = None,
    device=None,
    group_src: int | None = None,
) -> None:
    """Replace every rank's ``object_list`` entries with rank ``src``'s."""
    pg = _resolve(group)
    if pg is None:
        return
    root = _root(pg, src if src is not None or group_src is not None else 0, group_src, "broadcast_object_list", "src")
    got = pg._comm.bcast(list(object_list) if pg._rank == root else None, root=root)
    object_list[:] = got


def gather_object(
    obj,
    object_gather_list: list | None = None,
    dst: int | None = None,
    group: ProcessGroup | None = None,
    group_dst: int | None = None,
) -> None:
    pg = _resolve(group)
    if pg is None:
        return
    root = _root(pg, dst if dst is not None or group_dst is not None else 0, group_dst, "gather_object", "dst")
    got = pg._comm.gather(obj, root=root)
    if pg._rank == root:
        if object_gather_list is None:
            raise ValueError("Argument ``object_gather_list`` must be specified on destination rank.")
        object_gather_list[:] = got


def scatter_object_list(
    scatter_object_output_list: list,
    scatter_object_input_list: list | None = None,
    src: int | None = None,
    group: ProcessGroup | None = None,
    group_src: int | None = None,
) -> None:
    pg = _resolve(group)
    if pg is None:
        return
    root = _root(pg, src if src is not None or group_src is not None else 0, group_src, "scatter_object_list", "src")
    if pg._rank == root and (scatter_object_input_list is None or len(scatter_object_input_list) != pg._size):
        raise ValueError(f"scatter_object_list: the source rank needs a list of world_size ({pg._size}) objects")
    got = pg._comm.scatter(list(scatter_object_input_list) if pg._rank == root else None, root=root)
    scatter_object_output_list[0] = got
