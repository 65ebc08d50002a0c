"""Optimizers against torch.optim: same start, same gradient sequence, same parameters after every step."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

import chainrule
import chainrule.nn
import chainrule.optim as coptim

SHAPES = [(4, 5), (7,), (), (0, 3)]
TOL = {"float32": dict(rtol=1e-6, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-12)}

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, weight_decay=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    ("SGD", dict(lr=0.05, momentum=0.9, maximize=True)),
    ("SGD", dict(lr=0.05, maximize=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, amsgrad=True, maximize=True, weight_decay=0.05)),
    ("Adam", dict(lr=0.02, betas=(0.3, 0.6))),
    ("Adam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1, amsgrad=True)),
    ("AdamW", dict(lr=0.01, maximize=True, betas=(0.7, 0.95))),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01, momentum=0.9)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.02, maximize=True)),
    ("RMSprop", dict(lr=0.01, alpha=0.8, centered=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05)),
    ("Adagrad", dict(lr=0.1, initial_accumulator_value=0.5, eps=1e-6)),
    ("Adagrad", dict(lr=0.1, maximize=True, lr_decay=0.1)),
]


def _params(T, arrays):
    P = torch.nn.Parameter if T is torch else chainrule.nn.Parameter
    return [P(T.tensor(a.copy())) for a in arrays]


def _run(T, name, kw, arrays, steps, seed=0, groups=None, start=None):
    """Steps on a noisy quadratic: grad = p - target + noise, drawn from a seeded NumPy stream."""
    params = _params(T, arrays)
    opt_cls = getattr(torch.optim if T is torch else coptim, name)
    if groups is not None:
        opt = opt_cls([dict(params=[params[i] for i in idx], **g) for idx, g in groups], **kw)
    else:
        opt = opt_cls(params, **kw)
    rng = np.random.default_rng(seed)
    targets = [rng.standard_normal(a.shape).astype(a.dtype) for a in arrays]
    for _ in range(steps):
        for p, t in zip(params, targets):
            noise = rng.standard_normal(t.shape).astype(t.dtype)
            p.grad = T.tensor(p.detach().numpy() - t + 0.5 * noise)
        opt.step()
    return params, opt


def _arrays(dtype, shapes=SHAPES, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_parity_with_torch(name, kw, dtype):
    arrays = _arrays(dtype)
    tp, topt = _run(torch, name, kw, arrays, 25)
    cp, copt = _run(chainrule, name, kw, arrays, 25)
    for i, (c, t) in enumerate(zip(cp, tp)):
        assert c.dtype == getattr(chainrule, dtype)
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), **TOL[dtype], err_msg=f"param {i}")
    # the optimizer state matches too (same keys, same values)
    tsd, csd = topt.state_dict(), copt.state_dict()
    assert tsd["param_groups"] == csd["param_groups"]
    assert sorted(tsd["state"]) == sorted(csd["state"])
    for k, tstate in tsd["state"].items():
        assert list(tstate) == list(csd["state"][k])
        for key, tv in tstate.items():
            cv = csd["state"][k][key]
            assert str(cv.dtype) == str(tv.dtype), key
            tol = TOL[dtype] if key != "step" else dict(rtol=0, atol=0)
            np.testing.assert_allclose(cv.numpy(), tv.numpy(), rtol=tol["rtol"] * 10, atol=tol["atol"] * 10)


@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", dict(lr=0.1, momentum=0.9)),
        ("Adam", dict(lr=0.01)),
        ("RMSprop", dict(lr=0.01, centered=True)),
        ("Adagrad", dict(lr=0.1)),
    ],
)
def test_two_param_groups(name, kw):
    arrays = _arrays("float64")
    groups = [([0, 2], dict(lr=kw["lr"] * 0.1)), ([1, 3], {})]
    tp, topt = _run(torch, name, kw, arrays, 20, groups=groups)
    cp, copt = _run(chainrule, name, kw, arrays, 20, groups=groups)
    for c, t in zip(cp, tp):
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
    assert topt.state_dict()["param_groups"] == copt.state_dict()["param_groups"]
    assert repr(topt) == repr(copt)


@pytest.mark.parametrize("name,kw", CASES[::3], ids=[n for n, _ in CASES[::3]])
def test_repr_matches_torch(name, kw):
    t = getattr(torch.optim, name)(_params(torch, _arrays("float32")), **kw)
    c = getattr(coptim, name)(_params(chainrule, _arrays("float32")), **kw)
    assert repr(c) == repr(t)


def _to_torch_sd(sd):
    return {
        "state": {k: {n: torch.tensor(v.numpy()) for n, v in s.items()} for k, s in sd["state"].items()},
        "param_groups": sd["param_groups"],
    }


def _to_ours_sd(sd):
    return {
        "state": {k: {n: chainrule.tensor(v.numpy()) for n, v in s.items()} for k, s in sd["state"].items()},
        "param_groups": sd["param_groups"],
    }


@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
        ("AdamW", dict(lr=0.01)),
        ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)),
        ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
    ],
)
def test_state_dict_round_trip_and_resume(name, kw):
    arrays = _arrays("float64")
    cp, copt = _run(chainrule, name, kw, arrays, 10)
    sd = copt.state_dict()
    assert all(isinstance(k, int) for k in sd["state"])
    assert sd["param_groups"][0]["params"] == [0, 1, 2, 3]
    # a fresh optimizer on copies of the parameters resumes identically
    params2 = _params(chainrule, [p.detach().numpy() for p in cp])
    opt2 = getattr(coptim, name)(params2, **kw)
    opt2.load_state_dict(sd)
    # loaded state is copied, not shared with the source optimizer
    for k, st in sd["state"].items():
        for key, v in st.items():
            assert opt2.state[params2[k]][key] is not v
    rng = np.random.default_rng(5)
    for _ in range(10):
        gs = [rng.standard_normal(p.shape) for p in cp]
        for ps, opt in ((cp, copt), (params2, opt2)):
            for p, g in zip(ps, gs):
                p.grad = chainrule.tensor(g)
            opt.step()
    for a, b in zip(cp, params2):
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize(
    "name,kw",
    [
        ("SGD", dict(lr=0.05, momentum=0.9)),
        ("Adam", dict(lr=0.01, amsgrad=True)),
        ("RMSprop", dict(lr=0.01, centered=True, momentum=0.3)),
        ("Adagrad", dict(lr=0.1)),
    ],
)
def test_state_dict_interchange_with_torch(name, kw):
    """torch's state dict loads into ours (and ours into torch) and training continues identically."""
    arrays = _arrays("float64")
    tp, topt = _run(torch, name, kw, arrays, 8)
    cp = _params(chainrule, [p.detach().numpy() for p in tp])
    copt = getattr(coptim, name)(cp, **kw)
    copt.load_state_dict(_to_ours_sd(topt.state_dict()))
    tp2 = _params(torch, [p.detach().numpy() for p in tp])
    topt2 = getattr(torch.optim, name)(tp2, **kw)
    topt2.load_state_dict(_to_torch_sd(copt.state_dict()))
    rng = np.random.default_rng(9)
    for _ in range(8):
        gs = [rng.standard_normal(a.shape) for a in arrays]
        for T, ps, opt in ((torch, tp, topt), (chainrule, cp, copt), (torch, tp2, topt2)):
            for p, g in zip(ps, gs):
                p.grad = T.tensor(g)
            opt.step()
    for c, t, t2 in zip(cp, tp, tp2):
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(t2.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)


def test_load_state_dict_errors_and_casting():
    p = chainrule.nn.Parameter(chainrule.ones(3, dtype=chainrule.float64))
    opt = coptim.Adam([p], lr=0.1)
    p.grad = chainrule.ones(3, dtype=chainrule.float64)
    opt.step()
    sd = opt.state_dict()
    q = chainrule.nn.Parameter(chainrule.ones(3))  # float32
    opt32 = coptim.Adam([q], lr=0.1)
    opt32.load_state_dict(sd)
    assert opt32.state[q]["exp_avg"].dtype == chainrule.float32
    assert opt32.state[q]["step"].dtype == chainrule.float32
    with pytest.raises(ValueError, match="different number of parameter groups"):
        coptim.Adam([{"params": [q]}, {"params": [chainrule.nn.Parameter(chainrule.ones(1))]}]).load_state_dict(sd)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        coptim.Adam([q, chainrule.nn.Parameter(chainrule.ones(1))]).load_state_dict(sd)


def test_constructor_errors_match_torch():
    cases = [
        ("SGD", dict(lr=-1.0)),
        ("SGD", dict(lr=0.1, momentum=-0.5)),
        ("SGD", dict(lr=0.1, weight_decay=-1)),
        ("SGD", dict(lr=0.1, nesterov=True)),
        ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True)),
        ("Adam", dict(lr=-0.1)),
        ("Adam", dict(eps=-1.0)),
        ("Adam", dict(betas=(1.0, 0.9))),
        ("Adam", dict(betas=(0.9, -0.1))),
        ("Adam", dict(weight_decay=-0.1)),
        ("AdamW", dict(betas=(0.9, 1.5))),
        ("RMSprop", dict(alpha=-0.1)),
        ("RMSprop", dict(momentum=-1)),
        ("RMSprop", dict(eps=-1)),
        ("Adagrad", dict(lr_decay=-1)),
        ("Adagrad", dict(initial_accumulator_value=-1)),
        ("Adagrad", dict(eps=-1)),
        ("Adagrad", dict(weight_decay=-1)),
    ]
    for name, kw in cases:
        with pytest.raises(ValueError) as te:
            getattr(torch.optim, name)(_params(torch, _arrays("float32")), **kw)
        with pytest.raises(ValueError, match=re.escape(str(te.value))):
            getattr(coptim, name)(_params(chainrule, _arrays("float32")), **kw)
    assert str(te.value)  # the messages compared above are non-empty
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        coptim.SGD(_params(chainrule, _arrays("float32")), lr=-1.0)


def test_param_validation():
    p = chainrule.nn.Parameter(chainrule.ones(2))
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        coptim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="params argument given to the optimizer should be an iterable"):
        coptim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="optimizer can only optimize Tensors, but one of the params is int"):
        coptim.SGD([1], lr=0.1)
    with pytest.raises(TypeError, match="ordered collections"):
        coptim.SGD([{"params": {p}}], lr=0.1)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        coptim.SGD([p * 2], lr=0.1)
    opt = coptim.SGD([p], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [p]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([p])
    with pytest.warns(UserWarning, match="duplicate parameters"):
        q = chainrule.nn.Parameter(chainrule.ones(2))
        coptim.SGD([q, q], lr=0.1)


def test_add_param_group_fills_defaults_and_names():
    a, b = chainrule.nn.Parameter(chainrule.ones(2)), chainrule.nn.Parameter(chainrule.ones(3))
    opt = coptim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    g = opt.param_groups[1]
    assert g["params"] == [b] and g["lr"] == 0.01 and g["momentum"] == 0.9 and g["nesterov"] is False
    named = coptim.Adam([("w", a), ("b", b)], lr=0.1)
    assert named.param_groups[0]["param_names"] == ["w", "b"]
    assert named.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="all optimizer param groups should be with/without names"):
        named.add_param_group({"params": [chainrule.nn.Parameter(chainrule.ones(1))]})


def test_zero_grad_skips_and_versions():
    a = chainrule.nn.Parameter(chainrule.ones(3))
    b = chainrule.nn.Parameter(chainrule.ones(3))
    opt = coptim.Adam([a, b], lr=0.1)
    a.grad = chainrule.ones(3)
    v0 = a._version
    opt.step()
    assert a._version == v0 + 1
    assert b not in opt.state and len(opt.state) == 1  # params without grad are skipped entirely
    np.testing.assert_array_equal(b.detach().numpy(), np.ones(3, np.float32))
    assert not np.allclose(a.detach().numpy(), 1)
    g = a.grad
    opt.zero_grad(set_to_none=False)
    assert a.grad is g and np.all(g.numpy() == 0)
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_closure_and_step_in_training_loop():
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 3)), rng.standard_normal(16)
    w0 = rng.standard_normal(3)
    results = []
    for T, optim in ((torch, torch.optim), (chainrule, coptim)):
        P = torch.nn.Parameter if T is torch else chainrule.nn.Parameter
        w = P(T.tensor(w0.copy()))
        opt = optim.SGD([w], lr=0.1, momentum=0.9)
        X, Y = T.tensor(x), T.tensor(y)
        losses = []

        def closure(opt=opt, X=X, Y=Y, w=w):
            opt.zero_grad()
            loss = (((X * w).sum(1) - Y) ** 2).mean()
            loss.backward()
            return loss

        for _ in range(20):
            losses.append(opt.step(closure).item())
        results.append((losses, w.detach().numpy()))
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-12)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-12)
    assert results[1][0][-1] < results[1][0][0]


def test_step_under_grad_mode_does_not_record():
    w = chainrule.nn.Parameter(chainrule.ones(2))
    w.grad = chainrule.ones(2)
    coptim.SGD([w], lr=0.5).step()
    assert w.grad_fn is None and w.requires_grad and w.is_leaf
    np.testing.assert_array_equal(w.detach().numpy(), [0.5, 0.5])


def test_step_hooks():
    w = chainrule.nn.Parameter(chainrule.ones(2))
    opt = coptim.SGD([w], lr=0.5)
    calls = []
    h1 = opt.register_step_pre_hook(lambda o, a, k: calls.append(("pre", o is opt)))
    opt.register_step_post_hook(lambda o, a, k: calls.append(("post", w.detach().numpy()[0])))
    w.grad = chainrule.ones(2)
    opt.step()
    assert calls == [("pre", True), ("post", 0.5)]
    h1.remove()
    opt.step()
    assert calls[-1] == ("post", 0.0) and len(calls) == 3


def test_adagrad_state_initialized_eagerly():
    arrays = _arrays("float32")
    t = torch.optim.Adagrad(_params(torch, arrays), initial_accumulator_value=0.25).state_dict()
    c = coptim.Adagrad(_params(chainrule, arrays), initial_accumulator_value=0.25).state_dict()
    assert sorted(t["state"]) == sorted(c["state"])
    for k in t["state"]:
        np.testing.assert_array_equal(c["state"][k]["sum"].numpy(), t["state"][k]["sum"].numpy())
        assert c["state"][k]["step"].item() == 0.0


def test_tensor_lr_and_setting_lr_in_groups():
    a = chainrule.nn.Parameter(chainrule.ones(2, dtype=chainrule.float64))
    opt = coptim.SGD([a], lr=chainrule.tensor(0.5))
    a.grad = chainrule.ones(2, dtype=chainrule.float64)
    opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), [0.5, 0.5])
    opt.param_groups[0]["lr"] = 0.25
    opt.step()
    np.testing.assert_array_equal(a.detach().numpy(), [0.25, 0.25])


def test_no_warning_on_plain_step():
    w = chainrule.nn.Parameter(chainrule.ones(2))
    w.grad = chainrule.ones(2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        coptim.AdamW([w]).step()
