"""torch._standard_gamma / _sample_dirichlet and their gradients against torch: after the same seed the same
draws bit for bit, and the generator left where torch leaves it."""

import ctypes
import ctypes.util
import warnings

import numpy as np
import pytest
import torch

import chainrule
from chainrule import _rng_math as RM

ALPHAS = [0.1, 0.5, 1.0, 2.5, 10.0, 1000.0]
SHAPES = [(), (1,), (7,), (3, 5), (64,)]


def _np(x):
    return x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.detach()._data)


def assert_same(ours, theirs):
    a, b = _np(ours), _np(theirs)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_array_equal(a, b)


def both(fn, seed=3, pre=0):
    """fn(T) after manual_seed (and ``pre`` serial float64 normals, which leave a cached second value);
    the results and the next draws of the stream must be identical."""
    res = []
    for T in (torch, chainrule):
        T.manual_seed(seed)
        if pre:
            T.randn(pre, dtype=T.float64)
        out = fn(T)
        res.append((out, T.rand(3, dtype=T.float64), T.randn(1, dtype=T.float64)))
    for ours, theirs in zip(res[1], res[0]):
        assert_same(ours, theirs)
    return res


def same_errors(exprs):
    for expr in exprs:
        errs = []
        for T in (torch, chainrule):
            with pytest.raises((RuntimeError, NotImplementedError, TypeError)) as e, warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(expr, {"T": T})  # noqa: S307
            errs.append((e.type, str(e.value).split("\n")[0]))
        assert errs[1] == errs[0], expr


# ---- _standard_gamma ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("alpha", ALPHAS)
def test_standard_gamma_bits_and_stream(dtype, alpha):
    for shape in SHAPES:
        for pre in (0, 1):
            both(lambda T, s=shape: T._standard_gamma(T.full(s, alpha, dtype=getattr(T, dtype))), pre=pre)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standard_gamma_mixed_alphas_long_run(dtype):
    """Per-element alphas (boosted and not) over a long run: each element's variable number of draws
    decides where the next one starts."""
    a = np.random.default_rng(0).choice([0.05, 0.3, 0.9, 1.0, 1.7, 4.0, 50.0, 3e4], size=(40, 50))
    both(lambda T: T._standard_gamma(T.tensor(a, dtype=getattr(T, dtype))), pre=3)


def test_draw_ahead_runs_hand_over_the_stream(monkeypatch):
    """Runs of a few elements each (instead of 2^16) rewind and redraw at every boundary and carry the
    cached normal across: the draws are the same."""
    import chainrule._random as R

    monkeypatch.setattr(R, "_GAMMA_CHUNK", 5)
    a = np.random.default_rng(6).choice([0.2, 1.0, 3.0], size=37)
    both(lambda T: T._standard_gamma(T.tensor(a)), pre=1)
    both(lambda T: T._sample_dirichlet(T.tensor(a.reshape(-1, 1) * [1.0, 2.0, 0.5])), pre=1)


def test_standard_gamma_visits_elements_in_c_order():
    """Expanded and transposed alphas are sampled in the C order of the result."""
    a = np.array([[0.3, 2.0, 7.0], [1.0, 0.6, 40.0]])
    both(lambda T: T._standard_gamma(T.tensor(a).t()))
    both(lambda T: T._standard_gamma(T.tensor(a[0]).expand(4, 3)))
    both(lambda T: T._standard_gamma(T.tensor(a, dtype=T.float32)[:, ::2]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standard_gamma_edge_alphas(dtype):
    """0 draws nothing, NaN and the invalid alphas end at the smallest normal number, inf stays inf,
    tiny alphas underflow to the clamp."""
    vals = [0.0, float("nan"), float("inf"), -0.5, -2.0, -float("inf"), 1e-30, 1e-5, 0.001, 2.0]
    both(lambda T: T._standard_gamma(T.tensor(vals, dtype=getattr(T, dtype))), pre=1)
    both(lambda T: T._standard_gamma(T.zeros(0, 3, dtype=getattr(T, dtype))))


def test_standard_gamma_generator_argument_and_default_stream_untouched():
    res = []
    for T in (torch, chainrule):
        T.manual_seed(1)
        g = T.Generator().manual_seed(9)
        x = T._standard_gamma(T.full((20,), 0.7), generator=g)
        res.append((x, T.rand(2), T._standard_gamma(T.full((5,), 3.0), generator=g)))
    for ours, theirs in zip(res[1], res[0]):
        assert_same(ours, theirs)


def test_standard_gamma_errors():
    same_errors(
        [
            "T._standard_gamma(T.ones(2, dtype=T.int64))",
            "T._standard_gamma(T.ones(2, dtype=T.float16))",
            "T._standard_gamma(T.ones(2, dtype=T.bool))",
            "T._sample_dirichlet(T.ones(2, dtype=T.int32))",
            "T._standard_gamma_grad(T.ones(2, dtype=T.uint8), T.ones(2, dtype=T.uint8))",
            "T._standard_gamma_grad(T.ones(2), T.ones(2, dtype=T.float64))",
            "T._standard_gamma_grad(T.ones(2), T.ones(3))",
            "T._dirichlet_grad(T.ones(2), T.ones(2, dtype=T.float64), T.ones(2))",
            "T._dirichlet_grad(T.ones(2), T.ones(3), T.ones(2))",
            "T._dirichlet_grad(T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64), T.ones(2, dtype=T.int64))",
        ]
    )


# ---- _sample_dirichlet -------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sample_dirichlet_bits_and_stream(dtype):
    """float64 gamma draws, normalised by torch's cascade sum (vector lanes, interleaved accumulators),
    cast back and kept inside [tiny, 1)."""
    rng = np.random.default_rng(1)
    for shape in [(2,), (5, 2), (4, 3), (2, 3, 7), (3, 9), (2, 17), (33,), (2, 100), (1,), ()]:
        a = rng.choice([0.01, 0.2, 1.0, 3.0, 80.0], size=shape)
        both(lambda T, a=a: T._sample_dirichlet(T.tensor(a, dtype=getattr(T, dtype))), pre=1)
    for shape in [(2, 0), (0, 3)]:
        both(lambda T, s=shape: T._sample_dirichlet(T.ones(s, dtype=getattr(T, dtype))))
    both(lambda T: T._sample_dirichlet(T.tensor([[2.0, 3.0], [1.0, 1.0]]).t()))


def test_cascade_sum_matches_torch_sum():
    rng = np.random.default_rng(2)
    for k in list(range(1, 40)) + [63, 64, 65, 127, 257, 1000, 4099]:
        for rows in (1, 3, 10):
            g = rng.gamma(0.3, size=(rows, k)) * 10.0 ** rng.integers(-5, 5, size=(rows, k))
            np.testing.assert_array_equal(RM.cascade_sum_last(g), torch.from_numpy(g).sum(-1, True).numpy())


def test_logf_rounds_like_the_c_library():
    name = ctypes.util.find_library("m")
    libm = ctypes.CDLL(name)
    libm.logf.restype = ctypes.c_float
    libm.logf.argtypes = [ctypes.c_float]
    rng = np.random.default_rng(3)
    x = np.concatenate([np.exp(rng.uniform(-103, 88, 20000)), [1.0, 2.0, 0.5, 10.0, 1e-45, 0.0, -1.0, np.inf]])
    x = x.astype(np.float32)
    want = np.array([libm.logf(float(v)) for v in x], dtype=np.float32)
    got = RM.logf(x)
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


# ---- gradients -----------------------------------------------------------------------------------------
def _alpha_grid(dtype):
    rng = np.random.default_rng(4)
    a = np.concatenate([rng.uniform(0.01, 1, 300), rng.uniform(1, 8, 300), rng.uniform(8, 3000, 300)])
    return a.astype(dtype)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standard_gamma_grad_all_regions(dtype):
    """Taylor series (x < 0.8), saddle point near and away from x = alpha (alpha > 8), rational fit."""
    a = _alpha_grid(dtype)
    ta = torch.from_numpy(a)
    torch.manual_seed(0)
    xs = [torch._standard_gamma(ta), ta * torch.from_numpy(np.linspace(0.5, 1.5, a.size).astype(dtype))]
    for x in xs:
        want = torch._standard_gamma_grad(ta, x)
        got = chainrule._standard_gamma_grad(chainrule.from_numpy(a), chainrule.from_numpy(x.numpy()))
        assert got.dtype == chainrule.float32 if dtype == "float32" else chainrule.float64
        if dtype == "float32":  # float64 arithmetic throughout, then rounded
            np.testing.assert_array_equal(_np(got), _np(want))
        else:  # pow is the only step that can differ (by an ulp) from the C library's
            np.testing.assert_allclose(_np(got), _np(want), rtol=1e-13, atol=0)
    with warnings.catch_warnings():  # torch warns that it resizes its output to the broadcast shape
        warnings.simplefilter("ignore")
        want = torch._standard_gamma_grad(torch.ones(2, 1), torch.full((3,), 0.5))
    assert_same(chainrule._standard_gamma_grad(chainrule.ones(2, 1), chainrule.full((3,), 0.5)), want)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dirichlet_grad_all_regions(dtype):
    """Near 0, near 1, both concentrations large, and the rational correction elsewhere."""
    a = _alpha_grid(dtype)
    conc = np.stack([a, a[::-1] * 0.7 + 0.05], -1)
    tc = torch.from_numpy(conc)
    torch.manual_seed(1)
    x = torch._sample_dirichlet(tc)
    total = tc.sum(-1, True).expand_as(tc).contiguous()
    want = torch._dirichlet_grad(x, tc, total)
    got = chainrule._dirichlet_grad(*(chainrule.from_numpy(v.numpy()) for v in (x, tc, total)))
    tol = 1e-6 if dtype == "float32" else 1e-13  # float32 powf may differ by an ulp
    np.testing.assert_allclose(_np(got), _np(want), rtol=tol, atol=0)
    assert got.dtype == chainrule.float32 if dtype == "float32" else chainrule.float64


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_standard_gamma_backward(dtype):
    a = np.array([[0.2, 0.9, 1.5], [4.0, 12.0, 600.0]], dtype=dtype)
    g = np.random.default_rng(5).standard_normal(a.shape).astype(dtype)
    res = []
    for T in (torch, chainrule):
        T.manual_seed(2)
        ta = T.tensor(a, requires_grad=True)
        x = T._standard_gamma(ta)
        assert x.grad_fn.name() == "StandardGammaBackward0"
        (x * T.tensor(g)).sum().backward()
        res.append((x, ta.grad))
    assert_same(res[1][0], res[0][0])
    np.testing.assert_allclose(_np(res[1][1]), _np(res[0][1]), rtol=1e-6 if dtype == "float32" else 1e-13)


def test_non_differentiable_steps_raise_like_torch():
    for T in (torch, chainrule):
        a = T.tensor([0.5, 2.0], requires_grad=True)
        x = T._standard_gamma(a)
        (g,) = T.autograd.grad(x.sum(), a, create_graph=True)
        with pytest.raises(NotImplementedError, match="the derivative for '_standard_gamma_grad' is not implemented"):
            T.autograd.grad(g.sum(), a)
        y = T._sample_dirichlet(a)
        with pytest.raises(RuntimeError, match="derivative for aten::_sample_dirichlet is not implemented"):
            y.sum().backward()
        z = T._dirichlet_grad(T.tensor([0.3, 0.7]), a, a.sum().expand(2))
        with pytest.raises(RuntimeError, match="derivative for aten::_dirichlet_grad is not implemented"):
            z.sum().backward()
