"""nn.init: gains, fans, exact deterministic initialisers vs torch, distribution checks for random ones."""

import math

import numpy as np
import pytest
import torch

import chainrule
from chainrule import nn


def test_calculate_gain_matches_torch():
    cases = [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
             ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 3), ("selu", None)]  # fmt: skip
    for name, p in cases:
        assert nn.init.calculate_gain(name, p) == pytest.approx(torch.nn.init.calculate_gain(name, p), rel=1e-15)
    with pytest.raises(ValueError, match="Unsupported nonlinearity foo"):
        nn.init.calculate_gain("foo")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        nn.init.calculate_gain("leaky_relu", True)


@pytest.mark.parametrize("shape", [(3, 4), (5, 2, 3), (4, 3, 2, 5), (2, 2, 1, 1, 3)])
def test_fans_match_torch(shape):
    ours = nn.init._calculate_fan_in_and_fan_out(chainrule.empty(*shape))
    assert ours == torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        nn.init._calculate_fan_in_and_fan_out(chainrule.empty(3))


def test_deterministic_initialisers_match_torch():
    for shape in [(3, 5), (5, 3)]:
        np.testing.assert_array_equal(nn.init.eye_(chainrule.empty(*shape)).numpy(),
                                      torch.nn.init.eye_(torch.empty(*shape)).numpy())  # fmt: skip
    for shape, groups in [((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 4, 3, 3, 3), 1)]:
        np.testing.assert_array_equal(nn.init.dirac_(chainrule.empty(*shape), groups).numpy(),
                                      torch.nn.init.dirac_(torch.empty(*shape), groups).numpy())  # fmt: skip
    assert np.all(nn.init.constant_(chainrule.empty(2, 3), 0.7).numpy() == np.float32(0.7))
    assert np.all(nn.init.ones_(chainrule.empty(2)).numpy() == 1) and np.all(
        nn.init.zeros_(chainrule.ones(2)).numpy() == 0
    )
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.eye_(chainrule.empty(2, 2, 2))
    with pytest.raises(ValueError, match="Only tensors with 3, 4, or 5 dimensions are supported"):
        nn.init.dirac_(chainrule.empty(2, 2))


def test_init_on_parameters_stays_leaf_and_in_place():
    lin = nn.Linear(20, 30)
    w = lin.weight
    for fn in (nn.init.xavier_uniform_, nn.init.kaiming_normal_, nn.init.orthogonal_, nn.init.zeros_):
        assert fn(lin.weight) is w
        assert w.is_leaf and w.requires_grad and w.grad_fn is None
    assert w._version > 0


def _stats(fn, shape=(400, 300), dtype=None):
    chainrule.manual_seed(0)
    t = chainrule.empty(*shape, dtype=dtype)
    return fn(t).numpy()


def test_random_initialisers_distributions():
    a = _stats(lambda t: nn.init.uniform_(t, -2, 3))
    assert a.min() >= -2 and a.max() < 3 and abs(a.mean() - 0.5) < 0.02 and abs(a.std() - 5 / math.sqrt(12)) < 0.02
    n = _stats(lambda t: nn.init.normal_(t, 1.0, 0.5))
    assert abs(n.mean() - 1) < 0.01 and abs(n.std() - 0.5) < 0.01
    fan_in, fan_out = 300, 400
    xu = _stats(lambda t: nn.init.xavier_uniform_(t, gain=2.0))
    bound = 2.0 * math.sqrt(6 / (fan_in + fan_out))
    assert np.abs(xu).max() <= bound and np.abs(xu).max() > 0.99 * bound
    xn = _stats(nn.init.xavier_normal_)
    assert abs(xn.std() - math.sqrt(2 / (fan_in + fan_out))) < 0.002
    ku = _stats(lambda t: nn.init.kaiming_uniform_(t, a=0, nonlinearity="relu"))
    kb = math.sqrt(2) * math.sqrt(3 / fan_in)
    assert np.abs(ku).max() <= kb and np.abs(ku).max() > 0.99 * kb
    kn = _stats(lambda t: nn.init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"))
    assert abs(kn.std() - math.sqrt(2 / fan_out)) < 0.002
    d64 = _stats(nn.init.kaiming_uniform_, dtype=chainrule.float64)
    assert d64.dtype == np.float64
    with pytest.raises(ValueError, match=r"Mode fan_avg not supported, please use one of \['fan_in', 'fan_out'\]"):
        nn.init.kaiming_uniform_(chainrule.empty(2, 2), mode="fan_avg")
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        nn.init.kaiming_uniform_(chainrule.empty(0, 3))


def test_trunc_normal():
    t = _stats(lambda x: nn.init.trunc_normal_(x, mean=0.5, std=1.0, a=-1.0, b=1.5))
    assert t.min() >= -1.0 and t.max() <= 1.5
    ref = torch.empty(400, 300)
    torch.manual_seed(0)
    torch.nn.init.trunc_normal_(ref, mean=0.5, std=1.0, a=-1.0, b=1.5)
    # same truncated distribution: compare moments with torch's sample
    assert abs(t.mean() - ref.mean().item()) < 0.01 and abs(t.std() - ref.std().item()) < 0.01
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        nn.init.trunc_normal_(chainrule.empty(3), mean=10.0)


@pytest.mark.parametrize("shape", [(5, 5), (3, 7), (7, 3), (4, 2, 3)])
def test_orthogonal(shape):
    chainrule.manual_seed(0)
    w = nn.init.orthogonal_(chainrule.empty(*shape), gain=2.0).numpy().reshape(shape[0], -1)
    r, c = w.shape
    gram = w @ w.T if r <= c else w.T @ w
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(r, c)), atol=1e-5)
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        nn.init.orthogonal_(chainrule.empty(3))


def test_sparse():
    chainrule.manual_seed(0)
    w = nn.init.sparse_(chainrule.empty(10, 6), sparsity=0.3, std=0.5).numpy()
    assert np.all((w == 0).sum(axis=0) == math.ceil(0.3 * 10))
    with pytest.raises(ValueError, match="Only tensors with 2 dimensions are supported"):
        nn.init.sparse_(chainrule.empty(3), 0.1)


def test_deprecated_aliases_warn():
    with pytest.warns(FutureWarning, match="nn.init.uniform.* is now deprecated in favor of .*nn.init.uniform_"):
        nn.init.uniform(chainrule.empty(2))
