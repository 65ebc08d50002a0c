"""Soak test: train the 784-512-256-10 MLP for many steps and report RSS every 1,000 steps.

Checks that memory stays flat after warm-up (growth < 5%) and that graphs are freed by
reference counting alone (the run keeps ``gc`` disabled).

    python benchmarks/soak.py [--steps 10000] [--batch 256]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import chainrule as torch  # noqa: E402
from chainrule import nn  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--every", type=int, default=1_000)
    args = ap.parse_args(argv)

    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    crit = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)
    xs = torch.tensor(rng.standard_normal((8, args.batch, 784)).astype(np.float32))
    ys = torch.tensor(rng.integers(0, 10, size=(8, args.batch)))

    gc.collect()
    gc.disable()
    t0 = time.perf_counter()
    readings = []
    for step in range(1, args.steps + 1):
        loss = crit(model(xs[step % 8]), ys[step % 8])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % args.every == 0:
            readings.append((step, rss_mb(), loss.item()))
            print(
                f"step {step:6d}  RSS {readings[-1][1]:7.1f} MB  loss {readings[-1][2]:.4f}  "
                f"{time.perf_counter() - t0:6.1f} s",
                flush=True,
            )
    uncollected = gc.collect()
    gc.enable()
    base = readings[0][1]
    peak = max(r[1] for r in readings)
    growth = (readings[-1][1] - base) / base
    print(
        f"RSS after warm-up {base:.1f} MB, final {readings[-1][1]:.1f} MB, peak {peak:.1f} MB, growth "
        f"{growth * 100:+.2f}%; objects found by gc afterwards: {uncollected}"
    )
    ok = growth < 0.05
    print("flat" if ok else "GROWING")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
