"""Re-run a command as an MPI job: what ``chainrule train --procs N`` does.

``run_mpi(argv, procs)`` starts ``mpiexec -n procs python -c <entry point> argv...`` (``--procs``
removed from argv, so the ranks do not launch again) and returns its exit status. The mpiexec
next to the running Python (where ``pip install mpich`` puts it) is preferred over one on PATH;
``CHAINRULE_MPIEXEC`` overrides both. Each rank gets ``cpu_count // procs`` BLAS/OpenMP threads
unless the environment already sets them, so ranks do not oversubscribe the cores.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["find_mpiexec", "in_mpi_job", "mpi_command", "run_mpi", "strip_procs"]

_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# set by the process managers of MPICH (hydra), Open MPI and PMIx-based launchers
_RANK_VARS = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS")


def find_mpiexec() -> str:
    """Path of the mpiexec to launch with."""
    override = os.environ.get("CHAINRULE_MPIEXEC")
    if override:
        return override
    beside = Path(sys.executable).parent / "mpiexec"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("mpiexec") or shutil.which("mpirun")
    if found is None:
        raise RuntimeError("mpiexec not found: pip install 'chainrule[distributed]' installs MPICH's")
    return found


def in_mpi_job() -> bool:
    """True inside a process that mpiexec started."""
    return any(v in os.environ for v in _RANK_VARS)


def strip_procs(argv: list[str]) -> list[str]:
    """``argv`` without ``--procs N`` / ``--procs=N``."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--procs":
            skip = True
        elif not a.startswith("--procs="):
            out.append(a)
    return out


def mpi_command(
    argv: list[str],
    procs: int,
    entry: str = "chainrule.cli:main",
    mpiexec: str | None = None,
    python: str | None = None,
) -> list[str]:
    """The mpiexec command line that runs ``entry`` (``module:function``) on ``procs`` ranks with ``argv``."""
    if int(procs) < 1:
        raise ValueError(f"--procs must be at least 1, got {procs}")
    module, _, func = entry.partition(":")
    code = f"import sys; sys.argv[0] = 'chainrule'; from {module} import {func or 'main'} as m; sys.exit(m())"
    return [mpiexec or find_mpiexec(), "-n", str(int(procs)), python or sys.executable, "-c", code, *strip_procs(argv)]


def run_mpi(
    argv: list[str], procs: int, entry: str = "chainrule.cli:main", env: dict | None = None, mpiexec: str | None = None
) -> int:
    """Run ``entry`` with ``argv`` on ``procs`` MPI ranks; returns the job's exit status."""
    cmd = mpi_command(argv, procs, entry, mpiexec)
    env = dict(os.environ if env is None else env)
    threads = str(max(1, (os.cpu_count() or 1) // int(procs)))
    for var in _THREAD_VARS:
        env.setdefault(var, threads)
    return subprocess.run(cmd, env=env).returncode
