"""Run under ``mpiexec -n N``: every collective against a NumPy reference, and the error paths.

Rank r's input is ``data(r, ...)``, so each rank computes every rank's input and the reference
result locally. Prints ``OK rank R`` at the end; a failed assertion aborts the job (non-zero).
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

import chainrule as torch
import chainrule.distributed as dist

NOT_INIT = "Default process group has not been initialized, please make sure to call init_process_group."


def data(r: int, shape, dtype: str, salt: int = 0) -> np.ndarray:
    rng = np.random.default_rng(1000 * salt + r)
    if dtype == "bool":
        return rng.integers(0, 2, size=shape).astype(bool)
    if dtype.startswith("int"):
        return rng.integers(-4, 5, size=shape).astype(dtype)
    return rng.normal(size=shape).astype(dtype)


def same(got, want, dtype: str, what: str) -> None:
    got = np.asarray(got._data if isinstance(got, torch.Tensor) else got)
    assert got.shape == want.shape, f"{what}: shape {got.shape} != {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype} != {want.dtype}"
    if dtype in ("float32", "float16"):
        np.testing.assert_allclose(got, want, rtol=2e-6, atol=1e-6, err_msg=what)
    elif dtype == "float64":
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-14, err_msg=what)
    else:
        np.testing.assert_array_equal(got, want, err_msg=what)


def raises(exc, fn, *needles) -> str:
    try:
        fn()
    except exc as e:
        msg = str(e)
        for n in needles:
            assert n in msg, f"{n!r} not in {msg!r}"
        return msg
    raise AssertionError(f"{fn} did not raise {exc.__name__}")


REF = {
    "SUM": lambda s: s.sum(0).astype(s.dtype),
    "AVG": lambda s: (s.sum(0) / len(s)).astype(s.dtype),
    "PRODUCT": lambda s: s.prod(0).astype(s.dtype),
    "MIN": lambda s: s.min(0),
    "MAX": lambda s: s.max(0),
    "BAND": lambda s: np.bitwise_and.reduce(s, 0),
    "BOR": lambda s: np.bitwise_or.reduce(s, 0),
    "BXOR": lambda s: np.bitwise_xor.reduce(s, 0),
}


def before_init() -> None:
    raises(ValueError, lambda: dist.all_reduce(torch.ones(2)), NOT_INIT)
    raises(ValueError, lambda: dist.get_rank(), NOT_INIT)
    raises(ValueError, lambda: dist.barrier(), NOT_INIT)
    raises(AssertionError, lambda: dist.destroy_process_group(), "Process group cannot be None")
    raises(ValueError, lambda: dist.init_process_group("mpi", world_size=64), "world_size=64")
    raises(RuntimeError, lambda: dist.init_process_group("nccl"), "NCCL")
    assert not dist.is_initialized()


def reductions(r: int, n: int) -> None:
    for dtype in ("float32", "float64", "int64", "int32"):
        ops = ["SUM", "PRODUCT", "MIN", "MAX"] + (["AVG"] if dtype.startswith("float") else ["BAND", "BOR", "BXOR"])
        for shape in [(3, 4), (), (0, 3)]:
            stack = np.stack([data(q, shape, dtype) for q in range(n)])
            for op in ops:
                t = torch.tensor(data(r, shape, dtype))
                dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
                same(t, REF[op](stack), dtype, f"all_reduce {op} {dtype} {shape}")
                # reduce: only dst gets the result
                t = torch.tensor(data(r, shape, dtype))
                w = dist.reduce(t, dst=n - 1, op=getattr(dist.ReduceOp, op), async_op=True)
                w.wait()
                if r == n - 1:
                    same(t, REF[op](stack), dtype, f"reduce {op} {dtype} {shape}")
    # bool: SUM/MAX are logical or, MIN/PRODUCT logical and
    stack = np.stack([data(q, (5,), "bool") for q in range(n)])
    for op, ref in [("SUM", stack.any(0)), ("MAX", stack.any(0)), ("MIN", stack.all(0)), ("PRODUCT", stack.all(0))]:
        t = torch.tensor(data(r, (5,), "bool"))
        dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
        same(t, ref, "bool", f"all_reduce bool {op}")
    # float16 goes through MPI's 16-bit float type
    t = torch.tensor(data(r, (4,), "float16"))
    dist.all_reduce(t)
    same(t, np.stack([data(q, (4,), "float16") for q in range(n)]).sum(0), "float16", "all_reduce float16")

    # async: the handle completes on wait(); the result is written in place
    base = data(r, (6, 5), "float64")
    t = torch.tensor(base)
    work = dist.all_reduce(t, async_op=True)
    assert isinstance(work, dist.Work)
    assert work.wait() is True and work.is_completed() and work.is_success()
    assert work.result()[0] is t
    same(t, np.stack([data(q, (6, 5), "float64") for q in range(n)]).sum(0), "float64", "async all_reduce")

    # a non-contiguous view is reduced through a packed copy and written back into its base
    full = torch.tensor(data(r, (4, 6), "float64"))
    view = full.t()[::2]
    dist.all_reduce(view, op=dist.ReduceOp.MAX)
    ref = np.stack([data(q, (4, 6), "float64") for q in range(n)])
    want = data(r, (4, 6), "float64").copy()
    want.T[::2] = ref.max(0).T[::2]
    same(full, want, "float64", "all_reduce of a transposed strided view")

    # contiguous tensors are MPI's buffers themselves: the array object stays the same
    t = torch.ones(8)
    before = t._data
    dist.all_reduce(t)
    assert t._data is before

    # reduce_scatter (list) and reduce_scatter_tensor
    for op in ("SUM", "AVG", "MAX"):
        chunks = np.stack([np.stack([data(q, (3, 2), "float64", salt=i) for i in range(n)]) for q in range(n)])
        out = torch.zeros(3, 2, dtype=torch.float64)
        dist.reduce_scatter(out, [torch.tensor(c) for c in chunks[r]], op=getattr(dist.ReduceOp, op))
        same(out, REF[op](chunks[:, r]), "float64", f"reduce_scatter {op}")
        inp = torch.tensor(chunks[r].reshape(n * 3, 2))
        out = torch.zeros(3, 2, dtype=torch.float64)
        w = dist.reduce_scatter_tensor(out, inp, op=getattr(dist.ReduceOp, op), async_op=True)
        w.wait()
        same(out, REF[op](chunks[:, r]), "float64", f"reduce_scatter_tensor {op}")


def movement(r: int, n: int) -> None:
    for dtype in ("float32", "int64"):
        for shape in [(2, 3), (), (0,)]:
            for src in range(n):
                t = torch.tensor(data(r, shape, dtype))
                dist.broadcast(t, src=src)
                same(t, data(src, shape, dtype), dtype, f"broadcast from {src} {dtype} {shape}")
            outs = [torch.zeros(shape, dtype=getattr(torch, dtype)) for _ in range(n)]
            w = dist.all_gather(outs, torch.tensor(data(r, shape, dtype)), async_op=True)
            w.wait()
            for q in range(n):
                same(outs[q], data(q, shape, dtype), dtype, f"all_gather [{q}] {dtype} {shape}")
    # into one tensor: concatenated along dim 0, or stacked
    mine = torch.tensor(data(r, (2, 3), "float64"))
    want = np.concatenate([data(q, (2, 3), "float64") for q in range(n)])
    cat = torch.zeros(2 * n, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(cat, mine)
    same(cat, want, "float64", "all_gather_into_tensor (concatenated)")
    st = torch.zeros(n, 2, 3, dtype=torch.float64)
    dist.all_gather_into_tensor(st, mine)
    same(st, want.reshape(n, 2, 3), "float64", "all_gather_into_tensor (stacked)")
    # gather / scatter
    dst = n - 1
    gl = [torch.zeros(4) for _ in range(n)] if r == dst else None
    dist.gather(torch.tensor(data(r, (4,), "float32")), gl, dst=dst)
    if r == dst:
        for q in range(n):
            same(gl[q], data(q, (4,), "float32"), "float32", f"gather [{q}]")
    out = torch.zeros(3, dtype=torch.int64)
    sl = [torch.tensor(data(q, (3,), "int64", salt=7)) for q in range(n)] if r == 0 else None
    dist.scatter(out, sl, src=0)
    same(out, data(r, (3,), "int64", salt=7), "int64", "scatter")
    # point to point: a ring, rank r sends to r+1 and receives from r-1
    nxt, prv = (r + 1) % n, (r - 1) % n
    if n > 1:
        got = torch.zeros(5, dtype=torch.float64)
        rw = dist.irecv(got, src=prv, tag=3)
        sw = dist.isend(torch.tensor(data(r, (5,), "float64")), dst=nxt, tag=3)
        sw.wait()
        rw.wait()
        same(got, data(prv, (5,), "float64"), "float64", "isend/irecv ring")
        assert rw.source_rank() == prv
        if r == 0:
            dist.send(torch.arange(4.0), dst=1)
        elif r == 1:
            buf = torch.zeros(4)
            assert dist.recv(buf) == 0
            same(buf, np.arange(4.0, dtype=np.float32), "float32", "send/recv")
    # Python objects
    objs = [None] * n
    dist.all_gather_object(objs, {"rank": r, "sq": r * r})
    assert objs == [{"rank": q, "sq": q * q} for q in range(n)], objs
    lst = [r, f"from {r}"]
    dist.broadcast_object_list(lst, src=n - 1)
    assert lst == [n - 1, f"from {n - 1}"], lst
    got = [None] * n if r == 0 else None
    dist.gather_object(("g", r), got, dst=0)
    if r == 0:
        assert got == [("g", q) for q in range(n)], got
    out = [None]
    dist.scatter_object_list(out, [q * 10 for q in range(n)] if r == 0 else None, src=0)
    assert out == [r * 10], out
    dist.barrier()
    assert dist.barrier(async_op=True).wait()


def groups(r: int, n: int) -> None:
    g = dist.new_group(list(range(n)))
    t = torch.tensor(float(r))
    dist.all_reduce(t, group=g)
    assert t.item() == sum(range(n))
    solo = dist.new_group([0])
    if r == 0:
        assert dist.get_world_size(solo) == 1 and dist.get_rank(solo) == 0
        t = torch.tensor(5.0)
        dist.all_reduce(t, group=solo)
        assert t.item() == 5.0
    else:
        assert solo is dist.GroupMember.NON_GROUP_MEMBER
        assert dist.get_rank(solo) == -1
        assert dist.all_reduce(torch.ones(1), group=solo) is None
    assert dist.group.WORLD is dist.GroupMember.WORLD
    assert dist.get_backend() == "mpi"


def errors(r: int, n: int) -> None:
    # shapes differ across ranks: every rank gets the same error naming each rank's shape
    msg = raises(RuntimeError, lambda: dist.all_reduce(torch.ones(3 + r)), "Detected mismatch between collectives")
    for q in range(n):
        assert f"rank {q} is running all_reduce(tensor shape [{3 + q}], dtype torch.float32" in msg, msg
    msg = raises(RuntimeError, lambda: dist.all_reduce(torch.ones(2, dtype=torch.float64 if r else torch.float32)))
    assert "torch.float64" in msg and "torch.float32" in msg, msg
    raises(
        RuntimeError,
        lambda: dist.all_reduce(torch.ones(2), op=dist.ReduceOp.MAX if r else dist.ReduceOp.SUM),
        "op MAX",
        "op SUM",
    )
    raises(RuntimeError, lambda: dist.broadcast(torch.ones(2), src=r), "src 0", f"src {n - 1}")
    # after a detected mismatch the group is still usable
    t = torch.ones(2)
    dist.all_reduce(t)
    same(t, np.full(2, float(n), np.float32), "float32", "all_reduce after a mismatch")
    # local argument errors, raised before any communication
    raises(
        RuntimeError,
        lambda: dist.all_reduce(torch.ones(2, dtype=torch.int64), op=dist.ReduceOp.AVG),
        "can't be cast to the desired output type Long",
    )
    raises(RuntimeError, lambda: dist.all_reduce(torch.ones(2), op=dist.ReduceOp.BAND), "non-integral")
    raises(ValueError, lambda: dist.broadcast(torch.ones(2)), "Must specify global_rank or group_rank")
    raises(RuntimeError, lambda: dist.broadcast(torch.ones(2), group_src=n), "invalid root rank")
    raises(RuntimeError, lambda: dist.all_gather([torch.zeros(2)] * (n + 1), torch.ones(2)), f"expected length {n}")
    raises(RuntimeError, lambda: dist.all_gather([torch.zeros(3)] * n, torch.ones(2)), "invalid tensor size")
    raises(ValueError, lambda: dist.all_gather_into_tensor(torch.zeros(2 * n + 1), torch.ones(2)), "world_size")
    raises(TypeError, lambda: dist.all_reduce([1.0, 2.0]), "Expected parameter `tensor` of type torch.Tensor")
    if r == 0:
        raises(ValueError, lambda: dist.gather(torch.ones(2), None, dst=0), "must be specified on destination")
        raises(ValueError, lambda: dist.send(torch.ones(2), dst=0), "should not be the same")
    else:
        raises(ValueError, lambda: dist.gather(torch.ones(2), [torch.ones(2)] * n, dst=0), "must NOT be specified")
    raises(ValueError, lambda: dist.init_process_group("mpi"), "twice")


def main() -> None:
    before_init()
    dist.init_process_group(backend="mpi", init_method="env://", timeout=timedelta(seconds=60))
    r, n = dist.get_rank(), dist.get_world_size()
    assert dist.is_initialized() and dist.is_available()
    reductions(r, n)
    movement(r, n)
    groups(r, n)
    errors(r, n)
    dist.destroy_process_group()
    assert not dist.is_initialized()
    # a second process group after destroying the first
    dist.init_process_group("gloo")
    t = torch.ones(1)
    dist.all_reduce(t)
    assert t.item() == n
    dist.destroy_process_group()
    print(f"OK rank {r}", flush=True)


if __name__ == "__main__":
    main()
