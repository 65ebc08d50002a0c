"""dtype objects and torch's type promotion, checked operator by operator against torch."""

import operator

import numpy as np
import pytest
import torch

import chainrule

DTYPES = ["float32", "float64", "float16", "int64", "int32", "bool"]
OPS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
    "**": operator.pow,
}
# right operands: dimensioned tensors, 0-d tensors, Python numbers
OTHERS = [("tensor", d) for d in DTYPES] + [("0d", d) for d in DTYPES] + [("py", v) for v in (3, 2.5, True, -2)]


def _make(T, kind, dt):
    vals = np.array([1, 2, 3]) if kind == "tensor" else np.array(2)
    return T.tensor(vals.astype(dt))


def _run(T, op, a, b, reverse):
    try:
        r = op(b, a) if reverse else op(a, b)
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, None
    arr = r.detach().numpy() if T is torch else r.numpy()
    return str(r.dtype), np.asarray(arr, dtype=np.float64)


@pytest.mark.parametrize("left_kind", ["tensor", "0d"])
@pytest.mark.parametrize("left", DTYPES)
@pytest.mark.parametrize("opname", list(OPS))
def test_promotion_matrix(left, left_kind, opname):
    """dtype (or exception type) and values of ``a op b`` and ``b op a`` equal torch's for every pairing."""
    op = OPS[opname]
    for kind, other in OTHERS:
        for reverse in (False, True):
            res = []
            for T in (torch, chainrule):
                a = _make(T, left_kind, left)
                b = _make(T, kind, other) if kind != "py" else other
                res.append(_run(T, op, a, b, reverse))
            (t_dt, t_val), (c_dt, c_val) = res
            where = f"{left_kind} {left} {opname} {kind} {other} (reverse={reverse})"
            assert c_dt == t_dt, f"{where}: chainrule {c_dt}, torch {t_dt}"
            if t_val is not None:
                np.testing.assert_allclose(c_val, t_val, rtol=1e-3, equal_nan=True, err_msg=where)


def test_float_scalar_rules():
    i = chainrule.tensor([1, 2])
    f = chainrule.tensor([1.0, 2.0])
    assert (i + 1.5).dtype == chainrule.float32  # int tensor + Python float -> default float
    assert (f + 1.5).dtype == chainrule.float32  # float32 + Python float stays float32
    assert (f.double() + f).dtype == chainrule.float64
    assert (f + chainrule.tensor(1.0, dtype=chainrule.float64)).dtype == chainrule.float32  # 0-d does not widen
    assert (i + chainrule.tensor(1.0, dtype=chainrule.float64)).dtype == chainrule.float64  # 0-d wins by category
    assert (f.half() * 2.5).dtype == chainrule.float16
    assert (i.int() + 2**20).dtype == chainrule.int32
    assert (chainrule.tensor([True]) + 1).dtype == chainrule.int64


@pytest.mark.parametrize(
    "x,y",
    [
        ("t:int64", 2.5),
        ("t:float32", "0:float64"),
        ("t:int32", "0:int64"),
        ("t:bool", 1),
        ("t:bool", "0:int32"),
        ("0:int64", "0:float16"),
        ("t:float16", "t:float32"),
        ("t:int32", "t:int64"),
        ("t:int64", True),
        ("0:bool", 2.5),
        (2, 3.5),
        ("t:float64", "t:int64"),
        ("0:int32", 7),
    ],
)
def test_result_type(x, y):
    def conv(T, v):
        if isinstance(v, str):
            kind, dt = v.split(":")
            arr = np.array([1, 2] if kind == "t" else 1).astype(dt)
            return T.tensor(arr)
        return v

    assert str(chainrule.result_type(conv(chainrule, x), conv(chainrule, y))) == str(
        torch.result_type(conv(torch, x), conv(torch, y))
    )


def test_promote_types_and_can_cast():
    names = ["float32", "float64", "float16", "int64", "int32", "int16", "int8", "uint8", "bool"]
    for a in names:
        for b in names:
            got = chainrule.promote_types(getattr(chainrule, a), getattr(chainrule, b))
            assert str(got) == str(torch.promote_types(getattr(torch, a), getattr(torch, b))), (a, b)
            assert chainrule.can_cast(getattr(chainrule, a), getattr(chainrule, b)) == torch.can_cast(
                getattr(torch, a), getattr(torch, b)
            ), (a, b)


def test_dtype_objects():
    assert chainrule.float is chainrule.float32 and chainrule.double is chainrule.float64
    assert chainrule.long is chainrule.int64 and chainrule.int is chainrule.int32
    assert chainrule.half is chainrule.float16
    assert repr(chainrule.float32) == "torch.float32" == repr(torch.float32)
    for name in ["float32", "float64", "float16", "int64", "int32", "bool", "uint8"]:
        c, t = getattr(chainrule, name), getattr(torch, name)
        assert c.is_floating_point == t.is_floating_point
        assert c.is_signed == t.is_signed
        assert c.itemsize == t.itemsize
    assert chainrule.tensor([1.0]).dtype == chainrule.float32
    assert chainrule.tensor([1]).dtype == chainrule.int64
    assert chainrule.tensor([True]).dtype == chainrule.bool


def test_set_default_dtype():
    prev = chainrule.get_default_dtype()
    try:
        chainrule.set_default_dtype(chainrule.float64)
        assert chainrule.tensor([1.5]).dtype == chainrule.float64
        assert (chainrule.tensor([1, 2]) / 2).dtype == chainrule.float64
        assert chainrule.zeros(2).dtype == chainrule.float64
        assert repr(chainrule.tensor([1.5])) == "tensor([1.5000])"
        assert repr(chainrule.tensor([1.5], dtype=chainrule.float32)) == "tensor([1.5000], dtype=torch.float32)"
        with pytest.raises(TypeError):
            chainrule.set_default_dtype(chainrule.int64)
    finally:
        chainrule.set_default_dtype(prev)
    assert chainrule.tensor([1.5]).dtype == chainrule.float32


def test_grad_keeps_input_dtype_under_promotion():
    a = chainrule.tensor([1.0, 2.0], requires_grad=True)  # float32
    b = chainrule.tensor([3.0, 4.0], dtype=chainrule.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == chainrule.float32 and b.grad.dtype == chainrule.float64
    np.testing.assert_allclose(a.grad.numpy(), [3.0, 4.0])
    np.testing.assert_allclose(b.grad.numpy(), [1.0, 2.0])


def test_integer_errors_like_torch():
    i = chainrule.tensor([1, 2])
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        i // 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        i % chainrule.tensor([1, 0])
    with pytest.raises(RuntimeError, match="negative integer powers"):
        i**-1
    # tensor exponents follow integer semantics instead of raising, as torch
    assert (chainrule.tensor([1, 2, -1]) ** chainrule.tensor([-1, -1, -3])).tolist() == [1, 0, -1]
    with pytest.raises(RuntimeError, match="bool tensor"):
        chainrule.tensor([True]) - 1
    with pytest.raises(RuntimeError, match="bool"):
        -chainrule.tensor([True])
