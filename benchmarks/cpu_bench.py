"""chainrule vs PyTorch by CPU time per step, for kernel work on a shared (loaded) machine.

Wall-clock ratios swing with the load other processes put on the box; process CPU time does not
(much). Both libraries run with the same thread count (default 1: torch.set_num_threads and the
BLAS pool, so spinning pool threads do not count as work). Blocks alternate A B B A; the figure is
the median per-step CPU time over blocks.

    python benchmarks/cpu_bench.py [--only cnn] [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--only", default=None, help="substring of workload names to run")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[var] = str(args.threads)
    here = Path(__file__).resolve().parent
    sys.path[:0] = [str(here), str(here.parent)]
    import torch
    from workloads import WORKLOADS

    import chainrule

    torch.set_num_threads(args.threads)
    names = [n for n in WORKLOADS if args.only is None or args.only.lower() in n.lower()]
    for name in names:
        maker, n = WORKLOADS[name]
        steps = {"torch": maker(torch)[0], "chainrule": maker(chainrule)[0]}
        for s in steps.values():
            for _ in range(max(1, n // 5)):
                s()
        times = {"torch": [], "chainrule": []}
        for r in range(args.repeats):
            order = ("chainrule", "torch", "torch", "chainrule")
            if r % 2:
                order = order[::-1]
            for lib in order:
                t = time.process_time()
                for _ in range(n):
                    steps[lib]()
                times[lib].append((time.process_time() - t) / n)
        med = {k: statistics.median(v) for k, v in times.items()}
        print(
            f"{name:48s} chainrule {med['chainrule'] * 1e3:9.2f} ms  torch {med['torch'] * 1e3:9.2f} ms  "
            f"ratio {med['chainrule'] / med['torch']:5.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
