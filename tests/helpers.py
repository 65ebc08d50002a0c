"""One parity helper for every op: the same expression run on torch and on chainrule.

``check_op(lambda T, a, b: a * b, [(3, 1), (1, 4)])`` builds seeded inputs of those shapes,
evaluates the expression with ``T`` bound to torch and to chainrule, and compares the outputs
and every input's gradient (for a random upstream gradient) in float32 and float64.
"""

from __future__ import annotations

import numpy as np
import torch

import chainrule

TOL = {"float32": dict(rtol=1e-5, atol=1e-6), "float64": dict(rtol=1e-10, atol=1e-12)}


def make_inputs(shapes, dtype="float64", low=-2.0, high=2.0, seed=0, positive=False):
    rng = np.random.default_rng(seed)
    arrs = []
    for s in shapes:
        if isinstance(s, np.ndarray):
            arrs.append(s)
            continue
        a = rng.uniform(low, high, size=s)
        if positive:
            a = np.abs(a) + 0.1
        arrs.append(a.astype(dtype))
    return arrs


def _flat(out):
    return out if isinstance(out, (tuple, list)) else (out,)


def assert_close(ours, theirs, dtype, what, scale=1.0):
    ours = np.asarray(ours)
    theirs = np.asarray(theirs)
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} != torch {theirs.shape}"
    if theirs.dtype.kind in "biu":
        np.testing.assert_array_equal(ours, theirs, err_msg=what)
        return
    tol = TOL.get(dtype, TOL["float32"])
    np.testing.assert_allclose(
        ours, theirs, rtol=tol["rtol"] * scale, atol=tol["atol"] * scale, err_msg=what, equal_nan=True
    )


def check_op(
    fn,
    shapes,
    dtypes=("float32", "float64"),
    low=-2.0,
    high=2.0,
    positive=False,
    grad=True,
    seed=0,
    arrays=None,
    tol_scale=1.0,
    requires_grad=None,
):
    """Compare forward values and input gradients of ``fn(T, *inputs)`` between torch and chainrule.

    ``arrays`` overrides the generated inputs (e.g. integer index arrays); ``requires_grad`` is a
    per-input list (default: floating inputs require grad when ``grad``).
    """
    for dtype in dtypes:
        arrs = arrays if arrays is not None else make_inputs(shapes, dtype, low, high, seed, positive)
        arrs = [a.astype(dtype) if (arrays is None and a.dtype.kind == "f") else a for a in arrs]
        rg = requires_grad or [grad and a.dtype.kind == "f" for a in arrs]
        tt = [torch.tensor(a, requires_grad=r) for a, r in zip(arrs, rg)]
        ct = [chainrule.tensor(a, requires_grad=r) for a, r in zip(arrs, rg)]
        t_out = _flat(fn(torch, *tt))
        c_out = _flat(fn(chainrule, *ct))
        assert len(t_out) == len(c_out)
        for i, (co, to) in enumerate(zip(c_out, t_out)):
            if isinstance(to, torch.Tensor):
                assert isinstance(co, chainrule.Tensor), f"output {i}: got {type(co)}"
                assert str(co.dtype) == str(to.dtype), f"output {i} dtype {co.dtype} != torch {to.dtype}"
                assert_close(
                    co.detach().numpy(), to.detach().numpy(), dtype, f"forward output {i} ({dtype})", tol_scale
                )
            else:
                assert co == to, f"output {i}: {co!r} != torch {to!r}"
        if not grad or not any(rg):
            continue
        rng = np.random.default_rng(seed + 1)
        t_diff = [(co, to) for co, to in zip(c_out, t_out) if isinstance(to, torch.Tensor) and to.requires_grad]
        if not t_diff:
            continue
        gs = [rng.standard_normal(to.shape).astype(str(to.dtype).replace("torch.", "")) for _, to in t_diff]
        torch.autograd.backward([to for _, to in t_diff], [torch.tensor(g) for g in gs])
        chainrule.autograd.backward([co for co, _ in t_diff], [chainrule.tensor(g) for g in gs])
        for k, (c, t) in enumerate(zip(ct, tt)):
            if t.requires_grad:
                if t.grad is None:
                    assert c.grad is None or not np.any(c.grad.numpy()), f"input {k}: torch grad None"
                    continue
                assert c.grad is not None, f"input {k}: chainrule grad is None, torch has one"
                assert str(c.grad.dtype) == str(t.grad.dtype)
                assert_close(c.grad.numpy(), t.grad.numpy(), dtype, f"grad of input {k} ({dtype})", tol_scale)


def check_gradcheck(
    fn, shapes, low=-2.0, high=2.0, positive=False, seed=0, arrays=None, gradgrad=False, atol=1e-5, rtol=1e-3
):
    """float64 finite-difference check of chainrule's gradients (and optionally second order)."""
    arrs = arrays if arrays is not None else make_inputs(shapes, "float64", low, high, seed, positive)
    ins = [chainrule.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrs]
    f = lambda *xs: fn(chainrule, *xs)  # noqa: E731
    assert chainrule.autograd.gradcheck(f, tuple(ins), atol=atol, rtol=rtol)
    if gradgrad:
        assert chainrule.autograd.gradgradcheck(f, tuple(ins), atol=atol, rtol=rtol)


def assert_raises_like_torch(fn, *args_np, match=None):
    """The expression raises the same exception type under torch and chainrule."""
    import pytest

    t_exc = c_exc = None
    try:
        fn(torch, *[torch.tensor(a) for a in args_np])
    except Exception as e:  # noqa: BLE001
        t_exc = e
    try:
        fn(chainrule, *[chainrule.tensor(a) for a in args_np])
    except Exception as e:  # noqa: BLE001
        c_exc = e
    assert t_exc is not None, "torch did not raise"
    assert c_exc is not None, f"chainrule did not raise (torch raised {type(t_exc).__name__}: {t_exc})"
    assert isinstance(c_exc, type(t_exc)), (
        f"chainrule raised {type(c_exc).__name__}: {c_exc}; torch {type(t_exc).__name__}: {t_exc}"
    )
    if match:
        with pytest.raises(type(t_exc), match=match):
            raise c_exc
