"""The bug classes users of autograd libraries keep hitting (B1-B13 in docs/pitfalls.md), each pinned
against torch: reused nodes, accumulation, deep graphs, gradient shapes, overflow, ``where``, in-place
changes of saved tensors, aliased gradient buffers, dtypes, loss broadcasting, NumPy interop, gradcheck.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from helpers import check_op

import chainrule

LIBS = (torch, chainrule)
INF = float("inf")


def _np(t):
    return t.detach().numpy()


# ---- B1: a node used several times sums its gradients -------------------------------------------
@pytest.mark.parametrize(
    "expr",
    [
        lambda T, a: a + a,
        lambda T, a: (a + a) + (a + a),
        lambda T, a: (lambda b: b + b)(a + a),
        lambda T, a: (lambda b, c: b * c)(a * 2, a.exp()),  # diamond
        lambda T, a: a * a * a,
        lambda T, a: T.stack([a, a, a.sin()]).sum(0),
        lambda T, a: sum((a * i for i in range(100)), a * 0),  # fan-out to 100 consumers
    ],
    ids=["a+a", "b+b", "b=a+a;c=b+b", "diamond", "a*a*a", "stack", "fanout100"],
)
def test_reused_nodes_sum_gradients(expr):
    check_op(expr, [(3,)])


def test_b_plus_b_is_four_and_backward_twice_is_not_idempotent():
    for T in LIBS:
        a = T.tensor(3.0, requires_grad=True)
        b = a + a
        c = b + b
        c.backward()
        assert a.grad.item() == 4.0
        d = a * a
        d.backward()
        assert a.grad.item() == 4.0 + 6.0


# ---- B2: only leaves accumulate; non-leaf .grad warns; zero_grad sets None ---------------------------
def test_leaf_gradients_accumulate_across_backward_calls():
    res = []
    for T in LIBS:
        w = T.tensor([1.0, -2.0], requires_grad=True)
        for k in range(3):
            (w * w * (k + 1)).sum().backward()
        res.append(_np(w.grad))
    np.testing.assert_allclose(res[1], res[0])


def test_nonleaf_grad_is_none_with_torchs_warning():
    msgs = []
    for T in LIBS:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.sum().backward()
        with pytest.warns(UserWarning) as rec:
            assert y.grad is None
        msgs.append(str(rec[0].message))
    assert msgs[0].startswith(msgs[1])  # torch appends its own source location
    assert "retain_grad()" in msgs[1]


def test_retain_grad_keeps_the_nonleaf_gradient_without_warning():
    res = []
    for T in LIBS:
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.retain_grad()
        (y * 3).sum().backward()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            res.append((_np(y.grad), y.is_leaf, y.retains_grad))
    np.testing.assert_array_equal(res[1][0], res[0][0])
    assert res[1][1:] == res[0][1:]


def test_zero_grad_defaults_to_set_to_none():
    for T in LIBS:
        T.manual_seed(0)
        m = T.nn.Linear(3, 2)
        opt = T.optim.SGD(m.parameters(), lr=0.1)
        m(T.ones(1, 3)).sum().backward()
        assert all(p.grad is not None for p in m.parameters())
        m.zero_grad()
        assert all(p.grad is None for p in m.parameters())
        m(T.ones(1, 3)).sum().backward()
        opt.zero_grad()
        assert all(p.grad is None for p in m.parameters())
        m(T.ones(1, 3)).sum().backward()
        opt.zero_grad(set_to_none=False)
        assert all(p.grad is not None and not p.grad.any() for p in m.parameters())
        m(T.ones(1, 3)).sum().backward()
        m.zero_grad(set_to_none=False)
        assert all(p.grad is not None and not p.grad.any() for p in m.parameters())


# ---- B3: deep graphs never recurse (backward, deletion, drawing) ------------------------------------
_DEEP = textwrap.dedent(
    """
    import sys
    import chainrule
    from chainrule import viz

    sys.setrecursionlimit(250)  # any recursion over graph depth fails at once
    x = chainrule.tensor(1.0, dtype=chainrule.float64, requires_grad=True)
    y = x
    for _ in range(1_000_000):
        y = y * 1.000001
    y.backward()
    print("grad", x.grad.item())
    del y  # freeing a million-node graph must not recurse either

    z = x
    for _ in range(100_000):
        z = z + 1.0
    dot = viz.to_dot(z)
    print("dot", dot.count("->"))
    del z, dot

    v = x * 1.0
    for _ in range(100_000):
        v = v.view(1) if v.dim() == 0 else v.view(())
    v.backward()
    print("view", x.grad.item())
    """
)


def test_million_op_chain_backward_delete_and_draw_without_recursion():
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run([sys.executable, "-c", _DEEP], capture_output=True, text=True, cwd=root, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = dict(line.split(" ", 1) for line in proc.stdout.splitlines())
    expected = np.prod(np.full(1_000_000, 1.000001))
    assert float(out["grad"]) == pytest.approx(expected, rel=1e-9)
    assert int(out["dot"]) >= 100_000
    assert float(out["view"]) == pytest.approx(expected + 1.0, rel=1e-9)


def test_chain_of_views_keeps_linear_memory():
    # each view of a view used to copy its whole replay chain (quadratic time and memory)
    x = chainrule.zeros(2, requires_grad=True) * 1.0
    keep = []
    tracemalloc.start()
    try:
        v = x
        for _ in range(3000):
            v = v.view(2)
            keep.append(v)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8_000_000, f"3000 chained views took {peak} bytes"
    v[0] = 5.0  # an in-place write through the deepest view still rebases its base
    assert keep[0][0].item() == 5.0 and x[0].item() == 5.0
    assert x.grad_fn.name() == "CopySlices"


# ---- B4: gradients reduced to the input shape centrally, then validated -----------------------------
def _bad_grad_fn(T, make_grad):
    class MyFn(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return make_grad(T, g)

    return MyFn


@pytest.mark.parametrize(
    "make_grad",
    [
        lambda T, g: (g[:1], g),
        lambda T, g: (g.sum(0), g),
        lambda T, g: (g, T.ones(1, 4)),
        lambda T, g: (g, g.reshape(12)),
    ],
    ids=["rows", "summed", "index1-broadcast", "index1-flat"],
)
def test_wrong_gradient_shape_names_the_function_like_torch(make_grad):
    msgs = []
    for T in LIBS:
        fn = _bad_grad_fn(T, make_grad)
        x = T.ones(3, 4, requires_grad=True)
        y = T.ones(3, 4, requires_grad=True)
        with pytest.raises(RuntimeError) as ei:
            fn.apply(x, y).sum().backward()
        msgs.append(str(ei.value))
    assert msgs[1] == msgs[0]
    assert msgs[1].startswith("Function MyFnBackward returned an invalid gradient at index")


def test_broadcastable_gradient_is_summed_to_the_input_shape():
    res = []
    for T in LIBS:
        fn = _bad_grad_fn(T, lambda T, g: (T.ones(2, 3, 4) * 2, T.ones(1, 1, 3, 4)))
        x = T.ones(3, 4, requires_grad=True)
        y = T.ones(3, 4, requires_grad=True)
        fn.apply(x, y).sum().backward()
        res.append((_np(x.grad), _np(y.grad)))
    for ours, theirs in zip(res[1], res[0]):
        np.testing.assert_array_equal(ours, theirs)


# ---- B5/B6: softmax, log-sum-exp, sigmoid and the losses stay finite; +-inf as torch ----------------
def _stable(T, name, x, dtype):
    F = T.nn.functional
    x = T.tensor(x, dtype=getattr(T, dtype), requires_grad=True)
    n = x.shape[0]
    cls = T.tensor([i % x.shape[-1] for i in range(n)]) if x.dim() == 2 else None
    tgt = T.tensor(np.linspace(0, 1, n).reshape(-1, *[1] * (x.dim() - 1)) * np.ones(tuple(x.shape)),
                   dtype=x.dtype) if x.dim() else None  # fmt: skip
    out = {
        "softmax": lambda: F.softmax(x, -1),
        "log_softmax": lambda: F.log_softmax(x, -1),
        "logsumexp": lambda: T.logsumexp(x, -1),
        "cross_entropy": lambda: F.cross_entropy(x, cls, reduction="none"),
        "sigmoid": lambda: T.sigmoid(x),
        "softplus": lambda: F.softplus(x),
        "logsigmoid": lambda: F.logsigmoid(x),
        "bce": lambda: F.binary_cross_entropy(T.sigmoid(x), tgt, reduction="none"),
        "BCELoss": lambda: T.nn.BCELoss()(T.sigmoid(x), tgt),
        "bce_with_logits": lambda: F.binary_cross_entropy_with_logits(x, tgt, reduction="none"),
        "BCEWithLogitsLoss": lambda: T.nn.BCEWithLogitsLoss()(x, tgt),
        "CrossEntropyLoss": lambda: T.nn.CrossEntropyLoss()(x, cls),
    }[name]()
    g = T.tensor(np.linspace(0.5, 1.5, out.numel()).reshape(tuple(out.shape)), dtype=out.dtype)
    out.backward(g)
    return _np(out), _np(x.grad)


_ROWS = {
    "big": [[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4], [5e3, -5e3, 1.0]],
    "inf": [[INF, 0.0, 1.0], [-INF, 0.0, 1.0], [INF, INF, 0.0], [-INF, -INF, -INF], [INF, -INF, 2.0]],
}
_ROW_FNS = ["softmax", "log_softmax", "logsumexp", "cross_entropy", "CrossEntropyLoss"]
_ELEM_FNS = ["sigmoid", "softplus", "logsigmoid", "bce", "BCELoss", "bce_with_logits", "BCEWithLogitsLoss"]


def _inputs(name, kind):
    if name in _ROW_FNS:
        return _ROWS[kind]
    if kind == "big":
        return [1e4, -1e4, 400.0, -400.0, 88.0, -104.0, 0.0]
    return [INF, -INF, 0.0, 1.0]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", _ROW_FNS + _ELEM_FNS)
def test_extreme_finite_inputs_give_finite_values_and_gradients(name, dtype):
    x = _inputs(name, "big")
    theirs = _stable(torch, name, x, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no overflow hidden under a NumPy warning
        ours = _stable(chainrule, name, x, dtype)
    for o, t, what in zip(ours, theirs, ("value", "gradient")):
        assert np.isfinite(o).all(), f"{name} {what} not finite: {o}"
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6, err_msg=f"{name} {what}")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", _ROW_FNS + _ELEM_FNS)
def test_infinite_inputs_match_torch_including_nan(name, dtype):
    x = _inputs(name, "inf")
    theirs = _stable(torch, name, x, dtype)
    with warnings.catch_warnings():
        # torch returns the nans silently; so do these (logsumexp's backward still warns in inf - inf)
        warnings.simplefilter("ignore" if name == "logsumexp" else "error", RuntimeWarning)
        ours = _stable(chainrule, name, x, dtype)
    for o, t, what in zip(ours, theirs, ("value", "gradient")):
        np.testing.assert_array_equal(np.isnan(o), np.isnan(t), err_msg=f"{name} {what} nan pattern")
        np.testing.assert_allclose(o, t, rtol=1e-5, atol=1e-6, equal_nan=True, err_msg=f"{name} {what}")


# ---- B7: where() and the branch it did not pick ------------------------------------------------------
_X7 = [-1.0, 0.0, 4.0, 0.25]


@pytest.mark.parametrize(
    "unsafe",
    [
        lambda T, x: T.where(x > 0, T.sqrt(x), T.tensor(0.0)),
        lambda T, x: T.where(x > 0, T.log(x), T.tensor(0.0)),
        lambda T, x: T.where(x > 0, 1 / x, T.zeros_like(x)),
        lambda T, x: T.where(x > 0, x**0.5, x),
    ],
    ids=["sqrt", "log", "reciprocal", "pow"],
)
def test_where_with_unsafe_branch_gives_torchs_nan_gradient(unsafe):
    res = []
    for T in LIBS:
        x = T.tensor(_X7, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            unsafe(T, x).sum().backward()
        res.append(_np(x.grad))
    assert np.isnan(res[0]).any()
    np.testing.assert_array_equal(np.isnan(res[1]), np.isnan(res[0]))
    np.testing.assert_allclose(res[1], res[0], equal_nan=True)


@pytest.mark.parametrize(
    "safe",
    [
        lambda T, x: T.where(x > 0, T.sqrt(T.where(x > 0, x, T.ones_like(x))), T.tensor(0.0)),
        lambda T, x: T.where(x > 0, T.log(T.where(x > 0, x, T.ones_like(x))), T.tensor(0.0)),
    ],
    ids=["sqrt", "log"],
)
def test_double_where_gives_finite_gradients(safe):
    res = []
    for T in LIBS:
        x = T.tensor(_X7, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            safe(T, x).sum().backward()
        res.append(_np(x.grad))
    assert np.isfinite(res[1]).all()
    np.testing.assert_allclose(res[1], res[0])
    assert res[1][0] == 0.0 and res[1][1] == 0.0


# ---- B8: in-place change of a tensor saved for backward -------------------------------------------
def _modified(fn):
    with pytest.raises(RuntimeError) as ei:
        fn()
    return str(ei.value)


def test_inplace_change_of_saved_output_names_shape_node_versions_and_op():
    def run():
        x = chainrule.ones(80, requires_grad=True)
        y = x.unsqueeze(1).exp()  # exp saves its output
        z = y * 2
        y.add_(1)
        (z.sum() + y.sum()).backward()

    msg = _modified(run)
    for part in (
        "modified by an inplace operation",
        "[torch.FloatTensor [80, 1]]",
        "output 0 of ExpBackward0",
        "is at version 1; expected version 0",
        "ExpBackward0 saved it",
        "modified in place by add_",
    ):
        assert part in msg, (part, msg)


def test_inplace_change_of_saved_input_names_the_saving_node():
    def run():
        a = chainrule.ones(4, 2, requires_grad=True)
        b = a * 1
        c = b * b  # saves b twice
        b.mul_(3)
        b.mul_(3)
        c.sum().backward()

    msg = _modified(run)
    for part in ("[torch.FloatTensor [4, 2]]", "output 0 of MulBackward0", "is at version 2; expected version 0",
                 "MulBackward0 saved it", "modified in place by mul_"):  # fmt: skip
        assert part in msg, (part, msg)


def test_inplace_change_through_setitem_and_of_a_leaf():
    def setitem():
        a = chainrule.ones(4, 2, requires_grad=True)
        c = (a * 1).sigmoid()
        c[0] = 5.0
        c.sum().backward()

    assert "modified in place by setitem" in _modified(setitem)

    def leaf():
        w = chainrule.ones(3, requires_grad=True)
        y = (w * w).sum()
        with chainrule.no_grad():
            w.add_(1)
        y.backward()

    msg = _modified(leaf)
    assert "[torch.FloatTensor [3]], which is a leaf tensor" in msg and "add_" in msg
    # torch raises the same type for both
    for T in LIBS:
        w = T.ones(3, requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            w.add_(1)


# ---- B9: no gradient buffer is shared, so in-place changes stay local ----------------------------
def _custom_pass(T):
    class Pass(T.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x + y

        @staticmethod
        def backward(ctx, g):
            return g, g

    return Pass


_ALIAS_CASES = {
    "a+b": lambda T, a, b: a + b,
    "x*1": lambda T, a, b: a * 1 + b * 1,
    "expand": lambda T, a, b: a[:1].expand(2) + b.reshape(2),
    "reshape": lambda T, a, b: (a.reshape(2, 1) + b.reshape(2, 1)).reshape(2),
    "clone": lambda T, a, b: a.clone() + b.clone(),
    "custom": lambda T, a, b: _custom_pass(T).apply(a, b),
    "view-out": lambda T, a, b: (a + b).view(2),
}


@pytest.mark.parametrize("case", list(_ALIAS_CASES))
def test_mutating_one_leaf_grad_leaves_the_others_alone(case):
    # (torch itself lets a.grad and b.grad share storage in the "reshape" case)
    T = chainrule
    a = T.tensor([1.0, 2.0], requires_grad=True)
    b = T.tensor([3.0, 4.0], requires_grad=True)
    w = T.tensor([1.0, 1.0])
    for k in range(2):  # first store, then accumulation
        (_ALIAS_CASES[case](T, a, b) * w).sum().backward()
        a.grad.add_(100)
        np.testing.assert_array_equal(_np(b.grad), [k + 1.0, k + 1.0], err_msg=case)


@pytest.mark.parametrize("case", list(_ALIAS_CASES))
def test_autograd_grad_results_are_never_aliased(case):
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    b = chainrule.tensor([3.0, 4.0], requires_grad=True)
    g_out = chainrule.ones(2)
    out = _ALIAS_CASES[case](chainrule, a, b)
    ga, gb, gout = chainrule.autograd.grad(out, [a, b, out], g_out)
    ga.add_(100)
    gout.add_(100)
    np.testing.assert_array_equal(gb.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(g_out.numpy(), [1.0, 1.0])


def test_hooks_and_retained_grads_see_unaliased_values():
    seen = []
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    a.register_hook(lambda g: seen.append(g))
    y = a * 1
    y.retain_grad()
    z = y * 1
    z.retain_grad()
    (z * chainrule.ones(2)).sum().backward()
    a.grad.add_(3)
    y.grad.add_(5)
    np.testing.assert_array_equal(seen[0].numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(z.grad.numpy(), [1.0, 1.0])


# ---- B10: dtypes ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make",
    [
        lambda T: T.tensor([1, 2], requires_grad=True),
        lambda T: T.tensor([True, False], requires_grad=True),
        lambda T: T.ones(2, dtype=T.int64).requires_grad_(),
        lambda T: T.zeros(2, dtype=T.int32, requires_grad=True),
        lambda T: setattr(T.arange(3), "requires_grad", True),
    ],
    ids=["tensor-int", "tensor-bool", "requires_grad_", "zeros-int32", "setattr"],
)
def test_integer_tensors_cannot_require_grad(make):
    for T in LIBS:
        with pytest.raises(RuntimeError, match="(?i)floating point.*can require gradients"):
            make(T)


def test_float64_numpy_data_into_float32_model_raises_naming_both_dtypes():
    excs = []
    for T in LIBS:
        T.manual_seed(0)
        with pytest.raises(Exception) as ei:
            T.nn.Linear(3, 2)(T.from_numpy(np.ones((1, 3))))
        excs.append(ei.value)
    assert type(excs[1]) is type(excs[0])
    msg = str(excs[1]).lower()
    assert "double" in msg and "float" in msg


def test_mixed_dtype_arithmetic_promotes_like_torch_and_grads_keep_the_tensor_dtype():
    res = []
    for T in LIBS:
        w = T.ones(3, requires_grad=True)
        x = T.from_numpy(np.arange(3.0))
        y = w * x
        y.sum().backward()
        res.append((str(y.dtype), str(w.grad.dtype), (w * 2.5).dtype, (T.arange(3) * 2.5).dtype))
    assert [str(v) for v in res[1]] == [str(v) for v in res[0]]


# ---- B11: losses warn about silent broadcasting --------------------------------------------------------
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_losses_warn_when_target_would_broadcast(name):
    msgs = []
    for T in LIBS:
        with pytest.warns(UserWarning) as rec:
            getattr(T.nn.functional, name)(T.full((4, 1), 0.5), T.full((4,), 0.25))
        msgs.append([str(r.message) for r in rec if "target size" in str(r.message)])
    assert msgs[1] == msgs[0] and len(msgs[1]) == 1
    assert "broadcasting" in msgs[1][0]


@pytest.mark.parametrize("cls", ["MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss"])
def test_loss_modules_warn_and_same_sizes_do_not(cls):
    for T in LIBS:
        with pytest.warns(UserWarning, match="target size"):
            getattr(T.nn, cls)()(T.full((4, 1), 0.5), T.full((4,), 0.25))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            getattr(T.nn, cls)()(T.full((4,), 0.5), T.full((4,), 0.25))


@pytest.mark.parametrize(
    "fn",
    [
        lambda T: T.nn.functional.binary_cross_entropy(T.full((4, 1), 0.5), T.full((4,), 0.5)),
        lambda T: T.nn.BCELoss()(T.full((4, 1), 0.5), T.full((4,), 0.5)),
        lambda T: T.nn.functional.binary_cross_entropy_with_logits(T.full((4, 1), 0.5), T.full((4,), 0.5)),
        lambda T: T.nn.BCEWithLogitsLoss()(T.full((4, 1), 0.5), T.full((4,), 0.5)),
    ],
    ids=["bce", "BCELoss", "bce_with_logits", "BCEWithLogitsLoss"],
)
def test_bce_size_mismatch_raises_like_torch(fn):
    msgs = []
    for T in LIBS:
        with pytest.raises(ValueError) as ei:
            fn(T)
        msgs.append(str(ei.value))
    assert msgs[1] == msgs[0]


# ---- B12: NumPy functions applied to a Tensor ------------------------------------------------------
def test_ndarray_times_tensor_is_a_tensor_and_gradients_flow():
    t = chainrule.tensor([1.0, 2.0], requires_grad=True)
    arr = np.array([2.0, 3.0], dtype=np.float32)
    for y in (arr * t, arr + t * arr, np.float64(2.0) * t, arr - t, arr / (t + 1), arr**t):
        assert isinstance(y, chainrule.Tensor) and y.requires_grad
    (arr * t + (arr - t) * 2).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), arr - 2)
    assert isinstance(np.ones(2) < t, chainrule.Tensor)
    assert (np.ones(2) == t).tolist() == [True, False]


@pytest.mark.parametrize(
    "name, fn, args",
    [
        ("exp", np.exp, ()),
        ("log", np.log, ()),
        ("sqrt", np.sqrt, ()),
        ("tanh", np.tanh, ()),
        ("negative", np.negative, ()),
        ("maximum", np.maximum, (0.5,)),
        ("power", np.power, (3,)),
        ("multiply", np.multiply, (np.array([2.0, -1.0], dtype=np.float32),)),
        ("square", np.square, ()),
    ],
)
def test_numpy_ufuncs_run_through_the_graph(name, fn, args):
    for T in (chainrule,):
        t = T.tensor([0.3, 1.7], requires_grad=True)
        y = fn(t, *args)
        assert isinstance(y, chainrule.Tensor) and y.requires_grad, name
        y.sum().backward()
    ref = torch.tensor([0.3, 1.7], requires_grad=True)
    ty = getattr(torch, {"negative": "neg", "power": "pow", "multiply": "mul"}.get(name, name))(
        ref, *[torch.tensor(a) for a in args]
    )
    ty.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(t.grad.numpy(), ref.grad.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "call, phrase",
    [
        (lambda t: np.cbrt(t), "numpy.cbrt() is not supported on a chainrule Tensor"),
        (lambda t: np.add.reduce(t), "numpy.add.reduce() is not supported"),
        (lambda t: np.add(t, 1, dtype=np.float64), "takes no keyword arguments"),
        (lambda t: np.add(np.ones(2), t, out=np.ones(2)), "out="),
    ],
    ids=["unknown-ufunc", "ufunc-method", "kwargs", "out"],
)
def test_unsupported_ufunc_uses_raise_a_clear_typeerror(call, phrase):
    t = chainrule.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match="detach\\(\\).numpy\\(\\)") as ei:
        call(t)
    assert phrase in str(ei.value)


def test_inplace_numpy_update_with_a_tensor_raises_typeerror():
    arr = np.ones(2)
    with pytest.raises(TypeError, match="array = array \\+ tensor"):
        arr += chainrule.tensor([1.0, 2.0])
    np.testing.assert_array_equal(arr, [1.0, 1.0])


@pytest.mark.parametrize(
    "call",
    [
        lambda np_, t: np_.concatenate([t, t]),
        lambda np_, t: np_.dot(np_.ones(2), t),
        lambda np_, t: np_.where(t > 1, t, 0),
        lambda np_, t: np_.clip(t, 0, 1),
        lambda np_, t: np_.linalg.norm(t),
        lambda np_, t: np_.asarray(t),
    ],
    ids=["concatenate", "dot", "where", "clip", "norm", "asarray"],
)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch's __array__/__array_wrap__ signatures
def test_numpy_functions_never_silently_drop_the_graph(call):
    for T in LIBS:
        t = T.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="Use tensor.detach\\(\\).numpy\\(\\) instead"):
            call(np, t)
    # without requires_grad they work on the data, as with torch
    np.testing.assert_allclose(np.asarray(call(np, chainrule.tensor([1.0, 2.0]))),
                               np.asarray(call(np, torch.tensor([1.0, 2.0]))))  # fmt: skip


def test_numpy_reductions_dispatch_to_tensor_methods():
    t = chainrule.tensor([[1.0, 2.0], [3.0, 5.0]], requires_grad=True)
    s = np.sum(t)
    m = np.mean(t)
    assert isinstance(s, chainrule.Tensor) and isinstance(m, chainrule.Tensor)
    (s + m).backward()
    np.testing.assert_allclose(t.grad.numpy(), np.full((2, 2), 1.25))


# ---- B13: gradcheck below float64 warns ----------------------------------------------------------------
def test_gradcheck_warns_for_float32_inputs_and_not_for_float64():
    for T in LIBS:
        x = T.tensor([0.5, 1.5], requires_grad=True)
        with pytest.warns(UserWarning, match="double precision floating point"):
            try:
                T.autograd.gradcheck(lambda t: t.sin(), (x,))
            except RuntimeError:
                pass  # float32 differences may fail, which is the point of the warning
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert T.autograd.gradcheck(lambda t: t.sin(), (x.double().detach().requires_grad_(),))
