"""Linear/Bilinear, activations, dropout, pad, one_hot, normalize: values and gradients against torch."""

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op

import chainrule

F_ = lambda T: T.nn.functional  # noqa: E731


# ---- linear ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "xs,ws,bs",
    [
        ((4, 3), (5, 3), (5,)),
        ((2, 3, 4), (6, 4), (6,)),
        ((4,), (2, 4), (2,)),
        ((0, 3), (2, 3), (2,)),
        ((3, 4), (2, 4), (3, 2)),
    ],
)
def test_linear_matches_torch(xs, ws, bs):
    check_op(lambda T, x, w, b: F_(T).linear(x, w, b), [xs, ws, bs])


def test_linear_no_bias_and_gradcheck():
    check_op(lambda T, x, w: F_(T).linear(x, w), [(2, 3, 4), (5, 4)])
    check_op(lambda T, x, w: F_(T).linear(x, w), [(3, 4), (4,)])
    check_op(lambda T, x, w: F_(T).linear(x, w), [(4,), (4,)])
    check_gradcheck(lambda T, x, w, b: F_(T).linear(x, w, b), [(3, 4), (2, 4), (2,)], gradgrad=True)
    check_gradcheck(lambda T, x, w: F_(T).linear(x, w), [(2, 3, 4), (2, 4)], gradgrad=True)


def test_linear_errors():
    for xs, ws in [((32, 10), (1, 5)), ((2, 3, 10), (1, 5)), ((10,), (1, 5))]:
        assert_raises_like_torch(
            lambda T, x, w: F_(T).linear(x, w),
            np.ones(xs, "f"),
            np.ones(ws, "f"),
            match="mat1 and mat2 shapes cannot be multiplied",
        )
    assert_raises_like_torch(
        lambda T, x, w: F_(T).linear(x, w), np.ones((3, 4), "f"), np.ones((2, 4)), match="same dtype"
    )
    assert_raises_like_torch(lambda T, x, w: F_(T).linear(x, w), np.ones((), "f"), np.ones(4, "f"), match="1D")


def test_linear_module_with_torch_weights():
    tl = torch.nn.Linear(7, 3)
    cl = chainrule.nn.Linear(7, 3)
    cl.load_state_dict(tl.state_dict())
    x = np.random.default_rng(0).standard_normal((5, 7)).astype("f")
    tx, cx = torch.tensor(x, requires_grad=True), chainrule.tensor(x, requires_grad=True)
    (tl(tx) ** 2).sum().backward()
    (cl(cx) ** 2).sum().backward()
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cl.weight.grad.numpy(), tl.weight.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cl.bias.grad.numpy(), tl.bias.grad.numpy(), rtol=1e-5, atol=1e-6)
    assert repr(cl) == repr(tl)
    assert repr(chainrule.nn.Linear(2, 3, bias=False)) == repr(torch.nn.Linear(2, 3, bias=False))
    assert cl(cx).grad_fn.name() == tl(tx).grad_fn.name() == "AddmmBackward0"


def test_linear_default_init_bounds():
    chainrule.manual_seed(0)
    m = chainrule.nn.Linear(50, 40)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    bound = 1 / np.sqrt(50)  # kaiming_uniform(a=sqrt(5)) gives the same bound as the bias
    assert w.shape == (40, 50) and b.shape == (40,)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(b).max() <= bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.05 * bound
    d = chainrule.nn.Linear(3, 2, dtype=chainrule.float64)
    assert d.weight.dtype == chainrule.float64


def test_bilinear_matches_torch():
    check_op(lambda T, a, b, w, c: F_(T).bilinear(a, b, w, c), [(4, 3), (4, 5), (2, 3, 5), (2,)])
    check_op(lambda T, a, b, w: F_(T).bilinear(a, b, w), [(2, 4, 3), (2, 4, 5), (2, 3, 5)])
    check_gradcheck(lambda T, a, b, w, c: F_(T).bilinear(a, b, w, c), [(3, 2), (3, 3), (2, 2, 3), (2,)], gradgrad=True)
    assert_raises_like_torch(
        lambda T, a, b, w: F_(T).bilinear(a, b, w),
        np.ones((2, 3), "f"),
        np.ones((2, 4), "f"),
        np.ones((5, 6, 4), "f"),
        match="input1 size does not match",
    )
    assert repr(chainrule.nn.Bilinear(2, 3, 4)) == repr(torch.nn.Bilinear(2, 3, 4))


def test_identity_flatten_unflatten():
    x = chainrule.randn(2, 3, 4, 5)
    assert chainrule.nn.Identity(3, k=1)(x) is x
    assert chainrule.nn.Flatten()(x).shape == (2, 60)
    assert chainrule.nn.Flatten(0, 2)(x).shape == (24, 5)
    assert chainrule.nn.Unflatten(1, (3, 1))(chainrule.randn(2, 3)).shape == (2, 3, 1)
    assert chainrule.nn.Unflatten(-1, (2, -1))(chainrule.randn(2, 6)).shape == (2, 2, 3)
    check_op(lambda T, a: T.nn.Flatten()(a) * 2, [(2, 3, 4)])
    assert repr(chainrule.nn.Unflatten(1, (2, 3))) == repr(torch.nn.Unflatten(1, (2, 3)))
    assert repr(chainrule.nn.Flatten()) == repr(torch.nn.Flatten())
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        chainrule.nn.Unflatten(1, (2, 3.0))


# ---- activations -------------------------------------------------------------------------------
ACTS = [
    lambda T, x: F_(T).relu(x),
    lambda T, x: F_(T).relu6(x * 4),
    lambda T, x: F_(T).leaky_relu(x),
    lambda T, x: F_(T).leaky_relu(x, 0.2),
    lambda T, x: F_(T).elu(x),
    lambda T, x: F_(T).elu(x, 0.5),
    lambda T, x: F_(T).selu(x),
    lambda T, x: F_(T).celu(x, 1.5),
    lambda T, x: F_(T).gelu(x),
    lambda T, x: F_(T).gelu(x, approximate="tanh"),
    lambda T, x: F_(T).silu(x),
    lambda T, x: F_(T).mish(x),
    lambda T, x: F_(T).sigmoid(x),
    lambda T, x: F_(T).tanh(x),
    lambda T, x: F_(T).softplus(x),
    lambda T, x: F_(T).softplus(x, beta=2, threshold=1.5),
    lambda T, x: F_(T).softsign(x),
    lambda T, x: F_(T).hardtanh(x, -0.5, 1.2),
    lambda T, x: F_(T).hardsigmoid(x * 4),
    lambda T, x: F_(T).hardswish(x * 4),
    lambda T, x: F_(T).logsigmoid(x),
    lambda T, x: F_(T).threshold(x, 0.3, -2.0),
    lambda T, x: F_(T).tanhshrink(x),
    lambda T, x: F_(T).softshrink(x, 0.4),
    lambda T, x: F_(T).hardshrink(x, 0.4),
]


@pytest.mark.parametrize("fn", ACTS)
@pytest.mark.parametrize("shape", [(3, 4), (), (2, 0, 3)])
def test_activation_matches_torch(fn, shape):
    check_op(fn, [shape], low=-3, high=3)


@pytest.mark.parametrize("i", [4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 20, 22])
def test_activation_double_backward(i):
    check_gradcheck(ACTS[i], [(3, 4)], gradgrad=True, low=-2.5, high=2.5)


def test_activations_extreme_values():
    x = np.array([-1e4, -100.0, -30.0, 0.0, 30.0, 100.0, 1e4], dtype="f")
    for fn in [
        lambda T, a: F_(T).softplus(a),
        lambda T, a: F_(T).logsigmoid(a),
        lambda T, a: F_(T).silu(a),
        lambda T, a: F_(T).mish(a),
        lambda T, a: F_(T).elu(a),
        lambda T, a: F_(T).gelu(a),
        lambda T, a: F_(T).selu(a),
    ]:
        check_op(fn, None, arrays=[x], dtypes=("float32",))


@pytest.mark.parametrize(
    "name",
    ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "hardtanh", "silu", "mish", "hardswish", "hardsigmoid"],
)
def test_inplace_activation(name):
    def fn(T, a):
        y = a * 3
        out = getattr(F_(T), name)(y, inplace=True)
        assert out is y
        return out * 2

    check_op(fn, [(4, 5)])


def test_inplace_on_leaf_raises():
    assert_raises_like_torch(lambda T, a: F_(T).relu(a.requires_grad_(), inplace=True), np.ones(3, "f"))


_THRESHOLD_CASES = [
    lambda T, x: F_(T).threshold(x, 0.5, -3.0),
    lambda T, x: F_(T).threshold(x, 0.5, -3.0, inplace=True),
    lambda T, x: F_(T).threshold_(x, 0.5, -3.0),
    lambda T, x: T.nn.Threshold(0.5, -3.0)(x),
    lambda T, x: T.nn.Threshold(0.5, -3.0, inplace=True)(x),
]


@pytest.mark.parametrize("fn", _THRESHOLD_CASES)
def test_threshold_functional_and_module_like_torch(fn):
    # NaN is kept (NaN > t is false, but torch replaces only x <= t); the in-place forms record ThresholdBackward1
    x = np.array([np.nan, 0.5, 1.0, -2.0, np.inf])
    check_op(lambda T, a: fn(T, a * 1), None, arrays=[x])
    names = []
    for T in (torch, chainrule):
        names.append(fn(T, T.tensor(x, requires_grad=True) * 1).grad_fn.name())
        y = T.tensor(x)
        assert (fn(T, y) is y) == (fn is not _THRESHOLD_CASES[0] and fn is not _THRESHOLD_CASES[3])
    assert names[1] == names[0]


def _threshold_with(form, T, x, thr, val):
    f, t = F_(T), T.tensor(x)
    if form == "F":
        return f.threshold(t, thr, val)
    if form == "F_":
        return f.threshold_(t, thr, val)
    return T.nn.Threshold(thr, val, inplace=form == "module_")(t)


@pytest.mark.parametrize("form", ["F", "F_", "module", "module_"])
@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "int8"])
def test_threshold_integer_dtypes_like_torch(form, dtype):
    # scalars are converted to the integer type (toward zero); values the type cannot hold raise
    x = np.array([0, 1, 2, 3, 100], dtype)
    for thr, val in [(1.5, 7.9), (2, -3), (-1.0, 1), (2.5, 300), (1e30, 1), (1, float("nan"))]:
        try:
            want = _threshold_with(form, torch, x, thr, val)
        except RuntimeError:
            assert_raises_like_torch(lambda T, t=thr, v=val: _threshold_with(form, T, x, t, v))
            continue
        got = _threshold_with(form, chainrule, x, thr, val)
        assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()


def test_threshold_bool_and_bad_scalars_like_torch():
    for fn in _THRESHOLD_CASES:
        assert_raises_like_torch(fn, np.array([True, False]))
    assert_raises_like_torch(lambda T: F_(T).threshold(T.ones(2, dtype=T.float16), 1.0, 7e4))
    assert_raises_like_torch(lambda T: F_(T).threshold(T.ones(2), "a", 1.0), match="argument 'threshold'")


def test_prelu_and_glu():
    check_op(lambda T, x, w: F_(T).prelu(x, w), [(2, 3, 4), (3,)])
    check_op(lambda T, x, w: F_(T).prelu(x, w), [(2, 3), (1,)])
    check_op(lambda T, x: F_(T).glu(x), [(3, 4)])
    check_op(lambda T, x: F_(T).glu(x, 0), [(4, 3)])
    check_gradcheck(lambda T, x: F_(T).glu(x, 1), [(2, 4)], gradgrad=True)
    tm, cm = torch.nn.PReLU(3), chainrule.nn.PReLU(3)
    assert repr(tm) == repr(cm) and cm.weight.shape == (3,) and np.all(cm.weight.detach().numpy() == 0.25)


@pytest.mark.parametrize(
    "shape,dim", [((3, 5), 1), ((3, 5), 0), ((2, 3, 4), -1), ((2, 3, 4), 1), ((4,), 0), ((), 0), ((2, 0), 1)]
)
def test_softmax_family(shape, dim):
    check_op(lambda T, x: F_(T).softmax(x, dim), [shape])
    check_op(lambda T, x: F_(T).log_softmax(x, dim), [shape])
    check_op(lambda T, x: F_(T).softmin(x, dim), [shape])


def test_softmax_stability_dtype_and_gradgrad():
    x = np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4]], dtype="f")
    check_op(lambda T, a: F_(T).softmax(a, 1), None, arrays=[x], dtypes=("float32",))
    check_op(lambda T, a: F_(T).log_softmax(a, 1), None, arrays=[x], dtypes=("float32",))
    check_op(lambda T, a: F_(T).softmax(a, 1, dtype=T.float64), [(2, 3)], dtypes=("float32",))
    check_gradcheck(lambda T, a: F_(T).softmax(a, 1), [(2, 4)], gradgrad=True)
    check_gradcheck(lambda T, a: F_(T).log_softmax(a, 0), [(3, 2)], gradgrad=True)
    with pytest.warns(UserWarning, match="Implicit dimension choice"):
        chainrule.nn.functional.softmax(chainrule.randn(2, 3))


ACT_MODULES = [
    ("ReLU", ()),
    ("ReLU", (True,)),
    ("ReLU6", ()),
    ("LeakyReLU", (0.2, True)),
    ("ELU", (0.5,)),
    ("SELU", ()),
    ("CELU", ()),
    ("GELU", ("tanh",)),
    ("SiLU", ()),
    ("Mish", ()),
    ("Sigmoid", ()),
    ("Tanh", ()),
    ("Softmax", (1,)),
    ("LogSoftmax", (-1,)),
    ("Softmin", (1,)),
    ("Softplus", (2, 10)),
    ("Softsign", ()),
    ("Hardtanh", (-2, 2)),
    ("Hardsigmoid", ()),
    ("Hardswish", ()),
    ("LogSigmoid", ()),
    ("PReLU", ()),
    ("Threshold", (0.1, 20)),
    ("Tanhshrink", ()),
    ("Softshrink", ()),
    ("Hardshrink", ()),
    ("GLU", ()),
    ("Softmax2d", ()),
]


@pytest.mark.parametrize("name,args", ACT_MODULES)
def test_activation_modules(name, args):
    tm, cm = getattr(torch.nn, name)(*args), getattr(chainrule.nn, name)(*args)
    assert repr(cm) == repr(tm)
    if name == "PReLU":
        cm.load_state_dict(tm.state_dict())
    check_op(lambda T, x: (tm if T is torch else cm).to(x.dtype)(x * 3), [(2, 4, 2, 2)])


# ---- dropout ----------------------------------------------------------------------------------
def test_dropout_train_eval_and_scaling():
    x = chainrule.ones(200, 100)
    m = chainrule.nn.Dropout(0.3)
    y = m(x).numpy()
    vals = np.unique(y)
    assert len(vals) == 2 and vals[0] == 0 and vals[1] == np.float32(1) / np.float32(0.7)
    assert abs((y == 0).mean() - 0.3) < 0.02
    m.eval()
    assert m(x) is x
    assert chainrule.nn.functional.dropout(x, 0.0) is x
    assert np.all(chainrule.nn.functional.dropout(x, 1.0).numpy() == 0)
    xg = chainrule.randn(10, 10, requires_grad=True)
    out = chainrule.nn.functional.dropout(xg, 0.5)
    out.sum().backward()
    np.testing.assert_allclose(xg.grad.numpy(), (out.detach().numpy() != 0) * 2.0)
    assert repr(m) == repr(torch.nn.Dropout(0.3))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        chainrule.nn.Dropout(1.5)
    assert_raises_like_torch(lambda T, a: F_(T).dropout(a, 1.5), np.ones(3, "f"))


def test_dropout_inplace_and_feature():
    x = chainrule.randn(4, 5)
    y = x * 1
    assert chainrule.nn.functional.dropout(y, 0.5, inplace=True) is y
    z = chainrule.nn.functional.dropout2d(chainrule.ones(8, 16, 3, 3), 0.5).numpy()
    per_channel = z.reshape(8, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    z1 = chainrule.nn.Dropout1d(0.5)(chainrule.ones(16, 5)).numpy()
    assert np.all((z1 == 0).all(-1) | (z1 == 2.0).all(-1))
    a = chainrule.nn.AlphaDropout(0.2)(chainrule.randn(20000)).numpy()
    assert abs(a.mean()) < 0.05 and abs(a.std() - 1) < 0.05
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chainrule.nn.Dropout2d(0.5)(chainrule.ones(2, 3, 4, 4))


# ---- pad / one_hot / normalize / distances ---------------------------------------------------
@pytest.mark.parametrize(
    "shape,pads,mode",
    [
        ((2, 3, 4), (1, 2), "constant"),
        ((2, 3, 4), (1, 1, 2, 0), "constant"),
        ((2, 3, 4), (-1, 2, -1, 0), "constant"),
        ((2, 3, 4), (1, 2), "reflect"),
        ((2, 3, 4, 5), (1, 2, 2, 1), "reflect"),
        ((1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2), "replicate"),
        ((2, 3, 4), (3, 1), "replicate"),
        ((2, 3, 4), (4, 2), "circular"),
        ((2, 3, 4, 5), (1, 2, 3, 0), "circular"),
        ((3, 4), (2, 1), "reflect"),
        ((2, 3, 4), (-1, 2), "replicate"),
    ],
)
def test_pad_matches_torch(shape, pads, mode):
    check_op(lambda T, x: F_(T).pad(x, pads, mode=mode), [shape])


def test_pad_value_gradgrad_and_errors():
    check_op(lambda T, x: F_(T).pad(x, (1, 2), value=2.5), [(2, 3)])
    check_gradcheck(lambda T, x: F_(T).pad(x, (1, 2, 0, 1), mode="reflect") ** 2, [(1, 3, 4)], gradgrad=True)
    check_gradcheck(lambda T, x: F_(T).pad(x, (1, -1)) ** 2, [(3, 4)], gradgrad=True)
    a = np.ones((2, 3, 4), "f")
    assert_raises_like_torch(lambda T, x: F_(T).pad(x, (1, 1, 1)), a, match="divisible by 2")
    assert_raises_like_torch(lambda T, x: F_(T).pad(x, (1,) * 8), a, match="two times the input dimension")
    assert_raises_like_torch(lambda T, x: F_(T).pad(x, (5, 1), mode="reflect"), a, match="Padding size should be")
    assert_raises_like_torch(lambda T, x: F_(T).pad(x, (1, 1), mode="foo"), a, match="Unrecognised padding mode")
    assert_raises_like_torch(
        lambda T, x: F_(T).pad(x, (1, 1), mode="reflect"), np.ones(3, "f"), match="not supported for 1D input"
    )


def test_one_hot():
    for arr, n in [(np.array([0, 2, 1]), -1), (np.array([[1, 0], [3, 2]]), 5), (np.zeros(0, np.int64), 3)]:
        t = torch.nn.functional.one_hot(torch.tensor(arr), n)
        c = chainrule.nn.functional.one_hot(chainrule.tensor(arr), n)
        assert c.dtype == chainrule.int64
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    f = lambda T, x, n=-1: F_(T).one_hot(x, n)  # noqa: E731
    assert_raises_like_torch(f, np.array([1.0, 2.0]), match="LongTensor")
    assert_raises_like_torch(lambda T, x: f(T, x, 2), np.array([1, 2]), match="smaller than num_classes")
    assert_raises_like_torch(lambda T, x: f(T, x, 4), np.array([1, -2]), match="non-negative")
    assert_raises_like_torch(f, np.zeros(0, np.int64), match="empty tensor")


def test_normalize_cosine_pairwise():
    check_op(lambda T, x: F_(T).normalize(x), [(3, 4)])
    check_op(lambda T, x: F_(T).normalize(x, p=1, dim=0), [(3, 4)])
    check_op(lambda T, x: F_(T).normalize(x, dim=-1), None, arrays=[np.array([[0.0, 0.0], [3.0, 4.0]])])
    check_op(lambda T, a, b: F_(T).cosine_similarity(a, b), [(3, 4), (3, 4)])
    check_op(lambda T, a, b: F_(T).cosine_similarity(a, b, dim=-1), [(2, 3, 4), (3, 4)])
    check_op(lambda T, a, b: F_(T).pairwise_distance(a, b), [(3, 4), (3, 4)])
    check_op(lambda T, a, b: F_(T).pairwise_distance(a, b, p=1, keepdim=True), [(3, 4), (4,)])
    check_gradcheck(lambda T, a, b: F_(T).cosine_similarity(a, b), [(3, 4), (3, 4)], gradgrad=True)
