"""Scaled dot-product attention, MultiheadAttention and Transformer layers against torch."""

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from layer_parity import build, check_module, sgd_curve

import chainrule
import chainrule.nn  # noqa: F401


def F(T):
    return T.nn.functional


QKV = [(2, 3, 4, 8), (2, 3, 5, 8), (2, 3, 5, 6)]
BOOL_MASK = np.ones((4, 5), bool)
BOOL_MASK[1] = False  # a fully masked row: torch returns zeros there
BOOL_MASK[2, :3] = False
FLOAT_MASK = np.random.default_rng(0).standard_normal((2, 1, 4, 5))
FLOAT_MASK[0, 0, 0] = -np.inf


@pytest.mark.parametrize(
    "kw",
    [
        lambda T, q: dict(),
        lambda T, q: dict(attn_mask=T.tensor(BOOL_MASK)),
        lambda T, q: dict(attn_mask=T.tensor(FLOAT_MASK).to(q.dtype), scale=0.3),
        lambda T, q: dict(attn_mask=T.tensor(FLOAT_MASK).float()),
        lambda T, q: dict(is_causal=True),
    ],
)
def test_sdpa(kw):
    check_op(lambda T, q, k, v: F(T).scaled_dot_product_attention(q, k, v, **kw(T, q)), QKV)


def test_sdpa_shapes():
    check_op(lambda T, q, k, v: F(T).scaled_dot_product_attention(q, k, v), [(4, 8), (5, 8), (5, 6)])
    check_op(lambda T, q, k, v: F(T).scaled_dot_product_attention(q, k, v, enable_gqa=True),
             [(2, 4, 4, 8), (2, 2, 5, 8), (2, 2, 5, 6)])  # fmt: skip
    check_op(lambda T, q, k, v: F(T).scaled_dot_product_attention(q, k, v, is_causal=True), [(3, 5, 4), (3, 4, 4),
                                                                                             (3, 4, 2)])  # fmt: skip


def test_sdpa_float_mask_gradient():
    check_op(lambda T, q, k, v, m: F(T).scaled_dot_product_attention(q, k, v, attn_mask=m), QKV + [(4, 5)])


def test_sdpa_dropout_matches_torch_stream():
    rng = np.random.default_rng(1)
    arrs = [rng.standard_normal(s) for s in QKV]
    outs = []
    for T in (torch, chainrule):
        T.manual_seed(3)
        outs.append(F(T).scaled_dot_product_attention(*[T.tensor(a) for a in arrs], dropout_p=0.4).numpy())
    np.testing.assert_allclose(outs[1], outs[0], rtol=1e-12)


def test_sdpa_gradcheck():
    check_gradcheck(lambda T, q, k, v: F(T).scaled_dot_product_attention(q, k, v, is_causal=True),
                    [(1, 2, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2)], gradgrad=True)  # fmt: skip
    mask = chainrule.tensor(BOOL_MASK[:3, :3])
    check_gradcheck(lambda T, q, k, v: F(T).scaled_dot_product_attention(q, k, v, attn_mask=mask),
                    [(2, 3, 2), (2, 3, 2), (2, 3, 2)], gradgrad=True)  # fmt: skip


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, q: F(T).scaled_dot_product_attention(q, q, q, attn_mask=T.ones(4, 4, dtype=T.bool), is_causal=True),
        lambda T, q: F(T).scaled_dot_product_attention(q, q.double(), q),
        lambda T, q: F(T).scaled_dot_product_attention(q, q, q, attn_mask=T.ones(4, 4, dtype=T.int64)),
        lambda T, q: F(T).scaled_dot_product_attention(q[0, 0], q[0, 0], q[0, 0]),
    ],
)
def test_sdpa_errors(fn):
    assert_raises_like_torch(fn, np.zeros((2, 4, 8), np.float32))


# ---- multi-head attention --------------------------------------------------------------------
KPM = np.zeros((3, 5), bool)
KPM[0, 3:] = True
ATTN = np.random.default_rng(2).standard_normal((4, 5))


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize(
    "make,kw",
    [
        (lambda nn: nn.MultiheadAttention(8, 2), lambda T, dt: {}),
        (lambda nn: nn.MultiheadAttention(8, 4, bias=False), lambda T, dt: dict(key_padding_mask=T.tensor(KPM))),
        (lambda nn: nn.MultiheadAttention(8, 2), lambda T, dt: dict(attn_mask=T.tensor(ATTN).to(dt),
                                                                     key_padding_mask=T.tensor(KPM).to(dt))),
        (lambda nn: nn.MultiheadAttention(8, 2, kdim=5, vdim=3), lambda T, dt: dict(attn_mask=T.tensor(ATTN < 1))),
        (lambda nn: nn.MultiheadAttention(8, 2, add_bias_kv=True, add_zero_attn=True),
         lambda T, dt: dict(key_padding_mask=T.tensor(KPM))),
        (lambda nn: nn.MultiheadAttention(8, 2), lambda T, dt: dict(average_attn_weights=False)),
    ],
)  # fmt: skip
def test_multihead_attention(make, kw, need_weights):
    m = make(torch.nn)
    kdim, vdim = m.kdim, m.vdim
    call = lambda mod, q, k, v: mod(q, k, v, need_weights=need_weights, **kw(torch if isinstance(  # noqa: E731
        mod, torch.nn.Module) else chainrule, q.dtype))  # fmt: skip
    check_module(make, [(4, 3, 8), (5, 3, kdim), (5, 3, vdim)], call=call, tol_scale=3)


def test_multihead_self_attention_batch_first_and_unbatched():
    make = lambda nn: nn.MultiheadAttention(8, 2, batch_first=True)  # noqa: E731
    check_module(make, [(3, 4, 8)], call=lambda m, x: m(x, x, x))
    check_module(make, [(3, 4, 8), (3, 5, 8)], call=lambda m, q, kv: m(q, kv, kv))
    check_module(lambda nn: nn.MultiheadAttention(8, 2), [(4, 8), (5, 8), (5, 8)])
    causal = np.triu(np.full((4, 4), -np.inf), 1)
    check_module(make, [(3, 4, 8)], dtypes=("float64",), call=lambda m, x: m(
        x, x, x, attn_mask=(torch if isinstance(m, torch.nn.Module) else chainrule).tensor(causal), is_causal=True,
        need_weights=False))  # fmt: skip


def test_multihead_attention_layout_and_init():
    for make in (lambda nn: nn.MultiheadAttention(8, 2), lambda nn: nn.MultiheadAttention(8, 2, kdim=3, vdim=5),
                 lambda nn: nn.MultiheadAttention(6, 3, bias=False, add_bias_kv=True)):  # fmt: skip
        torch.manual_seed(5)
        tm = make(torch.nn)
        chainrule.manual_seed(5)
        cm = make(chainrule.nn)
        assert list(cm.state_dict()) == list(tm.state_dict())
        for k, v in tm.state_dict().items():
            np.testing.assert_array_equal(cm.state_dict()[k].numpy(), v.numpy(), err_msg=k)
        assert repr(cm) == repr(tm)


# ---- transformer -------------------------------------------------------------------------------
ENC = [
    lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0),
    lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation="gelu", norm_first=True),
    lambda nn: nn.TransformerEncoderLayer(8, 4, 12, dropout=0.0, batch_first=True, bias=False, layer_norm_eps=1e-3),
    lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=nn.functional.silu),
]


@pytest.mark.parametrize("make", ENC)
def test_encoder_layer(make):
    check_module(make, [(5, 3, 8)], tol_scale=3)
    for T in (torch, chainrule):
        T.manual_seed(0)
    check_module(make, [(5, 3, 8)], train=False, dtypes=("float64",))


def test_encoder_layer_masks():
    make = ENC[0]
    kpm = np.zeros((3, 5), bool)
    kpm[1, 3:] = True
    causal = np.triu(np.full((5, 5), -np.inf), 1)
    for args in (lambda T: dict(src_key_padding_mask=T.tensor(kpm)), lambda T: dict(src_mask=T.tensor(causal),
                                                                                   is_causal=True)):  # fmt: skip
        check_module(make, [(5, 3, 8)], dtypes=("float64",), call=lambda m, x, a=args: m(x, **a(
            torch if isinstance(m, torch.nn.Module) else chainrule)))  # fmt: skip


def test_encoder_layer_dropout_matches_torch_stream():
    for dtype in ("float32", "float64"):
        tm, cm = build(lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3), dtype)
        x = np.random.default_rng(0).standard_normal((5, 2, 8)).astype(dtype)
        torch.manual_seed(1)
        chainrule.manual_seed(1)
        a = tm(torch.tensor(x)).detach().numpy()
        b = cm(chainrule.tensor(x)).detach().numpy()
        np.testing.assert_allclose(b, a, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-6)


def _encoder(nn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
        return nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(8))


def test_encoder_stack():
    check_module(_encoder, [(3, 5, 8)], tol_scale=3)
    tm, cm = build(_encoder, "float64")
    assert tm.layers[0] is not tm.layers[1] and cm.layers[0] is not cm.layers[1]
    assert list(cm.state_dict()) == list(tm.state_dict())
    # torch runs eval + padding mask + no grad on packed sequences: padded positions come out as norm(0)
    kpm = np.zeros((3, 5), bool)
    kpm[0, 3:] = True
    x = np.random.default_rng(1).standard_normal((3, 5, 8))
    tm.eval()
    cm.eval()
    with torch.no_grad():
        a = tm(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm)).numpy()
    with chainrule.no_grad():
        b = cm(chainrule.tensor(x), src_key_padding_mask=chainrule.tensor(kpm)).numpy()
    np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_encoder_nested_tensor_warning():
    for T in (torch, chainrule):
        layer = T.nn.TransformerEncoderLayer(8, 2, 16)
        with pytest.warns(UserWarning, match="enable_nested_tensor is True"):
            T.nn.TransformerEncoder(layer, 2)


def test_decoder_and_transformer():
    make = lambda nn: nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=True)  # noqa: E731
    check_module(make, [(4, 3, 8), (5, 3, 8)], tol_scale=3)
    causal = np.triu(np.full((4, 4), -np.inf), 1)

    def full(nn):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return nn.Transformer(8, 2, 1, 2, 16, dropout=0.0, batch_first=True)

    check_module(full, [(3, 5, 8), (3, 4, 8)], dtypes=("float64",), call=lambda m, s, t: m(s, t, tgt_mask=(
        torch if isinstance(m, torch.nn.Module) else chainrule).tensor(causal)))  # fmt: skip
    for T in (torch, chainrule):
        T.manual_seed(0)
    tm, cm = full(torch.nn), full(chainrule.nn)
    for k, v in tm.state_dict().items():
        np.testing.assert_array_equal(cm.state_dict()[k].numpy(), v.numpy(), err_msg=k)
    np.testing.assert_array_equal(chainrule.nn.Transformer.generate_square_subsequent_mask(4).numpy(),
                                  torch.nn.Transformer.generate_square_subsequent_mask(4).numpy())  # fmt: skip


def test_transformer_encoder_layer_sgd_curve_matches_torch():
    make = lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True)  # noqa: E731
    tm, cm = build(make, "float64", seed=3)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 6, 8))
    y = rng.standard_normal((4, 6, 8))
    batch = lambda T, i: ((T.tensor(x),), T.tensor(y))
    loss = lambda T, out, tgt: ((out - tgt) ** 2).mean()
    lt = sgd_curve(tm, batch, lr=0.1, loss_fn=loss)
    lc = sgd_curve(cm, batch, lr=0.1, loss_fn=loss)
    np.testing.assert_allclose(lc, lt, rtol=1e-6)
    assert lt[-1] < lt[0]
