"""Losses (functional and modules) against torch: values, gradients, options, stability, errors."""

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op

import chainrule

F_ = lambda T: T.nn.functional  # noqa: E731
REDS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)


def _arr(shape, low=-2, high=2):
    return rng.uniform(low, high, size=shape)


def _check(fn, arrays, rg=None, **kw):
    """check_op with float arrays cast per dtype and integer arrays kept."""
    for dt in ("float32", "float64"):
        arrs = [a.astype(dt) if a.dtype.kind == "f" else a for a in arrays]
        check_op(fn, None, arrays=arrs, dtypes=(dt,), requires_grad=rg, **kw)


# ---- pointwise -------------------------------------------------------------------------------
@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize(
    "name,kw",
    [
        ("mse_loss", {}),
        ("l1_loss", {}),
        ("smooth_l1_loss", {}),
        ("smooth_l1_loss", {"beta": 0.5}),
        ("smooth_l1_loss", {"beta": 0.0}),
        ("huber_loss", {}),
        ("huber_loss", {"delta": 0.3}),
    ],
)
def test_pointwise_losses(name, kw, red):
    fn = lambda T, x, y: getattr(F_(T), name)(x, y, reduction=red, **kw)  # noqa: E731
    check_op(fn, [(4, 5), (4, 5)])
    check_op(fn, [(), ()])
    check_op(fn, [(0, 3), (0, 3)])
    x = np.array([0.0, 1.0, -1.0, 0.5])
    _check(fn, [x, x.copy()])  # zero differences: subgradient at 0 matches torch


def test_pointwise_broadcast_warns_like_torch():
    for name in ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"]:
        fn = lambda T, x, y, name=name: getattr(F_(T), name)(x, y)  # noqa: E731
        with pytest.warns(
            UserWarning,
            match=r"Using a target size \(torch.Size\(\[3\]\)\) that is different to "
            r"the input size \(torch.Size\(\[3, 1\]\)\)",
        ):
            fn(chainrule, chainrule.randn(3, 1), chainrule.randn(3))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_op(fn, [(3, 1), (3,)])
            assert_raises_like_torch(
                fn,
                np.ones((3, 4), "f"),
                np.ones((3, 2), "f"),
                match=r"The size of tensor a \(4\) must match the size of tensor b \(2\)",
            )


def test_pointwise_dtypes_and_options():
    check_op(lambda T, x, y: F_(T).mse_loss(x, y.long()), [(3, 4), (3, 4)], requires_grad=[True, False])
    check_op(lambda T, x, y: F_(T).mse_loss(x, y.double()), [(3, 4), (3, 4)], dtypes=("float32",))
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        out = chainrule.nn.functional.mse_loss(chainrule.ones(2), chainrule.zeros(2), size_average=False)
    assert out.item() == 2.0
    assert_raises_like_torch(
        lambda T, x, y: F_(T).mse_loss(x, y, reduction="foo"),
        np.ones(2, "f"),
        np.ones(2, "f"),
        match="foo is not a valid value for reduction",
    )
    assert_raises_like_torch(
        lambda T, x, y: F_(T).huber_loss(x, y, delta=0),
        np.ones(2, "f"),
        np.ones(2, "f"),
        match="non-positive values for delta",
    )
    assert_raises_like_torch(
        lambda T, x, y: F_(T).smooth_l1_loss(x, y, beta=-1),
        np.ones(2, "f"),
        np.ones(2, "f"),
        match="negative values for beta",
    )
    for name in ["mse_loss", "smooth_l1_loss", "huber_loss"]:
        check_gradcheck(lambda T, x, y, name=name: getattr(F_(T), name)(x, y), [(3, 4), (3, 4)], gradgrad=True)


# ---- cross entropy / nll -------------------------------------------------------------------------
CE_CASES = [
    ((5, 4), (5,)),
    ((4,), ()),
    ((2, 3, 4), (2, 4)),
    ((2, 3, 2, 2), (2, 2, 2)),
    ((2, 3, 1, 2, 2), (2, 1, 2, 2)),
    ((0, 3), (0,)),
]


def _targets(xshape, tshape, ignore=None):
    c = xshape[0] if len(xshape) == 1 else xshape[1]
    t = rng.integers(0, c, size=tshape)
    if ignore is not None and t.size:
        t.flat[0] = ignore
    return t


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("xs,ts", CE_CASES)
def test_cross_entropy_and_nll_class_indices(xs, ts, red):
    c = xs[0] if len(xs) == 1 else xs[1]
    t = _targets(xs, ts)
    w = rng.uniform(0.2, 2.0, size=c)
    x = _arr(xs)
    rgw = [True, False]
    _check(lambda T, a, b: F_(T).cross_entropy(a, b, reduction=red), [x, t], rgw)
    _check(lambda T, a, b: F_(T).nll_loss(a, b, reduction=red), [x, t], rgw)
    _check(lambda T, a, b, ww: F_(T).cross_entropy(a, b, weight=ww, reduction=red), [x, t, w], [True, False, False])
    _check(lambda T, a, b, ww: F_(T).nll_loss(a, b, weight=ww, reduction=red), [x, t, w], [True, False, False])
    ti = _targets(xs, ts, ignore=1)
    _check(lambda T, a, b: F_(T).cross_entropy(a, b, ignore_index=1, reduction=red), [x, ti], rgw)
    _check(lambda T, a, b: F_(T).nll_loss(a, b, ignore_index=1, reduction=red), [x, ti], rgw)
    _check(
        lambda T, a, b, ww: F_(T).cross_entropy(a, b, weight=ww, label_smoothing=0.2, ignore_index=1, reduction=red),
        [x, ti, w],
        [True, False, False],
    )
    _check(lambda T, a, b: F_(T).cross_entropy(a, b, label_smoothing=0.1, reduction=red), [x, t], rgw)


@pytest.mark.parametrize("red", REDS)
@pytest.mark.parametrize("xs", [(5, 4), (4,), (2, 3, 4)])
def test_cross_entropy_probability_targets(xs, red):
    axis = 0 if len(xs) == 1 else 1
    p = np.exp(_arr(xs))
    p = p / p.sum(axis=axis, keepdims=True)
    x = _arr(xs)
    c = xs[axis]
    w = rng.uniform(0.2, 2.0, size=c)
    _check(lambda T, a, b: F_(T).cross_entropy(a, b, reduction=red), [x, p])
    _check(lambda T, a, b: F_(T).cross_entropy(a, b, reduction=red, label_smoothing=0.3), [x, p])
    _check(lambda T, a, b, ww: F_(T).cross_entropy(a, b, ww, reduction=red), [x, p, w], [True, True, False])


def test_cross_entropy_all_ignored_and_stability():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [0.0, 0.0, -1e4]], dtype="f")
    t = np.array([1, 0, 2])
    for ls in (0.0, 0.1):
        check_op(
            lambda T, a, b, ls=ls: F_(T).cross_entropy(a, b, label_smoothing=ls),
            None,
            arrays=[x, t],
            dtypes=("float32",),
            requires_grad=[True, False],
            tol_scale=10,
        )
    c = chainrule.nn.functional.cross_entropy(chainrule.tensor(x, requires_grad=True), chainrule.tensor(t))
    assert np.isfinite(c.item()) and c.item() > 1e3
    _check(lambda T, a, b: F_(T).cross_entropy(a, b), [_arr((2, 3)), np.array([-100, -100])], [True, False])
    _check(
        lambda T, a, b: F_(T).binary_cross_entropy_with_logits(a, b),
        [np.array([1e4, -1e4, 0.0]), np.array([0.0, 1.0, 1.0])],
    )


def test_cross_entropy_double_backward_and_modules():
    t = np.array([0, 2, 1])
    check_gradcheck(lambda T, a, b: F_(T).cross_entropy(a, b), None, arrays=[_arr((3, 4)), t], gradgrad=True)
    check_gradcheck(
        lambda T, a, b: F_(T).cross_entropy(a, b, label_smoothing=0.2, reduction="sum"),
        None,
        arrays=[_arr((3, 4)), t],
        gradgrad=True,
    )
    check_gradcheck(
        lambda T, a, b: F_(T).nll_loss(a, b, reduction="none"), None, arrays=[_arr((3, 4)), t], gradgrad=True
    )
    p = np.full((3, 4), 0.25)
    check_gradcheck(lambda T, a, b: F_(T).cross_entropy(a, b), None, arrays=[_arr((3, 4)), p], gradgrad=True)
    w = rng.uniform(0.5, 1.5, 4).astype("f")
    tm = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), ignore_index=1, label_smoothing=0.1)
    cm = chainrule.nn.CrossEntropyLoss(weight=chainrule.tensor(w), ignore_index=1, label_smoothing=0.1)
    assert repr(cm) == repr(tm) == "CrossEntropyLoss()"
    assert list(cm.state_dict()) == list(tm.state_dict()) == ["weight"]
    _check(
        lambda T, a, b: (tm if T is torch else cm).to(a.dtype)(a, b),
        [_arr((5, 4)), np.array([0, 1, 2, 3, 1])],
        [True, False],
    )
    x = chainrule.randn(3, 4, requires_grad=True)
    assert chainrule.nn.functional.cross_entropy(x, chainrule.tensor([0, 1, 2])).grad_fn.name() == "NllLossBackward0"


def test_cross_entropy_nll_errors_like_torch():
    x = np.ones((4, 3), "f")
    ce = lambda T, a, b, **k: F_(T).cross_entropy(a, b, **k)  # noqa: E731
    nll = lambda T, a, b, **k: F_(T).nll_loss(a, b, **k)  # noqa: E731
    cases = [
        (ce, x, np.array([0, 1, 2, 3]), "Target 3 is out of bounds."),
        (ce, x, np.array([0, 1, -1, 2]), "Target -1 is out of bounds."),
        (ce, x, np.array([0.0, 1, 2, 1], "f"), "expected target dtype to be Long or Byte, but got Float"),
        (ce, x, np.array([0, 1, 2]), r"Expected input batch_size \(4\) to match target batch_size \(3\)."),
        (ce, np.ones((4, 3, 5), "f"), np.zeros((4, 6), np.int64), r"Expected target size \[4, 5\], got \[4, 6\]"),
        (ce, x, np.zeros((4, 3), np.int64), "Expected floating point type for target with class probabilities"),
        (ce, x, np.zeros(4, np.int32), "expected target dtype to be Long or Byte, but got Int"),
        (nll, x, np.zeros((4, 3), "f"), "0D or 1D target tensor expected, multi-target not supported"),
        (nll, np.ones((2, 3, 4, 5), "f"), np.zeros((2, 4), np.int64), "only batches of spatial targets supported"),
        (nll, np.ones((3,), "f"), np.zeros(3, np.int64), "For 1D input, 1D target must have size 1"),
        (ce, np.ones((), "f"), np.array(1), "Expected floating point type for target with class probabilities"),
        (nll, np.ones((), "f"), np.array(1), r"Expected 1 or more dimensions \(got 0\)"),
    ]
    for fn, a, b, msg in cases:
        assert_raises_like_torch(fn, a, b, match=msg)
    assert_raises_like_torch(
        lambda T, a, b: ce(T, a, b, label_smoothing=1.5),
        x,
        np.zeros(4, np.int64),
        match="label_smoothing must be between 0.0 and 1.0. Got: 1.5",
    )
    assert_raises_like_torch(
        lambda T, a, b: ce(T, a, b, ignore_index=1),
        x,
        np.zeros((4, 3), "f"),
        match="ignore_index is not supported for floating point target",
    )
    assert_raises_like_torch(
        lambda T, a, b, w: ce(T, a, b, weight=w),
        x,
        np.zeros(4, np.int64),
        np.ones(4, "f"),
        match="weight tensor should be defined either for all 3 classes",
    )
    assert_raises_like_torch(
        lambda T, a, b: ce(T, a, b, reduction="avg"),
        x,
        np.zeros(4, np.int64),
        match="avg is not a valid value for reduction",
    )


# ---- binary cross entropy ---------------------------------------------------------------------------
@pytest.mark.parametrize("red", REDS)
def test_binary_cross_entropy(red):
    x = rng.uniform(0.02, 0.98, (4, 3))
    t = rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (3,))
    _check(lambda T, a, b: F_(T).binary_cross_entropy(a, b, reduction=red), [x, t])
    _check(lambda T, a, b, ww: F_(T).binary_cross_entropy(a, b, ww, reduction=red), [x, t, w], [True, True, False])
    edge = np.array([0.0, 1.0, 0.5, 1.0, 0.0])
    te = np.array([0.0, 1.0, 0.5, 0.0, 1.0])
    _check(lambda T, a, b: F_(T).binary_cross_entropy(a, b, reduction=red), [edge, te], [False, False])


def test_binary_cross_entropy_errors():
    bce = lambda T, a, b: F_(T).binary_cross_entropy(a, b)  # noqa: E731
    assert_raises_like_torch(
        bce, np.full((3, 1), 0.5, "f"), np.full(3, 0.5, "f"), match="that is different to the input size"
    )
    assert_raises_like_torch(bce, np.full(3, 1.5, "f"), np.full(3, 0.5, "f"), match="input should be between 0 and 1")
    assert_raises_like_torch(bce, np.full(3, 0.5, "f"), np.full(3, 2.0, "f"), match="target should be between 0 and 1")
    assert_raises_like_torch(bce, np.full(3, 0.5, "f"), np.full(3, 0.5), match="Found dtype Double but expected Float")


@pytest.mark.parametrize("red", REDS)
def test_bce_with_logits(red):
    x, t = _arr((4, 3), -5, 5), rng.uniform(0, 1, (4, 3))
    pw, w = rng.uniform(0.5, 3, (3,)), rng.uniform(0.5, 2, (4, 1))
    f = F_
    _check(lambda T, a, b: f(T).binary_cross_entropy_with_logits(a, b, reduction=red), [x, t])
    _check(
        lambda T, a, b, p: f(T).binary_cross_entropy_with_logits(a, b, pos_weight=p, reduction=red),
        [x, t, pw],
        [True, True, False],
    )
    _check(
        lambda T, a, b, ww, p: f(T).binary_cross_entropy_with_logits(a, b, ww, pos_weight=p, reduction=red),
        [x, t, w, pw],
        [True, True, False, False],
    )
    check_gradcheck(lambda T, a, b: f(T).binary_cross_entropy_with_logits(a, b), None, arrays=[x, t], gradgrad=True)
    assert_raises_like_torch(
        lambda T, a, b: f(T).binary_cross_entropy_with_logits(a, b),
        np.ones((3, 1), "f"),
        np.ones((3, 2), "f"),
        match=r"Target size \(torch.Size\(\[3, 2\]\)\) must be the same",
    )


# ---- KL / others --------------------------------------------------------------------------------------
@pytest.mark.parametrize("red", REDS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(red, log_target):
    x = np.log(rng.uniform(0.05, 1, (3, 4)))
    t = rng.uniform(0.0, 1, (3, 4))
    t[0, 0] = 0.0
    rg = [True, True]
    if log_target:
        t = np.log(t + 0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _check(lambda T, a, b: F_(T).kl_div(a, b, reduction=red, log_target=log_target), [x, t], rg)


def test_kl_div_mean_warning():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        chainrule.nn.functional.kl_div(chainrule.zeros(2, 2), chainrule.ones(2, 2))


@pytest.mark.parametrize("red", REDS)
def test_other_losses(red):
    x, y = _arr((4, 3)), _arr((4, 3))
    sgn = np.where(rng.uniform(size=(4,)) > 0.5, 1.0, -1.0)
    sgn3 = np.where(rng.uniform(size=(4, 3)) > 0.5, 1.0, -1.0)
    cnt = rng.integers(0, 5, (4, 3)).astype("f8")
    f = F_
    _check(lambda T, a, b: f(T).poisson_nll_loss(a, b, reduction=red), [x, cnt], [True, False])
    _check(
        lambda T, a, b: f(T).poisson_nll_loss(a, b, log_input=False, full=True, reduction=red),
        [np.abs(x) + 0.1, cnt],
        [True, False],
    )
    _check(  # the Stirling term is differentiable in the target
        lambda T, a, b: f(T).poisson_nll_loss(a, b, full=True, reduction=red),
        [x, cnt + rng.uniform(size=(4, 3))],
        [True, True],
    )
    _check(
        lambda T, a, b, s: f(T).margin_ranking_loss(a, b, s, margin=0.2, reduction=red),
        [x[:, 0], y[:, 0], sgn],
        [True, True, False],
    )
    _check(lambda T, a, s: f(T).soft_margin_loss(a, s, reduction=red), [x, sgn3], [True, False])
    _check(lambda T, a, s: f(T).hinge_embedding_loss(a, s, margin=0.5, reduction=red), [x, sgn3], [True, False])
    _check(
        lambda T, a, b, s: f(T).cosine_embedding_loss(a, b, s, margin=0.1, reduction=red),
        [x, y, sgn],
        [True, True, False],
    )
    _check(lambda T, a, b, v: f(T).gaussian_nll_loss(a, b, v, reduction=red), [x, y, np.abs(y) + 0.1])
    t01 = (rng.uniform(size=(4, 3)) > 0.5).astype("f8")
    _check(lambda T, a, b: f(T).multilabel_soft_margin_loss(a, b, reduction=red), [x, t01], [True, False])
    _check(
        lambda T, a, b, w: f(T).multilabel_soft_margin_loss(a, b, w, reduction=red),
        [x, t01, np.abs(y[0])],
        [True, False, False],
    )
    z = _arr((4, 3))
    _check(lambda T, a, b, n: f(T).triplet_margin_loss(a, b, n, margin=2.0, reduction=red), [x, y, z])
    _check(lambda T, a, b, n: f(T).triplet_margin_loss(a, b, n, p=1, swap=True, reduction=red), [x, y, z])
    _check(lambda T, a, b, v: f(T).gaussian_nll_loss(a, b, v, full=True, reduction=red), [x, y, np.abs(y[:, :1])])


LOSS_MODULES = [
    ("L1Loss", {}, "reg"),
    ("MSELoss", {"reduction": "sum"}, "reg"),
    ("SmoothL1Loss", {"beta": 0.5}, "reg"),
    ("HuberLoss", {"delta": 0.5}, "reg"),
    ("NLLLoss", {}, "cls"),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}, "cls"),
    ("BCELoss", {}, "prob"),
    ("BCEWithLogitsLoss", {}, "reg01"),
    ("KLDivLoss", {"reduction": "batchmean"}, "reg"),
    ("PoissonNLLLoss", {}, "reg"),
    ("SoftMarginLoss", {}, "sgn"),
]


@pytest.mark.parametrize("name,kw,kind", LOSS_MODULES)
def test_loss_modules(name, kw, kind):
    tm, cm = getattr(torch.nn, name)(**kw), getattr(chainrule.nn, name)(**kw)
    assert repr(cm) == repr(tm)
    assert cm.reduction == tm.reduction
    x = _arr((5, 3))
    if kind == "cls":
        args, rg = [x, rng.integers(0, 3, 5)], [True, False]
    elif kind == "prob":
        args, rg = [rng.uniform(0.05, 0.95, (5, 3)), rng.uniform(0, 1, (5, 3))], None
    elif kind == "sgn":
        args, rg = [x, np.sign(_arr((5, 3)))], [True, False]
    elif kind == "reg01":
        args, rg = [x, rng.uniform(0, 1, (5, 3))], None
    else:
        args, rg = [x, _arr((5, 3))], None
    _check(lambda T, a, b: (tm if T is torch else cm)(a, b), args, rg)


def test_weighted_loss_buffers():
    w = chainrule.ones(3)
    m = chainrule.nn.NLLLoss(weight=w)
    assert list(dict(m.named_buffers())) == ["weight"]
    b = chainrule.nn.BCEWithLogitsLoss(pos_weight=chainrule.ones(3))
    assert list(b.state_dict()) == list(torch.nn.BCEWithLogitsLoss(pos_weight=torch.ones(3)).state_dict())
