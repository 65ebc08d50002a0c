"""repr/str of tensors, compared character for character with torch's."""

import numpy as np
import pytest
import torch

import chainrule
from chainrule.nn.parameter import Parameter

R = np.random.RandomState(0)
# fmt: off
CASES = [
    "T.tensor([1, 2, 3])", "T.tensor([1., 2., 3.])", "T.tensor([1.5, 2.25, 3.])", "T.tensor(3.)", "T.tensor(3)",
    "T.tensor(True)", "T.tensor(-0.5)", "T.tensor([])", "T.zeros(0, 3)", "T.zeros(2, 0)", "T.zeros(0, dtype=T.float64)",
    "T.zeros(0, dtype=T.int32)", "T.zeros(0, 2, requires_grad=True)", "T.tensor([[1., 2.], [3., 4.]])",
    "T.arange(24.).reshape(2, 3, 4)", "T.arange(2000.)", "T.arange(2000)", "T.arange(1001.)",
    "T.tensor([1e-5, 1.])", "T.tensor([1e10, 1.])", "T.tensor([1e-4, 1.])", "T.tensor([1e-3, 1.])",
    "T.tensor([1000., 1.])", "T.tensor([1001., 1.])", "T.tensor([1e8, 1.])", "T.tensor([1e9])", "T.tensor(1e20)",
    "T.tensor([float('nan'), 1., float('inf')])", "T.tensor([float('nan')])", "T.tensor([float('inf'), -float('inf')])",
    "T.tensor([[float('nan'), 1e-6]])", "T.tensor([float('nan'), 1.5, -float('inf')])", "T.tensor([-0.0])",
    "T.tensor([1., 2.], dtype=T.float64)", "T.tensor([1, 2], dtype=T.int32)", "T.tensor([1., 2.], dtype=T.float16)",
    "T.tensor([[1.]], dtype=T.float64, requires_grad=True)", "T.tensor([1e300], dtype=T.float64)",
    "T.tensor([True, False])", "T.tensor([[True, False], [False, True]])", "T.tensor([1., 2.], requires_grad=True)",
    "T.tensor([0.1, 0.2, 0.3])", "T.tensor([123456.789])", "T.tensor([1e-10])", "T.tensor([0., 0.])",
    "T.tensor([-1., 2.5])", "T.tensor([-5, 100000])", "T.zeros(2, 3, dtype=T.int64)", "T.tensor([12345678.])",
    "T.tensor([0.00012345])", "T.tensor([1.5e-4, 2.])", "T.tensor([3.14159265])", "T.tensor([100., 200.5])",
    "T.tensor([1e-20, 1.])", "T.tensor(np.float64(2.5))",
    "T.tensor(np.linspace(0, 1, 30).astype(np.float32))",
    "T.tensor(np.arange(100.).reshape(10, 10).astype(np.float32) / 7)",
    "T.tensor(np.arange(3000.).reshape(30, 100).astype(np.float32))",
    "T.tensor(np.arange(3000).reshape(10, 10, 30))",
    "T.tensor(R5x5)", "T.tensor(R3x40)", "T.tensor(R1001)", "T.tensor(R2x2x2x2)", "T.tensor(R4x300)",
    "T.tensor(R5x5) * 1000", "T.tensor(R5x5) / 1e6", "T.tensor(R3x40).double()", "T.tensor(R2x2x2x2).int()",
]
# fmt: on
ARRAYS = {
    "R5x5": R.randn(5, 5).astype(np.float32),
    "R3x40": R.randn(3, 40).astype(np.float32),
    "R1001": R.randn(1001).astype(np.float32),
    "R2x2x2x2": (R.randn(2, 2, 2, 2) * 10).astype(np.float32),
    "R4x300": R.randn(4, 300).astype(np.float32),
}


def _both(expr):
    out = []
    for T in (torch, chainrule):
        out.append(eval(expr, {"T": T, "np": np, **ARRAYS}))  # noqa: S307
    return out


@pytest.mark.parametrize("expr", CASES)
def test_repr_matches_torch(expr):
    t, c = _both(expr)
    assert repr(c) == repr(t)
    assert str(c) == str(t)


def test_grad_fn_suffix():
    for T in (torch, chainrule):
        a = T.tensor([1.0, 2.0], requires_grad=True)
        b = T.tensor([3.0, 4.0], requires_grad=True)
        if T is torch:
            reps_t = [repr(a * b), repr(a + b), repr((a * b).sum()), repr(a.exp()), repr(a / 2), repr(2 / a)]
        else:
            reps_c = [repr(a * b), repr(a + b), repr((a * b).sum()), repr(a.exp()), repr(a / 2), repr(2 / a)]
    assert reps_c == reps_t
    assert reps_c[0] == "tensor([3., 8.], grad_fn=<MulBackward0>)"


def test_parameter_repr():
    t = torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    c = Parameter(chainrule.tensor([1.0, 2.0]))
    assert repr(c) == repr(t) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"


def test_long_suffix_wraps_like_torch():
    # the suffix moves to a new line when the last line would pass the line width
    for expr in ["T.arange(18.).reshape(1, 18) / 3", "T.arange(12.).reshape(1, 12) / 7"]:
        for rg in (False, True):
            t, c = _both(expr)
            if rg:
                t, c = t.requires_grad_(), c.requires_grad_()
            t2, c2 = t.double(), c.double()
            assert repr(c2) == repr(t2)


@pytest.mark.parametrize(
    "opts",
    [
        dict(precision=2),
        dict(threshold=5),
        dict(edgeitems=1, threshold=5),
        dict(linewidth=40),
        dict(sci_mode=True),
        dict(sci_mode=False),
        dict(profile="short"),
        dict(profile="full"),
        dict(edgeitems=0, threshold=3),
    ],
)
def test_printoptions(opts):
    exprs = [
        "T.tensor([1.12345, 2.5, 1e-5])",
        "T.arange(10)",
        "T.arange(3000.)",
        "T.tensor(R4x300)",
        "T.tensor([[1., 2.], [3., 4.]])",
        "T.tensor(3.14159)",
    ]
    try:
        for T in (torch, chainrule):
            T.set_printoptions(**opts)
        for e in exprs:
            t, c = _both(e)
            assert repr(c) == repr(t), (opts, e)
    finally:
        for T in (torch, chainrule):
            T.set_printoptions(profile="default")


def test_format_and_item_printing():
    c = chainrule.tensor(2.5)
    assert f"{c:.4f}" == "2.5000"
    assert f"{chainrule.tensor([1.0, 2.0])}" == "tensor([1., 2.])"
    assert f"{chainrule.tensor(3)}" == "3"
