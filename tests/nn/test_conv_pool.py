"""Convolution and pooling (functional and modules) against torch: values, gradients, errors."""

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from layer_parity import build, check_module, sgd_curve

import chainrule
import chainrule.nn  # noqa: F401  (chainrule.nn must be reachable as an attribute, like torch.nn)

# float32 sums over many products; float64 (tight tolerance) pins correctness
CT = 10

CONV2D = [
    dict(),
    dict(padding=1),
    dict(stride=2, padding=(1, 2), dilation=(2, 1)),
    dict(stride=(2, 3), padding=0, dilation=1),
    dict(padding="same", dilation=2),
    dict(padding="valid"),
    dict(padding="same"),
    dict(padding=3),
    dict(padding=(0, 2), dilation=(2, 1)),
]


@pytest.mark.parametrize("kw", CONV2D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(kw, bias):
    shapes = [(2, 4, 9, 8), (6, 4, 3, 2)] + ([(6,)] if bias else [])
    check_op(lambda T, x, w, *b: T.nn.functional.conv2d(x, w, *b, **kw), shapes, tol_scale=CT)


@pytest.mark.parametrize("groups", [2, 4])
def test_conv2d_groups(groups):
    shapes = [(2, 4, 7, 6), (8, 4 // groups, 3, 3), (8,)]
    check_op(
        lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, stride=2, padding=1, groups=groups), shapes, tol_scale=CT
    )
    check_op(lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, padding=2, groups=groups), shapes, tol_scale=CT)


def test_conv2d_unbatched_and_1x1():
    check_op(
        lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, padding=1), [(3, 5, 6), (4, 3, 3, 3), (4,)], tol_scale=CT
    )
    check_op(lambda T, x, w: T.nn.functional.conv2d(x, w), [(2, 3, 5, 6), (4, 3, 1, 1)], tol_scale=CT)
    check_op(lambda T, x, w: T.nn.functional.conv2d(x, w, stride=2), [(2, 3, 5, 6), (4, 3, 1, 1)], tol_scale=CT)


def test_conv2d_noncontiguous_input():
    check_op(
        lambda T, x, w: T.nn.functional.conv2d(x.transpose(2, 3), w, padding=1),
        [(2, 3, 5, 6), (4, 3, 3, 3)],
        tol_scale=CT,
    )


@pytest.mark.parametrize("kw", [dict(), dict(padding=2, stride=2), dict(padding="same", dilation=3), dict(groups=2)])
def test_conv1d(kw):
    check_op(
        lambda T, x, w, b: T.nn.functional.conv1d(x, w, b, **kw),
        [(2, 4, 11), (6, 4 // kw.get("groups", 1), 3), (6,)],
        tol_scale=CT,
    )
    check_op(
        lambda T, x, w: T.nn.functional.conv1d(x, w, **kw), [(4, 11), (6, 4 // kw.get("groups", 1), 4)], tol_scale=CT
    )


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(stride=2, padding=1, output_padding=1),
        dict(stride=(2, 3), padding=(0, 1), output_padding=(1, 2), dilation=(1, 2)),
        dict(stride=2, groups=2, dilation=2, output_padding=1),
    ],
)
def test_conv_transpose2d(kw):
    g = kw.get("groups", 1)
    check_op(
        lambda T, x, w, b: T.nn.functional.conv_transpose2d(x, w, b, **kw),
        [(2, 4, 5, 6), (4, 6 // g, 3, 2), (6,)],
        tol_scale=CT,
    )
    check_op(lambda T, x, w: T.nn.functional.conv_transpose2d(x, w, **kw), [(4, 5, 6), (4, 6 // g, 3, 2)], tol_scale=CT)


def test_conv_transpose1d():
    check_op(
        lambda T, x, w, b: T.nn.functional.conv_transpose1d(x, w, b, stride=3, padding=1, output_padding=2),
        [(2, 4, 5), (4, 3, 3), (3,)],
        tol_scale=CT,
    )


def test_unfold_fold():
    kw = dict(kernel_size=(2, 3), dilation=(1, 2), padding=1, stride=(2, 1))
    check_op(lambda T, x: T.nn.functional.unfold(x, **kw), [(2, 3, 7, 6)])
    check_op(lambda T, x: T.nn.functional.fold(x, (7, 6), **kw), [(2, 18, 16)])
    check_op(lambda T, x: T.nn.functional.fold(x, (5, 5), 2), [(12, 16)])


def test_conv_gradcheck_and_double_backward():
    F = "nn.functional"
    conv = lambda T, x, w, b: T.nn.functional.conv2d(x, w, b, stride=2, padding=1, groups=2, dilation=(1, 2))
    check_gradcheck(conv, [(2, 4, 5, 6), (4, 2, 3, 2), (4,)], gradgrad=True)
    convt = lambda T, x, w, b: T.nn.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)
    check_gradcheck(convt, [(2, 4, 3, 4), (4, 3, 3, 2), (3,)], gradgrad=True)
    check_gradcheck(lambda T, x, w: T.nn.functional.conv1d(x, w, padding="same"), [(2, 3, 6), (2, 3, 4)], gradgrad=True)
    check_gradcheck(
        lambda T, x: T.nn.functional.fold(T.nn.functional.unfold(x, 2, padding=1), (4, 5), 2, padding=1),
        [(1, 2, 4, 5)],
        gradgrad=True,
    )
    assert F


def test_conv_double_backward_matches_torch():
    rng = np.random.default_rng(3)
    xa, wa = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3))
    res = []
    for T in (torch, chainrule):
        x = T.tensor(xa, requires_grad=True)
        w = T.tensor(wa, requires_grad=True)
        y = T.nn.functional.conv2d(x, w, stride=2, padding=1)
        gx, gw = T.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        ((gx * gx).sum() + (gw * gw * gw).sum()).backward()
        res.append((x.grad.numpy().copy(), w.grad.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-9)


def test_conv_grad_fn_name():
    x = chainrule.randn(1, 2, 5, 5, requires_grad=True)
    assert chainrule.nn.functional.conv2d(x, chainrule.randn(3, 2, 3, 3)).grad_fn.name() == "ConvolutionBackward0"


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, x, w: T.nn.functional.conv2d(x, w[:, :2]),
        lambda T, x, w: T.nn.functional.conv2d(x[:, :, :2, :2], w),
        lambda T, x, w: T.nn.functional.conv2d(x[0, 0], w),
        lambda T, x, w: T.nn.functional.conv2d(x, w, stride=2, padding="same"),
        lambda T, x, w: T.nn.functional.conv2d(x, w, padding="foo"),
        lambda T, x, w: T.nn.functional.conv2d(x.double(), w),
        lambda T, x, w: T.nn.functional.conv2d(x, w, w[0, 0]),
        lambda T, x, w: T.nn.functional.conv2d(x, w, groups=2),
        lambda T, x, w: T.nn.functional.conv2d(x, w, stride=0),
        lambda T, x, w: T.nn.functional.conv2d(x, w, padding=-1),
        lambda T, x, w: T.nn.functional.conv_transpose2d(x, w, output_padding=1),
        lambda T, x, w: T.nn.functional.conv_transpose2d(x[:, :2], w),
    ],
)
def test_conv_errors(fn):
    assert_raises_like_torch(fn, np.zeros((2, 3, 5, 5), np.float32), np.zeros((3, 3, 3, 3), np.float32))


# ---- pooling -------------------------------------------------------------------------------
MAXPOOL2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(1, 2), ceil_mode=True),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=1),
]


@pytest.mark.parametrize("kw", MAXPOOL2D)
def test_max_pool2d(kw):
    check_op(lambda T, x: T.nn.functional.max_pool2d(x, **kw), [(2, 3, 8, 7)])
    check_op(lambda T, x: T.nn.functional.max_pool2d(x, return_indices=True, **kw), [(3, 8, 7)])


def test_max_pool_ties_and_nan():
    a = np.zeros((1, 1, 4, 4), np.float32)
    a[0, 0, 1, 1] = np.nan
    check_op(
        lambda T, x: T.nn.functional.max_pool2d(x, 2, return_indices=True),
        None,
        arrays=[np.ones((1, 2, 4, 4), np.float32)],
        dtypes=("float32",),
    )
    check_op(
        lambda T, x: T.nn.functional.max_pool2d(x, 3, 1, 1, return_indices=True), None, arrays=[a], dtypes=("float32",)
    )


@pytest.mark.parametrize(
    "kw", [dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=2, dilation=2, ceil_mode=True)]
)
def test_max_pool1d(kw):
    check_op(lambda T, x: T.nn.functional.max_pool1d(x, return_indices=True, **kw), [(2, 3, 9)])
    check_op(lambda T, x: T.nn.functional.max_pool1d(x, **kw), [(3, 9)])


AVGPOOL2D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, divisor_override=5),
    dict(kernel_size=3, stride=1),
]


@pytest.mark.parametrize("kw", AVGPOOL2D)
def test_avg_pool2d(kw):
    check_op(lambda T, x: T.nn.functional.avg_pool2d(x, **kw), [(2, 3, 8, 7)])
    check_op(lambda T, x: T.nn.functional.avg_pool2d(x, **kw), [(3, 8, 7)])


def test_avg_pool1d():
    check_op(lambda T, x: T.nn.functional.avg_pool1d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False), [(2, 3, 8)])
    check_op(lambda T, x: T.nn.functional.avg_pool1d(x, 2), [(3, 8)])


@pytest.mark.parametrize("size", [(3, 4), 1, (None, 2), 5, (8, 7)])
def test_adaptive_pool2d(size):
    check_op(lambda T, x: T.nn.functional.adaptive_avg_pool2d(x, size), [(2, 3, 8, 7)])
    check_op(lambda T, x: T.nn.functional.adaptive_max_pool2d(x, size, return_indices=True), [(3, 8, 7)])


def test_adaptive_pool1d():
    check_op(lambda T, x: T.nn.functional.adaptive_avg_pool1d(x, 5), [(2, 3, 8)])
    check_op(lambda T, x: T.nn.functional.adaptive_max_pool1d(x, 3, return_indices=True), [(2, 3, 8)])


def test_pool_gradcheck():
    F = lambda T: T.nn.functional
    check_gradcheck(lambda T, x: F(T).max_pool2d(x, 3, 2, 1), [(1, 2, 5, 6)], gradgrad=True)
    check_gradcheck(lambda T, x: F(T).max_pool1d(x, 2, ceil_mode=True, dilation=2), [(2, 7)], gradgrad=True)
    check_gradcheck(
        lambda T, x: F(T).avg_pool2d(x, 3, 2, 1, count_include_pad=False, ceil_mode=True), [(1, 2, 5, 6)], gradgrad=True
    )
    check_gradcheck(lambda T, x: F(T).adaptive_avg_pool2d(x, (3, 4)), [(1, 2, 5, 6)], gradgrad=True)
    check_gradcheck(lambda T, x: F(T).adaptive_max_pool2d(x, (2, 4)), [(1, 2, 5, 6)], gradgrad=True)


def test_pool_grad_fn_names():
    x = chainrule.randn(1, 2, 6, 6, requires_grad=True)
    F = chainrule.nn.functional
    assert F.max_pool2d(x, 2).grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert F.avg_pool2d(x, 2).grad_fn.name() == "AvgPool2DBackward0"
    assert F.adaptive_avg_pool2d(x, 3).grad_fn.name() == "AdaptiveAvgPool2DBackward0"
    assert F.adaptive_max_pool2d(x, 3).grad_fn.name() == "AdaptiveMaxPool2DBackward0"


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, x: T.nn.functional.max_pool2d(x, 3, padding=2),
        lambda T, x: T.nn.functional.max_pool2d(x[:, :, :2, :2], 3),
        lambda T, x: T.nn.functional.avg_pool2d(x, 3, padding=2),
        lambda T, x: T.nn.functional.max_pool2d(x[0, 0], 3),
    ],
)
def test_pool_errors(fn):
    assert_raises_like_torch(fn, np.zeros((2, 3, 5, 5), np.float32))


# ---- modules ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
        (lambda nn: nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), groups=2), (2, 4, 7, 6)),
        (lambda nn: nn.Conv2d(3, 4, 3, padding="same", bias=False), (2, 3, 7, 6)),
        (lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 7, 6)),
        (lambda nn: nn.Conv2d(3, 4, 3, padding=(1, 2), padding_mode="replicate"), (2, 3, 7, 6)),
        (lambda nn: nn.Conv2d(3, 4, 3, padding=1, padding_mode="circular"), (2, 3, 7, 6)),
        (lambda nn: nn.Conv2d(3, 4, 3), (3, 7, 6)),
        (lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 9)),
        (lambda nn: nn.Conv1d(4, 6, 4, padding="same", padding_mode="reflect"), (2, 4, 9)),
        (lambda nn: nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), (2, 4, 5, 4)),
        (lambda nn: nn.ConvTranspose2d(4, 3, (2, 3), stride=(1, 2), dilation=2, bias=False), (2, 4, 5, 4)),
        (lambda nn: nn.ConvTranspose1d(4, 3, 3, stride=3, padding=1), (2, 4, 5)),
    ],
)
def test_conv_modules(make, shape):
    check_module(make, [shape], tol_scale=CT)


def test_conv_transpose_output_size():
    check_module(
        lambda nn: nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1),
        [(2, 3, 4, 5)],
        call=lambda m, x: m(x, output_size=(8, 10)),
        tol_scale=CT,
    )
    for T in (torch, chainrule):
        m = T.nn.ConvTranspose2d(3, 2, 3, stride=2)
        with pytest.raises(ValueError):
            m(T.zeros(1, 3, 4, 5), output_size=(20, 20))


def test_conv_default_init_matches_torch():
    for make in (
        lambda nn: nn.Conv2d(3, 8, 3),
        lambda nn: nn.ConvTranspose2d(3, 8, (2, 3), groups=1),
        lambda nn: nn.Conv1d(4, 2, 5, groups=2),
    ):
        torch.manual_seed(7)
        tm = make(torch.nn)
        chainrule.manual_seed(7)
        cm = make(chainrule.nn)
        for (kc, vc), (kt, vt) in zip(cm.state_dict().items(), tm.state_dict().items()):
            assert kc == kt
            np.testing.assert_array_equal(vc.numpy(), vt.numpy())
        assert repr(cm) == repr(tm)


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.MaxPool2d(3, 2, 1), (2, 3, 8, 7)),
        (lambda nn: nn.MaxPool2d(2, return_indices=True), (2, 3, 8, 7)),
        (lambda nn: nn.MaxPool1d(3, ceil_mode=True), (2, 3, 8)),
        (lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 3, 8, 7)),
        (lambda nn: nn.AvgPool2d(2, divisor_override=3), (3, 8, 7)),
        (lambda nn: nn.AvgPool1d(3, 2, 1), (2, 3, 8)),
        (lambda nn: nn.AdaptiveAvgPool2d((3, None)), (2, 3, 8, 7)),
        (lambda nn: nn.AdaptiveAvgPool1d(3), (2, 3, 8)),
        (lambda nn: nn.AdaptiveMaxPool2d(3, return_indices=True), (2, 3, 8, 7)),
        (lambda nn: nn.AdaptiveMaxPool1d(5), (2, 3, 8)),
    ],
)
def test_pool_modules(make, shape):
    check_module(make, [shape])
    assert repr(make(chainrule.nn)) == repr(make(torch.nn))


def _cnn(nn):
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, stride=1, groups=2),
        nn.ReLU(),
        nn.AvgPool2d(2, ceil_mode=True),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(8, 3),
    )


def test_small_cnn_sgd_curve_matches_torch():
    tm, cm = build(_cnn, "float64", seed=1)
    rng = np.random.default_rng(5)
    xs = rng.standard_normal((6, 1, 10, 10))
    ys = rng.integers(0, 3, 6)
    batch = lambda T, i: ((T.tensor(xs),), T.tensor(ys))
    loss = lambda T, out, y: T.nn.functional.cross_entropy(out, y)
    lt = sgd_curve(tm, batch, lr=0.2, loss_fn=loss)
    lc = sgd_curve(cm, batch, lr=0.2, loss_fn=loss)
    np.testing.assert_allclose(lc, lt, rtol=1e-6)
    assert lt[-1] < lt[0]
    for (k, vc), (_, vt) in zip(cm.state_dict().items(), tm.state_dict().items()):
        np.testing.assert_allclose(vc.numpy(), vt.numpy(), rtol=1e-6, atol=1e-9, err_msg=k)


# ---- interpolate ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw,shape",
    [
        (dict(scale_factor=2), (2, 3, 4, 5)),
        (dict(size=(7, 3)), (2, 3, 4, 5)),
        (dict(scale_factor=1.7, mode="nearest-exact"), (2, 3, 4, 5)),
        (dict(size=(7, 9), mode="bilinear"), (2, 3, 4, 5)),
        (dict(size=(3, 2), mode="bilinear"), (2, 3, 4, 5)),
        (dict(size=(7, 9), mode="bilinear", align_corners=True), (2, 3, 4, 5)),
        (dict(scale_factor=(2.5, 1.5), mode="bilinear"), (2, 3, 4, 5)),
        (dict(scale_factor=(2.5, 1.5), mode="bilinear", recompute_scale_factor=True), (2, 3, 4, 5)),
        (dict(scale_factor=3, mode="linear"), (2, 3, 5)),
        (dict(size=4, mode="linear", align_corners=True), (2, 3, 5)),
        (dict(size=8), (2, 3, 5)),
    ],
)
def test_interpolate(kw, shape):
    check_op(lambda T, x: T.nn.functional.interpolate(x, **kw), [shape])


def test_interpolate_gradcheck_and_errors():
    check_gradcheck(lambda T, x: T.nn.functional.interpolate(x, size=(3, 5), mode="bilinear"), [(1, 2, 2, 3)],
                    gradgrad=True)  # fmt: skip
    for fn in (
        lambda T, x: T.nn.functional.interpolate(x, size=3, mode="bilinear"),
        lambda T, x: T.nn.functional.interpolate(x, size=3, scale_factor=2),
        lambda T, x: T.nn.functional.interpolate(x, size=3, align_corners=True),
    ):
        assert_raises_like_torch(fn, np.zeros((1, 2, 5), np.float32))
