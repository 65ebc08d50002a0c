"""torch.linalg against torch: values, gradients (and finite-difference checks, second order included),
batching, empty inputs, errors. Decompositions whose factors are defined up to signs (svd, eigh) are
compared through sign-invariant quantities."""

import numpy as np
import pytest
import torch
from helpers import assert_raises_like_torch, check_gradcheck, check_op

import chainrule

F32 = 100.0  # float32 tolerance scale (rtol 1e-4): LAPACK paths and summation orders differ
F64 = 1000.0  # float64 (rtol 1e-7)


def well(shape, seed=0):
    """well-conditioned square matrices: uniform noise plus 3 I"""
    r = np.random.default_rng(seed)
    a = r.uniform(-1, 1, shape)
    return a + 3 * np.eye(shape[-1])


def spd(shape, seed=0):
    """symmetric positive-definite: B B^T + n I"""
    r = np.random.default_rng(seed)
    b = r.uniform(-1, 1, shape)
    return b @ np.swapaxes(b, -1, -2) + shape[-1] * np.eye(shape[-1])


def rand(shape, seed=0):
    return np.random.default_rng(seed).uniform(-2, 2, shape)


def chk(fn, arrays, scale32=F32, scale64=F64, grad=True, dtypes=("float32", "float64")):
    """check_op for given float arrays, in each dtype, with decomposition tolerances"""
    for dt in dtypes:
        arrs = [a.astype(dt) if a.dtype.kind == "f" else a for a in arrays]
        scale = scale32 if dt == "float32" else scale64
        check_op(fn, None, dtypes=(dt,), arrays=arrs, tol_scale=scale, grad=grad)


def gc(fn, arrays, gradgrad=True, **kw):
    check_gradcheck(fn, None, arrays=[a.astype("float64") for a in arrays], gradgrad=gradgrad, **kw)


def raises_linalg_error(fn, *arrays):
    """torch raises LinAlgError; chainrule raises its LinAlgError with the same message"""
    with pytest.raises(torch.linalg.LinAlgError) as t_exc:
        fn(torch, *[torch.tensor(a) for a in arrays])
    with pytest.raises(chainrule.linalg.LinAlgError) as c_exc:
        fn(chainrule, *[chainrule.tensor(a) for a in arrays])
    assert str(c_exc.value) == str(t_exc.value)


# ---- inverse, determinants, solves -------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_inv_det_slogdet(shape):
    a = well(shape)
    chk(lambda T, a: (T.linalg.inv(a), T.linalg.inv_ex(a).inverse), [a])
    chk(lambda T, a: T.linalg.det(a), [a])
    chk(lambda T, a: tuple(T.linalg.slogdet(a)), [a])
    chk(lambda T, a: T.linalg.slogdet(-a).logabsdet, [a])
    gc(lambda T, a: (T.linalg.inv(a), T.linalg.det(a), T.linalg.slogdet(a).logabsdet), [a])


def test_inv_ex_info_and_singular():
    z = np.stack([np.eye(3), np.zeros((3, 3)), [[1.0, 2, 3], [2, 4, 6], [0, 1, 1]]]).astype(np.float32)
    r = chainrule.linalg.inv_ex(chainrule.tensor(z))
    t = torch.linalg.inv_ex(torch.tensor(z))
    assert r.info.dtype == chainrule.int32 and r.info.tolist() == t.info.tolist() == [0, 1, 3]
    np.testing.assert_array_equal(r.inverse.numpy()[0], np.eye(3))
    assert not np.isfinite(r.inverse.numpy()[1]).all()
    assert repr(chainrule.linalg.slogdet(chainrule.ones(2, 2))).startswith("torch.return_types.linalg_slogdet(\nsign=")
    raises_linalg_error(lambda T, a: T.linalg.inv(a), z[1])
    raises_linalg_error(lambda T, a: T.linalg.inv(a), z)
    raises_linalg_error(lambda T, a: T.linalg.inv_ex(a, check_errors=True), z)
    raises_linalg_error(lambda T, a: T.linalg.matrix_power(a, -2), z[2])
    raises_linalg_error(lambda T, a: T.linalg.tensorinv(a, ind=1), z[1])
    assert issubclass(chainrule.linalg.LinAlgError, RuntimeError)


def test_det_singular_values_and_gradient():
    sing = np.array([[[1.0, 2, 3], [2, 4, 6], [0, 1, 1]], [[0.0, 0, 0], [0, 0, 0], [0, 0, 0]], well((3, 3))])
    chk(lambda T, a: (T.linalg.det(a), *T.linalg.slogdet(a)), [sing], grad=False)
    # first order: det * A^-T from the LU (zero where det is exactly zero), as torch
    chk(lambda T, a: T.linalg.det(a), [sing], scale32=1000)
    # with create_graph: the adjugate, from the SVD where det vanishes; then second order
    for dt in ("float32", "float64"):
        grads = []
        for T in (torch, chainrule):
            x = T.tensor(sing.astype(dt), requires_grad=True)
            (g,) = T.autograd.grad(T.linalg.det(x).sum(), x, create_graph=True)
            (gg,) = T.autograd.grad((g * g).sum(), x)
            grads.append((g.detach().numpy(), gg.numpy()))
        for ours, theirs in zip(grads[1], grads[0]):
            np.testing.assert_allclose(ours, theirs, rtol=1e-3 if dt == "float32" else 1e-8, atol=1e-4)


def test_empty_matrices():
    for shape in [(0, 0), (0, 3, 3), (2, 0, 0)]:
        a = np.zeros(shape)
        chk(lambda T, a: (T.linalg.inv(a), T.linalg.det(a), *T.linalg.slogdet(a)), [a], grad=False)
        chk(lambda T, a: (T.linalg.cholesky(a), T.linalg.eigvalsh(a), T.linalg.svdvals(a)), [a], grad=False)
        chk(lambda T, a: (T.linalg.matrix_exp(a), T.linalg.pinv(a), T.linalg.matrix_rank(a)), [a], grad=False)
        chk(lambda T, a: tuple(T.linalg.lu_factor(a)) + tuple(T.linalg.qr(a)), [a], grad=False)
    chk(lambda T, a: (T.linalg.det(a), T.linalg.inv(a)), [np.zeros((0, 0))])


@pytest.mark.parametrize(
    "sa,sb,left",
    [
        ((3, 3), (3,), True),
        ((3, 3), (3, 2), True),
        ((2, 3, 3), (2, 3), True),  # batched vector right-hand side
        ((2, 3, 3), (3, 4), True),  # broadcast B over A's batch
        ((3, 3), (4, 3, 2), True),  # broadcast A over B's batch
        ((3, 3), (2, 3), False),
        ((2, 1, 3, 3), (4, 2, 3), False),
    ],
)
def test_solve(sa, sb, left):
    a, b = well(sa), rand(sb, 1)
    chk(lambda T, a, b: T.linalg.solve(a, b, left=left), [a, b])
    chk(lambda T, a, b: tuple(T.linalg.solve_ex(a, b, left=left)), [a, b])
    gc(lambda T, a, b: T.linalg.solve(a, b, left=left), [a, b])


def test_solve_errors():
    e, s = np.eye(3, dtype=np.float32), np.zeros((3, 3), dtype=np.float32)
    raises_linalg_error(lambda T, a, b: T.linalg.solve(a, b), s, np.ones(3, np.float32))
    raises_linalg_error(lambda T, a, b: T.linalg.solve(a, b), np.stack([e, s]), np.ones((2, 3), np.float32))
    raises_linalg_error(lambda T, a, b: T.linalg.solve_ex(a, b, check_errors=True), s, np.ones(3, np.float32))
    r = chainrule.linalg.solve_ex(chainrule.tensor(np.stack([e, s])), chainrule.ones(2, 3))
    assert r.info.tolist() == [0, 1] and r.result[0].tolist() == [1.0, 1.0, 1.0]
    for fn, args in [
        (lambda T, a, b: T.linalg.solve(a, b), (e, np.ones(4, np.float32))),
        (lambda T, a, b: T.linalg.solve(a, b), (e, np.ones((2, 3), np.float32))),
        (lambda T, a, b: T.linalg.solve(a, b), (e[:2], np.ones(3, np.float32))),
        (lambda T, a, b: T.linalg.solve(a, b), (e, np.ones(3))),
        (lambda T, a, b: T.linalg.solve(a, b, left=False), (e, np.ones(3, np.float32))),
        (lambda T, a, b: T.linalg.solve(a, b, left=False), (e[:1, :1], np.ones(1, np.float32))),
        (lambda T, a, b: T.linalg.solve(a, b), (np.stack([e, e]), np.ones((4, 3, 1), np.float32))),
        (lambda T, a, b: T.linalg.solve(a, b), (np.eye(2, dtype=np.int64), np.ones(2, np.int64))),
    ]:
        assert_raises_like_torch(fn, *args, match=None)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    a = well((3, 3))  # the other triangle is ignored
    b = rand((3, 2) if left else (2, 3), 2)
    chk(lambda T, a, b: T.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit), [a, b])
    ab, bb = well((2, 3, 3)), rand((2, 3, 2) if left else (2, 2, 3), 3)
    chk(lambda T, a, b: T.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit), [ab, bb])
    gc(lambda T, a, b: T.linalg.solve_triangular(a, b, upper=upper, left=left, unitriangular=unit), [ab, bb])


def test_solve_triangular_errors_and_zero_diagonal():
    z = np.zeros((2, 3, 3), np.float32)
    b = np.ones((3, 2), np.float32)
    out = chainrule.linalg.solve_triangular(chainrule.tensor(z), chainrule.tensor(b), upper=True).numpy()
    ref = torch.linalg.solve_triangular(torch.tensor(z), torch.tensor(b), upper=True).numpy()
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    e = np.eye(3, dtype=np.float32)
    for fn, args in [
        (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), (e, np.ones(3, np.float32))),
        (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), (e, np.ones((4, 2), np.float32))),
        (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True, left=False), (e, b)),
        (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), (e[:2], b)),
        (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), (np.stack([e, e]), np.ones((4, 3, 2), "f4"))),
        (lambda T, a, b: T.linalg.solve_triangular(a, b, upper=True), (e.astype(np.int64), b.astype(np.int64))),
    ]:
        assert_raises_like_torch(fn, *args)


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 6, -1, -3])
def test_matrix_power(n):
    a = well((2, 3, 3)) / 3
    chk(lambda T, a: T.linalg.matrix_power(a, n), [a])
    if n:
        gc(lambda T, a: T.linalg.matrix_power(a, n), [a[0]], gradgrad=abs(n) < 4)
    ints = np.arange(4).reshape(2, 2)
    check_op(lambda T, a: T.linalg.matrix_power(a, abs(n)), None, arrays=[ints], grad=False)


def test_matrix_power_identity_keeps_graph():
    a = chainrule.tensor(well((3, 3)), requires_grad=True)
    p = chainrule.linalg.matrix_power(a, 0)
    assert p.requires_grad and p.grad_fn.name() == "CopyBackwards"
    p.sum().backward()
    assert a.grad.abs().sum().item() == 0
    assert_raises_like_torch(lambda T, a: T.linalg.matrix_power(a, 2), np.ones((3, 2), np.float32))
    assert_raises_like_torch(lambda T, a: T.linalg.matrix_power(a, 2), np.ones(3, np.float32))
    with pytest.raises(TypeError):
        chainrule.linalg.matrix_power(a, 2.0)


def test_tensorinv_tensorsolve():
    a = well((6, 6)).reshape(6, 2, 3)
    chk(lambda T, a: T.linalg.tensorinv(a, ind=1), [a])
    b = well((6, 6)).reshape(2, 3, 6)
    chk(lambda T, a, b: T.linalg.tensorsolve(a, b), [b, rand((2, 3), 4)])
    c = np.moveaxis(b, -1, 0)
    chk(lambda T, a, b: T.linalg.tensorsolve(a, b, dims=(0,)), [c, rand((2, 3), 4)])
    assert_raises_like_torch(lambda T, a: T.linalg.tensorinv(a, ind=0), a)
    assert_raises_like_torch(lambda T, a: T.linalg.tensorinv(a, ind=1), rand((4, 2, 3)))
    assert_raises_like_torch(lambda T, a, b: T.linalg.tensorsolve(a, b), rand((2, 3, 5)), rand((2, 3)))


# ---- factorizations ----------------------------------------------------------------------------------
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(upper):
    a = spd((2, 3, 3))
    chk(lambda T, a: T.linalg.cholesky(a, upper=upper), [a])
    chk(lambda T, a: tuple(T.linalg.cholesky_ex(a, upper=upper)), [a])
    # only one triangle is read
    lop = np.tril(a) if not upper else np.triu(a)
    chk(lambda T, a: T.linalg.cholesky(a, upper=upper), [lop])
    gc(lambda T, a: T.linalg.cholesky((a + a.mT) / 2, upper=upper), [a])


def test_cholesky_errors():
    m = np.stack([np.eye(3), -np.eye(3), np.diag([1.0, 1, -1])]).astype(np.float32)
    raises_linalg_error(lambda T, a: T.linalg.cholesky(a), m)
    raises_linalg_error(lambda T, a: T.linalg.cholesky(a), m[1])
    raises_linalg_error(lambda T, a: T.linalg.cholesky_ex(a, check_errors=True), m[2])
    raises_linalg_error(lambda T, a: T.linalg.cholesky(a, upper=True), np.array([[4.0, 100], [1, 3]]))
    chk(lambda T, a: tuple(T.linalg.cholesky_ex(a)), [m], grad=False)
    assert_raises_like_torch(lambda T, a: T.linalg.cholesky(a), np.ones((3, 2)))
    assert_raises_like_torch(lambda T, a: T.linalg.cholesky(a), np.ones((2, 2), np.int64))


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (3, 5), (2, 4, 2)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(shape, mode):
    a = rand(shape)
    grad = mode == "reduced" or (mode == "complete" and shape[-2] <= shape[-1])
    chk(lambda T, a: tuple(T.linalg.qr(a, mode=mode)), [a], grad=grad)
    if grad:
        chk(lambda T, a: T.linalg.qr(a, mode=mode).Q, [a])
        chk(lambda T, a: T.linalg.qr(a, mode=mode).R, [a])
    if grad:
        gc(lambda T, a: tuple(T.linalg.qr(a, mode=mode)), [a], gradgrad=shape == (3, 3))


def test_qr_errors():
    assert_raises_like_torch(lambda T, a: T.linalg.qr(a, mode="x"), np.ones((3, 2)))
    assert_raises_like_torch(lambda T, a: T.linalg.qr(a), np.ones(3))
    assert_raises_like_torch(lambda T, a: T.linalg.qr(a), np.ones((2, 2), np.int64))
    for mode, shape in [("r", (3, 2)), ("complete", (3, 2))]:
        t = torch.tensor(rand(shape), requires_grad=True)
        with pytest.raises(RuntimeError) as te:
            torch.linalg.qr(t, mode=mode).R.sum().backward()
        c = chainrule.tensor(rand(shape), requires_grad=True)
        with pytest.raises(RuntimeError, match="QR decomposition|mode='r'") as ce:
            chainrule.linalg.qr(c, mode=mode).R.sum().backward()
        assert str(ce.value) == str(te.value)


def _svd_invariants(T, a, full):
    u, s, vh = T.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    uk, vk = u[..., :, :k], vh[..., :k, :]
    recon = (uk * s.unsqueeze(-2)) @ vk
    return s, recon, u**2, vh**2, uk @ vk  # the last one uses U and V together (polar factor for square A)


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 3)])
@pytest.mark.parametrize("full", [False, True])
def test_svd(shape, full):
    a = rand(shape)
    chk(lambda T, a: _svd_invariants(T, a, full), [a], scale32=300)
    chk(lambda T, a: (T.linalg.svdvals(a), T.linalg.svd(a, full_matrices=full).S), [a])
    # only one of U, Vh in the loss: torch's one-sided formulas
    chk(lambda T, a: T.linalg.svd(a, full_matrices=full).U ** 2, [a], scale32=300)
    chk(lambda T, a: T.linalg.svd(a, full_matrices=full).Vh ** 2, [a], scale32=300)
    if not full:
        gc(lambda T, a: _svd_invariants(T, a, False)[:4], [a], gradgrad=shape == (3, 3))
        gc(lambda T, a: T.linalg.svdvals(a), [a], gradgrad=True)


def test_svd_errors_and_names():
    assert_raises_like_torch(lambda T, a: T.linalg.svd(a), np.ones(3))
    assert_raises_like_torch(lambda T, a: T.linalg.svd(a), np.ones((2, 2), np.int64))
    raises_linalg_error(lambda T, a: T.linalg.svd(a), np.full((2, 2), np.nan))
    a = chainrule.tensor(rand((3, 3)), requires_grad=True)
    assert chainrule.linalg.svdvals(a).grad_fn.name() == "LinalgSvdBackward0"
    assert chainrule.linalg.svd(a).U.grad_fn.name() == "LinalgSvdBackward0"
    assert repr(chainrule.linalg.svd(a)).startswith("torch.return_types.linalg_svd(\nU=")


@pytest.mark.parametrize("uplo", ["L", "U"])
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_eigh(uplo, shape):
    a = rand(shape)  # the other triangle is ignored

    def inv(T, a):
        w, v = T.linalg.eigh(a, UPLO=uplo)
        return w, v**2, (v * w.unsqueeze(-2)) @ v.mT, (v * w.unsqueeze(-2).exp()) @ v.mT

    chk(inv, [a], scale32=300)
    chk(lambda T, a: T.linalg.eigvalsh(a, UPLO=uplo), [a])
    s = (a + np.swapaxes(a, -1, -2)) / 2
    gc(lambda T, a: inv(T, (a + a.mT) / 2)[1:], [s], gradgrad=shape == (3, 3))


def test_eigh_errors():
    assert_raises_like_torch(lambda T, a: T.linalg.eigh(a), np.ones((3, 2)))
    assert_raises_like_torch(lambda T, a: T.linalg.eigh(a, UPLO="X"), np.ones((2, 2)))
    assert_raises_like_torch(lambda T, a: T.linalg.eigvalsh(a), np.ones((2, 2), np.int64))


@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 4)])
def test_lu_factor_lu_solve(shape):
    a = rand(shape)
    chk(lambda T, a: tuple(T.linalg.lu_factor(a)), [a])
    chk(lambda T, a: tuple(T.linalg.lu_factor_ex(a)), [a])
    chk(lambda T, a: tuple(T.linalg.lu(a)), [a])
    chk(lambda T, a: T.linalg.lu(a).L, [a])
    chk(lambda T, a: T.linalg.lu(a).U, [a])
    gc(lambda T, a: T.linalg.lu_factor(a).LU, [a], gradgrad=shape == (3, 3))
    gc(lambda T, a: T.linalg.lu(a)[1:], [a], gradgrad=False)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [False, True])
def test_lu_solve(left, adjoint):
    a = well((2, 3, 3))
    b = rand((2, 3, 2) if left else (2, 2, 3), 5)

    def fn(T, a, b):
        lu, piv = T.linalg.lu_factor(a)
        return T.linalg.lu_solve(lu, piv, b, left=left, adjoint=adjoint)

    chk(fn, [a, b])
    gc(fn, [a, b])


def test_lu_errors():
    z = np.zeros((2, 3, 3), np.float32)
    z[0] = np.eye(3)
    for fn in [lambda T, a: T.linalg.lu_factor(a), lambda T, a: T.linalg.lu_factor_ex(a, check_errors=True)]:
        assert_raises_like_torch(fn, z, match=r"\(Batch element 1\): U\[1,1\] is zero")
        assert_raises_like_torch(fn, z[1], match=r"lu_factor.*: U\[1,1\] is zero")
    chk(lambda T, a: tuple(T.linalg.lu_factor_ex(a)), [z], grad=False)
    assert_raises_like_torch(lambda T, a: T.linalg.lu_factor(a, pivot=False), z)
    assert_raises_like_torch(lambda T, a: T.linalg.lu(a), np.ones(3))
    assert_raises_like_torch(lambda T, a: T.linalg.lu(a), np.ones((2, 2), np.int64))
    lu, piv = torch.linalg.lu_factor(torch.tensor(well((3, 3))))
    arrays = (lu.numpy(), piv.numpy())
    for fn, b in [
        (lambda T, lu, p, b: T.linalg.lu_solve(lu, p, b), np.ones(3)),
        (lambda T, lu, p, b: T.linalg.lu_solve(lu, p, b), np.ones((4, 2))),
        (lambda T, lu, p, b: T.linalg.lu_solve(lu, p, b, left=False), np.ones((3, 2))),
        (lambda T, lu, p, b: T.linalg.lu_solve(lu, p.long(), b), np.ones((3, 2))),
        (lambda T, lu, p, b: T.linalg.lu_solve(lu, p[:2], b), np.ones((3, 2))),
        (lambda T, lu, p, b: T.linalg.lu_solve(lu, p.expand(2, 3), b), np.ones((3, 2))),
        (lambda T, lu, p, b: T.linalg.lu_solve(lu, p, b), np.ones((3, 2), np.float32)),
    ]:
        assert_raises_like_torch(fn, *arrays, b)


# ---- pseudo-inverse, least squares, rank, condition numbers, norms -----------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 2)])
def test_pinv(shape):
    a = rand(shape)
    chk(lambda T, a: T.linalg.pinv(a), [a])
    gc(lambda T, a: T.linalg.pinv(a), [a], gradgrad=shape == (4, 2))
    s = spd((3, 3)) - 4 * np.eye(3)  # symmetric, indefinite
    chk(lambda T, a: T.linalg.pinv(a, hermitian=True), [s])
    gc(lambda T, a: T.linalg.pinv((a + a.mT) / 2, hermitian=True), [s], gradgrad=False)


@pytest.mark.filterwarnings("ignore:An output with one or more elements was resized")
def test_pinv_rank_tolerances():
    u = np.linalg.qr(rand((4, 4)))[0]
    a = (u * np.array([3.0, 1.0, 1e-3, 0.0])) @ u.T  # symmetric, singular values 3, 1, 1e-3, 0
    for kw in [{}, {"atol": 0.01}, {"rtol": 0.01}, {"atol": 0.5, "rtol": 1e-4}, {"hermitian": True}]:
        chk(lambda T, a, kw=kw: (T.linalg.pinv(a, **kw), T.linalg.matrix_rank(a, **kw)), [a], grad=False)
    chk(lambda T, a: (T.linalg.pinv(a, 0.01), T.linalg.pinv(a, rcond=0.01, hermitian=True)), [a], grad=False)
    chk(lambda T, a: (T.linalg.matrix_rank(a, 0.01), T.linalg.matrix_rank(a, tol=0.5, hermitian=True)), [a])
    atol = np.array([0.01, 2.0])
    check_op(
        lambda T, a, t: (T.linalg.pinv(a, atol=t), T.linalg.matrix_rank(a, atol=t)), None, arrays=[a, atol], grad=False
    )
    assert_raises_like_torch(lambda T, a: T.linalg.pinv(a), np.ones(3))
    assert_raises_like_torch(lambda T, a: T.linalg.matrix_rank(a), np.ones(3))
    assert_raises_like_torch(lambda T, a: T.linalg.matrix_rank(a), np.ones((2, 2), np.int64))
    assert_raises_like_torch(lambda T, a: T.linalg.pinv(a, hermitian=True), np.ones((3, 2)))


@pytest.mark.parametrize("driver", [None, "gels", "gelsy", "gelsd", "gelss"])
@pytest.mark.parametrize(
    "sa,sb", [((5, 3), (5, 2)), ((5, 3), (5,)), ((2, 5, 3), (2, 5)), ((3, 5), (3, 2)), ((1, 5, 3), (4, 5, 2))]
)
def test_lstsq(driver, sa, sb):
    a, b = rand(sa), rand(sb, 1)
    chk(lambda T, a, b: tuple(T.linalg.lstsq(a, b, driver=driver)), [a, b])
    if driver in (None, "gelsd"):
        gc(lambda T, a, b: tuple(T.linalg.lstsq(a, b, driver=driver))[:2], [a, b], gradgrad=driver is None)


def test_lstsq_rank_deficient_and_errors():
    a = rand((5, 2)) @ rand((2, 3), 1)
    b = rand((5, 2), 2)
    for driver in ("gelsy", "gelsd", "gelss"):
        chk(lambda T, a, b, d=driver: tuple(T.linalg.lstsq(a, b, driver=d)), [a, b], grad=False)
        chk(lambda T, a, b, d=driver: tuple(T.linalg.lstsq(a, b, rcond=0.5, driver=d)), [a, b], grad=False)
    z = np.zeros((3, 0))
    chk(lambda T, a, b: tuple(T.linalg.lstsq(a, b, driver="gelsd")), [z, b[:3]], grad=False)
    for fn, args in [
        (lambda T, a, b: T.linalg.lstsq(a, b, driver="x"), (a, b)),
        (lambda T, a, b: T.linalg.lstsq(a, b), (a, b.astype(np.float32))),
        (lambda T, a, b: T.linalg.lstsq(a, b), (a[0], b)),
        (lambda T, a, b: T.linalg.lstsq(a, b), (a, b[:4])),
        (lambda T, a, b: T.linalg.lstsq(a, b), (a, b[:4, 0])),
        (lambda T, a, b: T.linalg.lstsq(a, b), (a, np.ones((2, 2, 5, 1)))),
        (lambda T, a, b: T.linalg.lstsq(a, b), (a.astype(np.int64), b.astype(np.int64))),
    ]:
        assert_raises_like_torch(fn, *args)


@pytest.mark.parametrize("p", [None, 2, -2, 1, -1, float("inf"), -float("inf"), "fro", "nuc"])
def test_cond(p):
    a = well((2, 3, 3))
    chk(lambda T, a: T.linalg.cond(a, p), [a], grad=p in (None, 2, -2, "nuc"))  # torch's others do not backprop
    sing = np.stack([np.zeros((3, 3)), well((3, 3))])
    chk(lambda T, a: T.linalg.cond(a, p), [sing], grad=False)
    chk(lambda T, a: T.linalg.cond(a, p), [np.zeros((2, 0, 0))], grad=False)


def test_cond_errors():
    assert_raises_like_torch(lambda T, a: T.linalg.cond(a, 3), np.ones((2, 2)))
    assert_raises_like_torch(lambda T, a: T.linalg.cond(a, "fro"), np.ones((3, 2)))
    assert_raises_like_torch(lambda T, a: T.linalg.cond(a), np.ones(3))
    check_op(lambda T, a: T.linalg.cond(a), [(3, 4)], tol_scale=100)


@pytest.mark.parametrize("ord", ["fro", "nuc", 2, -2, 1, -1, float("inf"), -float("inf")])
def test_matrix_norm(ord):
    a = rand((2, 3, 4))
    chk(lambda T, a: (T.linalg.matrix_norm(a, ord), T.linalg.matrix_norm(a, ord, dim=(0, 2), keepdim=True)), [a])
    chk(lambda T, a: T.linalg.norm(a[0], ord), [a])
    for shape in [(0, 3), (3, 0), (2, 0, 0)]:
        fn = lambda T, a: T.linalg.matrix_norm(a, ord)  # noqa: E731
        try:
            fn(torch, torch.zeros(shape))
        except IndexError:  # torch has no value for some orders on empty matrices
            assert_raises_like_torch(fn, np.zeros(shape))
            continue
        chk(fn, [np.zeros(shape)])
    if ord in ("nuc", 2, -2):
        gc(lambda T, a: T.linalg.matrix_norm(a, ord), [a], gradgrad=False)


def test_norms_and_errors():
    a = rand((2, 3, 4))
    chk(lambda T, a: (T.linalg.norm(a), T.linalg.norm(a, dim=1), T.linalg.norm(a, 3, dim=(1,))), [a])
    chk(lambda T, a: (T.linalg.norm(a, "fro", dim=(0, 1)), T.linalg.norm(a[0, 0], 1)), [a])
    chk(lambda T, a: (T.linalg.vector_norm(a, 0.5), T.linalg.norm(a, 2, dim=(0, 2), keepdim=True)), [a])
    chk(lambda T, a: T.linalg.matrix_norm(a, 2, dtype=T.float64), [a.astype(np.float32)], dtypes=("float32",))
    for fn, x in [
        (lambda T, a: T.linalg.norm(a, "fro"), np.ones(3)),
        (lambda T, a: T.linalg.norm(a, "nuc"), np.ones(3)),
        (lambda T, a: T.linalg.norm(a, "fro", dim=1), np.ones((3, 3))),
        (lambda T, a: T.linalg.norm(a, "fro"), np.ones((3, 3, 3))),
        (lambda T, a: T.linalg.matrix_norm(a, 3), np.ones((3, 3))),
        (lambda T, a: T.linalg.matrix_norm(a, "nuc"), np.ones((3, 3), np.int64)),
    ]:
        assert_raises_like_torch(fn, x)


# ---- products and matrix functions -------------------------------------------------------------------
@pytest.mark.parametrize(
    "shapes",
    [[(3,), (3,)], [(2, 3), (3, 4)], [(3,), (3, 4), (4, 2), (2,)], [(5, 2), (2, 6), (6, 3), (3, 1)], [(4, 2), (2,)]],
)
def test_multi_dot(shapes):
    check_op(lambda T, *xs: T.linalg.multi_dot(xs), shapes, tol_scale=10)


def test_multi_dot_errors():
    for arrays in [
        [np.ones(3)],
        [np.ones((2, 3)), np.ones((3, 2, 3))],
        [np.ones((2, 3, 2)), np.ones((2, 3))],
        [np.ones((2, 3)), np.ones(3), np.ones((2, 3))],
        [np.ones((2, 3)), np.ones((3, 3)), np.ones((2, 3))],
        [np.ones(3, np.float32), np.ones(3)],
    ]:
        assert_raises_like_torch(lambda T, *xs: T.linalg.multi_dot(xs), *arrays)


def test_cross_vecdot_diagonal():
    check_op(lambda T, a, b: T.linalg.cross(a, b), [(4, 3), (4, 3)])
    check_op(lambda T, a, b: T.linalg.cross(a, b), [(2, 1, 3), (1, 5, 3)])
    check_op(lambda T, a, b: T.linalg.cross(a, b, dim=0), [(3, 2), (3, 1)])
    check_gradcheck(lambda T, a, b: T.linalg.cross(a, b), [(2, 3), (1, 3)], gradgrad=True)
    ints = [np.arange(6).reshape(2, 3), np.arange(6, 12).reshape(2, 3)]
    check_op(lambda T, a, b: T.linalg.cross(a, b), None, arrays=ints, grad=False)
    check_op(lambda T, a, b: (T.linalg.vecdot(a, b), T.linalg.vecdot(a, b, dim=0)), [(3, 4), (2, 3, 4)])
    check_op(lambda T, a: (T.linalg.diagonal(a), T.linalg.diagonal(a, offset=1, dim1=0, dim2=2)), [(3, 2, 4)])
    for fn, args in [
        (lambda T, a, b: T.linalg.cross(a, b), (np.ones((2, 2)), np.ones((2, 2)))),
        (lambda T, a, b: T.linalg.cross(a, b), (np.ones(3), np.ones((2, 3)))),
        (lambda T, a, b: T.linalg.cross(a, b), (np.ones((2, 3)), np.ones((4, 3)))),
        (lambda T, a, b: T.linalg.cross(a, b), (np.ones(3, np.float32), np.ones(3))),
        (lambda T, a, b: T.linalg.cross(a, b, dim=2), (np.ones((3, 2)), np.ones((3, 2)))),
        (lambda T, a, b: T.linalg.vecdot(a, b), (np.ones(3, np.float32), np.ones(3))),
        (lambda T, a, b: T.linalg.vecdot(a, b), (np.ones(3, np.int64), np.ones(3, np.int64))),
    ]:
        assert_raises_like_torch(fn, *args)


@pytest.mark.parametrize("shape", [(1, 1), (3, 3), (2, 4, 4)])
def test_matrix_exp(shape):
    a = rand(shape) / 2
    chk(lambda T, a: T.linalg.matrix_exp(a), [a])
    gc(lambda T, a: T.linalg.matrix_exp(a), [a], gradgrad=shape == (3, 3))
    assert_raises_like_torch(lambda T, a: T.linalg.matrix_exp(a), np.ones((2, 3)))
    assert_raises_like_torch(lambda T, a: T.linalg.matrix_exp(a), np.ones((2, 2), np.int64))


def test_vander():
    check_op(lambda T, x: (T.linalg.vander(x), T.linalg.vander(x, N=5)), [(2, 3)])
    check_op(lambda T, x: T.linalg.vander(x), None, arrays=[np.arange(4, dtype=np.int32)], grad=False)
    check_gradcheck(lambda T, x: T.linalg.vander(x, N=4), [(3,)], gradgrad=True)
    assert_raises_like_torch(lambda T, x: T.linalg.vander(x, N=1), np.ones(3))
    assert_raises_like_torch(lambda T, x: T.linalg.vander(x), np.ones(3, bool))


@pytest.mark.parametrize("shape,k", [((4, 3), 2), ((3, 3), 3), ((2, 5, 2), 2)])
def test_householder_product(shape, k):
    a, tau = rand(shape), rand(shape[:-2] + (k,), 1)
    chk(lambda T, a, t: T.linalg.householder_product(a, t), [a, tau], scale32=10, scale64=10)
    gc(lambda T, a, t: T.linalg.householder_product(a, t), [a, tau], gradgrad=False)
    # geqrf's reflectors give back Q
    q = chainrule.linalg.householder_product(*(chainrule.tensor(x.numpy()) for x in torch.geqrf(torch.tensor(a))))
    np.testing.assert_allclose(q.numpy(), torch.linalg.qr(torch.tensor(a)).Q.numpy(), atol=1e-10)
    for ta, tt in [
        (np.ones((3, 2)), np.ones(3)),
        (np.ones((2, 3)), np.ones(1)),
        (np.ones(3), np.ones(1)),
        (np.ones((2, 3, 2)), np.ones(1)),
        (np.ones((3, 2)), np.ones(1, np.float32)),
    ]:
        assert_raises_like_torch(lambda T, a, t: T.linalg.householder_product(a, t), ta, tt)


def test_out_arguments_and_namespace():
    a = well((3, 3))
    o = chainrule.empty(3, 3, dtype=chainrule.float64)
    r = chainrule.linalg.inv(chainrule.tensor(a), out=o)
    assert r is o
    np.testing.assert_allclose(o.numpy(), np.linalg.inv(a), rtol=1e-12)
    q, rr = chainrule.empty(0, dtype=chainrule.float64), chainrule.empty(0, dtype=chainrule.float64)
    res = chainrule.linalg.qr(chainrule.tensor(a), out=(q, rr))
    assert res.Q is q and res.R is rr and q.shape == (3, 3)
    for name in chainrule.linalg.__all__:
        assert hasattr(torch.linalg, name), name
