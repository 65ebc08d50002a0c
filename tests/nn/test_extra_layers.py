"""Resampling, padding, shuffles, distances, unpooling, power pooling, RReLU, Gumbel-softmax against torch.

Lazy, bag and margin-loss layers are in test_extra_layers_params.py.
"""

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from layer_parity import check_module

import chainrule
import chainrule.nn  # noqa: F401


def _same_repr(make):
    assert repr(make(chainrule.nn)) == repr(make(torch.nn))


# ---- 1. upsampling ---------------------------------------------------------------------------------
UPSAMPLE = [
    (lambda nn: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    (lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"), (2, 3, 4, 5)),
    (lambda nn: nn.Upsample(scale_factor=(1.5, 2.0), mode="bilinear", align_corners=True), (1, 3, 4, 5)),
    (lambda nn: nn.Upsample(scale_factor=3, mode="linear"), (2, 3, 4)),
    (lambda nn: nn.Upsample(size=7, mode="nearest-exact"), (2, 3, 4)),
    (lambda nn: nn.UpsamplingNearest2d(scale_factor=2), (2, 3, 4, 5)),
    (lambda nn: nn.UpsamplingBilinear2d(size=(5, 6)), (1, 2, 3, 4)),
    (lambda nn: nn.UpsamplingBilinear2d(scale_factor=2), (1, 2, 3, 4)),
]


@pytest.mark.parametrize("make,shape", UPSAMPLE)
def test_upsample_modules(make, shape):
    check_module(make, [shape])
    _same_repr(make)


def test_upsample_attributes_and_errors():
    for T in (torch, chainrule):
        m = T.nn.Upsample(scale_factor=0)
        assert m.scale_factor is None and m.name == "Upsample"
        assert T.nn.UpsamplingNearest2d(scale_factor=2).name == "UpsamplingNearest2d"
    _same_repr(lambda nn: nn.Upsample())
    assert_raises_like_torch(lambda T, x: T.nn.Upsample()(x), np.zeros((1, 1, 2, 2), np.float32))


@pytest.mark.parametrize(
    "name,kw",
    [("upsample_nearest", dict(scale_factor=2)), ("upsample_bilinear", dict(size=(5, 3))), ("upsample", dict(size=5))],
)
def test_deprecated_upsample_functionals_warn(name, kw):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4)).astype(np.float32)
    outs = []
    for T in (torch, chainrule):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            outs.append(getattr(T.nn.functional, name)(T.tensor(x), **kw).numpy())
        assert [str(m.message) for m in w] == [f"`nn.functional.{name}` is deprecated. Use `nn.functional.interpolate` "
                                                "instead."]  # fmt: skip
        assert w[0].filename == __file__
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-6)


# ---- 2. padding ------------------------------------------------------------------------------------
PADS = [
    (lambda nn: nn.ZeroPad1d(2), (2, 3, 5)),
    (lambda nn: nn.ZeroPad1d((3, -1)), (3, 5)),
    (lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), (2, 3, 4, 5)),
    (lambda nn: nn.ZeroPad2d(1), (4, 5)),
    (lambda nn: nn.ZeroPad3d((1, 0, 2, 1, 0, 1)), (2, 2, 3, 4, 5)),
    (lambda nn: nn.ConstantPad1d((1, 2), 3.5), (2, 3, 5)),
    (lambda nn: nn.ConstantPad2d(2, -1.0), (3, 4, 5)),
    (lambda nn: nn.ConstantPad3d(1, 0.5), (2, 3, 4, 5)),
    (lambda nn: nn.ReflectionPad1d((2, 3)), (2, 3, 5)),
    (lambda nn: nn.ReflectionPad1d(2), (3, 5)),
    (lambda nn: nn.ReflectionPad2d((1, 2, 3, 0)), (2, 3, 4, 5)),
    (lambda nn: nn.ReflectionPad2d((-1, 2, 1, -1)), (3, 4, 5)),
    (lambda nn: nn.ReflectionPad3d(1), (2, 2, 3, 4, 5)),
    (lambda nn: nn.ReplicationPad1d((3, 1)), (2, 3, 5)),
    (lambda nn: nn.ReplicationPad2d((2, 0, 1, 3)), (3, 4, 5)),
    (lambda nn: nn.ReplicationPad3d((1, 2, 0, 1, 2, 0)), (2, 3, 4, 5)),
    (lambda nn: nn.CircularPad1d((2, 1)), (2, 3, 5)),
    (lambda nn: nn.CircularPad1d((-1, 3)), (3, 5)),
    (lambda nn: nn.CircularPad2d((1, 2, 3, 0)), (2, 3, 4, 5)),
    (lambda nn: nn.CircularPad2d((2, -2, -1, 2)), (3, 4, 5)),
    (lambda nn: nn.CircularPad3d(1), (1, 2, 3, 4, 5)),
]


@pytest.mark.parametrize("make,shape", PADS)
def test_padding_modules(make, shape):
    check_module(make, [shape])
    _same_repr(make)


def test_padding_reprs_and_integer_inputs():
    _same_repr(lambda nn: nn.ConstantPad1d(1.5, 0))
    _same_repr(lambda nn: nn.ReflectionPad2d([1, 2, 3, 4]))
    x = np.arange(24).reshape(2, 3, 4)
    for make in (lambda nn: nn.ReflectionPad1d(2), lambda nn: nn.CircularPad2d(1), lambda nn: nn.ConstantPad2d(1, 7)):
        check_op(lambda T, a, make=make: make(T.nn)(a), None, arrays=[x], grad=False, dtypes=("int64",))


@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.CircularPad1d(1), (1, 2, 3, 4)),
        (lambda nn: nn.CircularPad2d(1), (3, 4)),
        (lambda nn: nn.CircularPad3d(1), (3, 4, 5)),
        (lambda nn: nn.CircularPad1d(4), (1, 2, 3)),
        (lambda nn: nn.ReflectionPad1d(1), (1, 2, 3, 4)),
        (lambda nn: nn.ReflectionPad1d(4), (1, 2, 3)),
        (lambda nn: nn.ReplicationPad3d(1), (3, 4, 5)),
        (lambda nn: nn.ZeroPad2d(1), (3,)),
    ],
)
def test_padding_errors(make, shape):
    assert_raises_like_torch(lambda T, x: make(T.nn)(x), np.zeros(shape, np.float32))


def test_pad_circular_negative_crops_first():
    # torch crops the negative side, then wraps around what is left
    for pad in [(-1, 2), (2, -2), (-2, -1), (1, -3), (-1, 4), (-3, 2)]:
        check_op(lambda T, x, pad=pad: T.nn.functional.pad(x, pad, "circular"), [(2, 3, 5)])
    assert_raises_like_torch(lambda T, x: T.nn.functional.pad(x, (-3, 3), "circular"), np.zeros((1, 1, 5)))


# ---- 3. pixel and channel shuffles -------------------------------------------------------------------
@pytest.mark.parametrize("shape,r", [((2, 8, 3, 4), 2), ((9, 2, 3), 3), ((2, 2, 4, 3, 3), 2), ((1, 5, 2, 2), 1)])
def test_pixel_shuffle(shape, r):
    check_op(lambda T, x: T.nn.functional.pixel_shuffle(x, r), [shape])
    check_op(lambda T, x: T.nn.PixelShuffle(r)(x), [shape])
    out_shape = shape[:-3] + (shape[-3] // (r * r), shape[-2] * r, shape[-1] * r)
    check_op(lambda T, x: T.nn.functional.pixel_unshuffle(x, r), [out_shape])
    check_op(lambda T, x: T.nn.PixelUnshuffle(r)(x), [out_shape])


@pytest.mark.parametrize("shape,g", [((2, 6, 3, 4), 3), ((2, 6, 5), 2), ((1, 12, 2, 2, 2), 4), ((3, 4, 2), 1)])
def test_channel_shuffle(shape, g):
    check_op(lambda T, x: T.nn.functional.channel_shuffle(x, g), [shape])
    check_op(lambda T, x: T.nn.ChannelShuffle(g)(x), [shape])


def test_shuffle_ints_grad_fns_reprs_and_gradcheck():
    x = np.arange(48).reshape(1, 12, 2, 2)
    for f in (lambda F, a: F.pixel_shuffle(a, 2), lambda F, a: F.pixel_unshuffle(a, 2),
              lambda F, a: F.channel_shuffle(a, 3)):  # fmt: skip
        check_op(lambda T, a, f=f: f(T.nn.functional, a), None, arrays=[x], grad=False, dtypes=("int64",))
        t = f(torch.nn.functional, torch.ones(1, 12, 2, 2, requires_grad=True))
        c = f(chainrule.nn.functional, chainrule.ones(1, 12, 2, 2, requires_grad=True))
        assert c.grad_fn.name() == t.grad_fn.name()
    for make in (lambda nn: nn.PixelShuffle(2), lambda nn: nn.PixelUnshuffle(3), lambda nn: nn.ChannelShuffle(2)):
        _same_repr(make)
    check_gradcheck(lambda T, x: T.nn.functional.pixel_shuffle(x, 2) ** 2, [(1, 8, 2, 3)], gradgrad=True)
    check_gradcheck(lambda T, x: T.nn.functional.channel_shuffle(x, 2) ** 2, [(2, 6, 3)], gradgrad=True)


@pytest.mark.parametrize(
    "fn,shape",
    [
        (lambda F, x: F.pixel_shuffle(x, 2), (2, 7, 3, 3)),
        (lambda F, x: F.pixel_shuffle(x, 2), (4, 3)),
        (lambda F, x: F.pixel_shuffle(x, 0), (2, 8, 3, 3)),
        (lambda F, x: F.pixel_shuffle(x, 2.0), (2, 8, 3, 3)),
        (lambda F, x: F.pixel_unshuffle(x, 2), (2, 2, 3, 4)),
        (lambda F, x: F.pixel_unshuffle(x, 2), (2, 2, 4, 3)),
        (lambda F, x: F.pixel_unshuffle(x, -1), (2, 2, 4, 4)),
        (lambda F, x: F.channel_shuffle(x, 3), (2, 6)),
        (lambda F, x: F.channel_shuffle(x, 3), (2, 7, 3)),
        (lambda F, x: F.channel_shuffle(x, 0), (2, 6, 3)),
    ],
)
def test_shuffle_errors(fn, shape):
    assert_raises_like_torch(lambda T, x: fn(T.nn.functional, x), np.zeros(shape, np.float32))


# ---- 4. distances, fold/unfold, pdist ----------------------------------------------------------------
@pytest.mark.parametrize(
    "make,shapes",
    [
        (lambda nn: nn.CosineSimilarity(), [(4, 5), (4, 5)]),
        (lambda nn: nn.CosineSimilarity(dim=0, eps=1e-3), [(4, 5), (1, 5)]),
        (lambda nn: nn.PairwiseDistance(), [(4, 5), (4, 5)]),
        (lambda nn: nn.PairwiseDistance(p=1.0, eps=1e-3, keepdim=True), [(4, 5), (5,)]),
        (lambda nn: nn.PairwiseDistance(p=3), [(5,), (5,)]),
        (lambda nn: nn.Unfold(2), [(2, 3, 4, 5)]),
        (lambda nn: nn.Unfold((2, 3), dilation=(1, 2), padding=1, stride=2), [(3, 5, 6)]),
        (lambda nn: nn.Fold((4, 5), 2), [(2, 12, 12)]),
        (lambda nn: nn.Fold(5, (2, 3), padding=1, stride=2), [(6, 9)]),
    ],
)
def test_distance_and_fold_modules(make, shapes):
    check_module(make, shapes)
    _same_repr(make)
    m = make(chainrule.nn)
    assert (getattr(m, "norm", None), getattr(m, "dim", None)) == (
        getattr(make(torch.nn), "norm", None),
        getattr(make(torch.nn), "dim", None),
    )


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 0, float("inf")])
def test_pdist(p):
    check_op(lambda T, x: T.nn.functional.pdist(x, p), [(6, 4)], tol_scale=10)


def test_pdist_edges_and_errors():
    check_op(lambda T, x: T.nn.functional.pdist(x), [(1, 3)])
    check_op(lambda T, x: T.nn.functional.pdist(x), [(0, 3)], grad=False)  # torch's backward crashes on 0 rows
    x = np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]])  # a zero distance: gradient 0 there
    check_op(lambda T, a: T.nn.functional.pdist(a), None, arrays=[x], dtypes=("float64",))
    check_gradcheck(lambda T, x: T.nn.functional.pdist(x), [(4, 3)], gradgrad=True)
    for shape in ((2, 3, 4), (4,)):
        assert_raises_like_torch(lambda T, a: T.nn.functional.pdist(a), np.zeros(shape, np.float32))
    assert_raises_like_torch(lambda T, a: T.nn.functional.pdist(a, -1), np.zeros((3, 2), np.float32))
    assert_raises_like_torch(lambda T, a: T.nn.functional.pdist(a), np.zeros((3, 2), np.int64))


# ---- 5. max pooling with indices, unpooling ---------------------------------------------------------
def _ties(shape, seed=0):
    return np.random.default_rng(seed).integers(0, 3, shape).astype(np.float64)


@pytest.mark.parametrize(
    "kw", [dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1), dict(kernel_size=(2, 3), stride=(1, 2))]
)
def test_max_pool_with_indices_ties(kw):
    # many equal values: the index must be the first maximum in window order, like torch
    x2, x1 = _ties((2, 3, 6, 7)), _ties((2, 3, 9), 1)
    k1 = {k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}
    F = lambda T: T.nn.functional  # noqa: E731
    for dt in ("float32", "float64"):
        for fn, x in [
            (lambda T, a: F(T).max_pool2d_with_indices(a, **kw), x2),
            (lambda T, a: T.nn.MaxPool2d(**kw, return_indices=True)(a), x2),
            (lambda T, a: F(T).max_pool1d_with_indices(a, **k1), x1),
            (lambda T, a: T.nn.MaxPool1d(**k1, return_indices=True)(a[0]), x1),
        ]:
            check_op(fn, None, arrays=[x.astype(dt)], dtypes=(dt,))


@pytest.mark.parametrize(
    "pool,unpool,shape",
    [
        (dict(kernel_size=2), dict(kernel_size=2), (2, 3, 6, 8)),
        (dict(kernel_size=3, stride=2, padding=1), dict(kernel_size=3, stride=2, padding=1), (2, 3, 7, 7)),
        (dict(kernel_size=2), dict(kernel_size=2, output_size=(7, 9)), (3, 7, 9)),
        (dict(kernel_size=2), dict(kernel_size=2, output_size=(2, 3, 7, 9)), (2, 3, 7, 9)),
        (dict(kernel_size=3, stride=1), dict(kernel_size=3, stride=1), (1, 2, 5, 5)),  # repeated indices
    ],
)
def test_max_unpool2d(pool, unpool, shape):
    def fn(T, x):
        out, idx = T.nn.functional.max_pool2d(x, **pool, return_indices=True)
        return T.nn.functional.max_unpool2d(out * 2, idx, **unpool)

    check_op(fn, [shape])
    check_op(fn, None, arrays=[_ties(shape)], dtypes=("float64",))
    check_op(fn, None, arrays=[_ties(shape).astype(np.float32)], dtypes=("float32",))
    kw = {k: v for k, v in unpool.items() if k != "output_size"}
    mod = lambda T, x: T.nn.MaxUnpool2d(**kw)(  # noqa: E731
        *T.nn.functional.max_pool2d(x, **pool, return_indices=True), output_size=unpool.get("output_size")
    )
    check_op(mod, [shape])


@pytest.mark.parametrize("shape,kw", [((2, 3, 8), {}), ((3, 9), dict(output_size=[9])), ((2, 3, 7), dict(stride=1))])
def test_max_unpool1d(shape, kw):
    stride = kw.get("stride")
    fn = lambda T, x: T.nn.functional.max_unpool1d(  # noqa: E731
        *T.nn.functional.max_pool1d(x, 2, stride, return_indices=True), 2, **kw
    )
    check_op(fn, [shape])
    mod = lambda T, x: T.nn.MaxUnpool1d(2, stride)(  # noqa: E731
        *T.nn.functional.max_pool1d(x, 2, stride, return_indices=True), output_size=kw.get("output_size")
    )
    check_op(mod, [shape])
    if stride is None:  # overlapping windows repeat indices: the gradient is torch's gather, not a derivative
        check_gradcheck(lambda T, x: fn(T, x) ** 2, [shape], gradgrad=True)


def test_max_unpool_reprs_and_errors():
    for make in (lambda nn: nn.MaxUnpool1d(2), lambda nn: nn.MaxUnpool2d((2, 3), 1, 1), lambda nn: nn.MaxUnpool2d(2)):
        _same_repr(make)
    x = np.random.default_rng(0).standard_normal((2, 3, 2, 2)).astype(np.float32)
    i = np.random.default_rng(1).integers(0, 16, (2, 3, 2, 2))
    F = lambda T: T.nn.functional  # noqa: E731
    cases = [
        (lambda T, a, b: F(T).max_unpool2d(a[0, 0], b[0, 0], 2), [x, i]),
        (lambda T, a, b: F(T).max_unpool2d(a, b[:, :2], 2), [x, i]),
        (lambda T, a, b: F(T).max_unpool2d(a, b, 2), [x, i.astype(np.int32)]),
        (lambda T, a, b: F(T).max_unpool2d(a, b, 2), [x, i.astype(np.float32)]),
        (lambda T, a, b: F(T).max_unpool2d(a, b + 100, 2), [x, i]),
        (lambda T, a, b: F(T).max_unpool2d(a, b - 100, 2), [x, i]),
        (lambda T, a, b: F(T).max_unpool2d(a, b, 2, output_size=(7, 5)), [x, i]),
        (lambda T, a, b: F(T).max_unpool2d(a, b, 2, output_size=(7,)), [x, i]),
        (lambda T, a, b: F(T).max_unpool2d(a, b, 2), [x.astype(np.int64), i]),
        (lambda T, a, b: F(T).max_unpool1d(a[0, 0], b[0, 0], 2), [x, i]),
        (lambda T, a, b: F(T).max_unpool1d(a[0, 0, 0], b[0, 0, 0], 2), [x, i]),
    ]
    for fn, arrs in cases:
        assert_raises_like_torch(fn, *arrs)
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: 114 \(output volumes are of size 4x4\)"):
        F(chainrule).max_unpool2d(chainrule.zeros(1, 1, 2, 2), chainrule.tensor([[[[0, 114], [1, 2]]]]), 2)


# ---- 6a. power-average pooling ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "p,kw,positive",
    [
        (2, dict(kernel_size=3), False),
        (1, dict(kernel_size=2, stride=1), False),
        (3, dict(kernel_size=(2, 3), stride=(2, 1), ceil_mode=True), False),
        (1.5, dict(kernel_size=2), True),
        (float("inf"), dict(kernel_size=2), False),
        (-float("inf"), dict(kernel_size=3, stride=2), False),
    ],
)
def test_lp_pool(p, kw, positive):
    k1 = {k: (v[0] if isinstance(v, tuple) else v) for k, v in kw.items()}
    check_op(lambda T, x: T.nn.functional.lp_pool2d(x, p, **kw), [(2, 3, 7, 8)], positive=positive, tol_scale=10)
    check_op(lambda T, x: T.nn.functional.lp_pool1d(x, p, **k1), [(2, 3, 9)], positive=positive, tol_scale=10)
    check_op(lambda T, x: T.nn.LPPool2d(p, **kw)(x), [(3, 7, 8)], positive=positive, tol_scale=10)
    check_op(lambda T, x: T.nn.LPPool1d(p, **k1)(x), [(3, 9)], positive=positive, tol_scale=10)
    _same_repr(lambda nn: nn.LPPool2d(p, **kw))
    _same_repr(lambda nn: nn.LPPool1d(p, **k1))


# ---- 6b. randomized leaky ReLU and Gumbel-softmax (seeded draws equal torch's) -----------------------------------
def _seeded(fn, seed=3):
    def run(T, *xs):
        T.manual_seed(seed)
        out = fn(T, *xs)
        return out, T.rand(3)  # the stream continues at the same place

    return run


@pytest.mark.parametrize("lower,upper", [(1 / 8, 1 / 3), (0.1, 0.37), (0.2, 0.2)])
def test_rrelu_training_draws_like_torch(lower, upper):
    check_op(_seeded(lambda T, x: T.nn.functional.rrelu(x, lower, upper, training=True)), [(5, 40)])
    check_op(_seeded(lambda T, x: T.nn.RReLU(lower, upper)(x)), [(3, 7, 5)])
    check_op(_seeded(lambda T, x: T.nn.functional.rrelu(x * 1, lower, upper, True, inplace=True)), [(4, 9)])
    check_op(_seeded(lambda T, x: T.nn.functional.rrelu_(x * 1, lower, upper, True)), [(4, 9)])
    check_op(lambda T, x: T.nn.functional.rrelu(x, lower, upper), [(4, 9)])
    check_op(lambda T, x: T.nn.RReLU(lower, upper).eval()(x), [(4, 9)])


def test_rrelu_edges_reprs_and_errors():
    x = np.array([-1.0, 0.0, 2.0, np.nan, -3.0])
    check_op(_seeded(lambda T, a: T.nn.functional.rrelu(a, training=True)), None, arrays=[x], dtypes=("float64",))
    check_op(_seeded(lambda T, a: T.nn.functional.rrelu(a)), None, arrays=[x], dtypes=("float64",))
    _same_repr(lambda nn: nn.RReLU())
    _same_repr(lambda nn: nn.RReLU(0.1, 0.3, True))
    assert_raises_like_torch(lambda T, a: T.nn.functional.rrelu(a, 0.5, 0.2, training=True), np.zeros(3))
    assert_raises_like_torch(lambda T, a: T.nn.functional.rrelu(a, training=True), np.zeros(3, np.int64))
    for T in (torch, chainrule):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            T.nn.functional.rrelu(T.zeros(3, requires_grad=True), training=True, inplace=True)
        assert T.nn.functional.rrelu(T.zeros(3, requires_grad=True)).grad_fn.name() == "RreluWithNoiseBackward0"


@pytest.mark.parametrize("kw", [dict(), dict(tau=0.5), dict(hard=True), dict(tau=2.0, hard=True, dim=0)])
def test_gumbel_softmax_draws_like_torch(kw):
    check_op(_seeded(lambda T, x: T.nn.functional.gumbel_softmax(x, **kw)), [(6, 5)])
    check_op(_seeded(lambda T, x: T.nn.functional.gumbel_softmax(x, **kw)), [(2, 3, 4)])


def test_gumbel_softmax_eps_warning_and_errors():
    for T in (torch, chainrule):
        with pytest.warns(UserWarning, match="`eps` parameter is deprecated and has no effect."):
            T.nn.functional.gumbel_softmax(T.zeros(2, 3), eps=1e-5)
    assert_raises_like_torch(lambda T, a: T.nn.functional.gumbel_softmax(a), np.zeros((2, 3), np.int64))
    assert_raises_like_torch(lambda T, a: T.nn.functional.gumbel_softmax(a, dim=3), np.zeros((2, 3), np.float32))
