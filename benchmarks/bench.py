"""chainrule vs PyTorch CPU on the same workloads, in the same process.

Blocks of steps alternate A B B A so machine drift hits both libraries alike; each figure is
the median over blocks of the per-step time. Also reports achieved GFLOP/s against NumPy's
sgemm peak measured in the same run, how busy the machine was (from /proc/stat), and peak
RSS per workload and library (each measured in a fresh subprocess).

    python benchmarks/bench.py [--repeats 7] [--only mlp] [--no-memory]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workloads import WORKLOADS  # noqa: E402


def cpu_busy_sample():
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    idle = vals[3] + vals[4]
    return sum(vals), idle


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the peak-RSS subprocesses)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        ru = resource.getrusage(who)
        total += ru.ru_utime + ru.ru_stime
    return total


def sgemm_peak(n=1024, reps=5):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    b = a.copy()
    a @ b
    best = min(_time(lambda: a @ b) for _ in range(reps))
    return 2 * n**3 / best / 1e9


def _time(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def block(step, n):
    t = time.perf_counter()
    for _ in range(n):
        step()
    return (time.perf_counter() - t) / n


def run_one(name, repeats):
    import torch

    import chainrule

    maker, n = WORKLOADS[name]
    steps = {"torch": maker(torch)[0], "chainrule": maker(chainrule)[0]}
    flops = maker(chainrule)[1]
    for s in steps.values():  # warm-up
        block(s, max(1, n // 5))
    times = {"torch": [], "chainrule": []}
    for r in range(repeats):
        order = (
            ("chainrule", "torch", "torch", "chainrule") if r % 2 == 0 else ("torch", "chainrule", "chainrule", "torch")
        )
        for lib in order:
            times[lib].append(block(steps[lib], n))
    med = {k: statistics.median(v) for k, v in times.items()}
    return med, flops


def peak_rss(name, lib):
    here = Path(__file__).resolve().parent
    code = (
        f"import sys, resource; sys.path[:0] = [{str(here)!r}, {str(here.parent)!r}]\n"
        "from workloads import WORKLOADS\n"
        f"import {lib} as T\n"
        f"maker, n = WORKLOADS[{name!r}]\n"
        "step = maker(T)[0]\n"
        "for _ in range(max(2, n // 5)): step()\n"
        # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec
        "print([int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')][0])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        return float("nan")
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def train_end_to_end() -> str:
    """``chainrule train``'s default run, end to end (no PyTorch counterpart: it is our CLI)."""
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-m", "chainrule", "train", "--quiet", "--out", d + "/run"],
            capture_output=True,
            text=True,
            timeout=900,
        )
        wall = time.perf_counter() - t
        if r.returncode != 0:
            return f"chainrule train (default run) failed: {r.stderr.strip()[-200:]}"
        acc = json.loads(Path(d, "run", "metrics.json").read_text())["test_accuracy"]
    return f"chainrule train (default run, end to end): {wall:.1f} s wall, test accuracy {acc:.4g}"


def fmt_time(s):
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--only", default=None, help="substring of workload names to run")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--json", default=None, help="also write results to this JSON file")
    args = ap.parse_args(argv)

    names = [n for n in WORKLOADS if args.only is None or args.only.lower() in n.lower()]
    peak = sgemm_peak()
    ru0 = _cpu_seconds()
    s0 = cpu_busy_sample()
    t0 = time.time()
    rows = []
    for name in names:
        med, flops = run_one(name, args.repeats)
        ratio = med["chainrule"] / med["torch"]
        gflops = flops / med["chainrule"] / 1e9 if flops else None
        mem = {} if args.no_memory else {lib: peak_rss(name, lib) for lib in ("chainrule", "torch")}
        rows.append(
            dict(workload=name, chainrule=med["chainrule"], torch=med["torch"], ratio=ratio, gflops=gflops, rss=mem)
        )
        print(
            f"{name:48s} chainrule {fmt_time(med['chainrule']):>10s}  torch {fmt_time(med['torch']):>10s}  "
            f"ratio {ratio:5.2f}",
            flush=True,
        )
    s1 = cpu_busy_sample()
    own = _cpu_seconds() - ru0
    wall = time.time() - t0
    total_ticks = s1[0] - s0[0]
    idle_ticks = s1[1] - s0[1]
    hz = os.sysconf("SC_CLK_TCK")
    busy_ticks = total_ticks - idle_ticks
    others = max(0.0, (busy_ticks - own * hz) / total_ticks) if total_ticks else 0.0

    print()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, NumPy "
        f"{np.__version__}; date {time.strftime('%Y-%m-%d %H:%M')}"
    )
    print(
        f"NumPy sgemm peak (1024^3): {peak:.1f} GFLOP/s; other processes used {others * 100:.0f}% of the CPU "
        f"during the {wall:.0f} s run ({'quiet' if others < 0.1 else 'BUSY: do not quote these figures'})"
    )
    print()
    print("| workload | chainrule | PyTorch | ratio | GFLOP/s (% of sgemm peak) | peak RSS chainrule / torch |")
    print("| --- | --- | --- | --- | --- | --- |")
    for r in rows:
        g = f"{r['gflops']:.1f} ({100 * r['gflops'] / peak:.0f}%)" if r["gflops"] else "-"
        m = (
            f"{r['rss'].get('chainrule', float('nan')):.0f} / {r['rss'].get('torch', float('nan')):.0f} MB"
            if r["rss"]
            else "-"
        )
        print(
            f"| {r['workload']} | {fmt_time(r['chainrule'])} | {fmt_time(r['torch'])} | {r['ratio']:.2f} | {g} | {m} |"
        )
    if not args.only:
        print()
        print(train_end_to_end())
    if args.json:
        Path(args.json).write_text(json.dumps(dict(rows=rows, sgemm_peak=peak, others_busy=others), indent=2))


if __name__ == "__main__":
    main()
