"""Timing (not a test): MLP 784-512-256-10 training steps on N ranks, and allreduce cost vs bytes.

    OPENBLAS_NUM_THREADS=1 mpiexec -n 1 python tests/dist_workers/bench_ddp.py
    OPENBLAS_NUM_THREADS=1 mpiexec -n 2 python tests/dist_workers/bench_ddp.py

Prints, on rank 0: median step time (wall and CPU) for a global batch of 256 (256/N per rank,
also with 0.5 MB buckets so one bucket overlaps the first layer's backward) and for 256 per
rank, the time per step spent in DDP's gradient reduction (the wait for the allreduce that did
not overlap backward, which includes waiting for the slower rank, and all reducer work), and
all_reduce latency/bandwidth by message size.
"""

from __future__ import annotations

import time

import numpy as np

import chainrule as torch
import chainrule.distributed as dist
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.distributed import distributed_c10d as c10d
from chainrule.nn.parallel import DistributedDataParallel as DDP
from chainrule.nn.parallel import distributed as ddp_mod

STEPS, WARMUP = 40, 5
timers = {"wait": 0.0, "wait_cpu": 0.0, "reducer": 0.0}


def instrument() -> None:
    """Accumulate time spent in the reducer's hooks and in its final wait."""
    orig_wait, orig_mark = c10d._wait, ddp_mod._Reducer._mark_ready

    def timed_wait(reqs, pg, name, *a, **k):
        t, c = time.perf_counter(), time.process_time()
        try:
            return orig_wait(reqs, pg, name, *a, **k)
        finally:
            if name.startswith("DistributedDataParallel gradient"):
                timers["wait"] += time.perf_counter() - t
                timers["wait_cpu"] += time.process_time() - c

    def timed_mark(self, i, grad):
        t = time.perf_counter()
        try:
            return orig_mark(self, i, grad)
        finally:
            timers["reducer"] += time.perf_counter() - t

    c10d._wait = timed_wait
    ddp_mod._Reducer._mark_ready = timed_mark


def steps(per_rank: int, world: int, **ddp_kw) -> tuple[float, float, float, float]:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    if world > 1:
        model = DDP(model, **ddp_kw)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rng = np.random.default_rng(dist.get_rank())
    x = torch.tensor(rng.normal(size=(per_rank, 784)).astype(np.float32))
    y = torch.tensor(rng.integers(0, 10, size=per_rank))
    times, cpu, waits, red = [], [], [], []
    for s in range(WARMUP + STEPS):
        dist.barrier()
        timers["wait"] = timers["wait_cpu"] = timers["reducer"] = 0.0
        t, c = time.perf_counter(), time.process_time()
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
        if s >= WARMUP:
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c - timers["wait_cpu"])
            waits.append(timers["wait"])
            red.append(timers["reducer"])
    return tuple(float(np.median(v)) for v in (times, cpu, waits, red))


def allreduce_curve(world: int) -> list[tuple[int, float, float]]:
    rows = []
    for nbytes in (4 << 10, 64 << 10, 512 << 10, 2 << 20, 8 << 20):
        t = torch.ones(nbytes // 4)
        reps = 30 if nbytes <= 2 << 20 else 10
        out = []
        for checks in (True, False):
            c10d._state.checks = checks
            dist.barrier()
            st = time.perf_counter()
            for _ in range(reps):
                dist.all_reduce(t)
            out.append((time.perf_counter() - st) / reps)
        c10d._state.checks = True
        rows.append((nbytes, out[0], out[1]))
    return rows


def main() -> None:
    dist.init_process_group("mpi")
    r, n = dist.get_rank(), dist.get_world_size()
    instrument()
    nparams = 784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10
    res = {
        "global 256": steps(256 // n, n),
        "global 256, 0.5 MB buckets": steps(256 // n, n, bucket_cap_mb=0.5),
        "256 per rank": steps(256, n),
    }
    curve = allreduce_curve(n) if n > 1 else []
    if r == 0:
        print(f"world {n}: gradient bytes per step {nparams * 4} ({nparams} float32)")
        for k, (step, cpu, wait, red) in res.items():
            print(
                f"  {k:27s} step {step * 1e3:6.2f} ms (cpu outside waits {cpu * 1e3:6.2f} ms)  "
                f"allreduce wait {wait * 1e3:6.2f} ms  reducer total {red * 1e3:6.2f} ms"
            )
        for nbytes, with_check, raw in curve:
            print(
                f"  all_reduce {nbytes / 1024:7.0f} KiB: {with_check * 1e6:8.1f} us (with shape check), "
                f"{raw * 1e6:8.1f} us (without) = {nbytes / raw / 1e9:5.2f} GB/s"
            )
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
