"""What a training command needs to run data-parallel: every helper is a no-op in a single process.

Typical use in a training loop::

    rank, world = setup()                      # init_process_group() when started by mpiexec
    loader = shard_loader(loader)              # each rank sees its 1/world share of every epoch
    model = wrap_model(model)                  # DistributedDataParallel when world > 1
    for epoch in range(epochs):
        set_epoch(loader, epoch)
        ...
        stats = average_metrics({"loss": loss_sum / n, "acc": correct / n}, weight=n)
        if is_main_process():
            save(unwrap(model).state_dict(), path)
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import numpy as np

from . import distributed_c10d as c10d
from ._checks import _check
from .launch import in_mpi_job

__all__ = [
    "average_metrics",
    "fail_fast",
    "is_distributed",
    "is_main_process",
    "rank_zero_only",
    "reduce_sums",
    "set_epoch",
    "setup",
    "shard_loader",
    "unwrap",
    "world_size",
    "wrap_model",
]


def setup(backend: str = "mpi") -> tuple[int, int]:
    """Join the MPI job if mpiexec started this process; returns (rank, world size)."""
    if not c10d.is_initialized() and in_mpi_job():
        c10d.init_process_group(backend)
    if c10d.is_initialized():
        return c10d.get_rank(), c10d.get_world_size()
    return 0, 1


def world_size() -> int:
    """Ranks in the job (1 without a process group)."""
    return c10d.get_world_size() if c10d.is_initialized() else 1


def is_distributed() -> bool:
    return c10d.is_initialized() and c10d.get_world_size() > 1


def is_main_process() -> bool:
    """Rank 0, or the only process: the one that prints and writes files."""
    return not c10d.is_initialized() or c10d.get_rank() == 0


def rank_zero_only(fn: Callable) -> Callable:
    """Run ``fn`` on rank 0 only (other ranks get None)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if is_main_process():
            return fn(*args, **kwargs)
        return None

    return wrapper


def shard_loader(
    loader, shuffle: bool | None = None, seed: int = 0, drop_last: bool = False, batch_size: int | None = None
):
    """The same DataLoader over this rank's DistributedSampler share (``loader`` itself in one process).

    ``shuffle`` defaults to whether ``loader`` shuffles. ``batch_size`` is per rank and defaults
    to ``loader``'s, making the global batch ``world * batch_size``; pass
    ``ceil(global_batch / world)`` to keep a single-process run's global batch.
    """
    if not is_distributed():
        return loader
    from ..utils.data import DataLoader, RandomSampler
    from ..utils.data.distributed import DistributedSampler

    if shuffle is None:
        shuffle = isinstance(loader.sampler, RandomSampler)
    sampler = DistributedSampler(loader.dataset, shuffle=shuffle, seed=seed, drop_last=drop_last)
    return DataLoader(
        loader.dataset,
        batch_size=loader.batch_size if batch_size is None else batch_size,
        sampler=sampler,
        num_workers=loader.num_workers,
        collate_fn=None if loader._default_collate else loader.collate_fn,
        drop_last=loader.drop_last,
    )


def set_epoch(loader, epoch: int) -> None:
    """Advance a sharded loader's shuffle to ``epoch`` (nothing for other loaders)."""
    sampler = getattr(loader, "sampler", None)
    if hasattr(sampler, "set_epoch"):
        sampler.set_epoch(epoch)


def wrap_model(model, **ddp_kwargs):
    """``DistributedDataParallel(model)`` when running on several ranks, else ``model``."""
    if not is_distributed():
        return model
    from ..nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, **ddp_kwargs)


def unwrap(model):
    """The module inside a DistributedDataParallel (for saving state_dicts without the prefix)."""
    from ..nn.parallel import DistributedDataParallel

    return model.module if isinstance(model, DistributedDataParallel) else model


def average_metrics(metrics: Mapping[str, float], weight: float = 1.0) -> dict[str, float]:
    """Weighted mean of each metric over ranks (weight: e.g. this rank's sample count), in one allreduce."""
    keys = list(metrics)
    if not is_distributed():
        return {k: float(metrics[k]) for k in keys}
    w = float(weight)
    buf = np.array([float(metrics[k]) * w for k in keys] + [w], dtype=np.float64)
    pg = c10d._state.world
    _check(pg, "all_reduce", buf, 0, "metrics")
    c10d._wait([pg._comm.Iallreduce(c10d._MPI.IN_PLACE, buf, op=c10d._MPI.SUM)], pg, "average_metrics")
    total = buf[-1]
    return {k: float(buf[i] / total) if total else float("nan") for i, k in enumerate(keys)}


def reduce_sums(*values: float) -> tuple[float, ...]:
    """Each value summed over ranks (e.g. loss sum, correct count, samples seen), in one allreduce."""
    if not is_distributed():
        return values
    buf = np.array(values, dtype=np.float64)
    pg = c10d._state.world
    _check(pg, "all_reduce", buf, 0, "sums")
    c10d._wait([pg._comm.Iallreduce(c10d._MPI.IN_PLACE, buf, op=c10d._MPI.SUM)], pg, "reduce_sums")
    return tuple(float(v) for v in buf)


@contextmanager
def fail_fast(prog: str = "chainrule") -> Iterator[None]:
    """An error on one rank ends the whole job (instead of leaving the others waiting for it).

    For code that turns exceptions into exit codes, which the job-wide excepthook never sees:
    the error is printed with its rank and the MPI job is aborted.
    """
    try:
        yield
    except BaseException as e:
        if not is_distributed() or isinstance(e, SystemExit) and not e.code:
            raise
        message = " ".join(str(e).split()) or "no message"
        sys.stderr.write(f"{prog}: error on rank {c10d.get_rank()}: {type(e).__name__}: {message}\n")
        sys.stdout.flush()
        sys.stderr.flush()
        time.sleep(c10d._ABORT_GRACE)
        c10d._abort(130 if isinstance(e, KeyboardInterrupt) else 1)
