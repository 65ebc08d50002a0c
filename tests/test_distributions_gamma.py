"""The gamma family of torch.distributions (Gamma, Chi2, Beta, Dirichlet, StudentT, FisherSnedecor,
InverseGamma, NegativeBinomial): seeded draws bit for bit, densities, moments, reparameterised gradients
and KL divergences against torch."""

import math
import warnings

import numpy as np
import pytest
import torch
from helpers import check_op

import chainrule

C = chainrule


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.detach()._data)


def _pos(x):
    return x.exp()


# ---- seeded draws ----------------------------------------------------------------------------------------
def _draw_cases(T, dt):
    D = T.distributions

    def t(v):
        return T.tensor(v, dtype=getattr(T, dt))

    return {
        "Gamma": lambda: D.Gamma(t([0.1, 0.5, 1.0, 2.5, 10.0, 1000.0]), t([1.0, 2.0, 0.5, 1.0, 3.0, 1.0])),
        "GammaScalar": lambda: D.Gamma(t(0.5), t(1.5)),
        "GammaNumbers": lambda: D.Gamma(2.5, 4.0),
        "Chi2": lambda: D.Chi2(t([0.2, 1.0, 3.0, 20.0])),
        "Beta": lambda: D.Beta(t([0.1, 0.5, 2.0, 1000.0]), t([1.0, 3.0, 0.7, 10.0])),
        "BetaNumbers": lambda: D.Beta(0.5, 2.0),
        "Dirichlet": lambda: D.Dirichlet(t([[0.1, 0.5, 2.0, 1.0, 7.0], [1.0, 1.0, 1.0, 1.0, 1.0]])),
        "StudentT": lambda: D.StudentT(t([0.5, 3.0, 30.0]), t([0.0, 1.0, -1.0]), t([1.0, 2.0, 0.5])),
        "FisherSnedecor": lambda: D.FisherSnedecor(t([1.0, 5.0]), t([2.0, 7.0])),
        "InverseGamma": lambda: D.InverseGamma(t([0.5, 3.0]), t([1.0, 2.0])),
        "NegativeBinomial": lambda: D.NegativeBinomial(t([1.0, 5.0, 0.5]), probs=t([0.2, 0.5, 0.9])),
        "NegativeBinomialLogits": lambda: D.NegativeBinomial(t([10.0, 0.0]), logits=t([0.3, -1.0])),
    }


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(_draw_cases(torch, "float32")))
def test_seeded_draws_match_torch(name, dt):
    """sample/rsample after manual_seed equal torch's bit for bit and leave the stream where torch's is."""
    for meth in ("sample", "rsample"):
        for shape in ((), (5,), (7, 3)):
            res = []
            for T in (torch, C):
                d = _draw_cases(T, dt)[name]()
                if meth == "rsample" and not d.has_rsample:
                    with pytest.raises(NotImplementedError):
                        d.rsample()
                    break
                T.manual_seed(11)
                out = getattr(d, meth)(shape)
                res.append((out, T.rand(4, dtype=T.float64)))
                assert tuple(out.shape) == tuple(d._extended_shape(shape))
                if meth == "sample":
                    assert not out.requires_grad
            if len(res) < 2:
                continue
            (t, t_next), (c, c_next) = res
            assert str(c.dtype) == str(t.dtype)
            np.testing.assert_array_equal(_np(c_next), _np(t_next))
            np.testing.assert_array_equal(_np(c), _np(t))


# ---- densities and moments ---------------------------------------------------------------------------------
def _beta_val(T, x):
    return T.sigmoid(x)


def _pos_val(T, x):
    return x.exp()


def _simplex(T, x):
    return T.softmax(x, -1)


CONT = {
    # factory(T, a, b) on raw parameters of shape (2, 3), value(T, raw of shape (4, 2, 3))
    "Gamma": (lambda T, a, b: T.distributions.Gamma(_pos(a), _pos(b)), _pos_val),
    "Chi2": (lambda T, a, b: T.distributions.Chi2(_pos(a + b)), _pos_val),
    "Beta": (lambda T, a, b: T.distributions.Beta(_pos(a), _pos(b)), _beta_val),
    "StudentT": (lambda T, a, b: T.distributions.StudentT(2 + _pos(a), b, _pos(b)), lambda T, x: x),
    "FisherSnedecor": (lambda T, a, b: T.distributions.FisherSnedecor(_pos(a), 4 + _pos(b)), _pos_val),
    "InverseGamma": (lambda T, a, b: T.distributions.InverseGamma(2 + _pos(a), _pos(b)), _pos_val),
}
STATS = {
    "Gamma": ("mean", "mode", "variance", "stddev", "entropy"),
    "Chi2": ("mean", "mode", "variance", "entropy", "df"),
    "Beta": ("mean", "mode", "variance", "entropy", "concentration1", "concentration0"),
    "StudentT": ("mean", "mode", "variance", "entropy"),
    "FisherSnedecor": ("mean", "mode", "variance"),
    "InverseGamma": ("mean", "mode", "variance", "entropy"),
}


@pytest.mark.parametrize("name", sorted(CONT))
def test_log_prob_and_stats(name):
    """log_prob, moments and entropy with gradients for parameters and values."""
    make, value = CONT[name]

    def f(T, a, b, x):
        d = make(T, a, b)
        v = value(T, x)
        out = [d.log_prob(v)]
        for s in STATS[name]:
            if s == "entropy":
                out.append(d.entropy())
            else:
                out.append(getattr(d, s))
        return tuple(out)

    check_op(f, [(2, 3), (3,), (4, 2, 3)], low=-1.0, high=1.0)


def test_gamma_cdf():
    """P(a, rate x); like torch, no gradient for the concentration."""

    def f(T, a, b, x):
        return T.distributions.Gamma(_pos(a), _pos(b)).cdf(_pos(x))

    check_op(f, [(2, 3), (3,), (4, 2, 3)], low=-1.0, high=1.0, requires_grad=[False, True, True])


def test_moments_at_their_limits():
    """NaN / inf moments where they do not exist, and Beta/Dirichlet modes below concentration 1."""
    df = [0.5, 1.0, 1.5, 2.0, 3.0, 5.0]
    for T in (torch, C):
        T.manual_seed(0)
    res = []
    for T in (torch, C):
        D = T.distributions
        t = T.tensor(df, dtype=T.float64)
        st, fs, ig = D.StudentT(t, 1.0, 2.0), D.FisherSnedecor(t, t + 0.5), D.InverseGamma(t, 1.5)
        g, b = D.Gamma(t, 2.0), D.Beta(t, t.flip(0))
        dr = D.Dirichlet(T.tensor([[0.5, 0.2, 0.9], [2.0, 3.0, 1.0], [0.5, 2.0, 3.0]], dtype=T.float64))
        res.append([st.mean, st.variance, fs.mean, fs.variance, fs.mode, ig.mean, ig.variance, g.mode, b.mode, dr.mode])
    for ours, theirs in zip(res[1], res[0]):
        np.testing.assert_allclose(_np(ours), _np(theirs), rtol=1e-13, equal_nan=True)


def test_dirichlet_log_prob_stats_and_gradients():
    def f(T, a, x):
        d = T.distributions.Dirichlet(_pos(a))
        v = _simplex(T, x)
        return d.log_prob(v), d.mean, d.variance, d.entropy()

    check_op(f, [(2, 4), (3, 2, 4)], low=-1.0, high=1.0)


def test_negative_binomial_log_prob_and_stats():
    def f(T, n, p, k):
        d = T.distributions.NegativeBinomial(_pos(n), probs=T.sigmoid(p))
        e = T.distributions.NegativeBinomial(_pos(n), logits=p)
        v = k.abs().floor()
        return d.log_prob(v), d.mean, d.variance, d.mode, e.log_prob(v), e.mean, e.variance, e.probs

    check_op(f, [(2, 3), (3,), (4, 2, 3)], low=-2.0, high=2.0)
    for T in (torch, C):  # a zero total count puts all mass on 0
        d = T.distributions.NegativeBinomial(T.tensor([0.0, 2.0]), probs=T.tensor([0.3, 0.3]))
        np.testing.assert_allclose(_np(d.log_prob(T.tensor([0.0, 0.0]))), [0.0, 2 * math.log(0.7)], rtol=1e-6)


# ---- reparameterised gradients --------------------------------------------------------------------------------
RSAMPLE = {
    "Gamma": lambda T, a, b: T.distributions.Gamma(_pos(a), _pos(b)),
    "GammaSmall": lambda T, a, b: T.distributions.Gamma(_pos(a) * 0.2, _pos(b)),
    "GammaLarge": lambda T, a, b: T.distributions.Gamma(_pos(a) * 30, _pos(b)),
    "Chi2": lambda T, a, b: T.distributions.Chi2(_pos(a + b)),
    "Beta": lambda T, a, b: T.distributions.Beta(_pos(a), _pos(b)),
    "BetaLarge": lambda T, a, b: T.distributions.Beta(10 + _pos(a) * 5, 8 + _pos(b)),
    "BetaSkewed": lambda T, a, b: T.distributions.Beta(_pos(a) * 0.1, 5 * _pos(b)),
    "StudentT": lambda T, a, b: T.distributions.StudentT(_pos(a), b, _pos(b)),
    "FisherSnedecor": lambda T, a, b: T.distributions.FisherSnedecor(_pos(a) * 3, _pos(b) * 3),
    "InverseGamma": lambda T, a, b: T.distributions.InverseGamma(_pos(a), _pos(b)),
}


@pytest.mark.parametrize("name", sorted(RSAMPLE))
def test_rsample_gradients(name):
    """rsample after the same seed: the draws and the gradient of every parameter through them."""
    make = RSAMPLE[name]

    def f(T, a, b):
        T.manual_seed(7)
        d = make(T, a, b)
        return d.rsample((4,)), d.rsample()

    check_op(f, [(2, 3), (3,)], low=-1.0, high=1.0)


def test_dirichlet_rsample_gradient():
    def f(T, a):
        T.manual_seed(3)
        d = T.distributions.Dirichlet(_pos(a) * 2)
        x = d.rsample((5,))
        return x, d.rsample()

    check_op(f, [(2, 4)], low=-1.5, high=1.5)
    for T in (torch, C):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        assert T.distributions.Dirichlet(a).rsample().grad_fn.name() == "_DirichletBackward"


# ---- KL divergences ----------------------------------------------------------------------------------------------
def _kl_pairs(T, a, b):
    D = T.distributions
    s, r = _pos(a), _pos(b)
    u = T.sigmoid(a)
    return [
        (D.Gamma(s, r), D.Gamma(r, s)),
        (D.Chi2(s + 1), D.Gamma(r, s)),
        (D.Beta(s, r), D.Beta(r + 1, s)),
        (D.Dirichlet(T.stack([s, r, s * r], -1)), D.Dirichlet(T.stack([r, s + 1, r], -1))),
        (D.Beta(s, r), D.Exponential(r)),
        (D.Beta(s, r), D.Gamma(r, s)),
        (D.Beta(s, r), D.Normal(a, r)),
        (D.Beta(s, r), D.Uniform(u - 1, u + 1)),
        (D.Beta(s, r), D.Uniform(u * 0.5, u + 1)),
        (D.Beta(s, r), D.Pareto(s, r)),
        (D.Exponential(s), D.Gamma(r, s)),
        (D.Exponential(s), D.Beta(r, s)),
        (D.Gamma(s, r), D.Exponential(r)),
        (D.Gamma(s, r), D.Gumbel(a, r)),
        (D.Gamma(s, r), D.Normal(a, r)),
        (D.Gamma(s, r), D.Beta(s, r)),
        (D.Gamma(s, r), D.Pareto(s, r)),
        (D.Gamma(s, r), D.Uniform(a, a + r)),
        (D.Gumbel(a, s), D.Gamma(r, s)),
        (D.Laplace(a, s), D.Beta(r, s)),
        (D.Normal(a, s), D.Gamma(r, s)),
        (D.Pareto(s, r + 1), D.Gamma(r, s)),
        (D.Pareto(s, r), D.Gamma(r, s)),
        (D.Pareto(s, r), D.Beta(r, s)),
        (D.Uniform(u * 0.5, u * 0.5 + 0.25), D.Beta(r, s)),
        (D.Uniform(u - 1, u), D.Beta(r, s)),
        (D.Uniform(s, s + r), D.Gamma(r, s)),
        (D.Uniform(a, a + r), D.Gamma(r, s)),
    ]


@pytest.mark.parametrize("i", range(len(_kl_pairs(torch, torch.zeros(3), torch.zeros(3)))))
def test_kl_divergence_pairs(i):
    """Values (inf where supports differ) and gradients for both distributions' parameters."""

    def f(T, a, b):
        p, q = _kl_pairs(T, a, b)[i]
        return T.distributions.kl_divergence(p, q)

    check_op(f, [(3,), (3,)], low=-1.0, high=1.0)


# ---- shapes, expand, validation ----------------------------------------------------------------------------------
def test_expand_and_shapes():
    for T in (torch, C):
        D = T.distributions
        conc = T.tensor([[1.0, 2.0, 3.0]])
        for d, bs, es in [
            (D.Gamma(T.tensor([1.0, 2.0]), 1.0).expand((3, 2)), (3, 2), ()),
            (D.Chi2(T.tensor([1.0, 2.0])).expand((4, 2)), (4, 2), ()),
            (D.Beta(T.tensor([1.0]), T.tensor([2.0, 3.0])).expand((5, 2)), (5, 2), ()),
            (D.Dirichlet(conc).expand((2, 1)), (2, 1), (3,)),
            (D.StudentT(T.tensor([3.0, 4.0])).expand((2, 2)), (2, 2), ()),
            (D.FisherSnedecor(1.0, T.tensor([2.0, 3.0])).expand((3, 2)), (3, 2), ()),
            (D.InverseGamma(T.tensor([2.0, 3.0]), 1.0).expand((1, 2)), (1, 2), ()),
            (D.NegativeBinomial(3.0, logits=T.tensor([0.1, 0.2])).expand((2, 2)), (2, 2), ()),
            (D.Gamma(2.0, 3.0), (), ()),
            (D.Beta(2.0, 3.0), (), ()),
        ]:
            assert tuple(d.batch_shape) == bs and tuple(d.event_shape) == es
            assert tuple(d.sample((2,)).shape) == (2,) + bs + es
    assert C.distributions.Chi2(C.tensor([2.0])).expand((3,)).df.shape == (3,)
    assert isinstance(C.distributions.Chi2(1.0).expand((2,)), C.distributions.Chi2)


def test_validation_errors_like_torch():
    cases = [
        lambda D, T: D.Gamma(T.tensor([-1.0]), 1.0),
        lambda D, T: D.Gamma(1.0, T.tensor([0.0])),
        lambda D, T: D.Beta(T.tensor([0.0]), 1.0),
        lambda D, T: D.Dirichlet(T.tensor(1.0)),
        lambda D, T: D.Dirichlet(T.tensor([1.0, -1.0])),
        lambda D, T: D.StudentT(T.tensor([-1.0])),
        lambda D, T: D.NegativeBinomial(1.0),
        lambda D, T: D.NegativeBinomial(1.0, probs=T.tensor([0.5]), logits=T.tensor([0.0])),
        lambda D, T: D.NegativeBinomial(T.tensor([1.0]), probs=T.tensor([1.0])),
        lambda D, T: D.Gamma(1.0, 1.0).log_prob(T.tensor([-1.0])),
        lambda D, T: D.Beta(1.0, 1.0).log_prob(T.tensor([1.5])),
        lambda D, T: D.Dirichlet(T.ones(3)).log_prob(T.tensor([0.5, 0.6, 0.1])),
        lambda D, T: D.NegativeBinomial(2.0, probs=T.tensor(0.5)).log_prob(T.tensor([0.5])),
    ]
    for make in cases:
        errs = []
        for T in (torch, C):
            with pytest.raises(ValueError) as e, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                make(T.distributions, T)
            errs.append(str(e.value).split(" of distribution")[0].split("\n")[0])
        assert errs[1] == errs[0]


def test_inverse_gamma_is_transformed_gamma():
    for T in (torch, C):
        d = T.distributions.InverseGamma(T.tensor([2.0, 3.0]), T.tensor([1.0, 0.5]))
        assert isinstance(d.base_dist, T.distributions.Gamma)
        assert d.support is T.distributions.constraints.positive
    x = np.array([0.3, 2.0])
    want = torch.distributions.InverseGamma(torch.tensor([2.0, 3.0]), 1.5).log_prob(torch.tensor(x))
    got = C.distributions.InverseGamma(C.tensor([2.0, 3.0]), 1.5).log_prob(C.tensor(x))
    np.testing.assert_allclose(_np(got), _np(want), rtol=1e-6)


def test_gamma_rsample_clamps_underflow_in_place_and_keeps_gradients():
    """Draws that underflow after dividing by a huge rate become the smallest normal number, outside the graph."""
    res = []
    for T in (torch, C):
        T.manual_seed(0)
        a = T.tensor([0.01, 0.02, 1.0], requires_grad=True)
        x = T.distributions.Gamma(a, T.tensor([1e30, 1e35, 1.0])).rsample((4,))
        assert x.grad_fn.name() == "DivBackward0"
        x.sum().backward()
        res.append((x, a.grad))
    np.testing.assert_array_equal(_np(res[1][0]), _np(res[0][0]))
    np.testing.assert_allclose(_np(res[1][1]), _np(res[0][1]), rtol=1e-6)


def test_reprs():
    reprs = []
    for T in (torch, C):
        D = T.distributions
        ds = [
            D.Gamma(T.tensor([1.0, 2.0]), 1.0),
            D.Gamma(2.0, 3.0),
            D.Chi2(T.tensor(2.0)),
            D.Beta(1.0, 2.0),
            D.Dirichlet(T.ones(3)),
            D.StudentT(3.0),
            D.FisherSnedecor(1.0, 2.0),
            D.InverseGamma(2.0, 1.0),
            D.NegativeBinomial(3.0, probs=T.tensor(0.3)),
        ]
        reprs.append([repr(d) for d in ds])
    assert reprs[1] == reprs[0]
