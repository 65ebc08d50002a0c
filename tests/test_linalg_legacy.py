"""torch's top-level linear-algebra functions and Tensor methods against torch."""

import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch
from helpers import check_op

import chainrule


def _spd(T, a):
    return a @ a.mT + 3 * T.eye(a.shape[-1], dtype=a.dtype)


CASES = {
    "det": lambda T, a: T.det(a),
    "det_method": lambda T, a: a.det(),
    "logdet": lambda T, a: T.logdet(_spd(T, a)),
    "slogdet": lambda T, a: tuple(T.slogdet(a)),
    "inverse": lambda T, a: T.inverse(_spd(T, a)),
    "inverse_method": lambda T, a: _spd(T, a).inverse(),
    "pinverse": lambda T, a: T.pinverse(a),
    "matrix_exp": lambda T, a: T.matrix_exp(a * 0.3),
    "matrix_power": lambda T, a: T.matrix_power(a, 3),
    "matrix_power_neg": lambda T, a: _spd(T, a).matrix_power(-2),
    "svd_values": lambda T, a: T.svd(a)[1],
    "svd_recon": lambda T, a: (lambda u, s, v: u @ T.diag_embed(s) @ v.mT)(*T.svd(a)),
    "cholesky_solve": lambda T, a: T.cholesky_solve(a, T.linalg.cholesky(_spd(T, a))),
    "cholesky_solve_upper": lambda T, a: T.cholesky_solve(a, T.linalg.cholesky(_spd(T, a), upper=True), upper=True),
    "cholesky_inverse": lambda T, a: T.cholesky_inverse(T.linalg.cholesky(_spd(T, a))),
    "triangular_solve": lambda T, a: T.triangular_solve(a, T.triu(_spd(T, a)))[0],
    "triangular_solve_t": lambda T, a: T.triangular_solve(a, T.tril(_spd(T, a)), upper=False, transpose=True)[0],
    "lu_solve": lambda T, a: T.lu_solve(a, *T.linalg.lu_factor(_spd(T, a))),
}


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)], ids=str)
@pytest.mark.parametrize("name", list(CASES))
def test_legacy_linalg(name, shape):
    check_op(CASES[name], [shape], tol_scale=10.0)


def test_legacy_forms():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    res = []
    for T in (torch, chainrule):
        A = T.tensor(a)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            q, r = T.qr(A)
            c = T.cholesky(A)
        u, s, v = T.svd(T.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), compute_uv=False)
        res.append(
            (
                type(T.slogdet(A)).__name__,
                type(T.svd(A)).__name__,
                np.abs((q @ r).numpy()),
                c.numpy(),
                tuple(u.shape),
                tuple(v.shape),
                s.numpy(),
                T.logdet(T.tensor([[0.0, 1.0], [1.0, 0.0]])).item(),
            )
        )
    ours, theirs = res
    assert ours[:2] == theirs[:2]
    for x, y in zip(ours[2:], theirs[2:]):
        np.testing.assert_allclose(x, y, rtol=1e-6, atol=1e-12)


def test_deprecation_warnings_once_per_process_like_torch():
    code = """
import warnings, {lib} as T
A = T.tensor([[4.0, 1.0], [1.0, 3.0]])
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    for _ in range(2):
        T.qr(A); T.cholesky(A); T.triangular_solve(A, T.triu(A)); T.lu_solve(A, *T.linalg.lu_factor(A))
print([str(m.message).splitlines()[0][:60] for m in w])
"""
    out = [
        subprocess.run([sys.executable, "-c", code.format(lib=lib)], capture_output=True, text=True, timeout=120)
        for lib in ("torch", "chainrule")
    ]
    assert out[1].stdout == out[0].stdout and out[0].stdout.count("deprecated") == 4
