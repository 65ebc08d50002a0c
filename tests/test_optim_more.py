"""The rest of torch.optim (Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD, Adafactor, LBFGS) and swa_utils against
torch: same start, same gradients, same parameters, state and learning rates after every step."""

from __future__ import annotations

import copy
import re
import warnings

import numpy as np
import pytest
import torch
import torch.optim.swa_utils as tswa

import chainrule
import chainrule.nn
import chainrule.optim as coptim
import chainrule.optim.swa_utils as cswa

SHAPES = [(4, 5), (7,), (), (0, 3), (2, 3, 4)]
TOL = {"float32": dict(rtol=1e-6, atol=1e-6), "float64": dict(rtol=1e-12, atol=1e-12)}

CASES = [
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1)),
    ("Adamax", dict(lr=0.01, weight_decay=0.05, maximize=True)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, betas=(0.7, 0.9), weight_decay=0.1)),
    ("RAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-4, weight_decay=0.1)),
    ("Adadelta", dict(lr=0.5, maximize=True, weight_decay=0.02)),
    ("Rprop", dict()),
    ("Rprop", dict(lr=0.05, etas=(0.3, 1.5), step_sizes=(1e-3, 0.2))),
    ("Rprop", dict(lr=0.02, maximize=True)),
    ("ASGD", dict()),
    ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.05)),
    ("ASGD", dict(lr=0.05, t0=3, maximize=True)),
    ("Adafactor", dict()),
    ("Adafactor", dict(lr=0.05, beta2_decay=-0.5, eps=(1e-4, 1e-2), d=1.5, weight_decay=0.1)),
    ("Adafactor", dict(lr=0.05, maximize=True, eps=(None, 1e-2))),
]
NAMES = sorted({n for n, _ in CASES})


def _shapes(name):
    # torch's Adafactor divides by sqrt(numel): a size-0 parameter raises ZeroDivisionError (tested below)
    return [s for s in SHAPES if s != (0, 3)] if name == "Adafactor" else SHAPES


def _arrays(dtype, shapes=SHAPES, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s).astype(dtype) for s in shapes]


def _params(T, arrays):
    P = torch.nn.Parameter if T is torch else chainrule.nn.Parameter
    return [P(T.tensor(a.copy())) for a in arrays]


def _optim(T):
    return torch.optim if T is torch else coptim


def _feed(T, params, opt, rng, targets, steps):
    """Steps on a noisy quadratic: grad = p - target + noise, the same NumPy draws for both libraries."""
    for _ in range(steps):
        for p, t in zip(params, targets):
            noise = rng.standard_normal(t.shape).astype(t.dtype)
            p.grad = T.tensor(p.detach().numpy() - t + 0.5 * noise)
        opt.step()


def _run(T, name, kw, arrays, steps, groups=None):
    params = _params(T, arrays)
    if groups is not None:
        opt = getattr(_optim(T), name)([dict(params=[params[i] for i in idx], **g) for idx, g in groups], **kw)
    else:
        opt = getattr(_optim(T), name)(params, **kw)
    rng = np.random.default_rng(0)
    targets = [rng.standard_normal(a.shape).astype(a.dtype) for a in arrays]
    _feed(T, params, opt, rng, targets, steps)
    return params, opt


def _np(v):
    return v.detach().numpy() if hasattr(v, "detach") else np.asarray(v)


def _assert_values_equal(cv, tv, tol, key):
    if isinstance(tv, torch.Tensor):
        assert isinstance(cv, chainrule.Tensor), key
        assert str(cv.dtype) == str(tv.dtype), key
        assert tuple(cv.shape) == tuple(tv.shape), key
        np.testing.assert_allclose(_np(cv), _np(tv), **tol, err_msg=key)
    elif isinstance(tv, list):
        assert isinstance(cv, list) and len(cv) == len(tv), key
        for c, t in zip(cv, tv):
            _assert_values_equal(c, t, tol, key)
    elif isinstance(tv, float):
        assert type(cv) is float, key
        np.testing.assert_allclose(cv, tv, **tol, err_msg=key)
    else:
        assert type(cv) is type(tv) and cv == tv, key


def _assert_states_equal(csd, tsd, tol):
    assert csd["param_groups"] == tsd["param_groups"]
    assert sorted(csd["state"]) == sorted(tsd["state"])
    for k, tstate in tsd["state"].items():
        cstate = csd["state"][k]
        assert list(cstate) == list(tstate)
        for key, tv in tstate.items():
            _assert_values_equal(cstate[key], tv, dict(rtol=0, atol=0) if key == "step" else tol, key)


def _convert_sd(sd, T):
    """A state dict with every tensor (nested in lists too) rebuilt in library ``T``."""

    def conv(v):
        if isinstance(v, (torch.Tensor, chainrule.Tensor)):
            return T.tensor(_np(v).copy())
        if isinstance(v, list):
            return [conv(x) for x in v]
        return v

    return {
        "state": {k: {n: conv(v) for n, v in s.items()} for k, s in sd["state"].items()},
        "param_groups": copy.deepcopy(sd["param_groups"]),
    }


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name,kw", CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_parity_with_torch(name, kw, dtype):
    arrays = _arrays(dtype, _shapes(name))
    tp, topt = _run(torch, name, kw, arrays, 25)
    cp, copt = _run(chainrule, name, kw, arrays, 25)
    for i, (c, t) in enumerate(zip(cp, tp)):
        assert c.dtype == getattr(chainrule, dtype)
        assert not np.array_equal(_np(t), arrays[i]) or arrays[i].size == 0  # the optimizer moved it
        np.testing.assert_allclose(_np(c), _np(t), **TOL[dtype], err_msg=f"param {i}")
    tol = {k: v * 10 for k, v in TOL[dtype].items()}
    _assert_states_equal(copt.state_dict(), topt.state_dict(), tol)


@pytest.mark.parametrize("name", NAMES)
def test_small_model_with_torch_weights(name):
    """A two-layer net built in torch, copied through its state_dict, trained on the same batch."""
    kw = dict(CASES[[n for n, _ in CASES].index(name) + 1][1])
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal((16, 5)), rng.standard_normal((16, 3))
    torch.manual_seed(0)
    tnet = torch.nn.Sequential(torch.nn.Linear(5, 8), torch.nn.Tanh(), torch.nn.Linear(8, 3)).double()
    cnet = chainrule.nn.Sequential(chainrule.nn.Linear(5, 8), chainrule.nn.Tanh(), chainrule.nn.Linear(8, 3)).double()
    cnet.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tnet.state_dict().items()})
    losses = []
    for T, net in ((torch, tnet), (chainrule, cnet)):
        opt = getattr(_optim(T), name)(net.parameters(), **kw)
        X, Y = T.tensor(x), T.tensor(y)
        run = []
        for _ in range(25):
            opt.zero_grad()
            loss = ((net(X) - Y) ** 2).mean()
            loss.backward()
            opt.step()
            run.append(loss.item())
        losses.append(run)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-11)
    assert losses[0][-1] != losses[0][0]
    for (k, t), c in zip(tnet.state_dict().items(), cnet.state_dict().values()):
        np.testing.assert_allclose(_np(c), t.numpy(), rtol=1e-10, atol=1e-12, err_msg=k)


@pytest.mark.parametrize("name", NAMES)
def test_two_param_groups_and_repr(name):
    kw = dict(CASES[[n for n, _ in CASES].index(name)][1])
    arrays = _arrays("float64", [(3, 4), (5,), (2, 2), ()])
    groups = [([0, 2], dict(lr=0.003)), ([1, 3], {})]
    tp, topt = _run(torch, name, kw, arrays, 15, groups=groups)
    cp, copt = _run(chainrule, name, kw, arrays, 15, groups=groups)
    for c, t in zip(cp, tp):
        np.testing.assert_allclose(_np(c), _np(t), rtol=1e-12, atol=1e-12)
    assert repr(copt) == repr(topt)
    assert copt.state_dict()["param_groups"] == topt.state_dict()["param_groups"]


@pytest.mark.parametrize("name", NAMES)
def test_state_dict_round_trip_and_interchange(name):
    """Our state dict resumes ours; torch's loads into ours and ours into torch; all continue identically."""
    kw = dict(CASES[[n for n, _ in CASES].index(name) + 1][1])
    arrays = _arrays("float64", _shapes(name))
    tp, topt = _run(torch, name, kw, arrays, 8)
    cp, copt = _run(chainrule, name, kw, arrays, 8)
    sd = copt.state_dict()
    assert all(isinstance(k, int) for k in sd["state"])
    # ours -> a fresh ours (state copied, not shared)
    cp2 = _params(chainrule, [_np(p) for p in cp])
    copt2 = getattr(coptim, name)(cp2, **kw)
    copt2.load_state_dict(sd)
    for k, st in sd["state"].items():
        for key, v in st.items():
            assert copt2.state[cp2[k]][key] is not v
    # torch's -> ours, ours -> torch
    cp3 = _params(chainrule, [_np(p) for p in tp])
    copt3 = getattr(coptim, name)(cp3, **kw)
    copt3.load_state_dict(_convert_sd(topt.state_dict(), chainrule))
    tp2 = _params(torch, [_np(p) for p in cp])
    topt2 = getattr(torch.optim, name)(tp2, **kw)
    topt2.load_state_dict(_convert_sd(copt.state_dict(), torch))
    rng = np.random.default_rng(9)
    runs = [(torch, tp, topt), (chainrule, cp, copt), (chainrule, cp2, copt2), (chainrule, cp3, copt3)]
    runs.append((torch, tp2, topt2))
    for _ in range(8):
        gs = [rng.standard_normal(a.shape) for a in arrays]
        for T, ps, opt in runs:
            for p, g in zip(ps, gs):
                p.grad = T.tensor(g)
            opt.step()
    for i in range(len(arrays)):
        ref = _np(tp[i])
        for _, ps, _ in runs[1:]:
            np.testing.assert_allclose(_np(ps[i]), ref, rtol=1e-12, atol=1e-12)
    _assert_states_equal(copt3.state_dict(), topt2.state_dict(), dict(rtol=1e-12, atol=1e-12))


def test_loaded_state_takes_param_dtype():
    """torch's load casts every floating state tensor but ``step`` to the parameter's dtype (ASGD's eta and mu too)."""
    src = [chainrule.nn.Parameter(chainrule.ones(3))]
    opt = coptim.ASGD(src, t0=0)
    src[0].grad = chainrule.ones(3)
    opt.step()
    dst = chainrule.nn.Parameter(chainrule.ones(3, dtype=chainrule.float64))
    opt64 = coptim.ASGD([dst], t0=0)
    opt64.load_state_dict(opt.state_dict())
    st = opt64.state[dst]
    assert st["step"].dtype == chainrule.float32
    assert st["eta"].dtype == st["mu"].dtype == st["ax"].dtype == chainrule.float64
    tdst = torch.nn.Parameter(torch.ones(3, dtype=torch.float64))
    topt = torch.optim.ASGD([tdst], t0=0)
    topt.load_state_dict(_convert_sd(opt.state_dict(), torch))
    for i in range(3):
        g = np.full(3, 0.5 + i)
        dst.grad, tdst.grad = chainrule.tensor(g), torch.tensor(g)
        opt64.step()
        topt.step()
    np.testing.assert_allclose(_np(dst), tdst.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(_np(opt64.state[dst]["ax"]), topt.state[tdst]["ax"].numpy(), rtol=1e-15)


def test_old_checkpoint_numbers_become_tensors():
    p = chainrule.nn.Parameter(chainrule.ones(2))
    opt = coptim.NAdam([p])
    p.grad = chainrule.ones(2)
    opt.step()
    sd = opt.state_dict()
    sd["state"][0]["step"] = 1.0
    sd["state"][0]["mu_product"] = 0.95
    opt.load_state_dict(sd)
    assert isinstance(opt.state[p]["step"], chainrule.Tensor) and opt.state[p]["step"].item() == 1.0
    assert opt.state[p]["mu_product"].dtype == chainrule.float32
    opt.step()
    assert opt.state[p]["step"].item() == 2.0


def test_constructor_errors_match_torch():
    cases = [
        ("Adamax", dict(lr=-1.0)),
        ("Adamax", dict(eps=-1.0)),
        ("Adamax", dict(betas=(1.0, 0.9))),
        ("Adamax", dict(betas=(0.9, -0.1))),
        ("Adamax", dict(weight_decay=-0.1)),
        ("NAdam", dict(momentum_decay=-0.1)),
        ("NAdam", dict(betas=(0.5, 1.0))),
        ("RAdam", dict(lr=-0.5)),
        ("RAdam", dict(weight_decay=-1)),
        ("Adadelta", dict(rho=1.5)),
        ("Adadelta", dict(rho=-0.1)),
        ("Adadelta", dict(eps=-1)),
        ("Adadelta", dict(lr=-1)),
        ("Rprop", dict(etas=(1.2, 0.5))),
        ("Rprop", dict(etas=(0.0, 1.2))),
        ("Rprop", dict(etas=(0.5, 1.0))),
        ("Rprop", dict(lr=-1)),
        ("ASGD", dict(lr=-1)),
        ("ASGD", dict(weight_decay=-1)),
        ("Adafactor", dict(lr=-1)),
        ("Adafactor", dict(beta2_decay=0.5)),
        ("Adafactor", dict(eps=(-1.0, 1e-3))),
        ("Adafactor", dict(eps=(None, -1e-3))),
        ("Adafactor", dict(d=0.5)),
        ("Adafactor", dict(weight_decay=-1)),
        ("LBFGS", dict(lr=-1)),
    ]
    for name, kw in cases:
        with pytest.raises(ValueError) as te:
            getattr(torch.optim, name)(_params(torch, _arrays("float32")), **kw)
        with pytest.raises(ValueError, match=re.escape(str(te.value))):
            getattr(coptim, name)(_params(chainrule, _arrays("float32")), **kw)
    with pytest.raises(ValueError, match="Tensor lr must be 1-element"):
        coptim.NAdam(_params(chainrule, _arrays("float32")), lr=chainrule.ones(2))


@pytest.mark.parametrize("name", [n for n in NAMES if n != "Adafactor"])
def test_capturable_and_differentiable_raise_like_torch_on_cpu(name):
    for flag in ("capturable", "differentiable"):
        errs = []
        for T in (torch, chainrule):
            p = _params(T, [np.ones(3, np.float32)])
            opt = getattr(_optim(T), name)(p, **{flag: True})
            p[0].grad = T.ones(3)
            with pytest.raises((AssertionError, RuntimeError)) as e:
                opt.step()
            errs.append(e)
        assert errs[1].type is errs[0].type
        assert str(errs[1].value) == str(errs[0].value)


def test_adafactor_size_zero_raises_like_torch():
    for T in (torch, chainrule):
        p = _params(T, [np.ones((0, 3), np.float32)])
        opt = _optim(T).Adafactor(p)
        p[0].grad = T.ones(0, 3)
        with pytest.raises(ZeroDivisionError):
            opt.step()


def test_adafactor_state_shapes_and_default_eps_per_group():
    arrays = [np.ones((2, 3, 4), np.float64), np.full((5,), 0.5, np.float32), np.ones((3, 2), np.float32)]
    grads = _arrays("float64", [a.shape for a in arrays], seed=4)
    res = []
    for T in (torch, chainrule):
        ps = _params(T, arrays)
        opt = _optim(T).Adafactor([{"params": ps[:2]}, {"params": ps[2:]}], lr=0.05)
        for _ in range(3):
            for p, g in zip(ps, grads):
                p.grad = T.tensor(g.astype(_np(p).dtype))
            opt.step()
        res.append(([_np(p).copy() for p in ps], {k: tuple(v.shape) for k, v in opt.state[ps[0]].items()}))
    assert res[1][1] == res[0][1] == {"step": (), "row_var": (2, 3, 1), "col_var": (2, 1, 4)}
    for c, t in zip(res[1][0], res[0][0]):
        np.testing.assert_allclose(c, t, rtol=1e-6, atol=1e-7)


def test_tensor_lr_and_lr_changes():
    for name in ("NAdam", "Adadelta", "ASGD", "Rprop"):
        out = []
        for T in (torch, chainrule):
            p = _params(T, [np.linspace(-1, 1, 6)])
            opt = getattr(_optim(T), name)(p, lr=T.tensor(0.05))
            for i in range(6):
                p[0].grad = T.tensor(np.cos(np.arange(6.0) + i))
                opt.step()
                opt.param_groups[0]["lr"] = 0.02 if i == 2 else opt.param_groups[0]["lr"]
            out.append(_np(p[0]))
        np.testing.assert_allclose(out[1], out[0], rtol=1e-7, err_msg=name)


def test_params_without_grad_are_skipped_and_versions_bump():
    for name in NAMES:
        if name == "LBFGS":
            continue
        a, b = chainrule.nn.Parameter(chainrule.ones(3)), chainrule.nn.Parameter(chainrule.ones(3))
        opt = getattr(coptim, name)([a, b])
        a.grad = chainrule.full((3,), 0.5)
        v0 = a._version
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            opt.step()
        assert a._version == v0 + 1 and b not in opt.state, name
        assert a.grad_fn is None and a.is_leaf and a.requires_grad
        np.testing.assert_array_equal(_np(b), np.ones(3, np.float32))


# -- LBFGS ------------------------------------------------------------------------------------------------


def _rosenbrock_np(x):
    x = x.astype(np.float64)
    f = np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)
    g = np.zeros_like(x)
    g[:-1] += -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
    g[1:] += 200 * (x[1:] - x[:-1] ** 2)
    return f, g


def _lbfgs_run(T, dtype, kw, steps, x0=(-1.5, 2.0), autograd=False):
    P = torch.nn.Parameter if T is torch else chainrule.nn.Parameter
    x = P(T.tensor(np.array(x0, dtype=dtype)))
    opt = _optim(T).LBFGS([x], **kw)
    points = []

    def closure():
        points.append(_np(x).copy())
        if autograd:
            opt.zero_grad()
            loss = (100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2).sum()
            loss.backward()
            return loss
        f, g = _rosenbrock_np(_np(x))
        x.grad = T.tensor(g.astype(dtype))
        return f

    losses = [opt.step(closure) for _ in range(steps)]
    losses = [v.item() if hasattr(v, "item") else v for v in losses]
    return x, opt, points, losses


LBFGS_CASES = [
    dict(),
    dict(line_search_fn="strong_wolfe"),
    dict(lr=0.5, history_size=3, max_iter=7),
    dict(line_search_fn="strong_wolfe", history_size=2, max_iter=30, max_eval=40),
    dict(lr=0.2, max_iter=4, tolerance_change=1e-3),
    dict(line_search_fn="strong_wolfe", tolerance_grad=1e-3, max_eval=9),
]


@pytest.mark.parametrize("kw", LBFGS_CASES, ids=[str(i) for i in range(len(LBFGS_CASES))])
def test_lbfgs_iterates_equal_torch(kw):
    """Every point the closure is evaluated at equals torch's, in float64 and float32 (2-d Rosenbrock)."""
    for dtype in ("float64", "float32"):
        tx, topt, tpts, tl = _lbfgs_run(torch, dtype, kw, 5)
        cx, copt, cpts, cl = _lbfgs_run(chainrule, dtype, kw, 5)
        assert len(cpts) == len(tpts) > 5
        if not kw.get("line_search_fn"):
            np.testing.assert_array_equal(np.array(cpts), np.array(tpts))
            assert cl == tl
            _assert_states_equal(copt.state_dict(), topt.state_dict(), dict(rtol=0, atol=0))
        elif dtype == "float64":
            # the line search's cubic fit takes torch's sqrt, which is not always correctly rounded
            np.testing.assert_allclose(np.array(cpts), np.array(tpts), rtol=1e-12, atol=1e-14)
            np.testing.assert_allclose(cl, tl, rtol=1e-12, atol=1e-14)
            _assert_states_equal(copt.state_dict(), topt.state_dict(), dict(rtol=1e-10, atol=1e-12))
        else:
            np.testing.assert_allclose(np.array(cpts), np.array(tpts), rtol=1e-4, atol=1e-5)


def test_lbfgs_autograd_closure_and_longer_vector():
    kw = dict(line_search_fn="strong_wolfe", history_size=4)
    x0 = (-1.2, 1.0, 0.5, -0.3, 0.8, 1.1)
    tx, topt, tpts, tl = _lbfgs_run(torch, "float64", kw, 3, x0=x0, autograd=True)
    cx, copt, cpts, cl = _lbfgs_run(chainrule, "float64", kw, 3, x0=x0, autograd=True)
    assert len(cpts) == len(tpts)
    np.testing.assert_allclose(np.array(cpts), np.array(tpts), rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(cl, tl, rtol=1e-9)
    assert cl[-1] < cl[0]
    ts, cs = topt.state_dict()["state"][0], copt.state_dict()["state"][0]
    assert list(cs) == list(ts) and cs["func_evals"] == ts["func_evals"] and cs["n_iter"] == ts["n_iter"]


def test_lbfgs_state_dict_interchange():
    kw = dict(history_size=3, max_iter=5, line_search_fn="strong_wolfe")
    tx, topt, _, _ = _lbfgs_run(torch, "float64", kw, 2)
    cx, copt, _, _ = _lbfgs_run(chainrule, "float64", kw, 2)
    csd = copt.state_dict()
    assert isinstance(csd["state"][0]["old_dirs"][0], chainrule.Tensor) and csd["state"][0]["ro"][0].dim() == 0
    # continue torch from our state and ours from torch's
    tx2 = torch.nn.Parameter(torch.tensor(_np(cx).copy()))
    topt2 = torch.optim.LBFGS([tx2], **kw)
    topt2.load_state_dict(_convert_sd(csd, torch))
    cx2 = chainrule.nn.Parameter(chainrule.tensor(_np(tx).copy()))
    copt2 = coptim.LBFGS([cx2], **kw)
    copt2.load_state_dict(_convert_sd(topt.state_dict(), chainrule))
    for T, x, opt in ((torch, tx, topt), (torch, tx2, topt2), (chainrule, cx2, copt2), (chainrule, cx, copt)):

        def closure(x=x, T=T):
            f, g = _rosenbrock_np(_np(x))
            x.grad = T.tensor(g)
            return f

        opt.step(closure)
    for x in (tx2, cx2, cx):
        np.testing.assert_array_equal(_np(x), _np(tx))


def test_lbfgs_errors_and_early_exit():
    p = _params(chainrule, [np.ones(2)])
    q = _params(chainrule, [np.ones(2)])
    with pytest.raises(ValueError, match=re.escape("LBFGS doesn't support per-parameter options (parameter groups)")):
        coptim.LBFGS([{"params": p}, {"params": q}])
    opt = coptim.LBFGS(p, line_search_fn="armijo")

    def closure():
        p[0].grad = chainrule.tensor(np.array([1.0, -2.0]))
        return chainrule.tensor(3.0)

    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        opt.step(closure)
    # a gradient already below tolerance_grad: one evaluation, parameters untouched
    opt = coptim.LBFGS(p, tolerance_grad=1e-3)
    calls = []

    def flat():
        calls.append(1)
        p[0].grad = chainrule.tensor(np.array([1e-4, -1e-4]))
        return chainrule.tensor(2.0)

    assert opt.step(flat).item() == 2.0
    assert len(calls) == 1 and opt.state[p[0]] == {"func_evals": 1, "n_iter": 0}
    np.testing.assert_array_equal(_np(p[0]), [1.0, 1.0])
    assert coptim.LBFGS(p, max_iter=8).param_groups[0]["max_eval"] == 10
    assert repr(coptim.LBFGS(p)) == repr(torch.optim.LBFGS(_params(torch, [np.ones(2)])))


def test_lbfgs_closure_runs_with_grad_and_numpy_settings():
    p = _params(chainrule, [np.array([0.3, -0.2, 0.9])])
    opt = coptim.LBFGS(p, max_iter=3)
    seen = []

    def closure():
        seen.append((chainrule.is_grad_enabled(), np.geterr()["divide"]))
        opt.zero_grad()
        loss = (p[0] ** 2).sum()
        loss.backward()
        return loss

    with chainrule.no_grad():
        opt.step(closure)
    assert seen and all(s == (True, np.geterr()["divide"]) for s in seen)
    assert chainrule.is_grad_enabled()
    assert p[0].grad_fn is None and p[0].is_leaf


# -- swa_utils --------------------------------------------------------------------------------------------


def _bn_nets():
    torch.manual_seed(1)
    tnet = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.BatchNorm1d(6), torch.nn.ReLU(), torch.nn.Linear(6, 2))
    tnet = tnet.double()
    cnet = chainrule.nn.Sequential(
        chainrule.nn.Linear(4, 6), chainrule.nn.BatchNorm1d(6), chainrule.nn.ReLU(), chainrule.nn.Linear(6, 2)
    ).double()
    cnet.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tnet.state_dict().items()})
    return tnet, cnet


def _perturb(tnet, cnet, rng):
    """Move both nets' parameters by the same random amount and run a train-mode batch (BN buffers move)."""
    x = rng.standard_normal((8, 4))
    for (_, tp), cp in zip(tnet.named_parameters(), cnet.parameters()):
        d = rng.standard_normal(tuple(tp.shape)) * 0.1
        with torch.no_grad():
            tp.add_(torch.tensor(d))
        with chainrule.no_grad():
            cp.add_(chainrule.tensor(d))
    tnet(torch.tensor(x))
    cnet(chainrule.tensor(x))


SWA_KINDS = [
    ("default", dict()),
    ("ema_multi", dict(multi_avg_fn="ema_multi")),
    ("ema", dict(avg_fn="ema")),
    ("swa_multi", dict(multi_avg_fn="swa_multi")),
    ("ema_multi_buffers", dict(multi_avg_fn="ema_multi", use_buffers=True)),
    ("swa_fn", dict(avg_fn="swa")),
]


def _avg_kwargs(mod, kw):
    out = dict(kw)
    makers = {
        "ema_multi": lambda: mod.get_ema_multi_avg_fn(0.9),
        "swa_multi": mod.get_swa_multi_avg_fn,
        "ema": lambda: mod.get_ema_avg_fn(0.8),
        "swa": mod.get_swa_avg_fn,
    }
    for key in ("avg_fn", "multi_avg_fn"):
        if key in out:
            out[key] = makers[out[key]]()
    return out


@pytest.mark.parametrize("kind,kw", SWA_KINDS, ids=[k for k, _ in SWA_KINDS])
def test_averaged_model_matches_torch(kind, kw):
    tnet, cnet = _bn_nets()
    tavg = tswa.AveragedModel(tnet, **_avg_kwargs(tswa, kw))
    cavg = cswa.AveragedModel(cnet, **_avg_kwargs(cswa, kw))
    assert list(cavg.state_dict()) == list(tavg.state_dict())
    rng = np.random.default_rng(0)
    for _ in range(5):
        _perturb(tnet, cnet, rng)
        tavg.update_parameters(tnet)
        cavg.update_parameters(cnet)
    tsd, csd = tavg.state_dict(), cavg.state_dict()
    assert list(csd) == list(tsd)
    assert csd["n_averaged"].item() == tsd["n_averaged"].item() == 5 and csd["n_averaged"].dtype == chainrule.int64
    for k, v in tsd.items():
        assert str(csd[k].dtype) == str(v.dtype), k
        np.testing.assert_allclose(_np(csd[k]), v.numpy(), rtol=1e-13, atol=1e-14, err_msg=k)
    # the averages differ from the model's current weights, and forward runs the averaged copy
    assert not np.allclose(_np(csd["module.0.weight"]), _np(cnet[0].weight))
    x = np.random.default_rng(1).standard_normal((3, 4))
    tavg.eval()
    cavg.eval()
    np.testing.assert_allclose(_np(cavg(chainrule.tensor(x))), tavg(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_averaged_model_float32_and_errors():
    torch.manual_seed(0)
    tnet = torch.nn.Linear(3, 2)
    cnet = chainrule.nn.Linear(3, 2)
    cnet.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in tnet.state_dict().items()})
    tavg, cavg = tswa.AveragedModel(tnet), cswa.AveragedModel(cnet)
    rng = np.random.default_rng(2)
    for _ in range(4):
        for tp, cp in zip(tnet.parameters(), cnet.parameters()):
            d = rng.standard_normal(tuple(tp.shape)).astype(np.float32)
            with torch.no_grad():
                tp.copy_(torch.tensor(d))
            with chainrule.no_grad():
                cp.copy_(chainrule.tensor(d))
        tavg.update_parameters(tnet)
        cavg.update_parameters(cnet)
    for (k, t), c in zip(tavg.state_dict().items(), cavg.state_dict().values()):
        np.testing.assert_allclose(_np(c), t.numpy(), rtol=1e-6, atol=1e-7, err_msg=k)
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn should be provided"):
        cswa.AveragedModel(cnet, avg_fn=cswa.get_swa_avg_fn(), multi_avg_fn=cswa.get_swa_multi_avg_fn())
    for fn in (cswa.get_ema_avg_fn, cswa.get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match=re.escape("Invalid decay value 1.5 provided. Please provide a value")):
            fn(1.5)


def test_swa_multi_avg_fn_on_integer_buffers_raises_like_torch():
    """torch's foreach SWA update divides integer buffers (num_batches_tracked) with addcdiv, which it rejects."""
    errs = []
    for mod, net in zip((tswa, cswa), _bn_nets()):
        avg = mod.AveragedModel(net, multi_avg_fn=mod.get_swa_multi_avg_fn(), use_buffers=True)
        avg.update_parameters(net)
        with pytest.raises(RuntimeError, match="Integer division with addcdiv is no longer supported") as e:
            avg.update_parameters(net)
        errs.append(e)
    assert errs[0].type is errs[1].type


def test_update_bn_matches_torch():
    tnet, cnet = _bn_nets()
    rng = np.random.default_rng(4)
    batches = [rng.standard_normal((5, 4)) for _ in range(4)]
    tnet.eval()
    cnet.eval()
    tnet[1].momentum = cnet[1].momentum = 0.3
    tswa.update_bn([torch.tensor(b) for b in batches[:2]] + [(torch.tensor(b), 0) for b in batches[2:]], tnet)
    cswa.update_bn([chainrule.tensor(b) for b in batches[:2]] + [(chainrule.tensor(b), 0) for b in batches[2:]], cnet)
    assert not cnet.training and not cnet[1].training and cnet[1].momentum == 0.3
    for k, v in tnet.state_dict().items():
        np.testing.assert_allclose(_np(cnet.state_dict()[k]), v.numpy(), rtol=1e-12, atol=1e-14, err_msg=k)
    assert cnet[1].num_batches_tracked.item() == 4
    # a model without BatchNorm is left alone
    lin = chainrule.nn.Linear(4, 2)
    before = _np(lin.weight).copy()
    cswa.update_bn([chainrule.tensor(batches[0])], lin)
    np.testing.assert_array_equal(_np(lin.weight), before)


SWALR_CASES = [
    dict(swa_lr=0.05),
    dict(swa_lr=0.05, anneal_epochs=5, anneal_strategy="linear"),
    dict(swa_lr=[0.01, 0.2], anneal_epochs=3),
    dict(swa_lr=0.5, anneal_epochs=0),
    dict(swa_lr=0.5, anneal_epochs=0, anneal_strategy="linear"),
    dict(swa_lr=0.02, anneal_epochs=1),
]


@pytest.mark.parametrize("kw", SWALR_CASES, ids=[str(i) for i in range(len(SWALR_CASES))])
def test_swalr_lr_sequence_matches_torch(kw):
    seqs = []
    for T, mod in ((torch, tswa), (chainrule, cswa)):
        a, b = _params(T, [np.ones(2), np.ones(3)])
        opt = _optim(T).SGD([{"params": [a]}, {"params": [b], "lr": 0.3}], lr=0.1, momentum=0.9)
        sched = mod.SWALR(opt, **kw)
        seq = [sched.get_last_lr()]
        for epoch in range(20):
            if epoch == 7:
                opt.param_groups[1]["lr"] *= 2  # an outside change feeds into the next interpolation
            opt.step()
            sched.step()
            seq.append(sched.get_last_lr())
        seqs.append((seq, [g["swa_lr"] for g in opt.param_groups], sched.state_dict()))
    assert seqs[1][0] == seqs[0][0]
    assert seqs[1][1] == seqs[0][1]
    assert sorted(seqs[1][2]) == sorted(seqs[0][2])
    assert {k: v for k, v in seqs[1][2].items() if k != "base_lrs"} == {
        k: v for k, v in seqs[0][2].items() if k != "base_lrs"
    }


def test_swalr_state_dict_and_errors():
    a = _params(chainrule, [np.ones(2)])
    opt = coptim.SGD(a, lr=0.1)
    s = cswa.SWALR(opt, swa_lr=0.01, anneal_epochs=4, anneal_strategy="linear")
    for _ in range(2):
        opt.step()
        s.step()
    sd = s.state_dict()
    assert "optimizer" not in sd and "anneal_func" not in sd and sd["_anneal_strategy"] == "linear"
    opt2 = coptim.SGD(_params(chainrule, [np.ones(2)]), lr=0.1)
    s2 = cswa.SWALR(opt2, swa_lr=0.01)
    s2.load_state_dict(sd)
    assert s2.anneal_func is cswa.SWALR._linear_anneal and s2.anneal_epochs == 4
    with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
        s.get_lr()
    for kw in (dict(anneal_strategy="exp"), dict(anneal_epochs=-1), dict(anneal_epochs=2.5)):
        with pytest.raises(ValueError) as te:
            tswa.SWALR(torch.optim.SGD(_params(torch, [np.ones(2)]), lr=0.1), swa_lr=0.01, **kw)
        with pytest.raises(ValueError, match=re.escape(str(te.value))):
            cswa.SWALR(coptim.SGD(_params(chainrule, [np.ones(2)]), lr=0.1), swa_lr=0.01, **kw)
    with pytest.raises(ValueError, match="swa_lr must have the same length as optimizer.param_groups"):
        cswa.SWALR(opt, swa_lr=[0.1, 0.2])
