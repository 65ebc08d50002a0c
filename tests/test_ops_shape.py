"""Shape and view ops against torch: values, gradients, double backward, errors, views, properties."""

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule

# (expression, input shapes): every case runs forward + gradients in float32 and float64 against torch
CASES = [
    (lambda T, a: a.reshape(4, 3), [(3, 4)]),
    (lambda T, a: a.reshape(-1), [(3, 4)]),
    (lambda T, a: a.reshape(2, -1, 3), [(3, 4)]),
    (lambda T, a: T.reshape(a, (1, 12)), [(3, 4)]),
    (lambda T, a: a.reshape(()), [()]),
    (lambda T, a: a.reshape(0, 5), [(5, 0)]),
    (lambda T, a: a.reshape(3, 4), [(3, 4)]),
    (lambda T, a: a.t().reshape(-1), [(3, 4)]),
    (lambda T, a: a.view(2, 6), [(3, 4)]),
    (lambda T, a: a.view(-1, 2), [(3, 4)]),
    (lambda T, a: a.view(()), [(1,)]),
    (lambda T, a, b: a.view_as(b) * b, [(3, 4), (2, 6)]),
    (lambda T, a, b: a.reshape_as(b) + b, [(3, 4), (4, 3)]),
    (lambda T, a: a.flatten(), [(2, 3, 4)]),
    (lambda T, a: a.flatten(1), [(2, 3, 4)]),
    (lambda T, a: T.flatten(a, 0, 1), [(2, 3, 4)]),
    (lambda T, a: a.flatten(-2, -1), [(2, 3, 4)]),
    (lambda T, a: a.flatten(), [()]),
    (lambda T, a: a.flatten(1, 1), [(2, 3)]),
    (lambda T, a: a.ravel(), [(2, 3)]),
    (lambda T, a: a.unflatten(1, (2, 2)), [(3, 4)]),
    (lambda T, a: T.unflatten(a, -1, (-1, 2)), [(3, 4)]),
    (lambda T, a: a.squeeze(), [(1, 3, 1, 4)]),
    (lambda T, a: a.squeeze(0), [(1, 3, 1, 4)]),
    (lambda T, a: a.squeeze(1), [(1, 3, 1, 4)]),
    (lambda T, a: a.squeeze((0, 2)), [(1, 3, 1, 4)]),
    (lambda T, a: T.squeeze(a, -2), [(1, 3, 1, 4)]),
    (lambda T, a: a.squeeze(), [()]),
    (lambda T, a: a.squeeze(0), [(1, 0)]),
    (lambda T, a: a.unsqueeze(0), [(3, 4)]),
    (lambda T, a: a.unsqueeze(-1), [(3, 4)]),
    (lambda T, a: T.unsqueeze(a, 1), [(3, 4)]),
    (lambda T, a: a.unsqueeze(0), [()]),
    (lambda T, a: a.transpose(0, 1), [(3, 4)]),
    (lambda T, a: a.transpose(-1, 0), [(2, 3, 4)]),
    (lambda T, a: T.transpose(a, 0, 0), [()]),
    (lambda T, a: a.swapaxes(0, 2), [(2, 3, 4)]),
    (lambda T, a: T.swapdims(a, 1, 2), [(2, 3, 4)]),
    (lambda T, a: a.t(), [(3, 4)]),
    (lambda T, a: a.t(), [(3,)]),
    (lambda T, a: T.t(a), [()]),
    (lambda T, a: a.T, [(3, 4)]),
    (lambda T, a: a.mT, [(2, 3, 4)]),
    (lambda T, a: a.permute(2, 0, 1), [(2, 3, 4)]),
    (lambda T, a: a.permute((1, 0)), [(3, 4)]),
    (lambda T, a: T.permute(a, (-1, 0, 1)), [(2, 3, 4)]),
    (lambda T, a: a.permute(()), [()]),
    (lambda T, a: a.permute(1, 0), [(0, 3)]),
    (lambda T, a: a.movedim(0, -1), [(2, 3, 4)]),
    (lambda T, a: T.movedim(a, (0, 1), (2, 0)), [(2, 3, 4)]),
    (lambda T, a: a.moveaxis(-1, 0), [(2, 3, 4)]),
    (lambda T, a: a.expand(2, 3, 4), [(3, 1)]),
    (lambda T, a: a.expand(-1, 5), [(3, 1)]),
    (lambda T, a: a.expand(2, -1, -1), [(3, 4)]),
    (lambda T, a: a.expand(3, 2), [()]),
    (lambda T, a: a.expand(0, 4), [(1, 4)]),
    (lambda T, a, b: a.expand_as(b) * b, [(1, 4), (3, 4)]),
    (lambda T, a: T.broadcast_to(a, (2, 3, 4)), [(4,)]),
    (lambda T, a: a.broadcast_to((3, 4)), [(3, 1)]),
    (lambda T, a, b: T.broadcast_tensors(a, b), [(3, 1), (1, 4)]),
    (lambda T, a: a.repeat(2, 3), [(3, 4)]),
    (lambda T, a: a.repeat(2, 1, 3), [(3, 4)]),
    (lambda T, a: a.repeat(2, 2), [()]),
    (lambda T, a: a.repeat(0, 2), [(3, 4)]),
    (lambda T, a: a.repeat((3,)), [(2,)]),
    (lambda T, a: a.tile((2,)), [(3, 4)]),
    (lambda T, a: T.tile(a, (2, 1, 2)), [(3, 4)]),
    (lambda T, a: a.flip(0), [(3, 4)]),
    (lambda T, a: a.flip(0, -1), [(2, 3, 4)]),
    (lambda T, a: T.flip(a, (1,)), [(2, 3, 4)]),
    (lambda T, a: a.flip(()), [(3,)]),
    (lambda T, a: a.fliplr(), [(3, 4)]),
    (lambda T, a: T.flip(a, dims=[1]), [(3, 4)]),
    (lambda T, a: T.rot90(a), [(3, 4)]),
    (lambda T, a: a.rot90(3, (2, 0)), [(2, 3, 4)]),
    (lambda T, a: T.rot90(a, -2, [1, 0]), [(3, 4)]),
    (lambda T, a: T.permute(a, dims=(1, 0)), [(3, 4)]),
    (lambda T, a: T.reshape(a, shape=(4, 3)), [(3, 4)]),
    (lambda T, a: T.flipud(a), [(3, 4)]),
    (lambda T, a: a.roll(1), [(3, 4)]),
    (lambda T, a: a.roll(-2, 1), [(3, 4)]),
    (lambda T, a: T.roll(a, (1, 5), (0, 1)), [(3, 4)]),
    (lambda T, a: a.roll(2, 0), [(0, 3)]),
    (lambda T, a, b: T.cat([a, b]), [(2, 3), (4, 3)]),
    (lambda T, a, b: T.cat((a, b), 1), [(2, 3), (2, 1)]),
    (lambda T, a, b, c: T.cat([a, b, c], -1), [(2, 3), (2, 0), (2, 2)]),
    (lambda T, a, b: T.cat([a, b], dim=0), [(0,), (2, 3)]),
    (lambda T, a: T.cat([a]), [(3,)]),
    (lambda T, a, b: T.concat([a, b], 0), [(1, 2), (2, 2)]),
    (lambda T, a, b: T.concatenate([a, b], 1), [(1, 2), (1, 2)]),
    (lambda T, a, b: T.cat([a, a, b]), [(2,), (3,)]),
    (lambda T, a, b: T.stack([a, b]), [(2, 3), (2, 3)]),
    (lambda T, a, b: T.stack([a, b], 1), [(2, 3), (2, 3)]),
    (lambda T, a, b: T.stack((a, b), -1), [(2, 3), (2, 3)]),
    (lambda T, a, b: T.stack([a, b]), [(), ()]),
    (lambda T, a, b: T.stack([a, b]), [(0, 2), (0, 2)]),
    (lambda T, a, b: T.hstack([a, b]), [(2, 3), (2, 1)]),
    (lambda T, a, b: T.hstack([a, b]), [(3,), (2,)]),
    (lambda T, a, b: T.vstack([a, b]), [(3,), (3,)]),
    (lambda T, a, b: T.vstack([a, b]), [(2, 3), (1, 3)]),
    (lambda T, a, b: T.dstack([a, b]), [(2, 3), (2, 3)]),
    (lambda T, a, b: T.column_stack([a, b]), [(3,), (3, 2)]),
    (lambda T, a: T.atleast_2d(a), [(3,)]),
    (lambda T, a: T.atleast_3d(a), [(2, 3)]),
    (lambda T, a: T.atleast_1d(a), [()]),
    (lambda T, a: a.split(2), [(5, 3)]),
    (lambda T, a: a.split(2, 1), [(5, 3)]),
    (lambda T, a: a.split([1, 3, 1]), [(5, 3)]),
    (lambda T, a: T.split(a, [0, 3], -1), [(5, 3)]),
    (lambda T, a: a.split(4), [(0, 3)]),
    (lambda T, a: a.split_with_sizes([2, 1], 1), [(2, 3)]),
    (lambda T, a: a.chunk(2), [(5, 3)]),
    (lambda T, a: T.chunk(a, 3, 1), [(2, 7)]),
    (lambda T, a: a.chunk(4), [(3,)]),
    (lambda T, a: a.tensor_split(3), [(7, 2)]),
    (lambda T, a: a.tensor_split([1, 4], 0), [(7, 2)]),
    (lambda T, a: T.tensor_split(a, [5, 2], 0), [(7, 2)]),
    (lambda T, a: a.tensor_split((1, -1), dim=1), [(2, 5)]),
    (lambda T, a: T.hsplit(a, 2), [(2, 4)]),
    (lambda T, a: T.vsplit(a, [1]), [(2, 4)]),
    (lambda T, a: a.unbind(), [(3, 4)]),
    (lambda T, a: T.unbind(a, 1), [(3, 4)]),
    (lambda T, a: a.unbind(0), [(3,)]),
    (lambda T, a: list(a)[1] * 2, [(3, 2)]),
    (lambda T, a: a.narrow(0, 1, 2), [(4, 3)]),
    (lambda T, a: T.narrow(a, -1, -2, 2), [(4, 3)]),
    (lambda T, a: a.narrow(1, 3, 0), [(4, 3)]),
    (lambda T, a: a.select(1, -1), [(4, 3)]),
    (lambda T, a: T.select(a, 0, 2), [(4,)]),
    (lambda T, a: a.diagonal(), [(3, 4)]),
    (lambda T, a: a.diagonal(1), [(3, 4)]),
    (lambda T, a: a.diagonal(-1, 1, 2), [(2, 3, 4)]),
    (lambda T, a: T.diagonal(a, 0, -1, 0), [(2, 3, 4)]),
    (lambda T, a: a.diagonal(5), [(3, 4)]),
    (lambda T, a: T.diag(a), [(3,)]),
    (lambda T, a: T.diag(a, -2), [(3,)]),
    (lambda T, a: a.diag(1), [(3, 4)]),
    (lambda T, a: T.diag_embed(a), [(2, 3)]),
    (lambda T, a: T.diag_embed(a, 1, 0, 2), [(2, 3)]),
    (lambda T, a: a.tril(), [(3, 4)]),
    (lambda T, a: a.tril(-1), [(2, 3, 4)]),
    (lambda T, a: T.triu(a, 1), [(3, 4)]),
    (lambda T, a: a.triu(), [(0, 4)]),
    (lambda T, a: a.unfold(0, 2, 1), [(5, 3)]),
    (lambda T, a: a.unfold(1, 3, 2), [(2, 7)]),
    (lambda T, a: a.unfold(-1, 2, 3), [(2, 7)]),
    (lambda T, a: a.unfold(0, 1, 1), [()]),
    (lambda T, a: a.repeat_interleave(2), [(2, 3)]),
    (lambda T, a: a.repeat_interleave(T.tensor([1, 0, 2]), dim=0), [(3, 2)]),
    (lambda T, a: T.repeat_interleave(a, 3, dim=1), [(2, 2)]),
    (lambda T, a, b: T.meshgrid(a, b, indexing="ij"), [(3,), (2,)]),
    (lambda T, a, b, c: T.meshgrid([a, b, c], indexing="xy"), [(3,), (2,), (4,)]),
    (lambda T, a, b: T.meshgrid(a, b, indexing="xy"), [(3,), ()]),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_parity(i):
    fn, shapes = CASES[i]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(fn, shapes)


def test_cat_dtype_promotion():
    ints = np.arange(6).reshape(2, 3)
    for dts in [
        ("int64", "float32"),
        ("int32", "uint8"),
        ("bool", "int64"),
        ("float32", "float64"),
        ("int8", "uint8"),
        ("bool", "bool"),
    ]:
        arrs = [ints.astype(dts[0]), ints.astype(dts[1])]
        t = torch.cat([torch.tensor(a) for a in arrs])
        c = chainrule.cat([chainrule.tensor(a) for a in arrs])
        assert str(c.dtype) == str(t.dtype)
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    t = torch.stack([torch.zeros(2), torch.zeros(2, dtype=torch.float64)])
    c = chainrule.stack([chainrule.zeros(2), chainrule.zeros(2, dtype=chainrule.float64)])
    assert str(c.dtype) == str(t.dtype)


def test_cat_mixed_dtype_gradient_dtypes():
    check_op(lambda T, a, b: T.cat([a.float(), b]) * 2, [(2,), (3,)], dtypes=("float64",))
    a = chainrule.ones(2, dtype=chainrule.float32, requires_grad=True)
    b = chainrule.ones(2, dtype=chainrule.float64, requires_grad=True)
    chainrule.cat([a, b]).sum().backward()
    assert a.grad.dtype == chainrule.float32 and b.grad.dtype == chainrule.float64


def test_cat_out():
    out = chainrule.zeros(4)
    r = chainrule.cat([chainrule.ones(2), chainrule.zeros(2)], out=out)
    assert r is out
    np.testing.assert_array_equal(out.numpy(), [1, 1, 0, 0])


GRADCHECK = [
    (lambda T, a: a.reshape(2, 6) * a.reshape(2, 6), [(3, 4)]),
    (lambda T, a: a.flatten().unflatten(0, (4, 3)) ** 2, [(3, 4)]),
    (lambda T, a: a.unsqueeze(1).squeeze() ** 2, [(3, 4)]),
    (lambda T, a: a.permute(1, 0) @ a, [(3, 4)]),
    (lambda T, a: a.transpose(0, 1).movedim(0, 1) * a, [(3, 4)]),
    (lambda T, a: a.expand(2, 3, 4) ** 2, [(3, 1)]),
    (lambda T, a: a.repeat(2, 3) ** 2, [(2, 3)]),
    (lambda T, a: a.tile((2, 1, 1)) ** 2, [(2, 2)]),
    (lambda T, a: a.flip(0, 1) * a, [(3, 4)]),
    (lambda T, a: a.roll((1, -1), (0, 1)) * a, [(3, 4)]),
    (lambda T, a, b: T.cat([a, b * b], 1) ** 2, [(2, 3), (2, 2)]),
    (lambda T, a, b: T.stack([a, b * a], 1) ** 2, [(2, 3), (2, 3)]),
    (lambda T, a: [p**2 for p in a.split([1, 2], 1)], [(2, 3)]),
    (lambda T, a: [p**2 for p in a.chunk(2)], [(3, 2)]),
    (lambda T, a: [p * p for p in a.unbind(1)], [(2, 3)]),
    (lambda T, a: a.narrow(1, 1, 2) ** 2, [(2, 4)]),
    (lambda T, a: a.select(0, 1) ** 2, [(2, 4)]),
    (lambda T, a: a.diagonal(1) ** 2, [(3, 4)]),
    (lambda T, a: T.diag(a) ** 2, [(3,)]),
    (lambda T, a: T.diag_embed(a, -1) ** 2, [(2, 3)]),
    (lambda T, a: a.tril(1) ** 2 + a.triu(-1) ** 2, [(3, 4)]),
    (lambda T, a: a.unfold(1, 3, 2) ** 2, [(2, 7)]),
    (lambda T, a: a.repeat_interleave(2, 0) ** 2, [(2, 2)]),
    (lambda T, a, b: [g * g for g in T.meshgrid(a, b, indexing="xy")], [(3,), (2,)]),
]


@pytest.mark.parametrize("i", range(len(GRADCHECK)))
def test_gradcheck(i):
    fn, shapes = GRADCHECK[i]
    check_gradcheck(lambda T, *xs: _tuple(fn(T, *xs)), shapes, gradgrad=True)


def _tuple(out):
    return tuple(out) if isinstance(out, list) else out


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda T, a: a.view(-1, 5), [(3, 4)]),
        (lambda T, a: a.reshape(-1, -1), [(3, 4)]),
        (lambda T, a: a.reshape(-2, 6), [(3, 4)]),
        (lambda T, a: a.reshape(-1, 0), [(0, 4)]),
        (lambda T, a: a.expand(2, -1), [(3, 4)]),
        (lambda T, a: a.expand(3), [(3, 1)]),
        (lambda T, a: a.expand(-1, 3, 4), [(3, 4)]),
        (lambda T, a: a.squeeze(2), [(3, 4)]),
        (lambda T, a: a.squeeze((0, 0)), [(3, 4)]),
        (lambda T, a: a.unsqueeze(3), [(3, 4)]),
        (lambda T, a: a.flatten(1, 0), [(3, 4)]),
        (lambda T, a: a.unflatten(1, (3, -1)), [(3, 4)]),
        (lambda T, a: a.permute(0, 0), [(3, 4)]),
        (lambda T, a: a.permute(0), [(3, 4)]),
        (lambda T, a: a.transpose(0, 2), [(3, 4)]),
        (lambda T, a: a.t(), [(2, 3, 4)]),
        (lambda T, a: a.movedim((0, 1), (1,)), [(3, 4)]),
        (lambda T, a: a.movedim((0, 0), (1, 0)), [(3, 4)]),
        (lambda T, a: a.repeat(2), [(3, 4)]),
        (lambda T, a: a.repeat(2, -1), [(3, 4)]),
        (lambda T, a: a.flip(0, 0), [(3, 4)]),
        (lambda T, a: a.roll((1, 2), 1), [(3, 4)]),
        (lambda T, a: a.roll((1, 2)), [(3, 4)]),
        (lambda T, a, b: T.cat([a, b], 1), [(2, 3), (3, 3)]),
        (lambda T, a, b: T.cat([a, b], 1), [(2, 3), (3,)]),
        (lambda T, a, b: T.cat([a, b], 0), [(2, 3), ()]),
        (lambda T, a: T.cat([a], 2), [(2, 3)]),
        (lambda T, a: T.cat([], 0), [(2, 3)]),
        (lambda T, a: T.cat(a), [(2, 3)]),
        (lambda T, a: T.cat([a, 1]), [(2, 3)]),
        (lambda T, a, b: T.stack([a, b]), [(2, 3), (2, 4)]),
        (lambda T, a: T.stack([a, a], 3), [(2, 3)]),
        (lambda T, a: T.stack([]), [(2, 3)]),
        (lambda T, a: a.split([2, 2]), [(5,)]),
        (lambda T, a: a.split(0), [(5,)]),
        (lambda T, a: a.chunk(0), [(5,)]),
        (lambda T, a: a.tensor_split(0), [(5,)]),
        (lambda T, a: a.narrow(0, 3, 3), [(5,)]),
        (lambda T, a: a.narrow(0, 6, 0), [(5,)]),
        (lambda T, a: a.narrow(0, 1, -1), [(5,)]),
        (lambda T, a: a.select(0, 5), [(3, 4)]),
        (lambda T, a: a.diagonal(0, 1, 1), [(3, 4)]),
        (lambda T, a: a.tril(), [(5,)]),
        (lambda T, a: a.triu(), [()]),
        (lambda T, a: T.diag(a), [(2, 2, 2)]),
        (lambda T, a: a.unfold(1, 5, 1), [(3, 4)]),
        (lambda T, a: a.unfold(1, 2, 0), [(3, 4)]),
        (lambda T, a: a.unbind(), [()]),
        (lambda T, a: T.meshgrid(a, a, indexing="ab"), [(3,)]),
        (lambda T, a: T.meshgrid(a, a, indexing="ij"), [(3, 2)]),
    ],
)
def test_errors_like_torch(fn, shapes):
    arrs = [np.zeros(s, np.float32) for s in shapes]
    assert_raises_like_torch(fn, *arrs)


@pytest.mark.parametrize(
    "fn, msg",
    [
        (
            lambda T: T.cat([T.zeros(2, 3), T.zeros(3, 3)], 1),
            "Sizes of tensors must match except in dimension 1. "
            "Expected size 2 but got size 3 for tensor number 1 "
            "in the list.",
        ),
        (lambda T: T.cat([T.zeros(2, 3), T.zeros(3)], 1), "Tensors must have same number of dimensions: got 2 and 1"),
        (lambda T: T.cat([T.zeros(2), T.zeros(())]), "zero-dimensional tensor (at position 1) cannot be concatenated"),
        (
            lambda T: T.stack([T.zeros(2, 3), T.zeros(2, 4)]),
            "stack expects each tensor to be equal size, but got [2, 3] at entry 0 and [2, 4] at entry 1",
        ),
        (lambda T: T.zeros(3, 4).view(-1, 5), "shape '[-1, 5]' is invalid for input of size 12"),
        (
            lambda T: T.zeros(3, 4).expand(2, -1),
            "The expanded size of the tensor (2) must match the existing size (3) "
            "at non-singleton dimension 0.  Target sizes: [2, -1].  Tensor sizes: "
            "[3, 4]",
        ),
        (
            lambda T: T.zeros(3, 1).expand(3),
            "expand(torch.FloatTensor{[3, 1]}, size=[3]): the number of sizes "
            "provided (1) must be greater or equal to the number of dimensions in the "
            "tensor (2)",
        ),
        (
            lambda T: T.zeros(5).split([2, 2]),
            "split_with_sizes expects split_sizes to sum exactly to 5 (input "
            "tensor's size at dimension 0), but got split_sizes=[2, 2]",
        ),
        (lambda T: T.zeros(3, 4).squeeze(2), "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
        (
            lambda T: T.zeros(3, 4).select(0, 5),
            "select(): index 5 out of range for tensor of size [3, 4] at dimension 0",
        ),
    ],
)
def test_error_messages(fn, msg):
    with pytest.raises(Exception) as t_err:
        fn(torch)
    with pytest.raises(type(t_err.value)) as c_err:
        fn(chainrule)
    assert str(t_err.value) == msg
    assert str(c_err.value) == msg


def test_grad_fn_names():
    a = chainrule.zeros(3, 4, requires_grad=True)
    ta = torch.zeros(3, 4, requires_grad=True)
    exprs = [
        lambda x: x.view(12),
        lambda x: x.squeeze(),
        lambda x: x.squeeze(0),
        lambda x: x.squeeze((0,)),
        lambda x: x.unsqueeze(0),
        lambda x: x.expand(2, 3, 4),
        lambda x: x.t(),
        lambda x: x.transpose(0, 1),
        lambda x: x.permute(1, 0),
        lambda x: x.repeat(2, 1),
        lambda x: x.flip(0),
        lambda x: x.roll(1),
        lambda x: x.movedim(0, 1),
        lambda x: x.narrow(0, 0, 1),
        lambda x: x.diagonal(),
        lambda x: x.tril(),
        lambda x: x.triu(),
        lambda x: x.select(0, 1),
        lambda x: x.split(2, 1)[0],
        lambda x: x.split([1, 3], 1)[0],
        lambda x: x.unbind()[0],
        lambda x: x.flatten(),
        lambda x: torch_or(x).cat([x, x]),
        lambda x: torch_or(x).stack([x, x]),
    ]
    for e in exprs:
        assert e(a).grad_fn.name() == e(ta).grad_fn.name()


@pytest.mark.parametrize(
    "expr",
    [
        "y.transpose_(0, 1)",
        "y.swapdims_(0, 2)",
        "y.swapaxes_(1, 2)",
        "y[0].t_()",
        "y.squeeze_()",
        "y.squeeze_(1)",
        "y.squeeze_((1, 2))",
        "y.unsqueeze_(0)",
    ],
)
def test_inplace_view_grad_fn_names(expr):
    # the in-place overloads record their own node names (TransposeBackward1, SqueezeBackward3..5, ...)
    names, grads = [], []
    for T in (torch, chainrule):
        x = T.arange(6.0).reshape(2, 1, 3).requires_grad_()
        y = x * 1
        y = eval(expr, {"y": y})
        names.append(y.grad_fn.name())
        (y * T.arange(float(y.numel())).reshape(y.shape)).sum().backward()
        grads.append(x.grad.numpy())
    assert names[1] == names[0]
    np.testing.assert_array_equal(grads[1], grads[0])


def torch_or(x):
    return torch if isinstance(x, torch.Tensor) else chainrule


def test_views_share_memory_and_version():
    x = chainrule.zeros(3, 4)
    for v in [
        x.view(12),
        x.reshape(4, 3),
        x.t(),
        x.transpose(0, 1),
        x.permute(1, 0),
        x[0],
        x[:, 1:3],
        x.narrow(1, 1, 2),
        x.select(1, 2),
        x.diagonal(),
        x.unsqueeze(0),
        x.squeeze(),
        x.split(2, 1)[1],
        x.unbind(1)[3],
        x.movedim(0, 1),
        x.unflatten(1, (2, 2)),
        x.chunk(2)[0],
    ]:
        before = x._version
        v.add_(1)
        assert x._version == before + 1
    t = torch.zeros(3, 4)
    for v in [
        t.view(12),
        t.reshape(4, 3),
        t.t(),
        t.transpose(0, 1),
        t.permute(1, 0),
        t[0],
        t[:, 1:3],
        t.narrow(1, 1, 2),
        t.select(1, 2),
        t.diagonal(),
        t.unsqueeze(0),
        t.squeeze(),
        t.split(2, 1)[1],
        t.unbind(1)[3],
        t.movedim(0, 1),
        t.unflatten(1, (2, 2)),
        t.chunk(2)[0],
    ]:
        v.add_(1)
    np.testing.assert_array_equal(x.numpy(), t.numpy())


def test_copies_do_not_alias():
    x = chainrule.zeros(2, 3)
    for c in [x.flip(0), x.roll(1), x.repeat(1, 1), x.tril(), chainrule.cat([x]), chainrule.stack([x])]:
        c.add_(1)
    assert not x.numpy().any() and x._version == 0


def test_modified_view_detected_in_backward():
    a = chainrule.ones(3, requires_grad=True)
    y = a.exp()
    y.view(3).mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_inplace_shape_ops():
    for name, args in [
        ("squeeze_", (1,)),
        ("unsqueeze_", (0,)),
        ("t_", ()),
        ("transpose_", (0, 2)),
        ("tril_", ()),
        ("triu_", (1,)),
    ]:
        base = (
            np.arange(6.0).reshape(2, 1, 3)
            if name != "tril_" and name != "triu_" and name != "t_"
            else np.arange(6.0).reshape(2, 3)
        )
        c = chainrule.tensor(base)
        t = torch.tensor(base)
        r = getattr(c, name)(*args)
        getattr(t, name)(*args)
        assert r is c and c._version == 1
        np.testing.assert_array_equal(c.numpy(), t.numpy())
    leaf = chainrule.zeros(2, 1, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.squeeze_()
    x = chainrule.ones(2, 1, requires_grad=True)
    y = x * 2
    y.squeeze_(1)
    (y * chainrule.tensor([1.0, 2.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0], [4.0]])


def test_view_dtype():
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for dt in ["int32", "float64", "int16"]:
        if dt == "float64":
            x2 = np.arange(8, dtype=np.float32).reshape(2, 4)
        else:
            x2 = x
        t = torch.tensor(x2).view(getattr(torch, dt))
        c = chainrule.tensor(x2).view(getattr(chainrule, dt))
        np.testing.assert_array_equal(c.numpy(), t.numpy())


def test_meshgrid_warns_without_indexing():
    with pytest.warns(UserWarning, match="indexing argument"):
        chainrule.meshgrid(chainrule.zeros(2), chainrule.zeros(3))


def test_unsqueeze_squeeze_zero_dim_grad():
    check_op(lambda T, a: (a.unsqueeze(0).unsqueeze(-1) * 3).squeeze(), [()])


# ---- properties ---------------------------------------------------------------------------------------
_shapes = st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple)
_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_shapes, st.data())
def test_prop_permute_reshape_vs_numpy(shape, data):
    a = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    perm = data.draw(st.permutations(range(len(shape))))
    c = chainrule.tensor(a)
    np.testing.assert_array_equal(c.permute(*perm).numpy(), a.transpose(perm))
    np.testing.assert_array_equal(c.permute(*perm).reshape(-1).numpy(), a.transpose(perm).reshape(-1))
    flat = c.reshape(-1)
    np.testing.assert_array_equal(flat.reshape(shape).numpy(), a)
    if shape:
        d = data.draw(st.integers(-len(shape), len(shape) - 1))
        np.testing.assert_array_equal(c.unsqueeze(d).squeeze(d).numpy(), a)
        np.testing.assert_array_equal(c.flip(d).flip(d).numpy(), a)


@_SETTINGS
@given(st.lists(st.integers(0, 3), min_size=1, max_size=4), st.integers(1, 4), st.data())
def test_prop_cat_split_roundtrip(sizes, ndim, data):
    dim = data.draw(st.integers(0, ndim - 1))
    other = data.draw(st.lists(st.integers(1, 3), min_size=ndim, max_size=ndim))
    rng = np.random.default_rng(len(sizes))
    arrs = []
    for s in sizes:
        shp = list(other)
        shp[dim] = s
        arrs.append(rng.standard_normal(shp))
    cs = [chainrule.tensor(a, requires_grad=True) for a in arrs]
    ts = [torch.tensor(a, requires_grad=True) for a in arrs]
    cc = chainrule.cat(cs, dim)
    tc = torch.cat(ts, dim)
    np.testing.assert_array_equal(cc.detach().numpy(), np.concatenate(arrs, dim))
    parts = cc.split(sizes, dim)
    for p, a in zip(parts, arrs):
        np.testing.assert_array_equal(p.detach().numpy(), a)
    w = rng.standard_normal(cc.shape)
    (cc * chainrule.tensor(w)).sum().backward()
    (tc * torch.tensor(w)).sum().backward()
    for c, t in zip(cs, ts):
        np.testing.assert_allclose(c.grad.numpy(), t.grad.numpy())


@_SETTINGS
@given(_shapes, st.data())
def test_prop_shape_grads_vs_torch(shape, data):
    a = np.random.default_rng(0).standard_normal(shape)
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=len(shape), max_size=len(shape) + 1)))
    perm = tuple(data.draw(st.permutations(range(len(shape)))))
    w_shape = None

    def f(T, x):
        y = x.permute(*perm) if shape else x
        y = y.repeat(*reps) if reps else y.reshape(1)
        return y.flatten()

    tx = torch.tensor(a, requires_grad=True)
    cx = chainrule.tensor(a, requires_grad=True)
    to, co = f(torch, tx), f(chainrule, cx)
    w_shape = to.shape
    w = np.random.default_rng(1).standard_normal(w_shape)
    (to * torch.tensor(w)).sum().backward()
    (co * chainrule.tensor(w)).sum().backward()
    np.testing.assert_allclose(co.detach().numpy(), to.detach().numpy())
    np.testing.assert_allclose(cx.grad.numpy(), tx.grad.numpy(), atol=1e-12)


def test_base_of_views_like_torch():
    for T in (torch, chainrule):
        x = T.zeros(3, 4)
        views = [x.view(12), x[0], x.t(), x[0][1:], x.split(2)[0], x.diagonal(), x.unsqueeze(0).squeeze(0)]
        assert all(v._base is x for v in views)
        assert all(c._base is None for c in (x.flip(0), x[[0]], x.clone(), x.repeat(1, 1), T.cat([x])))


def test_broadcast_tensors_identity_like_torch():
    # torch hands back the same object when a tensor already has the broadcast shape
    for T in (torch, chainrule):
        a, b, c = T.ones(2, 3, requires_grad=True), T.ones(3), T.ones(1, 3, dtype=T.float64)
        ra, rb, rc = T.broadcast_tensors(a, b, c)
        assert ra is a and rb is not b and rc is not c
        assert tuple(rb.shape) == tuple(rc.shape) == (2, 3)
        (x,) = T.broadcast_tensors(b)
        assert x is b
        assert all(r is a for r in T.broadcast_tensors(a, a))
