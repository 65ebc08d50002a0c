"""Matrix products against torch: every matmul case, mm/bmm/dot/mv/outer, addmm family, tensordot, einsum."""

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.ops import linalg as _linalg

MATMUL_SHAPES = [
    ((3,), (3,)),  # dot
    ((2, 3), (3,)),  # mv
    ((3,), (3, 4)),  # vector @ matrix
    ((2, 3), (3, 4)),  # mm
    ((5, 2, 3), (3, 4)),  # batch of rows @ matrix (folded)
    ((2, 5, 2, 3), (3,)),  # batched @ vector
    ((3,), (5, 3, 4)),  # vector @ batched
    ((2, 3), (5, 3, 4)),  # matrix @ batched
    ((5, 2, 3), (5, 3, 4)),  # bmm
    ((5, 1, 2, 3), (4, 3, 2)),  # broadcast batch dims
    ((1, 2, 3), (6, 3, 4)),
    ((6, 2, 3), (1, 3, 4)),
    ((0, 3), (3, 4)),  # size-0 dims
    ((2, 0), (0, 4)),
    ((0,), (0,)),
    ((5, 0, 2, 3), (3, 4)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_all_cases(sa, sb):
    check_op(lambda T, a, b: (T.matmul(a, b), a @ b), [sa, sb])


@pytest.mark.parametrize("sa,sb", [s for s in MATMUL_SHAPES if 0 not in s[0] + s[1]])
def test_matmul_double_backward(sa, sb):
    check_gradcheck(lambda T, a, b: (a @ b) ** 2, [sa, sb], gradgrad=True)


def test_matmul_integers_and_half():
    a = np.arange(6).reshape(2, 3)
    b = np.arange(12).reshape(3, 4)
    check_op(lambda T, a, b: (a @ b, T.matmul(a[0], b), T.mm(a, b), T.dot(a[0], a[1])), None, arrays=[a, b], grad=False)
    h = chainrule.ones(2, 3, dtype=chainrule.float16) @ chainrule.ones(3, 2, dtype=chainrule.float16)
    assert h.dtype == chainrule.float16 and h.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_named_products():
    check_op(lambda T, a, b: (T.mm(a, b), a.mm(b)), [(4, 3), (3, 2)])
    check_op(lambda T, a, b: (T.bmm(a, b), a.bmm(b)), [(3, 4, 2), (3, 2, 5)])
    check_op(lambda T, a, b: (T.dot(a, b), a.dot(b), T.vdot(a, b), T.inner(a, b)), [(5,), (5,)])
    check_op(lambda T, a, b: (T.mv(a, b), a.mv(b)), [(4, 3), (3,)])
    check_op(lambda T, a, b: (T.outer(a, b), a.ger(b), T.ger(a, b)), [(4,), (3,)])
    check_op(lambda T, a, b: (T.inner(a, b), a.inner(b)), [(2, 3, 4), (5, 4)])
    check_op(lambda T, a, b: T.inner(a, b), [(), (2, 3)])
    check_gradcheck(lambda T, a, b: (T.bmm(a, b), T.outer(a[0, 0], b[1, :, 0])), [(2, 3, 4), (2, 4, 5)], gradgrad=True)


def test_outer_promotes():
    a = np.arange(3)
    check_op(
        lambda T, a, b: T.outer(a, b), None, arrays=[a, np.ones(2, dtype=np.float32)], dtypes=("float32",), grad=False
    )


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1.5)])
def test_addmm_addmv_baddbmm(beta, alpha):
    check_op(
        lambda T, c, a, b: (T.addmm(c, a, b, beta=beta, alpha=alpha), c.addmm(a, b, beta=beta, alpha=alpha)),
        [(3,), (2, 4), (4, 3)],
    )
    check_op(lambda T, c, a, b: T.addmm(c, a, b, beta=beta, alpha=alpha), [(2, 3), (2, 4), (4, 3)])
    check_op(lambda T, c, a, b: T.addmv(c, a, b, beta=beta, alpha=alpha), [(2,), (2, 4), (4,)])
    check_op(lambda T, c, a, b: T.baddbmm(c, a, b, beta=beta, alpha=alpha), [(1, 3), (2, 2, 4), (2, 4, 3)])
    check_gradcheck(
        lambda T, c, a, b: T.addmm(c, a, b, beta=beta, alpha=alpha) ** 2, [(3,), (2, 4), (4, 3)], gradgrad=True
    )


def test_addmm_beta_zero_ignores_nan():
    c = np.full(3, np.nan, dtype=np.float32)
    out = chainrule.addmm(chainrule.tensor(c), chainrule.ones(2, 2), chainrule.ones(2, 3), beta=0)
    assert out.tolist() == [[2.0] * 3] * 2


_INT_ADD_PRODUCTS = [
    lambda T, dt, kw: T.addmm(
        T.ones(2, 4, dtype=dt), T.arange(6, dtype=dt).reshape(2, 3), T.ones(3, 4, dtype=dt), **kw
    ),
    lambda T, dt, kw: T.addmv(T.ones(2, dtype=dt), T.arange(6, dtype=dt).reshape(2, 3), T.arange(3, dtype=dt), **kw),
    lambda T, dt, kw: T.baddbmm(T.ones(1, 2, 2, dtype=dt), T.ones(1, 2, 3, dtype=dt), T.ones(1, 3, 2, dtype=dt), **kw),
    lambda T, dt, kw: T.ones(2, 2, dtype=dt).addmm_(T.ones(2, 3, dtype=dt), T.ones(3, 2, dtype=dt), **kw),
    lambda T, dt, kw: T.addbmm(T.ones(2, 2, dtype=dt), T.ones(1, 2, 3, dtype=dt), T.ones(1, 3, 2, dtype=dt), **kw),
    lambda T, dt, kw: T.addr(T.ones(2, 3, dtype=dt), T.arange(2, dtype=dt), T.arange(3, dtype=dt), **kw),
]


@pytest.mark.parametrize("fn", _INT_ADD_PRODUCTS)
@pytest.mark.parametrize(
    "dt,kw",
    [
        ("int64", dict(alpha=1.5)),
        ("int64", dict(beta=0.5, alpha=-2.7)),
        ("int32", dict(beta=2.9, alpha=2 + 0j)),
        ("uint8", dict(alpha=-3)),
        ("int8", dict(alpha=-1.5, beta=True)),
        ("int64", dict(alpha=float("nan"))),
        ("int16", dict(beta=1e30)),
        ("uint8", dict(alpha=-0.5)),
        ("int64", dict(alpha=2 + 1j)),
        ("float32", dict(alpha=1e300)),
        ("float64", dict(beta=1 - 1j)),
    ],
)
def test_add_products_scalar_conversion_like_torch(fn, dt, kw):
    # torch converts alpha/beta to the op's type (toward zero for integers) and raises when the value does not fit
    try:
        want = fn(torch, getattr(torch, dt), kw)
    except (RuntimeError, TypeError):
        assert_raises_like_torch(lambda T: fn(T, getattr(T, dt), kw))
        return
    got = fn(chainrule, getattr(chainrule, dt), kw)
    assert str(got.dtype) == str(want.dtype) and got.tolist() == want.tolist()


@pytest.mark.parametrize(
    "dims,sb",
    [
        (0, (2, 2)),
        (1, (4, 2)),
        (2, (3, 4, 2)),
        (([1, 0], [0, 1]), (3, 2, 5)),
        (([2], [0]), (4, 2)),
        (([0, 2], [1, 0]), (4, 2, 3)),
    ],
)
def test_tensordot(dims, sb):
    check_op(lambda T, a, b: T.tensordot(a, b, dims=dims), [(2, 3, 4), sb])
    check_gradcheck(lambda T, a, b: T.tensordot(a, b, dims=dims), [(2, 3, 4), sb], gradgrad=True)


EINSUM = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("bij,bjk->bik", [(1, 2, 3), (5, 3, 4)]),  # size-1 broadcasting
    ("ii", [(3, 3)]),  # trace
    ("ii->i", [(3, 3)]),  # diagonal
    ("iij->j", [(3, 3, 2)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->i", [(2, 3)]),
    ("i,j->ij", [(2,), (3,)]),
    ("i,i->", [(4,), (4,)]),
    ("ba", [(2, 3)]),  # implicit output is alphabetical
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
    ("...ij,jk", [(4, 2, 3), (3, 5)]),
    ("i...->...", [(2, 3, 4)]),
    ("b i j , j k -> b i k", [(2, 2, 3), (3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ijk,ikj->i", [(2, 3, 3), (2, 3, 3)]),
    ("aab,bc->ac", [(2, 2, 3), (3, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM)
def test_einsum(eq, shapes):
    check_op(lambda T, *xs: T.einsum(eq, *xs), shapes)
    check_gradcheck(lambda T, *xs: T.einsum(eq, *xs), shapes, gradgrad=len(shapes) > 1)


def test_einsum_forms():
    check_op(
        lambda T, a, b: (
            T.einsum("ij,jk", [a, b]),
            T.einsum(a, [0, 1], b, [1, 2], [0, 2]),
            T.einsum(a, [0, 1], b, [1, 2]),
            T.einsum(a, [..., 1], b, [1, 2], [..., 2]),
        ),
        [(2, 3), (3, 4)],
    )
    check_op(
        lambda T, a, b: T.einsum("bi,bi->b", a, b),
        None,
        arrays=[np.arange(6).reshape(2, 3), np.arange(6).reshape(2, 3)],
        grad=False,
    )
    x = chainrule.ones(2, 3)
    y = chainrule.einsum("ij->ji", x)
    y.add_(1)
    assert x.tolist() == [[1.0] * 3] * 2  # the result does not alias the input


@pytest.mark.parametrize(
    "eq,shapes,msg",
    [
        ("ij,jk", [(2, 3), (4, 5)], "subscript j has size 4 for operand 1 which does not broadcast"),
        ("ij,jk->ik", [(2, 3)], "fewer operands were provided"),
        ("ij,jk->ik", [(2, 3), (3, 2), (2,)], "more operands were provided"),
        ("ii", [(2, 3)], "subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
        ("ij,jk->ii", [(2, 3), (3, 2)], "output subscript i appears more than once"),
        ("ij,jk->iz", [(2, 3), (3, 2)], "output subscript z does not appear"),
        ("ij,jk->ik", [(2, 3, 1), (3, 2)], r"number of subscripts in the equation \(2\) does not match"),
        ("...ij,jk", [(3,), (3, 4)], r"number of subscripts in the equation \(2\) is more than"),
        ("i1,jk->ik", [(2, 3), (3, 2)], "invalid subscript given at index 1"),
    ],
)
def test_einsum_errors(eq, shapes, msg):
    assert_raises_like_torch(
        lambda T, *xs: T.einsum(eq, *xs), *[np.ones(s, dtype=np.float32) for s in shapes], match=msg
    )


def test_einsum_dtype_mismatch():
    assert_raises_like_torch(
        lambda T, a, b: T.einsum("ij,jk", a, b),
        np.ones((2, 3), np.float32),
        np.ones((3, 2)),
        match="expected scalar type Float but found Double",
    )


# ---- errors ---------------------------------------------------------------------------------------
F32 = np.float32
F64 = np.float64


@pytest.mark.parametrize(
    "fn,sa,sb,msg",
    [
        ("mm", (32, 10), (5, 1), r"mat1 and mat2 shapes cannot be multiplied \(32x10 and 5x1\)"),
        ("matmul", (32, 10), (5, 1), r"mat1 and mat2 shapes cannot be multiplied \(32x10 and 5x1\)"),
        ("matmul", (2, 3, 4), (5, 6), r"mat1 and mat2 shapes cannot be multiplied \(6x4 and 5x6\)"),
        ("matmul", (4,), (5, 6), r"\(1x4 and 5x6\)"),
        ("matmul", (32, 10), (5,), r"size mismatch, got input \(32\), mat \(32x10\), vec \(5\)"),
        ("matmul", (2, 3, 4), (5,), r"size mismatch, got input \(6\), mat \(6x4\), vec \(5\)"),
        ("matmul", (10,), (5,), r"inconsistent tensor size, expected tensor \[10\] and src \[5\]"),
        (
            "matmul",
            (2, 3, 4),
            (3, 5, 6),
            r"The size of tensor a \(2\) must match the size of tensor b \(3\) at "
            r"non-singleton dimension 0",
        ),
        (
            "matmul",
            (7, 2, 3, 4),
            (2, 5, 6),
            r"first two dimensions of batch2 tensor to be: \[14, 4\] but got: "
            r"\[14, 5\]",
        ),
        ("matmul", (3,), (2, 5, 6), r"to be: \[2, 3\] but got: \[2, 5\]"),
        ("matmul", (), (5,), "both arguments to matmul need to be at least 1D, but they are 0D and 1D"),
        ("mm", (3,), (3, 4), "self must be a matrix"),
        ("mm", (2, 3), (3,), "mat2 must be a matrix"),
        ("bmm", (3, 4), (2, 4, 5), "batch1 must be a 3D tensor"),
        ("bmm", (2, 3, 4), (4, 5), "batch2 must be a 3D tensor"),
        (
            "bmm",
            (2, 3, 4),
            (3, 4, 5),
            r"Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but "
            r"got: \[3, 4\]\.",
        ),
        ("dot", (3, 1), (3,), "1D tensors expected, but got 2D and 1D tensors"),
        ("dot", (3,), (4,), "inconsistent tensor size"),
        ("mv", (2, 3), (4,), r"size mismatch, got input \(2\), mat \(2x3\), vec \(4\)"),
        ("mv", (2, 3), (3, 1), "vector \\+ matrix @ vector expected, got 1, 2, 2"),
        ("outer", (2, 2), (3,), "outer: Expected 1-D argument self, but got 2-D"),
        ("outer", (2,), (3, 1), "outer: Expected 1-D argument vec2, but got 2-D"),
        (
            "inner",
            (2, 3),
            (2, 4),
            r"inner\(\) the last dimension must match on both input tensors but got shapes "
            r"\[2, 3\] and \[2, 4\]",
        ),
        (
            "tensordot",
            (2, 3),
            (4, 4),
            "contracted dimensions need to match, but first has size 3 in dim -1 and second has size 4 in dim 0",
        ),
    ],
)
def test_shape_errors(fn, sa, sb, msg):
    kw = {"dims": 1} if fn == "tensordot" else {}
    assert_raises_like_torch(lambda T, a, b: getattr(T, fn)(a, b, **kw), np.ones(sa, F32), np.ones(sb, F32), match=msg)


@pytest.mark.parametrize(
    "fn,sa,sb,da,db,msg",
    [
        ("mm", (2, 3), (3, 4), F32, F64, "expected m1 and m2 to have the same dtype, but got: float != double"),
        ("matmul", (2, 3), (3, 4), F64, F32, "expected m1 and m2 to have the same dtype, but got: double != float"),
        ("matmul", (2, 3, 4), (4, 6), F64, F32, "but got: double != float"),
        ("mm", (2, 3), (3, 4), np.int64, F32, "but got: long int != float"),
        ("mm", (2, 3), (3, 4), np.int8, np.uint8, "but got: signed char != unsigned char"),
        (
            "matmul",
            (2, 3),
            (3,),
            F32,
            F64,
            "addmv input tensors must have the same dtype, but got Double, Float, and Double",
        ),
        ("mv", (2, 3), (3,), F64, F32, "but got Float, Double, and Float"),
        ("matmul", (3,), (3,), F32, F64, "dot : expected both vectors to have same dtype, but found Float and Double"),
        ("matmul", (5, 2, 3), (5, 3, 4), F32, F64, "expected scalar type Float but found Double"),
        ("bmm", (2, 2, 3), (2, 3, 4), F64, F32, "expected scalar type Double but found Float"),
        ("matmul", (4,), (2, 4, 6), F32, F64, "expected scalar type Float but found Double"),
        ("tensordot", (2, 3), (3, 4), F32, F64, "both inputs should have same dtype"),
    ],
)
def test_dtype_errors(fn, sa, sb, da, db, msg):
    kw = {"dims": 1} if fn == "tensordot" else {}
    assert_raises_like_torch(lambda T, a, b: getattr(T, fn)(a, b, **kw), np.ones(sa, da), np.ones(sb, db), match=msg)


def test_bool_and_type_errors():
    b2 = np.ones((2, 2), dtype=bool)
    for fn in ("mm", "matmul", "bmm"):
        x = b2 if fn != "bmm" else np.ones((1, 2, 2), dtype=bool)
        assert_raises_like_torch(lambda T, a, b, fn=fn: getattr(T, fn)(a, b), x, x, match="not implemented for 'Bool'")
    assert_raises_like_torch(lambda T, a, b: T.dot(a, b), np.ones(2, bool), np.ones(2, bool))
    assert_raises_like_torch(lambda T, a: T.matmul(a, 3), np.ones((2, 2), F32))
    assert_raises_like_torch(
        lambda T, c, a, b: T.addmm(c, a, b),
        np.ones(4, F32),
        np.ones((2, 4), F32),
        np.ones((4, 3), F32),
        match="The expanded size of the tensor",
    )
    assert_raises_like_torch(
        lambda T, c, a, b: T.addmm(c, a, b),
        np.ones(3, F64),
        np.ones((2, 4), F32),
        np.ones((4, 3), F32),
        match="self and mat2 must have the same dtype",
    )


def test_grad_fn_names():
    def names(T):
        a, v = T.ones(2, 3, requires_grad=True), T.ones(3, requires_grad=True)
        outs = [
            a @ a.T,
            a @ v,
            v @ v,
            T.mm(a, a.T),
            T.bmm(a[None], a.T[None]),
            T.dot(v, v),
            T.mv(a, v),
            T.addmm(v, a.T, a),
            T.outer(v, v),
            a.T[None] @ a[None],
        ]
        return [type(o.grad_fn).__name__ if T is torch else o.grad_fn.name() for o in outs]

    assert names(chainrule) == names(torch)


# ---- performance shape: one BLAS call forward, one per input backward --------------------------------
class _CountingXp:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return getattr(np, name)

    def matmul(self, a, b, *args, **kw):
        self.calls.append((a.shape, b.shape))
        return np.matmul(a, b, *args, **kw)


@pytest.mark.parametrize("sa,sb", [((8, 16, 32), (32, 4)), ((16, 32), (32, 4)), ((8, 16, 32), (8, 32, 4))])
def test_matmul_blas_call_count(monkeypatch, sa, sb):
    counter = _CountingXp()
    monkeypatch.setattr(_linalg, "xp", counter)
    rng = np.random.default_rng(0)
    a = chainrule.tensor(rng.standard_normal(sa).astype(F32), requires_grad=True)
    b = chainrule.tensor(rng.standard_normal(sb).astype(F32), requires_grad=True)
    y = a @ b
    assert len(counter.calls) == 1
    assert all(len(s) == 2 for s in counter.calls[0]) or len(sb) == 3  # batch of rows folded into one GEMM
    y.backward(chainrule.ones_like(y))
    assert len(counter.calls) == 3
    if len(sb) == 2:
        # the weight gradient sums over the batch inside one GEMM: (K, B*M) @ (B*M, N)
        assert counter.calls[2] == ((sa[-1], int(np.prod(sa[:-1]))), (int(np.prod(sa[:-1])), sb[-1]))
    tb = torch.tensor(b.detach().numpy(), requires_grad=True)
    ty = torch.tensor(a.detach().numpy()) @ tb
    ty.backward(torch.ones_like(ty))
    np.testing.assert_allclose(b.grad.numpy(), tb.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_out_argument():
    def run(T):
        a, b = T.ones(2, 3), T.full((3, 2), 2.0)
        o1, o2, o3 = T.empty(2, 2), T.empty(0), T.empty(2, dtype=T.float64)
        r = T.mm(a, b, out=o1)
        T.matmul(a, b, out=o2)
        T.sum(a, 1, out=o3)
        return r is o1, o1.tolist(), o2.tolist(), o3.tolist(), o3.dtype == T.float64

    assert run(chainrule) == run(torch)
    x = np.ones((2, 3), F32)
    assert_raises_like_torch(
        lambda T, a: T.mm(a, a.T, out=T.empty(2, 2, dtype=T.float64)),
        x,
        match="Expected out tensor to have dtype float, but got double instead",
    )
    assert_raises_like_torch(
        lambda T, a: T.mm(a.requires_grad_(), a.T, out=T.empty(2, 2)),
        x,
        match="functions with out=... arguments don't support automatic differentiation",
    )


@st.composite
def _matmul_shapes(draw):
    m, k, n = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(st.lists(st.integers(1, 3), max_size=3))
    ba = [b if draw(st.booleans()) else 1 for b in batch][draw(st.integers(0, len(batch))) :]
    bb = [b if draw(st.booleans()) else 1 for b in batch][draw(st.integers(0, len(batch))) :]
    sa = (k,) if draw(st.integers(0, 4)) == 0 else tuple(ba) + (m, k)
    sb = (k,) if draw(st.integers(0, 4)) == 0 else tuple(bb) + (k, n)
    return sa, sb, draw(st.integers(0, 2**31 - 1))


@settings(max_examples=60, deadline=None)
@given(_matmul_shapes())
def test_property_matmul_broadcasting(case):
    sa, sb, seed = case
    check_op(lambda T, a, b: a @ b, [sa, sb], seed=seed)


@pytest.mark.parametrize("ord", ["fro", 1, -1, np.inf, -np.inf])
def test_linalg_norms(ord):
    def fn(T, a):
        lin = T.linalg if T is torch else _linalg
        norm = T.linalg.norm if T is torch else _linalg.linalg_norm
        return (
            lin.matrix_norm(a, ord),
            lin.matrix_norm(a, ord, dim=(0, 2), keepdim=True),
            norm(a[0], ord),
            lin.vector_norm(a, 3, dim=1),
            norm(a),
            norm(a, dim=-1),
            lin.vector_norm(a, dtype=T.float64),
        )

    check_op(fn, [(3, 4, 5)])
    assert_raises_like_torch(lambda T, a: (T.linalg if T is torch else _linalg).matrix_norm(a), np.ones(3, F32))
