"""Run under ``mpiexec -n 2``: rank 1 fails mid-training in the way argv[1] names; the job must end.

raise: an uncaught exception (the excepthook aborts the job); die: the process vanishes
(os._exit); leave: it exits cleanly without joining the next collective (rank 0's wait times out);
caught: the error is caught and turned into an exit status, as a command-line tool does, inside
``training.fail_fast`` (which must still end the job).
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta

import chainrule as torch
import chainrule.distributed as dist
import chainrule.nn as nn
from chainrule.distributed import training
from chainrule.nn.parallel import DistributedDataParallel as DDP


def main(mode: str) -> None:
    dist.init_process_group("mpi", timeout=timedelta(seconds=3))
    r = dist.get_rank()
    model = DDP(nn.Linear(8, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(5):
        if r == 1 and step == 3:
            if mode == "raise":
                raise ValueError("rank 1 hit a bad batch")
            if mode == "die":
                os._exit(7)
            if mode == "leave":
                sys.exit(0)
            if mode == "caught":
                try:
                    with training.fail_fast("fault.py"):
                        raise ValueError("rank 1 hit a bad batch")
                except ValueError:
                    sys.exit(1)
        opt.zero_grad()
        model(torch.ones(4, 8)).sum().backward()
        opt.step()
    print(f"rank {r} finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
