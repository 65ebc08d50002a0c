"""3-d convolution, pooling, unpooling, instance norm and 5-d interpolation against torch: values, gradients,
indices, module init/repr and errors."""

import math

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from layer_parity import check_module

import chainrule
import chainrule.nn  # noqa: F401

# float32 sums over many products; float64 (tight tolerance) pins correctness
CT = 10


def F(T):
    return T.nn.functional


# ---- convolution ---------------------------------------------------------------------------
CONV3D = [
    dict(),
    dict(padding=1),
    dict(stride=2, padding=(1, 0, 2), dilation=(2, 1, 1)),
    dict(stride=(1, 2, 3), dilation=(1, 2, 1)),
    dict(padding="same", dilation=(1, 2, 1)),
    dict(padding="valid"),
    dict(padding="same"),
    dict(padding=(2, 1, 0), dilation=2),
]


@pytest.mark.parametrize("kw", CONV3D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv3d(kw, bias):
    shapes = [(2, 3, 6, 7, 5), (4, 3, 3, 2, 2)] + ([(4,)] if bias else [])
    check_op(lambda T, x, w, *b: F(T).conv3d(x, w, *b, **kw), shapes, tol_scale=CT)


@pytest.mark.parametrize("groups", [2, 4])
def test_conv3d_groups(groups):
    shapes = [(2, 4, 5, 6, 4), (8, 4 // groups, 3, 3, 2), (8,)]
    check_op(lambda T, x, w, b: F(T).conv3d(x, w, b, stride=2, padding=1, groups=groups), shapes, tol_scale=CT)
    check_op(lambda T, x, w, b: F(T).conv3d(x, w, b, padding="same", groups=groups), shapes, tol_scale=CT)


def test_conv3d_unbatched_1x1_and_wide():
    check_op(lambda T, x, w, b: F(T).conv3d(x, w, b, padding=1), [(3, 4, 5, 6), (4, 3, 3, 3, 3), (4,)], tol_scale=CT)
    check_op(lambda T, x, w: F(T).conv3d(x, w), [(2, 3, 4, 5, 3), (4, 3, 1, 1, 1)], tol_scale=CT)
    check_op(lambda T, x, w: F(T).conv3d(x, w, stride=2), [(2, 3, 4, 5, 3), (4, 3, 1, 1, 1)], tol_scale=CT)
    # 16 channels x 27 taps: the input gradient takes the flat stride-1 path (with and without junk columns)
    check_op(lambda T, x, w: F(T).conv3d(x, w, padding=1), [(2, 16, 4, 5, 4), (3, 16, 3, 3, 3)], tol_scale=CT)
    check_op(lambda T, x, w: F(T).conv3d(x, w, dilation=(1, 1, 2)), [(2, 16, 4, 5, 6), (3, 16, 2, 2, 2)], tol_scale=CT)
    check_op(lambda T, x, w: F(T).conv3d(x, w, padding=1, groups=2), [(2, 8, 4, 5, 4), (4, 4, 3, 3, 3)], tol_scale=CT)
    check_op(lambda T, x, w: F(T).conv3d(x, w), [(2, 8, 4, 5, 4), (4, 8, 3, 3, 3)], tol_scale=CT)


def test_conv3d_noncontiguous_input_and_batch_zero():
    check_op(
        lambda T, x, w: F(T).conv3d(x.transpose(2, 4), w, padding=1), [(2, 3, 4, 5, 6), (2, 3, 3, 3, 3)], tol_scale=CT
    )
    check_op(lambda T, x, w: F(T).conv3d(x, w), [(0, 3, 4, 4, 4), (2, 3, 3, 3, 3)])


def test_conv3d_nonfinite_weight_flat_path():
    w = np.random.default_rng(1).standard_normal((2, 16, 3, 3, 3))
    w[0, 0, 0, 0, 0] = np.inf
    x = np.random.default_rng(2).standard_normal((1, 16, 4, 4, 4))
    check_op(lambda T, x, w: F(T).conv3d(x, w, padding=1), None, arrays=[x, w], requires_grad=[True, False])


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(stride=2, padding=1, output_padding=1),
        dict(stride=(2, 1, 3), padding=(0, 1, 1), output_padding=(1, 0, 2), dilation=(1, 2, 1)),
        dict(stride=2, groups=2, dilation=2, output_padding=1),
        dict(dilation=2, output_padding=(1, 0, 1)),  # output_padding at stride 1 (allowed by the dilation)
    ],
)
def test_conv_transpose3d(kw):
    g = kw.get("groups", 1)
    check_op(lambda T, x, w, b: F(T).conv_transpose3d(x, w, b, **kw), [(2, 4, 3, 4, 3), (4, 6 // g, 3, 2, 2), (6,)],
             tol_scale=CT)  # fmt: skip
    check_op(lambda T, x, w: F(T).conv_transpose3d(x, w, **kw), [(4, 3, 4, 3), (4, 6 // g, 3, 2, 2)], tol_scale=CT)


def test_conv_transpose2d_stride1_output_padding():
    kw = dict(dilation=2, output_padding=1, padding=1)
    check_op(lambda T, x, w, b: F(T).conv_transpose2d(x, w, b, **kw), [(2, 3, 4, 5), (3, 2, 3, 3), (2,)], tol_scale=CT)
    check_gradcheck(lambda T, x, w: F(T).conv_transpose2d(x, w, **kw), [(1, 2, 3, 3), (2, 2, 2, 2)], gradgrad=True)


def test_conv3d_gradcheck_and_double_backward():
    conv = lambda T, x, w, b: F(T).conv3d(x, w, b, stride=2, padding=1, groups=2, dilation=(1, 2, 1))  # noqa: E731
    check_gradcheck(conv, [(1, 4, 3, 5, 3), (4, 2, 2, 2, 2), (4,)], gradgrad=True)
    convt = lambda T, x, w, b: F(T).conv_transpose3d(x, w, b, stride=2, padding=1, output_padding=1)  # noqa: E731
    check_gradcheck(convt, [(1, 2, 2, 3, 2), (2, 3, 2, 2, 2), (3,)], gradgrad=True)
    convt1 = lambda T, x, w: F(T).conv_transpose3d(x, w, dilation=2, output_padding=1)  # noqa: E731
    check_gradcheck(convt1, [(1, 2, 2, 2, 2), (2, 1, 2, 2, 2)], gradgrad=True)
    # stride 1 with 2 x 27 taps: the input gradient runs one GEMM per kernel offset
    check_gradcheck(lambda T, x, w: F(T).conv3d(x, w, padding=1), [(1, 2, 3, 2, 3), (1, 2, 3, 3, 3)], gradgrad=True)


def test_conv3d_double_backward_matches_torch():
    rng = np.random.default_rng(3)
    xa, wa = rng.standard_normal((2, 3, 5, 4, 5)), rng.standard_normal((4, 3, 3, 2, 3))
    res = []
    for T in (torch, chainrule):
        x = T.tensor(xa, requires_grad=True)
        w = T.tensor(wa, requires_grad=True)
        y = T.nn.functional.conv3d(x, w, stride=2, padding=1)
        gx, gw = T.autograd.grad((y * y).sum(), (x, w), create_graph=True)
        ((gx * gx).sum() + (gw * gw * gw).sum()).backward()
        res.append((x.grad.numpy().copy(), w.grad.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-9)


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, x, w: F(T).conv3d(x[0, 0], w),
        lambda T, x, w: F(T).conv3d(x, w[:, :2]),
        lambda T, x, w: F(T).conv3d(x[:, :, :2], w),
        lambda T, x, w: F(T).conv3d(x, w[..., 0]),
        lambda T, x, w: F(T).conv3d(x, w, stride=2, padding="same"),
        lambda T, x, w: F(T).conv3d(x, w, padding="foo"),
        lambda T, x, w: F(T).conv3d(x, w, padding=(1, 2)),
        lambda T, x, w: F(T).conv3d(x.double(), w),
        lambda T, x, w: F(T).conv3d(x, w.double()),
        lambda T, x, w: F(T).conv3d(x, w, w[0, 0, 0]),
        lambda T, x, w: F(T).conv3d(x, w, groups=2),
        lambda T, x, w: F(T).conv3d(x, w, groups=0),
        lambda T, x, w: F(T).conv3d(x, w, stride=0),
        lambda T, x, w: F(T).conv3d(x, w, dilation=0),
        lambda T, x, w: F(T).conv3d(x, w, padding=-1),
        lambda T, x, w: F(T).conv_transpose3d(x, w, output_padding=1),
        lambda T, x, w: F(T).conv_transpose3d(x, w, stride=2, output_padding=(1, 2, 0)),
        lambda T, x, w: F(T).conv_transpose3d(x[:, :2], w),
        lambda T, x, w: F(T).conv_transpose3d(x, w, w[0, 0, 0, 0, :2]),
        lambda T, x, w: F(T).conv_transpose3d(x, w, padding="same"),
    ],
)
def test_conv3d_errors(fn):
    assert_raises_like_torch(fn, np.zeros((2, 3, 5, 5, 5), np.float32), np.zeros((3, 3, 3, 3, 3), np.float32))


def test_conv3d_error_messages():
    for fn in (
        lambda T: F(T).conv3d(T.zeros(2, 3, 2, 5, 5), T.zeros(4, 3, 3, 3, 3)),
        lambda T: F(T).conv3d(T.zeros(2, 3, 5, 5, 5), T.zeros(4, 3, 3, 3, 3), T.zeros(3)),
        lambda T: F(T).conv_transpose3d(T.zeros(2, 4, 5, 5, 5), T.zeros(4, 3, 3, 3, 3), stride=2, output_padding=2),
        lambda T: F(T).conv3d(T.zeros(5, 5, 5), T.zeros(4, 3, 3, 3, 3)),
    ):
        msgs = []
        for T in (torch, chainrule):
            with pytest.raises(RuntimeError) as e:
                fn(T)
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]


# ---- convolution modules -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.Conv3d(3, 4, 3), (2, 3, 5, 6, 4)),
        (lambda nn: nn.Conv3d(4, 6, (3, 2, 2), stride=(2, 1, 1), padding=(1, 0, 1), dilation=(1, 2, 1), groups=2),
         (2, 4, 5, 6, 4)),
        (lambda nn: nn.Conv3d(3, 4, 3, padding="same", bias=False), (2, 3, 5, 6, 4)),
        (lambda nn: nn.Conv3d(3, 4, 3, padding=1, padding_mode="reflect"), (2, 3, 5, 6, 4)),
        (lambda nn: nn.Conv3d(3, 4, 2, padding=(1, 0, 1), padding_mode="replicate"), (2, 3, 5, 6, 4)),
        (lambda nn: nn.Conv3d(3, 4, 3, padding=1, padding_mode="circular"), (2, 3, 5, 6, 4)),
        (lambda nn: nn.Conv3d(3, 4, 3), (3, 5, 6, 4)),
        (lambda nn: nn.ConvTranspose3d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2), (2, 4, 3, 4, 3)),
        (lambda nn: nn.ConvTranspose3d(4, 3, (2, 3, 1), stride=(1, 2, 2), dilation=2, bias=False), (2, 4, 3, 4, 3)),
        (lambda nn: nn.ConvTranspose3d(4, 3, 2), (4, 3, 4, 3)),
    ],
)  # fmt: skip
def test_conv3d_modules(make, shape):
    check_module(make, [shape], tol_scale=CT)


def test_conv_transpose3d_output_size():
    check_module(
        lambda nn: nn.ConvTranspose3d(3, 2, 3, stride=2, padding=1),
        [(2, 3, 3, 4, 2)],
        call=lambda m, x: m(x, output_size=(6, 8, 4)),
        tol_scale=CT,
    )
    for T in (torch, chainrule):
        m = T.nn.ConvTranspose3d(3, 2, 3, stride=2)
        with pytest.raises(ValueError, match=r"valid sizes range from \[9, 9, 9\] to \[10, 10, 10\]"):
            m(T.zeros(1, 3, 4, 4, 4), output_size=(20, 9, 9))


def test_conv3d_default_init_and_repr_match_torch():
    for make in (
        lambda nn: nn.Conv3d(4, 8, 3),
        lambda nn: nn.Conv3d(4, 6, (3, 2, 1), stride=(2, 1, 1), padding=(1, 0, 0), dilation=2, groups=2, bias=False,
                             padding_mode="circular"),
        lambda nn: nn.Conv3d(4, 8, 3, padding="same"),
        lambda nn: nn.ConvTranspose3d(4, 6, 3, stride=2, output_padding=1, groups=2),
    ):  # fmt: skip
        torch.manual_seed(7)
        tm = make(torch.nn)
        chainrule.manual_seed(7)
        cm = make(chainrule.nn)
        assert list(cm.state_dict()) == list(tm.state_dict())
        for vc, vt in zip(cm.state_dict().values(), tm.state_dict().values()):
            np.testing.assert_array_equal(vc.numpy(), vt.numpy())
        assert repr(cm) == repr(tm)


# ---- max pooling -------------------------------------------------------------------------------
MAXPOOL3D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(3, 2, 2), stride=(2, 1, 2), padding=(1, 1, 0), dilation=(1, 2, 1), ceil_mode=True),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=(2, 1, 3), stride=1, padding=(1, 0, 1)),
]


@pytest.mark.parametrize("kw", MAXPOOL3D)
def test_max_pool3d(kw):
    check_op(lambda T, x: F(T).max_pool3d(x, **kw), [(2, 3, 7, 6, 5)])
    check_op(lambda T, x: F(T).max_pool3d(x, return_indices=True, **kw), [(3, 7, 6, 5)])
    check_op(lambda T, x: F(T).max_pool3d_with_indices(x, **kw), [(1, 2, 7, 6, 5)])


def test_max_pool3d_ties_nan_and_padding_fill():
    # ties: the first maximum in (d, h, w) scan order wins, like torch
    ones = np.ones((1, 2, 4, 4, 4), np.float32)
    check_op(lambda T, x: F(T).max_pool3d(x, 2, return_indices=True), None, arrays=[ones], dtypes=("float32",))
    check_op(lambda T, x: F(T).max_pool3d(x, 3, 1, 1, return_indices=True), None,
             arrays=[np.ones((1, 1, 3, 3, 3), np.float32)], dtypes=("float32",))  # fmt: skip
    a = np.zeros((1, 2, 4, 4, 4), np.float32)
    a[0, 0, 1, 1, 1] = np.nan
    a[0, 1, 1, 2, 1] = a[0, 1, 2, 2, 1] = np.nan
    check_op(lambda T, x: F(T).max_pool3d(x, 3, 1, 1, return_indices=True), None, arrays=[a], dtypes=("float32",))
    # an input equal to the padding fill (-inf) still wins over the padding
    b = np.full((1, 1, 3, 3, 3), -np.inf, np.float32)
    b[0, 0, 2, 2, 2] = 1.0
    check_op(lambda T, x: F(T).max_pool3d(x, 3, 2, 1, return_indices=True), None, arrays=[b], dtypes=("float32",))


def test_max_pool3d_integer_input():
    rng = np.random.default_rng(0)
    for dt in (np.int64, np.int32, np.uint8):
        a = rng.integers(0, 9, (2, 2, 4, 5, 4)).astype(dt)
        a[0, 0, 0, 0, 0] = np.iinfo(dt).min
        check_op(lambda T, x: F(T).max_pool3d(x, 2, 1, 1, return_indices=True), None, arrays=[a], grad=False,
                 dtypes=(str(a.dtype),))  # fmt: skip


# ---- average pooling ---------------------------------------------------------------------------
AVGPOOL3D = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    dict(kernel_size=(3, 2, 2), stride=(2, 3, 1), padding=(1, 1, 0), ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, divisor_override=5),
    dict(kernel_size=(2, 3, 1), stride=1),
]


@pytest.mark.parametrize("kw", AVGPOOL3D)
def test_avg_pool3d(kw):
    check_op(lambda T, x: F(T).avg_pool3d(x, **kw), [(2, 3, 7, 6, 5)])
    check_op(lambda T, x: F(T).avg_pool3d(x, **kw), [(3, 7, 6, 5)])


def test_avg_pool3d_long():
    a = np.random.default_rng(0).integers(-9, 9, (2, 3, 4, 5, 4))
    for kw in (dict(), dict(padding=1, count_include_pad=False), dict(divisor_override=3)):
        check_op(lambda T, x, kw=kw: F(T).avg_pool3d(x, 2, 1, **kw), None, arrays=[a], grad=False, dtypes=("int64",))


# ---- adaptive pooling --------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(3, 4, 2), 1, (None, 2, 3), 5, (7, 6, 5), (8, 3, 9)])
def test_adaptive_pool3d(size):
    check_op(lambda T, x: F(T).adaptive_avg_pool3d(x, size), [(2, 3, 7, 6, 5)])
    check_op(lambda T, x: F(T).adaptive_max_pool3d(x, size, return_indices=True), [(3, 7, 6, 5)])
    check_op(lambda T, x: F(T).adaptive_max_pool3d(x, size), [(1, 2, 7, 6, 5)])


def test_adaptive_pool3d_ties_nan_and_empty():
    check_op(lambda T, x: F(T).adaptive_max_pool3d(x, (2, 3, 2), return_indices=True), None,
             arrays=[np.ones((1, 2, 4, 5, 3), np.float32)], dtypes=("float32",))  # fmt: skip
    a = np.zeros((1, 2, 4, 4, 4), np.float32)
    a[0, 1, 1, 1, 1] = a[0, 1, 1, 2, 1] = np.nan
    check_op(lambda T, x: F(T).adaptive_max_pool3d(x, 2, return_indices=True), None, arrays=[a], dtypes=("float32",))
    for T in (torch, chainrule):
        assert tuple(F(T).adaptive_avg_pool3d(T.zeros(0, 2, 3, 3, 3), 2).shape) == (0, 2, 2, 2, 2)
        assert tuple(F(T).adaptive_max_pool3d(T.zeros(2, 2, 3, 3, 3), 0).shape) == (2, 2, 0, 0, 0)


def test_pool3d_gradcheck():
    check_gradcheck(lambda T, x: F(T).max_pool3d(x, 3, 2, 1), [(1, 2, 4, 5, 3)], gradgrad=True)
    check_gradcheck(lambda T, x: F(T).max_pool3d(x, 2, 1, dilation=(1, 2, 1)), [(1, 2, 3, 4, 3)], gradgrad=True)
    avg = lambda T, x: F(T).avg_pool3d(x, 3, 2, 1, count_include_pad=False, ceil_mode=True)  # noqa: E731
    check_gradcheck(avg, [(1, 2, 4, 5, 3)], gradgrad=True)
    check_gradcheck(lambda T, x: F(T).adaptive_avg_pool3d(x, (3, 2, 4)), [(1, 2, 4, 5, 3)], gradgrad=True)
    check_gradcheck(lambda T, x: F(T).adaptive_max_pool3d(x, (3, 2, 2)), [(1, 2, 4, 5, 3)], gradgrad=True)


def test_pool3d_grad_fn_names():
    names = {}
    for T in (torch, chainrule):
        x = T.randn(1, 2, 4, 4, 4, requires_grad=True)
        names[T] = [
            F(T).max_pool3d(x, 2).grad_fn.name(),
            F(T).avg_pool3d(x, 2).grad_fn.name(),
            F(T).adaptive_avg_pool3d(x, 3).grad_fn.name(),
            F(T).adaptive_max_pool3d(x, 3).grad_fn.name(),
            F(T).max_unpool3d(*F(T).max_pool3d(x, 2, return_indices=True), 2).grad_fn.name(),
            F(T).interpolate(x, size=5).grad_fn.name(),
            F(T).interpolate(x, size=5, mode="nearest-exact").grad_fn.name(),
            F(T).interpolate(x, size=5, mode="trilinear").grad_fn.name(),
            F(T).conv3d(x, T.randn(1, 2, 2, 2, 2)).grad_fn.name(),
        ]
    assert names[torch] == names[chainrule]


POOL_ERRORS = [
    lambda T, x: F(T).max_pool3d(x, 3, padding=2),
    lambda T, x: F(T).max_pool3d(x[:, :, :2], 3),
    lambda T, x: F(T).max_pool3d(x[0, 0], 2),
    lambda T, x: F(T).max_pool3d(x, (2, 2)),
    lambda T, x: F(T).max_pool3d(x, 2, stride=(1, 1)),
    lambda T, x: F(T).max_pool3d(x, 2, padding=(1, 1)),
    lambda T, x: F(T).max_pool3d(x, 2, dilation=(1, 1)),
    lambda T, x: F(T).max_pool3d(x, 0),
    lambda T, x: F(T).max_pool3d(x, -1),
    lambda T, x: F(T).max_pool3d(x, 2, -1),
    lambda T, x: F(T).max_pool3d(x, 2, 2, -1),
    lambda T, x: F(T).max_pool3d(x, 2, dilation=0),
    lambda T, x: F(T).max_pool3d(x[:, :, :, :0], 2),
    lambda T, x: F(T).max_pool3d(x.bool(), 2),
    lambda T, x: F(T).avg_pool3d(x, 3, padding=2),
    lambda T, x: F(T).avg_pool3d(x[:, :, :2], 3, padding=1),
    lambda T, x: F(T).avg_pool3d(x[0, 0], 2),
    lambda T, x: F(T).avg_pool3d(x, (2, 2)),
    lambda T, x: F(T).avg_pool3d(x, 2, stride=(1, 1)),
    lambda T, x: F(T).avg_pool3d(x, 2, padding=(1, 1)),
    lambda T, x: F(T).avg_pool3d(x, 2, divisor_override=0),
    lambda T, x: F(T).avg_pool3d(x.int(), 2),
    lambda T, x: F(T).avg_pool3d(x.half(), 2),
    lambda T, x: F(T).avg_pool3d(x[:, :0], 2),
    lambda T, x: F(T).adaptive_avg_pool3d(x[0, 0], 2),
    lambda T, x: F(T).adaptive_avg_pool3d(x, (2, 2)),
    lambda T, x: F(T).adaptive_avg_pool3d(x, -1),
    lambda T, x: F(T).adaptive_avg_pool3d(x.long(), 2),
    lambda T, x: F(T).adaptive_avg_pool3d(x[:, :, :0], 2),
    lambda T, x: F(T).adaptive_max_pool3d(x[0, 0], 2),
    lambda T, x: F(T).adaptive_max_pool3d(x, (2, 2)),
    lambda T, x: F(T).adaptive_max_pool3d(x, -1),
    lambda T, x: F(T).adaptive_max_pool3d(x.long(), 2),
    lambda T, x: F(T).adaptive_max_pool3d(x[:, :0], 2),
]


@pytest.mark.parametrize("fn", POOL_ERRORS)
def test_pool3d_errors(fn):
    x = np.zeros((2, 3, 5, 5, 5), np.float32)
    t_msg = c_msg = None
    try:
        fn(torch, torch.tensor(x))
    except Exception as e:  # noqa: BLE001
        t_msg = f"{type(e).__name__}: {e}"
    try:
        fn(chainrule, chainrule.tensor(x))
    except Exception as e:  # noqa: BLE001
        c_msg = f"{type(e).__name__}: {e}"
    assert t_msg is not None
    assert c_msg == t_msg


# ---- unpooling and power-average pooling -------------------------------------------------------
@pytest.mark.parametrize(
    "kw,shape",
    [
        (dict(kernel_size=2), (2, 3, 6, 4, 6)),
        (dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 6, 5)),
        (dict(kernel_size=(2, 3, 2), stride=(2, 2, 1)), (3, 6, 7, 5)),
    ],
)
def test_max_unpool3d(kw, shape):
    def fn(T, x):
        y, idx = F(T).max_pool3d(x, return_indices=True, **kw)
        return F(T).max_unpool3d(y * 2, idx, output_size=x.shape[-3:], **kw)

    check_op(fn, [shape])


def test_max_unpool3d_module_and_errors():
    check_module(lambda nn: nn.MaxUnpool3d(2), [(2, 3, 3, 2, 3)], arrays=[
        np.random.default_rng(0).standard_normal((2, 3, 3, 2, 3)).astype(np.float32),
        np.random.default_rng(1).integers(0, 4 * 6 * 4, (2, 3, 3, 2, 3))], dtypes=("float32",), grad=False)  # fmt: skip
    x = np.zeros((2, 3, 2, 2, 2), np.float32)
    i = np.zeros((2, 3, 2, 2, 2), np.int64)
    for fn, args in (
        (lambda T, x, i: F(T).max_unpool3d(x, i + 1000, 2), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x, i - 1, 2), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x[0, 0], i[0, 0], 2), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x, i[..., :1], 2), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x, i.int(), 2), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x.long(), i, 2), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x, i, 2, stride=0), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x, i, 2, output_size=(9, 4, 4)), (x, i)),
        (lambda T, x, i: F(T).max_unpool3d(x, i, 2, output_size=(4, 4)), (x, i)),
    ):
        assert_raises_like_torch(fn, *args)


@pytest.mark.parametrize("p", [2, 1.5, math.inf, -math.inf])
def test_lp_pool3d(p):
    check_op(lambda T, x: F(T).lp_pool3d(x, p, 2), [(2, 3, 4, 5, 4)], positive=True)
    check_op(lambda T, x: F(T).lp_pool3d(x, p, (2, 3, 1), stride=(1, 2, 2), ceil_mode=True), [(3, 4, 5, 4)],
             positive=True)  # fmt: skip
    check_module(lambda nn: nn.LPPool3d(p, 2, stride=1), [(2, 2, 3, 4, 3)], arrays=[
        np.abs(np.random.default_rng(0).standard_normal((2, 2, 3, 4, 3))) + 0.1])  # fmt: skip


# ---- instance norm ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.InstanceNorm3d(3), (2, 3, 3, 4, 2)),
        (lambda nn: nn.InstanceNorm3d(3, affine=True), (2, 3, 3, 4, 2)),
        (lambda nn: nn.InstanceNorm3d(3, affine=True, track_running_stats=True), (2, 3, 3, 4, 2)),
        (lambda nn: nn.InstanceNorm3d(3, momentum=None, track_running_stats=True), (3, 3, 4, 2)),
    ],
)
def test_instance_norm3d(make, shape):
    check_module(make, [shape])
    tm, cm = check_module(make, [shape], train=False)
    assert repr(cm) == repr(tm)


def test_instance_norm3d_errors():
    for fn in (
        lambda T, x: T.nn.InstanceNorm3d(3)(x[0, 0]),
        lambda T, x: T.nn.InstanceNorm3d(3)(x[:, :, :1, :1, :1]),
        lambda T, x: T.nn.InstanceNorm3d(4, affine=True)(x),
    ):
        assert_raises_like_torch(fn, np.zeros((2, 3, 2, 2, 2), np.float32))


# ---- pooling modules ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.MaxPool3d(3, 2, 1), (2, 3, 5, 6, 4)),
        (lambda nn: nn.MaxPool3d((2, 3, 2), return_indices=True, ceil_mode=True), (2, 3, 5, 6, 4)),
        (lambda nn: nn.AvgPool3d(3, 2, 1, count_include_pad=False), (2, 3, 5, 6, 4)),
        (lambda nn: nn.AvgPool3d(2, divisor_override=3), (3, 5, 6, 4)),
        (lambda nn: nn.AdaptiveAvgPool3d((3, None, 2)), (2, 3, 5, 6, 4)),
        (lambda nn: nn.AdaptiveMaxPool3d(3, return_indices=True), (2, 3, 5, 6, 4)),
        (lambda nn: nn.AdaptiveMaxPool3d((2, 4, 1)), (3, 5, 6, 4)),
        (lambda nn: nn.Upsample(scale_factor=(2, 1.5, 1), mode="trilinear"), (2, 3, 3, 4, 2)),
        (lambda nn: nn.Upsample(size=(4, 3, 5)), (2, 3, 3, 4, 2)),
    ],
)
def test_pool3d_modules(make, shape):
    check_module(make, [shape])
    assert repr(make(chainrule.nn)) == repr(make(torch.nn))


def test_small_3d_cnn_matches_torch():
    def net(nn):
        return nn.Sequential(
            nn.Conv3d(1, 4, 3, padding=1),
            nn.InstanceNorm3d(4, affine=True),
            nn.ReLU(),
            nn.MaxPool3d(2),
            nn.ConvTranspose3d(4, 4, 2, stride=2),
            nn.AvgPool3d(2, ceil_mode=True),
            nn.AdaptiveMaxPool3d(2),
            nn.Flatten(),
            nn.Linear(32, 3),
        )

    check_module(net, [(2, 1, 6, 6, 6)], tol_scale=CT)


# ---- interpolate -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kw",
    [
        dict(scale_factor=2),
        dict(size=(5, 3, 4)),
        dict(scale_factor=(0.7, 1.5, 2)),
        dict(scale_factor=1.7, mode="nearest-exact"),
        dict(size=(5, 7, 3), mode="trilinear"),
        dict(size=(2, 3, 2), mode="trilinear"),
        dict(size=(5, 7, 3), mode="trilinear", align_corners=True),
        dict(scale_factor=(2.5, 1.5, 0.6), mode="trilinear"),
        dict(scale_factor=(2.5, 1.5, 1.3), mode="trilinear", recompute_scale_factor=True),
        dict(size=(2, 3, 2), mode="area"),
        dict(scale_factor=0.5, mode="area"),
    ],
)
def test_interpolate_5d(kw):
    check_op(lambda T, x: F(T).interpolate(x, **kw), [(2, 3, 3, 4, 5)])


def test_interpolate_area_lower_dims_and_gradcheck():
    check_op(lambda T, x: F(T).interpolate(x, size=(3, 2), mode="area"), [(2, 3, 7, 5)])
    check_op(lambda T, x: F(T).interpolate(x, size=3, mode="area"), [(2, 3, 7)])
    check_gradcheck(lambda T, x: F(T).interpolate(x, size=(3, 2, 4), mode="trilinear"), [(1, 2, 2, 3, 2)],
                    gradgrad=True)  # fmt: skip


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, x: F(T).interpolate(x[0], size=3, mode="trilinear"),
        lambda T, x: F(T).interpolate(x, size=3, mode="bilinear"),
        lambda T, x: F(T).interpolate(x, size=3, mode="linear"),
        lambda T, x: F(T).interpolate(x, size=(3, 3), mode="trilinear"),
        lambda T, x: F(T).interpolate(x, scale_factor=(1, 2)),
        lambda T, x: F(T).interpolate(x.long(), size=3),
        lambda T, x: F(T).interpolate(x.long(), size=3, mode="trilinear"),
        lambda T, x: F(T).interpolate(x, size=3, mode="trilinear", antialias=True),
        lambda T, x: F(T).interpolate(x, size=3, mode="area", align_corners=True),
        lambda T, x: F(T).interpolate(x[..., None], size=3),
    ],
)
def test_interpolate_5d_errors(fn):
    assert_raises_like_torch(fn, np.zeros((2, 3, 4, 4, 4), np.float32))
