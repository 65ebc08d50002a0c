"""Top-level helpers against torch: searching, combinatorics, creation, integration, finite differences,
chained products, thresholding and the ``torch.<name>_`` in-place forms (values, dtypes, grads, errors)."""

import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op

import chainrule
from chainrule.ops import _misc_extra2, misc_extra

NAN, INF = float("nan"), float("inf")
SEQ = np.array([1.0, 2.0, 3.0, 3.0, 5.0])
VALS = np.array([0.0, 3.0, 4.0, 6.0, NAN, INF, -INF, 1.0, 5.0])


def _same(t, c, what="output"):
    """torch and chainrule results agree: tensors (value, dtype, shape), tuples elementwise, others by ==."""
    if isinstance(t, torch.Tensor):
        assert isinstance(c, chainrule.Tensor), f"{what}: {type(c)}"
        assert str(c.dtype) == str(t.dtype), f"{what}: dtype {c.dtype} != torch {t.dtype}"
        assert tuple(c.shape) == tuple(t.shape), f"{what}: shape {tuple(c.shape)} != torch {tuple(t.shape)}"
        np.testing.assert_allclose(c.detach().numpy(), t.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
        assert c.requires_grad == t.requires_grad, what
    elif isinstance(t, tuple):
        assert isinstance(c, tuple) and len(c) == len(t), f"{what}: {c!r} vs torch {t!r}"
        for i, (a, b) in enumerate(zip(t, c)):
            _same(a, b, f"{what}[{i}]")
    else:
        assert c == t, f"{what}: {c!r} != torch {t!r}"


def both(fn, *arrays):
    _same(fn(torch, *[torch.tensor(a) for a in arrays]), fn(chainrule, *[chainrule.tensor(a) for a in arrays]))


# ---- searchsorted / bucketize / isin --------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn",
    [
        lambda T, s, v: T.searchsorted(s, v),
        lambda T, s, v: T.searchsorted(s, v, right=True),
        lambda T, s, v: T.searchsorted(s, v, side="right"),
        lambda T, s, v: T.searchsorted(s, v, side="right", right=False),
        lambda T, s, v: T.searchsorted(s, v, side="left"),
        lambda T, s, v: T.searchsorted(s, v, out_int32=True),
        lambda T, s, v: T.searchsorted(s, v.reshape(3, 3), right=True),
        lambda T, s, v: T.searchsorted(s, v[1]),
        lambda T, s, v: T.searchsorted(s, 3),
        lambda T, s, v: T.searchsorted(s, 3.5, right=True),
        lambda T, s, v: T.searchsorted(s, True),
        lambda T, s, v: T.searchsorted(s, v[:0]),
        lambda T, s, v: T.searchsorted(s[:0], v),
        lambda T, s, v: T.searchsorted(s.long(), v),
        lambda T, s, v: T.searchsorted(s.long(), 2.5),
        lambda T, s, v: T.searchsorted(s, v.double(), right=True),
        lambda T, s, v: T.searchsorted(s.flip(0), v, sorter=T.arange(4, -1, -1)),
        lambda T, s, v: T.bucketize(v, s),
        lambda T, s, v: T.bucketize(v, s, right=True, out_int32=True),
        lambda T, s, v: T.bucketize(3.0, s),
        lambda T, s, v: T.bucketize(v[1], s, right=True),
        lambda T, s, v: T.bucketize(v.reshape(3, 3)[:, :0], s),
    ],
)
def test_searchsorted_bucketize_1d(fn):
    check_op(fn, None, arrays=[SEQ, VALS], grad=False, dtypes=("float32",))


def test_searchsorted_weak_scalar_promotion():
    # 0-d and Python values compare in the boundaries' dtype; 1-d values promote
    s = np.array([0.1], np.float32)
    both(lambda T, s: T.searchsorted(s, 0.1, right=True), s)
    both(lambda T, s: T.searchsorted(s, T.tensor(0.1, dtype=T.float64), right=True), s)
    both(lambda T, s: T.searchsorted(s, T.tensor([0.1], dtype=T.float64), right=True), s)
    both(lambda T, s: T.searchsorted(s.double(), T.tensor([0.1]), right=True), s)


def test_searchsorted_batched_random():
    rng = np.random.default_rng(0)
    seq = np.sort(rng.integers(0, 20, (2, 3, 37)), -1).astype(np.float64)
    vals = rng.integers(-2, 22, (2, 3, 50)).astype(np.float64)
    vals[0, 0, :3] = [NAN, INF, -INF]
    for right in (False, True):
        both(lambda T, s, v, r=right: T.searchsorted(s, v, right=r), seq, vals)
        both(lambda T, s, v, r=right: T.searchsorted(s.float(), v.long(), right=r, out_int32=True), seq, vals)
    perm = np.argsort(rng.standard_normal(seq.shape), -1)
    shuffled = np.take_along_axis(seq, perm, -1)
    order = np.argsort(shuffled, -1, kind="stable")
    both(lambda T, s, v, o: T.searchsorted(s, v, sorter=o), shuffled, vals, order)
    both(lambda T, s, v: T.searchsorted(s, v), seq[:, :, :0], vals)
    both(lambda T, s, v: T.searchsorted(s, v), np.zeros((0, 4)), np.zeros((0, 2)))
    big = np.sort(rng.standard_normal(1000))
    both(lambda T, s, v: T.searchsorted(s, v), big, rng.standard_normal((4, 25)))


def test_searchsorted_nan_boundaries_follow_torch_binary_search():
    both(lambda T, s, v: T.searchsorted(s, v), np.array([1.0, NAN, 3.0]), np.array([2.0, NAN, 0.0, 4.0]))
    both(lambda T, s, v: T.searchsorted(s, v, right=True), np.array([[1.0, NAN, 3.0]]), np.array([[2.0, NAN]]))


def test_searchsorted_out_and_no_grad():
    s = chainrule.tensor(SEQ)
    out = chainrule.empty(0, dtype=chainrule.int64)
    r = chainrule.searchsorted(s, chainrule.tensor([2.5, 4.0]), out=out)
    assert r is out and out.tolist() == [2, 4]
    v = chainrule.tensor([2.5], requires_grad=True)
    r = chainrule.searchsorted(s, v)
    assert not r.requires_grad and r.grad_fn is None
    assert not chainrule.isin(v, v).requires_grad


@pytest.mark.parametrize(
    "fn, arrays",
    [
        (lambda T, s, v: T.searchsorted(s, v), [np.ones((2, 3)), np.ones(3)]),
        (lambda T, s, v: T.searchsorted(s, v), [np.ones((2, 3)), np.ones((1, 1, 1))]),
        (lambda T, s, v: T.searchsorted(s, v), [np.ones((2, 3)), np.ones((1, 2))]),
        (lambda T, s, v: T.searchsorted(s, 3.0), [np.ones((2, 3)), np.ones(1)]),
        (lambda T, s, v: T.searchsorted(s, v), [np.array(1.0), np.ones(2)]),
        (lambda T, s, v: T.searchsorted(s, 3, side="left", right=True), [SEQ, VALS]),
        (lambda T, s, v: T.searchsorted(s, 3, side="middle"), [SEQ, VALS]),
        (lambda T, s, v: T.searchsorted(s, 3, sorter=T.tensor([0, 1, 2])), [SEQ, VALS]),
        (lambda T, s, v: T.searchsorted(s, 3, sorter=T.tensor([0, 1, 2, 3, 9])), [SEQ, VALS]),
        (lambda T, s, v: T.searchsorted(s, 3, sorter=T.tensor([0, 1, 2, 3, -1])), [SEQ, VALS]),
        (lambda T, s, v: T.searchsorted(s, 3, sorter=T.tensor([0, 1, 2, 3, 4], dtype=T.int32)), [SEQ, VALS]),
        (lambda T, s, v: T.searchsorted(s, "a"), [SEQ, VALS]),
        (lambda T, s, v: T.searchsorted(s > 2, v > 2), [SEQ, VALS]),
        (lambda T, s, v: T.bucketize(v, s.reshape(1, 5)), [SEQ, VALS]),
        (lambda T, s, v: T.bucketize(v, s[0]), [SEQ, VALS]),
        (lambda T, s, v: T.bucketize(v > 1, s > 1), [SEQ, VALS]),
        (lambda T, s, v: T.isin(2, 3), [SEQ]),
        (lambda T, s: T.isin(s > 1, s), [SEQ]),
        (lambda T, s: T.isin(s, True), [SEQ]),
        (lambda T, s: T.isin(s, [1.0]), [SEQ]),
    ],
)
def test_search_errors(fn, arrays):
    assert_raises_like_torch(fn, *arrays)


def test_searchsorted_error_messages():
    s = chainrule.tensor(SEQ)
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        chainrule.searchsorted(s, 3, side="left", right=True)
    with pytest.raises(RuntimeError, match=r"boundaries tensor \[2, 3\] and input value tensor \[2\]"):
        chainrule.searchsorted(chainrule.ones(2, 3), chainrule.ones(2))
    with pytest.raises(RuntimeError, match=r"boundaries tensor must be 1 dimension, but got dim\(2\)"):
        chainrule.bucketize(s, chainrule.ones(2, 2))


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, a, b: T.isin(a, b),
        lambda T, a, b: T.isin(a, b, invert=True),
        lambda T, a, b: T.isin(a, b, assume_unique=True),
        lambda T, a, b: T.isin(a.reshape(2, 3), b),
        lambda T, a, b: T.isin(a[0], b),
        lambda T, a, b: T.isin(a, b[0]),
        lambda T, a, b: T.isin(a, 2.0),
        lambda T, a, b: T.isin(a.long(), 2.5),
        lambda T, a, b: T.isin(a.long(), 2.0),
        lambda T, a, b: T.isin(2.0, b),
        lambda T, a, b: T.isin(a[:0], b),
        lambda T, a, b: T.isin(a, b[:0]),
        lambda T, a, b: T.isin(a.long(), b),
        lambda T, a, b: T.isin(a.float(), b.double()),
        lambda T, a, b: T.isin(a.float(), T.tensor(0.1, dtype=T.float64)),
        lambda T, a, b: T.isin(a.float(), 0.1),
    ],
)
def test_isin(fn):
    a = np.array([0.1, 2.0, 3.0, NAN, 2.5, -1.0])
    b = np.array([2.5, 2.0, NAN, 0.1, 2.0])
    check_op(fn, None, arrays=[a, b], grad=False, dtypes=("float64",))


# ---- unravel_index -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "idx, shape",
    [
        (np.array([4, 1, 7, 0]), (2, 4)),
        (np.array(5), (2, 4)),
        (np.array([[5, -1], [8, -9]]), (2, 4)),
        (np.array([1234, 5678]), (10, 10, 10, 10)),
        (np.array([3], np.int32), [2, 3]),
        (np.array([3], np.uint8), (4,)),
        (np.array([3]), 4),
        (np.array([1]), ()),
        (np.array([], np.int64), (0, 3)),
        (np.array([], np.int64), (3, 0)),
    ],
)
def test_unravel_index(idx, shape):
    both(lambda T, i: T.unravel_index(i, shape), idx)
    both(lambda T, i: T.unravel_index(i, T.Size(shape) if isinstance(shape, tuple) else shape), idx)


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, i: T.unravel_index(i.float(), (2, 3)),
        lambda T, i: T.unravel_index(i > 0, (2, 3)),
        lambda T, i: T.unravel_index(i, (2.0, 3)),
        lambda T, i: T.unravel_index(i, T.tensor([2, 3])),
        lambda T, i: T.unravel_index(i, (-1, 3)),
        lambda T, i: T.unravel_index(i, (3, 0)),
        lambda T, i: T.unravel_index(5, (2, 3)),
    ],
)
def test_unravel_index_errors(fn):
    assert_raises_like_torch(fn, np.array([1, 2]))


# ---- block_diag / cartesian_prod / combinations -----------------------------------------------------------
@pytest.mark.parametrize(
    "shapes",
    [[(2, 3), (1,), (), (2, 2)], [(3, 3)], [(4,)], [()], [(0, 2), (2, 0), (3,)], [(0,), (0, 2)], [(2, 1), (1, 4)]],
)
def test_block_diag(shapes):
    check_op(lambda T, *ts: T.block_diag(*ts), shapes)
    if any(np.prod(s) for s in shapes):
        check_gradcheck(lambda T, *ts: T.block_diag(*ts), shapes, gradgrad=True)


def test_block_diag_dtypes_and_empty():
    both(lambda T: T.block_diag())
    both(lambda T, a, b: T.block_diag(a, b), np.array([1, 2], np.int32), np.array([True]))
    both(lambda T, a, b: T.block_diag(a, b), np.array(3.0), np.array([1.0, 2.0], np.float32))
    both(lambda T, a, b: T.block_diag(a, b), np.array([3.0]), np.array([1, 2], np.int64))
    x = chainrule.ones(2, 2, requires_grad=True)
    assert chainrule.block_diag(x, x).grad_fn.name() == "BlockDiagBackward0"
    # an empty 1-D input is a 1 x 0 block (a row of zeros); torch's backward forgets that row and hands the
    # next block the gradient of the row above it, so only the values are compared here
    check_op(lambda T, a, b: T.block_diag(a, b), [(0,), (1, 2)], grad=False)
    check_gradcheck(lambda T, a, b: T.block_diag(a, b), [(0,), (1, 2)], gradgrad=True)
    assert_raises_like_torch(lambda T, a: T.block_diag(a), np.ones((2, 2, 2)))
    assert_raises_like_torch(lambda T, a: T.block_diag([a]), np.ones((2, 2)))


@pytest.mark.parametrize("shapes", [[(3,), (2,)], [(2,), (3,), (2,)], [(3,), (0,)], [(1,), (4,)]])
def test_cartesian_prod(shapes):
    check_op(lambda T, *ts: T.cartesian_prod(*ts), shapes)
    if all(np.prod(s) for s in shapes):
        check_gradcheck(lambda T, *ts: T.cartesian_prod(*ts), shapes, gradgrad=True)


def test_cartesian_prod_single_and_errors():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    assert chainrule.cartesian_prod(x) is x
    both(lambda T, a, b: T.cartesian_prod(a, b), np.array([1, 2]), np.array([5, 6, 7]))
    y = chainrule.cartesian_prod(x, x)
    assert y.grad_fn.name() == "StackBackward0"
    assert_raises_like_torch(lambda T: T.cartesian_prod())
    assert_raises_like_torch(lambda T, a, b: T.cartesian_prod(a, b), np.ones(2), np.ones(2, np.int64))
    assert_raises_like_torch(lambda T, a, b: T.cartesian_prod(a, b), np.ones(2), np.array(1.0))
    assert_raises_like_torch(lambda T, a: T.cartesian_prod(a), np.ones((2, 2)))


@pytest.mark.parametrize(
    "n, r, repl",
    [(4, 2, False), (4, 2, True), (5, 3, False), (4, 3, True), (3, 1, False), (3, 4, False), (3, 3, False)],
)
def test_combinations(n, r, repl):
    check_op(lambda T, a: T.combinations(a, r, with_replacement=repl), [(n,)])
    check_gradcheck(lambda T, a: T.combinations(a, r=r, with_replacement=repl), [(n,)])


def test_combinations_edges():
    both(lambda T, a: T.combinations(a, 0), np.arange(3.0))
    both(lambda T, a: T.combinations(a), np.zeros(0))
    both(lambda T, a: T.combinations(a, 3, True), np.zeros(0))
    both(lambda T, a: T.combinations(a, 2), np.array([1, 2, 3]))
    both(lambda T, a: T.combinations(a, 4, True), np.arange(6))
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert chainrule.combinations(x).grad_fn.name() == "StackBackward0"
    assert chainrule.combinations(x, r=0).grad_fn is None
    for args in [(np.ones((2, 2)),), (np.array(1.0),)]:
        assert_raises_like_torch(lambda T, a: T.combinations(a), *args)
    assert_raises_like_torch(lambda T, a: T.combinations(a, -1), np.ones(3))


# ---- creation and identities ------------------------------------------------------------------------------
def test_scalar_tensor():
    for s, kw in [
        (3, {}),
        (3.5, {"dtype": "int64"}),
        (-2.5, {"dtype": "int32"}),
        (True, {}),
        (2.0, {"dtype": "float64"}),
    ]:
        kt = {k: getattr(torch, v) for k, v in kw.items()}
        kc = {k: getattr(chainrule, v) for k, v in kw.items()}
        _same(torch.scalar_tensor(s, **kt), chainrule.scalar_tensor(s, **kc))
    _same(torch.scalar_tensor(3, requires_grad=True), chainrule.scalar_tensor(3, requires_grad=True))
    both(lambda T, a: T.scalar_tensor(a), np.array(2))
    for fn in [
        lambda T: T.scalar_tensor(T.tensor([2, 3])),
        lambda T: T.scalar_tensor("a"),
        lambda T: T.scalar_tensor(1e300),
        lambda T: T.scalar_tensor(NAN, dtype=T.int64),
        lambda T: T.scalar_tensor(2, dtype=T.int64, requires_grad=True),
        lambda T: T.scalar_tensor(2**70),
    ]:
        assert_raises_like_torch(fn)


@pytest.mark.parametrize(
    "shapes",
    [
        [(2, 1), (3,)],
        [],
        [2, (3, 1)],
        [(2, 3), (4, 2, 3), (2, 1)],
        [(2, 0), (1,)],
        [[1, 4], (2, 1)],
        [(), (5,)],
        [None, (2,)],
        [(1, 1), ()],
    ],
)
def test_broadcast_shapes(shapes):
    t = torch.broadcast_shapes(*shapes)
    c = chainrule.broadcast_shapes(*shapes)
    assert isinstance(c, chainrule.Size) and c == t and repr(c) == repr(t)


@pytest.mark.parametrize("shapes", [[(2,), (3,)], [(-1,), (1,)], [(2.0,), (1,)], [(2, 3), (3, 3)], [2.0]])
def test_broadcast_shapes_errors(shapes):
    assert_raises_like_torch(lambda T: T.broadcast_shapes(*shapes))
    if shapes == [(2,), (3,)]:
        with pytest.raises(RuntimeError, match="Attempting to broadcast a dimension of length 3 at -1"):
            chainrule.broadcast_shapes(*shapes)


@pytest.mark.parametrize(
    "args, kw",
    [
        ((1, 4), {}),
        ((0, 1, 0.25), {}),
        ((0, 1, 0.1), {}),
        ((0, 1, 0.1), {"dtype": "float64"}),
        ((0, 1, 0.1), {"dtype": "float16"}),
        ((0.1, 1e5 + 0.1), {"dtype": "float64"}),
        ((1, 4), {"dtype": "int64"}),
        ((0.5, 3.7), {"dtype": "int64"}),
        ((-0.5, 2.5), {"dtype": "int32"}),
        ((4, 1, -1), {}),
        ((6, 1, -2), {"dtype": "int16"}),
        ((6.5, 1, -2.5), {"dtype": "int64"}),
        ((1, 1), {}),
        ((0, 2, 0.7), {}),
        ((0, 3), {"requires_grad": True}),
    ],
)
def test_range(args, kw):
    kt = {k: getattr(torch, v) if k == "dtype" else v for k, v in kw.items()}
    kc = {k: getattr(chainrule, v) if k == "dtype" else v for k, v in kw.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = torch.range(*args, **kt)
    with pytest.warns(UserWarning, match="torch.range is deprecated"):
        c = chainrule.range(*args, **kc)
    _same(t, c)


def test_range_tensor_args_and_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _same(torch.range(torch.tensor(0), torch.tensor(2)), chainrule.range(chainrule.tensor(0), chainrule.tensor(2)))
        _same(torch.range(0, 2, torch.tensor(0.5)), chainrule.range(0, 2, chainrule.tensor(0.5)))
        _same(torch.range(start=0, end=3), chainrule.range(start=0, end=3))
        for fn in [
            lambda T: T.range(5),
            lambda T: T.range(4, 1),
            lambda T: T.range(1, 4, 0),
            lambda T: T.range(0, INF),
            lambda T: T.range(0.0, NAN),
            lambda T: T.range(0, 3, dtype=T.bool),
            lambda T: T.range(0, 2, "a"),
            lambda T: T.range(0, 3, dtype=T.int64, requires_grad=True),
        ]:
            assert_raises_like_torch(fn)
    with pytest.raises(RuntimeError, match="upper bound and lower bound inconsistent"), pytest.warns(UserWarning):
        chainrule.range(4, 1)
    # a step that truncates to 0 in an integer dtype (torch divides by zero and the process dies)
    with pytest.raises(RuntimeError, match="step must be nonzero"), pytest.warns(UserWarning):
        chainrule.range(0, 3, 0.5, dtype=chainrule.int32)


def test_clone_positive_real_imag():
    check_op(lambda T, a: T.clone(a) * 2, [(3, 4)])
    check_op(lambda T, a: T.clone(a, memory_format=T.preserve_format), [()])
    check_op(lambda T, a: T.clone(a, memory_format=T.contiguous_format), [(2, 0)])
    check_op(lambda T, a: T.positive(a) * a, [(3,)])
    check_op(lambda T, a: a.positive() + T.real(a) + a.real, [(2, 3)])
    x = chainrule.tensor([1.0, -2.0], requires_grad=True)
    assert chainrule.positive(x) is x and x.positive() is x and chainrule.real(x) is x and x.real is x
    assert chainrule.clone(x).grad_fn.name() == "CloneBackward0"
    both(lambda T, a: T.positive(a), np.array([1, 2]))
    both(lambda T, a: T.real(a), np.array([1, 2]))
    assert_raises_like_torch(lambda T, a: T.positive(a), np.array([True]))
    assert_raises_like_torch(lambda T, a: T.imag(a), np.ones(2))
    assert_raises_like_torch(lambda T, a: a.imag, np.ones(2))


def test_fill():
    check_op(lambda T, a: T.fill(a, 3) * a, [(2, 3)])
    check_op(lambda T, a: T.fill(a, -1.5), [()])
    check_op(lambda T, a, v: T.fill(a, v) * a, [(2, 3), ()])
    check_op(lambda T, a, v: T.fill(a, v), [(0, 3), ()])
    x = chainrule.ones(2, requires_grad=True)
    assert chainrule.fill(x, 2).grad_fn.name() == "FillBackward0"
    assert chainrule.fill(x, chainrule.tensor(2.0, requires_grad=True)).grad_fn.name() == "FillBackward1"
    assert chainrule.fill(x.detach(), 2).grad_fn is None
    both(lambda T, a: T.fill(a, 2.7), np.array([1, 2]))
    both(lambda T, a: T.fill(a, T.tensor(2.7)), np.array([1, 2]))
    both(lambda T, a: T.fill(a, 2), np.array([True, False]))
    both(lambda T, a: T.fill(a, 0), np.array([True, False]))
    both(lambda T, a: T.fill(a, -1), np.array([1, 2], np.uint8))
    assert_raises_like_torch(lambda T, a: T.fill(a, T.tensor([3.0])), np.ones(2))
    assert_raises_like_torch(lambda T, a: T.fill(a, "a"), np.ones(2))
    assert_raises_like_torch(lambda T, a: T.fill(a, NAN), np.ones(2, np.int64))


# ---- trapezoid / cumulative_trapezoid ---------------------------------------------------------------------
TRAPZ = [
    (lambda T, y: T.trapezoid(y), [(2, 5)]),
    (lambda T, y: T.trapezoid(y, dx=0.5, dim=0), [(4, 3)]),
    (lambda T, y: T.trapezoid(y, dx=2), [(5,)]),
    (lambda T, y: T.trapezoid(y, dim=1), [(2, 3, 4)]),
    (lambda T, y, x: T.trapezoid(y, x), [(2, 5), (5,)]),
    (lambda T, y, x: T.trapezoid(y, x, dim=0), [(4, 3), (4,)]),
    (lambda T, y, x: T.trapezoid(y, x=x, dim=1), [(2, 4, 3), (4,)]),
    (lambda T, y, x: T.trapezoid(y, x), [(2, 5), (2, 5)]),
    (lambda T, y, x: T.trapezoid(y, x), [(3, 2, 5), (2, 5)]),
    (lambda T, y, x: T.trapezoid(y, x, dim=0), [(3, 2), (3, 1)]),
    (lambda T, y: T.trapezoid(y), [(1,)]),
    (lambda T, y: T.trapezoid(y), [(3, 0)]),
    (lambda T, y: T.trapezoid(y), [(0, 3)]),
    (lambda T, y, x: T.trapezoid(y, x, dim=0), [(0, 3), (2,)]),
    (lambda T, y: T.trapz(y), [(2, 5)]),
    (lambda T, y, x: T.trapz(y, x), [(2, 5), (5,)]),
    (lambda T, y: T.trapz(y, dx=3, dim=0), [(3, 2)]),
    (lambda T, y: T.cumulative_trapezoid(y), [(2, 5)]),
    (lambda T, y: T.cumulative_trapezoid(y, dx=2, dim=0), [(4, 3)]),
    (lambda T, y, x: T.cumulative_trapezoid(y, x), [(2, 5), (5,)]),
    (lambda T, y, x: T.cumulative_trapezoid(y, x, dim=0), [(4, 3), (4, 3)]),
    (lambda T, y, x: T.cumulative_trapezoid(y, x, dim=-2), [(2, 4, 3), (4, 1)]),
    (lambda T, y: T.cumulative_trapezoid(y), [(1,)]),
    (lambda T, y: T.cumulative_trapezoid(y), [(0,)]),
    (lambda T, y: T.cumulative_trapezoid(y, dim=0), [(0, 3)]),
]


@pytest.mark.parametrize("fn, shapes", TRAPZ)
def test_trapezoid(fn, shapes):
    check_op(fn, shapes)
    if all(np.prod(s) for s in shapes) and shapes[0] != (1,):
        check_gradcheck(fn, shapes, gradgrad=True)


def test_trapezoid_dtypes_and_names():
    for fn in [lambda T, y: T.trapezoid(y), lambda T, y: T.trapezoid(y, dx=2), lambda T, y: T.cumulative_trapezoid(y)]:
        both(fn, np.array([1, 2, 4]))
    both(lambda T, y: T.trapezoid(y), np.zeros(0, np.int64))
    both(lambda T, y, x: T.trapezoid(y, x), np.array([1, 2, 4]), np.array([1, 2, 4]))
    both(lambda T, y, x: T.trapezoid(y, x), np.array([1.0, 2.0], np.float32), np.array([1.0, 2.0]))
    both(lambda T, y, x: T.trapezoid(y, x), np.array([1.0, 2.0]), np.array(2.0))
    both(lambda T, y, x: T.cumulative_trapezoid(y, x), np.array([1, 2, 4]), np.array([0, 1, 3]))
    both(lambda T, y: T.trapezoid(y, dx=T.tensor(2.0)), np.array([1.0, 2.0]))
    both(lambda T, y: T.trapz(y, dx=True), np.array([1.0, 2.0]))
    y = chainrule.ones(2, 3, requires_grad=True)
    x = chainrule.arange(3.0)
    assert chainrule.cumulative_trapezoid(y).grad_fn.name() == "CumsumBackward0"
    assert chainrule.cumulative_trapezoid(y, x * 1).grad_fn.name().startswith("DivBackward")


@pytest.mark.parametrize(
    "fn, arrays",
    [
        (lambda T, y: T.trapezoid(y), [np.array(3.0)]),
        (lambda T, y: T.cumulative_trapezoid(y), [np.array(3.0)]),
        (lambda T, y: T.trapezoid(y, dim=2), [np.ones((2, 3))]),
        (lambda T, y: T.trapezoid(y, T.ones(4)), [np.ones((2, 3))]),
        (lambda T, y: T.cumulative_trapezoid(y, T.ones(4)), [np.ones((2, 3))]),
        (lambda T, y: T.cumulative_trapezoid(y, T.ones(1), dim=0), [np.ones((0, 3))]),
        (lambda T, y: T.trapezoid(y, T.ones(1, 3)), [np.ones(3)]),
        (lambda T, y: T.trapezoid(y, T.ones((2, 4))), [np.ones((2, 3))]),
        (lambda T, y: T.trapezoid(y), [np.array([True, False])]),
        (lambda T, y: T.trapezoid(y, T.ones(2) > 0), [np.ones(2)]),
        (lambda T, y: T.cumulative_trapezoid(y), [np.array([True, False])]),
        (lambda T, y: T.trapezoid(y, dx=True), [np.ones(2)]),
        (lambda T, y: T.cumulative_trapezoid(y, dx=True), [np.ones(2)]),
        (lambda T, y: T.trapezoid(y, 2.0), [np.ones(2)]),
        (lambda T, y: T.trapezoid(y, T.ones(2), dx=1), [np.ones(2)]),
    ],
)
def test_trapezoid_errors(fn, arrays):
    assert_raises_like_torch(fn, *arrays)


# ---- gradient --------------------------------------------------------------------------------------------
GRADIENT = [
    (lambda T, a: T.gradient(a), [(3, 4)]),
    (lambda T, a: T.gradient(a, edge_order=2), [(3, 4)]),
    (lambda T, a: T.gradient(a, spacing=2.0), [(3, 4)]),
    (lambda T, a: T.gradient(a, spacing=[2.0, 0.5], edge_order=2), [(3, 4)]),
    (lambda T, a: T.gradient(a, spacing=3, dim=1), [(2, 5)]),
    (lambda T, a: T.gradient(a, dim=[1]), [(2, 5)]),
    (lambda T, a: T.gradient(a, dim=(-1, 0)), [(3, 2, 4)]),
    (lambda T, a: T.gradient(a, dim=-1), [(2,)]),
    (lambda T, a: T.gradient(a), [()]),
    (lambda T, a: T.gradient(a, spacing=T.tensor(2.0)), [(3,)]),
    (lambda T, a, c: T.gradient(a, spacing=(c,), dim=1), [(2, 5), np.array([0.0, 0.5, 1.5, 1.7, 3.0])]),
    (lambda T, a, c: T.gradient(a, spacing=[c], dim=1, edge_order=2), [(2, 5), np.array([0.0, 0.5, 1.5, 1.7, 3.0])]),
    (lambda T, a, c: T.gradient(a, spacing=(c, c), edge_order=2), [(3, 3), np.array([0.0, 1.0, 3.0])]),
    (lambda T, a, c: T.gradient(a, spacing=(c,)), [(2,), np.array([0.0, 0.5])]),
]


@pytest.mark.parametrize("fn, shapes", GRADIENT)
def test_gradient(fn, shapes):
    # coordinate tensors (ndarray entries) require grad too: the weights are differentiable in them
    check_op(fn, shapes)
    if shapes[0] != ():
        check_gradcheck(fn, shapes, gradgrad=True)


def test_gradient_dtypes():
    both(lambda T, a: T.gradient(a), np.array([1, 2, 4]))
    both(lambda T, a: T.gradient(a, spacing=2), np.array([1, 2, 4]))
    both(lambda T, a: T.gradient(a, spacing=0), np.array([1.0, 2.0, 4.0]))
    both(lambda T, a: T.gradient(a, spacing=True), np.array([1.0, 2.0, 4.0]))
    both(lambda T, a, c: T.gradient(a, spacing=(c,)), np.array([1, 2, 4]), np.array([0, 1, 3]))
    both(lambda T, a, c: T.gradient(a, spacing=(c,), edge_order=2), np.array([1, 2, 4]), np.array([0, 1, 3]))
    both(lambda T, a, c: T.gradient(a, spacing=(c.double(),)), np.array([1.0, 2.0, 4.0], np.float32), np.arange(3.0))
    x = chainrule.ones(3, requires_grad=True)
    assert chainrule.gradient(x)[0].grad_fn.name() == "CatBackward0"


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, a: T.gradient(a, spacing=[2.0]),
        lambda T, a: T.gradient(a, spacing=[2.0, 1.0], dim=1),
        lambda T, a: T.gradient(a, edge_order=3),
        lambda T, a: T.gradient(a, edge_order=0),
        lambda T, a: T.gradient(a, dim=2),
        lambda T, a: T.gradient(a, dim=(1, 1)),
        lambda T, a: T.gradient(a, dim=0, edge_order=2),
        lambda T, a: T.gradient(a[:, :0], dim=1),
        lambda T, a: T.gradient(a, spacing=[T.ones(1, 4)], dim=1),
        lambda T, a: T.gradient(a, spacing=[T.tensor(1.0)], dim=1),
        lambda T, a: T.gradient(a, spacing=(2, T.ones(4))),
        lambda T, a: T.gradient(a, spacing=(T.ones(4), 2.0), dim=(1, 0)),
        lambda T, a: T.gradient(a, spacing=T.ones(4), dim=1),
        lambda T, a: T.gradient(a.to(T.uint8)),
        lambda T, a: T.gradient(a > 0),
    ],
)
def test_gradient_errors(fn):
    assert_raises_like_torch(fn, np.ones((2, 4)))


# ---- chain_matmul / frobenius_norm -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "shapes",
    [
        [(3, 4)],
        [(3, 4), (4, 5)],
        [(3, 4), (4, 5), (5, 2)],
        [(10, 2), (2, 10), (10, 3)],
        [(2, 3), (3, 4), (4, 5), (5, 2)],
        [(6, 2), (2, 7), (7, 1), (1, 5), (5, 3)],
        [(2, 0), (0, 3)],
    ],
)
def test_chain_matmul(shapes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(lambda T, *ms: T.chain_matmul(*ms), shapes, tol_scale=10)
        if all(np.prod(s) for s in shapes):
            check_gradcheck(lambda T, *ms: T.chain_matmul(*ms), shapes, gradgrad=True)


def test_chain_matmul_misc(monkeypatch):
    monkeypatch.setattr(_misc_extra2, "_WARNED", set())
    a = chainrule.ones(2, 2, requires_grad=True)
    with pytest.warns(UserWarning, match="torch.chain_matmul is deprecated"):
        r = chainrule.chain_matmul(a)
    assert r is not a and r.grad_fn.name() == "CloneBackward0"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chainrule.chain_matmul(a, a)  # warns once per process, as torch
        warnings.simplefilter("ignore")
        both(lambda T, x, y: T.chain_matmul(x, y), np.ones((2, 3), np.int64), np.ones((3, 2), np.int64))
        for fn, arrays in [
            (lambda T: T.chain_matmul(), []),
            (lambda T, x: T.chain_matmul(x), [np.ones(3)]),
            (lambda T, x: T.chain_matmul(x, T.ones(3, 3)), [np.ones((3, 4), np.float32)]),
            (lambda T, x: T.chain_matmul(x, T.ones(4)), [np.ones((3, 4), np.float32)]),
            (lambda T, x: T.chain_matmul(x, T.ones(4, 2, dtype=T.float64)), [np.ones((3, 4), np.float32)]),
        ]:
            assert_raises_like_torch(fn, *arrays)
        out = chainrule.empty(0)
        assert chainrule.chain_matmul(a.detach(), a.detach(), out=out) is out and out.tolist() == [[2.0, 2.0]] * 2


@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda T, a: T.frobenius_norm(a, (0, 1)), [(3, 4)]),
        (lambda T, a: T.frobenius_norm(a, 0), [(3, 4)]),
        (lambda T, a: T.frobenius_norm(a, (1,), keepdim=True), [(3, 4)]),
        (lambda T, a: T.frobenius_norm(a, (2, 0)), [(2, 3, 4)]),
        (lambda T, a: T.frobenius_norm(a, ()), [(2, 3)]),
        (lambda T, a: T.frobenius_norm(a, (0,)), [()]),
        (lambda T, a: T.frobenius_norm(a, (0,)), [(0, 2)]),
    ],
)
def test_frobenius_norm(fn, shapes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(fn, shapes)
        if all(np.prod(s) for s in shapes):
            check_gradcheck(fn, shapes, gradgrad=True)


def test_frobenius_norm_zero_grad_and_errors(monkeypatch):
    monkeypatch.setattr(_misc_extra2, "_WARNED", set())
    with pytest.warns(UserWarning, match="frobenius_norm is deprecated"):
        chainrule.frobenius_norm(chainrule.ones(2), 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(lambda T, a: T.frobenius_norm(a * 0, (0, 1)), [(2, 2)])
        for fn, arr in [
            (lambda T, a: T.frobenius_norm(a), np.ones((2, 2))),
            (lambda T, a: T.frobenius_norm(a, (0, 1, 2)), np.ones((2, 2, 2))),
            (lambda T, a: T.frobenius_norm(a, (0, 0)), np.ones((2, 2))),
            (lambda T, a: T.frobenius_norm(a, 0), np.ones(2, np.int64)),
            (lambda T, a: T.frobenius_norm(a, 3), np.ones((2, 2))),
        ]:
            assert_raises_like_torch(fn, arr)


# ---- threshold / rms_norm ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "fn, shapes",
    [
        (lambda T, a: T.threshold(a, 0.5, -3.0), [(3, 4)]),
        (lambda T, a: T.threshold(a, threshold=-0.5, value=1), [(5,)]),
        (lambda T, a: T.threshold(a, 0.0, 0.0), [()]),
        (lambda T, a: T.threshold(a, 0.0, 2.0), [(0, 3)]),
        (lambda T, a: T.threshold(a * 1, 0.1, 7.0).exp(), [(2, 3)]),
    ],
)
def test_threshold(fn, shapes):
    check_op(fn, shapes)
    check_gradcheck(fn, shapes, gradgrad=True)


def test_threshold_ints_nan_inplace():
    both(lambda T, a: T.threshold(a, -2.5, 0), np.array([-2, -3, 5]))
    both(lambda T, a: T.threshold(a, -2.5, 7.9), np.array([-2, -3, 5], np.int32))
    both(lambda T, a: T.threshold(a, 0, 7), np.array([-2.0, NAN, 1.0]))
    both(lambda T, a: T.threshold(a, T.tensor(0.0), 7), np.array([-2.0, 1.0]))
    both(lambda T, a: T.threshold(a, 0.1, 7.3), np.array([-2.0, 0.1, 1.0]))
    both(lambda T, a: T.threshold(a, 0.1, 7.3), np.array([-2.0, 0.1, 1.0], np.float32))
    x = chainrule.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    assert chainrule.threshold(x, 0.5, -3).grad_fn.name() == "ThresholdBackward0"
    for T in (torch, chainrule):
        y = T.tensor([-1.0, 0.5, 2.0])
        assert T.threshold_(y, 0.5, -3) is y and y.tolist() == [-3.0, -3.0, 2.0]
    check_op(lambda T, a: T.threshold_(a * 1, 0.0, 5.0) * a, [(2, 3)])
    assert_raises_like_torch(lambda T, a: T.threshold_(a.requires_grad_(), 0.0, 1.0), np.ones(2))
    assert_raises_like_torch(lambda T, a: T.threshold(a, 0, 1), np.array([True]))
    assert_raises_like_torch(lambda T, a: T.threshold(a, 0, 1e30), np.array([300]))
    assert_raises_like_torch(lambda T, a: T.threshold(a, 0.5), np.ones(2))


def test_rms_norm():
    check_op(lambda T, a: T.rms_norm(a, (4,)), [(3, 4)])
    check_op(lambda T, a, w: T.rms_norm(a, [3, 4], w, 1e-3), [(2, 3, 4), (3, 4)])
    check_op(lambda T, a, w: T.rms_norm(a, T.Size([4]), weight=w, eps=0.1), [(2, 4), (4,)])
    assert_raises_like_torch(lambda T, a: T.rms_norm(a, 4), np.ones((2, 4)))
    assert_raises_like_torch(lambda T, a: T.rms_norm(a, (3,)), np.ones((2, 4)))


# ---- torch.<name>_ ---------------------------------------------------------------------------------------
_UNIT = np.array([[0.2, 0.5, 0.7], [0.3, 0.9, 0.4]])
_INPLACE_ARGS = {
    "acosh_": (_UNIT + 1.5, ()),
    "arccosh_": (_UNIT + 1.5, ()),
    "clamp_": (_UNIT, (0.3, 0.6)),
    "clip_": (_UNIT, (0.3,)),
    "clamp_max_": (_UNIT, (0.4,)),
    "clamp_min_": (_UNIT, (0.4,)),
    "fill_": (_UNIT, (2.5,)),
    "gcd_": (np.array([4, 6, 9]), (np.array([6, 4, 3]),)),
    "lcm_": (np.array([4, 6, 9]), (np.array([6, 4, 3]),)),
    "ldexp_": (_UNIT, (np.array([1.0, 2.0, 3.0]),)),
    "xlogy_": (_UNIT, (np.array([0.5, 2.0, 3.0]),)),
    "round_": (_UNIT * 10, ()),
    "nan_to_num_": (np.array([NAN, INF, -INF, 1.0]), ()),
    "index_put_": (_UNIT, ((np.array([0, 1]), np.array([2, 0])), np.array([5.0, 6.0]))),
    "detach_": (_UNIT, ()),
}


@pytest.mark.parametrize("name", misc_extra._INPLACE_FUNCS)
def test_top_level_inplace(name):
    data, args = _INPLACE_ARGS.get(name, (_UNIT, ()))
    res = {}
    for T in (torch, chainrule):
        t = T.tensor(data)
        targs = tuple(
            tuple(T.tensor(x) for x in a) if isinstance(a, tuple) else T.tensor(a) if isinstance(a, np.ndarray) else a
            for a in args
        )
        expect = getattr(t.clone(), name)(*targs)
        out = getattr(T, name)(t, *targs)
        assert out is t
        assert t._version > 0 or name == "detach_"
        np.testing.assert_allclose(np.asarray(t.tolist(), float), np.asarray(expect.tolist(), float), equal_nan=True)
        res[T.__name__] = t
    _same(res["torch"], res["chainrule"], name)


def test_top_level_inplace_rules():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    assert_raises_like_torch(lambda T, a: T.exp_(a.requires_grad_()), np.ones(2))
    assert_raises_like_torch(lambda T, a: T.zero_(a.requires_grad_()), np.ones(2))
    assert_raises_like_torch(lambda T, a: T.sqrt_(a), np.array([1, 4]))
    check_op(lambda T, a: T.exp_(a * 1) * a, [(2, 3)])
    y = x * 1
    chainrule.zero_(y)
    assert y.tolist() == [0.0, 0.0]
    chainrule.fill_(y, 3)
    assert y.tolist() == [3.0, 3.0]
    assert misc_extra.__all__.count("exp_") == 1 and chainrule.exp_.__name__ == "exp_"
