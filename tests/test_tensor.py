"""Tensor API and creation functions against torch: metadata, conversion, leaves, factories."""

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch

import chainrule


def _same(expr, **env):
    """Evaluate ``expr`` with T = torch and T = chainrule; compare repr of the results (or exception types)."""
    out = []
    for T in (torch, chainrule):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = eval(expr, {"T": T, "np": np, **env})  # noqa: S307
            out.append(repr(r).replace("chainrule", "torch") if not isinstance(r, tuple) else repr(tuple(r)))
        except Exception as e:  # noqa: BLE001
            out.append(f"raised {type(e).__name__}")
    assert out[1] == out[0], f"{expr}: chainrule {out[1]!r} vs torch {out[0]!r}"


# fmt: off
API = [
    "x.dtype", "x.shape", "x.size()", "x.size(1)", "x.size(-1)", "x.size(2)", "x.dim()", "x.ndim", "x.numel()",
    "str(x.device)", "x.device.type", "x.tolist()", "type(x.tolist()[0][0])", "x.long().tolist()",
    "x.numpy().dtype", "np.asarray(x).dtype", "np.asarray(x, dtype=np.float64).dtype",
    "x.float().dtype", "x.double().dtype", "x.long().dtype", "x.int().dtype", "x.bool().dtype", "x.half().dtype",
    "x.to(T.float64).dtype", "x.to(dtype=T.int32).dtype", "x.to('cpu').dtype", "x.to(T.tensor([1])).dtype",
    "x.clone().is_leaf", "x.is_leaf", "x.requires_grad", "x.requires_grad_().requires_grad",
    "(x.requires_grad_() * 2).is_leaf", "(x.requires_grad_() * 2).requires_grad",
    "x.requires_grad_().detach().requires_grad", "x.requires_grad_().detach().is_leaf",
    "x.t().is_contiguous()", "x.t().contiguous().is_contiguous()", "x.t().contiguous().tolist()",
    "x.requires_grad_().clone().grad_fn.name()", "x.requires_grad_().double().grad_fn.name()",
    "x.requires_grad_().float().is_leaf", "T.tensor(5).item()", "type(T.tensor(5).item())",
    "type(T.tensor(True).item())", "type(T.tensor(2.5).item())", "x.item()", "x.requires_grad_().numpy()",
    "x.shape == (2, 3)", "x.shape[0]", "x.size() == T.Size([2, 3])", "T.Size([2, 3])", "T.Size([2, 3]).numel()",
    "len(x)", "len(T.tensor(1.))", "x.requires_grad_(False).requires_grad", "x.long().requires_grad_()",
    "int(T.tensor(2.7))", "float(T.tensor([3]))", "bool(T.tensor([0.]))", "bool(x)", "x.element_size()",
    "x.is_floating_point()", "x.long().is_floating_point()", "x.type()", "x.long().type()", "x.stride()",
    "x.t().stride()", "x.nelement()", "x.ndimension()", "x.is_cuda", "x.new_zeros(2).dtype",
    "x.new_tensor([1, 2]).dtype", "x.new_ones((2,)).tolist()", "x.new_full((2,), 3).tolist()",
    "x.data_ptr() == x.detach().data_ptr()", "x.requires_grad_().data.requires_grad", "x.T.shape", "x.mT.shape",
    "x.cpu() is x", "x.to(T.float32) is x", "x.to(T.float32, copy=True) is x", "x.type(T.float64).dtype",
    "x.type_as(T.tensor([1])).dtype", "T.is_tensor(x)", "T.is_floating_point(x)", "T.numel(x)", "x.retains_grad",
    "x.grad", "f'{T.tensor(2.5):.2f}'", "f'{x}' == str(x)", "x.detach_().is_leaf",
    "x.float().long().bool().int().tolist()", "T.tensor([1.7, -1.7]).long().tolist()",
    "T.tensor([1.7, -0.0, 2]).bool().tolist()", "T.tensor([300]).to(T.uint8).tolist()",
    "x == None", "x != None", "x.requires_grad_().grad_fn",
    "(x.requires_grad_() * 1).grad_fn.next_functions[0][0].name()",
    "x.where(x > 2, T.tensor(0.))", "x.where(x > 2, -1.)", "T.tensor([[1, 2]]).where(T.tensor([[True, False]]), 7)",
]
# fmt: on


@pytest.mark.parametrize("expr", API)
def test_tensor_api(expr):
    out = []
    for T in (torch, chainrule):
        x = T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                r = eval(expr, {"T": T, "np": np, "x": x})  # noqa: S307
            out.append(repr(r).replace("chainrule", "torch"))
        except Exception as e:  # noqa: BLE001
            out.append(f"raised {type(e).__name__}")
    assert out[1] == out[0]


# fmt: off
CREATION = [
    "T.tensor([])", "T.tensor(np.float64(2.5))", "T.tensor(np.float32(2.5))", "T.tensor(np.int32(3))",
    "T.tensor(np.bool_(True))", "T.tensor([np.float64(1.0), 2.0])", "T.tensor([np.int32(1), 2])",
    "T.tensor([np.int32(1), np.int32(2)])", "T.tensor([1e300], dtype=T.float64)", "T.tensor([1.5, 2.7], dtype=T.int64)",
    "T.tensor([-1.5, 2.7], dtype=T.int32)", "T.tensor([True, 2])", "T.tensor([True, 2.5])",
    "T.tensor([[1, 2], [3, 4]], dtype=T.float64)", "T.tensor(3, dtype=T.float32)", "T.tensor([[]])",
    "T.tensor([[], []])", "T.tensor(np.array([1, 2], dtype=np.int16))", "T.tensor(np.array([1, 2], dtype=np.uint8))",
    "T.tensor([T.tensor(1.), T.tensor(2.)])", "T.tensor([T.tensor(1, dtype=T.int32), 2])",
    "T.tensor([T.tensor(1.0, dtype=T.float64), 2.0])", "T.tensor(2**40)", "T.tensor([1, 2**40])",
    "T.tensor([1.5, float('nan')], dtype=T.float16)", "T.tensor((1, 2.5))", "T.tensor(1e40)",
    "T.tensor([[1, 2], np.array([1., 2.])])", "T.tensor([[1, 2], [3]])", "T.tensor('abc')", "T.tensor(None)",
    "T.tensor([1, 2], requires_grad=True)", "T.tensor([1., 2.], requires_grad=True)",
    "T.as_tensor([1, 2])", "T.as_tensor(np.arange(3.))", "T.as_tensor([1., 2.], dtype=T.float64)",
    "T.zeros(2, 3)", "T.zeros((2, 3))", "T.zeros([2, 3], dtype=T.int32)", "T.zeros(())", "T.zeros(0)", "T.zeros(-1)",
    "T.ones(3, dtype=T.bool)", "T.ones((2, 3), dtype=T.float16)", "T.ones(2, dtype=T.int64, requires_grad=True)",
    "T.full((2, 2), 3)", "T.full((2, 2), 3.)", "T.full((2, 2), True)", "T.full((2,), 7, dtype=T.float64)",
    "T.full([2], 1.5)", "T.full((), 2)", "T.full((2,), float('inf'))", "T.empty(2, 3).shape", "T.empty(0).shape",
    "T.arange(5)", "T.arange(1, 4)", "T.arange(0, 1, 0.1).shape", "T.arange(10, 0, -3)", "T.arange(0, 5, 2.5)",
    "T.arange(5, dtype=T.float32)", "T.arange(0.5, 3)", "T.arange(1, 2.5, 0.5)", "T.arange(0, 10, 3, dtype=T.float64)",
    "T.arange(0.1, 0.5, 0.1).shape", "T.arange(1.0, 1.3, 0.1).shape", "T.arange(0, 1, 1/3).shape",
    "T.arange(0, 100, 7.3).shape", "T.arange(3, 3)", "T.arange(np.int64(4))", "T.arange(T.tensor(4))",
    "T.arange(0, 5, 0)", "T.arange(5, 0)", "T.arange(-1, -10, -2)", "T.arange(0, 10, dtype=T.int32)",
    "T.linspace(0, 1, 5)", "T.linspace(0, 1, 1)", "T.linspace(0, 1, 0)", "T.linspace(-3, 7, 11)",
    "T.linspace(0, 1, 7, dtype=T.float64)", "T.linspace(0, 10, 4, dtype=T.int64)", "T.linspace(0.1, 0.9, 33)",
    "T.linspace(-10, 10, 100)", "T.linspace(2, -2, 9)", "T.logspace(0, 2, 3)",
    "T.eye(3)", "T.eye(2, 3)", "T.eye(3, dtype=T.int64)", "T.eye(0)", "T.eye(3, requires_grad=True)",
    "T.zeros_like(T.tensor([1, 2]))", "T.ones_like(T.tensor([1., 2.]), dtype=T.float64)",
    "T.full_like(T.tensor([1, 2]), 2.7)", "T.full_like(T.tensor([1., 2.]), 7)",
    "T.empty_like(T.tensor([1., 2.])).shape",
    "T.zeros_like(T.tensor([1., 2.]), requires_grad=True)", "T.zeros(2, requires_grad=True)",
    "T.zeros(2, 3).fill_(2.5)", "T.zeros(2, dtype=T.int64).fill_(2.7)", "T.ones(2, 2).zero_()",
    "T.zeros(2).fill_(T.tensor(3.))", "T.zeros(2).fill_(T.tensor([3.]))", "T.from_numpy(np.arange(3))",
    "T.from_numpy(np.arange(3.))", "T.from_numpy(np.array([1, 2], dtype=np.float16))", "T.from_numpy([1, 2])",
]
# fmt: on


@pytest.mark.parametrize("expr", CREATION)
def test_creation(expr):
    _same(expr)


@pytest.mark.parametrize(
    "args",
    [
        (0, 1, 0.1),
        (-1.0, 1.0, 0.1),
        (0, 100, 7.3),
        (0.1, 0.5, 0.1),
        (1.0, 1.3, 0.1),
        (0, 1, 1 / 3),
        (-5.3, 20.1, 0.37),
        (10, -10, -0.7),
        (0, 1e-3, 1e-5),
    ],
)
def test_arange_float_count_and_values(args):
    t = torch.arange(*args)
    c = chainrule.arange(*args)
    assert c.shape == t.shape and c.dtype == chainrule.float32
    # values agree to float32 rounding (torch's vectorised kernel rounds differently per CPU)
    np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-6, atol=1e-6 * max(abs(a) for a in args))


def test_from_numpy_and_numpy_share_memory():
    a = np.arange(3.0)
    t = chainrule.from_numpy(a)
    a[0] = 5.0
    assert t.tolist() == [5.0, 1.0, 2.0]
    t.numpy()[1] = 7.0
    assert a[1] == 7.0
    assert chainrule.as_tensor(a).numpy() is a
    x = chainrule.tensor(a)  # tensor() copies
    a[2] = -1.0
    assert x.tolist() == [5.0, 7.0, 2.0]
    assert np.shares_memory(np.asarray(t), a)
    with pytest.raises(RuntimeError, match="requires grad"):
        chainrule.tensor([1.0], requires_grad=True).numpy()


def test_requires_grad_on_integer_tensor_message():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        chainrule.tensor([1, 2]).requires_grad_()
    with pytest.raises(RuntimeError, match="floating point"):
        chainrule.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="can only change requires_grad flags of leaf variables"):
        (chainrule.tensor([1.0], requires_grad=True) * 2).requires_grad_(False)


def test_item_errors():
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        chainrule.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(chainrule.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        len(chainrule.tensor(1.0))


def test_detach_shares_data_and_version():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.add_(1)
    assert y.tolist() == [3.0, 5.0]  # same storage
    assert y._version == d._version == 1
    z = x * 3
    z.detach_()
    assert z.grad_fn is None and not z.requires_grad and z.is_leaf


def test_clone_and_contiguous_gradients():
    for T in (torch, chainrule):
        x = T.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = x.clone()
        c = x.t().contiguous()
        (y * 2 + c * 3).sum().backward()
        if T is torch:
            tg = x.grad.numpy().copy()
        else:
            np.testing.assert_allclose(x.grad.numpy(), tg)
    assert chainrule.tensor([1.0]).contiguous().is_contiguous()


def test_to_and_conversions_record_graph():
    x = chainrule.tensor([1.5, -2.5], requires_grad=True)
    y = x.double()
    assert y.dtype == chainrule.float64 and y.grad_fn.name() == "ToCopyBackward0"
    (y * y).sum().backward()
    assert x.grad.dtype == chainrule.float32
    np.testing.assert_allclose(x.grad.numpy(), [3.0, -5.0])
    assert x.to(chainrule.float32) is x
    assert x.long().tolist() == [1, -2]
    with pytest.raises(RuntimeError, match="CPU"):
        x.to("cuda")


def test_fill_and_zero_on_leaf_require_no_grad():
    x = chainrule.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        x.fill_(2.0)
    with chainrule.no_grad():
        x.zero_()
    assert x.tolist() == [0.0, 0.0, 0.0] and x.requires_grad


def test_size_and_shape_objects():
    s = chainrule.zeros(2, 3, 4).shape
    assert isinstance(s, tuple) and s == (2, 3, 4) and repr(s) == "torch.Size([2, 3, 4])"
    assert s.numel() == 24 and s[1:] == (3, 4)
    assert chainrule.zeros(2, 3).size(-2) == 2
    with pytest.raises(IndexError, match="Dimension out of range"):
        chainrule.zeros(2, 3).size(2)


@pytest.mark.parametrize(
    "expr", ["s[1:]", "s[::2]", "s[:]", "s[0]", "s[-1]", "s + (5,)", "(5,) + s", "s + s", "s * 2", "2 * s", "s * 0"]
)
def test_size_slices_and_concatenation_like_torch(expr):
    ts, cs = torch.Size([2, 3, 4]), chainrule.Size([2, 3, 4])
    tr, cr = eval(expr, {"s": ts}), eval(expr, {"s": cs})
    assert cr == tr and isinstance(cr, chainrule.Size) == isinstance(tr, torch.Size)
    assert repr(cr) == repr(tr)


@pytest.mark.parametrize("expr", ["s + [1]", "s + 1", "s + (1.5,)", "('a',) + s", "s * 1.5"])
def test_size_concatenation_errors_like_torch(expr):
    assert_raises_like_torch(lambda T: eval(expr, {"s": T.Size([2, 3])}))


def test_size_inplace_concatenation_stays_size():
    s = chainrule.Size([2])
    t = (1,)
    t += s
    s += (3,)
    assert type(s) is type(t) is chainrule.Size and s == (2, 3) and t == (1, 2)


# fmt: off
USER_ERRORS = [
    "x + [1, 2, 3]", "x + 'a'", "x * None", "T.zeros('a')", "x.to('float')", "x.fill_('a')", "T.full((2,), 'a')",
    "T.arange('a')", "T.tensor([1, 2]) + T.tensor([1, 2, 3])", "x.item()", "x.size(5)", "T.tensor([[1, 2], [3]])",
    "T.eye(-1)", "T.linspace(0, 1, -1)", "x.long().requires_grad_()", "T.tensor([1.]) / 'a'", "x ** 'a'",
    "T.where(x, x, x)", "x.to(T.int64).sum().backward()", "x.backward()", "T.tensor(1) < 'a'", "T.maximum(x, 2)",
    "T.ones(2, 3).mul_(T.ones(3, 3))", "T.ones(2, dtype=T.int64).add_(1.5)", "T.ones(2, dtype=T.int64).mul_(T.ones(2))",
    "T.ones(2).copy_(T.ones(3))", "T.empty(2, -1)", "T.full((2,), 1).fill_(1.5)", "x.new_zeros(-1)",
    "T.ones(2).to(np.float64)", "T.tensor([1, 2]).to(T.float32, T.float64)", "int(T.tensor([1., 2.]))",
    "float(T.ones(2))", "bool(T.ones(2))", "T.ones(2).fill_(T.ones(2))", "T.arange(0, 10, -1)",
]
# fmt: on


@pytest.mark.parametrize("expr", USER_ERRORS)
def test_user_errors_raise_like_torch(expr):
    """Mistakes raise torch's exception type (never a raw NumPy error), or both libraries accept them."""
    out = []
    for T in (torch, chainrule):
        x = T.tensor([1.0, 2.0, 3.0])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                eval(expr, {"T": T, "np": np, "x": x})  # noqa: S307
            out.append("ok")
        except Exception as e:  # noqa: BLE001
            assert not type(e).__module__.startswith("numpy"), f"raw NumPy error: {e!r}"
            out.append(type(e).__name__)
    assert out[1] == out[0]


@pytest.mark.parametrize("op", ["zero_()", "fill_(2)", "copy_(T.ones(3, 4))", "mul_(2)", "add_(1)", "clamp_(0, 1)"])
def test_inplace_on_expanded_view_like_torch(op):
    # a uniform fill lands in the memory the expanded view shares with its base; anything else raises
    res = []
    for T in (torch, chainrule):
        x = T.ones(3, 1)
        e = x.expand(3, 4)
        try:
            eval("e." + op, {"e": e, "T": T})  # noqa: S307
            res.append((x.flatten().tolist(), e._base is x, e.flatten().tolist()))
        except RuntimeError as ex:
            res.append(str(ex))
    assert res[1] == res[0]
