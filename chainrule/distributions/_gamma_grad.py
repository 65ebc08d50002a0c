"""Reparameterised gradients of gamma and Dirichlet draws, as torch's CPU kernels compute them.

For x ~ Gamma(alpha) the implicit gradient is dx/dalpha = -(d/dalpha CDF(x; alpha)) / pdf(x; alpha); torch
approximates it with a Taylor series for small x, a Rice saddle-point expansion for large alpha and a
bivariate rational fit elsewhere, and the Dirichlet (Beta) case likewise by region. These are the same
formulas, evaluated branch by branch over whole arrays, in torch's mix of float32 (``scalar_t``) and
float64 (``accscalar_t``) arithmetic.
"""

from __future__ import annotations

import numpy as np

from .. import _rng_math as RM

_F32 = np.float32
_F64 = np.float64
_PSI_10 = 2.25175258906672110764
_DIGAMMA_A = (
    8.33333333333333333333e-2,
    -2.10927960927960927961e-2,
    7.57575757575757575758e-3,
    -4.16666666666666666667e-3,
    3.96825396825396825397e-3,
    -8.33333333333333333333e-3,
    8.33333333333333333333e-2,
)
_GAMMA_UV = np.array(
    [
        [0.16009398, -0.094634809, 0.025146376, -0.0030648343, 1, 0.32668115, 0.10406089, 0.0014179084],
        [0.53487893, 0.1298071, 0.065735949, -0.0015649758, 0.16639465, 0.020070113, -0.0035938915, -0.00058392623],
        [
            0.040121004,
            -0.0065914022,
            -0.0026286047,
            -0.0013441777,
            0.017050642,
            -0.0021309326,
            0.00085092367,
            -1.5247877e-07,
        ],
    ]
)
_BETA_C = np.array(
    [
        [
            [
                [1.003668233, -0.01061107488, -0.0657888334, 0.01201642863],
                [0.6336835991, -0.3557432599, 0.05486251648, -0.001465281033],
                [-0.03276231906, 0.004474107445, 0.002429354597, -0.0001557569013],
            ],
            [
                [0.221950385, -0.3187676331, 0.01799915743, 0.01074823814],
                [-0.2951249643, 0.06219954479, 0.01535556598, 0.001550077057],
                [0.02155310298, 0.004170831599, 0.001292462449, 6.976601077e-05],
            ],
            [
                [-0.05980841433, 0.008441916499, 0.01085618172, 0.002319392565],
                [0.02911413504, 0.01400243777, -0.002721828457, 0.000751041181],
                [0.005900514878, -0.001936558688, -9.495446725e-06, 5.385558597e-05],
            ],
        ],
        [
            [
                [1, -0.02924021934, -0.04438342661, 0.007285809825],
                [0.6357567472, -0.3473456711, 0.05454656494, -0.002407477521],
                [-0.03301322327, 0.004845219414, 0.00231480583, -0.0002307248149],
            ],
            [
                [0.5925320577, -0.1757678135, 0.01505928619, 0.000564515273],
                [0.1014815858, -0.06589186703, 0.01272886114, -0.0007316646956],
                [-0.007258481865, 0.001096195486, 0.0003934994223, -4.12701925e-05],
            ],
            [
                [0.06469649321, -0.0236701437, 0.002902096474, -5.896963079e-05],
                [0.001925008108, -0.002869809258, 0.0008000589141, -6.063713228e-05],
                [-0.0003477407336, 6.959756487e-05, 1.097287507e-05, -1.650964693e-06],
            ],
        ],
    ]
)


def _log(x):
    """The C library's log (float64) or logf (float32), which torch's kernels call."""
    return RM.libm("log")(x) if x.dtype == _F64 else RM.logf(x)


def _digamma_one(x, st):
    """torch's digamma_one: recurrence up to 10, then the asymptotic series; loop variable of type ``st``,
    sums in float64, result rounded to ``st``."""
    x = np.array(x, dtype=st)
    res = np.zeros(x.shape, dtype=_F64)
    add = np.zeros(x.shape, dtype=_F64)
    inf = (x == 0) | ((x < 0) & (x == np.floor(x)))
    neg = (x < 0) & ~inf
    if neg.any():
        pi = st(np.pi)
        add[neg] = -pi / np.tan(pi * x[neg])
        x[neg] = st(1) - x[neg]
    todo = x < 10
    while todo.any():
        res[todo] -= st(1) / x[todo]
        x[todo] += st(1)
        todo = x < 10
    y = np.zeros(x.shape, dtype=_F64)
    fin = x < _F32(1e17)
    z = 1.0 / (x[fin] * x[fin]).astype(_F64)
    poly = np.zeros(z.shape, dtype=_F64)
    for coef in _DIGAMMA_A:
        poly = poly * z + coef
    y[fin] = z * poly
    out = res + _log(x).astype(_F64) - (st(0.5) / x).astype(_F64) - y + add
    out = np.where(x == 10, res + _PSI_10 + add, out)
    out[inf] = np.inf
    return out.astype(st)


def standard_gamma_grad(alpha, x) -> np.ndarray:
    """dx/dalpha for x ~ Gamma(alpha, 1) (torch's standard_gamma_grad_one, in float64)."""
    st = np.result_type(alpha, x)
    alpha, x = np.broadcast_arrays(np.asarray(alpha, _F64), np.asarray(x, _F64))
    with np.errstate(all="ignore"):
        return _standard_gamma_grad64(alpha, x).astype(st)


def _standard_gamma_grad64(alpha, x):
    out = np.zeros(x.shape, dtype=_F64)
    small = x < float(_F32(0.8))
    big = ~small & (alpha > 8)
    mid = big & (float(_F32(0.9)) * alpha <= x) & (x <= float(_F32(1.1)) * alpha)
    far = big & ~mid
    rest = ~small & ~big
    if small.any():
        xs, a = x[small], alpha[small]
        numer = np.ones_like(xs)
        denom = a.copy()
        s1 = numer / denom
        s2 = numer / (denom * denom)
        for i in range(1, 6):
            numer = numer * (-xs / i)
            denom = denom + 1
            s1 = s1 + numer / denom
            s2 = s2 + numer / (denom * denom)
        pow_x_alpha = np.power(xs, a)
        pdf = np.power(xs, a - 1) * RM.libm("exp")(-xs)
        cdf = pow_x_alpha * s1
        cdf_alpha = (_log(xs) - _digamma_one(a, _F64)) * cdf - pow_x_alpha * s2
        r = -cdf_alpha / pdf
        out[small] = np.where(np.isnan(r), 0.0, r)
    if mid.any():
        xs, a = x[mid], alpha[mid]
        numer_1 = 1 + 24 * a * (1 + 12 * a)
        numer_2 = 1440 * (a * a) + 6 * xs * (53 - 120 * xs) - 65 * xs * xs / a + a * (107 + 3600 * xs)
        out[mid] = numer_1 * numer_2 / (1244160 * (a * a) * (a * a))
    if far.any():
        xs, a = x[far], alpha[far]
        denom = np.sqrt(8 * a)
        term2 = denom / (a - xs)
        term3 = np.power(xs - a - a * _log(xs / a), -1.5)
        term23 = np.where(xs < a, term2 - term3, term2 + term3)
        term1 = _log(xs / a) * term23 - np.sqrt(2 / a) * (a + xs) / ((a - xs) * (a - xs))
        stirling = 1 + 1 / (12 * a) * (1 + 1 / (24 * a))
        out[far] = -stirling * (xs * term1) / denom
    if rest.any():
        xs, a = x[rest], alpha[rest]
        u = _log(xs / a)
        v = _log(a)
        cv = [_GAMMA_UV[0, i] + u * (_GAMMA_UV[1, i] + u * _GAMMA_UV[2, i]) for i in range(8)]
        p = cv[0] + v * (cv[1] + v * (cv[2] + v * cv[3]))
        q = cv[4] + v * (cv[5] + v * (cv[6] + v * cv[7]))
        out[rest] = RM.libm("exp")(p / q)
    return out


def _nan_to_zero(r):
    return np.where(np.isnan(r), r.dtype.type(0), r)


def _beta_grad_alpha_small(x, alpha, beta, st):
    one = st(1)
    factor = _digamma_one(alpha, st) - _digamma_one(alpha + beta, st) - _log(x)
    numer = np.ones_like(x)
    series = numer / alpha * (factor + one / alpha)
    for i in range(1, 11):
        ci = st(i)
        numer = numer * ((ci - beta) * x / ci)
        denom = alpha + ci
        series = series + numer / denom * (factor + one / denom)
    return _nan_to_zero(x * np.power(one - x, -beta) * series)


def _beta_grad_beta_small(x, alpha, beta, st):
    factor = _digamma_one(alpha + beta, st) - _digamma_one(beta, st)
    numer = np.ones_like(x)
    betas = np.ones_like(x)
    dbetas = np.zeros_like(x)
    series = factor / alpha
    for i in range(1, 9):
        ci = st(i)
        numer = numer * (-x / ci)
        dbetas = dbetas * (beta - ci) + betas
        betas = betas * (beta - ci)
        series = series + numer / (alpha + ci) * (dbetas + factor * betas)
    return _nan_to_zero(-np.power(st(1) - x, st(1) - beta) * series)


def _beta_grad_alpha_mid(x, alpha, beta):
    total = alpha + beta
    mean = alpha / total
    std = np.sqrt(alpha * beta / (total + 1)) / total
    near = (mean - 0.1 * std <= x) & (x <= mean + 0.1 * std)  # avoids the singularity at x = mean
    bb = beta * beta
    poly = 47 * x * bb * bb + alpha * (
        (43 + 20 * (16 + 27 * beta) * x) * bb * beta
        + alpha
        * (
            3 * (59 + 180 * beta - 90 * x) * bb
            + alpha * ((453 + 1620 * beta * (1 - x) - 455 * x) * beta + alpha * (8 * (1 - x) * (135 * beta - 11)))
        )
    )
    prefactor_num = (1 + 12 * alpha) * (1 + 12 * beta) / (total * total)
    prefactor_den = 12960 * alpha * alpha * alpha * beta * beta * (1 + 12 * total)
    at_mean = prefactor_num / (1 - x) * poly / prefactor_den
    prefactor = -x / np.sqrt(2 * alpha * beta / total)
    stirling = (
        (1 + 1 / (12 * alpha) + 1 / (288 * alpha * alpha))
        * (1 + 1 / (12 * beta) + 1 / (288 * beta * beta))
        / (1 + 1 / (12 * total) + 1 / (288 * total * total))
    )
    term1_num = 2 * (alpha * alpha) * (x - 1) + alpha * beta * (x - 1) - x * (beta * beta)
    axbx = alpha * (x - 1) + beta * x
    term1 = term1_num / (np.sqrt(2 * alpha / beta) * np.power(total, 1.5) * axbx * axbx)
    term2 = 0.5 * _log(alpha / (total * x))
    term3 = np.sqrt(8 * alpha * beta / total) / (beta * x + alpha * (x - 1))
    term4 = np.power(beta * _log(beta / (total * (1 - x))) + alpha * _log(alpha / (total * x)), -1.5)
    term1234 = term1 + term2 * (term3 + np.where(x < mean, term4, -term4))
    return np.where(near, at_mean, stirling * prefactor * term1234)


def dirichlet_grad(x, alpha, total) -> np.ndarray:
    """torch's dirichlet_grad_one: the Beta(alpha, total - alpha) reparameterised gradient divided by 1 - x."""
    st = np.result_type(x, alpha, total).type
    x, alpha, total = (np.array(v, dtype=st) for v in np.broadcast_arrays(x, alpha, total))
    out = np.zeros(x.shape, dtype=st)
    beta = total - alpha
    boundary = total * x * (st(1) - x)
    with np.errstate(all="ignore"):
        near0 = (x <= st(0.5)) & (boundary < st(2.5))
        near1 = ~near0 & (x >= st(0.5)) & (boundary < st(0.75))
        mid = ~near0 & ~near1 & (alpha > 6) & (beta > 6)
        rest = ~near0 & ~near1 & ~mid
        if near0.any():
            out[near0] = _beta_grad_alpha_small(x[near0], alpha[near0], beta[near0], st)
        if near1.any():
            i = near1
            out[i] = -_beta_grad_beta_small(st(1) - x[i], beta[i], alpha[i], st)
        x64, a64, t64 = (v.astype(_F64) for v in (x, alpha, total))
        if mid.any():
            out[mid] = _beta_grad_alpha_mid(x64[mid], a64[mid], t64[mid] - a64[mid])
        if rest.any():
            xr, ar, tr = x64[rest], a64[rest], t64[rest]
            u = _log(xr)
            a = _log(ar) - u
            b = _log(tr) - a
            pow_u = (1.0, u, u * u)
            pow_a = (1.0, a, a * a)
            p = 0.0
            q = 0.0
            for i in range(3):
                for j in range(3):
                    ua = pow_u[i] * pow_a[j]
                    c0, c1 = _BETA_C[0, i, j], _BETA_C[1, i, j]
                    p = p + ua * (c0[0] + b * (c0[1] + b * (c0[2] + b * c0[3])))
                    q = q + ua * (c1[0] + b * (c1[1] + b * (c1[2] + b * c1[3])))
            dg = _digamma_one(total[rest], st) - _digamma_one(alpha[rest], st)
            approx = xr * dg.astype(_F64) / (tr - ar)
            out[rest] = p / q * approx
    return out
