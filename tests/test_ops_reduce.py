"""Reductions, softmax family, scans and selections against torch (values, gradients, errors)."""

import math
import warnings

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule

F32_F64 = ("float32", "float64")


def F(*outs):
    """Flatten nested result tuples (named tuples like return_types.max) for check_op."""
    flat = []
    for o in outs:
        flat.extend(F(*o) if isinstance(o, tuple) else [o])
    return tuple(flat)


def check_arrays(fn, arrays, grad=True, **kw):
    """check_op on fixed arrays, once per float dtype (integer arrays stay as they are)."""
    for dt in F32_F64:
        arrs = [np.asarray(a).astype(dt) if np.asarray(a).dtype.kind == "f" else np.asarray(a) for a in arrays]
        check_op(fn, None, dtypes=(dt,), arrays=arrs, grad=grad, **kw)


# ---- sum / mean / prod ------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [None, 0, -1, 1, (0, 2), [2, 0], ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_mean_dims(dim, keepdim):
    if dim is None:
        check_op(lambda T, a: F(a.sum(), a.mean(), T.sum(a, dtype=T.float64)), [(3, 4, 5)])
        return
    check_op(lambda T, a: F(a.sum(dim, keepdim), T.mean(a, dim, keepdim=keepdim)), [(3, 4, 5)])


def test_sum_mean_zero_dim_and_empty():
    check_op(lambda T, a: F(a.sum(), a.sum(0), a.sum(-1, keepdim=True), a.mean(0), a.mean()), [()])
    check_op(lambda T, a: F(a.sum(1), a.sum(), a.mean(1), a.mean(0), a.sum(0, keepdim=True)), [(2, 0, 3)])
    e = chainrule.zeros(2, 0, 3)
    assert e.sum().item() == 0 and math.isnan(e.mean().item())
    assert np.isnan(e.mean(1).numpy()).all() and e.mean(1).shape == (2, 3)


def test_sum_integer_and_bool():
    ints = np.arange(12, dtype=np.int32).reshape(3, 4)
    check_op(
        lambda T, a: F(a.sum(), a.sum(1), a.sum(dtype=T.float32), T.mean(a, dtype=T.float64)),
        None,
        arrays=[ints],
        grad=False,
    )
    check_op(lambda T, a: F(a.sum(), a.sum(0)), None, arrays=[np.array([[True, False], [True, True]])], grad=False)
    check_op(lambda T, a: a.sum(), None, arrays=[np.arange(4, dtype=np.uint8)], grad=False)


def test_sum_numpy_spelling():
    check_op(lambda T, a: F(T.sum(a, axis=1), T.sum(a, 1, keepdims=True), T.mean(a, axis=0)), [(3, 4)])


def test_sum_mean_double_backward():
    check_gradcheck(lambda T, a: F(a.sum(1) ** 2 + a.mean(0, keepdim=True).sum()), [(3, 4)], gradgrad=True)


def test_nansum_nanmean():
    a = np.array([[1.0, np.nan, 2.0], [np.nan, np.nan, 4.0]])
    check_arrays(lambda T, a: F(T.nansum(a), T.nansum(a, 1), T.nanmean(a, 1), a.nanmean()), [a])


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod(dim):
    if dim is None:
        check_op(lambda T, a: a.prod(), [(3, 4)], low=0.5, high=1.5)
    else:
        check_op(lambda T, a: F(a.prod(dim), T.prod(a, dim, keepdim=True)), [(3, 4)], low=0.5, high=1.5)
    check_gradcheck(lambda T, a: a.prod() if dim is None else a.prod(dim), [(3, 4)], gradgrad=True)


@pytest.mark.parametrize("zeros", [[1], [0, 2], [0, 1, 3]])
def test_prod_with_zeros(zeros):
    a = np.array([[1.5, -2.0, 0.5, 3.0], [2.0, 0.7, -1.2, 0.9]])
    a[0, zeros] = 0.0
    check_arrays(lambda T, a: F(a.prod(1), a.prod(), a.prod(0)), [a])
    # second derivatives through the zero path are exact as well
    check_gradcheck(lambda T, a: a.prod(1), None, arrays=[a], gradgrad=True)
    check_gradcheck(lambda T, a: a.prod(), None, arrays=[a[:1]], gradgrad=True)


def test_prod_integer_and_empty():
    check_op(lambda T, a: F(a.prod(), a.prod(1)), None, arrays=[np.arange(1, 7).reshape(2, 3)], grad=False)
    check_op(lambda T, a: F(a.prod(1), a.prod()), [(2, 0)])


# ---- extrema -------------------------------------------------------------------------------------
TIES = np.array([[1.0, 3.0, 3.0, 2.0], [0.5, 0.5, 0.5, -1.0], [4.0, -2.0, 1.0, 4.0]])


def test_amax_amin_ties_split_evenly():
    check_arrays(lambda T, a: F(a.amax(), a.amin(), a.amax(1), T.amin(a, 0, keepdim=True), a.amax((0, 1))), [TIES])
    x = chainrule.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.amax().backward()
    assert x.grad.tolist() == [0.0, 0.5, 0.5, 0.0]


def test_max_min_full_and_dim():
    check_arrays(lambda T, a: F(a.max(), a.min(), T.max(a, 1), T.min(a, 0, keepdim=True), a.max(dim=-1).values), [TIES])
    check_op(lambda T, a: F(a.max(1), a.min(0), a.max(), a.max(1, True).indices), [(4, 5)])
    check_op(lambda T, a: F(a.max(0), a.min(-1), a.max()), [()])


def test_max_min_named_tuple():
    r = chainrule.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)
    assert isinstance(r, tuple) and r.values.tolist() == [5.0, 7.0] and r.indices.tolist() == [1, 0]
    values, indices = r
    assert values is r[0] and indices.dtype == chainrule.int64
    assert type(r).__name__ == "max" and "values=" in repr(r)
    assert type(chainrule.ones(2).min(0)).__name__ == "min"


def test_max_min_binary_form():
    check_op(lambda T, a, b: F(T.max(a, b), T.min(a, b), a.max(b), T.max(a, other=b)), [(3, 4), (4,)])


def test_max_dim_gradient_only_to_index_and_double_backward():
    x = chainrule.tensor([1.0, 3.0, 3.0, 2.0], requires_grad=True)
    x.max(0).values.backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0, 0.0]
    check_gradcheck(lambda T, a: a.max(1).values ** 2, [(3, 4)], gradgrad=True)
    check_gradcheck(lambda T, a: a.min(0, keepdim=True)[0].exp(), [(3, 4)], gradgrad=True)


def test_max_nan_propagates():
    a = np.array([[1.0, np.nan, 3.0, np.nan], [0.0, 1.0, 2.0, -1.0]])
    check_arrays(lambda T, a: F(a.max(1), a.min(1), a.max(), a.amax(1), a.argmax(1)), [a])


def test_aminmax():
    check_arrays(lambda T, a: F(T.aminmax(a), T.aminmax(a, dim=1), a.aminmax(dim=0, keepdim=True)), [TIES])
    check_op(lambda T, a: T.aminmax(a, dim=0), [()])


def test_extrema_errors_on_empty():
    e = np.zeros((2, 0, 3))
    for fn in (
        lambda T, a: a.max(),
        lambda T, a: a.min(),
        lambda T, a: a.amax(),
        lambda T, a: a.amax(1),
        lambda T, a: a.max(1),
        lambda T, a: a.argmax(),
        lambda T, a: a.argmin(1),
        lambda T, a: a.median(1),
        lambda T, a: T.aminmax(a),
        lambda T, a: T.aminmax(a, dim=1),
        lambda T, a: a.kthvalue(1, 1),
    ):
        assert_raises_like_torch(fn, e)
    assert_raises_like_torch(lambda T, a: a.max(1), e, match=r"max\(\): Expected reduction dim 1 to have non-zero")
    assert_raises_like_torch(lambda T, a: a.max(), e, match="Expected reduction dim to be specified")
    check_op(lambda T, a: F(a.max(1), a.amax(1), a.argmax(1), a.min(-1)), [(0, 3)])


# ---- var / std ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 2)])
def test_var_std(dim):
    check_op(
        lambda T, a: F(
            a.var(dim),
            a.std(dim),
            T.var(a, dim, keepdim=True),
            T.std(a, dim, correction=0),
            T.var(a, dim, unbiased=False),
        ),
        [(3, 4, 5)],
    )
    check_gradcheck(lambda T, a: F(a.var(dim), a.std(dim, correction=2)), [(3, 4, 2)], gradgrad=True)


def test_var_std_forms():
    check_op(
        lambda T, a: F(
            T.var(a, 1, True, True),
            T.var(a, True),
            a.std(False),
            T.std(a, axis=0),
            T.var_mean(a, 1),
            T.std_mean(a),
            T.var_mean(a, correction=0),
        ),
        [(3, 4)],
    )


def test_var_std_degenerate():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(lambda T, a: F(a.var(), a.std(0), a.var(correction=3)), [(1,)])
        check_op(lambda T, a: F(a.var(1), a.std()), [(2, 0)])
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        chainrule.ones(1).var()
    x = chainrule.ones(3, requires_grad=True)
    x.std().backward()  # std == 0: gradient 0, not nan (as torch)
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


_F64_MAX = np.finfo(np.float64).max


@pytest.mark.parametrize(
    "fn",
    [
        lambda T, a: a.var(1),
        lambda T, a: a.std(0, keepdim=True),
        lambda T, a: a.var(-1, correction=0),
        lambda T, a: F(T.var_mean(a, 1)),
        lambda T, a: F(T.std_mean(a, 0, keepdim=True)),
        lambda T, a: F(T.var_mean(a)),
        lambda T, a: F(T.std_mean(a[:1])),
        lambda T, a: a.var(),  # an all-reduce: torch's two-pass overflows in the mean too
        lambda T, a: a.var((0, 1)),
    ],
)
def test_var_std_near_float_max_like_torch(fn):
    # torch's Welford pass (all but a CPU all-reduce, and var_mean/std_mean) does not overflow on equal huge values
    for arr in (
        np.full((2, 3), _F64_MAX),
        np.array([[_F64_MAX, _F64_MAX, 1e308], [1.0, 2.0, 4.0]]),
        np.full((2, 3), 3e38, np.float32),
        np.array([[3e38, -3e38, 3e38], [-1e30, -1e30, -1e30]], np.float32),
    ):
        want = [t.numpy() for t in F(fn(torch, torch.tensor(arr)))]
        got = [t.numpy() for t in F(fn(chainrule, chainrule.tensor(arr)))]
        for g, w in zip(got, want):
            assert g.dtype == w.dtype and g.shape == w.shape
            np.testing.assert_allclose(g, w, rtol=1e-6)


# ---- norm -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, "fro", 1, 3, 1.5, 0.5, math.inf, -math.inf, 0])
def test_norm(p):
    check_op(lambda T, a: F(a.norm(p), T.norm(a, p, 1), a.norm(p, dim=(0, 1), keepdim=True)), [(3, 4)])
    if p not in (0, math.inf, -math.inf, 1):
        check_gradcheck(lambda T, a: a.norm(p, dim=1), [(3, 4)], gradgrad=True)


def test_norm_at_zero_and_ties():
    z = np.zeros((2, 3))
    check_arrays(lambda T, a: F(a.norm(), a.norm(dim=1), a.norm(3), a.norm(1)), [z])
    check_arrays(lambda T, a: F(a.norm(math.inf), a.norm(math.inf, dim=1)), [np.array([[1.0, -3.0, 3.0, 2.0]])])
    check_op(lambda T, a: F(a.norm(), a.norm(dtype=T.float64), a.norm(p="fro", dim=(0, 1))), [(2, 3)])
    check_op(lambda T, a: F(a.norm(), a.norm(1), a.norm(dim=0)), [(0, 3)])


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, -1, -2, 4.5, math.inf, 0])
def test_norm_over_size_one_dims_is_abs_like_torch(p):
    # torch returns |x| when every reduced dim has size 1, so a huge float32 element does not overflow in x^p
    for arr in (np.array([3e38], np.float32), np.array([[-3e38, 1e-45]], np.float32), np.float32(-2e38)):
        fns = [
            lambda T, a: T.linalg.vector_norm(a, p),
            lambda T, a: a.norm(p),
            lambda T, a: T.linalg.vector_norm(a, p, dim=0 if a.ndim else (), keepdim=True),
            lambda T, a: T.linalg.vector_norm(a, p, dim=0 if a.ndim else ()),
        ]
        for fn in fns:
            want = fn(torch, torch.tensor(arr)).numpy()
            got = fn(chainrule, chainrule.tensor(arr)).numpy()
            assert got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
    check_arrays(lambda T, a: F(a.norm(p, dim=1), a.norm(p, dim=(0,), keepdim=True)), [np.array([[1.5, -3.0]])])


def test_norm_errors():
    assert_raises_like_torch(lambda T, a: a.norm(), np.arange(3), match="Expected a floating point")
    assert_raises_like_torch(lambda T, a: a.norm(math.inf), np.zeros(0), match="cannot compute the inf norm")
    assert_raises_like_torch(lambda T, a: a.norm("fro", dim=(0, 1, 2)), np.ones((2, 2, 2)))


# ---- logsumexp / softmax ------------------------------------------------------------------------
def test_logsumexp():
    check_op(lambda T, a: F(a.logsumexp(1), T.logsumexp(a, (0, 2), keepdim=True), a.logsumexp(-1)), [(3, 4, 2)])
    check_op(lambda T, a: a.logsumexp(0), [()])
    check_op(lambda T, a: F(a.logsumexp(1), a.logsumexp(0)), [(2, 0)])
    check_gradcheck(lambda T, a: a.logsumexp(1), [(3, 4)], gradgrad=True)


def test_logsumexp_stable_and_infinities():
    big = np.array([[1e4, -1e4, 1e4 - 1.0], [-1e4, -1e4 + 2.0, -1e4]])
    check_arrays(lambda T, a: F(a.logsumexp(1), a.logsumexp(0)), [big])
    assert np.isfinite(chainrule.tensor(big).logsumexp(1).numpy()).all()
    inf = np.array([[np.inf, 1.0], [-np.inf, -np.inf], [-np.inf, 2.0], [np.inf, -np.inf]])
    check_arrays(lambda T, a: a.logsumexp(1), [inf])
    check_op(lambda T, a: a.logsumexp(0), None, arrays=[np.arange(4)], grad=False)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_log_softmax(dim):
    check_op(lambda T, a: F(a.softmax(dim), T.log_softmax(a, dim), T.softmax(a, dim, dtype=T.float64)), [(3, 4, 5)])
    check_gradcheck(lambda T, a: F(a.softmax(dim), a.log_softmax(dim)), [(3, 4)], gradgrad=True)


def test_softmax_stable_and_edges():
    big = np.array([[1000.0, 0.0, -1000.0], [3e4, 3e4, 1.0]])
    check_arrays(lambda T, a: F(a.softmax(1), a.log_softmax(1), a.softmax(0)), [big])
    inf = np.array([[-np.inf, 1.0], [-np.inf, -np.inf], [np.inf, 1.0]])
    check_arrays(lambda T, a: F(a.softmax(1), a.log_softmax(1)), [inf], grad=False)
    check_op(lambda T, a: F(a.softmax(0), a.log_softmax(0)), [()])
    check_op(lambda T, a: F(a.softmax(1), a.log_softmax(0)), [(2, 0)])
    check_op(
        lambda T, a: T.softmax(a, 0, dtype=T.float32), None, dtypes=("float32",), arrays=[np.arange(3)], grad=False
    )
    assert_raises_like_torch(lambda T, a: a.softmax(0), np.arange(3), match="not implemented for 'Long'")
    assert_raises_like_torch(lambda T, a: a.log_softmax(0), np.arange(3))


# ---- scans -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_cumprod(dim):
    check_op(lambda T, a: F(a.cumsum(dim), T.cumprod(a, dim), T.cumsum(a, dim, dtype=T.float64)), [(3, 4)])
    check_gradcheck(lambda T, a: F(a.cumsum(dim) ** 2, a.cumprod(dim)), [(3, 4)], gradgrad=True)


def test_cumprod_with_zeros_and_ints():
    a = np.array([[1.5, 0.0, 2.0, -1.0, 0.5], [0.0, 2.0, 0.0, 3.0, 1.0], [1.0, 2.0, 3.0, 0.5, 0.0]])
    check_arrays(lambda T, a: F(a.cumprod(1), a.cumprod(0)), [a])
    check_gradcheck(lambda T, a: a.cumprod(1), None, arrays=[a])
    check_op(
        lambda T, a: F(a.cumsum(0), a.cumprod(1)), None, arrays=[np.arange(6, dtype=np.int32).reshape(2, 3)], grad=False
    )
    check_op(lambda T, a: F(a.cumsum(0), a.cumprod(0)), [()])
    check_op(lambda T, a: F(a.cumsum(1), a.cumprod(1)), [(2, 0)])


# ---- non-differentiable reductions ------------------------------------------------------------------
def test_argmax_argmin_all_any_count():
    check_op(
        lambda T, a: F(a.argmax(), a.argmin(1), T.argmax(a, 0, keepdim=True), a.argmax(keepdim=True), a.argmin()),
        [(3, 4)],
        grad=False,
    )
    m = np.array([[0.0, 1.0, 2.0], [0.0, 0.0, 3.0]])
    check_op(
        lambda T, a: F(
            a.all(),
            a.any(),
            a.all(1),
            a.any(0, keepdim=True),
            T.all(a, (0, 1)),
            T.count_nonzero(a),
            T.count_nonzero(a, 0),
            T.count_nonzero(a, (0, 1)),
        ),
        None,
        arrays=[m],
        grad=False,
    )
    check_op(lambda T, a: F(a.all(), a.any(0)), None, arrays=[np.array([[1, 0], [2, 3]], dtype=np.uint8)], grad=False)
    check_op(lambda T, a: F(a.all(1), a.any(1)), None, arrays=[np.zeros((2, 0))], grad=False)
    check_op(lambda T, a: F(a.argmax(), a.argmax(0)), [()], grad=False)
    assert_raises_like_torch(lambda T, a: a.argmax(), np.array([True, False]))


# ---- sort / topk / kthvalue / median ------------------------------------------------------------------
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(dim, descending):
    check_op(lambda T, a: F(T.sort(a, dim, descending), a.argsort(dim, descending)), [(4, 5)])
    check_gradcheck(lambda T, a: a.sort(dim, descending).values ** 2, [(3, 4)], gradgrad=True)


def test_sort_stable_ties_and_nan():
    a = np.array([[2.0, 1.0, 2.0, np.nan, 1.0, np.nan, 0.5]])
    check_arrays(lambda T, a: F(a.sort(stable=True), T.sort(a, descending=True, stable=True)), [a], grad=False)
    check_arrays(lambda T, a: F(a.sort(dim=1, stable=True), a.sort(stable=True, dim=1, descending=True)), [TIES])
    check_op(lambda T, a: F(a.sort(), a.sort(0)), [()])
    check_op(lambda T, a: a.sort(1), [(2, 0)])


@pytest.mark.parametrize("largest", [True, False])
def test_topk(largest):
    check_op(lambda T, a: F(T.topk(a, 2, largest=largest), a.topk(3, 0, largest), a.topk(0, 1, largest)), [(4, 5)])
    check_gradcheck(lambda T, a: a.topk(2, 1, largest).values.exp(), [(3, 4)], gradgrad=True)
    check_arrays(lambda T, a: a.topk(2, largest=largest), [np.array([[1.0, np.nan, 3.0, 2.0]])], grad=False)
    assert_raises_like_torch(lambda T, a: a.topk(6), np.ones((2, 5)), match="selected index k out of range")
    assert_raises_like_torch(lambda T, a: a.topk(-1), np.ones((2, 5)))


def test_kthvalue_median():
    check_op(
        lambda T, a: F(
            a.kthvalue(2), T.kthvalue(a, 1, 0, keepdim=True), a.median(), a.median(1), T.median(a, 0, keepdim=True)
        ),
        [(5, 6)],
    )
    check_op(lambda T, a: F(a.median(), a.median(0)), [(4, 1)])
    check_gradcheck(lambda T, a: F(a.kthvalue(3, 1).values, a.median(0).values), [(5, 4)], gradgrad=True)
    x = chainrule.tensor([1.0, 3.0, 3.0, 2.0, 3.0], requires_grad=True)
    x.median().backward()  # ties share the gradient, as torch's median() over all elements
    np.testing.assert_allclose(x.grad.numpy(), [0, 1 / 3, 1 / 3, 0, 1 / 3])
    nan = np.array([[1.0, np.nan, 3.0], [2.0, 0.0, 5.0]])
    check_arrays(lambda T, a: F(a.median(), a.median(1)), [nan], grad=False)
    assert math.isnan(chainrule.zeros(0).median().item())
    assert_raises_like_torch(lambda T, a: a.kthvalue(4), np.ones((2, 3)), match="selected number k out of range")
    assert_raises_like_torch(lambda T, a: a.kthvalue(0), np.ones((2, 3)))


# ---- errors, names ----------------------------------------------------------------------------------
def test_zero_dim_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_op(
            lambda T, a: F(a.prod(), a.prod(0), a.amax(), a.amin(0), a.max(), a.min(), a.norm(), a.norm(1, dim=0)),
            [()],
        )
        check_op(
            lambda T, a: F(a.var(), a.std(0), a.var(correction=0), a.logsumexp(0), a.median(), a.kthvalue(1)), [()]
        )
        check_op(lambda T, a: F(a.topk(1), a.argsort(), a.all(), a.count_nonzero()), [()])


def test_reduction_errors():
    x = np.ones((2, 3))
    assert_raises_like_torch(lambda T, a: a.mean(), np.arange(3), match="mean\\(\\): could not infer output dtype")
    assert_raises_like_torch(lambda T, a: a.var(), np.arange(3), match="std and var only support floating point")
    assert_raises_like_torch(lambda T, a: a.std(0), np.arange(3))
    assert_raises_like_torch(lambda T, a: a.sum(2), x, match="Dimension out of range")
    assert_raises_like_torch(lambda T, a: a.sum((0, 0)), x, match="appears multiple times")
    assert_raises_like_torch(lambda T, a: a.amax((1, -1)), x)
    assert_raises_like_torch(lambda T, a: a.prod((0, 1)), x)
    assert_raises_like_torch(lambda T, a: a.softmax(2), x)
    assert_raises_like_torch(lambda T, a: a.cumsum(-3), x)
    assert_raises_like_torch(lambda T, a: a.sort(2), x)
    assert_raises_like_torch(lambda T, a: a.count_nonzero((0, 0)), x)


def test_grad_fn_names():
    def names(T):
        a = T.ones(2, 3, requires_grad=True)
        outs = [
            a.sum(),
            a.sum(0),
            a.mean(),
            a.mean(1),
            a.prod(),
            a.prod(0),
            a.max(),
            a.max(0)[0],
            a.amax(),
            a.amin(1),
            a.var(),
            a.std(0),
            a.norm(),
            a.logsumexp(0),
            a.softmax(0),
            a.log_softmax(1),
            a.cumsum(0),
            a.cumprod(1),
            a.sort()[0],
            a.topk(1)[0],
            a.median(),
            a.median(0)[0],
            a.kthvalue(1)[0],
            T.aminmax(a)[0],
            a.min(),
            a.min(1)[0],
        ]
        return [type(o.grad_fn).__name__ if T is torch else o.grad_fn.name() for o in outs]

    assert names(chainrule) == names(torch)


# ---- property tests ------------------------------------------------------------------------------------
@st.composite
def _shape_dims(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    dims = draw(
        st.lists(
            st.integers(-len(shape), len(shape) - 1),
            unique_by=lambda d: d % len(shape),
            min_size=1,
            max_size=len(shape),
        )
    )
    return shape, tuple(dims), draw(st.booleans()), draw(st.integers(0, 2**31 - 1))


@settings(max_examples=40, deadline=None)
@given(_shape_dims())
def test_property_multi_dim_reductions(case):
    shape, dims, keepdim, seed = case
    check_op(
        lambda T, a: F(
            a.sum(dims, keepdim),
            a.mean(dims, keepdim),
            a.amax(dims, keepdim),
            T.amin(a, dims, keepdim),
            a.logsumexp(dims, keepdim),
            a.norm(2, dims, keepdim),
        ),
        [shape],
        seed=seed,
    )


@pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")
@settings(max_examples=40, deadline=None)
@given(_shape_dims())
def test_property_single_dim_reductions(case):
    shape, dims, keepdim, seed = case
    d = dims[0]
    a = np.random.default_rng(seed).standard_normal(shape)
    c = chainrule.tensor(a)
    np.testing.assert_allclose(
        c.var(d, keepdim=keepdim).numpy(), np.var(a, d, ddof=1, keepdims=keepdim), equal_nan=True
    )
    np.testing.assert_allclose(c.prod(d, keepdim).numpy(), np.prod(a, d, keepdims=keepdim))
    np.testing.assert_array_equal(c.argmax(d, keepdim).numpy(), np.argmax(a, d, keepdims=keepdim))
    np.testing.assert_allclose(c.max(d, keepdim).values.numpy(), np.max(a, d, keepdims=keepdim))
    np.testing.assert_allclose(c.cumsum(d).numpy(), np.cumsum(a, d))
    np.testing.assert_allclose(c.sort(d).values.numpy(), np.sort(a, d))


def test_prod_gradient_at_inf_follows_torch():
    # a 0-d input is its own product (gradient 1 even at inf); otherwise prod/x gives nan at inf, as torch
    for v in [float("inf"), [float("inf")], [float("inf"), 2.0], [[float("inf")]], [3.0, 0.0, 2.0]]:
        grads = []
        for T in (torch, chainrule):
            x = T.tensor(v, requires_grad=True)
            x.prod().backward()
            grads.append(x.grad.numpy())
        np.testing.assert_array_equal(grads[1], grads[0])
