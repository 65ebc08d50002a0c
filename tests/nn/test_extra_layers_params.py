"""LazyLinear, EmbeddingBag and the class-margin losses against torch: values, gradients, init, reprs, errors."""

import copy

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from layer_parity import check_module

import chainrule
import chainrule.nn  # noqa: F401

DTYPES = ("float32", "float64")


def _check(fn, float_shapes, ints, positive=False, seed=0, **kw):
    """check_op per dtype with seeded float inputs of ``float_shapes`` followed by the integer arrays ``ints``."""
    for dt in DTYPES:
        rng = np.random.default_rng(seed)
        fl = [rng.uniform(-2, 2, s).astype(dt) for s in float_shapes]
        if positive:
            fl = [np.abs(a) + np.asarray(0.1, dt) for a in fl]
        check_op(fn, None, arrays=fl + list(ints), dtypes=(dt,), **kw)


# ---- LazyLinear ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lazy_linear_materializes_like_torch(bias, dtype):
    x = np.random.default_rng(0).standard_normal((3, 2, 5)).astype(dtype)
    res = []
    for T in (torch, chainrule):
        T.manual_seed(11)
        m = T.nn.LazyLinear(4, bias=bias, dtype=getattr(T, dtype))
        before = (repr(m), repr(m.weight), m.in_features, list(m.state_dict()))
        xt = T.tensor(x, requires_grad=True)
        y = m(xt)
        y.backward(T.ones_like(y))
        after = (repr(m), type(m).__name__, m.in_features, type(m.weight).__name__, str(m.weight.dtype))
        res.append((before, after, y, xt.grad, [p.grad for p in m.parameters()], [p.detach() for p in m.parameters()],
                    T.rand(2)))  # fmt: skip
        assert not m._forward_pre_hooks
    (tb, ta, *tv), (cb, ca, *cv) = res
    assert cb == tb and ca == ta
    for t, c in zip(tv[:2] + tv[2] + tv[3] + [tv[4]], cv[:2] + cv[2] + cv[3] + [cv[4]]):
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-6 if dtype == "float32" else 1e-12)


def test_lazy_linear_double_load_state_dict_and_errors():
    for T in (torch, chainrule):
        T.manual_seed(0)
        m = T.nn.LazyLinear(3).double()
        assert m(T.ones(2, 5, dtype=T.float64)).dtype == T.float64
        m = T.nn.LazyLinear(3)
        src = T.nn.Linear(4, 3)
        m.load_state_dict(src.state_dict())
        assert type(m).__name__ == "LazyLinear" and tuple(m.weight.shape) == (3, 4)
        np.testing.assert_array_equal(m.weight.detach().numpy(), src.weight.detach().numpy())
        m(T.ones(2, 4))
        assert type(m).__name__ == "Linear" and m.in_features == 4
        m = T.nn.LazyLinear(3)
        with pytest.raises(IndexError):
            m(T.tensor(1.0))
        m = copy.deepcopy(T.nn.LazyLinear(2))
        assert m(T.ones(1, 3)).shape == (1, 2)
    assert repr(chainrule.nn.UninitializedParameter()) == repr(torch.nn.UninitializedParameter())


# ---- EmbeddingBag ---------------------------------------------------------------------------------------
IDX = np.array([1, 2, 4, 5, 4, 3, 2, 9, 2, 2])
BAGS = [
    dict(offsets=np.array([0, 4])),
    dict(offsets=np.array([0, 4, 4, 8]), mode="sum"),
    dict(offsets=np.array([0, 4, 4, 8]), mode="max"),
    dict(offsets=np.array([0, 3, 7]), padding_idx=2),
    dict(offsets=np.array([0, 3, 7]), padding_idx=-8, mode="max"),
    dict(offsets=np.array([0, 3, 7]), padding_idx=2, mode="sum", psw=True),
    dict(offsets=np.array([0, 3, 7, 10]), include_last_offset=True),
    dict(offsets=np.array([0, 3, 7, 10]), include_last_offset=True, mode="max"),
    dict(offsets=np.array([0, 3, 7]), scale_grad_by_freq=True, mode="sum"),
    dict(offsets=np.array([0, 3, 7]), scale_grad_by_freq=True, padding_idx=4),
    dict(offsets=np.array([0, 3, 7]), scale_grad_by_freq=True, mode="sum", psw=True),
    dict(shape=(2, 5), mode="max"),
    dict(shape=(5, 2), mode="sum", psw=True),
    dict(shape=(5, 2)),
    dict(offsets=np.array([0, 0, 2, 10]), padding_idx=2),  # empty bags and a bag of padding only
    dict(offsets=np.array([0, 2, 2]), padding_idx=2, mode="max"),
    dict(idx_dtype=np.int32, offsets=np.array([0, 2], dtype=np.int32)),
    dict(idx=np.array([], dtype=np.int64), offsets=np.array([0, 0])),
]


@pytest.mark.parametrize("kw", BAGS)
def test_embedding_bag(kw):
    kw = dict(kw)
    idx = kw.pop("idx", IDX).astype(kw.pop("idx_dtype", np.int64)).reshape(kw.pop("shape", (-1,)))
    offs = kw.pop("offsets", None)
    use_psw = kw.pop("psw", False)
    ints = [idx] + ([offs] if offs is not None else [])

    def fn(T, w, *rest):
        psw = rest[0] if use_psw else None
        i, *o = rest[1:] if use_psw else rest
        return T.nn.functional.embedding_bag(i, w, *o, per_sample_weights=psw, **kw)

    if use_psw:
        _check(lambda T, w, p, *r: fn(T, w, p, *r), [(10, 3), idx.shape], ints)
    else:
        _check(fn, [(10, 3)], ints)


def test_embedding_bag_ties_in_max_take_the_first_row():
    w = np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 2.0], [1.0, 2.0]])
    check_op(lambda T, a, i, o: T.nn.functional.embedding_bag(i, a, o, mode="max"), None,
             arrays=[w, np.array([3, 0, 1, 2, 2, 1]), np.array([0, 3])], dtypes=("float64",))  # fmt: skip
    check_gradcheck(lambda T, a, i, o: T.nn.functional.embedding_bag(i, a, o, mode="sum") ** 2, None,
                    arrays=[w, np.array([3, 0, 1, 2, 2, 1]), np.array([0, 3])], gradgrad=True)  # fmt: skip


@pytest.mark.parametrize(
    "make,call_kw",
    [
        (lambda nn: nn.EmbeddingBag(10, 3), dict(offsets=True)),
        (lambda nn: nn.EmbeddingBag(10, 3, mode="sum", padding_idx=2), dict(offsets=True)),
        (lambda nn: nn.EmbeddingBag(10, 3, mode="max", include_last_offset=True), dict(offsets=True, last=True)),
        (lambda nn: nn.EmbeddingBag(10, 3, mode="max", padding_idx=-1), dict()),
        (lambda nn: nn.EmbeddingBag(10, 3, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True), dict(offsets=True)),
    ],
)
def test_embedding_bag_module(make, call_kw):
    idx = IDX if call_kw else IDX.reshape(2, 5)
    arrays = [idx] + ([np.array([0, 3, 7] + ([10] if "last" in call_kw else []))] if call_kw else [])
    check_module(make, None, arrays=arrays)
    assert repr(make(chainrule.nn)) == repr(make(torch.nn))
    torch.manual_seed(5)
    tm = make(torch.nn)
    chainrule.manual_seed(5)
    cm = make(chainrule.nn)
    np.testing.assert_array_equal(cm.weight.detach().numpy(), tm.weight.detach().numpy())


def test_embedding_bag_from_pretrained_and_per_sample_weights_module():
    w = np.random.default_rng(0).standard_normal((6, 2)).astype(np.float32)
    for T in (torch, chainrule):
        m = T.nn.EmbeddingBag.from_pretrained(T.tensor(w), mode="sum")
        assert not m.weight.requires_grad and repr(m) == "EmbeddingBag(6, 2, mode='sum')"
        out = m(T.tensor([0, 5, 5]), T.tensor([0, 1]), per_sample_weights=T.tensor([1.0, 2.0, -1.0]))
        np.testing.assert_allclose(out.numpy(), np.stack([w[0], w[5]]), rtol=1e-6)


@pytest.mark.parametrize(
    "fn,arrs",
    [
        (lambda F, w, i, o: F.embedding_bag(i, w, o), [np.array([1, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w, o), [np.array([0, 11])]),
        (lambda F, w, i, o: F.embedding_bag(i + 5, w, o), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i - 2, w, o), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i.reshape(2, 5), w, o), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i.reshape(1, 2, 5), w), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w, o.reshape(1, 2)), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w, o, mode="foo"), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w, o, mode="max", scale_grad_by_freq=True), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w, o, per_sample_weights=w[:, 0]), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w, o, mode="sum", per_sample_weights=w[0]), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w[0], o), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i.float(), w, o), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i, w, o, padding_idx=10), [np.array([0, 4])]),
        (lambda F, w, i, o: F.embedding_bag(i.reshape(10, 1)[:, :0], w), [np.array([0, 4])]),
    ],
)
def test_embedding_bag_errors(fn, arrs):
    w = np.random.default_rng(0).standard_normal((10, 3)).astype(np.float32)
    assert_raises_like_torch(lambda T, a, i, o: fn(T.nn.functional, a, i, o), w, IDX, *arrs)


def test_embedding_bag_module_errors():
    for n in (10, -11):
        for T in (torch, chainrule):
            with pytest.raises(AssertionError, match="padding_idx must be within num_embeddings"):
                T.nn.EmbeddingBag(10, 3, padding_idx=n)


# ---- margin losses ---------------------------------------------------------------------------------------
Y = np.array([0, 4, 2, 1, 4, 3])


@pytest.mark.parametrize(
    "kw", [dict(), dict(p=2), dict(margin=0.3, reduction="sum"), dict(p=2, margin=2.0, reduction="none")]
)
def test_multi_margin_loss(kw):
    _check(lambda T, x, y: T.nn.functional.multi_margin_loss(x, y, **kw), [(6, 5)], [Y])
    _check(lambda T, x, w, y: T.nn.functional.multi_margin_loss(x, y, weight=w, **kw), [(6, 5), (5,)], [Y],
           requires_grad=[True, False, False])  # fmt: skip
    _check(lambda T, x, y: T.nn.functional.multi_margin_loss(x, y, **kw), [(5,)], [np.array(3)])
    _check(lambda T, x, y: T.nn.functional.multi_margin_loss(x, y, **kw), [(5,)], [np.array([3])])
    _check(lambda T, x, y: T.nn.functional.multi_margin_loss(x, y, **kw), [()], [np.array(0)])
    _check(lambda T, x, y: T.nn.functional.multi_margin_loss(x, y, **kw), [()], [np.array([0])])
    _check(lambda T, x, w, y: T.nn.MultiMarginLoss(weight=w, **kw)(x, y), [(6, 5), (5,)], [Y], grad=False)
    _check(lambda T, x, y: T.nn.MultiMarginLoss(**kw)(x, y), [(6, 5)], [Y])


def test_multi_margin_loss_gradcheck_reprs_and_errors():
    check_gradcheck(lambda T, x, y: T.nn.functional.multi_margin_loss(x, y, p=2), None,
                    arrays=[np.random.default_rng(0).standard_normal((4, 5)), Y[:4]], gradgrad=True)  # fmt: skip
    assert repr(chainrule.nn.MultiMarginLoss(p=2, margin=0.5)) == repr(torch.nn.MultiMarginLoss(p=2, margin=0.5))
    for T in (torch, chainrule):
        m = T.nn.MultiMarginLoss(weight=T.ones(3))
        assert list(m.state_dict()) == ["weight"]
        with pytest.raises(ValueError, match="only p == 1 and p == 2 supported"):
            T.nn.MultiMarginLoss(p=3)
        with pytest.raises(ValueError, match="expected weight to be None or 1D tensor, got 2D instead"):
            T.nn.MultiMarginLoss(weight=T.ones(3, 1))
    x = np.zeros((4, 5), np.float32)
    y = Y[:4]
    F = lambda T: T.nn.functional  # noqa: E731
    for fn, arrs in [
        (lambda T, a, b: F(T).multi_margin_loss(a[None], b), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b + 3), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b - 1), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b[:3]), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b[:, None]), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b.float()), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b.int()), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b, p=3), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b, weight=T.ones(5, 1)), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b, weight=T.ones(4)), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a.double(), b, weight=T.ones(5)), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b, reduction="foo"), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a.long(), b), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a[:, :0], b), [x, y]),
        (lambda T, a, b: F(T).multi_margin_loss(a, b, weight=T.ones(5, requires_grad=True)), [x, y]),
    ]:
        assert_raises_like_torch(fn, *arrs)


TGT = np.array([[0, 3, -1, 2], [4, 1, 0, 2], [2, 2, -1, -1], [-1, 3, 1, 0], [1, 0, 2, 3]])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_multilabel_margin_loss(reduction):
    tgt = np.concatenate([TGT, np.full((5, 1), -1)], 1)  # 5 classes; duplicates count twice like torch
    _check(lambda T, x, y: T.nn.functional.multilabel_margin_loss(x, y, reduction=reduction), [(5, 5)], [tgt])
    _check(lambda T, x, y: T.nn.functional.multilabel_margin_loss(x, y, reduction=reduction), [(5,)], [tgt[1]])
    _check(lambda T, x, y: T.nn.functional.multilabel_margin_loss(x, y, reduction=reduction), [()], [np.array(0)])
    _check(lambda T, x, y: T.nn.MultiLabelMarginLoss(reduction=reduction)(x, y), [(5, 5)], [tgt])
    assert repr(chainrule.nn.MultiLabelMarginLoss(reduction=reduction)) == repr(
        torch.nn.MultiLabelMarginLoss(reduction=reduction)
    )


def test_multilabel_margin_loss_gradcheck_and_errors():
    tgt = np.array([[0, 3, -1, 2], [3, -1, 0, 1]])
    check_gradcheck(lambda T, x, y: T.nn.functional.multilabel_margin_loss(x, y), None,
                    arrays=[np.random.default_rng(0).standard_normal((2, 4)), tgt], gradgrad=True)  # fmt: skip
    x = np.zeros((2, 4), np.float32)
    F = lambda T: T.nn.functional  # noqa: E731
    for fn, arrs in [
        (lambda T, a, b: F(T).multilabel_margin_loss(a, b[:, :3]), [x, tgt]),
        (lambda T, a, b: F(T).multilabel_margin_loss(a, b + 2), [x, tgt]),
        (lambda T, a, b: F(T).multilabel_margin_loss(a, b - 1), [x, tgt]),
        (lambda T, a, b: F(T).multilabel_margin_loss(a, b.float()), [x, tgt]),
        (lambda T, a, b: F(T).multilabel_margin_loss(a[None], b[None]), [x, tgt]),
        (lambda T, a, b: F(T).multilabel_margin_loss(a[0], b[:1]), [x, tgt]),
        (lambda T, a, b: F(T).multilabel_margin_loss(a, b, reduction="mean_"), [x, tgt]),
    ]:
        assert_raises_like_torch(fn, *arrs)
