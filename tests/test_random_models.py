"""Seeded model code against torch: after the same ``manual_seed``, initialisers, module constructors,
dropout on strided inputs, ``*_like`` layouts and shuffling loaders give torch's numbers bit for bit,
and in-place random fills cut autograd history the way torch does."""

import warnings

import numpy as np
import pytest
import torch

import chainrule


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x._data)


def _both(fn, seed=0):
    """``fn(T)`` after ``T.manual_seed(seed)`` for torch and chainrule, plus three draws after it (stream position)."""
    out = []
    for T in (torch, chainrule):
        T.manual_seed(seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = fn(T)
        out.append((res, _np(T.rand(3))))
    (ref, ref_after), (ours, ours_after) = out
    np.testing.assert_array_equal(ours_after, ref_after)
    return ours, ref


def _same(a, b):
    a, b = _np(a), _np(b)
    assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
    np.testing.assert_array_equal(a, b)


# ---- trunc_normal_ ------------------------------------------------------------------------------------
# [a, b] holding more than 30% of the mass: redraw normals; less: uniforms accepted by the density
TRUNC_CASES = [
    (0.0, 1.0, -2.0, 2.0),
    (0.0, 0.02, -0.04, 0.04),
    (0.0, 0.02, -2.0, 2.0),
    (0.0, 1.0, -0.5, 0.5),
    (0.0, 1.0, 0.5, 3.0),
    (1.0, 2.0, -1.0, 0.0),
    (0.0, 1.0, -0.1, 0.1),
    (0.0, 1.0, 2.0, 5.0),
]


@pytest.mark.parametrize("seed", [0, 1, 12345])
@pytest.mark.parametrize("shape", [(5,), (17,), (40, 33)])
@pytest.mark.parametrize("case", TRUNC_CASES)
def test_trunc_normal_float32_bit_identical(seed, shape, case):
    ours, ref = _both(lambda T: T.nn.init.trunc_normal_(T.empty(*shape), *case), seed)
    _same(ours, ref)
    lo, hi = np.float32(case[2]), np.float32(case[3])
    assert ((_np(ours) >= lo) & (_np(ours) <= hi)).all()


@pytest.mark.parametrize("case", TRUNC_CASES)
def test_trunc_normal_float64(case):
    ours, ref = _both(lambda T: T.nn.init.trunc_normal_(T.empty(300, dtype=T.float64), *case), 3)
    np.testing.assert_array_equal(_np(ours), _np(ref))


def test_trunc_normal_strided_and_generator():
    ours, ref = _both(lambda T: T.nn.init.trunc_normal_(T.empty(20, 30).t(), 0.0, 1.0, -0.3, 0.3), 7)
    _same(ours, ref)
    res = []
    for T in (torch, chainrule):
        g = T.Generator().manual_seed(5)
        res.append(T.nn.init.trunc_normal_(T.empty(64), std=0.02, generator=g))
    _same(res[1], res[0])


# ---- *_like layouts -------------------------------------------------------------------------------------
LAYOUTS = [
    lambda x: x.t(),
    lambda x: x[:, ::2],
    lambda x: x[:, ::2].t(),
    lambda x: x.reshape(5, 7, 1).permute(1, 2, 0),
    lambda x: x.reshape(5, 7, 1).permute(2, 1, 0),
    lambda x: x[:1].expand(4, 7),
    lambda x: x[:, :1].expand(5, 4),
    lambda x: x.reshape(5, 1, 7).expand(5, 3, 7).permute(2, 1, 0),
    lambda x: x,
]


def _mem_strides(t):
    """Element strides of the dims longer than 1 (the rest do not affect the memory order)."""
    st = t.stride() if isinstance(t, torch.Tensor) else tuple(s // t._data.itemsize for s in t._data.strides)
    return tuple(s for s, n in zip(st, t.shape) if n > 1)


@pytest.mark.parametrize("layout", range(len(LAYOUTS)))
def test_like_keeps_layout(layout):
    src = np.random.default_rng(0).random((5, 7)).astype(np.float32)
    xt, xc = LAYOUTS[layout](torch.tensor(src)), LAYOUTS[layout](chainrule.tensor(src))
    for name in ("empty_like", "zeros_like", "ones_like", "rand_like", "randn_like"):
        assert _mem_strides(getattr(chainrule, name)(xc)) == _mem_strides(getattr(torch, name)(xt)), name
    assert _mem_strides(chainrule.full_like(xc, 2.5)) == _mem_strides(torch.full_like(xt, 2.5))
    _same(chainrule.full_like(xc, 2.5), torch.full_like(xt, 2.5))
    _same(chainrule.ones_like(xc, dtype=chainrule.int64), torch.ones_like(xt, dtype=torch.int64))
    fills = [
        lambda T, x: T.empty_like(x).uniform_(-1, 2),
        lambda T, x: T.zeros_like(x).normal_(),
        lambda T, x: T.ones_like(x).exponential_(),
        lambda T, x: T.full_like(x, 3.0).random_(0, 100),
        lambda T, x: T.rand_like(x),
        lambda T, x: T.randn_like(x),
        lambda T, x: T.randint_like(x, 10),
        lambda T, x: T.normal(x, 1.0),
    ]
    for fill in fills:
        ours, ref = _both(lambda T, f=fill: f(T, xt if T is torch else xc), 3)
        _same(ours, ref)


def test_like_contiguous_format_is_c_order():
    x = torch.zeros(4, 6).t()
    y = chainrule.zeros(4, 6).t()
    assert torch.empty_like(x, memory_format=torch.contiguous_format).is_contiguous()
    assert chainrule.empty_like(y, memory_format=torch.contiguous_format).is_contiguous()
    assert not chainrule.empty_like(y).is_contiguous()
    assert not chainrule.empty_like(y, memory_format=torch.preserve_format).is_contiguous()


@pytest.mark.parametrize("layout", range(len(LAYOUTS)))
def test_bernoulli_and_dropout_on_strided_inputs(layout):
    src = np.random.default_rng(1).random((5, 7)).astype(np.float32)
    xt, xc = LAYOUTS[layout](torch.tensor(src)), LAYOUTS[layout](chainrule.tensor(src))
    for fn in (
        lambda T, x: T.nn.functional.dropout(x, 0.5),
        lambda T, x: T.nn.functional.dropout(x, 0.2),
        lambda T, x: T.empty_like(x).bernoulli_(0.3),
        lambda T, x: T.bernoulli(x),  # out of place: torch draws into a contiguous result
        lambda T, x: T.zeros_like(x).bernoulli_(x),
    ):
        ours, ref = _both(lambda T, f=fn: f(T, xt if T is torch else xc), 11)
        _same(ours, ref)


@pytest.mark.parametrize("seed", [0, 1, 99])
def test_dropout_transposed_matches_torch(seed):
    def run(T):
        x = T.arange(60.0).reshape(6, 10)
        return T.nn.functional.dropout(x.t(), 0.5), T.nn.Dropout(0.3)(x.t().unsqueeze(0))

    (o1, o2), (r1, r2) = _both(run, seed)
    _same(o1, r1)
    _same(o2, r2)


# ---- in-place random fills and autograd -------------------------------------------------------------
FILLS = [
    "uniform_()",
    "uniform_(-2, 3)",
    "normal_(1.0, 2.0)",
    "bernoulli_()",
    "bernoulli_(0.3)",
    "bernoulli_(T.tensor(0.4))",
    "random_()",
    "random_(5)",
    "random_(0, 5)",
    "exponential_()",
    "cauchy_()",
    "log_normal_()",
    "geometric_(0.3)",
]


@pytest.mark.parametrize("fill", FILLS)
def test_random_fill_replaces_history(fill):
    res = []
    for T in (torch, chainrule):
        T.manual_seed(0)
        x = T.tensor([1.0, -2.0, 3.0, 0.5], requires_grad=True)
        y = x * 2
        eval("y." + fill, {"T": T, "y": y})  # noqa: S307
        (g,) = T.autograd.grad((y * 3 + x).sum(), x)
        res.append((y.grad_fn.name(), y.requires_grad, y.is_leaf, _np(g), _np(y)))
    assert res[1][:3] == res[0][:3]
    np.testing.assert_array_equal(res[1][3], res[0][3])  # only the direct x term: the fill is constant
    if "bernoulli" not in fill and "geometric" not in fill and "log_normal" not in fill:
        np.testing.assert_array_equal(res[1][4], res[0][4])


def test_random_fill_tensor_p_and_views():
    for T in (torch, chainrule):
        p = T.full((3,), 0.5, requires_grad=True)
        y = T.zeros(3).bernoulli_(p)
        assert y.grad_fn.name() == "BernoulliBackward1"
        np.testing.assert_array_equal(_np(T.autograd.grad(y.sum(), p)[0]), np.zeros(3, np.float32))
    res = []
    for T in (torch, chainrule):
        x = T.ones(4, requires_grad=True)
        w = x * 1
        w[:2].normal_()
        res.append(_np(T.autograd.grad(w.sum(), x)[0]))
    np.testing.assert_array_equal(res[1], res[0])
    for T in (torch, chainrule):
        x = T.ones(3, requires_grad=True)
        with T.no_grad():
            y = (x * 2).uniform_()
        assert y.grad_fn is None and not y.requires_grad
        with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
            x.uniform_()
        z = T.zeros(3).uniform_()
        assert z.grad_fn is None and not z.requires_grad


# ---- module construction -------------------------------------------------------------------------------
def _modules(nn):
    return {
        "linear": lambda: nn.Linear(7, 5),
        "linear_nobias": lambda: nn.Linear(7, 5, bias=False),
        "conv1d": lambda: nn.Conv1d(3, 4, 5),
        "conv2d": lambda: nn.Conv2d(3, 8, 3, padding=1),
        "conv2d_groups": lambda: nn.Conv2d(4, 8, (3, 2), groups=2),
        "conv_transpose2d": lambda: nn.ConvTranspose2d(3, 6, 3, stride=2),
        "batchnorm1d": lambda: nn.BatchNorm1d(5),
        "batchnorm2d": lambda: nn.BatchNorm2d(5),
        "layernorm": lambda: nn.LayerNorm((4, 5)),
        "groupnorm": lambda: nn.GroupNorm(2, 6),
        "embedding": lambda: nn.Embedding(10, 4),
        "embedding_padding": lambda: nn.Embedding(10, 4, padding_idx=2),
        "rnn": lambda: nn.RNN(5, 7, num_layers=2, bidirectional=True),
        "lstm": lambda: nn.LSTM(5, 7, num_layers=2, bidirectional=True),
        "gru": lambda: nn.GRU(5, 7, num_layers=2, bidirectional=True),
        "lstm_proj": lambda: nn.LSTM(5, 7, proj_size=3, batch_first=True),
        "mha": lambda: nn.MultiheadAttention(8, 2),
        "mha_kdim_bias_kv": lambda: nn.MultiheadAttention(8, 2, kdim=5, vdim=6, add_bias_kv=True),
        "encoder_layer": lambda: nn.TransformerEncoderLayer(8, 2, dim_feedforward=16),
        "encoder": lambda: nn.TransformerEncoder(
            nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), num_layers=2, enable_nested_tensor=False
        ),
        "conv_transpose1d": lambda: nn.ConvTranspose1d(3, 4, 3),
        "bilinear": lambda: nn.Bilinear(3, 4, 5),
        "prelu": lambda: nn.PReLU(3),
        "cells": lambda: nn.ModuleList([nn.RNNCell(4, 6), nn.LSTMCell(4, 6), nn.GRUCell(4, 6)]),
        "decoder_layer": lambda: nn.TransformerDecoderLayer(8, 2, dim_feedforward=16),
        "transformer": lambda: nn.Transformer(8, 2, 1, 1, 16),
        "sequential": lambda: nn.Sequential(
            nn.Conv2d(1, 4, 3),
            nn.BatchNorm2d(4),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(4 * 36, 10),
            nn.LayerNorm(10),
            nn.Dropout(0.1),
            nn.Linear(10, 3),
        ),
    }


@pytest.mark.parametrize("name", list(_modules(torch.nn)))
@pytest.mark.parametrize("seed", [0, 3])
def test_module_init_bit_identical(name, seed):
    ours, ref = _both(lambda T: _modules(T.nn)[name](), seed)
    tp, cp = dict(ref.named_parameters()), dict(ours.named_parameters())
    assert list(cp) == list(tp)
    for k in tp:
        _same(cp[k], tp[k])
    tb, cb = dict(ref.named_buffers()), dict(ours.named_buffers())
    assert list(cb) == list(tb)
    for k in tb:
        _same(cb[k], tb[k])


def test_several_modules_in_a_row():
    def build(T):
        return [_modules(T.nn)[k]() for k in ("linear", "lstm", "embedding_padding", "encoder_layer", "conv2d")]

    ours, ref = _both(build, 42)
    for mo, mr in zip(ours, ref):
        for (ko, po), (kr, pr) in zip(mo.named_parameters(), mr.named_parameters()):
            assert ko == kr
            _same(po, pr)


# ---- DataLoader shuffling -----------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 7, 2**32 + 5])
def test_dataloader_shuffle_order(seed):
    def run(T):
        ds = T.utils.data.TensorDataset(T.arange(23), T.arange(23.0) * 2)
        dl = T.utils.data.DataLoader(ds, shuffle=True, batch_size=4)
        return [[(b[0].tolist(), b[1].tolist()) for b in dl] for _ in range(3)]

    ours, ref = _both(run, seed)
    assert ours == ref
    res = []
    for T in (torch, chainrule):
        g = T.Generator().manual_seed(seed)
        dl = T.utils.data.DataLoader(T.utils.data.TensorDataset(T.arange(10)), shuffle=True, batch_size=3, generator=g)
        res.append([b[0].tolist() for b in dl])
    assert res[1] == res[0]
