"""Scans, statistics, histograms, unique and matrix helpers against torch (values, indices, gradients, errors)."""

import math
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op

import chainrule
from chainrule.ops import reduce_extra

F32_F64 = ("float32", "float64")
NAN = np.nan


def F(*outs):
    """Flatten nested result tuples (named tuples like return_types.cummax) for check_op."""
    flat = []
    for o in outs:
        flat.extend(F(*o) if isinstance(o, tuple) else [o])
    return tuple(flat)


def check_arrays(fn, arrays, grad=True, **kw):
    """check_op on fixed arrays, once per float dtype (integer arrays stay as they are)."""
    for dt in F32_F64:
        arrs = [np.asarray(a).astype(dt) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in arrays]
        check_op(fn, None, dtypes=(dt,), arrays=arrs, grad=grad, **kw)


def same(c, t):
    """Exact equality of a chainrule result with torch's (NaN equal to NaN), including dtype and shape."""
    for co, to in zip(F(c), F(t)):
        assert str(co.dtype) == str(to.dtype) and tuple(co.shape) == tuple(to.shape), (co, to)
        np.testing.assert_array_equal(co.detach().numpy(), to.detach().numpy())


def both(fn, *arrays):
    return fn(chainrule, *[chainrule.tensor(a) for a in arrays]), fn(torch, *[torch.tensor(a) for a in arrays])


TIES = np.array([[1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN], [2.0, 1.0, 1.0, 0.0, 0.0, 4.0, 4.0], [1.0, 1.0, 1.0, 1, 1, 1, 1]])


# ---- cummax / cummin / logcumsumexp ---------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 5), 1), ((3, 5), -2), ((2, 3, 4), -1), ((), 0), ((2, 0), 1)])
def test_cummax_cummin(shape, dim):
    check_op(lambda T, a: F(T.cummax(a, dim), a.cummin(dim), a.cummax(dim=dim).values * 2), [shape])


def test_cummax_ties_and_nan_report_latest_index():
    check_arrays(lambda T, a: F(T.cummax(a, 1), T.cummin(a, 1), a.cummax(0), a.cummin(-2)), [TIES])
    x = chainrule.tensor([1.0, 3.0, 3.0, 2.0, 3.0], requires_grad=True)
    r = x.cummax(0)
    assert r.indices.tolist() == [0, 1, 2, 2, 4]
    r.values.sum().backward()  # each output's gradient goes to the index it reports
    assert x.grad.tolist() == [1.0, 1.0, 2.0, 0.0, 1.0]
    assert type(r).__name__ == "cummax" and "indices=" in repr(r)


def test_cummax_integer_bool_and_gradcheck():
    ints = np.array([[3, 1, 3, 5, 5, 0], [-1, -1, 2, 0, 2, 7]], dtype=np.int32)
    check_op(lambda T, a: F(a.cummax(1), a.cummin(1), a.cummax(0)), None, arrays=[ints], grad=False)
    check_op(lambda T, a: F(a.cummax(0), a.cummin(0)), None, arrays=[np.array([True, False, True])], grad=False)
    check_gradcheck(lambda T, a: F(a.cummax(1).values, a.cummin(0).values), [(3, 4)], gradgrad=True)
    assert_raises_like_torch(lambda T, a: a.cummax(2), np.ones((2, 3)), match="Dimension out of range")
    assert_raises_like_torch(lambda T, a: a.cummin(1), np.array(1.0), match="for scalar but got 1")


def test_logcumsumexp():
    check_op(lambda T, a: F(T.logcumsumexp(a, 1), a.logcumsumexp(0), a.logcumsumexp(-1)), [(3, 5)])
    check_op(lambda T, a: F(a.logcumsumexp(0), a.logcumsumexp(-1)), [()])
    check_op(lambda T, a: a.logcumsumexp(1), [(2, 0)])
    check_gradcheck(lambda T, a: F(a.logcumsumexp(1), a.logcumsumexp(0)), [(3, 4)], gradgrad=True)
    big = np.array([[1e4, -1e4, 1e4 - 1.0, 3.0], [-np.inf, -np.inf, 1.0, np.inf], [NAN, 1.0, 2.0, 3.0]])
    check_arrays(lambda T, a: a.logcumsumexp(1), [big], grad=False)
    assert_raises_like_torch(lambda T, a: a.logcumsumexp(0), np.arange(3), match="not implemented for 'Long'")


def test_cumsum_cumprod_inplace():
    def fn(T, a):
        b = a * 1
        v0 = b._version
        b.cumsum_(1)
        c = a * 1
        c.cumprod_(dim=0)
        assert b._version == v0 + 1 and c._version == 1
        return b, c, b.grad_fn.name(), c.grad_fn.name()

    check_op(fn, [(3, 4)], low=0.5, high=1.5)
    for T in (torch, chainrule):
        x = T.tensor([[1, 2], [3, 4]], dtype=T.int32)
        assert x.cumsum_(0).tolist() == [[1, 2], [4, 6]] and x.dtype == T.int32
        assert x.cumprod_(1, dtype=T.int32).tolist() == [[1, 2], [4, 24]]
    assert_raises_like_torch(lambda T, a: a.cumsum_(0), np.array([True, False]), match="not implemented for 'Bool'")
    assert_raises_like_torch(
        lambda T, a: a.float().cumprod_(0, dtype=T.float64), np.ones(3), match="input tensor dtype float and output"
    )
    leaf = chainrule.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        leaf.cumsum_(0)


# ---- diff, trace, kron, cross, dist, renorm, diagflat ----------------------------------------------------
def test_diff():
    check_op(
        lambda T, a, p, q: F(
            T.diff(a), a.diff(2, 0), T.diff(a, prepend=p), a.diff(n=3, dim=-1, append=p, prepend=p), T.diff(a, 7)
        ),
        [(3, 4), (3, 2), (1, 4)],
    )
    check_op(lambda T, a, q: F(T.diff(a, dim=0, prepend=q), a.diff(n=0, dim=0, append=q)), [(3, 4), (1, 4)])
    check_op(lambda T, a: F(a.diff(), a.diff(n=2)), [(0,)])
    check_gradcheck(lambda T, a, p: a.diff(2, prepend=p), [(3, 4), (3, 2)], gradgrad=True)
    ints, bools = np.array([1, 5, 2, 9], dtype=np.int32), np.array([True, False, False, True])
    check_op(lambda T, a, b: F(a.diff(), a.diff(2), b.diff(), b.diff(2)), None, arrays=[ints, bools], grad=False)
    check_op(lambda T, a, b: T.diff(a, prepend=b), None, arrays=[np.ones(3), np.arange(2)], grad=False)
    for T in (torch, chainrule):
        x = T.ones(3, 0)
        assert T.diff(x) is x  # nothing to difference: torch hands back the input itself


def test_diff_errors():
    x = np.ones((3, 4))
    assert_raises_like_torch(lambda T, a: T.diff(a), np.array(1.0), match="at least one-dimensional")
    assert_raises_like_torch(lambda T, a: T.diff(a, -1), x, match="order must be non-negative but got -1")
    assert_raises_like_torch(lambda T, a: T.diff(a, dim=2), x, match="Dimension out of range")
    assert_raises_like_torch(lambda T, a, b: T.diff(a, prepend=b), x, np.ones(3), match="same dimension as input")
    assert_raises_like_torch(lambda T, a, b: T.diff(a, append=b), x, np.ones((2, 1)), match=r"input.size\(0\) = 3")
    assert_raises_like_torch(lambda T, a: T.diff(a, prepend=1.0), x, match="must be Tensor, not float")


def test_trace():
    check_op(lambda T, a: F(T.trace(a), a.trace()), [(3, 4)])
    check_op(lambda T, a: F(T.trace(a), a.trace()), [(4, 2)])
    check_op(lambda T, a: a.trace(), [(0, 3)])
    check_gradcheck(lambda T, a: a.trace() ** 2, [(3, 3)], gradgrad=True)
    for dt in (np.int32, np.uint8):
        check_op(lambda T, a: a.trace(), None, arrays=[np.arange(9, dtype=dt).reshape(3, 3)], grad=False)
    assert_raises_like_torch(lambda T, a: a.trace(), np.ones(3), match="expected a matrix, but got tensor with dim 1")
    assert_raises_like_torch(lambda T, a: a.trace(), np.ones((2, 2), bool), match="not implemented for 'Bool'")


@pytest.mark.parametrize(
    "sa,sb", [((2, 3), (2, 1, 2)), ((2,), (3,)), ((), (2,)), ((), ()), ((0, 2), (3,)), ((3, 1), (2, 2))]
)
def test_kron(sa, sb):
    check_op(lambda T, a, b: F(T.kron(a, b), a.kron(b)), [sa, sb])


def test_kron_dtypes_and_gradcheck():
    check_gradcheck(lambda T, a, b: T.kron(a, b), [(2, 3), (3, 2)], gradgrad=True)
    ints, fl = np.array([1, 2], dtype=np.int32), np.array([1.5, -1.0], dtype=np.float32)
    check_op(lambda T, a, b: F(T.kron(a, b), T.kron(a, a)), None, arrays=[ints, fl], grad=False)
    b = np.array([True, False])
    check_op(lambda T, a: T.kron(a, a), None, arrays=[b], grad=False)


def test_cross():
    check_op(
        lambda T, a, b: F(T.cross(a, b, dim=1), T.linalg.cross(a, b) if T is torch else T.cross(a, b, -1)),
        [(4, 3), (4, 3)],
    )
    check_op(lambda T, a, b: F(T.cross(a, b, dim=0), a.cross(b, -3)), [(3, 2, 4), (3, 1, 4)])
    check_op(lambda T, a, b: T.cross(a, b, dim=1), [(1, 3), (5, 3)])
    check_gradcheck(lambda T, a, b: T.cross(a, b, dim=1), [(2, 3), (1, 3)], gradgrad=True)
    ints = np.array([[1, 2, 3], [4, -5, 6]])
    check_op(lambda T, a: T.cross(a, a.flip(0), dim=1), None, arrays=[ints], grad=False)


def test_cross_default_dim_warns_once():
    reduce_extra._CROSS_WARNED[0] = False
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        r = chainrule.cross(chainrule.ones(4, 3), chainrule.ones(4, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chainrule.cross(chainrule.ones(3, 3), chainrule.ones(3, 3))  # once per process, as torch
    assert r.shape == (4, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(lambda T, a, b: F(T.cross(a, b), a.cross(b)), [(3, 4), (3, 4)])  # first dim of size 3
        check_op(lambda T, a, b: T.cross(a, b), [(2, 3, 3), (2, 3, 3)])
        assert_raises_like_torch(lambda T, a: T.cross(a, a), np.ones((2, 4)), match="no dimension of size 3")


def test_cross_errors():
    x = np.ones((3, 4))
    assert_raises_like_torch(lambda T, a: T.cross(a, a, dim=-1), x, match="inputs dimension -1 must have length 3")
    assert_raises_like_torch(lambda T, a, b: T.cross(a, b, dim=0), x, np.ones(3), match="same number of dimensions")
    assert_raises_like_torch(lambda T, a, b: T.cross(a.float(), b, dim=0), x, x, match="expected scalar type Float")
    assert_raises_like_torch(lambda T, a: T.cross(a, a, dim=2), x, match="Dimension out of range")
    assert_raises_like_torch(lambda T, a: T.cross(a, a, dim=0), np.ones(3, bool), match="not implemented for 'Bool'")
    assert_raises_like_torch(lambda T, a: T.cross(a, a, dim=0), np.array(1.0))


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, -1, math.inf, -math.inf])
def test_dist(p):
    check_op(lambda T, a, b: F(T.dist(a, b, p), a.dist(b, p=p)), [(3, 4), (4,)])
    if not math.isinf(p):
        check_gradcheck(lambda T, a, b: T.dist(a, b, p), [(3, 4), (4,)], gradgrad=p != 1)


def test_dist_edges():
    check_op(lambda T, a, b: F(T.dist(a, b), T.dist(a, b, 0)), [(2, 3), ()], grad=False)
    check_op(lambda T, a, b: T.dist(a, b), [(0, 3), (3,)])
    check_op(lambda T, a, b: T.dist(a, b), None, arrays=[np.ones(3, np.float32), np.zeros(3)], grad=False)
    for T in (torch, chainrule):  # torch's p=0 derivative: none for input, an error when other needs one
        a, b = T.ones(3, requires_grad=True), T.zeros(3)
        T.dist(a, b, 0).backward()
        assert a.grad is None
        b.requires_grad_()
        with pytest.raises(RuntimeError, match="Expected a proper Tensor"):
            T.dist(a, b, 0).backward()
    x = np.ones((2, 3))
    assert_raises_like_torch(lambda T, a: T.dist(a, a), np.arange(3), match="input dtype should be either floating")
    assert_raises_like_torch(lambda T, a, b: T.dist(a, b), x, np.ones(4), match="must match the size")
    assert_raises_like_torch(lambda T, a: T.dist(a, 2.0), x, match="must be Tensor, not float")


def test_renorm():
    a = np.array([[3.0, 4.0, 0.0], [0.3, 0.4, 0.1], [1.0, 0.0, -2.0], [0.0, 0.0, 0.0]])
    check_arrays(lambda T, a: F(T.renorm(a, 2, 0, 1.0), a.renorm(1, 1, 1.5), a.renorm(math.inf, 0, 0.5)), [a])
    check_op(lambda T, a: F(a.renorm(3, -1, 0.5), a.renorm(2, 1, 0.0), a.renorm(1.5, 2, 1.0)), [(2, 3, 4)])
    check_gradcheck(
        lambda T, a: F(a.renorm(2, 0, 1.0), a.renorm(1.5, 1, 1.0), a.renorm(3, 0, 0.2)), [(3, 4)], gradgrad=True
    )
    check_gradcheck(lambda T, a: a.renorm(1, 1, 0.7), [(3, 4)])

    def inplace(T, a):
        b = a * 1
        b.renorm_(2, 0, 1.0)
        return b, b._version, b.grad_fn.name()

    check_op(inplace, [(3, 4)])


def test_renorm_errors():
    x = np.ones((2, 3))
    assert_raises_like_torch(lambda T, a: a.renorm(0, 0, 1.0), x, match="non-positive-norm not supported")
    assert_raises_like_torch(lambda T, a: a.renorm(-1, 0, 1.0), x)
    assert_raises_like_torch(lambda T, a: a.renorm(2, 0, -0.5), x, match="maxnorm to be >= 0 but got -0.5")
    assert_raises_like_torch(lambda T, a: a.renorm(2, 0, 1.0), np.ones(3), match="at least 2 dimensions, got 1")
    assert_raises_like_torch(lambda T, a: a.renorm(2, 2, 1.0), x, match="Dimension out of range")
    assert_raises_like_torch(lambda T, a: a.renorm(2, 0, 1.0), np.ones((2, 2), np.int64), match="Got Long")


def test_diagflat():
    check_op(lambda T, a: F(T.diagflat(a), a.diagflat(1), a.diagflat(-2)), [(2, 3)])
    check_op(lambda T, a: F(T.diagflat(a), a.diagflat(1)), [()])
    check_op(lambda T, a: F(T.diagflat(a), a.diagflat(1)), [(0,)])
    check_op(lambda T, a: a.diagflat(), None, arrays=[np.arange(3)], grad=False)


# ---- cov / corrcoef --------------------------------------------------------------------------------------
def test_cov_corrcoef():
    check_op(
        lambda T, a: F(
            T.cov(a), a.cov(correction=0), T.cov(a, correction=2), T.corrcoef(a), a[0].cov(), a[1].corrcoef()
        ),
        [(3, 6)],
    )
    check_gradcheck(lambda T, a: F(T.cov(a), T.corrcoef(a), a[0].cov(correction=0)), [(3, 5)], gradgrad=True)
    fw = np.array([1, 2, 0, 1, 3])
    aw = np.array([1.0, 2.0, 0.5, 1.0, 3.0])
    check_op(
        lambda T, a, f, w: F(
            T.cov(a, fweights=f),
            T.cov(a, aweights=w),
            T.cov(a, fweights=f, aweights=w),
            T.cov(a, correction=0, aweights=w),
            T.cov(a[0], fweights=f, aweights=w, correction=3),
        ),
        None,
        arrays=[np.random.default_rng(0).standard_normal((3, 5)), fw, aw],
    )
    check_gradcheck(
        lambda T, a, w: T.cov(a, aweights=w), None, arrays=[np.random.default_rng(1).standard_normal((2, 5)), aw]
    )
    ints = np.array([[1, 2, 3, 7], [2, 5, 1, 0]])
    check_op(lambda T, a: F(T.cov(a), T.corrcoef(a), T.cov(a, fweights=a[0])), None, arrays=[ints], grad=False)
    check_op(lambda T, a, w: T.cov(a, aweights=w), None, arrays=[np.ones((2, 3), np.float32), np.ones(3)], grad=False)


def test_cov_degenerate():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(lambda T, a: F(T.cov(a), T.cov(a, correction=7), T.corrcoef(a)), [(2, 3)], grad=False)
        check_op(lambda T, a: F(T.cov(a), T.corrcoef(a)), [()], grad=False)
        check_op(lambda T, a: F(T.cov(a), T.corrcoef(a)), [(2, 0)], grad=False)
        check_op(lambda T, a: T.cov(a), [(0, 3)], grad=False)
        check_op(lambda T, a: F(T.cov(a), T.cov(a, aweights=a[0].abs())), [(3, 1)], grad=False)
        check_op(lambda T, a: T.corrcoef(a), None, arrays=[np.array([[1.0, 2, 3], [2, 2, 2]])], grad=False)
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        chainrule.cov(chainrule.ones(2, 1))


def test_cov_errors():
    x = np.ones((3, 5))
    assert_raises_like_torch(lambda T, a: T.cov(a), np.ones((2, 2, 2)), match="two or fewer dimensions but got")
    assert_raises_like_torch(lambda T, a: T.corrcoef(a), np.ones((2, 2, 2)), match="corrcoef")
    assert_raises_like_torch(lambda T, a: T.cov(a), np.ones((2, 2), bool), match="bool dtype is not supported")
    bad = [
        (np.array([1.0, 2, 0, 1, 3]), "fweights", "integral dtype"),
        (np.array([1, 2, -1, 1, 3]), "fweights", "fweights cannot be negative"),
        (np.array([1, 2, 1, 3]), "fweights", "4 != 5"),
        (np.ones((1, 5), np.int64), "fweights", "one or fewer dimensions"),
        (np.array([1, 2, 1, 1, 3]), "aweights", "floating point dtype"),
        (np.array([1.0, 2, -1, 1, 3]), "aweights", "aweights cannot be negative"),
        (np.zeros(5, np.int64), "fweights", "weights sum to zero"),
    ]
    for w, kind, msg in bad:
        assert_raises_like_torch(lambda T, a, w, kind=kind: T.cov(a, **{kind: w}), x, w, match=msg)


# ---- nanmedian / mode / msort ----------------------------------------------------------------------------
MED = np.array(
    [[1.0, NAN, 3.0, 2.0, NAN], [NAN, NAN, NAN, NAN, NAN], [2.0, 2.0, 1.0, 1.0, 3.0], [5.0, NAN, 1.0, 1.0, 2.0]]
)


def test_nanmedian_values_indices_and_gradients():
    check_arrays(
        lambda T, a: F(T.nanmedian(a), a.nanmedian(1), a.nanmedian(0, keepdim=True), a.nanmedian(-1, True)), [MED]
    )
    check_op(lambda T, a: F(a.nanmedian(), a.nanmedian(1), T.nanmedian(a, 0)), [(5, 6)])
    check_op(lambda T, a: F(a.nanmedian(), a.nanmedian(0)), [()])
    check_gradcheck(lambda T, a: F(a.nanmedian(), a.nanmedian(1).values), [(3, 5)], gradgrad=True)
    x = chainrule.tensor([1.0, NAN, 3.0, 3.0, NAN, 3.0, 1.0], requires_grad=True)
    x.nanmedian().backward()  # ties share the gradient, as torch's nanmedian() over all elements
    np.testing.assert_allclose(x.grad.numpy(), [0, 0, 1 / 3, 1 / 3, 0, 1 / 3, 0])


def test_nanmedian_all_nan_slices_report_torchs_index():
    for n in (1, 2, 3, 4, 5, 7, 12, 13, 25, 40):
        a = np.full((2, n), NAN)
        a[1, n // 2] = 1.0
        same(*both(lambda T, a: F(a.nanmedian(1), a.nanmedian(0), a.nanmedian()), a))


def test_nanmedian_integers_empty_and_errors():
    ints = np.array([[3, 1, 2, 2], [7, 7, 0, -1]], dtype=np.int32)
    check_op(lambda T, a: F(a.nanmedian(), a.nanmedian(1), a.nanmedian(0)), None, arrays=[ints], grad=False)
    check_op(lambda T, a: F(a.nanmedian(), a.nanmedian(0)), [(2, 0)], grad=False)
    same(*both(lambda T, a: a.nanmedian(), np.zeros(0, np.int64)))
    assert_raises_like_torch(lambda T, a: a.nanmedian(1), np.zeros((2, 0)), match="reduction dim 1 to have non-zero")
    assert_raises_like_torch(lambda T, a: a.nanmedian(), np.ones(2, bool), match="'Bool'")
    assert_raises_like_torch(lambda T, a: a.nanmedian(0), np.ones(2, bool), match="'Bool'")
    assert_raises_like_torch(lambda T, a: a.nanmedian(2), np.ones((2, 3)), match="Dimension out of range")


MODE = np.array(
    [[1.0, 2, 2, 1, 3, 2, 1, 1], [3.0, 3, 1, 1, 2, 2, 5, 5], [NAN, NAN, 1, 1, 1, NAN, 2, 2], [4, 4, 4, 4, 4, 4, 4, 4]]
)


def test_mode_ties_and_nan():
    check_arrays(lambda T, a: F(T.mode(a), a.mode(0), a.mode(1, True), a.mode(-2, keepdim=True)), [MODE])
    same(*both(lambda T, a: F(a.mode(), a.mode(0)), np.array([2.0, 1.0, NAN, NAN, NAN])))
    x = chainrule.tensor([1.0, 2.0, 1.0, 2.0, 1.0], requires_grad=True)
    x.mode().values.backward()  # the gradient goes to the reported index only
    assert x.grad.tolist() == [0.0, 0.0, 0.0, 0.0, 1.0]


def test_mode_long_slices_match_torchs_sort():
    rng = np.random.default_rng(3)
    for n in (16, 17, 30, 100):
        a = rng.integers(0, 4, size=(6, n)).astype(np.float64)
        a[3:][rng.random((3, n)) < 0.25] = NAN
        same(*both(lambda T, a: F(a.mode(1), a.mode(0)), a))
        same(*both(lambda T, a: a.mode(1), a[:3].astype(np.int64)))


def test_mode_dtypes_shapes_errors():
    check_op(lambda T, a: F(a.mode(), a.mode(0), a.mode(-1, True)), [(4, 5)])
    check_op(lambda T, a: F(a.mode(), a.mode(0)), [()])
    check_op(lambda T, a: a.mode(0), [(2, 0)])
    check_gradcheck(lambda T, a: a.mode(1).values, [(3, 4)], gradgrad=True)
    check_op(
        lambda T, a: F(a.mode(), a.mode(0)),
        None,
        arrays=[np.array([[True, False, False], [True, True, False]])],
        grad=False,
    )
    check_op(lambda T, a: a.mode(), None, arrays=[np.array([[3, 1, 2, 2, 1]], np.int16)], grad=False)
    assert_raises_like_torch(lambda T, a: a.mode(1), np.zeros((2, 0)), match="mode\\(\\): Expected reduction dim 1")
    assert_raises_like_torch(lambda T, a: a.mode(1), np.array(1.0), match="Dimension out of range")


def test_msort():
    check_op(lambda T, a: F(T.msort(a), a.msort()), [(4, 3)])
    check_op(lambda T, a: T.msort(a), [()])
    check_gradcheck(lambda T, a: T.msort(a), [(4, 3)], gradgrad=True)
    check_op(lambda T, a: T.msort(a), None, arrays=[np.array([[3, 1], [1, 2], [2, 0]])], grad=False)


# ---- histc / bincount ------------------------------------------------------------------------------------
def test_histc():
    a = np.array([0.0, 1, 2, 1, 3, NAN, 5, -1, 2.5])
    for dt in ("float32", "float64"):
        check_op(
            lambda T, a: F(T.histc(a, bins=4, min=0, max=3), a[:5].histc(), a[:5].histc(7, 1, 1), T.histc(a[:5], 5)),
            None,
            dtypes=(dt,),
            arrays=[a.astype(dt)],
            grad=False,
        )
    check_op(lambda T, a: F(T.histc(a, 10), T.histc(a, 3, -0.5, 0.5)), [(50,)], grad=False)
    check_op(lambda T, a: F(T.histc(a, 3), T.histc(a.reshape(1, 1), 2)), [()], grad=False)
    check_op(lambda T, a: T.histc(a, 3), [(0,)], grad=False)
    same(*both(lambda T, a: F(T.histc(a, 4), T.histc(a, 4, 2, 2)), np.array([2.0, 2.0, 2.0])))
    same(*both(lambda T, a: T.histc(a, 5, min=1, max=2.1), np.array([1.0, 1.0, 1.1, 2.1], np.float32)))
    same(*both(lambda T, a: T.histc(a.half(), 6), np.linspace(-1, 1, 40)))
    x = chainrule.tensor([0.5, 1.5], requires_grad=True)
    assert not chainrule.histc(x, 2).requires_grad


def test_histc_errors():
    x = np.array([0.0, 1.0, 2.0])
    assert_raises_like_torch(lambda T, a: T.histc(a, 0), x, match="bins must be > 0, but got 0")
    assert_raises_like_torch(lambda T, a: T.histc(a, 3, 3, 1), x, match="max must be larger than min")
    assert_raises_like_torch(lambda T, a: T.histc(a, 3, min=math.inf), x, match=r"range of \[inf, 0\] is not finite")
    assert_raises_like_torch(lambda T, a: T.histc(a, 3), np.array([0.0, NAN]), match="is not finite")
    assert_raises_like_torch(lambda T, a: T.histc(a, 3), np.arange(3), match="not implemented for 'Long'")
    assert_raises_like_torch(lambda T, a: T.histc(a, 3.5), x, match="must be int, not float")


def test_bincount():
    x = np.array([0, 1, 1, 3, 7, 1])
    for w in (np.linspace(0.5, 3, 6).astype(np.float32), np.linspace(-1, 3, 6), np.arange(6), np.ones(6, bool)):
        same(*both(lambda T, a, w: F(T.bincount(a, w), a.bincount(weights=w, minlength=10)), x, w))
    same(*both(lambda T, a: F(T.bincount(a), a.bincount(minlength=3), T.bincount(a, minlength=12)), x))
    same(*both(lambda T, a: F(T.bincount(a), T.bincount(a, minlength=3)), np.zeros(0, np.int64)))
    same(*both(lambda T, a, w: T.bincount(a, w), np.zeros(0, np.int64), np.zeros(0, np.float32)))
    same(*both(lambda T, a: T.bincount(a), np.array([2, 0, 2], np.uint8)))
    w = np.random.default_rng(0).standard_normal(2000).astype(np.float32)  # sums in float32, in input order
    same(*both(lambda T, a, w: T.bincount(a, w), np.random.default_rng(1).integers(0, 5, 2000), w))


def test_bincount_errors_and_no_derivative():
    assert_raises_like_torch(lambda T, a: T.bincount(a), np.array([0.0, 1.0]), match="not implemented for 'Double'")
    assert_raises_like_torch(lambda T, a: T.bincount(a), np.array([True]), match="not implemented for 'Bool'")
    assert_raises_like_torch(lambda T, a: T.bincount(a), np.array([0, -1]), match="1-d non-negative integral")
    assert_raises_like_torch(lambda T, a: T.bincount(a), np.array([[0, 1]]), match="1-d non-negative integral")
    assert_raises_like_torch(lambda T, a: T.bincount(a), np.array(2), match="1-d non-negative integral")
    assert_raises_like_torch(lambda T, a: T.bincount(a, minlength=-1), np.array([0]), match="minlength should be >= 0")
    assert_raises_like_torch(lambda T, a, w: T.bincount(a, w), np.array([0, 1]), np.ones(3), match="same length")
    for T in (torch, chainrule):
        w = T.tensor([1.0, 2.0], requires_grad=True)
        r = T.bincount(T.tensor([0, 2]), w)
        node = type(r.grad_fn).__name__ if T is torch else r.grad_fn.name()
        assert r.requires_grad and node == "NotImplemented"
        with pytest.raises(RuntimeError, match="derivative for aten::bincount is not implemented"):
            r.sum().backward()


# ---- unique / unique_consecutive ------------------------------------------------------------------------
def test_unique_flat():
    x = np.array([[3, 1, 2], [1, 3, 3]])
    same(*both(lambda T, a: F(T.unique(a), a.unique(sorted=False, return_inverse=True, return_counts=True)), x))
    same(*both(lambda T, a: F(T.unique(a, return_counts=True), T.unique(a, return_inverse=True)), x.astype(np.float32)))
    f = np.array([3.0, NAN, 1.0, NAN, 3.0, -0.0, 0.0])
    same(*both(lambda T, a: T.unique(a, return_inverse=True, return_counts=True), f))
    same(*both(lambda T, a: T.unique(a, return_inverse=True, return_counts=True), np.array([True, False, True])))
    same(*both(lambda T, a: T.unique(a, return_inverse=True, return_counts=True), np.array(5)))
    same(*both(lambda T, a: T.unique(a, return_inverse=True, return_counts=True), np.zeros((2, 0))))


def test_unique_dim():
    x = np.array([[1, 2], [1, 2], [0, 5], [1, 0]])
    for d in (0, 1, -1):
        same(*both(lambda T, a, d=d: T.unique(a, dim=d, return_inverse=True, return_counts=True), x))
        same(*both(lambda T, a, d=d: a.unique(True, True, True, d), x.astype(np.float64)))
    same(*both(lambda T, a: T.unique(a, dim=1, return_inverse=True), np.array([[[1, 2], [1, 2]], [[0, 0], [0, 0]]])))
    same(
        *both(
            lambda T, a: T.unique(a, dim=0, return_counts=True), np.array([[True, False], [True, True], [True, False]])
        )
    )
    same(
        *both(lambda T, a: T.unique(a, dim=0, return_inverse=True, return_counts=True), np.array([[NAN, 1], [NAN, 1]]))
    )
    for shape, d in (((2, 0), 1), ((0, 2), 0)):
        same(*both(lambda T, a, d=d: T.unique(a, dim=d, return_inverse=True, return_counts=True), np.zeros(shape)))
        same(*both(lambda T, a, d=d: T.unique_consecutive(a, True, True, d), np.zeros(shape)))


def test_unique_consecutive():
    x = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    same(*both(lambda T, a: F(T.unique_consecutive(a), a.unique_consecutive(True, True)), x))
    same(*both(lambda T, a: T.unique_consecutive(a, return_inverse=True, return_counts=True), x.reshape(2, 4)))
    same(*both(lambda T, a: T.unique_consecutive(a, return_counts=True), np.array([1.0, NAN, NAN, 2, 2])))
    m = np.array([[1, 1, 2], [1, 1, 2], [0, 0, 0], [1, 1, 2]])
    for d in (0, 1, -2):
        same(*both(lambda T, a, d=d: T.unique_consecutive(a, return_inverse=True, return_counts=True, dim=d), m))
    same(*both(lambda T, a: T.unique_consecutive(a, return_inverse=True, return_counts=True), np.array(3.0)))
    same(*both(lambda T, a: T.unique_consecutive(a, return_inverse=True, return_counts=True), np.zeros(0)))


def test_unique_errors_and_no_derivative():
    for fn in (lambda T, a: T.unique(a, dim=0), lambda T, a: T.unique_consecutive(a, dim=0)):
        assert_raises_like_torch(fn, np.array(3), match="Dimension specified as 0 but tensor has no dimensions")
        assert_raises_like_torch(fn, np.zeros((2, 0)), match="0 sized dimensions, and they aren't selected")
        assert_raises_like_torch(fn, np.zeros((0, 0)), match="more than one")
    assert_raises_like_torch(lambda T, a: T.unique(a, dim=2), np.ones((2, 2)), match="Dimension out of range")
    for T in (torch, chainrule):
        x = T.tensor([2.0, 1.0, 2.0], requires_grad=True)
        cases = [
            (T.unique(x), "Unique2Backward0", "'_unique2'"),
            (T.unique(x, return_inverse=True)[0], "Unique2Backward0", "'_unique2'"),
            (T.unique(x, dim=0), "UniqueDimBackward0", "'unique_dim'"),
            (T.unique_consecutive(x, return_counts=True)[0], "UniqueConsecutiveBackward0", "'unique_consecutive'"),
        ]
        for out, name, msg in cases:
            assert out.requires_grad and out.grad_fn.name() == name
            with pytest.raises(NotImplementedError, match=msg):
                out.sum().backward()
        _, inv, cnt = T.unique(x, return_inverse=True, return_counts=True)
        assert not inv.requires_grad and not cnt.requires_grad


# ---- addr / addbmm / in-place multiply-adds ------------------------------------------------------------
@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, -1.5)])
def test_addr_addbmm(beta, alpha):
    check_op(lambda T, c, a, b: F(T.addr(c, a, b, beta=beta, alpha=alpha), c.addr(a, b)), [(3, 4), (3,), (4,)])
    check_op(lambda T, c, a, b: T.addr(c, a, b, beta=beta, alpha=alpha), [(4,), (3,), (4,)])
    check_op(lambda T, c, a, b: T.addr(c, a, b, beta=beta, alpha=alpha), [(), (2,), (0,)])
    check_op(
        lambda T, c, a, b: F(T.addbmm(c, a, b, beta=beta, alpha=alpha), c.addbmm(a, b)), [(3, 2), (5, 3, 4), (5, 4, 2)]
    )
    check_op(lambda T, c, a, b: T.addbmm(c, a, b, beta=beta, alpha=alpha), [(2,), (2, 3, 4), (2, 4, 2)])
    check_op(lambda T, c, a, b: T.addbmm(c, a, b, beta=beta, alpha=alpha), [(1, 2), (0, 1, 4), (0, 4, 2)])
    check_gradcheck(
        lambda T, c, a, b: T.addr(c, a, b, beta=beta, alpha=alpha) ** 2, [(3, 1), (3,), (4,)], gradgrad=True
    )
    check_gradcheck(
        lambda T, c, a, b: T.addbmm(c, a, b, beta=beta, alpha=alpha) ** 2, [(2,), (3, 2, 4), (3, 4, 2)], gradgrad=True
    )


def test_addr_addbmm_dtypes():
    i2, i3, i4 = np.arange(6).reshape(2, 3), np.arange(2), np.arange(3)
    same(*both(lambda T, c, a, b: F(T.addr(c, a, b, beta=2, alpha=3), T.addr(c, a, b)), i2, i3, i4))
    same(*both(lambda T, c, a, b: T.addr(c, a, b), np.ones((2, 3), np.float32), i3, i4.astype(np.float64)))
    same(*both(lambda T, c, a, b: T.addr(c, a, b, beta=0.5), np.ones((2, 2)), np.ones(2, bool), np.ones(2, bool)))
    b2, b3 = np.array([[True, False]]), np.array([True])
    same(*both(lambda T, c, a, b: F(T.addr(c, a, b), T.addr(c, a, b, beta=0), T.addr(c, a, b, alpha=0)), b2, b3, b2[0]))
    bi1, bi2 = np.arange(12).reshape(2, 2, 3), np.arange(6).reshape(2, 3, 1)
    same(
        *both(
            lambda T, c, a, b: F(T.addbmm(c, a, b), T.addbmm(c, a, b, beta=0.5, alpha=1.7)),
            np.ones((2, 1), int),
            bi1,
            bi2,
        )
    )
    for fn in (
        lambda T, c, a, b: T.addr(c, a, b, beta=0),
        lambda T, c, a, b: T.addbmm(c, a[None, :, None], b[None, None], beta=0),
    ):
        same(*both(fn, np.full((2, 3), NAN), np.ones(2), np.ones(3)))


def test_addr_addbmm_errors():
    m, v3, v4 = np.ones((3, 4)), np.ones(3), np.ones(4)
    assert_raises_like_torch(
        lambda T, c, a, b: T.addr(c, a, b), m, m, v4, match="Expected 1-D argument vec1, but got 2-D"
    )
    assert_raises_like_torch(lambda T, c, a, b: T.addr(c, a, b), m, v3, m, match="argument vec2")
    assert_raises_like_torch(lambda T, c, a, b: T.addr(c, a, b), np.ones((2, 4)), v3, v4, match="expanded size")
    ints = (np.ones((3, 4), int), np.ones(3, int), np.ones(4, int))
    assert_raises_like_torch(lambda T, c, a, b: T.addr(c, a, b, beta=0.5), *ints, match="argument beta must not be")
    assert_raises_like_torch(lambda T, c, a, b: T.addr(c, a, b, alpha=0.5), *ints, match="argument alpha must not be")
    b1, b2 = np.ones((5, 3, 4)), np.ones((5, 4, 2))
    c = np.ones((3, 2))
    assert_raises_like_torch(lambda T, c, a, b: T.addbmm(c, a, b), np.ones((3, 3)), b1, b2, match="expanded size")
    assert_raises_like_torch(
        lambda T, c, a, b: T.addbmm(c, a, b), c, b1, b2[:4], match="same number of batches, got 5 and 4"
    )
    assert_raises_like_torch(
        lambda T, c, a, b: T.addbmm(c, a, b), c, b1, np.ones((5, 3, 2)), match="Incompatible matrix sizes"
    )
    assert_raises_like_torch(lambda T, c, a, b: T.addbmm(c, a, b), c, b1, b2[0], match="Dimension out of range")
    assert_raises_like_torch(lambda T, c, a, b: T.addbmm(c, a, b), c, b1[0], b2, match="expanded size")
    assert_raises_like_torch(
        lambda T, c, a, b: T.addbmm(c.float(), a.float(), b), c, b1, b2, match="self and mat2 must have the same dtype"
    )
    bools = (np.ones((3, 2), bool), np.ones((5, 3, 4), bool), np.ones((5, 4, 2), bool))
    assert_raises_like_torch(lambda T, c, a, b: T.addbmm(c, a, b), *bools, match="not implemented for 'Bool'")


def test_inplace_multiply_adds():
    def fn(T, c, c1, m1, m2, v, b1, b2, v3):
        outs = []
        for base, op, args in (
            (c, "addmm_", (m1, m2)),
            (c1, "addmv_", (m1, v)),
            (b1[:, :, :3] * 0 + c, "baddbmm_", (b1, b2[:, :4, :3])),
            (c, "addbmm_", (b1, b2[:, :4, :3])),
            (c, "addr_", (v3, m2[0])),
        ):
            x = base * 1
            v0 = x._version
            r = getattr(x, op)(*args, beta=0.5, alpha=2.0)
            assert r is x and x._version == v0 + 1
            outs += [x, x.grad_fn.name()]
        return tuple(outs)

    check_op(fn, [(2, 3), (2,), (2, 4), (4, 3), (4,), (3, 2, 4), (3, 4, 5), (2,)])
    check_gradcheck(lambda T, c, a, b: (c * 1).addmm_(a, b, alpha=2.0) ** 2, [(2, 3), (2, 4), (4, 3)], gradgrad=True)
    same(*both(lambda T, c, a, b: T.addmv_(c, a, b), np.ones(2), np.ones((2, 3)), np.ones(3)))


def test_inplace_multiply_add_errors():
    m = np.ones((3, 4))
    assert_raises_like_torch(
        lambda T, c, a, b: c.addmm_(a, b), np.ones(4), m, m.T, match="Bad in-place call: input tensor size"
    )
    assert_raises_like_torch(lambda T, c, a, b: c.addmm_(a, b), np.ones((1, 3)), m, m.T, match="should match")
    assert_raises_like_torch(lambda T, c, a, b: c.addmv_(a, b), np.ones(1), m, m[0], match="Bad in-place call")
    b = np.ones((2, 3, 3))
    assert_raises_like_torch(lambda T, c, a, b: c.baddbmm_(a, b), np.ones((3, 3)), b, b, match="Bad in-place call")
    assert_raises_like_torch(lambda T, c, a, b: c.addr_(a, b), np.ones(4), m[:, 0], m[0], match="2D tensor expected")
    assert_raises_like_torch(lambda T, c, a, b: c.addr_(a, b), np.ones((1, 4)), m[:, 0], m[0], match="size mismatch")
    ints = np.ones((3, 4), int)
    assert_raises_like_torch(
        lambda T, c, a, b: c.addr_(a, b), ints, m[:, 0], m[0], match="can't be cast to the desired"
    )
    with pytest.raises(RuntimeError, match="leaf Variable"):
        chainrule.ones(3, 4, requires_grad=True).addr_(chainrule.ones(3), chainrule.ones(4))


# ---- sum_to_size, swapaxes_ -----------------------------------------------------------------------------
def test_sum_to_size():
    def fn(T, a):
        outs = (
            a.sum_to_size(3, 1),
            a.sum_to_size((1, 3, 1)),
            a.sum_to_size([4]),
            a.sum_to_size([]),
            a.sum_to_size(1, 1, 1),
        )
        return outs + tuple(o.grad_fn.name() for o in outs)

    check_op(fn, [(2, 3, 4)])
    for T in (torch, chainrule):
        x = T.ones(2, 3)
        assert x.sum_to_size(2, 3) is x
        assert x.int().sum_to_size(3).dtype == T.int64 and x.bool().sum_to_size(1, 3).tolist() == [[2, 2, 2]]
    x = np.ones((2, 3, 4))
    assert_raises_like_torch(lambda T, a: a.sum_to_size(2, 1), x, match=r"size \{\[2, 1\]\} is not expandable to size")
    assert_raises_like_torch(lambda T, a: a.sum_to_size(1, 2, 3, 4), x)
    assert_raises_like_torch(lambda T, a: a.sum_to_size(), x)


def test_swapaxes_swapdims_inplace():
    def fn(T, a):
        b = a * 1
        r = b.swapaxes_(0, 2)
        c = a * 1
        c.swapdims_(-1, 1)
        assert r is b and b._version == 1
        return b, c, b.grad_fn.name(), c.grad_fn.name(), b.is_contiguous()

    check_op(fn, [(2, 3, 4)])
    assert_raises_like_torch(lambda T, a: a.swapaxes_(0, 3), np.ones((2, 3)), match="Dimension out of range")


# ---- graph node names ---------------------------------------------------------------------------------
def test_grad_fn_names():
    def names(T):
        a = T.rand(3, 3, requires_grad=True)
        v = T.rand(3, requires_grad=True)
        outs = [
            T.cummax(a, 0)[0],
            a.cummin(1)[0],
            a.logcumsumexp(0),
            a.diff(),
            a.diff(n=0),
            a.trace(),
            T.kron(a, a),
            T.cross(a, a, dim=0),
            T.dist(a, v),
            a.renorm(2, 0, 1.0),
            a.diagflat(),
            T.cov(a),
            T.corrcoef(a),
            a.nanmedian(),
            a.nanmedian(0)[0],
            a.mode(0)[0],
            a.msort(),
            T.addr(a, v, v),
            T.addbmm(a, a[None], a[None]),
        ]
        return [type(o.grad_fn).__name__ if T is torch else o.grad_fn.name() for o in outs]

    assert names(chainrule) == names(torch)
