"""chainrule.distributions against torch.distributions: seeded draws, densities, moments, gradients,
shapes, argument validation and KL divergences."""

import math
import warnings

import numpy as np
import pytest
import torch
from helpers import check_gradcheck, check_op

import chainrule

C = chainrule


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.detach()._data)


def _pos(x):
    return x.exp()


def _prob(T, x):
    return T.sigmoid(x)


# ---- continuous distributions: (factory(T, *raw params), raw param shapes, value maker(T, raw value)) -----------
def _uniform(T, a, w):
    return T.distributions.Uniform(a, a + _pos(w))


CONT = {
    "Normal": (lambda T, a, b: T.distributions.Normal(a, _pos(b)), lambda T, x: x),
    "Uniform": (_uniform, None),
    "Exponential": (lambda T, a, b: T.distributions.Exponential(_pos(a + b)), lambda T, x: _pos(x)),
    "Laplace": (lambda T, a, b: T.distributions.Laplace(a, _pos(b)), lambda T, x: x),
    "Cauchy": (lambda T, a, b: T.distributions.Cauchy(a, _pos(b)), lambda T, x: x),
    "LogNormal": (lambda T, a, b: T.distributions.LogNormal(a, _pos(b)), lambda T, x: _pos(x)),
    "HalfNormal": (lambda T, a, b: T.distributions.HalfNormal(_pos(a + b)), lambda T, x: _pos(x)),
    "HalfCauchy": (lambda T, a, b: T.distributions.HalfCauchy(_pos(a + b)), lambda T, x: _pos(x)),
    "Gumbel": (lambda T, a, b: T.distributions.Gumbel(a, _pos(b)), lambda T, x: x),
    "Pareto": (lambda T, a, b: T.distributions.Pareto(_pos(a), 2 + _pos(b)), None),
    "Weibull": (lambda T, a, b: T.distributions.Weibull(_pos(a), 1 + _pos(b)), lambda T, x: _pos(x)),
}
STATS = {
    "Normal": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
    "Uniform": ("mean", "variance", "stddev", "cdf", "icdf", "entropy"),
    "Exponential": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
    "Laplace": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
    "Cauchy": ("mean", "mode", "variance", "cdf", "icdf", "entropy"),
    "LogNormal": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
    "HalfNormal": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
    "HalfCauchy": ("mean", "mode", "variance", "cdf", "icdf", "entropy"),
    "Gumbel": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
    "Pareto": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
    "Weibull": ("mean", "mode", "variance", "stddev", "cdf", "icdf", "entropy"),
}


def _value(name, T, d, x):
    if name == "Uniform":
        return d.low + (d.high - d.low) * T.sigmoid(x)
    if name == "Pareto":
        return d.scale + _pos(x)
    return CONT[name][1](T, x)


def _stat(T, d, stat, x):
    if stat in ("cdf",):
        return d.cdf(x)
    if stat == "icdf":
        return d.icdf(T.sigmoid(x))
    if stat == "entropy":
        return d.entropy()
    return getattr(d, stat)


@pytest.mark.parametrize("name", sorted(CONT))
def test_continuous_log_prob_and_stats(name):
    """log_prob, cdf, icdf, entropy and moments with gradients for parameters and values, batch (2, 3)."""
    make = CONT[name][0]

    def f(T, a, b, x):
        d = make(T, a, b)
        v = _value(name, T, d, x)
        return (d.log_prob(v),) + tuple(_stat(T, d, s, v if s == "cdf" else x) for s in STATS[name])

    check_op(f, [(2, 3), (3,), (4, 2, 3)], low=-1.0, high=1.0)


@pytest.mark.parametrize("name", sorted(CONT))
def test_continuous_rsample_gradients(name):
    """rsample after the same seed: values and the gradient of every parameter through the draw."""
    make = CONT[name][0]

    def f(T, a, b):
        T.manual_seed(7)
        d = make(T, a, b)
        return d.rsample((4,)), d.rsample()

    check_op(f, [(2, 3), (3,)], low=-1.0, high=1.0)


def test_scalar_parameters_give_empty_batch_shape():
    for T in (torch, C):
        D = T.distributions
        assert D.Normal(0.0, 1.0).batch_shape == ()
        assert D.Normal(T.tensor(0.0), 1.0).batch_shape == ()
        assert D.Normal(T.zeros(1), 1.0).batch_shape == (1,)
    d = C.distributions.Normal(0.5, 2.0)
    t = torch.distributions.Normal(0.5, 2.0)
    for s in ("log_prob", "cdf"):
        np.testing.assert_allclose(_np(getattr(d, s)(C.tensor(1.5))), _np(getattr(t, s)(torch.tensor(1.5))), rtol=1e-6)
    assert str(d.entropy().dtype) == str(t.entropy().dtype) == "torch.float32"


# ---- seeded draws --------------------------------------------------------------------------------------------
def _draw_cases(T, dt):
    """name -> factory of a distribution with parameters of dtype ``dt``."""
    D = T.distributions

    def t(v):
        return T.tensor(v, dtype=getattr(T, dt))

    loc, scale = t([0.5, -1.0, 2.0]), t([1.0, 0.5, 2.0])
    cov = t([[2.0, 0.3, 0.1], [0.3, 1.0, 0.2], [0.1, 0.2, 1.5]])
    return {
        "Normal": lambda: D.Normal(loc, scale),
        "Uniform": lambda: D.Uniform(loc, loc + scale),
        "Exponential": lambda: D.Exponential(scale),
        "Cauchy": lambda: D.Cauchy(loc, scale),
        "HalfNormal": lambda: D.HalfNormal(scale),
        "HalfCauchy": lambda: D.HalfCauchy(scale),
        "Bernoulli": lambda: D.Bernoulli(t([0.1, 0.5, 0.9])),
        "BernoulliLogits": lambda: D.Bernoulli(logits=t([0.1, 0.5, -0.9])),
        "Geometric": lambda: D.Geometric(t([0.1, 0.5, 0.9])),
        "Categorical": lambda: D.Categorical(t([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])),
        "CategoricalLogits": lambda: D.Categorical(logits=t([0.1, 0.5, 0.4, -1.0])),
        "OneHotCategorical": lambda: D.OneHotCategorical(t([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])),
        "Poisson": lambda: D.Poisson(t([0.5, 4.0, 30.0])),
        "Binomial": lambda: D.Binomial(t([5.0, 100.0, 40.0, 200.0, 0.0]), t([0.3, 0.2, 0.9, 0.6, 0.5])),
        "Independent": lambda: D.Independent(D.Normal(loc.expand(2, 3), scale), 1),
        "Expanded": lambda: D.Normal(T.tensor(0.5, dtype=loc.dtype), 2.0).expand((2, 3)),
        # draws through exp/log/log1p or a matrix product: the noise is identical, the result within rounding
        "Laplace": lambda: D.Laplace(loc, scale),
        "LogNormal": lambda: D.LogNormal(loc, scale),
        "Gumbel": lambda: D.Gumbel(loc, scale),
        "Pareto": lambda: D.Pareto(scale, scale + 1),
        "Weibull": lambda: D.Weibull(scale, scale + 0.5),
        "Multinomial": lambda: D.Multinomial(7, t([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4]])),
        "MixtureSameFamily": lambda: D.MixtureSameFamily(
            D.Categorical(logits=t([[0.1, 0.5, -0.4], [1.0, 0.0, 0.2]])), D.Normal(loc, scale.expand(2, 3))
        ),
        "MixtureOfIndependent": lambda: D.MixtureSameFamily(
            D.Categorical(t([0.2, 0.8])), D.Independent(D.Normal(cov[:2], 1.0), 1)
        ),
        "MultivariateNormal": lambda: D.MultivariateNormal(loc, cov),
        "MultivariateNormalTril": lambda: D.MultivariateNormal(loc, scale_tril=cov.tril()),
        "MultivariateNormalPrecision": lambda: D.MultivariateNormal(loc, precision_matrix=cov),
    }


ROUNDED = {"Laplace", "LogNormal", "Gumbel", "MultivariateNormal", "MultivariateNormalTril"}
ROUNDED |= {
    "MultivariateNormalPrecision",
    "HalfCauchy",
    "Pareto",
    "Weibull",
}  # float64 cauchy_ noise can differ by an ulp


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("name", sorted(_draw_cases(torch, "float32")))
def test_seeded_draws_match_torch(name, dt):
    """sample/rsample after manual_seed equal torch's, and leave the stream where torch's is."""
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
                res.append((out, T.rand(4, dtype=out.dtype if out.is_floating_point() else None)))
                assert tuple(out.shape) == tuple(d._extended_shape(shape))
                if meth == "sample":
                    assert not out.requires_grad
            if len(res) < 2:
                continue
            (t, t_next), (c, c_next) = res
            assert str(c.dtype) == str(t.dtype)
            np.testing.assert_array_equal(_np(c_next), _np(t_next))  # same number of draws taken
            if name in ROUNDED:
                tol = 1e-6 if dt == "float32" else 1e-14  # a few ulp; absolute near the zeros of loc + scale * g
                np.testing.assert_allclose(_np(c), _np(t), rtol=tol, atol=tol)
            else:
                np.testing.assert_array_equal(_np(c), _np(t))


def test_binomial_draws_both_algorithms_and_flipped_probs():
    """Inversion (n p < 10), BTRS (n p >= 10) and both with p > 0.5 mirrored, over many draws."""
    counts = [3.0, 9.0, 25.0, 60.0, 500.0, 1000.0, 7.0]
    probs = [0.2, 0.95, 0.45, 0.5, 0.03, 0.71, 1.0]
    for dt in ("float32", "float64"):
        out = []
        for T in (torch, C):
            T.manual_seed(5)
            d = T.distributions.Binomial(T.tensor(counts, dtype=getattr(T, dt)), T.tensor(probs, dtype=getattr(T, dt)))
            out.append((d.sample((40,)), T.rand(3)))
        np.testing.assert_array_equal(_np(out[1][0]), _np(out[0][0]))
        np.testing.assert_array_equal(_np(out[1][1]), _np(out[0][1]))


def test_sample_n_warns_and_draws_like_sample():
    res = []
    for T in (torch, C):
        T.manual_seed(2)
        with pytest.warns(FutureWarning):
            res.append(T.distributions.Normal(T.zeros(2), 1.0).sample_n(3))
    np.testing.assert_array_equal(_np(res[1]), _np(res[0]))


# ---- discrete distributions -------------------------------------------------------------------------------------
def test_bernoulli_probs_and_logits():
    def f(T, p, lg):
        D = T.distributions
        x = T.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]], dtype=p.dtype)
        a, b = D.Bernoulli(_prob(T, p)), D.Bernoulli(logits=lg)
        outs = []
        for d in (a, b):
            outs += [d.log_prob(x), d.entropy(), d.mean, d.variance, d.stddev, d.mode, d.probs, d.logits]
            outs += [d.enumerate_support(), d.enumerate_support(False), d.perplexity()]
        return tuple(outs)

    check_op(f, [(2, 3), (3,)])


def test_bernoulli_mode_is_nan_at_one_half_and_extreme_probs():
    for T in (torch, C):
        d = T.distributions.Bernoulli(T.tensor([0.0, 0.5, 1.0, 0.7]))
        np.testing.assert_array_equal(_np(d.mode), [0.0, math.nan, 1.0, 1.0])
    t = torch.distributions.Bernoulli(torch.tensor([0.0, 0.5, 1.0]))
    c = C.distributions.Bernoulli(C.tensor([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(_np(c.log_prob(C.tensor([0.0, 1.0, 1.0]))), _np(t.log_prob(torch.tensor([0.0, 1, 1]))))
    np.testing.assert_allclose(_np(c.entropy()), _np(t.entropy()), atol=1e-7)


def test_geometric():
    def f(T, p):
        d = T.distributions.Geometric(_prob(T, p))
        x = T.tensor([[0.0, 3.0, 1.0], [2.0, 0.0, 7.0]], dtype=p.dtype)
        g = T.distributions.Geometric(logits=p)
        return d.log_prob(x), d.entropy(), d.mean, d.variance, d.mode, g.log_prob(x), g.probs

    check_op(f, [(2, 3)])


@pytest.mark.parametrize("by", ["probs", "logits"])
def test_categorical(by):
    def f(T, p, pick):
        D = T.distributions
        d = D.Categorical(probs=_pos(p)) if by == "probs" else D.Categorical(logits=p)
        x = T.tensor([[0, 3, 1], [2, 2, 0]])
        oh = D.OneHotCategorical(probs=_pos(p)) if by == "probs" else D.OneHotCategorical(logits=p)
        one_hot = T.nn.functional.one_hot(x, 4).to(p.dtype)
        st = D.OneHotCategoricalStraightThrough(logits=p)
        T.manual_seed(3)
        return (
            d.log_prob(x),
            d.log_prob(T.tensor(1)),
            d.entropy(),
            d.probs,
            d.logits,
            d.mode,
            d.mean,
            d.variance,
            d.enumerate_support(),
            d.enumerate_support(False),
            oh.log_prob(one_hot),
            oh.entropy(),
            oh.mean,
            oh.variance,
            oh.mode,
            oh.enumerate_support(),
            st.rsample((2,)) * pick,
        )

    check_op(f, [(3, 4), (2, 3, 4)])


def test_categorical_entropy_with_zero_probability():
    """Zero probabilities contribute 0 (logits clamped to the dtype's min, not -inf * 0 = nan)."""
    probs = [[0.0, 0.25, 0.75], [1.0, 0.0, 0.0]]
    res = [_np(T.distributions.Categorical(T.tensor(probs)).entropy()) for T in (torch, C)]
    np.testing.assert_allclose(res[1], res[0], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(res[1], [-(0.25 * math.log(0.25) + 0.75 * math.log(0.75)), 0.0], atol=2e-7)


def test_poisson():
    def f(T, r):
        d = T.distributions.Poisson(_pos(r))
        x = T.tensor([[0.0, 3.0, 1.0], [2.0, 0.0, 7.0]], dtype=r.dtype)
        return d.log_prob(x), d.mean, d.variance, d.mode

    check_op(f, [(2, 3)], low=-1.0, high=2.5)
    for T in (torch, C):  # rate 0 scores 0 at k = 0 (xlogy)
        np.testing.assert_array_equal(_np(T.distributions.Poisson(T.tensor([0.0])).log_prob(T.tensor([0.0]))), [0.0])
        with pytest.raises(NotImplementedError):
            T.distributions.Poisson(1.0).entropy()


def test_binomial():
    def f(T, p):
        D = T.distributions
        n = T.tensor([[4.0], [10.0]], dtype=p.dtype)
        x = T.tensor([[0.0, 3.0, 4.0], [2.0, 10.0, 7.0]], dtype=p.dtype)
        a, b = D.Binomial(n, _prob(T, p)), D.Binomial(n, logits=p)
        h = D.Binomial(6, _prob(T, p))
        return (
            a.log_prob(x),
            b.log_prob(x),
            a.mean,
            a.variance,
            a.mode,
            b.probs,
            h.entropy(),
            h.enumerate_support(),
            h.enumerate_support(False),
        )

    check_op(f, [(2, 3)])
    for T in (torch, C):
        d = T.distributions.Binomial(T.tensor([2.0, 3.0]), T.tensor([0.5, 0.5]))
        with pytest.raises(NotImplementedError, match="Inhomogeneous total count"):
            d.entropy()


def test_multinomial():
    def f(T, p):
        D = T.distributions
        x = T.tensor([[0.0, 3.0, 1.0, 2.0], [2.0, 2.0, 0.0, 2.0]], dtype=p.dtype)
        a, b = D.Multinomial(6, probs=_pos(p)), D.Multinomial(6, logits=p)
        e = D.Multinomial(3, logits=p[0])
        return a.log_prob(x), b.log_prob(x), a.mean, a.variance, b.probs, e.entropy(), a.expand((3, 2)).log_prob(x)

    check_op(f, [(2, 4)])
    for T in (torch, C):
        with pytest.raises(NotImplementedError, match="inhomogeneous total_count"):
            T.distributions.Multinomial(T.tensor(3), T.ones(2))
        d = T.distributions.Multinomial(4, T.ones(2, 3))
        assert (d.batch_shape, d.event_shape) == ((2,), (3,)) and repr(d.support) == "Multinomial()"


def test_mixture_same_family():
    def f(T, w, a, b, x):
        D = T.distributions
        uni = D.MixtureSameFamily(D.Categorical(logits=w), D.Normal(a, _pos(b)))
        mv = D.MixtureSameFamily(D.Categorical(logits=w[0]), D.Independent(D.Normal(a.unsqueeze(-1) * b, 1.0), 1))
        return (
            uni.log_prob(x),
            uni.cdf(x),
            uni.mean,
            uni.variance,
            mv.log_prob(x.unsqueeze(-1) + b),
            mv.mean,
            mv.variance,
        )

    check_op(f, [(2, 3), (2, 3), (3,), (4, 2)], low=-1.0, high=1.0)
    for T in (torch, C):
        D = T.distributions
        m = D.MixtureSameFamily(D.Categorical(T.ones(3)), D.Normal(T.zeros(2, 3), 1.0))
        assert (m.batch_shape, m.event_shape) == ((2,), ()) and m.expand((4, 2)).batch_shape == (4, 2)
        assert repr(m.support) == "MixtureSameFamilyConstraint(Real())"
        with pytest.raises(ValueError, match="does not equal"):
            D.MixtureSameFamily(D.Categorical(T.ones(2)), D.Normal(T.zeros(3), 1.0))
        with pytest.raises(ValueError, match="needs to be an"):
            D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(T.zeros(3), 1.0))


# ---- multivariate normal ----------------------------------------------------------------------------------------
def _tril(T, m):
    return m.tril(-1) + T.diag_embed(m.diagonal(dim1=-2, dim2=-1).exp())


@pytest.mark.parametrize("param", ["covariance_matrix", "precision_matrix", "scale_tril"])
def test_multivariate_normal(param):
    """All three parameterisations, batch shapes (2,) x (3,) broadcasting, log_prob of a (4, 2, 3) value."""

    def f(T, loc, m, x):
        L = _tril(T, m)
        arg = L if param == "scale_tril" else L @ L.mT
        d = T.distributions.MultivariateNormal(loc, **{param: arg})
        T.manual_seed(4)
        return (
            d.log_prob(x),
            d.entropy(),
            d.mean,
            d.mode,
            d.variance,
            d.stddev,
            d.covariance_matrix,
            d.precision_matrix,
            d.scale_tril,
            d.rsample((2,)),
        )

    check_op(f, [(2, 1, 3), (3, 3), (4, 2, 1, 3)], low=-1.0, high=1.0)


def test_multivariate_normal_batched_factor_and_expand():
    def f(T, loc, m, x):
        d = T.distributions.MultivariateNormal(loc, scale_tril=_tril(T, m))
        e = d.expand((5, 2))
        return d.log_prob(x), e.log_prob(x[:1]), e.entropy(), e.covariance_matrix

    check_op(f, [(3,), (2, 3, 3), (5, 2, 3)], low=-1.0, high=1.0)
    d = C.distributions.MultivariateNormal(C.zeros(2, 3), C.eye(3))
    assert d.batch_shape == (2,) and d.event_shape == (3,) and d.expand((4, 2)).batch_shape == (4, 2)


def test_linalg_helpers_second_order():
    """The Cholesky and triangular-solve derivatives differentiate again (float64 finite differences)."""
    from chainrule.distributions._math import cholesky, solve_triangular

    def chol(T, m):
        return cholesky(m @ m.mT + 3 * T.eye(3, dtype=m.dtype))

    def solve(T, m, b):
        L = _tril(T, m)
        return solve_triangular(L, b, upper=False), solve_triangular(L.mT, b, upper=True, left=True)

    def solve_right(T, m, b):
        return solve_triangular(_tril(T, m), b, upper=False, left=False)

    check_gradcheck(chol, [(2, 3, 3)], gradgrad=True)
    check_gradcheck(solve, [(3, 3), (2, 3, 2)], gradgrad=True)
    check_gradcheck(solve_right, [(3, 3), (2, 3)], gradgrad=True)


def test_special_function_gradients():
    from chainrule.distributions._math import digamma, lgamma, xlogy

    def f(T, x, y):
        x = x.exp()
        if T is torch:
            return torch.lgamma(x), torch.digamma(x), torch.xlogy(x, y.exp()), torch.xlogy(torch.zeros(3), y)
        return lgamma(x), digamma(x), xlogy(x, y.exp()), xlogy(C.zeros(3), y)

    check_op(f, [(3,), (3,)])
    check_gradcheck(lambda T, x: digamma(x.exp()), [(4,)], gradgrad=True)


# ---- shapes, expand, Independent ----------------------------------------------------------------------------------
def test_expand_shapes_and_values():
    def f(T, a, b, x):
        D = T.distributions
        outs = []
        for d in (
            D.Normal(a, _pos(b)),
            D.Laplace(a, _pos(b)),
            D.LogNormal(a, _pos(b)),
            D.Gumbel(a, _pos(b)),
            D.Bernoulli(logits=a),
            D.Exponential(_pos(b)),
            D.Uniform(a, a + _pos(b)),
        ):
            e = d.expand((4, 3))
            assert e.batch_shape == (4, 3) and e.event_shape == ()
            v = T.sigmoid(x) if isinstance(d, D.Bernoulli) else _pos(x)
            if isinstance(d, D.Bernoulli):
                v = (v > 0.5).to(a.dtype)
            elif isinstance(d, D.Uniform):
                v = a + _pos(b) * T.sigmoid(x)
            outs += [e.log_prob(v), e.mean]
        return tuple(outs)

    check_op(f, [(3,), (3,), (4, 3)], low=-1.0, high=1.0)


def test_independent():
    def f(T, a, b, x):
        D = T.distributions
        base = D.Normal(a, _pos(b))
        i1, i2 = D.Independent(base, 1), D.Independent(base, 2)
        e = i1.expand((5, 2))
        T.manual_seed(1)
        outs = (i1.log_prob(x), i2.log_prob(x), i1.entropy(), i2.entropy(), i1.mean, i1.variance)
        return outs + (e.log_prob(x[:1]), i1.rsample())

    check_op(f, [(2, 3), (3,), (4, 2, 3)])
    for T in (torch, C):
        base = T.distributions.Normal(T.zeros(2, 3), 1.0)
        i = T.distributions.Independent(base, 1)
        assert (i.batch_shape, i.event_shape) == ((2,), (3,))
        assert i.expand((5, 2)).batch_shape == (5, 2)
        assert repr(i.support) == "IndependentConstraint(Real(), 1)"
        assert repr(i) == "Independent(Normal(loc: torch.Size([2, 3]), scale: torch.Size([2, 3])), 1)"
        assert i.has_rsample and not i.has_enumerate_support
        assert T.distributions.Independent(T.distributions.Bernoulli(T.ones(2) / 2), 0).has_enumerate_support


def test_sample_shape_and_size_zero():
    for T in (torch, C):
        d = T.distributions.Normal(T.zeros(2, 3), 1.0)
        assert d.sample((4, 0)).shape == (4, 0, 2, 3)
        assert d.log_prob(T.zeros(0, 2, 3)).shape == (0, 2, 3)
        c = T.distributions.Categorical(logits=T.zeros(2, 5))
        assert c.sample((3, 4)).shape == (3, 4, 2) and c.sample().dtype == T.int64


def test_lazy_parameters_keep_gradients_under_no_grad():
    """probs/logits built lazily are computed with gradients enabled, and cached on the instance."""
    for T in (torch, C):
        lg = T.tensor([0.3, -1.0], requires_grad=True)
        with T.no_grad():
            d = T.distributions.Bernoulli(logits=lg)
            p = d.probs
        assert p.requires_grad and d.probs is p and "probs" in d.__dict__
        c = T.distributions.Categorical(logits=lg)
        assert "probs" not in c.__dict__ and c.probs.requires_grad
        scale = T.ones(2)
        n = T.distributions.Normal(lg, scale)
        assert n.loc is lg and n.scale is scale  # same-shape parameters are kept, not re-viewed


def test_subclass_with_own_init_must_define_expand():
    class Shifted(C.distributions.Normal):
        def __init__(self, loc):
            super().__init__(loc, 1.0)

    with pytest.raises(NotImplementedError, match="Subclass Shifted of Normal that defines a custom __init__"):
        Shifted(C.zeros(2)).expand((3, 2))


# ---- validation -------------------------------------------------------------------------------------------------
ERRORS = [
    lambda T: T.distributions.Normal(T.tensor([0.0, math.nan, 1.0]), 1.0),
    lambda T: T.distributions.Normal(T.zeros(3), T.tensor([1.0, -1.0, 2.0])),
    lambda T: T.distributions.Normal(0.0, -1.0),
    lambda T: T.distributions.Normal(0.0, 1.0).log_prob(1.0),
    lambda T: T.distributions.Normal("a", 1.0),
    lambda T: T.distributions.Uniform(0.0, 1.0).log_prob(T.tensor(2.0)),
    lambda T: T.distributions.Uniform(T.zeros(2), T.ones(2)).log_prob(T.zeros(3)),
    lambda T: T.distributions.Uniform(2.0, 1.0),
    lambda T: T.distributions.Bernoulli(T.tensor([0.2, 1.5])),
    lambda T: T.distributions.Bernoulli(T.tensor([0.2]), logits=T.tensor([0.1])),
    lambda T: T.distributions.Bernoulli(T.tensor([0.2])).log_prob(T.tensor([0.5])),
    lambda T: T.distributions.Categorical(T.tensor([0.2, -0.5, 0.3])),
    lambda T: T.distributions.Categorical(T.tensor(0.2)),
    lambda T: T.distributions.Categorical(T.tensor([0.2, 0.8])).log_prob(T.tensor(2)),
    lambda T: T.distributions.OneHotCategorical(T.tensor([0.2, 0.8])).log_prob(T.tensor([1.0, 1.0])),
    lambda T: T.distributions.OneHotCategorical(T.tensor([0.2, 0.8])).log_prob(T.tensor([1.0, 0.0, 0.0])),
    lambda T: T.distributions.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [2.0, 1.0]])),
    lambda T: T.distributions.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [0.0, 1.0]])),
    lambda T: T.distributions.MultivariateNormal(T.zeros(2), scale_tril=T.tensor([[1.0, 2.0], [0.0, 1.0]])),
    lambda T: T.distributions.MultivariateNormal(T.zeros(2), scale_tril=T.tensor([[1.0, 0.0], [0.0, -1.0]])),
    lambda T: T.distributions.MultivariateNormal(T.zeros(2), T.eye(2), scale_tril=T.eye(2)),
    lambda T: T.distributions.MultivariateNormal(T.tensor(0.0), T.eye(2)),
    lambda T: T.distributions.MultivariateNormal(T.zeros(2), T.tensor([[1.0, 2.0], [2.0, 1.0]]), validate_args=False),
    lambda T: T.distributions.Exponential(T.tensor([0.0, 1.0])),
    lambda T: T.distributions.Exponential(T.tensor([1.0, 1.0])).log_prob(T.tensor([-1.0, 1.0])),
    lambda T: T.distributions.Poisson(T.tensor([1.0, 1.0])).log_prob(T.tensor([0.5, 1.0])),
    lambda T: T.distributions.Poisson(T.tensor([-1.0, 1.0])),
    lambda T: T.distributions.Geometric(T.tensor([0.0, 0.5])),
    lambda T: T.distributions.Binomial(T.tensor([3.0, 2.5]), T.tensor([0.5, 0.5])),
    lambda T: T.distributions.Binomial(T.tensor([3.0, 2.0]), T.tensor([0.5, 0.5])).log_prob(T.tensor([4.0, 1.0])),
    lambda T: T.distributions.LogNormal(0.0, -1.0),
    lambda T: T.distributions.LogNormal(0.0, 1.0).log_prob(T.tensor(-1.0)),
    lambda T: T.distributions.HalfNormal(T.tensor([-1.0])),
    lambda T: T.distributions.Independent(T.distributions.Normal(T.zeros(2), 1.0), 2),
    lambda T: T.distributions.Independent(T.distributions.Normal(T.zeros(2, 3), 1.0), 1).log_prob(T.zeros(2, 4)),
    lambda T: T.distributions.Independent(T.distributions.Exponential(T.ones(2, 3)), 1).log_prob(-T.ones(2, 3)),
    lambda T: T.distributions.Gumbel(0.0, 0.0),
    lambda T: T.distributions.Cauchy(0.0, 1.0).log_prob(T.tensor(math.nan)),
    lambda T: T.distributions.Normal(0.0, 1.0).sample(5),
    lambda T: T.distributions.Bernoulli(0.3).rsample(),
    lambda T: T.distributions.Normal(0.0, 1.0).expand((2,)).log_prob(T.zeros(3)),
    lambda T: T.distributions.Uniform(0.0, 1.0).mode,
    lambda T: T.distributions.Categorical(T.ones(3)).expand((2,)).log_prob(T.tensor([0, 1, 2])),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match_torch(i):
    """Same exception type and the same first line of the message (the parameter values follow it)."""
    res = []
    for T in (torch, C):
        try:
            ERRORS[i](T)
            res.append(None)
        except Exception as e:  # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    assert res[1] == res[0]


def test_validation_message_shows_values_and_can_be_switched_off():
    with pytest.raises(ValueError) as ours:
        C.distributions.Normal(C.zeros(3), C.tensor([1.0, -1.0, 2.0]))
    with pytest.raises(ValueError) as theirs:
        torch.distributions.Normal(torch.zeros(3), torch.tensor([1.0, -1.0, 2.0]))
    assert str(ours.value) == str(theirs.value)
    assert C.distributions.Distribution._validate_args is torch.distributions.Distribution._validate_args is True
    C.distributions.Normal(0.0, -1.0, validate_args=False)  # no check
    C.distributions.Distribution.set_default_validate_args(False)
    try:
        d = C.distributions.Normal(0.0, -1.0)
        assert math.isnan(d.log_prob(C.tensor(0.0)).item())
        assert C.distributions.Normal(0.0, 1.0, validate_args=True)._validate_args
    finally:
        C.distributions.Distribution.set_default_validate_args(True)
    with pytest.raises(ValueError):
        C.distributions.Distribution.set_default_validate_args(1.5)
    e = C.distributions.Normal(C.zeros(2), 1.0, validate_args=False).expand((3, 2))
    assert not e._validate_args
    assert e.log_prob(C.zeros(7, 1, 1)).shape == (7, 3, 2)  # no shape check without validation


def test_reprs():
    for T in (torch, C):
        D = T.distributions
        cases = {
            D.Normal(0.0, 1.0): "Normal(loc: 0.0, scale: 1.0)",
            D.Normal(T.zeros(3), 1.0): "Normal(loc: torch.Size([3]), scale: torch.Size([3]))",
            D.Bernoulli(logits=T.zeros(2)): "Bernoulli(logits: torch.Size([2]))",
            D.Uniform(0.0, 2.0): "Uniform(low: 0.0, high: 2.0)",
            D.MultivariateNormal(T.zeros(2), T.eye(2)): (
                "MultivariateNormal(loc: torch.Size([2]), covariance_matrix: torch.Size([2, 2]))"
            ),
            D.LogNormal(0.0, 1.0): "LogNormal()",
        }
        for d, r in cases.items():
            assert repr(d) == r


# ---- constraints ------------------------------------------------------------------------------------------------
def test_constraints_reprs_and_checks():
    values = np.array([[-1.0, 0.0, 0.5], [1.0, 2.0, math.nan]])
    for T in (torch, C):
        K = T.distributions.constraints
        assert repr(K.real) == "Real()" and repr(K.positive) == "GreaterThan(lower_bound=0.0)"
        assert repr(K.unit_interval) == "Interval(lower_bound=0.0, upper_bound=1.0)"
        assert repr(K.integer_interval(0, 3)) == "IntegerInterval(lower_bound=0, upper_bound=3)"
        assert repr(K.nonnegative_integer) == "IntegerGreaterThan(lower_bound=0)"
        assert repr(K.real_vector) == "IndependentConstraint(Real(), 1)" and repr(K.simplex) == "Simplex()"
        assert repr(K.half_open_interval(0, 1)) == "HalfOpenInterval(lower_bound=0, upper_bound=1)"
        assert K.is_dependent(K.dependent) and K.is_dependent(T.distributions.Uniform.support)
        assert K.simplex.event_dim == 1 and K.lower_cholesky.event_dim == 2 and K.boolean.is_discrete
        with pytest.raises(ValueError, match="Cannot determine validity of dependent constraint"):
            K.dependent.check(T.zeros(1))
    v_t, v_c = torch.tensor(values), C.tensor(values)
    tK, cK = torch.distributions.constraints, C.distributions.constraints
    for name in (
        "real",
        "positive",
        "nonnegative",
        "unit_interval",
        "boolean",
        "nonnegative_integer",
        "positive_integer",
        "simplex",
        "real_vector",
        "one_hot",
    ):
        np.testing.assert_array_equal(_np(getattr(cK, name).check(v_c)), _np(getattr(tK, name).check(v_t)), name)
    for make in (
        lambda K: K.greater_than(0.5),
        lambda K: K.greater_than_eq(0.5),
        lambda K: K.less_than(1.0),
        lambda K: K.interval(-1.0, 1.0),
        lambda K: K.half_open_interval(-1.0, 1.0),
        lambda K: K.integer_interval(0, 1),
        lambda K: K.independent(K.positive, 1),
        lambda K: K.cat([K.real, K.positive], dim=-1, lengths=[1, 2]),
        lambda K: K.stack([K.real, K.positive, K.unit_interval], dim=-1),
        lambda K: K.multinomial(2),
    ):
        np.testing.assert_array_equal(_np(make(cK).check(v_c)), _np(make(tK).check(v_t)))
    mats = np.array([[[2.0, 0.5], [0.5, 1.0]], [[1.0, 0.0], [0.3, -1.0]], [[1.0, 2.0], [2.0, 1.0]], [[0, 0], [0, 0.0]]])
    m_t, m_c = torch.tensor(mats), C.tensor(mats)
    for name in (
        "lower_triangular",
        "lower_cholesky",
        "corr_cholesky",
        "square",
        "symmetric",
        "positive_definite",
        "positive_semidefinite",
    ):
        np.testing.assert_array_equal(_np(getattr(cK, name).check(m_c)), _np(getattr(tK, name).check(m_t)), name)


# ---- transforms and TransformedDistribution -------------------------------------------------------------------
def test_transforms():
    def f(T, x, s):
        Tr = T.distributions.transforms
        outs = []
        for t in (
            Tr.ExpTransform(),
            Tr.AffineTransform(0.5, _pos(s)),
            Tr.AffineTransform(-1.0, -2.0),
            Tr.SigmoidTransform(),
            Tr.TanhTransform(),
            Tr.SoftplusTransform(),
            Tr.PowerTransform(_pos(s)),
            Tr.ComposeTransform([Tr.AffineTransform(0.0, 0.5), Tr.SigmoidTransform()]),
            Tr.IndependentTransform(Tr.ExpTransform(), 1),
            Tr.AffineTransform(0.0, _pos(s), event_dim=1),
        ):
            a = x.exp() if isinstance(t, Tr.PowerTransform) else x
            y = t(a)
            outs += [y, t.inv(y), t.log_abs_det_jacobian(a, y), t.inv.log_abs_det_jacobian(y, a)]
        r = Tr.ReshapeTransform((2, 3), (6,))
        return tuple(outs) + (r(x), r.log_abs_det_jacobian(x, r(x)))

    check_op(f, [(2, 3), (3,)], low=-1.0, high=1.0)
    for T in (torch, C):
        Tr = T.distributions.transforms
        e = Tr.ExpTransform()
        assert e.inv.inv is e and repr(e.inv) == "_InverseTransform(ExpTransform())"
        assert Tr.ExpTransform() == Tr.ExpTransform() and e.inv == Tr.ExpTransform().inv
        assert (
            repr(Tr.ComposeTransform([e, Tr.AbsTransform()]))
            == "ComposeTransform(\n    ExpTransform(),\n    AbsTransform()\n)"
        )
        assert Tr.AffineTransform(0.0, -2.0).sign == -1 and Tr.ComposeTransform([e, e.inv]).sign == 1
        assert repr(Tr.TanhTransform().codomain) == "Interval(lower_bound=-1.0, upper_bound=1.0)"
        assert Tr.ReshapeTransform((2, 3), (6,)).forward_shape((4, 2, 3)) == (4, 6)
        c = Tr.ExpTransform(cache_size=1)
        x = T.ones(2)
        assert c(x) is c(x) and c.inv(c(x)) is x
        with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
            Tr.ExpTransform(cache_size=2)


def test_transformed_distribution_logistic():
    """The documented logistic example: Uniform base, inverse sigmoid, affine."""

    def f(T, a, s, x):
        D, Tr = T.distributions, T.distributions.transforms
        base = D.Uniform(T.zeros_like(a), T.ones_like(a))
        d = D.TransformedDistribution(base, [Tr.SigmoidTransform().inv, Tr.AffineTransform(a, _pos(s))])
        T.manual_seed(9)
        return d.log_prob(x), d.cdf(x), d.icdf(T.sigmoid(x)), d.rsample((2,)), d.sample()

    check_op(f, [(3,), (3,), (4, 3)], low=-1.0, high=1.0)
    for T in (torch, C):
        D, Tr = T.distributions, T.distributions.transforms
        d = D.TransformedDistribution(D.Normal(T.zeros(2, 3), 1.0), Tr.ReshapeTransform((2, 3), (6,)))
        assert d.batch_shape == () and d.event_shape == (6,)
        assert repr(d.support) == "IndependentConstraint(Real(), 1)"
        d = D.TransformedDistribution(D.Normal(T.zeros(3), 1.0), [Tr.AffineTransform(T.zeros(2, 1), 1.0)])
        assert d.batch_shape == (2, 3) and d.expand((4, 2, 3)).batch_shape == (4, 2, 3)
        with pytest.raises(ValueError, match="transforms must be a Transform or a list of Transforms"):
            D.TransformedDistribution(D.Normal(0.0, 1.0), [1])


# ---- KL divergence ------------------------------------------------------------------------------------------------
def _kl_pairs(T, a, b):
    D = T.distributions
    s, r = _pos(a), _pos(b)
    p, q = T.sigmoid(a), T.sigmoid(b)
    m = T.stack([a, b, a * b], -1)
    return [
        (D.Normal(a, s), D.Normal(b, r)),
        (D.Bernoulli(p), D.Bernoulli(q)),
        (D.Bernoulli(logits=a), D.Bernoulli(T.tensor([0.0, 1.0, 0.5], dtype=a.dtype))),
        (D.Categorical(logits=m), D.Categorical(probs=m.exp())),
        (D.OneHotCategorical(logits=m), D.OneHotCategorical(logits=m * 2)),
        (D.Exponential(s), D.Exponential(r)),
        (D.Laplace(a, s), D.Laplace(b, r)),
        (D.Cauchy(a, s), D.Cauchy(b, r)),
        (D.Gumbel(a, s), D.Gumbel(b, r)),
        (D.Geometric(p), D.Geometric(q)),
        (D.HalfNormal(s), D.HalfNormal(r)),
        (D.Poisson(s), D.Poisson(r)),
        (D.Uniform(a, a + s), D.Uniform(a - r, a + s + r)),
        (D.Uniform(a, a + s), D.Uniform(b, b + r)),
        (D.Binomial(5, p), D.Binomial(5, q)),
        (D.LogNormal(a, s), D.LogNormal(b, r)),
        (D.Independent(D.Normal(m, 1.0), 1), D.Independent(D.Normal(m * 2, 2.0), 1)),
        (D.Bernoulli(p), D.Poisson(r)),
        (D.Exponential(s), D.Normal(a, r)),
        (D.Exponential(s), D.Gumbel(a, r)),
        (D.Gumbel(a, s), D.Normal(b, r)),
        (D.Laplace(a, s), D.Normal(b, r)),
        (D.Normal(a, s), D.Gumbel(b, r)),
        (D.Normal(a, s), D.Laplace(b, r)),
        (D.Uniform(a, a + s), D.Normal(b, r)),
        (D.Uniform(a, a + s), D.Gumbel(b, r)),
        (D.Uniform(s, s + 1), D.Exponential(r)),
        (D.Uniform(a, a + 1), D.Exponential(r)),
        (D.Normal(a, s), D.Uniform(b, b + r)),
        (D.Exponential(s), D.Uniform(b, b + r)),
        (D.Laplace(a, s), D.Exponential(r)),
        (D.Gumbel(a, s), D.Uniform(b, b + r)),
        (D.Poisson(s), D.Binomial(3, q)),
        (D.Pareto(s, r + 2), D.Pareto(s / 2, r + 1)),
        (D.Pareto(s, r + 2), D.Pareto(s * 2, r + 1)),
        (D.Pareto(s, r + 0.5), D.Exponential(r)),
        (D.Pareto(s, r + 1.5), D.Normal(a, r)),
        (D.Pareto(s, r), D.Uniform(a, a + r)),
        (D.Uniform(s + 1, s + 2), D.Pareto(s / 2, r)),
        (D.Uniform(a, a + 1), D.Pareto(s, r)),
        (D.Normal(a, s), D.Pareto(s, r)),
        (D.Exponential(s), D.Pareto(s, r)),
        (D.Laplace(a, s), D.Pareto(s, r)),
        (D.Gumbel(a, s), D.Pareto(s, r)),
        (D.Weibull(s, r + 1), D.Weibull(s, r + 1)),
        (D.Gumbel(a, s), D.Exponential(r)),
        (D.Laplace(a, s), D.Uniform(b, b + r)),
        (D.Normal(a, s), D.Exponential(r)),
        (D.Poisson(s), D.Bernoulli(q)),
    ]


@pytest.mark.parametrize("i", range(len(_kl_pairs(torch, torch.zeros(3), torch.zeros(3)))))
def test_kl_divergence_pairs(i):
    """Values (inf where supports differ) and gradients for both distributions' parameters."""

    def f(T, a, b):
        p, q = _kl_pairs(T, a, b)[i]
        return T.distributions.kl_divergence(p, q)

    check_op(f, [(3,), (3,)], low=-1.0, high=1.0)


def test_kl_multivariate_normal():
    """Batch shapes (2,) and () broadcast; every parameter of both factors receives its gradient."""

    def f(T, l1, m1, l2, m2):
        D = T.distributions
        p = D.MultivariateNormal(l1, scale_tril=_tril(T, m1))
        q = D.MultivariateNormal(l2, covariance_matrix=_tril(T, m2) @ _tril(T, m2).mT)
        return D.kl_divergence(p, q), D.kl_divergence(q, p)

    check_op(f, [(2, 3), (3, 3), (3,), (2, 3, 3)], low=-1.0, high=1.0)
    for T in (torch, C):
        D = T.distributions
        with pytest.raises(ValueError, match="different event shapes"):
            D.kl_divergence(D.MultivariateNormal(T.zeros(2), T.eye(2)), D.MultivariateNormal(T.zeros(3), T.eye(3)))


def test_kl_exponential_family_bregman_and_entropy():
    from torch.distributions import kl as tkl

    from chainrule.distributions import kl as ckl

    def f(T, a, b):
        D = T.distributions
        kl = tkl if T is torch else ckl
        p, q = D.Normal(a, _pos(a)), D.Normal(b, _pos(b))
        e = D.ExponentialFamily.entropy(p)
        return kl._kl_expfamily_expfamily(p, q), e, D.ExponentialFamily.entropy(D.Exponential(_pos(b)))

    check_op(f, [(3,), (3,)], low=-1.0, high=1.0)


def test_kl_registry_dispatch_and_errors():
    D = C.distributions
    with pytest.raises(NotImplementedError, match="No KL\\(p \\|\\| q\\) is implemented for p type Normal"):
        D.kl_divergence(D.Normal(0.0, 1.0), D.Categorical(C.ones(2)))

    class MyNormal(D.Normal):
        pass

    p, q = MyNormal(0.0, 1.0), D.Normal(1.0, 2.0)
    np.testing.assert_allclose(_np(D.kl_divergence(p, q)), _np(D.kl_divergence(D.Normal(0.0, 1.0), q)))

    @D.register_kl(MyNormal, D.Normal)
    def _mine(p, q):
        return C.tensor(-1.0)

    assert D.kl_divergence(p, q).item() == -1.0
    with pytest.raises(NotImplementedError, match="q.total_count > p.total_count"):
        D.kl_divergence(D.Binomial(2, C.tensor(0.5)), D.Binomial(3, C.tensor(0.5)))

    class A(D.Normal):
        pass

    class B(D.Normal):
        pass

    D.register_kl(A, D.Normal)(lambda p, q: C.tensor(1.0))
    D.register_kl(D.Normal, B)(lambda p, q: C.tensor(2.0))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        D.kl_divergence(A(0.0, 1.0), B(0.0, 1.0))
    assert any("Ambiguous kl_divergence(A, B)" in str(x.message) for x in w)


def test_kl_infinite_support_mismatch():
    for T in (torch, C):
        D = T.distributions
        kl = D.kl_divergence(D.Uniform(T.tensor([0.0, 0.0]), 1.0), D.Uniform(T.tensor([0.5, -1.0]), 2.0))
        np.testing.assert_allclose(_np(kl), [math.inf, math.log(3.0)], rtol=1e-6)
        kl = D.kl_divergence(D.Bernoulli(T.tensor([0.5, 0.0])), D.Bernoulli(T.tensor([1.0, 0.3])))
        np.testing.assert_allclose(_np(kl), [math.inf, -math.log(0.7)], rtol=1e-6)
