"""torch.utils.checkpoint: recomputed backward gives the gradients an uncheckpointed run gives, as torch."""

import warnings

import numpy as np
import pytest
import torch

import chainrule


def _np(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t.detach()._data)


def _model(T):
    T.manual_seed(0)
    return T.nn.Sequential(T.nn.Linear(4, 8), T.nn.Tanh(), T.nn.Dropout(0.3), T.nn.Linear(8, 8), T.nn.ReLU())


def _run(T, reentrant, x_grad=True):
    from importlib import import_module

    ckpt = import_module(T.__name__ + ".utils.checkpoint")
    model = _model(T)
    x = T.tensor(np.linspace(-1, 1, 12).reshape(3, 4).astype("f"), requires_grad=x_grad)
    T.manual_seed(5)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        mid = ckpt.checkpoint(lambda t: model[2](model[1](model[0](t))), x, use_reentrant=reentrant)
    out = model[4](model[3](mid))
    (out * T.arange(8.0)).sum().backward()
    after = T.rand(2)  # the recomputation must leave the stream where the forward left it
    grads = [_np(p.grad) if p.grad is not None else None for p in model.parameters()]
    return _np(out), grads, _np(x.grad) if x.grad is not None else None, _np(after), [str(m.message) for m in w]


@pytest.mark.parametrize("reentrant", [True, False, None])
def test_checkpoint_gradients_match_torch(reentrant):
    ours, theirs = _run(chainrule, reentrant), _run(torch, reentrant)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5, atol=1e-6)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours[2], theirs[2], rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours[3], theirs[3])
    assert [m[:60] for m in ours[4]] == [m[:60] for m in theirs[4]]


@pytest.mark.parametrize("reentrant", [True, False])
def test_checkpoint_without_input_grad(reentrant):
    # reentrant: parameters inside get no gradient and the output does not require grad (torch's pitfall);
    # non-reentrant: the parameters still get theirs
    ours, theirs = _run(chainrule, reentrant, x_grad=False), _run(torch, reentrant, x_grad=False)
    for a, b in zip(ours[1], theirs[1]):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert ours[2] is None and theirs[2] is None
    assert ours[4] == theirs[4]


def test_non_reentrant_autograd_grad_reaches_parameters():
    for T in (torch, chainrule):
        from importlib import import_module

        ckpt = import_module(T.__name__ + ".utils.checkpoint")
        lin = T.nn.Linear(3, 2)
        x = T.ones(4, 3)
        y = ckpt.checkpoint(lambda t, lin=lin: lin(t).sigmoid(), x, use_reentrant=False)
        (gw,) = T.autograd.grad(y.sum(), [lin.weight])
        assert tuple(gw.shape) == (2, 3)


def test_checkpoint_sequential_matches_torch():
    res = []
    for T in (torch, chainrule):
        from importlib import import_module

        ckpt = import_module(T.__name__ + ".utils.checkpoint")
        T.manual_seed(1)
        seq = T.nn.Sequential(*[T.nn.Linear(5, 5) if i % 2 == 0 else T.nn.GELU() for i in range(7)])
        x = T.tensor(np.linspace(-2, 2, 10).reshape(2, 5).astype("f"), requires_grad=True)
        out = ckpt.checkpoint_sequential(seq, 3, x, use_reentrant=False)
        out.pow(2).sum().backward()
        res.append([_np(out), _np(x.grad)] + [_np(p.grad) for p in seq.parameters()])
    for a, b in zip(*res):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_checkpoint_node_and_errors():
    from chainrule.utils.checkpoint import checkpoint

    x = chainrule.ones(2, requires_grad=True)
    y = checkpoint(lambda t: t * 2, x, use_reentrant=True)
    assert y.grad_fn.name() == "CheckpointFunctionBackward"
    with pytest.raises(ValueError, match="Unexpected keyword arguments"):
        checkpoint(lambda t: t, x, use_reentrant=True, bogus=1)
