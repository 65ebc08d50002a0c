"""chainrule.distributed over MPI: collectives, DistributedDataParallel, DistributedSampler, faults.

Multi-process checks run ``mpiexec -n 2 python tests/dist_workers/<script>.py`` (one BLAS
thread per rank); the workers assert against NumPy references and print ``OK rank R``.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
import torch.distributed as tdist
import torch.utils.data.distributed as tdata

import chainrule
import chainrule.distributed as dist
from chainrule.distributed import launch
from chainrule.utils.data.distributed import DistributedSampler

WORKERS = Path(__file__).parent / "dist_workers"
ROOT = Path(__file__).parent.parent


def _env(**extra) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(WORKERS), env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def mpirun(script: str, *args: str, n: int = 2, timeout: float = 90):
    cmd = [launch.find_mpiexec(), "-n", str(n), sys.executable, str(WORKERS / script), *args]
    start = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=_env(), cwd=ROOT)
    return proc, time.monotonic() - start


def _ok(proc, n: int = 2) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    for r in range(n):
        assert f"OK rank {r}" in proc.stdout, out[-4000:]


def test_collectives_match_numpy_and_report_mismatches():
    # every collective vs NumPy (SUM/AVG/PRODUCT/MIN/MAX/bitwise, sync and async, views, 0-d, empty),
    # shape/dtype/op/src mismatches across ranks named per rank, argument errors as torch raises them
    proc, _ = mpirun("collectives.py")
    _ok(proc)


def test_ddp_two_ranks_equal_one_process_with_double_batch():
    # 2 ranks x batch 16 vs 1 process x batch 32: 20 SGD and 20 Adam steps, float64, rtol 1e-10
    proc, _ = mpirun("ddp.py")
    _ok(proc)


@pytest.mark.parametrize(
    "mode, expect",
    [
        ("raise", "rank 1 hit a bad batch"),
        ("die", ""),
        ("leave", "timed out after 3 s"),
        ("caught", "fault.py: error on rank 1: ValueError: rank 1 hit a bad batch"),
    ],
)
def test_failing_rank_ends_the_job(mode, expect):
    proc, elapsed = mpirun("fault.py", mode, timeout=90)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert elapsed < 60, f"job took {elapsed:.1f} s to end"
    assert expect in out, out[-3000:]
    assert "rank 0 finished" not in out
    if mode in ("raise", "leave"):
        assert "aborting the MPI job" in out, out[-3000:]


def test_collective_before_init_raises_like_torch():
    assert not dist.is_initialized() and not tdist.is_initialized()
    for name in ("all_reduce", "broadcast"):
        with pytest.raises(ValueError) as theirs:
            getattr(tdist, name)(torch.ones(2), 0) if name == "broadcast" else tdist.all_reduce(torch.ones(2))
        with pytest.raises(ValueError) as ours:
            getattr(dist, name)(chainrule.ones(2), 0) if name == "broadcast" else dist.all_reduce(chainrule.ones(2))
        assert str(ours.value) == str(theirs.value)
    for name in ("get_rank", "get_world_size", "barrier"):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            getattr(dist, name)()
    with pytest.raises(AssertionError, match="Process group cannot be None"):
        dist.destroy_process_group()
    assert dist.ReduceOp.SUM == tdist.ReduceOp.SUM and int(dist.ReduceOp.AVG) == int(tdist.ReduceOp.AVG)


# -- DistributedSampler (no process group needed when num_replicas and rank are given) -------


@pytest.mark.parametrize("n", [0, 1, 7, 10, 23])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_matches_torch(n, replicas, drop_last):
    data = list(range(n))
    shards = []
    for shuffle in (False, True):
        for epoch in (0, 5):
            for rank in range(replicas):
                kw = dict(num_replicas=replicas, rank=rank, shuffle=shuffle, seed=11, drop_last=drop_last)
                ours, theirs = DistributedSampler(data, **kw), tdata.DistributedSampler(data, **kw)
                ours.set_epoch(epoch)
                theirs.set_epoch(epoch)
                got = list(ours)
                assert got == list(theirs), (shuffle, epoch, rank)
                assert len(ours) == len(theirs) == len(got)
                assert ours.total_size == theirs.total_size
                if shuffle and epoch == 5:
                    shards.append(got)
    flat = [i for s in shards for i in s]
    if drop_last:  # disjoint, and only the tail beyond a multiple of replicas is dropped
        assert len(set(flat)) == len(flat) == (n // replicas) * replicas
    else:  # covers everything; padding repeats the first indices of the permutation
        assert set(flat) == set(data)
        assert len(flat) == math.ceil(n / replicas) * replicas


def test_distributed_sampler_errors_and_exports():
    with pytest.raises(ValueError, match=r"Invalid rank 2, rank should be in the interval \[0, 1\]"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(ValueError, match="Invalid rank -1"):
        DistributedSampler(range(4), num_replicas=2, rank=-1)
    # without a process group the world size is unknown, as in torch
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        DistributedSampler(range(4))
    with pytest.raises(ValueError, match="Default process group has not been initialized"):
        tdata.DistributedSampler(range(4))
    assert chainrule.utils.data.DistributedSampler is DistributedSampler
    assert chainrule.nn.parallel.DistributedDataParallel is not None
    loader = chainrule.utils.data.DataLoader(
        list(range(10)), batch_size=3, sampler=DistributedSampler(range(10), 2, 1, shuffle=False)
    )
    assert [b.tolist() for b in loader] == [[1, 3, 5], [7, 9]]


# -- launching -----------------------------------------------------------------------------


def test_strip_procs_and_command():
    assert launch.strip_procs(["train", "--procs", "4", "--epochs", "2", "--procs=3"]) == ["train", "--epochs", "2"]
    cmd = launch.mpi_command(["train", "--procs", "2", "x.py"], 2, mpiexec="mpiexec", python="py")
    assert cmd[:5] == ["mpiexec", "-n", "2", "py", "-c"]
    assert "from chainrule.cli import main" in cmd[5] and cmd[6:] == ["train", "x.py"]
    with pytest.raises(ValueError, match="--procs must be at least 1"):
        launch.mpi_command([], 0)


def test_run_mpi_reexecutes_under_mpiexec(capfd):
    env = _env()
    del env["OPENBLAS_NUM_THREADS"]
    rc = launch.run_mpi(["a", "--procs", "2", "b"], 2, entry="launch_entry:main", env=env)
    out = capfd.readouterr().out
    threads = str(max(1, (os.cpu_count() or 1) // 2))
    assert rc == 0
    assert f"ranks [(0, ['a', 'b'], '{threads}'), (1, ['a', 'b'], '{threads}')]" in out, out


def test_single_process_without_mpiexec():
    code = (
        "import chainrule as torch, chainrule.distributed as dist\n"
        "from chainrule.distributed import training\n"
        "dist.init_process_group()\n"
        "assert (dist.get_rank(), dist.get_world_size()) == (0, 1)\n"
        "x = torch.arange(3.0); dist.all_reduce(x, op=dist.ReduceOp.AVG); assert x.tolist() == [0.0, 1.0, 2.0]\n"
        "m = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(3, 1))\n"
        "m(torch.ones(2, 3)).sum().backward(); assert m.module.weight.grad.tolist() == [[2.0, 2.0, 2.0]]\n"
        "assert training.wrap_model(m.module) is m.module\n"
        "print('single ok')\n"
    )
    env = {k: v for k, v in _env().items() if not k.startswith(("PMI_", "OMPI_", "PMIX_"))}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 0 and "single ok" in proc.stdout, proc.stderr[-3000:]


def test_imports_without_mpi4py():
    code = (
        "import sys\n"
        "sys.modules['mpi4py'] = None\n"
        "import chainrule, chainrule.distributed as dist\n"
        "from chainrule.nn.parallel import DistributedDataParallel\n"
        "assert not dist.is_available()\n"
        "try:\n"
        "    dist.init_process_group()\n"
        "except RuntimeError as e:\n"
        "    assert \"pip install 'chainrule[distributed]'\" in str(e), e\n"
        "    print('clear error')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=_env())
    assert proc.returncode == 0 and "clear error" in proc.stdout, proc.stderr[-3000:]
    proc = subprocess.run(
        [sys.executable, "-c", "import sys, chainrule; print('mpi4py' in sys.modules)"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(),
    )
    assert proc.stdout.strip() == "False", proc.stderr


def test_cli_train_procs_two(tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "chainrule", "train", "--procs", "2", "--epochs", "1", "--quiet", "--out", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=_env(), cwd=tmp_path)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    assert proc.stdout.count("output folder:") == 1, proc.stdout  # only rank 0 reports
    assert {p.name for p in out.iterdir()} == {"model.safetensors", "metrics.json", "training_curve.png"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and metrics["test_accuracy"] > 0.5
