"""Elementwise ops against torch: values, gradients, broadcasting, dtypes, stability and errors."""

import math

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op

import chainrule

PAIRS = [[(3, 1), (1, 4)], [(2, 3), (3,)], [(), (2, 3)], [(0, 3), (1, 3)], [(2, 3), (2, 3)], [(2, 1, 3), (4, 1)]]
UNARY_SHAPES = [[(3, 4)], [()], [(0, 3)], [(2, 3, 2)]]

BINARY = {
    "add": lambda T, a, b: a + b,
    "radd": lambda T, a, b: b + a,
    "sub": lambda T, a, b: a - b,
    "mul": lambda T, a, b: a * b,
    "div": lambda T, a, b: a / (b + 3),
    "add_alpha": lambda T, a, b: T.add(a, b, alpha=2.5),
    "sub_alpha": lambda T, a, b: T.sub(a, b, alpha=-0.5),
    "maximum": lambda T, a, b: T.maximum(a, b),
    "minimum": lambda T, a, b: T.minimum(a, b),
    "where": lambda T, a, b: T.where(a > b, a, b * 2),
    "where_method": lambda T, a, b: a.where(a > 0, b),
    "clamp_tensor": lambda T, a, b: T.clamp(a, min=b),
    "clamp_tensor_max": lambda T, a, b: a.clamp(max=b),
    "clip_both": lambda T, a, b: T.clip(a, b - 1, b + 1),
    "remainder": lambda T, a, b: a % (b + 3),
    "fmod": lambda T, a, b: T.fmod(a, b + 3),
    "lerp": lambda T, a, b: T.lerp(a, b, 0.3),
    "lerp_tensor": lambda T, a, b: T.lerp(a, b, b.sigmoid()),
    "fmax": lambda T, a, b: T.fmax(a, b),
    "fmin": lambda T, a, b: T.fmin(a, b),
    "chain": lambda T, a, b: (a * b + a).exp() - b / (a * a + 1),
}


@pytest.mark.parametrize("shapes", PAIRS, ids=str)
@pytest.mark.parametrize("name", list(BINARY))
def test_binary(name, shapes):
    check_op(BINARY[name], shapes)


def test_pow_forms():
    check_op(lambda T, a, b: a**b, [(3, 1), (1, 4)], positive=True)
    check_op(lambda T, a, b: a**b, [(2, 3), ()], positive=True)
    check_op(lambda T, a: a**2, [(3, 4)])
    check_op(lambda T, a: a**3, [(3, 4)])
    check_op(lambda T, a: a**0, [(3, 4)])
    check_op(lambda T, a: a**1, [(3, 4)])
    check_op(lambda T, a: a**-2, [(3, 4)], positive=True)
    check_op(lambda T, a: a**0.5, [(3, 4)], positive=True)
    check_op(lambda T, a: a**-1.5, [(3, 4)], positive=True)
    check_op(lambda T, a: 2**a, [(3, 4)])
    check_op(lambda T, a: 2.5**a, [(3, 4)])
    check_op(lambda T, a: T.pow(a, T.tensor(2.0)), [(3, 4)])
    check_op(lambda T, a: T.pow(0.5, a), [(3,)])
    check_op(lambda T, a: a.square(), [(3, 4)])
    check_op(lambda T, a: T.float_power(a, 2), [(3, 4)])
    # zero base: d/db of a**b is 0 where a == 0 and b >= 0, as torch
    check_op(
        lambda T, a, b: a**b, [(4,), (4,)], arrays=[np.array([0.0, 0.0, 1.5, 2.0]), np.array([0.0, 2.0, 1.0, 0.0])]
    )


SCALAR_FORMS = {
    "add": lambda T, a: a + 2,
    "radd": lambda T, a: 2 + a,
    "sub": lambda T, a: a - 2.5,
    "rsub": lambda T, a: 2.5 - a,
    "mul": lambda T, a: a * 3,
    "rmul": lambda T, a: 3 * a,
    "div": lambda T, a: a / 4,
    "rdiv": lambda T, a: 4 / (a + 3),
    "one_minus": lambda T, a: 1 - a,
    "neg": lambda T, a: -a,
    "pos": lambda T, a: +a,
    "rmod": lambda T, a: 7 % (a + 3),
    "mod": lambda T, a: a % 0.7,
    "reciprocal": lambda T, a: (a + 3).reciprocal(),
    "rsub_fn": lambda T, a: T.rsub(a, 2),
    "mul_fn": lambda T, a: T.mul(2, a),
    "add_bool": lambda T, a: T.add(a, True),
    "div_floor": lambda T, a: a.div(2, rounding_mode="floor"),
    "div_trunc": lambda T, a: a.div(0.3, rounding_mode="trunc"),
}


@pytest.mark.parametrize("name", list(SCALAR_FORMS))
def test_scalar_and_reflected_forms(name):
    for shape in [(3, 4), (), (0, 2)]:
        # torch has no derivative for number % tensor (backward raises, see test_floor_divide_has_no_derivative...)
        check_op(SCALAR_FORMS[name], [shape], grad=name != "rmod")


def test_floor_divide_values():
    check_op(lambda T, a: a // 0.7, [(3, 4)], grad=False)
    check_op(lambda T, a: 0.7 // (a + 3), [(3, 4)], grad=False)
    check_op(lambda T, a, b: a // (b + 3), [(3, 1), (1, 4)], grad=False)
    check_op(lambda T, a, b: a // b, None, arrays=[np.array([7, -7, 7, -7, 0]), np.array([2, 2, -2, -2, 3])])


UNARY = {
    "neg": (lambda T, a: T.neg(a), {}),
    "abs": (lambda T, a: a.abs(), {}),
    "exp": (lambda T, a: a.exp(), {}),
    "exp2": (lambda T, a: a.exp2(), {}),
    "log": (lambda T, a: a.log(), {"positive": True}),
    "log1p": (lambda T, a: a.log1p(), {"low": -0.9, "high": 3.0}),
    "expm1": (lambda T, a: a.expm1(), {}),
    "log2": (lambda T, a: T.log2(a), {"positive": True}),
    "log10": (lambda T, a: T.log10(a), {"positive": True}),
    "sqrt": (lambda T, a: a.sqrt(), {"positive": True}),
    "rsqrt": (lambda T, a: a.rsqrt(), {"positive": True}),
    "sin": (lambda T, a: a.sin(), {}),
    "cos": (lambda T, a: T.cos(a), {}),
    "tan": (lambda T, a: a.tan(), {"low": -1.2, "high": 1.2}),
    "tanh": (lambda T, a: a.tanh(), {}),
    "sigmoid": (lambda T, a: T.sigmoid(a), {}),
    "relu": (lambda T, a: T.relu(a), {}),
    "reciprocal": (lambda T, a: a.reciprocal(), {"positive": True}),
    "erf": (lambda T, a: a.erf(), {}),
    "erfinv": (lambda T, a: a.erfinv(), {"low": -0.9, "high": 0.9}),
    "clamp": (lambda T, a: a.clamp(-0.5, 0.7), {}),
    "clamp_min": (lambda T, a: T.clamp(a, min=0.1), {}),
    "clamp_max": (lambda T, a: a.clamp(max=-0.1), {}),
    "clamp_min_fn": (lambda T, a: a.clamp_min(0.2), {}),
    "clip": (lambda T, a: T.clip(a, -1, 1), {}),
    "sign": (lambda T, a: a.sign(), {}),
    "floor": (lambda T, a: a.floor(), {}),
    "ceil": (lambda T, a: T.ceil(a), {}),
    "round": (lambda T, a: (a * 3).round(), {}),
    "round_decimals": (lambda T, a: T.round(a, decimals=2), {}),
    "trunc": (lambda T, a: a.trunc(), {}),
    "frac": (lambda T, a: a.frac(), {}),
    "square": (lambda T, a: T.square(a), {}),
    "nan_to_num": (lambda T, a: a.nan_to_num(), {}),
    "addcmul": (lambda T, a: T.addcmul(a, a, a * 2, value=0.5), {}),
    "addcdiv": (lambda T, a: T.addcdiv(a, a, a * a + 1, value=-2), {}),
}


@pytest.mark.parametrize("shapes", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", list(UNARY))
def test_unary(name, shapes):
    fn, kw = UNARY[name]
    check_op(fn, shapes, **kw)


GRADGRAD = {
    "exp",
    "exp2",
    "log",
    "log1p",
    "expm1",
    "log2",
    "log10",
    "sqrt",
    "rsqrt",
    "sin",
    "cos",
    "tan",
    "tanh",
    "sigmoid",
    "reciprocal",
    "erf",
    "erfinv",
    "square",
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_gradcheck(name):
    fn, kw = UNARY[name]
    if name in ("sign", "sgn", "floor", "ceil", "round", "round_decimals", "trunc"):
        kw = dict(kw, low=0.1, high=0.4)  # away from the jumps
    if name in ("abs", "relu", "clamp", "clamp_min", "clamp_max", "clamp_min_fn", "clip", "frac"):
        arrays = [np.array([[-1.7, -0.3, 0.45], [0.9, 1.3, -1.1]])]  # away from the kinks
        check_gradcheck(fn, None, arrays=arrays)
        return
    check_gradcheck(fn, [(2, 3)], gradgrad=name in GRADGRAD, **kw)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "chain", "lerp", "lerp_tensor", "where", "remainder"])
def test_binary_gradcheck(name):
    check_gradcheck(BINARY[name], [(3, 1), (1, 4)], gradgrad=name in ("mul", "div", "chain", "lerp_tensor"))


def test_pow_gradgradcheck():
    check_gradcheck(lambda T, a, b: a**b, [(2, 3), (3,)], positive=True, gradgrad=True)
    check_gradcheck(lambda T, a: a**3.5, [(2, 3)], positive=True, gradgrad=True)
    check_gradcheck(lambda T, a: 1.7**a, [(2, 3)], gradgrad=True)
    check_gradcheck(lambda T, a, b: T.maximum(a, b) * T.minimum(a, b), [(2, 3), (2, 3)], seed=3)


def test_maximum_minimum_ties_split_gradient():
    a = np.array([1.0, 2.0, 3.0, np.nan])
    b = np.array([1.0, 5.0, 0.0, 1.0])
    check_op(lambda T, x, y: T.maximum(x, y), None, arrays=[a, b])
    check_op(lambda T, x, y: T.minimum(x, y), None, arrays=[a, b])
    check_op(lambda T, x, y: T.fmax(x, y), None, arrays=[a, b])
    check_op(lambda T, x, y: T.clamp(x, min=y), None, arrays=[a, b])
    check_op(lambda T, x: x.clamp(1.0, 2.0), None, arrays=[np.array([1.0, 2.0, 0.5, 2.5, np.nan])])
    check_op(lambda T, x: x.relu(), None, arrays=[np.array([0.0, -1.0, 2.0])])
    check_op(lambda T, x: x.abs(), None, arrays=[np.array([0.0, -1.0, 2.0])])


def test_clamp_min_greater_than_max_and_tensor_bounds():
    check_op(lambda T, a: a.clamp(1.0, -1.0), [(3, 4)])
    lo, hi = np.array([0.5, -1.0, 0.0]), np.array([0.0, 1.0, 2.0])  # lo > hi in the first element
    check_op(lambda T, a, lo, hi: T.clamp(a, lo, hi), None, arrays=[np.array([0.3, 1.5, -0.5]), lo, hi])
    check_op(lambda T, a, b: a.clamp_min(b), [(3, 1), (1, 4)])
    check_op(lambda T, a, b: a.clamp_max(b), [(2, 3), (3,)])


def test_integer_inputs():
    ints = [np.array([[-3, -1, 0], [2, 5, 7]]), np.array([2, -3, 4])]
    for fn in [
        lambda T, a, b: a + b,
        lambda T, a, b: a - b,
        lambda T, a, b: a * b,
        lambda T, a, b: a / b,
        lambda T, a, b: a // b,
        lambda T, a, b: a % b,
        lambda T, a, b: T.fmod(a, b),
        lambda T, a, b: a**2,
        lambda T, a, b: a.abs(),
        lambda T, a, b: a.exp(),
        lambda T, a, b: a.sigmoid(),
        lambda T, a, b: a > b,
        lambda T, a, b: T.maximum(a, b),
        lambda T, a, b: a.clamp(-1, 3),
        lambda T, a, b: a.clamp(-1.5, 3),
        lambda T, a, b: a.div(b, rounding_mode="trunc"),
        lambda T, a, b: a.div(b, rounding_mode="floor"),
        lambda T, a, b: a.relu(),
        lambda T, a, b: a.sign(),
        lambda T, a, b: a.float() / 2,
        lambda T, a, b: -a,
        lambda T, a, b: a & b,
        lambda T, a, b: a | 1,
        lambda T, a, b: ~a,
        lambda T, a, b: a ^ b,
        lambda T, a, b: 2 ** b.abs(),
        lambda T, a, b: a.sqrt(),
        lambda T, a, b: a.log1p(),
        lambda T, a, b: T.where(a > 0, a, 0.5),
        lambda T, a, b: T.where(a > 0, a, b),
    ]:
        check_op(fn, None, arrays=ints, dtypes=("float32",))


def test_sgn_forward_and_zero_gradient():
    check_op(lambda T, a: a.sgn(), [(3, 4)], grad=False)
    a = chainrule.tensor([-1.5, 0.0, 2.0], requires_grad=True)
    a.sgn().sum().backward()
    assert a.grad.tolist() == [0.0, 0.0, 0.0] and a.sgn().grad_fn.name() == "SgnBackward0"


def test_float16_values():
    check_op(
        lambda T, a, b: a * b + a / (b + 3),
        None,
        grad=False,
        arrays=[np.array([1.5, -2.25, 3.0], np.float16), np.array([0.5, 1.0, -1.0], np.float16)],
    )


COMPARE = {
    "eq": lambda T, a, b: a == b,
    "ne": lambda T, a, b: a != b,
    "lt": lambda T, a, b: a < b,
    "le": lambda T, a, b: T.le(a, b),
    "gt": lambda T, a, b: a.gt(b),
    "ge": lambda T, a, b: a >= b,
    "eq_scalar": lambda T, a, b: a == 1.0,
    "lt_scalar": lambda T, a, b: 0.5 < a,
    "logical_and": lambda T, a, b: T.logical_and(a > 0, b > 0),
    "logical_or": lambda T, a, b: (a > 0).logical_or(b),
    "logical_xor": lambda T, a, b: T.logical_xor(a, b > 1),
    "logical_not": lambda T, a, b: T.logical_not(a > 0),
    "and": lambda T, a, b: (a > 0) & (b > 0),
    "or": lambda T, a, b: (a > 0) | (b > 0),
    "xor": lambda T, a, b: (a > 0) ^ (b > 0),
    "invert": lambda T, a, b: ~(a > b),
    "isnan": lambda T, a, b: T.isnan(a / b),
    "isinf": lambda T, a, b: (a / b).isinf(),
    "isfinite": lambda T, a, b: T.isfinite(a / b),
    "isposinf": lambda T, a, b: T.isposinf(a / b),
    "isneginf": lambda T, a, b: T.isneginf(a / b),
    "isclose": lambda T, a, b: T.isclose(a, b, atol=0.5),
    "isclose_nan": lambda T, a, b: T.isclose(a / b, a / b, equal_nan=True),
}
CMP_ARRAYS = [np.array([[1.0, 0.0, -1.0, 2.0], [0.0, 3.0, np.inf, np.nan]]), np.array([1.0, 0.0, 2.0, -0.0])]


@pytest.mark.parametrize("name", list(COMPARE))
def test_comparisons_and_logic(name):
    check_op(COMPARE[name], None, arrays=CMP_ARRAYS, grad=False)


def test_allclose_equal():
    for T in (torch, chainrule):
        a = T.tensor([1.0, 2.0, float("nan")])
        b = T.tensor([1.0, 2.0 + 1e-7, float("nan")])
        res = (
            T.allclose(a, b),
            T.allclose(a, b, equal_nan=True),
            T.equal(a[:2] if T is torch else a.detach(), a),
            T.equal(T.tensor([1, 2]), T.tensor([1, 2])),
            T.equal(T.tensor([1, 2]), T.tensor([1, 2, 3])),
            T.allclose(T.tensor([1e-9]), T.tensor([0.0])),
            T.allclose(T.tensor([1.0]), T.tensor([1.1]), rtol=0.2),
        )
        if T is torch:
            expected = res
    assert res[:2] == expected[:2] and res[3:] == expected[3:]
    assert chainrule.equal(chainrule.tensor([1.0, 2.0]), chainrule.tensor([1.0, 2.0]))
    assert not chainrule.equal(chainrule.tensor([1.0, float("nan")]), chainrule.tensor([1.0, float("nan")]))


def test_sigmoid_and_exp_extremes():
    x = np.array([-1e4, -400.0, -88.0, -20.0, 0.0, 20.0, 88.0, 400.0, 1e4, -np.inf, np.inf, np.nan])
    check_op(lambda T, a: a.sigmoid(), None, arrays=[x.astype(np.float32)], dtypes=("float32",))
    check_op(lambda T, a: a.sigmoid(), None, arrays=[x])
    check_op(lambda T, a: a.tanh(), None, arrays=[x])
    check_op(lambda T, a: a.exp(), None, arrays=[x], grad=False)
    check_op(lambda T, a: a.log(), None, arrays=[np.array([0.0, -1.0, 1.0, np.inf])], grad=False)
    check_op(lambda T, a: a.sqrt(), None, arrays=[np.array([0.0, -1.0, 4.0, np.inf])], grad=False)
    s = chainrule.tensor([-1e4, 1e4], requires_grad=True)
    y = s.sigmoid()
    y.sum().backward()
    assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(s.grad.numpy()))
    assert y.tolist() == [0.0, 1.0]


def test_where_unselected_nan_branch_like_torch():
    # the gradient of the branch where did not pick is 0 * nan = nan in both libraries (use a "double where")
    def f(T, a):
        return T.where(a > 0, a.sqrt(), T.zeros_like(a))

    check_op(f, None, arrays=[np.array([4.0, -1.0, 0.0])])

    def safe(T, a):
        return T.where(a > 0, T.where(a > 0, a, 1.0).sqrt(), 0.0)

    check_op(safe, None, arrays=[np.array([4.0, -1.0, 0.0])])


def test_where_scalars_and_dtypes():
    c = np.array([True, False, True])
    for fn in [
        lambda T, c, a: T.where(c, a, 0.0),
        lambda T, c, a: T.where(c, 1.0, a),
        lambda T, c, a: T.where(c, 1, 0),
        lambda T, c, a: T.where(c, 1.0, 0),
        lambda T, c, a: T.where(c, a.long(), 2.5),
        lambda T, c, a: T.where(c, a, a.double()),
        lambda T, c, a: T.where(c, a.long(), a.int()),
    ]:
        check_op(fn, None, arrays=[c, np.array([1.5, -2.0, 3.0])])
    assert_raises_like_torch(lambda T, c, a: T.where(a, a, a), c, np.array([1.0, 2.0, 3.0]))


def test_comparison_ops_do_not_track_gradients():
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)
    for r in (a > 1, a == a, a.isnan(), (a * 2).floor(), a // 1):
        assert r.grad_fn is None or r.grad_fn.name() in ("FloorBackward0", "torch::autograd::NotImplemented")


def test_floor_divide_has_no_derivative_like_torch():
    for T in (torch, chainrule):
        a = T.tensor([1.5, 2.5], requires_grad=True)
        with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
            (a // 1.0).sum().backward()
        with pytest.raises(RuntimeError, match="derivative for aten::remainder is not implemented"):
            (2 % a).sum().backward()
        assert (T.remainder(3, a) - T.tensor([0.0, 0.5])).abs().max() == 0


# Python scalars reach torch's tensor overloads, so tensor-op-scalar records the same node as tensor-op-tensor
SCALAR_OVERLOAD_NODES = [
    "y / 2", "2 / y", "y * 2", "2 * y", "y + 2", "2 + y", "y - 2", "2 - y", "y ** 2", "2 ** y", "y / 2.5",
    "T.div(y, 2)", "T.true_divide(y, 2)", "T.add(y, 2, alpha=3)", "T.sub(y, 2, alpha=3)", "T.rsub(y, 2)",
    "T.rsub(y, y)", "y.div(2)", "y.mul(2)", "T.div(y, 2, rounding_mode='floor')", "y / True", "y * True",
    "y.clone().div_(2)", "y.clone().mul_(2)", "y.clone().add_(2)", "y.clone().sub_(2)", "y.clone().pow_(2)",
    "y // 2", "2 // y", "y % 2", "2 % y", "y % y", "T.remainder(2, y)", "T.fmod(y, 2)", "T.fmod(y, y)",
    "T.pow(2, y)", "T.float_power(y, 2)",
]  # fmt: skip


@pytest.mark.parametrize("expr", SCALAR_OVERLOAD_NODES)
def test_scalar_overload_grad_fn_names_like_torch(expr):
    names = []
    for T in (torch, chainrule):
        y = T.tensor([1.5, 2.5], requires_grad=True) * 1
        names.append(eval(expr, {"T": T, "y": y}).grad_fn.name())
    assert names[1] == names[0]


def test_fmod_needs_a_tensor_first_like_torch():
    assert_raises_like_torch(lambda T: T.fmod(2, T.ones(2)))


BROADCAST_ERRORS = [
    lambda T, a, b: a + b,
    lambda T, a, b: a * b,
    lambda T, a, b: a - b,
    lambda T, a, b: a / b,
    lambda T, a, b: T.maximum(a, b),
    lambda T, a, b: T.where(a > 0, a, b),
    lambda T, a, b: a == b,
    lambda T, a, b: a**b,
    lambda T, a, b: a % b,
    lambda T, a, b: T.lerp(a, b, 0.5),
]


@pytest.mark.parametrize("k", range(len(BROADCAST_ERRORS)))
def test_broadcast_errors_name_both_shapes(k):
    fn = BROADCAST_ERRORS[k]
    a, b = np.ones((2, 3)), np.ones((4,))
    assert_raises_like_torch(fn, a, b)
    with pytest.raises(RuntimeError, match=r"\[2, 3\].*\[4\]|size of tensor a \(3\) must match"):
        fn(chainrule, chainrule.tensor(a), chainrule.tensor(b))


def test_broadcast_error_message_text():
    with pytest.raises(RuntimeError) as e:
        chainrule.ones(2, 3) + chainrule.ones(4)
    msg = str(e.value)
    assert "The size of tensor a (3) must match the size of tensor b (4) at non-singleton dimension 1" in msg
    assert "[2, 3]" in msg and "[4]" in msg


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, a: a - a.bool(),
        lambda T, a: -(a > 0),
        lambda T, a: (a > 0) // (a > 0),
        lambda T, a: a.long() // 0,
        lambda T, a: a.long() % 0,
        lambda T, a: a.long() ** -1,
        lambda T, a: (a > 0) ** (a > 0),
        lambda T, a: a & a,
        lambda T, a: T.clamp(a),
        lambda T, a: a.div(a, rounding_mode="bad"),
        lambda T, a: T.maximum(a, 1.0),
        lambda T, a: a.frac().long().frac() if T is torch else a.long().frac(),
        lambda T, a: ~a,
        lambda T, a: a + "x",
    ],
)
def test_errors_like_torch(fn):
    assert_raises_like_torch(fn, np.array([1.0, 2.0]))


def test_no_numpy_warnings_or_errors_leak():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = chainrule.tensor([0.0, -1.0, 1e30, np.inf, np.nan])
        for f in (
            lambda: x.log(),
            lambda: x.sqrt(),
            lambda: 1 / x,
            lambda: x / 0,
            lambda: x.exp(),
            lambda: x**-2,
            lambda: x.rsqrt(),
            lambda: x.sigmoid(),
            lambda: x % 0,
            lambda: x // 0,
            lambda: x.reciprocal(),
            lambda: x.log1p(),
            lambda: 2**x,
            lambda: x**0.5,
        ):
            f()


def test_math_constants_unchanged():
    assert math.isclose(chainrule.tensor(2.0).log2().item(), 1.0)
    assert chainrule.tensor(100.0).log10().item() == pytest.approx(2.0)


@pytest.mark.parametrize("p", [1e-50, -1e-50, 1e-300, 1 / 3, 2.0000001, 3.0000000001, 1e40, -1e40, 0.1])
def test_pow_python_float_exponent_in_double_like_torch(p):
    # torch raises float32 values to a Python float exponent held in double (never rounded to float32 first)
    x = np.array([0.0, -0.0, 1e-30, 2.0, 1e30, -2.0, 0.5], np.float32)
    for fn in (lambda T, a: a**p, lambda T, a: T.pow(a, p), lambda T, a: a.clone().pow_(p)):
        want = fn(torch, torch.tensor(x)).numpy()
        got = fn(chainrule, chainrule.tensor(x)).numpy()
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(want))
    ints = np.array([0, 1, 2])
    np.testing.assert_array_equal((chainrule.tensor(ints) ** p).numpy(), (torch.tensor(ints) ** p).numpy())


def test_pow_half_exponent_overflow_like_torch():
    assert_raises_like_torch(lambda T: T.ones(2, dtype=T.float16) ** 70000.0)
    for T in (torch, chainrule):
        assert (T.ones(2, dtype=T.float16) ** float("inf")).tolist() == [1.0, 1.0]
