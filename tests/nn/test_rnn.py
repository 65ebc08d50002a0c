"""RNN, LSTM, GRU and their cells against torch: outputs, states, gradients, packing, training."""

import numpy as np
import pytest
import torch
from helpers import check_gradcheck
from layer_parity import build, check_module, sgd_curve

import chainrule
import chainrule.nn  # noqa: F401
from chainrule.nn.utils import rnn as crnn

LAYERS = [
    lambda nn: nn.RNN(3, 5),
    lambda nn: nn.RNN(3, 5, 2, nonlinearity="relu", bidirectional=True, batch_first=True),
    lambda nn: nn.RNN(3, 5, bias=False),
    lambda nn: nn.LSTM(3, 5),
    lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True),
    lambda nn: nn.LSTM(3, 5, num_layers=2, proj_size=2, batch_first=True),
    lambda nn: nn.LSTM(3, 5, bias=False, bidirectional=True, proj_size=3),
    lambda nn: nn.GRU(3, 5),
    lambda nn: nn.GRU(3, 5, num_layers=3, bias=False, bidirectional=True, batch_first=True),
]


@pytest.mark.parametrize("make", LAYERS)
def test_recurrent_layers(make):
    batch_first = make(torch.nn).batch_first
    check_module(make, [(2, 4, 3) if batch_first else (4, 2, 3)])
    check_module(make, [(4, 3)], dtypes=("float64",))  # unbatched
    assert repr(make(chainrule.nn)) == repr(make(torch.nn))


def test_initial_states():
    check_module(lambda nn: nn.LSTM(3, 5, num_layers=2, bidirectional=True), [(4, 2, 3), (4, 2, 5), (4, 2, 5)],
                 call=lambda m, x, h, c: m(x, (h, c)))  # fmt: skip
    check_module(lambda nn: nn.LSTM(3, 5, proj_size=2), [(4, 2, 3), (1, 2, 2), (1, 2, 5)],
                 call=lambda m, x, h, c: m(x, (h, c)))  # fmt: skip
    check_module(lambda nn: nn.GRU(3, 5, num_layers=2, batch_first=True), [(2, 4, 3), (2, 2, 5)])
    check_module(lambda nn: nn.RNN(3, 5), [(4, 3), (1, 5)], dtypes=("float64",))


def test_state_dict_names_and_init_draws():
    for make in LAYERS:
        torch.manual_seed(11)
        tm = make(torch.nn)
        chainrule.manual_seed(11)
        cm = make(chainrule.nn)
        assert list(cm.state_dict()) == list(tm.state_dict())
        for k, v in tm.state_dict().items():
            np.testing.assert_array_equal(cm.state_dict()[k].numpy(), v.numpy(), err_msg=k)


@pytest.mark.parametrize(
    "make,shapes",
    [
        (lambda nn: nn.RNNCell(3, 5), [(2, 3), (2, 5)]),
        (lambda nn: nn.RNNCell(3, 5, nonlinearity="relu", bias=False), [(3,)]),
        (lambda nn: nn.LSTMCell(3, 5), [(2, 3)]),
        (lambda nn: nn.GRUCell(3, 5), [(2, 3), (2, 5)]),
        (lambda nn: nn.GRUCell(3, 5, bias=False), [(3,), (5,)]),
    ],
)
def test_cells(make, shapes):
    check_module(make, shapes)
    assert repr(make(chainrule.nn)) == repr(make(torch.nn))


def test_lstm_cell_with_state():
    check_module(lambda nn: nn.LSTMCell(3, 5), [(2, 3), (2, 5), (2, 5)], call=lambda m, x, h, c: m(x, (h, c)))


def test_dropout_between_layers_matches_torch_stream():
    for dtype in ("float32", "float64"):
        tm, cm = build(lambda nn: nn.LSTM(3, 4, 3, dropout=0.5), dtype)
        x = np.random.default_rng(0).standard_normal((5, 2, 3)).astype(dtype)
        torch.manual_seed(1)
        chainrule.manual_seed(1)
        a = tm(torch.tensor(x))[0].detach().numpy()
        b = cm(chainrule.tensor(x))[0].detach().numpy()
        np.testing.assert_allclose(b, a, rtol=1e-5 if dtype == "float32" else 1e-12, atol=1e-7)


def test_cell_double_backward():
    lstm = chainrule.nn.LSTMCell(2, 3).double()
    gru = chainrule.nn.GRUCell(2, 3).double()
    check_gradcheck(lambda T, x, h, c: lstm(x, (h, c))[0] + lstm(x, (h, c))[1], [(2, 2), (2, 3), (2, 3)],
                    gradgrad=True)  # fmt: skip
    check_gradcheck(lambda T, x, h: gru(x, h), [(2, 2), (2, 3)], gradgrad=True)


def test_lstm_double_backward_matches_torch():
    res = []
    x = np.random.default_rng(2).standard_normal((3, 2, 2))
    for T in (torch, chainrule):
        torch.manual_seed(0)
        m = torch.nn.GRU(2, 3).double()
        cm = T.nn.GRU(2, 3).double()
        if T is chainrule:
            cm.load_state_dict({k: chainrule.tensor(v.detach().numpy()) for k, v in m.state_dict().items()})
        else:
            cm = m
        xt = T.tensor(x, requires_grad=True)
        (g,) = T.autograd.grad(cm(xt)[0].pow(2).sum(), xt, create_graph=True)
        g.pow(2).sum().backward()
        res.append(xt.grad.numpy().copy())
    np.testing.assert_allclose(res[1], res[0], rtol=1e-10)


def test_errors():
    for T in (torch, chainrule):
        with pytest.raises(RuntimeError):
            T.nn.LSTM(3, 5)(T.zeros(4, 2, 4))
        with pytest.raises(RuntimeError):
            T.nn.GRU(3, 5)(T.zeros(4, 2, 3), T.zeros(2, 2, 5))
        with pytest.raises(ValueError):
            T.nn.LSTM(3, 5)(T.zeros(4, 2, 3, 1))
        with pytest.raises(ValueError):
            T.nn.LSTM(3, 5, proj_size=5)
        with pytest.raises(ValueError):
            T.nn.RNN(3, 5, nonlinearity="sigmoid")
        with pytest.warns(UserWarning):
            T.nn.LSTM(3, 5, dropout=0.2)


# ---- packed sequences --------------------------------------------------------------------------
def _packed_pair(lengths, enforce_sorted, dtype="float64", batch_first=False):
    rng = np.random.default_rng(4)
    T, B = max(lengths), len(lengths)
    x = rng.standard_normal((B, T, 3) if batch_first else (T, B, 3)).astype(dtype)
    tx = torch.tensor(x, requires_grad=True)
    cx = chainrule.tensor(x, requires_grad=True)
    tp = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    cp = crnn.pack_padded_sequence(cx, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    return tx, cx, tp, cp


@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [2, 5, 1, 3])])
def test_pack_pad_roundtrip(enforce_sorted, lengths):
    tx, cx, tp, cp = _packed_pair(lengths, enforce_sorted, batch_first=True)
    for a, b in zip(cp, tp):
        if b is None:
            assert a is None
        else:
            np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    tpad, tl = torch.nn.utils.rnn.pad_packed_sequence(tp, batch_first=True, padding_value=-1.0, total_length=6)
    cpad, cl = crnn.pad_packed_sequence(cp, batch_first=True, padding_value=-1.0, total_length=6)
    np.testing.assert_array_equal(cpad.detach().numpy(), tpad.detach().numpy())
    np.testing.assert_array_equal(cl.numpy(), tl.numpy())
    g = np.random.default_rng(0).standard_normal(tpad.shape)
    tpad.backward(torch.tensor(g))
    cpad.backward(chainrule.tensor(g))
    np.testing.assert_array_equal(cx.grad.numpy(), tx.grad.numpy())


def test_pad_pack_sequence_helpers():
    seqs = [np.arange(n * 2, dtype=np.float64).reshape(n, 2) for n in (3, 1, 4)]
    for side in ("right", "left"):
        a = torch.nn.utils.rnn.pad_sequence([torch.tensor(s) for s in seqs], True, -2.0, side)
        b = crnn.pad_sequence([chainrule.tensor(s) for s in seqs], True, -2.0, side)
        np.testing.assert_array_equal(b.numpy(), a.numpy())
    tp = torch.nn.utils.rnn.pack_sequence([torch.tensor(s) for s in seqs], enforce_sorted=False)
    cp = crnn.pack_sequence([chainrule.tensor(s) for s in seqs], enforce_sorted=False)
    np.testing.assert_array_equal(cp.data.numpy(), tp.data.numpy())
    for a, b in zip(crnn.unpack_sequence(cp), torch.nn.utils.rnn.unpack_sequence(tp)):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(RuntimeError):
        crnn.pack_padded_sequence(chainrule.zeros(3, 2, 1), [1, 3])


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN"])
def test_rnn_on_packed_input(mode):
    make = lambda nn: getattr(nn, mode)(3, 4, num_layers=2, bidirectional=True)  # noqa: E731
    tm, cm = build(make, "float64")
    tx, cx, tp, cp = _packed_pair([2, 5, 1, 3], enforce_sorted=False)
    (to, th), (co, ch) = tm(tp), cm(cp)
    np.testing.assert_allclose(co.data.detach().numpy(), to.data.detach().numpy(), rtol=1e-10, atol=1e-12)
    th, ch = (th, ch) if mode == "LSTM" else ((th,), (ch,))
    for a, b in zip(ch, th):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-10, atol=1e-12)
    (to.data.sum() + sum(h.sum() for h in th)).backward()
    (co.data.sum() + sum(h.sum() for h in ch)).backward()
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), rtol=1e-10, atol=1e-12)
    for (n, pc), (_, pt) in zip(cm.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(pc.grad.numpy(), pt.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=n)


# ---- training --------------------------------------------------------------------------------
class _Tagger:
    """Embedding -> LSTM -> Linear, built from either library's nn."""

    @staticmethod
    def make(nn):
        class Tagger(nn.Module):
            def __init__(self):
                super().__init__()
                self.emb = nn.Embedding(10, 4)
                self.lstm = nn.LSTM(4, 6, num_layers=2, batch_first=True, bidirectional=True)
                self.out = nn.Linear(12, 3)

            def forward(self, idx):
                h, _ = self.lstm(self.emb(idx))
                return self.out(h)

        return Tagger()


def test_lstm_sgd_curve_matches_torch():
    tm, cm = build(_Tagger.make, "float64", seed=2)
    rng = np.random.default_rng(1)
    idx = rng.integers(0, 10, (4, 7))
    tgt = rng.integers(0, 3, (4, 7))
    batch = lambda T, i: ((T.tensor(idx),), T.tensor(tgt))
    loss = lambda T, out, y: T.nn.functional.cross_entropy(out.reshape(-1, 3), y.reshape(-1))
    lt = sgd_curve(tm, batch, lr=0.5, loss_fn=loss)
    lc = sgd_curve(cm, batch, lr=0.5, loss_fn=loss)
    np.testing.assert_allclose(lc, lt, rtol=1e-6)
    assert lt[-1] < lt[0]
