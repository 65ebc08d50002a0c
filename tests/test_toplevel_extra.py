"""torch.* forms of the nn ops (ATen signatures: weight-first embedding, required dropout ``train``, integer
``reduction``), cdist, histogram, put, vander and friends against torch: values, gradients, draws, errors."""

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op

import chainrule

LONG = dict(dtype=np.int64)


def _same(t, c, what="output", rtol=1e-6, atol=1e-7):
    if isinstance(t, torch.Tensor):
        assert isinstance(c, chainrule.Tensor), f"{what}: {type(c)}"
        assert str(c.dtype) == str(t.dtype), f"{what}: dtype {c.dtype} != torch {t.dtype}"
        assert tuple(c.shape) == tuple(t.shape), f"{what}: shape {tuple(c.shape)} != torch {tuple(t.shape)}"
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=rtol, atol=atol, equal_nan=True)
    else:
        assert isinstance(c, tuple) and len(c) == len(t), f"{what}: {c!r} vs torch {t!r}"
        for i, (a, b) in enumerate(zip(t, c)):
            _same(a, b, f"{what}[{i}]", rtol, atol)


# ---- convolution and pooling ----------------------------------------------------------------------------
def test_conv_forms_and_generic_convolution():
    check_op(lambda T, x, w, b: T.conv1d(x, w, b, 2, 1, 1, 1), [(2, 3, 9), (4, 3, 3), (4,)])
    check_op(lambda T, x, w: T.conv2d(x, w, None, 1, "same"), [(1, 2, 5, 5), (3, 2, 3, 3)])
    check_op(lambda T, x, w: T.conv3d(x, w, padding=1, groups=2), [(1, 4, 3, 4, 4), (2, 2, 3, 3, 3)])
    check_op(lambda T, x, w, b: T.conv_transpose1d(x, w, b, 2, 1, 1), [(2, 3, 5), (3, 2, 3), (2,)])
    check_op(lambda T, x, w: T.conv_transpose2d(x, w, None, 2, 0, 1, 1, 2), [(1, 2, 4, 4), (2, 3, 2, 2)])
    check_op(lambda T, x, w: T.conv_transpose3d(x, w, stride=2), [(1, 2, 2, 3, 2), (2, 1, 2, 2, 2)])
    check_op(lambda T, x, w, b: T.convolution(x, w, b, [1, 2], [1, 0], [1, 1], False, [0, 0], 1),
             [(2, 3, 6, 5), (4, 3, 3, 2), (4,)])  # fmt: skip
    check_op(lambda T, x, w: T.convolution(x, w, None, [2], [1], [1], True, [1], 1), [(2, 3, 4), (3, 2, 3)])
    check_op(lambda T, x, w: T.convolution(x, w, None, [1, 1, 1], [0, 0, 0], [1, 1, 1], False, [0, 0, 0], 1),
             [(1, 2, 3, 3, 3), (1, 2, 2, 2, 2)])  # fmt: skip


def test_pooling_forms():
    check_op(lambda T, x: T.avg_pool1d(x, 3), [(2, 3, 10)])
    check_op(lambda T, x: T.avg_pool1d(x, 3, [2], 1, True, False), [(2, 3, 10)])
    check_op(lambda T, x: T.max_pool1d(x, 2), [(2, 3, 9)])
    check_op(lambda T, x: T.max_pool1d(x, 3, 2, 1, 1, True), [(2, 3, 9)])
    check_op(lambda T, x: T.max_pool2d(x, [2, 2]), [(1, 2, 5, 6)])
    check_op(lambda T, x: T.max_pool2d(x, 3, 2, 1, 1, True), [(1, 2, 7, 6)])
    check_op(lambda T, x: T.max_pool3d(x, 2), [(1, 2, 4, 4, 5)])
    check_op(lambda T, x: T.max_pool1d_with_indices(x, 3, 2), [(2, 3, 9)])
    check_op(lambda T, x: T.max_pool1d_with_indices(x, 2), [(3, 8)])
    check_op(lambda T, x: T.adaptive_avg_pool1d(x, 4), [(2, 3, 10)])
    check_op(lambda T, x: T.adaptive_max_pool1d(x, [3]), [(2, 3, 10)])
    assert isinstance(chainrule.adaptive_max_pool1d(chainrule.randn(1, 2, 6), 3), tuple)


# ---- normalisation ---------------------------------------------------------------------------------
def test_norm_forms():
    check_op(lambda T, x, w, b: T.layer_norm(x, [4], w, b, 1e-5, True), [(2, 3, 4), (4,), (4,)])
    check_op(lambda T, x: T.layer_norm(x, (3, 4)), [(2, 3, 4)])
    check_op(lambda T, x, w, b: T.group_norm(x, 2, w, b, 1e-5, True), [(2, 4, 5), (4,), (4,)])
    check_op(lambda T, x: T.group_norm(x, 1), [(2, 4, 3, 3)])
    check_op(lambda T, x, w, b: T.batch_norm(x, w, b, None, None, True, 0.1, 1e-5, True), [(4, 3, 5), (3,), (3,)])
    check_op(lambda T, x: T.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, True), [(2, 3, 6)])
    # running statistics: evaluation mode uses them, training updates them in place like torch
    res = []
    for T in (torch, chainrule):
        x = T.tensor(np.linspace(-2, 3, 24).reshape(4, 3, 2).astype(np.float32))
        rm, rv = T.zeros(3), T.ones(3)
        y = T.batch_norm(x, None, None, rm, rv, True, 0.2, 1e-5, False)
        z = T.batch_norm(x, T.full((3,), 2.0), None, rm, rv, False, 0.2, 1e-5, False)
        rm2, rv2 = T.zeros(3), T.ones(3)
        u = T.instance_norm(x, None, None, rm2, rv2, True, 0.1, 1e-5, False)
        res.append([t.numpy() for t in (y, z, rm, rv, u, rm2, rv2)])
    for a, b in zip(*res):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)
    x = np.ones((2, 3), np.float32)
    assert_raises_like_torch(lambda T, x: T.batch_norm(x, None, None, None, None, False, 0.1, 1e-5, True), x,
                             match="running_mean must be defined in evaluation mode")  # fmt: skip
    assert_raises_like_torch(lambda T, x: T.layer_norm(x, [4]), x)


# ---- embeddings ---------------------------------------------------------------------------------
def test_embedding_weight_first():
    idx = np.array([[0, 2, 4], [4, 1, 0]])
    w = np.random.default_rng(0).standard_normal((5, 3))
    check_op(lambda T, w, i: T.embedding(w, i), None, arrays=[w, idx])
    check_op(lambda T, w, i: T.embedding(w, i, 4), None, arrays=[w, idx])
    check_op(lambda T, w, i: T.embedding(w, i, -1, True), None, arrays=[w, idx])
    assert_raises_like_torch(lambda T, w, i: T.embedding(w, i), w, np.array([5]))


@pytest.mark.parametrize("mode", [0, 1, 2])
@pytest.mark.parametrize("last", [False, True])
def test_embedding_bag_four_outputs(mode, last):
    w = np.random.default_rng(1).standard_normal((10, 3))
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9])
    off = np.array([0, 0, 3, 8] if last else [0, 0, 3])
    check_op(lambda T, w, i, o: T.embedding_bag(w, i, o, False, mode, False, None, last), None,
             arrays=[w, idx, off])  # fmt: skip
    if mode == 0:
        ps = np.linspace(0.5, 2.0, 8)
        check_op(lambda T, w, i, o, p: T.embedding_bag(w, i, o, False, 0, False, p, last), None,
                 arrays=[w, idx, off, ps])  # fmt: skip


# ---- dropout family: same draws as torch -----------------------------------------------------------
@pytest.mark.parametrize("name", ["dropout", "alpha_dropout", "feature_dropout", "feature_alpha_dropout"])
def test_dropout_family_draws(name):
    x = np.random.default_rng(2).standard_normal((4, 5, 6)).astype(np.float32)
    g = np.random.default_rng(3).standard_normal((4, 5, 6)).astype(np.float32)
    res = []
    for T in (torch, chainrule):
        T.manual_seed(7)
        a = T.tensor(x, requires_grad=True)
        y = getattr(T, name)(a, 0.3, True)
        y.backward(T.tensor(g))
        b = T.tensor(x)
        r = getattr(T, name + "_")(b, 0.4, True)
        assert r is b
        e = T.tensor(x)
        assert getattr(T, name)(e, 0.3, False) is e
        assert getattr(T, name)(e, 0.0, True) is e
        z = getattr(T, name)(T.tensor(x), 1.0, True)
        res.append([t.detach().numpy() for t in (y, a.grad, b, z)] + [T.rand(3).numpy()])
    for u, v in zip(*res):
        np.testing.assert_allclose(v, u, rtol=1e-6, atol=1e-6)
    x = np.ones((3, 4), np.float32)
    assert_raises_like_torch(lambda T, x: getattr(T, name)(x, 1.5, False), x, match="between 0 and 1")
    assert_raises_like_torch(lambda T, x: getattr(T, name)(x, 0.5), x)  # train is required
    if name.startswith("feature"):
        assert_raises_like_torch(lambda T, x: getattr(T, name)(x, 0.5, True), np.ones(3, np.float32),
                                 match="at least 2 dimensions")  # fmt: skip


# ---- activations ----------------------------------------------------------------------------------
def test_activation_forms():
    check_op(lambda T, x: T.selu(x), [(3, 4)])
    # float32 only: F.celu's float64 gradient for alpha != 1 differs from torch's at ~3e-8 relative
    check_op(lambda T, x: T.celu(x, 0.7), [(3, 4)], dtypes=("float32",))
    check_op(lambda T, x: T.celu(x, 1.0), [(3, 4)])
    check_op(lambda T, x: T.celu(x), [()])
    check_op(lambda T, x: T.rrelu(x), [(3, 4)])
    check_op(lambda T, x, w: T.prelu(x, w), [(2, 3, 4), (3,)])
    check_op(lambda T, x: T.hardshrink(x, 0.8), [(3, 4)])
    check_op(lambda T, x: T.hardshrink(x), [(0, 4)])
    check_op(lambda T, x: x.hardshrink(0.3), [(5,)])
    check_op(lambda T, x, w: x.prelu(w), [(2, 3), (1,)])
    for name in ("selu_", "celu_"):
        r = []
        for T in (torch, chainrule):
            a = T.tensor(np.linspace(-2, 2, 7, dtype=np.float32))
            assert getattr(T, name)(a) is a
            r.append(a.numpy())
        np.testing.assert_allclose(r[1], r[0], rtol=1e-6)
    r = []
    for T in (torch, chainrule):
        T.manual_seed(3)
        a = T.tensor(np.linspace(-2, 2, 20, dtype=np.float32))
        b = T.rrelu(a, 0.1, 0.3, True)
        T.rrelu_(a, 0.1, 0.3, True)
        r.append([b.numpy(), a.numpy()])
    for u, v in zip(*r):
        np.testing.assert_allclose(v, u, rtol=1e-6)


# ---- distances ---------------------------------------------------------------------------------------
def test_distance_forms():
    check_op(lambda T, a, b, w, c: T.bilinear(a, b, w, c), [(4, 3), (4, 2), (5, 3, 2), (5,)])
    check_op(lambda T, a, b: T.cosine_similarity(a, b, 0), [(3, 4), (3, 1)])
    check_op(lambda T, a, b: T.pairwise_distance(a, b, 1.5, 1e-6, True), [(3, 4), (3, 4)])
    check_op(lambda T, x: T.pdist(x, 3.0), [(5, 3)])


@pytest.mark.parametrize("p", [0.0, 1.0, 1.5, 2.0, 3.0, float("inf")])
def test_cdist(p):
    check_op(lambda T, a, b: T.cdist(a, b, p), [(2, 4, 3), (2, 5, 3)])
    check_op(lambda T, a, b: T.cdist(a, b, p), [(2, 1, 4, 3), (3, 5, 3)])
    check_op(lambda T, a, b: T.cdist(a, b, p), [(0, 3), (2, 3)])
    if p in (1.5, 3.0):
        check_gradcheck(lambda T, a, b: T.cdist(a, b, p), [(3, 2), (4, 2)])


def test_cdist_matmul_paths_and_zero_distance():
    for mode in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        check_op(lambda T, a, b, m=mode: T.cdist(a, b, compute_mode=m), [(30, 3), (4, 3)], tol_scale=10)
        check_op(lambda T, a, b, m=mode: T.cdist(a, b, 2.0, m), [(3, 3), (4, 3)], tol_scale=10)
    a = np.array([[1.0, 2.0], [0.5, -1.0]])
    for p in (1.0, 2.0, 3.0, float("inf")):
        check_op(lambda T, x, y, p=p: T.cdist(x, y, p), None, arrays=[a, a.copy()])
    e = np.ones((3, 2), np.float32)
    assert_raises_like_torch(lambda T, x, y: T.cdist(x, y), e, np.ones((4, 3), np.float32), match="same number")
    assert_raises_like_torch(lambda T, x, y: T.cdist(x, y, -1.0), e, e, match="non-negative")
    assert_raises_like_torch(lambda T, x, y: T.cdist(x, y), e.astype(np.int64), e.astype(np.int64),
                             match="floating-point")  # fmt: skip
    assert_raises_like_torch(lambda T, x, y: T.cdist(x, y), np.ones(3), np.ones(3), match="at least 2D")


def test_pixel_shuffle_and_pad():
    check_op(lambda T, x: T.pixel_shuffle(x, 2), [(1, 8, 2, 3)])
    check_op(lambda T, x: T.pixel_unshuffle(x, 2), [(1, 2, 4, 6)])
    check_op(lambda T, x: T.constant_pad_nd(x, [1, 2]), [(2, 3)])
    check_op(lambda T, x: T.constant_pad_nd(x, (1, -1, 0, 2), 1.5), [(2, 3, 4)])


# ---- losses with integer reduction ------------------------------------------------------------------
@pytest.mark.parametrize("r", [0, 1, 2])
def test_losses_integer_reduction(r):
    check_op(lambda T, x, t: T.kl_div(x, t, r), [(3, 4), (3, 4)], positive=True)
    check_op(lambda T, x, t: T.kl_div(x, t, r, log_target=True), [(3, 4), (3, 4)])
    check_op(lambda T, x, t, w, pw: T.binary_cross_entropy_with_logits(x, t, w, pw, r),
             [(3, 4), (3, 4), (4,), (4,)], positive=True, requires_grad=[True, True, False, False])  # fmt: skip
    y = np.array([1.0, -1.0, 1.0])
    sh = make = np.random.default_rng(5).standard_normal
    a, b = sh((3, 4)), make((3, 4))
    check_op(lambda T, a, b, y: T.cosine_embedding_loss(a, b, y, 0.2, r), None, arrays=[a, b, y])
    check_op(lambda T, a, y: T.hinge_embedding_loss(a, y, 0.5, r), None, arrays=[a[:, 0].copy(), y])
    check_op(
        lambda T, a, b, y: T.margin_ranking_loss(a, b, y, 0.1, r), None, arrays=[a[:, 0].copy(), b[:, 1].copy(), y]
    )
    check_op(lambda T, x, t: T.poisson_nll_loss(x, t, True, True, 1e-8, r), [(3, 4), (3, 4)], positive=True)
    check_op(lambda T, x, t: T.poisson_nll_loss(x, t, False, False, 1e-6, r), [(3, 4), (3, 4)], positive=True)
    check_op(lambda T, a, p, n: T.triplet_margin_loss(a, p, n, 0.5, 1.5, 1e-6, True, r), [(3, 4), (3, 4), (3, 4)])


def test_losses_default_reduction_and_errors():
    # torch's Python binding leaves the optional reduction at 0 (none)
    check_op(lambda T, x, t: T.kl_div(x, t), [(3, 4), (3, 4)], positive=True)
    check_op(lambda T, x, t: T.binary_cross_entropy_with_logits(x, t), [(3, 4), (3, 4)])
    check_op(lambda T, a, p, n: T.triplet_margin_loss(a, p, n), [(3, 4), (3, 4), (3, 4)])
    y = np.array([1.0, -1.0, 1.0])
    a = np.random.default_rng(6).standard_normal((3, 4))
    check_op(lambda T, a, y: T.cosine_embedding_loss(a, a * 0.5 + 1, y), None, arrays=[a, y])
    check_op(lambda T, a, y: T.hinge_embedding_loss(a[:, 0], y), None, arrays=[a, y])
    check_op(lambda T, a, y: T.margin_ranking_loss(a[:, 0], a[:, 1], y), None, arrays=[a, y])
    x = np.ones((3,), np.float32)
    assert_raises_like_torch(lambda T, x, t: T.kl_div(x, t, "mean"), x, x)
    assert_raises_like_torch(lambda T, x, t: T.poisson_nll_loss(x, t, True, False, 1e-8), x, x)


# ---- integer / shape helpers -------------------------------------------------------------------------
def test_tri_indices():
    for args in [(3, 4), (3, 4, 1), (4, 3, -1), (0, 3), (5, 5, 10), (3, 3, -5)]:
        for name in ("tril_indices", "triu_indices"):
            _same(getattr(torch, name)(*args), getattr(chainrule, name)(*args), f"{name}{args}")
    _same(torch.triu_indices(3, 3, dtype=torch.int32), chainrule.triu_indices(3, 3, dtype=chainrule.int32))
    assert_raises_like_torch(lambda T: T.tril_indices(-1, 3), match="row must be non-negative")


def test_vander():
    # torch's own vander backward trips its in-place check, so gradients are checked by finite differences
    check_op(lambda T, x: T.vander(x), [(4,)], grad=False)
    check_op(lambda T, x: T.vander(x, 3, True), [(4,)], grad=False)
    check_op(lambda T, x: T.vander(x, 1), [(2,)], grad=False)
    check_op(lambda T, x: T.vander(x, 0), [(3,)], grad=False)
    check_op(lambda T, x: T.vander(x), [(0,)], grad=False)
    check_gradcheck(lambda T, x: T.vander(x, 4), [(3,)], gradgrad=True)
    check_gradcheck(lambda T, x: T.vander(x, 3, True), [(3,)])
    for a in (np.array([1, 2, 3], np.int32), np.array([True, False])):
        _same(torch.vander(torch.tensor(a), 4), chainrule.vander(chainrule.tensor(a), 4))
    assert_raises_like_torch(lambda T, x: T.vander(x), np.ones((2, 2)), match="one-dimensional")


def test_dsplit_detach_adjoint():
    check_op(lambda T, x: T.dsplit(x, 2), [(2, 3, 4)])
    check_op(lambda T, x: T.dsplit(x, [1, 3]), [(2, 3, 4, 2)])
    check_op(lambda T, x: x.dsplit([2]), [(1, 2, 4)])
    check_op(lambda T, x: T.adjoint(x) * 2, [(2, 3, 4)])
    check_op(lambda T, x: x.adjoint(), [(3, 4)])
    a = chainrule.ones(2, requires_grad=True)
    d = chainrule.detach(a * 2)
    assert not d.requires_grad and d.grad_fn is None
    assert_raises_like_torch(lambda T, x: T.dsplit(x, 2), np.ones((2, 4)), match="at least 3 dimension")
    assert_raises_like_torch(lambda T, x: T.dsplit(x, 3), np.ones((2, 2, 4)), match="not divisible")
    assert_raises_like_torch(lambda T, x: T.adjoint(x), np.ones(3), match="only supported on matrices")


def test_histogram():
    x = np.array([1.0, 2.0, 1.0, 4.0, 2.5, 3.25, -1.0], np.float32)
    w = np.linspace(0.5, 2.0, 7).astype(np.float32)
    cases = [
        lambda T, x, w: T.histogram(x, 4),
        lambda T, x, w: T.histogram(x),
        lambda T, x, w: T.histogram(x, 3, range=(0.0, 3.0)),
        lambda T, x, w: T.histogram(x, 5, weight=w, density=True),
        lambda T, x, w: T.histogram(x, T.tensor([0.0, 1.0, 2.0, 5.0], dtype=x.dtype), weight=w),
        lambda T, x, w: T.histogram(x, T.tensor([0.0, 1.0, 2.0, 5.0], dtype=x.dtype), density=True),
        lambda T, x, w: x.histogram(3),
        lambda T, x, w: T.histogram(x[:0], 2),
        lambda T, x, w: T.histogram(x[1:2], 2),
    ]
    for i, f in enumerate(cases):
        for dt in (np.float32, np.float64):
            t = f(torch, torch.tensor(x.astype(dt)), torch.tensor(w.astype(dt)))
            c = f(chainrule, chainrule.tensor(x.astype(dt)), chainrule.tensor(w.astype(dt)))
            _same(tuple(t), tuple(c), f"case {i}")
            assert tuple(c._fields) == ("hist", "bin_edges")
    assert_raises_like_torch(lambda T, x: T.histogram(x, 2), np.array([1, 2]))
    assert_raises_like_torch(
        lambda T, x, b: T.histogram(x, b),
        x.astype(np.float64),
        np.array([0.0, 1.0], np.float32),
        match="should have the same dtype",
    )
    assert_raises_like_torch(lambda T, x: T.histogram(x, 2, range=(3.0, 1.0)), x, match="min should not exceed max")


def test_put():
    idx = np.array([0, -1, 4, 0])
    check_op(lambda T, x, i, s: T.put(x, i, s), None, arrays=[np.zeros((2, 3)), idx[:3], np.array([1.0, 2.0, 3.0])])
    check_op(lambda T, x, i, s: T.put(x, i, s, True), None, arrays=[np.ones((2, 3)), idx, np.arange(4.0).reshape(2, 2)])
    check_op(lambda T, x, i, s: x.put(i, s, True), None, arrays=[np.ones((2, 3)), idx, np.arange(4.0)])
    check_op(lambda T, x, i, s: (x * 1).put_(i, s, True), None, arrays=[np.ones((2, 3)), idx, np.arange(4.0)])
    r = []
    for T in (torch, chainrule):
        a = T.zeros(2, 3)
        assert a.put_(T.tensor([5, 1]), T.tensor([7.0, 8.0])) is a
        r.append(a.numpy())
    np.testing.assert_array_equal(r[1], r[0])
    z = np.zeros((2, 3))
    assert_raises_like_torch(lambda T, x, i, s: T.put(x, i, s), z, np.array([6]), np.array([1.0]), match="out of range")
    assert_raises_like_torch(lambda T, x, i, s: T.put(x, i, s), z, np.array([1, 2]), np.array([1.0]),
                             match="same number of elements")  # fmt: skip


def test_resize_as_():
    r = []
    for T in (torch, chainrule):
        y = T.arange(6.0).reshape(2, 3)
        s1 = tuple(y.resize_as_(T.zeros(3, 2)).shape)
        out = y.resize_as_(T.zeros(1, 2))
        assert out is y
        r.append((s1, y.numpy().copy()))
    assert r[0][0] == r[1][0]
    np.testing.assert_array_equal(r[1][1], r[0][1])
    assert_raises_like_torch(lambda T: T.zeros(2, requires_grad=True).resize_as_(T.zeros(3)), match="require grad")


def test_binomial_draws_match():
    c = np.array([[5.0, 10.0, 100.0], [0.0, 40.0, 3.0]])
    p = np.array([0.3, 0.5, 0.9])
    for dt in (np.float32, np.float64):
        r = []
        for T in (torch, chainrule):
            T.manual_seed(11)
            out = T.binomial(T.tensor(c.astype(dt)), T.tensor(p.astype(dt)))
            r.append((str(out.dtype), out.numpy(), T.rand(2).numpy()))
        assert r[0][0] == r[1][0]
        np.testing.assert_array_equal(r[1][1], r[0][1])
        np.testing.assert_array_equal(r[1][2], r[0][2])
    assert_raises_like_torch(lambda T, c, p: T.binomial(c, p), np.array([5, 10]), np.array([0.3, 0.5]),
                             match="floating-point")  # fmt: skip
