"""nn.utils: gradient clipping and parameter vectors against torch."""

import math

import numpy as np
import pytest
import torch

import chainrule
from chainrule import nn


def _models_with_grads(scale=1.0):
    t = torch.nn.Sequential(torch.nn.Linear(5, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    c = nn.Sequential(nn.Linear(5, 4), nn.Tanh(), nn.Linear(4, 2))
    c.load_state_dict(t.state_dict())
    x = np.random.default_rng(0).standard_normal((6, 5)).astype("f") * scale
    (t(torch.tensor(x)) ** 2).sum().backward()
    (c(chainrule.tensor(x)) ** 2).sum().backward()
    return t, c


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, "inf"])
@pytest.mark.parametrize("max_norm", [0.1, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    t, c = _models_with_grads()
    nt = torch.nn.utils.clip_grad_norm_(t.parameters(), max_norm, norm_type=float(norm_type))
    nc = nn.utils.clip_grad_norm_(c.parameters(), max_norm, norm_type=norm_type)
    assert isinstance(nc, chainrule.Tensor) and nc.dtype == chainrule.float32 and nc.dim() == 0
    np.testing.assert_allclose(nc.item(), nt.item(), rtol=1e-5)
    for pt, pc in zip(t.parameters(), c.parameters()):
        np.testing.assert_allclose(pc.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-7)


def test_clip_grad_norm_edge_cases():
    p = nn.Parameter(chainrule.ones(3))
    assert nn.utils.clip_grad_norm_([p], 1.0).item() == 0.0
    p.grad = chainrule.tensor([3.0, 4.0, 0.0])
    assert nn.utils.clip_grad_norm_(p, 1.0).item() == pytest.approx(5.0)
    np.testing.assert_allclose(p.grad.numpy(), np.array([3, 4, 0]) / (5 + 1e-6), rtol=1e-6)
    p.grad = chainrule.tensor([float("nan"), 1.0, 0.0])
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is non-finite"):
        nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    q = nn.Parameter(chainrule.ones(2, dtype=chainrule.float64))
    q.grad = chainrule.tensor([1.0, 1.0], dtype=chainrule.float64)
    assert nn.utils.clip_grad_norm_([q], 10.0).dtype == chainrule.float64
    total = nn.utils.get_total_norm([chainrule.tensor([3.0]), chainrule.tensor([4.0])])
    assert total.item() == pytest.approx(5.0)


def test_clip_grad_value_matches_torch():
    t, c = _models_with_grads(scale=3.0)
    torch.nn.utils.clip_grad_value_(t.parameters(), 0.5)
    nn.utils.clip_grad_value_(c.parameters(), 0.5)
    for pt, pc in zip(t.parameters(), c.parameters()):
        np.testing.assert_allclose(pc.grad.numpy(), pt.grad.numpy(), rtol=1e-5, atol=1e-7)
        assert np.abs(pc.grad.numpy()).max() <= 0.5


def test_parameters_vector_round_trip():
    t, c = _models_with_grads()
    vt = torch.nn.utils.parameters_to_vector(t.parameters())
    vc = nn.utils.parameters_to_vector(c.parameters())
    np.testing.assert_allclose(vc.detach().numpy(), vt.detach().numpy())
    c.zero_grad()
    g = np.arange(vc.numel(), dtype="f")
    vc.backward(chainrule.tensor(g))
    got = np.concatenate([p.grad.numpy().ravel() for p in c.parameters()])
    np.testing.assert_array_equal(got, g)
    new = chainrule.arange(vc.numel(), dtype=chainrule.float32)
    w = c[0].weight
    nn.utils.vector_to_parameters(new, c.parameters())
    assert c[0].weight is w
    np.testing.assert_array_equal(c[2].bias.detach().numpy(), new.numpy()[-2:])
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1, 2], c.parameters())
