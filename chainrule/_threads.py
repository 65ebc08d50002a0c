"""BLAS thread control: ``set_num_threads`` / ``get_num_threads`` as torch's, through threadpoolctl.

NumPy's BLAS (OpenBLAS or MKL) runs matrix products on its own thread pool. On a machine whose
cores are busy with other work, two-thread BLAS can be 10-100x slower on small products than one
thread, so callers (and ``chainrule train --threads``) can cap it.
"""

from __future__ import annotations

import os

_limiter = [None]


def set_num_threads(n: int) -> None:
    """Use at most ``n`` threads for BLAS-backed operations (matmul, conv, linear)."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise RuntimeError(f"set_num_threads expects a positive integer, but got {n!r}")
    from threadpoolctl import threadpool_limits

    _limiter[0] = threadpool_limits(limits=n, user_api="blas")


def get_num_threads() -> int:
    """Threads the BLAS pool may use (the largest over loaded BLAS libraries)."""
    from threadpoolctl import threadpool_info

    counts = [i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"]
    return max(counts) if counts else (os.cpu_count() or 1)
