"""LR schedulers against torch.optim.lr_scheduler: identical lr (and momentum) sequences and state dicts."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn
import chainrule.optim as coptim

EPOCHS = 40


def _optimizer(T, opt="SGD", groups=2):
    P = torch.nn.Parameter if T is torch else chainrule.nn.Parameter
    optim = torch.optim if T is torch else coptim
    params = [P(T.ones(2)) for _ in range(groups)]
    kw = dict(momentum=0.9) if opt == "SGD" else {}
    lrs = [0.1, 0.05, 0.3][:groups]
    return getattr(optim, opt)([{"params": [p], "lr": lr} for p, lr in zip(params, lrs)], **kw)


def _sched(T, name, args, opt="SGD"):
    o = _optimizer(T, opt)
    mod = torch.optim.lr_scheduler if T is torch else coptim.lr_scheduler
    return o, getattr(mod, name)(o, *args(T, o) if callable(args) else (), **({} if callable(args) else args))


def _trace(o, s, epochs=EPOCHS, metrics=None):
    out = [(s.get_last_lr(), [dict((k, v) for k, v in g.items() if k != "params") for g in o.param_groups])]
    for e in range(epochs):
        o.step()
        if metrics is not None:
            s.step(metrics[e])
        else:
            s.step()
        out.append(
            (list(s.get_last_lr()), [dict((k, v) for k, v in g.items() if k != "params") for g in o.param_groups])
        )
    return out


class Scale:
    """A callable object (its state is saved by LambdaLR.state_dict)."""

    def __init__(self, rate):
        self.rate = rate

    def __call__(self, epoch):
        return self.rate**epoch


SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("StepLR", dict(step_size=1)),
    ("MultiStepLR", dict(milestones=[5, 12, 12, 30], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.93)),
    ("CosineAnnealingLR", dict(T_max=10)),
    ("CosineAnnealingLR", dict(T_max=13, eta_min=0.001)),
    ("LambdaLR", dict(lr_lambda=lambda e: 1.0 / (1 + e))),
    ("LambdaLR", dict(lr_lambda=[lambda e: 0.95**e, lambda e: max(0.1, 1 - e / 20)])),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.97)),
    ("LinearLR", dict()),
    ("LinearLR", dict(start_factor=0.1, end_factor=0.6, total_iters=17)),
    ("ConstantLR", dict(factor=0.5, total_iters=9)),
    ("PolynomialLR", dict(total_iters=25, power=2.0)),
    ("OneCycleLR", dict(max_lr=1.0, total_steps=EPOCHS + 1)),
    ("OneCycleLR", dict(max_lr=[0.5, 2.0], epochs=6, steps_per_epoch=7, anneal_strategy="linear")),
    (
        "OneCycleLR",
        dict(
            max_lr=0.8,
            total_steps=EPOCHS,
            pct_start=0.25,
            three_phase=True,
            div_factor=10.0,
            final_div_factor=100.0,
            base_momentum=0.8,
            max_momentum=0.9,
        ),
    ),
    ("OneCycleLR", dict(max_lr=0.8, total_steps=EPOCHS, cycle_momentum=False)),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=4)),
    ("CyclicLR", dict(base_lr=[0.01, 0.02], max_lr=0.2, step_size_up=3, step_size_down=5, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=6, mode="exp_range", gamma=0.97)),
    ("CosineAnnealingWarmRestarts", dict(T_0=6)),
    ("CosineAnnealingWarmRestarts", dict(T_0=3, T_mult=2, eta_min=0.01)),
]


@pytest.mark.parametrize("name,kw", SCHEDULERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(SCHEDULERS)])
def test_lr_sequence_matches_torch(name, kw):
    to, ts = _sched(torch, name, kw)
    co, cs = _sched(chainrule, name, kw)
    expected, got = _trace(to, ts), _trace(co, cs)
    assert got == expected  # exact: the same Python float arithmetic
    assert len({tuple(lrs) for lrs, _ in got}) > 1 or name == "ConstantLR"


@pytest.mark.parametrize(
    "name,kw",
    [
        ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS + 1)),
        ("CyclicLR", dict(base_lr=0.001, max_lr=0.01, step_size_up=5)),
        ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS + 1, three_phase=True)),
    ],
)
def test_momentum_cycles_betas_for_adam(name, kw):
    to, ts = _sched(torch, name, kw, opt="Adam")
    co, cs = _sched(chainrule, name, kw, opt="Adam")
    expected, got = _trace(to, ts), _trace(co, cs)
    assert got == expected
    assert {g[0]["betas"][0] for _, g in got} != {0.9}
    assert all(isinstance(g[0]["betas"], tuple) for _, g in got)


def test_reduce_lr_on_plateau_modes():
    rng = np.random.default_rng(0)
    metrics = list(np.concatenate([np.linspace(1, 0.5, 8), 0.5 + 0.01 * rng.standard_normal(32)]))
    for kw in (
        dict(),
        dict(patience=2, factor=0.5),
        dict(mode="max", patience=1, threshold=0.05),
        dict(threshold_mode="abs", threshold=0.01, patience=1, cooldown=3, min_lr=[0.02, 0.001]),
        dict(patience=0, factor=0.3, min_lr=0.004, eps=1e-3),
        dict(mode="max", threshold_mode="abs", patience=3),
    ):
        to, ts = _sched(torch, "ReduceLROnPlateau", kw)
        co, cs = _sched(chainrule, "ReduceLROnPlateau", kw)
        expected = _trace(to, ts, metrics=metrics)
        got = _trace(co, cs, metrics=[chainrule.tensor(m) for m in metrics])
        assert got == expected, kw
        assert cs.state_dict() == ts.state_dict()
    assert got[-1][0] != got[0][0]


def test_reduce_lr_on_plateau_errors():
    o = _optimizer(chainrule)
    with pytest.raises(ValueError, match="Factor should be < 1.0."):
        coptim.lr_scheduler.ReduceLROnPlateau(o, factor=1.0)
    with pytest.raises(ValueError, match="mode foo is unknown!"):
        coptim.lr_scheduler.ReduceLROnPlateau(o, mode="foo")
    with pytest.raises(ValueError, match="threshold mode bar is unknown!"):
        coptim.lr_scheduler.ReduceLROnPlateau(o, threshold_mode="bar")
    with pytest.raises(ValueError, match="expected 2 min_lrs, got 3"):
        coptim.lr_scheduler.ReduceLROnPlateau(o, min_lr=[0, 0, 0])


def _sequential(T):
    o = _optimizer(T)
    mod = torch.optim.lr_scheduler if T is torch else coptim.lr_scheduler
    s1 = mod.LinearLR(o, start_factor=0.1, total_iters=5)
    s2 = mod.CosineAnnealingLR(o, T_max=12)
    s3 = mod.ExponentialLR(o, gamma=0.9)
    return o, mod.SequentialLR(o, [s1, s2, s3], milestones=[5, 20])


def _chained(T):
    o = _optimizer(T)
    mod = torch.optim.lr_scheduler if T is torch else coptim.lr_scheduler
    return o, mod.ChainedScheduler(
        [
            mod.ConstantLR(o, factor=0.2, total_iters=4),
            mod.ExponentialLR(o, gamma=0.95),
            mod.MultiStepLR(o, milestones=[10, 25]),
        ]
    )


@pytest.mark.parametrize("build", [_sequential, _chained])
def test_composite_schedulers(build):
    expected = _trace(*build(torch))
    got = _trace(*build(chainrule))
    assert got == expected


def test_sequential_validation():
    o = _optimizer(chainrule)
    mod = coptim.lr_scheduler
    s = mod.StepLR(o, 3)
    with pytest.raises(ValueError, match="expects number of schedulers provided to be one more"):
        mod.SequentialLR(o, [s], milestones=[3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        mod.SequentialLR(o, [s, mod.ReduceLROnPlateau(o)], milestones=[3])
    with pytest.raises(ValueError, match="to belong to the same optimizer"):
        mod.SequentialLR(o, [s, mod.StepLR(_optimizer(chainrule), 2)], milestones=[3])
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        mod.SequentialLR(o, [], milestones=[])


@pytest.mark.parametrize(
    "name,kw",
    [
        ("StepLR", dict(step_size=4, gamma=0.5)),
        ("MultiStepLR", dict(milestones=[3, 9])),
        ("ExponentialLR", dict(gamma=0.9)),
        ("CosineAnnealingLR", dict(T_max=7)),
        ("LinearLR", dict(total_iters=8)),
        ("ConstantLR", dict(total_iters=6)),
        ("PolynomialLR", dict(total_iters=10, power=0.5)),
        ("CosineAnnealingWarmRestarts", dict(T_0=4, T_mult=2)),
    ],
)
def test_explicit_epoch_uses_closed_form(name, kw):
    runs = []
    for T in (torch, chainrule):
        o, s = _sched(T, name, kw)
        lrs = []
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            for e in [1, 2, 5, 3, 11, 12, 20]:
                o.step()
                s.step(e)
                lrs.append(s.get_last_lr())
        assert any("epoch parameter" in str(x.message) for x in w) or name == "CosineAnnealingWarmRestarts"
        runs.append(lrs)
    assert runs[1] == runs[0]


@pytest.mark.parametrize(
    "name,kw",
    [
        ("StepLR", dict(step_size=4)),
        ("CosineAnnealingLR", dict(T_max=9)),
        ("OneCycleLR", dict(max_lr=0.5, total_steps=EPOCHS + 1)),
        ("CyclicLR", dict(base_lr=0.01, max_lr=0.1, step_size_up=3)),
        ("LambdaLR", dict(lr_lambda=[Scale(0.9), Scale(0.8)])),
        ("ReduceLROnPlateau", dict(patience=1)),
    ],
)
def test_state_dict_resume(name, kw):
    metrics = [1.0 / (1 + (e % 7)) for e in range(EPOCHS)]
    o, s = _sched(chainrule, name, kw)
    to, ts = _sched(torch, name, kw)
    plateau = name == "ReduceLROnPlateau"
    for e in range(15):
        for opt, sched in ((o, s), (to, ts)):
            opt.step()
            sched.step(metrics[e]) if plateau else sched.step()
    sd = s.state_dict()
    tsd = ts.state_dict()
    assert set(sd) == set(tsd)
    assert {k: v for k, v in sd.items() if k != "lr_lambdas"} == {k: v for k, v in tsd.items() if k != "lr_lambdas"}
    if name == "LambdaLR":
        assert sd["lr_lambdas"] == [{"rate": 0.9}, {"rate": 0.8}]
    # a fresh scheduler (after the optimizer state) resumes the same sequence
    o2, s2 = _sched(chainrule, name, kw)
    o2.load_state_dict(o.state_dict())
    s2.load_state_dict(sd)
    rest = metrics[15:]
    a = _trace(o, s, epochs=20, metrics=rest if plateau else None)
    b = _trace(o2, s2, epochs=20, metrics=rest if plateau else None)
    assert [x[0] for x in a] == [x[0] for x in b]


def test_last_epoch_resume_requires_initial_lr():
    o = _optimizer(chainrule)
    with pytest.raises(KeyError, match="param 'initial_lr' is not specified in param_groups\\[0\\]"):
        coptim.lr_scheduler.StepLR(o, 3, last_epoch=5)
    s = coptim.lr_scheduler.StepLR(o, 3)
    assert o.param_groups[0]["initial_lr"] == 0.1 and s.base_lrs == [0.1, 0.05]


def test_warnings_like_torch():
    for T in (torch, chainrule):
        o, s = _sched(T, "StepLR", dict(step_size=2))
        with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
            s.step()
        o, s = _sched(T, "StepLR", dict(step_size=2))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            o.step()
            s.step()
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            s.get_lr()


def test_onecycle_errors():
    o = _optimizer(chainrule)
    mod = coptim.lr_scheduler
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        mod.OneCycleLR(o, max_lr=1.0)
    with pytest.raises(ValueError, match="Expected positive integer total_steps, but got 0"):
        mod.OneCycleLR(o, max_lr=1.0, total_steps=0)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        mod.OneCycleLR(o, max_lr=1.0, total_steps=5, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        mod.OneCycleLR(o, max_lr=[1.0], total_steps=5)
    s = mod.OneCycleLR(o, max_lr=1.0, total_steps=3)
    for _ in range(3):
        o.step()
        s.step()
    with pytest.raises(ValueError, match="Tried to step 4 times. The specified number of total steps is 3"):
        o.step()
        s.step()


def test_scheduler_drives_training():
    """The scheduled lr is what the optimizer uses on its next step."""
    p = chainrule.nn.Parameter(chainrule.zeros(1, dtype=chainrule.float64))
    o = coptim.SGD([p], lr=1.0)
    s = coptim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5)
    total = 0.0
    for _ in range(6):
        p.grad = chainrule.ones(1, dtype=chainrule.float64)
        total += o.param_groups[0]["lr"]
        o.step()
        s.step()
    assert math.isclose(-p.item(), total) and total == 1 + 1 + 0.5 + 0.5 + 0.25 + 0.25


def test_step_order_warnings_match_torch():
    """The same scheduler/optimizer call orders warn (or stay silent) in both libraries."""
    orders = ["s", "os", "oss", "o|s", "o|os"]  # '|' marks where the scheduler is created
    warned = set()
    for order in orders:
        seen = []
        for T in (torch, chainrule):
            o = _optimizer(T)
            before, _, after = order.rpartition("|")
            for _ in before:
                o.step()
            mod = torch.optim.lr_scheduler if T is torch else coptim.lr_scheduler
            s = mod.StepLR(o, 2)
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                for c in after:
                    o.step() if c == "o" else s.step()
            seen.append([str(x.message)[:40] for x in w])
        assert seen[0] == seen[1], order
        if seen[0]:
            warned.add(order)
    assert warned == {"s", "o|s"}
