"""Run under ``mpiexec -n N``: DistributedDataParallel against one process on the whole batch.

Each rank trains a DDP replica on its 16-sample share of a global batch of 16*N while also
training a plain reference model on the whole batch; after 20 SGD and 20 Adam steps the two
must agree to rtol 1e-10 (float64). Also: no_sync accumulation, unused parameters, buffer
broadcast, state_dict keys, construction checks and the training helpers.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np

import chainrule as torch
import chainrule.distributed as dist
import chainrule.nn as nn
import chainrule.nn.functional as F
from chainrule.distributed import training
from chainrule.nn.parallel import DistributedDataParallel as DDP

B = 16


def mlp(seed: int) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(10, 32), nn.Tanh(), nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 3)).double()


def batches(n: int, steps: int):
    rng = np.random.default_rng(42)
    xs = torch.tensor(rng.normal(size=(steps, B * n, 10)))
    ys = torch.tensor(rng.integers(0, 3, size=(steps, B * n)))
    return xs, ys


def assert_params_close(ref: nn.Module, model: nn.Module, what: str) -> None:
    for (name, a), b in zip(ref.named_parameters(), model.parameters()):
        np.testing.assert_allclose(b._data, a._data, rtol=1e-10, atol=1e-13, err_msg=f"{what}: {name}")


def assert_same_on_all_ranks(model: nn.Module, n: int, what: str) -> None:
    for name, p in model.named_parameters():
        got = [torch.zeros_like(p.detach()) for _ in range(n)]
        dist.all_gather(got, p.detach())
        for q in range(n):
            np.testing.assert_array_equal(got[q]._data, p._data, err_msg=f"{what}: {name} differs on rank {q}")


def equivalence(r: int, n: int) -> None:
    xs, ys = batches(n, 20)
    configs = [
        ("SGD", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9), {}),
        ("Adam", lambda ps: torch.optim.Adam(ps, lr=0.01), {"bucket_cap_mb": 0.002, "gradient_as_bucket_view": True}),
    ]
    for name, make_opt, kw in configs:
        ref = mlp(0)
        model = mlp(0 if r == 0 else 100 + r)  # other ranks start elsewhere: DDP broadcasts rank 0's
        ddp = DDP(model, **kw)
        if kw:
            assert len(ddp._reducer.buckets) > 1, "a small bucket cap should give several buckets"
        opt_ref, opt = make_opt(ref.parameters()), make_opt(ddp.parameters())
        for s in range(20):
            opt_ref.zero_grad()
            F.cross_entropy(ref(xs[s]), ys[s]).backward()
            opt_ref.step()
            opt.zero_grad()
            F.cross_entropy(ddp(xs[s][r * B : (r + 1) * B]), ys[s][r * B : (r + 1) * B]).backward()
            opt.step()
        assert_params_close(ref, model, f"DDP {name} after 20 steps")
        assert_same_on_all_ranks(model, n, f"DDP {name}")


def overlap(r: int, n: int) -> None:
    """Buckets are reduced while backward still runs: when the last gradient arrives, every other
    bucket is already in flight (buckets follow the arrival order recorded in the first backward)."""
    model = mlp(2)
    ddp = DDP(model, bucket_cap_mb=0.001)
    xs, ys = batches(n, 2)
    seen = []
    for p in model.parameters():
        p.register_hook(lambda g: seen.append(ddp._reducer.next))
    for s in range(2):
        seen.clear()
        F.cross_entropy(ddp(xs[s][r * B : (r + 1) * B]), ys[s][r * B : (r + 1) * B]).backward()
    nb = len(ddp._reducer.buckets)
    assert nb >= 3, [b.members for b in ddp._reducer.buckets]
    assert seen[0] == 0 and seen[-1] == nb - 1, f"buckets launched when each gradient arrived: {seen}"


def accumulation(r: int, n: int) -> None:
    xs, ys = batches(n, 3)
    ref, model = mlp(1), mlp(1)
    ddp = DDP(model)
    for k in range(3):
        F.cross_entropy(ref(xs[k]), ys[k]).backward()
    for k in range(2):
        with ddp.no_sync():
            F.cross_entropy(ddp(xs[k][r * B : (r + 1) * B]), ys[k][r * B : (r + 1) * B]).backward()
    # inside no_sync nothing was exchanged: the gradient is this rank's own
    local = mlp(1)
    for k in range(2):
        F.cross_entropy(local(xs[k][r * B : (r + 1) * B]), ys[k][r * B : (r + 1) * B]).backward()
    for a, b in zip(local.parameters(), model.parameters()):
        np.testing.assert_allclose(b.grad._data, a.grad._data, rtol=1e-12)
    F.cross_entropy(ddp(xs[2][r * B : (r + 1) * B]), ys[2][r * B : (r + 1) * B]).backward()
    for (name, a), b in zip(ref.named_parameters(), model.parameters()):
        np.testing.assert_allclose(b.grad._data, a.grad._data, rtol=1e-10, atol=1e-14, err_msg=f"no_sync: {name}")


class TwoBranch(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(3)
        self.trunk = nn.Linear(4, 4).double()
        self.a = nn.Linear(4, 1).double()
        self.b = nn.Linear(4, 1).double()
        self.never = nn.Linear(4, 1).double()

    def forward(self, x, use_b: bool):
        h = self.trunk(x)
        return self.b(h) if use_b else self.a(h)


def unused_parameters(r: int, n: int) -> None:
    x = torch.tensor(np.random.default_rng(r).normal(size=(5, 4)))
    # branch b only on rank 0, a elsewhere: each gets the mean over ranks with zeros from ranks that skipped it
    model = TwoBranch()
    ddp = DDP(model, find_unused_parameters=True)
    ddp(x, use_b=(r == 0)).sum().backward()
    local = TwoBranch()
    local(x, use_b=(r == 0)).sum().backward()
    grads = {}
    for name, p in local.named_parameters():
        g = p.grad._data if p.grad is not None else np.zeros_like(p._data)
        t = torch.tensor(g.copy())
        dist.all_reduce(t)
        grads[name] = t._data / n
    for name, p in model.named_parameters():
        if name.startswith("never"):
            assert p.grad is None, "a parameter no rank used keeps grad None"
        elif name.startswith("a") and n == 1:
            assert p.grad is None
        else:
            np.testing.assert_allclose(p.grad._data, grads[name], rtol=1e-12, err_msg=f"unused params: {name}")
    # without find_unused_parameters the missing gradients are reported at the next forward
    strict = DDP(TwoBranch())
    strict(x, use_b=False).sum().backward()
    try:
        strict(x, use_b=False)
    except RuntimeError as e:
        assert "Expected to have finished reduction in the prior iteration" in str(e), e
        assert "b.weight" in str(e) and "never.weight" in str(e), e
    else:
        raise AssertionError("unused parameters without find_unused_parameters should raise")


def buffers_and_state(r: int, n: int) -> None:
    torch.manual_seed(5)
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)).double()
    model[1].running_mean.fill_(float(r))  # each rank differs; rank 0's values win at construction
    ddp = DDP(model)
    np.testing.assert_array_equal(model[1].running_mean._data, np.zeros(4))
    model[1].running_var.fill_(float(r + 1))
    x = torch.tensor(np.random.default_rng(r).normal(size=(8, 3)))
    ddp(x)  # buffers taken from rank 0 first, then updated with this rank's batch
    h = model[0](x).detach()._data
    want = 0.9 * 1.0 + 0.1 * h.var(0, ddof=1)
    np.testing.assert_allclose(model[1].running_var._data, want, rtol=1e-12)
    keys = list(ddp.state_dict())
    assert keys == ["module." + k for k in model.state_dict()], keys
    assert ddp.module is model
    ddp.load_state_dict(ddp.state_dict())
    with torch.no_grad():  # no gradient sync expected, and no buffer sync: ranks may run this alone
        ddp(x)


def construction_errors(r: int, n: int) -> None:
    try:
        DDP(nn.Linear(3, 2), device_ids=[0])
    except ValueError as e:
        assert "device_ids" in str(e)
    else:
        raise AssertionError("device_ids on CPU should raise")
    if n > 1:
        try:
            DDP(nn.Linear(3, 2 + r))
        except RuntimeError as e:
            assert "DDP expects same model across all ranks" in str(e), e
        else:
            raise AssertionError("different models on different ranks should raise")


def helpers(r: int, n: int) -> None:
    assert training.setup() == (r, n)
    assert training.is_main_process() == (r == 0)
    assert training.rank_zero_only(lambda: "written")() == ("written" if r == 0 else None)
    m = training.average_metrics({"loss": float(r), "acc": 1.0}, weight=r + 1)
    want = sum(q * (q + 1) for q in range(n)) / sum(q + 1 for q in range(n))
    assert abs(m["loss"] - want) < 1e-12 and abs(m["acc"] - 1.0) < 1e-12, m
    ds = torch.utils.data.TensorDataset(torch.arange(37.0))
    loader = training.shard_loader(torch.utils.data.DataLoader(ds, batch_size=4, shuffle=True))
    training.set_epoch(loader, 3)
    mine = [int(v) for (b,) in loader for v in b.tolist()]
    every = [None] * n
    dist.all_gather_object(every, mine)
    if n > 1:
        assert isinstance(loader.sampler, torch.utils.data.DistributedSampler)
    flat = [i for e in every for i in e]
    assert set(flat) == set(range(37)) and len(flat) == -(-37 // n) * n, every
    assert len({len(e) for e in every}) == 1, "every rank gets the same number of samples"
    model = training.wrap_model(nn.Linear(2, 2))
    assert isinstance(model, DDP) == (n > 1)
    assert isinstance(training.unwrap(model), nn.Linear)


def main() -> None:
    dist.init_process_group("mpi", timeout=timedelta(seconds=60))
    r, n = dist.get_rank(), dist.get_world_size()
    equivalence(r, n)
    overlap(r, n)
    accumulation(r, n)
    unused_parameters(r, n)
    buffers_and_state(r, n)
    construction_errors(r, n)
    helpers(r, n)
    dist.destroy_process_group()
    print(f"OK rank {r}", flush=True)


if __name__ == "__main__":
    main()
