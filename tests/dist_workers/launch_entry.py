"""Entry point for the run_mpi test: each rank reports its rank, world size and arguments."""

from __future__ import annotations

import os
import sys

import chainrule.distributed as dist
from chainrule.distributed import training


def main() -> int:
    rank, world = training.setup()
    out = [None] * world
    dist.all_gather_object(out, (rank, sys.argv[1:], os.environ.get("OPENBLAS_NUM_THREADS")))
    if training.is_main_process():
        print("ranks", out, flush=True)
    return 0
