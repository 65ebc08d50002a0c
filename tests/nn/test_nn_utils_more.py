"""nn.utils parametrize / parametrizations / weight_norm / spectral_norm / fusion / skip_init and func.functional_call
against torch: values, gradients, state_dict keys, module types and errors."""

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch

import chainrule
import chainrule.func
from chainrule import nn


def _np(t):
    return t.detach().numpy()


def _close(c, t, rtol=1e-5, atol=1e-6):
    np.testing.assert_allclose(_np(c), _np(t), rtol=rtol, atol=atol)


def _raises_same(fn):
    """fn(T) raises the same exception type and message under torch and chainrule."""
    with pytest.raises(Exception) as et:
        fn(torch)
    with pytest.raises(type(et.value)) as ec:
        fn(chainrule)
    assert str(ec.value) == str(et.value)


def _toy_parametrizations(T):
    class Sym(T.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).T

        def right_inverse(self, A):
            return A.triu()

    class Split(T.nn.Module):
        def forward(self, a, b):
            return a * b

        def right_inverse(self, X):
            return X * 0.25, X.new_full(X.shape, 4.0)

    class Scale(T.nn.Module):
        def forward(self, X):
            return 2 * X

    class Widen(T.nn.Module):
        def forward(self, X):
            return T.cat([X, X], 1)

    return Sym, Split, Scale, Widen


def _compare_models(tm, cm, x, dtype="float32"):
    """Same forward and same gradients of every parameter (by name) for sum(y^2)."""
    # float32 sums over a conv window: absolute slack for outputs that cancel to near zero
    tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    yt = tm(torch.tensor(x))
    yc = cm(chainrule.tensor(x))
    _close(yc, yt, **tol)
    (yt**2).sum().backward()
    (yc**2).sum().backward()
    tp = dict(tm.named_parameters())
    cp = dict(cm.named_parameters())
    assert list(cp) == list(tp)
    for k in tp:
        _close(cp[k].grad, tp[k].grad, **tol)


# -- parametrize -------------------------------------------------------------------------------
def test_register_parametrization_chain_matches_torch():
    mods = {}
    for T in (torch, chainrule):
        Sym, _, Scale, _ = _toy_parametrizations(T)
        m = T.nn.Linear(4, 4)
        T.nn.utils.parametrize.register_parametrization(m, "weight", Sym())
        T.nn.utils.parametrize.register_parametrization(m, "weight", Scale())
        mods[T] = m
    tm, cm = mods[torch], mods[chainrule]
    P = nn.utils.parametrize
    assert type(cm).__name__ == "ParametrizedLinear" and isinstance(cm, nn.Linear)
    assert P.type_before_parametrizations(cm) is nn.Linear and P.type_before_parametrizations(nn.ReLU()) is nn.ReLU
    assert P.is_parametrized(cm) and P.is_parametrized(cm, "weight") and not P.is_parametrized(cm, "bias")
    assert not P.is_parametrized(nn.Linear(2, 2))
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert isinstance(cm.parametrizations.weight, P.ParametrizationList)
    assert isinstance(cm.parametrizations.weight.original, nn.Parameter)
    cm.load_state_dict(tm.state_dict())
    w = _np(cm.weight)
    np.testing.assert_allclose(w, w.T)
    _close(cm.weight, tm.weight)
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("f")
    _compare_models(tm, cm, x)
    # the second parametrization has no right_inverse: assignment is refused
    with pytest.raises(RuntimeError, match="parametrization Scale does not implement right_inverse."):
        cm.weight = chainrule.ones(4, 4)


def test_parametrization_assignment_cache_and_removal():
    Sym, _, _, _ = _toy_parametrizations(chainrule)
    m = nn.Linear(3, 3)
    original = m.weight
    nn.utils.parametrize.register_parametrization(m, "weight", Sym())
    assert m.parametrizations.weight.original is original  # same Parameter object: optimizers keep working
    a = chainrule.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
    m.weight = a
    np.testing.assert_array_equal(_np(m.weight), a.numpy())
    np.testing.assert_array_equal(_np(original), np.triu(a.numpy()))
    assert m.weight is not m.weight
    with nn.utils.parametrize.cached():
        assert m.weight is m.weight
        with nn.utils.parametrize.cached():
            w1 = m.weight
        assert m.weight is w1  # the cache lives until the outermost block exits
    assert m.weight is not w1
    nn.utils.parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
    assert type(m) is nn.Linear and not hasattr(m, "parametrizations")
    assert m.weight is original and list(m.state_dict()) == ["bias", "weight"]
    np.testing.assert_array_equal(_np(m.weight), np.triu(a.numpy()))
    nn.utils.parametrize.register_parametrization(m, "weight", Sym())
    nn.utils.parametrize.remove_parametrizations(m, "weight")  # leave_parametrized: keep the symmetric value
    assert m.weight is original and type(m) is nn.Linear
    np.testing.assert_array_equal(_np(m.weight), a.numpy())


def test_tuple_right_inverse_matches_torch():
    mods = {}
    for T in (torch, chainrule):
        _, Split, _, _ = _toy_parametrizations(T)
        T.manual_seed(0)
        m = T.nn.Linear(3, 2)
        T.nn.utils.parametrize.register_parametrization(m, "weight", Split())
        mods[T] = m
    tm, cm = mods[torch], mods[chainrule]
    pl = cm.parametrizations.weight
    assert list(cm.state_dict()) == list(tm.state_dict()) == [
        "bias", "parametrizations.weight.original0", "parametrizations.weight.original1",
    ]  # fmt: skip
    assert not pl.is_tensor and pl.ntensors == 2
    assert isinstance(pl.original0, nn.Parameter) and pl.original1.requires_grad
    np.testing.assert_array_equal(_np(pl.original1), np.full((2, 3), 4.0, "f"))
    cm.load_state_dict(tm.state_dict())
    _compare_models(tm, cm, np.random.default_rng(1).standard_normal((5, 3)).astype("f"))
    cm.weight = chainrule.ones(2, 3)
    np.testing.assert_array_equal(_np(pl.original0), np.full((2, 3), 0.25, "f"))
    _raises_same(lambda T: T.nn.utils.parametrize.remove_parametrizations(mods[T], "weight", leave_parametrized=False))
    for T in (torch, chainrule):
        T.nn.utils.parametrize.remove_parametrizations(mods[T], "weight")
    assert type(cm.weight) is nn.Parameter and list(cm.state_dict()) == list(tm.state_dict()) == ["bias", "weight"]
    np.testing.assert_array_equal(_np(cm.weight), np.ones((2, 3), "f"))


def test_parametrization_errors_match_torch():
    def reg(T, name="weight", which=0, unsafe=False, module=None):
        m = module if module is not None else T.nn.Linear(3, 2)
        p = _toy_parametrizations(T)[which]()
        return T.nn.utils.parametrize.register_parametrization(m, name, p, unsafe=unsafe)

    _raises_same(lambda T: reg(T, which=3))  # changes the shape
    _raises_same(lambda T: reg(T, name="nope"))
    _raises_same(lambda T: T.nn.utils.parametrize.remove_parametrizations(T.nn.Linear(2, 2), "weight"))
    _raises_same(lambda T: reg(T, name="running_var", which=0, module=T.nn.BatchNorm1d(3)))  # triu of a vector

    class Half(chainrule.nn.Module):
        def forward(self, X):
            return X.double()

    with pytest.raises(ValueError, match="may not change the dtype of the tensor"):
        nn.utils.parametrize.register_parametrization(nn.Linear(2, 2), "weight", Half())
    # unsafe skips the consistency checks
    m = reg(chainrule, which=3, unsafe=True)
    assert m.weight.shape == (2, 6) and m(chainrule.ones(1, 6)).shape == (1, 2)
    # serialization refuses parametrized modules, deepcopy works and copies the originals
    with pytest.raises(RuntimeError, match="Serialization of parametrized modules is only supported"):
        pickle.dumps(m)
    d = copy.deepcopy(m)
    assert type(d) is type(m) and d.parametrizations.weight.original is not m.parametrizations.weight.original
    np.testing.assert_array_equal(_np(d.weight), _np(m.weight))


def test_parametrized_buffer_matches_torch():
    mods = {}
    for T in (torch, chainrule):
        _, _, Scale, _ = _toy_parametrizations(T)
        bn = T.nn.BatchNorm1d(3)
        T.nn.utils.parametrize.register_parametrization(bn, "running_var", Scale())
        mods[T] = bn
    tb, cb = mods[torch], mods[chainrule]
    assert list(cb.state_dict()) == list(tb.state_dict())
    assert [n for n, _ in cb.named_buffers()] == [n for n, _ in tb.named_buffers()]
    np.testing.assert_array_equal(_np(cb.running_var), np.full(3, 2.0, "f"))
    assert not cb.running_var.requires_grad


# -- parametrizations.weight_norm ------------------------------------------------------------------
@pytest.mark.parametrize(
    "make, dim, xshape",
    [
        (lambda T: T.nn.Linear(4, 3), 0, (5, 4)),
        (lambda T: T.nn.Linear(4, 3), 1, (5, 4)),
        (lambda T: T.nn.Linear(4, 3), None, (5, 4)),
        (lambda T: T.nn.Conv2d(2, 3, 3), 0, (2, 2, 5, 5)),
        (lambda T: T.nn.Conv2d(2, 3, 3), -2, (2, 2, 5, 5)),
    ],
)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_weight_norm_parametrization_matches_torch(make, dim, xshape, dtype):
    tm = torch.nn.utils.parametrizations.weight_norm(make(torch), dim=dim)
    cm = nn.utils.parametrizations.weight_norm(make(chainrule), dim=dim)
    if dtype == "float64":
        tm.double()
        cm.double()
    assert repr(cm) == repr(tm)
    tsd = tm.state_dict()
    assert list(cm.state_dict()) == list(tsd)
    assert cm.parametrizations.weight.original0.shape == tm.parametrizations.weight.original0.shape
    cm.load_state_dict(tsd)
    _close(cm.weight, tm.weight)
    _compare_models(tm, cm, np.random.default_rng(2).standard_normal(xshape).astype(dtype), dtype)


def test_weight_norm_parametrization_values_and_legacy_checkpoint():
    m = nn.Linear(4, 3)
    w = m.weight.detach().clone()
    nn.utils.parametrizations.weight_norm(m)
    g = m.parametrizations.weight.original0
    np.testing.assert_allclose(_np(g), np.linalg.norm(w.numpy(), axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(_np(m.weight), w.numpy(), rtol=1e-6, atol=1e-7)
    # a checkpoint of the hook-based weight_norm (weight_g / weight_v) loads into the parametrized module
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        old = torch.nn.utils.weight_norm(torch.nn.Linear(4, 3))
    sd = old.state_dict()
    assert list(sd) == ["bias", "weight_g", "weight_v"]
    m.load_state_dict(sd)
    x = np.random.default_rng(3).standard_normal((2, 4)).astype("f")
    _close(m(chainrule.tensor(x)), old(torch.tensor(x)))
    _raises_same(lambda T: T.nn.utils.parametrizations.weight_norm(T.nn.Linear(4, 3), dim=2))


# -- parametrizations.spectral_norm --------------------------------------------------------------
@pytest.mark.parametrize(
    "make, kw, xshape",
    [
        (lambda T: T.nn.Linear(6, 5), {}, (4, 6)),
        (lambda T: T.nn.Linear(6, 5), {"n_power_iterations": 3, "eps": 1e-6}, (4, 6)),
        (lambda T: T.nn.Conv2d(2, 4, 3), {}, (1, 2, 5, 5)),
        (lambda T: T.nn.Conv2d(2, 4, 3), {"dim": 1}, (1, 2, 5, 5)),
        (lambda T: T.nn.ConvTranspose2d(3, 2, 2), {}, (1, 3, 3, 3)),
    ],
)
def test_spectral_norm_parametrization_matches_torch(make, kw, xshape):
    torch.manual_seed(7)
    chainrule.manual_seed(7)
    tm = torch.nn.utils.parametrizations.spectral_norm(make(torch), **kw)
    cm = nn.utils.parametrizations.spectral_norm(make(chainrule), **kw)
    # same number of draws, in the same order: the stream continues identically
    np.testing.assert_array_equal(chainrule.randn(5).numpy(), torch.randn(5).numpy())
    assert repr(cm) == repr(tm)
    assert list(cm.state_dict()) == list(tm.state_dict())
    tp, cp = tm.parametrizations.weight[0], cm.parametrizations.weight[0]
    assert cp.dim == tp.dim
    _close(cm.parametrizations.weight.original, tm.parametrizations.weight.original, rtol=0, atol=0)
    _close(cp._u, tp._u, rtol=1e-4, atol=1e-5)
    _close(cp._v, tp._v, rtol=1e-4, atol=1e-5)
    cm.load_state_dict(tm.state_dict())  # identical starting state
    x = np.random.default_rng(4).standard_normal(xshape).astype("f")
    for _ in range(2):  # every training access runs the power iteration
        tm.zero_grad()
        cm.zero_grad()
        _compare_models(tm, cm, x)
        _close(cp._u, tp._u)
    tm.eval()
    cm.eval()
    u = cp._u.clone()
    _close(cm(chainrule.tensor(x)), tm(torch.tensor(x)))
    np.testing.assert_array_equal(cp._u.numpy(), u.numpy())  # eval: no update


def test_spectral_norm_parametrization_sigma_and_removal():
    chainrule.manual_seed(0)
    m = nn.utils.parametrizations.spectral_norm(nn.Linear(8, 6))
    w = m.parametrizations.weight.original.detach().numpy()
    top = np.linalg.svd(w, compute_uv=False)[0]
    for _ in range(30):
        sn = m.weight
    np.testing.assert_allclose(np.linalg.svd(_np(sn), compute_uv=False)[0], 1.0, rtol=1e-4)
    orig = m.parametrizations.weight.original
    m.eval()
    nn.utils.parametrize.remove_parametrizations(m, "weight")
    assert type(m) is nn.Linear and m.weight is orig
    np.testing.assert_allclose(_np(m.weight), w / top, rtol=1e-4, atol=1e-6)
    # a vector is normalized directly (no power iteration, no buffers)
    b = nn.utils.parametrizations.spectral_norm(nn.Linear(3, 4), name="bias")
    assert list(b.state_dict()) == ["weight", "parametrizations.bias.original"]
    np.testing.assert_allclose(np.linalg.norm(_np(b.bias)), 1.0, rtol=1e-6)
    for kw in ({"name": "foo"}, {"dim": 3}, {"n_power_iterations": 0}):
        _raises_same(lambda T, kw=kw: T.nn.utils.parametrizations.spectral_norm(T.nn.Linear(4, 3), **kw))


# -- hook-based weight_norm / spectral_norm --------------------------------------------------------
@pytest.mark.parametrize("dim", [0, None, 1])
def test_old_weight_norm_matches_torch(dim):
    mods = {}
    for T in (torch, chainrule):
        with pytest.warns(FutureWarning, match="`torch.nn.utils.weight_norm` is deprecated in favor of"):
            mods[T] = T.nn.utils.weight_norm(T.nn.Conv2d(2, 3, 3), dim=dim)
    tm, cm = mods[torch], mods[chainrule]
    assert repr(cm) == repr(tm) and list(cm.state_dict()) == list(tm.state_dict()) == ["bias", "weight_g", "weight_v"]
    assert cm.weight_g.shape == tm.weight_g.shape and "weight" not in cm._parameters
    cm.load_state_dict(tm.state_dict())
    _compare_models(tm, cm, np.random.default_rng(5).standard_normal((2, 2, 5, 5)).astype("f"))
    with pytest.warns(FutureWarning):
        _raises_same(lambda T: T.nn.utils.weight_norm(mods[T]))
    for T in (torch, chainrule):
        T.nn.utils.remove_weight_norm(mods[T])
    assert list(cm.state_dict()) == ["bias", "weight"] and isinstance(cm.weight, nn.Parameter)
    _close(cm.weight, tm.weight)
    _raises_same(lambda T: T.nn.utils.remove_weight_norm(mods[T]))


def test_old_spectral_norm_matches_torch_bitwise_draws():
    mods = {}
    for T in (torch, chainrule):
        T.manual_seed(11)
        mods[T] = T.nn.utils.spectral_norm(T.nn.Conv2d(3, 4, 2))
    tm, cm = mods[torch], mods[chainrule]
    # u and v are the normalized draws themselves: identical bit for bit
    np.testing.assert_array_equal(cm.weight_u.numpy(), tm.weight_u.numpy())
    np.testing.assert_array_equal(cm.weight_v.numpy(), tm.weight_v.numpy())
    assert cm.weight_v.shape == (12,) and isinstance(cm.weight_orig, nn.Parameter)
    csd, tsd = cm.state_dict(), tm.state_dict()
    assert list(csd) == list(tsd) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert csd._metadata == tsd._metadata == {"": {"version": 1, "spectral_norm": {"weight.version": 1}}}
    cm.load_state_dict(tsd)
    x = np.random.default_rng(6).standard_normal((2, 3, 4, 4)).astype("f")
    for _ in range(2):
        cm.zero_grad()
        tm.zero_grad()
        _compare_models(tm, cm, x)
        _close(cm.weight_u, tm.weight_u)
    _raises_same(lambda T: T.nn.utils.spectral_norm(mods[T]))
    for T in (torch, chainrule):
        mods[T].eval()
        T.nn.utils.remove_spectral_norm(mods[T])
    assert list(cm.state_dict()) == ["bias", "weight"] and isinstance(cm.weight, nn.Parameter)
    _close(cm.weight, tm.weight)
    assert not cm._state_dict_hooks and not cm._forward_pre_hooks
    _raises_same(lambda T: T.nn.utils.remove_spectral_norm(mods[T]))
    for kw in ({"name": "foo"}, {"n_power_iterations": 0}):
        _raises_same(lambda T, kw=kw: T.nn.utils.spectral_norm(T.nn.Linear(4, 3), **kw))
    _raises_same(lambda T: T.nn.utils.spectral_norm(T.nn.Linear(4, 3, bias=False), name="bias"))


def test_old_spectral_norm_upgrades_version0_checkpoint():
    torch.manual_seed(3)
    # a tall weight: W^T W is invertible, so the recovered v is well defined
    tm = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 5))
    tm(torch.ones(1, 4))
    sd = tm.state_dict()
    # version 0 stored the normalized weight and no v
    old = {"bias": sd["bias"], "weight_orig": sd["weight_orig"], "weight_u": sd["weight_u"], "weight": tm.weight}
    tnew = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 5))
    cnew = nn.utils.spectral_norm(nn.Linear(4, 5))
    tnew.load_state_dict({k: v.detach().clone() for k, v in old.items()})
    cnew.load_state_dict({k: chainrule.tensor(_np(v)) for k, v in old.items()})
    _close(cnew.weight_v, tnew.weight_v, rtol=1e-4, atol=1e-5)
    _close(cnew.weight_u, tnew.weight_u)


# -- fusion --------------------------------------------------------------------------------------
def _bn_pair(T, cls, n):
    bn = getattr(T.nn, cls)(n)
    bn.running_mean.uniform_(-1, 1)
    bn.running_var.uniform_(0.5, 2.0)
    with T.no_grad():
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-1, 1)
    return bn.eval()


@pytest.mark.parametrize("transpose", [False, True])
def test_fuse_conv_bn_matches_torch(transpose):
    out = {}
    for T in (torch, chainrule):
        T.manual_seed(0)
        conv = (T.nn.ConvTranspose2d(2, 3, 3) if transpose else T.nn.Conv2d(2, 3, 3)).eval()
        bn = _bn_pair(T, "BatchNorm2d", 3)
        fused = T.nn.utils.fuse_conv_bn_eval(conv, bn, transpose=transpose)
        assert type(fused) is type(conv) and fused is not conv and isinstance(fused.weight, T.nn.Parameter)
        x = T.randn(1, 2, 5, 5)
        np.testing.assert_allclose(_np(fused(x)), _np(bn(conv(x))), rtol=1e-4, atol=1e-5)
        out[T] = fused
    _close(out[chainrule].weight, out[torch].weight)
    _close(out[chainrule].bias, out[torch].bias)
    _raises_same(lambda T: T.nn.utils.fuse_conv_bn_eval(T.nn.Conv2d(2, 3, 3), T.nn.BatchNorm2d(3)))


def test_fuse_weights_and_linear_bn_match_torch():
    res = {}
    for T in (torch, chainrule):
        T.manual_seed(1)
        lin = T.nn.Linear(4, 3).eval()
        bn = _bn_pair(T, "BatchNorm1d", 3)
        fused = T.nn.utils.fuse_linear_bn_eval(lin, bn)
        x = T.randn(6, 4)
        np.testing.assert_allclose(_np(fused(x)), _np(bn(lin(x))), rtol=1e-5, atol=1e-6)
        w, b = T.nn.utils.fuse_linear_bn_weights(lin.weight.double(), None, *(bn.running_mean, bn.running_var),
                                                 1e-3, bn.weight, bn.bias)  # fmt: skip
        cw, cb = T.nn.utils.fuse_conv_bn_weights(T.ones(3, 2, 1), None, bn.running_mean, bn.running_var, 1e-5,
                                                 None, None)  # fmt: skip
        res[T] = (fused.weight, fused.bias, w, b, cw, cb)
    for c, t in zip(res[chainrule], res[torch]):
        assert str(c.dtype) == str(t.dtype) and c.requires_grad == t.requires_grad and isinstance(c, nn.Parameter)
        _close(c, t)
    _raises_same(lambda T: T.nn.utils.fuse_linear_bn_eval(T.nn.Linear(4, 3).eval(), T.nn.BatchNorm1d(2).eval()))


# -- skip_init -----------------------------------------------------------------------------------
def test_skip_init_leaves_random_stream_untouched():
    for T in (torch, chainrule):
        T.manual_seed(5)
        m = T.nn.utils.skip_init(T.nn.Linear, 5, 2)
        assert tuple(m.weight.shape) == (2, 5) and m.weight.requires_grad and m.bias.shape == (2,)
        m2 = T.nn.utils.skip_init(T.nn.Linear, in_features=3, out_features=1, bias=False, device="cpu")
        assert m2.bias is None and tuple(m2.weight.shape) == (1, 3)
    chainrule.manual_seed(5)
    torch.manual_seed(5)
    nn.utils.skip_init(nn.Conv2d, 3, 4, 3)
    np.testing.assert_array_equal(chainrule.rand(4).numpy(), torch.rand(4).numpy())
    _raises_same(lambda T: T.nn.utils.skip_init(T.nn.ReLU))
    _raises_same(lambda T: T.nn.utils.skip_init(int))


# -- functional_call -------------------------------------------------------------------------------
def _tied_model(T):
    class Tied(T.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = T.nn.Linear(3, 3)
            self.b = T.nn.Linear(3, 3)
            self.b.weight = self.a.weight
            self.register_buffer("buf", T.ones(3))

        def forward(self, x, scale=1.0):
            self.buf = self.buf + 1
            return self.b(self.a(x)) * scale + self.buf

    T.manual_seed(0)
    return Tied()


def test_functional_call_matches_torch():
    res = {}
    for T in (torch, chainrule):
        m = _tied_model(T)
        before = {k: _np(v).copy() for k, v in m.state_dict().items()}
        ids = [id(p) for p in m.parameters()]
        x = T.ones(2, 3)
        w = T.full((3, 3), 0.5, requires_grad=True)
        buf = T.zeros(3)
        d = {"a.weight": w, "buf": buf}
        out = T.func.functional_call(m, d, (x,), {"scale": 2.0})
        out.sum().backward()
        # the module is restored; the rebound buffer flows back into the caller's dict
        assert [id(p) for p in m.parameters()] == ids and m.a.weight is m.b.weight
        assert all(np.array_equal(_np(v), before[k]) for k, v in m.state_dict().items())
        assert d["buf"] is not buf
        untied = T.func.functional_call(m, {"a.weight": w}, x, tie_weights=False)
        several = T.func.functional_call(m, ({"a.weight": w}, {"a.bias": T.zeros(3)}), args=x)
        res[T] = (out, w.grad, d["buf"], untied, several)
    for c, t in zip(res[chainrule], res[torch]):
        _close(c, t)


def test_functional_call_gradients_restore_and_errors():
    m = nn.Linear(3, 2)
    params = {k: v.detach().clone().requires_grad_() for k, v in m.named_parameters()}
    x = chainrule.randn(4, 3)
    y = chainrule.func.functional_call(m, params, x)
    y.sum().backward()
    np.testing.assert_allclose(params["weight"].grad.numpy(), np.tile(x.numpy().sum(0), (2, 1)), rtol=1e-5)
    assert m.weight.grad is None

    class Boom(nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = nn.Linear(3, 3)

        def forward(self, x):
            raise ValueError("boom")

    b = Boom()
    orig = b.lin.weight
    with pytest.raises(ValueError, match="boom"):
        chainrule.func.functional_call(b, {"lin.weight": chainrule.zeros(3, 3)}, x)
    assert b.lin.weight is orig and b.lin._parameters["weight"] is orig
    with pytest.warns(FutureWarning, match="`torch.nn.utils.stateless.functional_call` is deprecated"):
        out = nn.utils.stateless.functional_call(m, {"bias": chainrule.zeros(2)}, x)
    np.testing.assert_allclose(out.detach().numpy(), x.numpy() @ m.weight.detach().numpy().T, rtol=1e-5)

    def call(T, d, **kw):
        return T.func.functional_call(_tied_model(T), d, T.ones(1, 3), **kw)

    _raises_same(lambda T: call(T, {"a.weight": T.ones(3, 3), "b.weight": T.zeros(3, 3)}))
    _raises_same(lambda T: call(T, {"zz": T.ones(3)}, strict=True))
    _raises_same(lambda T: call(T, [{"buf": T.ones(3)}, {"buf": T.ones(3)}]))
    _raises_same(lambda T: call(T, [{"buf": T.ones(3)}, 3]))
    _raises_same(lambda T: call(T, 5))
    _raises_same(lambda T: call(T, {"zz.weight": T.ones(3)}))


def test_functional_call_on_parametrized_originals():
    res = {}
    for T in (torch, chainrule):
        m = T.nn.utils.parametrizations.weight_norm(T.nn.Linear(3, 2))
        g = T.tensor([[2.0], [3.0]], requires_grad=True)
        v = T.tensor([[1.0, 2.0, 2.0], [0.0, 3.0, 4.0]], requires_grad=True)
        keys = {"parametrizations.weight.original0": g, "parametrizations.weight.original1": v, "bias": T.zeros(2)}
        y = T.func.functional_call(m, keys, T.ones(1, 3))
        y.sum().backward()
        res[T] = (y, g.grad, v.grad)
    np.testing.assert_allclose(_np(res[chainrule][0]), [[10 / 3, 21 / 5]], rtol=1e-6)
    for c, t in zip(res[chainrule], res[torch]):
        _close(c, t)
