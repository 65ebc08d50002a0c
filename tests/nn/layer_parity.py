"""Module-level parity: build a layer in torch and chainrule, copy torch's weights, compare everything.

``check_module(lambda nn: nn.Conv2d(3, 4, 3), [(2, 3, 8, 8)])`` compares state_dict keys, outputs,
input gradients and parameter gradients in float32 and float64.
"""

from __future__ import annotations

import numpy as np
import torch
from helpers import assert_close

import chainrule
import chainrule.nn  # noqa: F401


def flat(out):
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flat(o)]
    return [out]


def copy_state(ours, theirs):
    """Load torch's state_dict (parameters and buffers) into the chainrule module."""
    sd = {k: chainrule.tensor(v.detach().numpy().copy()) for k, v in theirs.state_dict().items()}
    ours.load_state_dict(sd)


def build(make, dtype, seed=0):
    torch.manual_seed(seed)
    tm = make(torch.nn)
    cm = make(chainrule.nn)
    if dtype == "float64":
        tm, cm = tm.double(), cm.double()
    assert list(cm.state_dict().keys()) == list(tm.state_dict().keys())
    copy_state(cm, tm)
    return tm, cm


def check_module(
    make, shapes, dtypes=("float32", "float64"), arrays=None, call=None, train=True, tol_scale=1.0, seed=0, grad=True
):
    """Outputs, input grads and parameter grads of ``make(nn)`` applied to inputs of ``shapes`` match torch."""
    call = call or (lambda m, *xs: m(*xs))
    for dtype in dtypes:
        tm, cm = build(make, dtype, seed)
        tm.train(train)
        cm.train(train)
        rng = np.random.default_rng(seed)
        arrs = arrays if arrays is not None else [rng.uniform(-2, 2, s).astype(dtype) for s in shapes]
        tt = [torch.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrs]
        ct = [chainrule.tensor(a, requires_grad=grad and a.dtype.kind == "f") for a in arrs]
        t_out = [o for o in flat(call(tm, *tt)) if isinstance(o, torch.Tensor)]
        c_out = [o for o in flat(call(cm, *ct)) if isinstance(o, chainrule.Tensor)]
        assert len(t_out) == len(c_out)
        for i, (c, t) in enumerate(zip(c_out, t_out)):
            assert str(c.dtype) == str(t.dtype), f"output {i}: {c.dtype} != {t.dtype}"
            assert_close(c.detach().numpy(), t.detach().numpy(), dtype, f"output {i} ({dtype})", tol_scale)
        for (kc, bc), (kt, bt) in zip(cm.named_buffers(), tm.named_buffers()):
            assert kc == kt
            assert_close(bc.numpy(), bt.numpy(), dtype, f"buffer {kc} ({dtype})", tol_scale)
        if not grad:
            continue
        diff = [(c, t) for c, t in zip(c_out, t_out) if t.requires_grad]
        gs = [rng.standard_normal(t.shape).astype(dtype) for _, t in diff]
        torch.autograd.backward([t for _, t in diff], [torch.tensor(g) for g in gs])
        chainrule.autograd.backward([c for c, _ in diff], [chainrule.tensor(g) for g in gs])
        for k, (c, t) in enumerate(zip(ct, tt)):
            if t.requires_grad:
                assert_close(c.grad.numpy(), t.grad.numpy(), dtype, f"grad of input {k} ({dtype})", tol_scale)
        for (nc, pc), (nt, pt) in zip(cm.named_parameters(), tm.named_parameters()):
            assert nc == nt
            if pt.grad is None:
                assert pc.grad is None, f"{nc}: torch has no grad"
                continue
            assert pc.grad is not None, f"{nc}: no grad"
            assert_close(pc.grad.numpy(), pt.grad.numpy(), dtype, f"grad of {nc} ({dtype})", tol_scale)
    return tm, cm


def sgd_curve(model, make_batch, steps=5, lr=0.1, loss_fn=None):
    """Losses of ``steps`` plain SGD steps (p -= lr * p.grad under no_grad) on ``model``."""
    T = torch if isinstance(model, torch.nn.Module) else chainrule
    losses = []
    for step in range(steps):
        inputs, target = make_batch(T, step)
        out = model(*inputs)
        loss = loss_fn(T, out, target)
        for p in model.parameters():
            p.grad = None
        loss.backward()
        with T.no_grad():
            for p in model.parameters():
                if p.grad is not None:
                    p -= lr * p.grad
        losses.append(loss.item())
    return np.array(losses)
