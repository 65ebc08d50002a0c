"""Normalization layers and embedding (functional and modules) against torch."""

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from layer_parity import build, check_module

import chainrule
import chainrule.nn  # noqa: F401


def F(T):
    return T.nn.functional


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (4, 3, 5, 2)])
def test_batch_norm_training(shape):
    C = shape[1]
    check_op(lambda T, x, w, b: F(T).batch_norm(x, None, None, w, b, training=True), [shape, (C,), (C,)])
    check_op(lambda T, x: F(T).batch_norm(x, None, None, training=True, eps=1e-3), [shape])


def test_batch_norm_eval():
    check_op(
        lambda T, x, w, b, m, v: F(T).batch_norm(x, m, v.abs() + 0.5, w, b, training=False),
        [(4, 3, 5), (3,), (3,), (3,), (3,)],
        requires_grad=[True, True, True, False, False],
    )
    check_op(lambda T, x, m, v: F(T).batch_norm(x, m, v.abs() + 0.5), [(4, 3), (3,), (3,)], grad=False)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_running_stats(dtype):
    rng = np.random.default_rng(0)
    res = []
    for T in (torch, chainrule):
        rm, rv = T.zeros(3, dtype=getattr(T, dtype)), T.ones(3, dtype=getattr(T, dtype))
        for m in (0.1, 0.3, 1.0):
            x = T.tensor(rng.standard_normal((4, 3, 5)).astype(dtype) * 3 + 1)
            F(T).batch_norm(x, rm, rv, training=True, momentum=m)
        res.append((rm.numpy().copy(), rv.numpy().copy()))
        rng = np.random.default_rng(0)
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-6 if dtype == "float32" else 1e-12)


@pytest.mark.parametrize("ns", [(5,), (5, 2), (3, 5, 2)])
def test_layer_norm(ns):
    check_op(lambda T, x, w, b: F(T).layer_norm(x, ns, w, b), [(4, 3, 5, 2)[: 4 - len(ns)] + ns, ns, ns])
    check_op(lambda T, x: F(T).layer_norm(x, ns, eps=1e-2), [(4, 3, 5, 2)[: 4 - len(ns)] + ns])
    check_op(lambda T, x, w: F(T).layer_norm(x, ns, w), [(2,) + ns, ns])
    # two elements per row: the gradient cancels almost exactly, so compare in float64 only
    check_op(lambda T, x: F(T).layer_norm(x, (2,)), [(4, 3, 2)], dtypes=("float64",))


def test_layer_norm_large_mean():
    # normalizing values far from zero must not lose precision
    check_op(lambda T, x: F(T).layer_norm(x * 0.01 + 100.0, (16,)), [(3, 16)], dtypes=("float64",))


@pytest.mark.parametrize("groups", [1, 2, 6])
def test_group_norm(groups):
    check_op(lambda T, x, w, b: F(T).group_norm(x, groups, w, b), [(4, 6, 5, 2), (6,), (6,)])
    check_op(lambda T, x: F(T).group_norm(x, groups), [(3, 6, 7)])


def test_instance_norm():
    check_op(lambda T, x, w, b: F(T).instance_norm(x, weight=w, bias=b), [(4, 6, 5, 2), (6,), (6,)])
    res = []
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3, 5))
    for T in (torch, chainrule):
        rm, rv = T.zeros(3, dtype=T.float64), T.ones(3, dtype=T.float64)
        F(T).instance_norm(T.tensor(x), rm, rv, momentum=0.2)
        out = F(T).instance_norm(T.tensor(x), rm, rv, use_input_stats=False)
        res.append((rm.numpy().copy(), rv.numpy().copy(), out.numpy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_rms_norm():
    check_op(lambda T, x, w: F(T).rms_norm(x, (5,), w), [(4, 6, 5), (5,)])
    check_op(lambda T, x: F(T).rms_norm(x, (6, 5), eps=1e-3), [(4, 6, 5)])


def test_local_response_norm():
    check_op(lambda T, x: F(T).local_response_norm(x, 3), [(4, 6, 5, 2)])
    check_op(lambda T, x: F(T).local_response_norm(x, 4, alpha=0.1, beta=0.5, k=2.0), [(4, 6, 5)])


def test_norm_gradcheck_and_double_backward():
    check_gradcheck(
        lambda T, x, w, b: F(T).batch_norm(x, None, None, w, b, training=True), [(3, 2, 4), (2,), (2,)], gradgrad=True
    )
    check_gradcheck(lambda T, x, w, b: F(T).layer_norm(x, (4,), w, b), [(3, 4), (4,), (4,)], gradgrad=True)
    check_gradcheck(lambda T, x, w, b: F(T).group_norm(x, 2, w, b), [(2, 4, 3), (4,), (4,)], gradgrad=True)
    check_gradcheck(lambda T, x, w: F(T).rms_norm(x, (4,), w), [(3, 4), (4,)], gradgrad=True)
    check_gradcheck(lambda T, x: F(T).local_response_norm(x, 3), [(2, 4, 3)], gradgrad=True)


def test_layer_norm_double_backward_matches_torch():
    rng = np.random.default_rng(2)
    xa, wa = rng.standard_normal((3, 5)), rng.standard_normal(5)
    res = []
    for T in (torch, chainrule):
        x = T.tensor(xa, requires_grad=True)
        w = T.tensor(wa, requires_grad=True)
        y = F(T).layer_norm(x, (5,), w)
        gx, gw = T.autograd.grad((y * y * y).sum(), (x, w), create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        res.append((x.grad.numpy().copy(), w.grad.numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-10)


def test_norm_grad_fn_names():
    x = chainrule.randn(4, 3, 5, requires_grad=True)
    assert F(chainrule).batch_norm(x, None, None, training=True).grad_fn.name() == "NativeBatchNormBackward0"
    assert F(chainrule).layer_norm(x, (5,)).grad_fn.name() == "NativeLayerNormBackward0"
    assert F(chainrule).group_norm(x, 3).grad_fn.name() == "NativeGroupNormBackward0"


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, x: F(T).batch_norm(x[:1, :, :1], None, None, training=True),
        lambda T, x: F(T).layer_norm(x, (4,)),
        lambda T, x: F(T).group_norm(x, 4),
        lambda T, x: F(T).batch_norm(x, T.zeros(4), T.ones(4)),
    ],
)
def test_norm_errors(fn):
    assert_raises_like_torch(fn, np.zeros((2, 6, 3), np.float32))


# ---- embedding -------------------------------------------------------------------------------
IDX = np.array([[1, 2, 0, 4], [3, 1, 1, 2]])


@pytest.mark.parametrize("kw", [dict(), dict(padding_idx=1), dict(padding_idx=-4), dict(scale_grad_by_freq=True)])
def test_embedding(kw):
    check_op(lambda T, w: F(T).embedding(T.tensor(IDX), w, **kw), [(5, 3)])
    check_op(lambda T, w: F(T).embedding(T.tensor(IDX[0]).int(), w, **kw), [(5, 3)])


def test_embedding_max_norm():
    rng = np.random.default_rng(0)
    wa = rng.standard_normal((5, 3)) * 2
    res = []
    for T in (torch, chainrule):
        w = T.tensor(wa.copy(), requires_grad=True)
        with T.no_grad():
            out = F(T).embedding(T.tensor(IDX), w, max_norm=1.5)
        res.append((out.numpy(), w.detach().numpy().copy()))
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_embedding_gradcheck():
    check_gradcheck(lambda T, w: F(T).embedding(T.tensor(IDX), w), [(5, 3)], gradgrad=True)
    idx = chainrule.tensor(IDX)
    w = chainrule.randn(5, 3, dtype=chainrule.float64, requires_grad=True)
    (g,) = chainrule.autograd.grad((F(chainrule).embedding(idx, w, padding_idx=1) ** 2).sum(), w, create_graph=True)
    assert not g[1].detach().numpy().any()
    g.sum().backward()
    tw = torch.tensor(w.detach().numpy(), requires_grad=True)
    (tg,) = torch.autograd.grad(
        (torch.nn.functional.embedding(torch.tensor(IDX), tw, padding_idx=1) ** 2).sum(), tw, create_graph=True
    )
    tg.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, w: F(T).embedding(T.tensor([5]), w),
        lambda T, w: F(T).embedding(T.tensor([-1]), w),
        lambda T, w: F(T).embedding(T.tensor([1.0]), w),
    ],
)
def test_embedding_errors(fn):
    assert_raises_like_torch(fn, np.zeros((5, 3), np.float32))


# ---- modules ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "make,shape",
    [
        (lambda nn: nn.BatchNorm1d(3), (4, 3)),
        (lambda nn: nn.BatchNorm1d(3, affine=False), (4, 3, 5)),
        (lambda nn: nn.BatchNorm1d(3, momentum=None), (4, 3, 5)),
        (lambda nn: nn.BatchNorm2d(3, eps=1e-3, momentum=0.3), (4, 3, 5, 2)),
        (lambda nn: nn.BatchNorm2d(3, track_running_stats=False), (4, 3, 5, 2)),
        (lambda nn: nn.BatchNorm2d(3, bias=False), (4, 3, 5, 2)),
        (lambda nn: nn.InstanceNorm1d(3, affine=True, track_running_stats=True), (4, 3, 5)),
        (lambda nn: nn.InstanceNorm2d(3), (3, 5, 4)),
        (lambda nn: nn.LayerNorm(5), (4, 3, 5)),
        (lambda nn: nn.LayerNorm((3, 5), elementwise_affine=False), (4, 3, 5)),
        (lambda nn: nn.LayerNorm([5], bias=False, eps=1e-3), (4, 3, 5)),
        (lambda nn: nn.GroupNorm(2, 6), (4, 6, 5)),
        (lambda nn: nn.GroupNorm(3, 6, affine=False), (4, 6, 2, 3)),
        (lambda nn: nn.RMSNorm(5), (4, 3, 5)),
        (lambda nn: nn.RMSNorm((3, 5), eps=1e-4, elementwise_affine=False), (4, 3, 5)),
        (lambda nn: nn.LocalResponseNorm(3), (4, 6, 5)),
    ],
)
def test_norm_modules(make, shape):
    check_module(make, [shape])
    check_module(make, [shape], train=False)
    assert repr(make(chainrule.nn)) == repr(make(torch.nn))


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_batch_norm_module_running_stats_and_eval(momentum, dtype):
    tm, cm = build(lambda nn: nn.BatchNorm2d(3, momentum=momentum), dtype)
    rng = np.random.default_rng(0)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    for _ in range(4):
        x = (rng.standard_normal((5, 3, 4, 4)) * 2 + 1).astype(dtype)
        yt = tm(torch.tensor(x))
        yc = cm(chainrule.tensor(x))
        np.testing.assert_allclose(yc.detach().numpy(), yt.detach().numpy(), **tol)
    for k, v in tm.state_dict().items():
        np.testing.assert_allclose(cm.state_dict()[k].numpy(), v.numpy(), **tol, err_msg=k)
    assert cm.num_batches_tracked.item() == 4 and cm.num_batches_tracked.dtype == chainrule.int64
    tm.eval()
    cm.eval()
    x = rng.standard_normal((2, 3, 4, 4)).astype(dtype)
    np.testing.assert_allclose(cm(chainrule.tensor(x)).detach().numpy(), tm(torch.tensor(x)).detach().numpy(), **tol)


def test_batch_norm_load_old_state_dict_without_counter():
    cm = chainrule.nn.BatchNorm1d(2)
    sd = {k: v for k, v in cm.state_dict().items() if k != "num_batches_tracked"}
    cm.load_state_dict(sd)
    assert cm.num_batches_tracked.item() == 0


def test_norm_module_errors():
    for T in (torch, chainrule):
        with pytest.raises(ValueError):
            T.nn.BatchNorm2d(3)(T.zeros(2, 3))
        with pytest.raises(ValueError):
            T.nn.BatchNorm1d(3)(T.zeros(2, 3, 4, 5))
        with pytest.raises(ValueError):
            T.nn.GroupNorm(4, 6)


@pytest.mark.parametrize(
    "make",
    [
        lambda nn: nn.Embedding(6, 3),
        lambda nn: nn.Embedding(6, 3, padding_idx=2),
        lambda nn: nn.Embedding(6, 3, padding_idx=-1, scale_grad_by_freq=True),
    ],
)
def test_embedding_module(make):
    idx = np.array([[1, 2, 5], [0, 2, 2]])
    check_module(make, None, arrays=[idx], dtypes=("float32",))
    check_module(make, None, arrays=[idx[0]], dtypes=("float64",))
    torch.manual_seed(3)
    tm = make(torch.nn)
    chainrule.manual_seed(3)
    cm = make(chainrule.nn)
    np.testing.assert_array_equal(cm.weight.detach().numpy(), tm.weight.detach().numpy())
    assert repr(cm) == repr(tm)


def test_embedding_from_pretrained():
    w = np.arange(12.0).reshape(4, 3)
    for freeze in (True, False):
        cw = chainrule.tensor(w)
        cm = chainrule.nn.Embedding.from_pretrained(cw, freeze=freeze, padding_idx=1)
        tm = torch.nn.Embedding.from_pretrained(torch.tensor(w), freeze=freeze, padding_idx=1)
        assert cm.weight.requires_grad == tm.weight.requires_grad == (not freeze)
        np.testing.assert_array_equal(
            cm(chainrule.tensor([[1, 3]])).detach().numpy(), tm(torch.tensor([[1, 3]])).detach().numpy()
        )
        assert repr(cm) == repr(tm)
    cw._data[0, 0] = 100.0
    assert cm.weight[0, 0].item() == 100.0  # shares memory with the given tensor
