"""The errors users file issues about, made actionable: torch's exception type, plus the layer, the
shape or node involved and what to do about it (USER-ASKS part C)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import torch

import chainrule

LIBS = (torch, chainrule)


def _raises_like_torch(fn):
    """Run ``fn(T)`` under both libraries; both must raise the same type. Returns chainrule's message."""
    excs = []
    for T in LIBS:
        T.manual_seed(0)
        with pytest.raises(Exception) as ei:
            fn(T)
        excs.append(ei.value)
    assert type(excs[1]) is type(excs[0]), f"chainrule {type(excs[1]).__name__}: {excs[1]}; torch {excs[0]!r}"
    return str(excs[1])


# ---- layer shape mismatches name the layer and the dimension -----------------------------------------
@pytest.mark.parametrize(
    "shape, rows",
    [((2708, 7), 2708), ((7,), 1), ((2, 5, 7), 10)],
)
def test_linear_mismatch_names_module_and_dimension(shape, rows):
    msg = _raises_like_torch(lambda T: T.nn.Linear(256, 128)(T.ones(*shape)))
    assert msg.startswith(f"Linear(in_features=256, out_features=128, bias=True) got input of shape {shape}")
    assert "last dim 7 != in_features 256" in msg
    assert f"mat1 and mat2 shapes cannot be multiplied ({rows}x7 and 256x128)" in msg


def test_linear_mismatch_inside_a_model_names_the_layer():
    msg = _raises_like_torch(
        lambda T: T.nn.Sequential(T.nn.Linear(4, 8), T.nn.ReLU(), T.nn.Linear(16, 2))(T.ones(3, 4))
    )
    assert "Linear(in_features=16, out_features=2, bias=True) got input of shape (3, 8)" in msg
    assert "last dim 8 != in_features 16" in msg


def test_linear_check_follows_the_weight_not_a_stale_attribute():
    m = chainrule.nn.Linear(4, 2)
    m.weight = chainrule.nn.Parameter(chainrule.ones(2, 3))
    assert m(chainrule.ones(5, 3)).shape == (5, 2)


def test_linear_matching_input_is_untouched_and_functional_keeps_torchs_text():
    for T in LIBS:
        assert tuple(T.nn.Linear(3, 2)(T.ones(4, 3)).shape) == (4, 2)
    msg = _raises_like_torch(lambda T: T.nn.functional.linear(T.ones(2, 7), T.ones(128, 256)))
    assert msg == "mat1 and mat2 shapes cannot be multiplied (2x7 and 256x128)"


@pytest.mark.parametrize(
    "make, shape, expect",
    [
        (lambda T: T.nn.Conv2d(3, 8, 3), (1, 4, 8, 8), "channel dim 4 != in_channels 3"),
        (lambda T: T.nn.Conv2d(3, 8, 3), (4, 8, 8), "channel dim 4 != in_channels 3"),
        (lambda T: T.nn.Conv2d(4, 8, 3, groups=2), (1, 3, 8, 8), "channel dim 3 != in_channels 4"),
        (lambda T: T.nn.Conv1d(3, 8, 3), (2, 5, 9), "channel dim 5 != in_channels 3"),
        (lambda T: T.nn.ConvTranspose2d(3, 8, 3), (1, 4, 8, 8), "channel dim 4 != in_channels 3"),
        (lambda T: T.nn.ConvTranspose1d(3, 8, 3), (2, 4, 8), "channel dim 4 != in_channels 3"),
        (lambda T: T.nn.Conv2d(3, 8, 3), (4, 8), "expected 3-D (unbatched) or 4-D (batched) input, got 2-D"),
        (lambda T: T.nn.Conv1d(3, 8, 3), (4,), "expected 2-D (unbatched) or 3-D (batched) input, got 1-D"),
    ],
)
def test_conv_mismatch_names_module_and_channel_dimension(make, shape, expect):
    msg = _raises_like_torch(lambda T: make(T)(T.ones(*shape)))
    layer = repr(make(chainrule))
    assert msg.startswith(f"{layer} got input of shape {shape}: {expect}"), msg
    with pytest.raises(RuntimeError) as ei:
        make(torch)(torch.ones(*shape))
    assert str(ei.value) in msg  # torch's own sentence is kept, for searching


def test_conv_matching_inputs_still_run():
    for T in LIBS:
        assert tuple(T.nn.Conv2d(4, 8, 3, groups=2)(T.ones(4, 6, 6)).shape) == (8, 4, 4)
        assert tuple(T.nn.ConvTranspose2d(4, 8, 3, groups=2)(T.ones(1, 4, 6, 6)).shape) == (1, 8, 8, 8)


# ---- autograd errors ---------------------------------------------------------------------------------
def test_second_backward_names_the_node_and_suggests_detach():
    def run(T):
        x = T.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()

    msg = _raises_like_torch(run)
    assert msg.startswith("Trying to backward through the graph a second time")
    assert "MulBackward0" in msg
    assert ".detach()" in msg and "retain_graph=True" in msg
    assert msg.index(".detach()") < msg.rindex("retain_graph=True")


def test_second_backward_through_carried_rnn_state():
    """The usual cause: hidden state from the previous step still holds the freed graph."""

    def run(T):
        cell = T.nn.RNNCell(3, 4)
        h = T.zeros(1, 4)
        for _ in range(2):
            h = cell(T.ones(1, 3), h)
            h.sum().backward()

    msg = _raises_like_torch(run)
    assert "h = h.detach()" in msg and re.search(r"\w+Backward\d", msg)

    cell = chainrule.nn.RNNCell(3, 4)
    h = chainrule.zeros(1, 4)
    for _ in range(2):  # the suggested fix works
        h = cell(chainrule.ones(1, 3), h.detach())
        h.sum().backward()


@pytest.mark.parametrize(
    "make",
    [
        lambda T: T.tensor([1.0, 2.0]).sum(),
        lambda T: T.tensor([1.0, 2.0], requires_grad=True).detach().sum(),
        lambda T: _under_no_grad(T),
        lambda T: T.tensor(T.tensor([1.0], requires_grad=True).sum().item()),
    ],
    ids=["no-leaf-requires-grad", "detach", "no_grad", "item"],
)
def test_backward_of_a_graphless_tensor_lists_the_causes(make):
    msg = _raises_like_torch(lambda T: make(T).backward())
    assert msg.startswith("element 0 of tensors does not require grad and does not have a grad_fn")
    for cause in ("no_grad()", ".item()", ".detach()", "requires_grad=True"):
        assert cause in msg, cause


def test_autograd_grad_of_a_graphless_tensor_lists_the_causes():
    msg = _raises_like_torch(lambda T: T.autograd.grad(T.ones(2).sum(), [T.ones(2, requires_grad=True)]))
    assert "does not require grad" in msg and "no_grad()" in msg and ".detach()" in msg


def _under_no_grad(T):
    w = T.ones(2, requires_grad=True)
    with T.no_grad():
        return (w * 2).sum()


@pytest.mark.parametrize("shape", [(2,), (4, 3), (1, 1, 2)])
def test_implicit_gradient_for_non_scalar_gives_shape_and_remedies(shape):
    msg = _raises_like_torch(lambda T: (T.ones(*shape, requires_grad=True) * 2).backward())
    assert msg.startswith("grad can be implicitly created only for scalar outputs")
    assert f"shape {list(shape)}" in msg
    assert ".sum()" in msg and ".mean()" in msg and "gradient=" in msg


def test_implicit_gradient_remedies_work():
    x = chainrule.ones(4, 3, requires_grad=True)
    (x * 2).sum().backward()
    (x * 2).backward(gradient=chainrule.ones(4, 3))
    np.testing.assert_array_equal(x.grad.numpy(), np.full((4, 3), 4.0))


def test_inplace_error_is_actionable():
    def run(T):
        x = T.ones(80, requires_grad=True)
        y = x.unsqueeze(1).sigmoid()
        y.mul_(2)
        y.sum().backward()

    msg = _raises_like_torch(run)
    for part in ("[torch.FloatTensor [80, 1]]", "output 0 of SigmoidBackward0", "is at version 1; expected version 0",
                 "modified in place by mul_", "anomaly detection", ".clone()"):  # fmt: skip
        assert part in msg, part


def test_integer_requires_grad_message():
    msg = _raises_like_torch(lambda T: T.tensor([1, 2, 3], requires_grad=True))
    assert "floating point" in msg and "require gradients" in msg and "int64" in msg


def test_matmul_shape_message_matches_torch():
    msg = _raises_like_torch(lambda T: T.ones(32, 10) @ T.ones(5, 1))
    assert msg == "mat1 and mat2 shapes cannot be multiplied (32x10 and 5x1)"


def test_module_assignment_before_init_is_explained():
    def run(T):
        class Net(T.nn.Module):
            def __init__(self):
                self.fc = T.nn.Linear(2, 2)

        Net()

    msg = _raises_like_torch(run)
    assert "cannot assign module before Module.__init__() call" in msg


# ---- torch.tensor(data) conversions: the same result or the same exception and first line ---------------
_CONVERSIONS = [
    ([float("nan")], "int32"),
    ([1e30], "uint8"),
    ([float("inf")], "int16"),
    ([2**70], None),
    ([2**70], "float32"),
    ([300], "uint8"),
    ([-1], "uint8"),
    ([-255], "uint8"),
    ([-256], "uint8"),
    ([-1.0], "uint8"),
    ([255.9], "uint8"),
    ([128], "int8"),
    ([1.7], "int64"),
    ([2**63], None),
    ([2**63 - 1, -(2**63)], None),
    ([1e30, float("nan")], "bool"),
    ([[1, 2], [3, 4.5]], "int64"),
    ([True, 2], "uint8"),
    ([[1], [2, 3]], "int64"),
    ([[1, 2], [3]], None),
    ([[1], 2], None),
    ([1, [2]], None),
    ([[[1, 2], [3, 4]], [[1, 2], [3]]], None),
    ([[1.5], [2.0, 3.0]], None),
    (float("nan"), "int64"),
    (-3, "uint8"),
]


@pytest.mark.parametrize("data, dtype", _CONVERSIONS)
def test_tensor_conversion_matches_torch(data, dtype):
    res = []
    for T in (torch, chainrule):
        try:
            res.append(repr(T.tensor(data, dtype=getattr(T, dtype) if dtype else None)))
        except Exception as e:  # noqa: BLE001
            res.append((type(e).__name__, str(e).split("\n")[0]))
    assert res[1] == res[0]


def test_inf_and_nan_arithmetic_is_silent_like_torch():
    # NumPy warns on inf - inf, 0 * inf, overflow and NaN casts; torch does not, forward or backward
    inf, nan = float("inf"), float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = chainrule.tensor([inf, -inf, 0.0, nan, 3e38], requires_grad=True)
        y = chainrule.tensor([inf, inf, 0.0, 1.0, 3e38])
        out = (x - y) + x * y + (x * 1e3).exp() + x.sin() + x / y + (x @ y) + x.cumsum(0) + x.prod()
        out.sum().backward()
        x.detach().long()
        chainrule.tensor([1e6]).half()
        chainrule.nn.functional.mse_loss(x, y).backward()
    # user code outside chainrule keeps NumPy's own settings
    with pytest.warns(RuntimeWarning):
        np.array([inf]) - np.array([inf])
