"""More reductions, scans and matrix helpers: cumulative extrema, statistics, histograms, products.

Scans (cummax/cummin, logcumsumexp), differences and small products (diff, trace, kron, cross, dist,
renorm, diagflat), the outer/batched multiply-adds (addr, addbmm) with the in-place forms of the
multiply-adds, and ``sum_to_size``. Statistics, histograms and unique live in ``_reduce_extra_stats``.
Backward formulas are Tensor expressions, so double backward works.
"""

from __future__ import annotations

import types
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import _TORCH_NAME, Tensor, _make_inplace
from ..autograd.function import Function
from ..backend import xp
from . import shape as _shape
from ._scatter import scatter_add
from ._select import _structseq, return_types
from ._util import broadcast_shapes, result_np2, shape_str, wrap_dim
from .elementwise import copy_from, where
from .linalg import _CNAME, _check_expand, _scalar_as, matmul, mv
from .reduce import VectorNorm, _vector_norm

_make = Tensor._make

for _name in ("cummax", "cummin", "nanmedian", "mode"):
    setattr(return_types, _name, _structseq(_name, ("values", "indices")))


class _Op(Function):
    _builtin = True


def _const(arr) -> Tensor:
    return _make(arr, False, None, 0)


def _tn(d) -> str:
    return _TORCH_NAME[str(d.dtype)]


def _along(dim: int, ndim: int, n: int):
    """arange(n) shaped to broadcast along ``dim`` of an ndim-d array."""
    return xp.arange(n).reshape([-1 if i == dim else 1 for i in range(ndim)])


# ---- cummax / cummin -----------------------------------------------------------------------------
def _running_index(d, dim, ufunc):
    """Index of the running extremum: the latest position whose value reached it (ties and NaN update it)."""
    run = ufunc.accumulate(d, axis=dim)
    hit = d == run
    if d.dtype.kind == "f":
        hit |= xp.isnan(d)
    return xp.maximum.accumulate(xp.where(hit, _along(dim, d.ndim, d.shape[dim]), 0), axis=dim)


class _CumExtreme(_Op):
    """values = a at the running index: the gradient scatter-adds to the reported indices"""

    ufunc = None

    @classmethod
    def forward(cls, ctx, a, dim):
        d = a._data
        ctx.dim = dim
        ctx.in_shape = d.shape
        if d.ndim == 0 or d.size == 0:
            idx = xp.zeros(d.shape, np.int64)
            vals = d.copy()
        else:
            idx = _running_index(d, dim, cls.ufunc)
            vals = xp.take_along_axis(d, idx, dim)
        if ctx.needs_input_grad[0]:
            ctx.save_for_backward(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, g, _gi):
        (idx,) = ctx.saved_tensors
        if not ctx.in_shape or g._data.size == 0:
            return g
        zeros = _const(xp.zeros(ctx.in_shape, g._data.dtype))
        return scatter_add(zeros, ctx.dim, idx, g)


class Cummax(_CumExtreme):
    ufunc = np.maximum


class Cummin(_CumExtreme):
    ufunc = np.minimum


def _scan_dim(name: str, d, dim) -> int:
    if d.ndim == 0 and dim not in (0, -1) and isinstance(dim, (int, np.integer)):
        raise IndexError(f"{name}(): Expected reduction dim -1 or 0 for scalar but got {dim}")
    return wrap_dim(dim, d.ndim)


def cummax(input, dim):
    """``(values, indices)`` of the running maximum along ``dim``; ties and NaN report the latest index"""
    return return_types.cummax(*Cummax.apply(input, _scan_dim("cummax", input._data, dim)))


def cummin(input, dim):
    """``(values, indices)`` of the running minimum along ``dim``; ties and NaN report the latest index"""
    return return_types.cummin(*Cummin.apply(input, _scan_dim("cummin", input._data, dim)))


class Logcumsumexp(_Op):
    """d out_k/da_j = exp(a_j - out_k) for j <= k; accumulated in float64 as torch's CPU kernel"""

    @staticmethod
    def forward(ctx, a, dim, reverse):
        d = a._data
        ctx.dim = dim
        ctx.reverse = reverse
        if d.ndim == 0 or d.size == 0:
            out = d.copy()
        else:
            src = xp.flip(d, dim) if reverse else d
            out = xp.logaddexp.accumulate(src.astype(np.float64), axis=dim).astype(d.dtype)
            if reverse:
                out = xp.ascontiguousarray(xp.flip(out, dim))
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        if g._data.ndim == 0 or g._data.size == 0:
            return g
        a, out = ctx.saved_tensors
        # sum_{k >= j} g_k exp(a_j - out_k), split by the sign of g so each part is a stable logcumsumexp
        lowest = float(np.finfo(g._data.dtype).min)
        log_abs = g.abs().log()
        pos = where(g > 0, log_abs, lowest) - out
        neg = where(g < 0, log_abs, lowest) - out
        back = not ctx.reverse
        return (Logcumsumexp.apply(pos, ctx.dim, back) + a).exp() - (Logcumsumexp.apply(neg, ctx.dim, back) + a).exp()


def logcumsumexp(input, dim) -> Tensor:
    """log(cumsum(exp(input))) along ``dim``, stable for large magnitudes"""
    d = input._data
    dim = wrap_dim(dim, d.ndim)
    if d.dtype.kind != "f":
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for '{_tn(d)}'")
    return Logcumsumexp.apply(input, dim, False)


def _cum_inplace(name: str):
    write = _make_inplace(name)

    def method(self, dim, *, dtype=None):
        d = self._data
        if d.dtype == np.bool_:
            raise NotImplementedError(f"\"{name}_out_cpu\" not implemented for 'Bool'")
        if dtype is not None and D.to_np(dtype) != d.dtype:
            raise RuntimeError(
                f"Bad in-place call: input tensor dtype {_CNAME[str(d.dtype)]} and output tensor dtype "
                f"{_CNAME[str(np.dtype(D.to_np(dtype)))]} should match"
            )
        return write(self, dim, dtype=dtype)

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}`` along ``dim``."
    return method


# ---- differences, trace, products ------------------------------------------------------------------
def diff(input, n=1, dim=-1, prepend=None, append=None) -> Tensor:
    """n-th forward difference along ``dim`` (``prepend``/``append`` joined first); xor for bool"""
    d = input._data
    if d.ndim < 1:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    n = int(n)
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = wrap_dim(dim, d.ndim)
    parts = []
    for name, o in (("prepend", prepend), ("append", append)):
        if o is None:
            continue
        if not isinstance(o, Tensor):
            raise TypeError(f"diff(): argument '{name}' must be Tensor, not {type(o).__name__}")
        od = o._data
        if od.ndim != d.ndim:
            raise RuntimeError("diff expects prepend or append to be the same dimension as input")
        for i in range(d.ndim):
            if i != dim and od.shape[i] != d.shape[i]:
                raise RuntimeError(
                    "diff expects the shape of tensor to prepend or append to match that of input except along "
                    f"the differencing dimension; input.size({i}) = {d.shape[i]}, but got tensor.size({i}) = "
                    f"{od.shape[i]}"
                )
        parts.append((name, o))
    if n == 0:
        return copy_from(_const(xp.zeros_like(d)), input)
    if parts:
        pre = [o for k, o in parts if k == "prepend"]
        app = [o for k, o in parts if k == "append"]
        input = _shape.cat(pre + [input] + app, dim)
    size = input._data.shape[dim]
    res = input
    out_len = size - 1
    for _ in range(min(n, size)):
        hi, lo = res.narrow(dim, 1, out_len), res.narrow(dim, 0, out_len)
        res = hi.logical_xor(lo) if res._data.dtype == np.bool_ else hi - lo
        out_len -= 1
    return res


class Trace(_Op):
    """d trace(a)/da = identity (rectangular eye)"""

    @staticmethod
    def forward(ctx, a):
        d = a._data
        ctx.shape = d.shape
        return xp.asarray(xp.trace(d, dtype=np.int64 if d.dtype.kind in "biu" else None))

    @staticmethod
    def backward(ctx, g):
        n, m = ctx.shape
        return g * _const(xp.eye(n, m, dtype=g._data.dtype))


def trace(input) -> Tensor:
    """sum of the main diagonal of a matrix (integers sum to int64)"""
    d = input._data
    if d.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {d.ndim}")
    if d.dtype == np.bool_:
        raise NotImplementedError("\"trace\" not implemented for 'Bool'")
    return Trace.apply(input)


class _UnsafeView(_Op):
    """reshape of a fresh intermediate (torch's _unsafe_view); its derivative reshapes back"""

    _node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, shape):
        ctx.in_shape = a._data.shape
        return a._data.reshape(shape)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.in_shape)


def kron(input, other) -> Tensor:
    """Kronecker product: a's dims interleaved with b's, one broadcast multiply"""
    a, b = input._data, other._data
    nd = max(a.ndim, b.ndim)
    pa, pb = nd - a.ndim, nd - b.ndim
    ash, bsh, rsh = [], [], []
    for i in range(nd):
        sa = a.shape[i - pa] if i >= pa else 1
        sb = b.shape[i - pb] if i >= pb else 1
        ash += [sa, 1]
        bsh += [1, sb]
        rsh.append(sa * sb)
    return _UnsafeView.apply(input.reshape(ash) * other.reshape(bsh), tuple(rsh))


class Cross(_Op):
    """d(a x b)/da^T g = b x g, d(a x b)/db^T g = g x a"""

    _node_name = "LinalgCrossBackward0"

    @staticmethod
    def forward(ctx, a, b, dim):
        ad, bd = a._data, b._data
        ctx.dim = dim
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[0] else None)
        a0, a1, a2 = (xp.take(ad, i, axis=dim) for i in range(3))
        b0, b1, b2 = (xp.take(bd, i, axis=dim) for i in range(3))
        return xp.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=dim)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        na, nb = ctx.needs_input_grad[:2]
        return (Cross.apply(b, g, ctx.dim) if na else None), (Cross.apply(g, a, ctx.dim) if nb else None)


_CROSS_WARNED = [False]


def cross(input, other, dim=None) -> Tensor:
    """cross product of 3-vectors along ``dim`` (default: the first dim of size 3, deprecated by torch)"""
    a, b = input._data, other._data
    if dim is None:
        if not _CROSS_WARNED[0]:
            _CROSS_WARNED[0] = True  # torch warns once per process
            warnings.warn(
                "Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the dim "
                "explicitly or simply use torch.linalg.cross.\nThe default value of dim will change to agree "
                "with that of linalg.cross in a future release.",
                UserWarning,
                stacklevel=2,
            )
        dim = next((i for i, s in enumerate(a.shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    if a.ndim != b.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if a.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    wd = wrap_dim(dim, a.ndim)
    if a.shape[wd] != 3 or b.shape[wd] != 3:
        raise RuntimeError(
            f"linalg.cross: inputs dimension {dim} must have length 3. Got {a.shape[wd]} and {b.shape[wd]}"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_tn(a)} but found {_tn(b)}")
    if a.dtype == np.bool_:
        raise NotImplementedError("\"cross\" not implemented for 'Bool'")
    broadcast_shapes(a.shape, b.shape)
    return Cross.apply(input, other, wd)


def _norm_grad(g, x, out, p, axes, keepdim):
    """Gradient of vector_norm(x, p) over ``axes`` for upstream ``g`` (VectorNorm's formula, as Tensor ops)."""
    ctx = types.SimpleNamespace(saved_tensors=(x, out), p=p, axes=axes, keepdim=keepdim, in_shape=x._data.shape)
    return VectorNorm.backward(ctx, g)


class Dist(_Op):
    """||a - b||_p over all elements: the norm's gradient for a, its negative for b"""

    @staticmethod
    def forward(ctx, a, b, p):
        ad, bd = a._data, b._data
        if ad.dtype != bd.dtype:
            dt = result_np2(ad, bd)
            ad, bd = ad.astype(dt), bd.astype(dt)
        ctx.p = p
        out = _vector_norm(_const(ad - bd), p, None, False)._data
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        na, nb = ctx.needs_input_grad[:2]
        if ctx.p == 0:
            # torch's p=0 derivative is undefined: no gradient for input, an error when other needs one
            if nb:
                raise RuntimeError(
                    "Expected a proper Tensor but got None (or an undefined Tensor in C++) for argument #0 'self'"
                )
            return None, None
        a, b, out = ctx.saved_tensors
        gx = _norm_grad(g, a - b, out, ctx.p, None, False)
        return (gx if na else None), (-gx if nb else None)


def dist(input, other, p=2) -> Tensor:
    """p-norm of ``input - other`` (broadcast) over all elements"""
    if not isinstance(other, Tensor):
        raise TypeError(f"dist(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    a, b = input._data, other._data
    dt = result_np2(a, b)
    if dt.kind != "f":
        raise RuntimeError(
            f"norm(): input dtype should be either floating point or complex. Got {_TORCH_NAME[str(dt)]} instead."
        )
    broadcast_shapes(a.shape, b.shape)
    return Dist.apply(input, other, float(p))


class Renorm(_Op):
    """a * f(n), f = maxnorm / (n + 1e-7) where the sub-tensor's norm n exceeds maxnorm, else 1:
    d/da = f (g - (sum(a g) / (n + 1e-7)) dn/da) there, g elsewhere"""

    @staticmethod
    def forward(ctx, a, p, axes, maxnorm):
        d = a._data
        dt = d.dtype.type
        norm = _vector_norm(_const(d), p, axes, True)._data
        mx = dt(maxnorm)
        factor = xp.where(norm > mx, mx / (norm + dt(1e-7)), dt(1)).astype(d.dtype, copy=False)
        ctx.p, ctx.axes, ctx.maxnorm = p, axes, maxnorm
        ctx.save_for_backward(a)
        return d * factor

    @staticmethod
    def backward(ctx, g):
        (a,) = ctx.saved_tensors
        norm = _vector_norm(a, ctx.p, ctx.axes, True)
        inv = (norm + 1e-7).reciprocal()
        nb = _norm_grad((a * g).sum(ctx.axes, keepdim=True), a, norm, ctx.p, ctx.axes, True)
        return where(norm > ctx.maxnorm, inv * ctx.maxnorm * (g - inv * nb), g)


def renorm(input, p, dim, maxnorm) -> Tensor:
    """each sub-tensor along ``dim`` with p-norm above ``maxnorm`` scaled down to norm ``maxnorm``"""
    p, maxnorm = float(p), float(maxnorm)
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if not maxnorm >= 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    d = input._data
    if d.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {d.ndim} dimensions")
    dim = wrap_dim(dim, d.ndim)
    if d.dtype.kind != "f":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. Got {_tn(d)}")
    return Renorm.apply(input, p, tuple(i for i in range(d.ndim) if i != dim), maxnorm)


def diagflat(input, offset=0) -> Tensor:
    """2-D matrix with the flattened input on diagonal ``offset``"""
    return _shape.diag_embed(input.reshape(-1), offset)


# ---- multiply-adds ---------------------------------------------------------------------------------
def _int_scalars(dt, beta, alpha, strict):
    """torch converts beta/alpha to the result's type (``_scalar_as``); addr refuses floats for integer results."""
    if strict and dt.kind in "biu":
        for name, v in (("beta", beta), ("alpha", alpha)):
            if isinstance(v, (float, complex)):
                raise RuntimeError(f"For integral input tensors, argument {name} must not be a floating point number.")
    if dt == np.bool_:
        return bool(beta), bool(alpha)
    return _scalar_as(beta, dt), _scalar_as(alpha, dt)


class Addr(_Op):
    """beta * c + alpha * outer(v1, v2): d/dc = beta g, d/dv1 = alpha g @ v2, d/dv2 = alpha g^T @ v1"""

    @staticmethod
    def forward(ctx, c, v1, v2, beta, alpha, dt):
        cd, ad, bd = (t._data.astype(dt, copy=False) for t in (c, v1, v2))
        ctx.beta, ctx.alpha = beta, alpha
        shape = (ad.shape[0], bd.shape[0])
        if dt == np.bool_:
            out = (ad[:, None] & bd) if alpha else xp.zeros(shape, np.bool_)
            if beta:
                out = out | cd
        else:
            out = alpha * ad[:, None] * bd
            if beta != 0:
                out = beta * cd + out
        _, n1, n2 = ctx.needs_input_grad[:3]
        ctx.save_for_backward(v1 if n2 else None, v2 if n1 else None)
        return xp.ascontiguousarray(xp.broadcast_to(out, shape)).astype(dt, copy=False)

    @staticmethod
    def backward(ctx, g):
        v1, v2 = ctx.saved_tensors
        nc, n1, n2 = ctx.needs_input_grad[:3]
        dt = g.dtype
        gc = (g if ctx.beta == 1 else g * ctx.beta) if nc else None
        g1 = mv(g, v2 if v2.dtype == dt else v2.to(dt)) * ctx.alpha if n1 else None
        g2 = mv(g.t(), v1 if v1.dtype == dt else v1.to(dt)) * ctx.alpha if n2 else None
        return gc, g1, g2


def addr(input, vec1, vec2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * outer(vec1, vec2) (dtypes promote; bool is logical)"""
    for name, v in (("vec1", vec1), ("vec2", vec2)):
        if v._data.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {v._data.ndim}-D")
    ts = (input._data, vec1._data, vec2._data)
    dt = D.result_np(tuple(t.dtype for t in ts if t.ndim), tuple(t.dtype for t in ts if not t.ndim), ())
    beta, alpha = _int_scalars(dt, beta, alpha, True)
    _check_expand(input._data, (vec1._data.shape[0], vec2._data.shape[0]))
    return Addr.apply(input, vec1, vec2, beta, alpha, dt)


class Addbmm(_Op):
    """beta * c + alpha * sum_b b1[b] @ b2[b]: d/db1 = alpha g @ b2^T, d/db2 = alpha b1^T @ g (per batch)"""

    @staticmethod
    def forward(ctx, c, b1, b2, beta, alpha):
        ad, bd = b1._data, b2._data
        nb, n, k = ad.shape
        m = bd.shape[2]
        # all batches as one GEMM: (n, nb*k) @ (nb*k, m)
        out = xp.matmul(ad.transpose(1, 0, 2).reshape(n, nb * k), bd.reshape(nb * k, m))
        if alpha != 1:
            out = out * alpha
        if beta != 0:
            cd = c._data
            out = out + (cd if beta == 1 else beta * cd)
        ctx.beta, ctx.alpha = beta, alpha
        _, n1, n2 = ctx.needs_input_grad[:3]
        ctx.save_for_backward(b1 if n2 else None, b2 if n1 else None)
        return xp.ascontiguousarray(out).astype(ad.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        b1, b2 = ctx.saved_tensors
        nc, n1, n2 = ctx.needs_input_grad[:3]
        ga = g if ctx.alpha == 1 else g * ctx.alpha
        gc = (g if ctx.beta == 1 else g * ctx.beta) if nc else None
        g1 = matmul(ga, b2.mT) if n1 else None
        g2 = matmul(b1.mT, ga) if n2 else None
        return gc, g1, g2


def addbmm(input, batch1, batch2, *, beta=1, alpha=1) -> Tensor:
    """beta * input + alpha * sum over the batch of batch1[i] @ batch2[i]"""
    ad, bd, cd = batch1._data, batch2._data, input._data
    _check_expand(cd, (ad.shape[wrap_dim(1, ad.ndim)], bd.shape[wrap_dim(2, bd.ndim)]))
    for name, t in (("batch1", ad), ("batch2", bd)):
        if t.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if ad.shape[0] != bd.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got {ad.shape[0]} and {bd.shape[0]}")
    if ad.shape[2] != bd.shape[1]:
        raise RuntimeError(
            f"Incompatible matrix sizes for bmm ({ad.shape[1]}x{ad.shape[2]} and {bd.shape[1]}x{bd.shape[2]})"
        )
    if cd.dtype != bd.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_tn(cd)} and {_tn(bd)}")
    if ad.dtype != bd.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_CNAME[str(ad.dtype)]} != {_CNAME[str(bd.dtype)]}"
        )
    if ad.dtype == np.bool_:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    beta, alpha = _int_scalars(ad.dtype, beta, alpha, False)
    return Addbmm.apply(input, batch1, batch2, beta, alpha)


def _shape_of_inplace(name: str, out_shape):
    write = _make_inplace(name)

    def method(self, *args, **kwargs):
        shape = out_shape(*args)
        if shape is not None and tuple(self._data.shape) != shape:
            raise RuntimeError(
                f"Bad in-place call: input tensor size {shape_str(self._data.shape)} and output tensor size "
                f"{shape_str(shape)} should match"
            )
        return write(self, *args, **kwargs)

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``: this tensor must already have the result's shape."
    return method


def _dims(*pairs):
    try:
        return tuple(t._data.shape[i] for t, i in pairs)
    except (AttributeError, IndexError):
        return None  # the op itself reports malformed operands


def addr_(input, vec1, vec2, *, beta=1, alpha=1) -> Tensor:
    """In-place ``addr``: ``input`` must be the (n, m) matrix"""
    d = input._data
    if d.ndim != 2:
        raise RuntimeError(f"2D tensor expected, got {d.ndim}D tensor for input")
    n, m = vec1._data.shape[:1], vec2._data.shape[:1]
    if n + m != d.shape and vec1._data.ndim == 1 and vec2._data.ndim == 1:
        raise RuntimeError(
            f"size mismatch, input: {shape_str(d.shape)}, v1: {shape_str(vec1._data.shape)}, "
            f"v2: {shape_str(vec2._data.shape)}"
        )
    return _ADDR_(input, vec1, vec2, beta=beta, alpha=alpha)


_ADDR_ = _make_inplace("addr")
addmm_ = _shape_of_inplace("addmm", lambda m1, m2, **k: _dims((m1, 0), (m2, 1)))
addmv_ = _shape_of_inplace("addmv", lambda m, v, **k: _dims((m, 0)))
baddbmm_ = _shape_of_inplace("baddbmm", lambda b1, b2, **k: _dims((b1, 0), (b1, 1), (b2, 2)))
addbmm_ = _make_inplace("addbmm")
cumsum_ = _cum_inplace("cumsum")
cumprod_ = _cum_inplace("cumprod")
renorm_ = _make_inplace("renorm")


# ---- shape helpers -----------------------------------------------------------------------------------
def sum_to_size(input, *size) -> Tensor:
    """sum over the dims ``size`` broadcasts along, so the result has shape ``size``"""
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(s) for s in size)
    shape = input._data.shape
    lead = len(shape) - len(size)
    if lead < 0 or any(s != t and s != 1 for s, t in zip(size, shape[lead:])):
        raise RuntimeError(f"size {{{shape_str(size)}}} is not expandable to size {{{shape_str(shape)}}}.")
    if not size:
        return input.sum()
    if size == shape:
        return input
    dims = list(range(lead)) + [i for i in range(lead, len(shape)) if size[i - lead] == 1 and shape[i] != 1]
    res = input.sum(dims, keepdim=True) if dims else input
    return res.view(size) if lead else res


def _swap_(name: str):
    def method(self, dim0, dim1):
        before = self.grad_fn
        _shape.transpose_(self, dim0, dim1)
        if self.grad_fn is not before:
            self.grad_fn._node_name = "TransposeBackward1"  # torch's name for the in-place transpose
        return self

    method.__name__ = name
    method.__doc__ = "In-place transpose of two dims (a view change, no data moves)."
    return method


swapaxes_ = _swap_("swapaxes_")
swapdims_ = _swap_("swapdims_")

from ._reduce_extra_stats import (  # noqa: E402
    bincount,
    corrcoef,
    cov,
    histc,
    mode,
    msort,
    nanmedian,
    unique,
    unique_consecutive,
)

__all__ = [
    "cummax",
    "cummin",
    "logcumsumexp",
    "diff",
    "trace",
    "kron",
    "cross",
    "dist",
    "renorm",
    "diagflat",
    "cov",
    "corrcoef",
    "nanmedian",
    "mode",
    "msort",
    "histc",
    "bincount",
    "unique",
    "unique_consecutive",
    "addr",
    "addbmm",
    "addmv_",
]
TENSOR_METHODS = __all__ + [
    "cumsum_",
    "cumprod_",
    "renorm_",
    "addr_",
    "addbmm_",
    "addmm_",
    "baddbmm_",
    "sum_to_size",
    "swapaxes_",
    "swapdims_",
]
