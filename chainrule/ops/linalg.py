"""Matrix products: matmul (every torch case), mm, bmm, dot, mv, outer, inner, addmm, addmv, baddbmm,
tensordot, einsum.

One BLAS call forward and one per input in backward: a batch of rows times a matrix is folded into one
GEMM, and the weight gradient of such a product is one GEMM over all rows too. Backward formulas are
Tensor expressions (matmul of transposes), so double backward works.
"""

from __future__ import annotations

import math
import string
import warnings

import numpy as np

from .._tensor import _TORCH_NAME, Tensor
from ..autograd.function import Function
from ..backend import xp
from ._util import shape_str, wrap_dim

_make = Tensor._make
# C++ type names used by torch's "expected m1 and m2 to have the same dtype" message
_CNAME = {
    "float32": "float",
    "float64": "double",
    "float16": "c10::Half",
    "int64": "long int",
    "int32": "int",
    "int16": "short int",
    "int8": "signed char",
    "uint8": "unsigned char",
    "bool": "bool",
}


class _Op(Function):
    _builtin = True


def _into(out, res, name: str, cast: bool = False):
    """Store ``res`` in a caller's ``out=`` tensor (resized when its shape differs), as torch's out= variants."""
    if out is None:
        return res
    if res._rg:
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic differentiation, "
            "but one of the arguments requires grad."
        )
    d, od = res._data, out._data
    if not cast and d.dtype != od.dtype:
        raise RuntimeError(
            f"Expected out tensor to have dtype {_CNAME[str(d.dtype)]}, but got {_CNAME[str(od.dtype)]} instead"
        )
    if od.shape == d.shape and od.flags.writeable:
        xp.copyto(od, d, casting="unsafe")
    else:
        if od.size:
            warnings.warn(
                f"An output with one or more elements was resized since it had shape {shape_str(od.shape)}, "
                f"which does not match the required output shape {shape_str(d.shape)}. This behavior is "
                "deprecated, and in a future PyTorch release outputs will not be resized unless they have "
                "zero elements. You can explicitly reuse an out tensor t by resizing it, inplace, to zero "
                "elements with t.resize_(0).",
                UserWarning,
                stacklevel=3,
            )
        out._data = d.astype(od.dtype, copy=False)
    out._vc_get().v += 1
    return out


def _tn(d) -> str:
    return _TORCH_NAME[str(d.dtype)]


def _no_bool(d, kernel: str) -> None:
    if d.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _check_mm_dtype(ad, bd) -> None:
    if ad.dtype != bd.dtype:
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_CNAME[str(ad.dtype)]} != {_CNAME[str(bd.dtype)]}"
        )


def _check_scalar_type(ad, bd) -> None:
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"expected scalar type {_tn(ad)} but found {_tn(bd)}")


def _matmul_grads(g, a, b, sa, sb, need_a, need_b):
    """Gradients of a @ b (torch matmul semantics, 1-D operands promoted and squeezed)."""
    ga = gb = None
    la, lb = len(sa), len(sb)
    if need_a:
        if lb == 1:
            ga = g * b if la == 1 else g.reshape(tuple(g.shape) + (1,)) * b
        elif la == 1:
            ga = _mm(b, g.reshape(tuple(g.shape) + (1,)))
            ga = ga.reshape(tuple(ga.shape)[:-1])
        else:
            ga = _mm(g, b.mT)
    if need_b:
        if la == 1:
            gb = g * a if lb == 1 else a.reshape(sa + (1,)) * g.reshape(tuple(g.shape)[:-1] + (1, g.shape[-1]))
        elif lb == 1:
            gb = _mm(a.reshape(-1, sa[-1]).mT, g.reshape(-1))
        elif lb == 2 and la >= 3:
            # weight gradient of a batch of rows: one GEMM over all rows
            gb = _mm(a.reshape(-1, sa[-1]).mT, g.reshape(-1, sb[-1]))
        else:
            gb = _mm(a.mT, g)
    return ga, gb


def _np_matmul(ad, bd):
    if ad.ndim >= 3 and bd.ndim <= 2:
        # a batch of matrices times one matrix/vector is one GEMM/GEMV over all rows
        k = ad.shape[-1]
        return xp.matmul(ad.reshape(-1, k), bd).reshape(ad.shape[:-1] + bd.shape[1:])
    return xp.matmul(ad, bd)


class MatMul(_Op):
    """d(a@b)/da = g @ b^T, d(a@b)/db = a^T @ g (batch dims broadcast; the engine sums them back)"""

    _node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b, name):
        ad, bd = a._data, b._data
        ctx._node_name = name
        na, nb = ctx.needs_input_grad[:2]
        if na or nb:
            ctx.shapes = (ad.shape, bd.shape)
            ctx.save_for_backward(a if nb else None, b if na else None)
        return _np_matmul(ad, bd)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        na, nb = ctx.needs_input_grad[:2]
        return _matmul_grads(g, a, b, sa, sb, na, nb)


_NAMES = {(1, 1): "DotBackward0", (2, 1): "MvBackward0", (1, 2): "SqueezeBackward4", (2, 2): "MmBackward0"}


def _mm(a, b):
    return MatMul.apply(a, b, _NAMES.get((a._data.ndim, b._data.ndim), "UnsafeViewBackward0"))


def _batch_broadcast(sa, sb):
    n = max(len(sa), len(sb))
    pa = (1,) * (n - len(sa)) + tuple(sa)
    pb = (1,) * (n - len(sb)) + tuple(sb)
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(
                f"The size of tensor a ({x}) must match the size of tensor b ({y}) at non-singleton dimension {i}"
            )
        out.append(y if x == 1 else x)
    return tuple(out)


def _check_matmul(ad, bd) -> str:
    """Validate like torch's matmul dispatch (dot / mv / mm / bmm messages); returns the node name."""
    la, lb = ad.ndim, bd.ndim
    if la == 0 or lb == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {la}D and {lb}D")
    if la == 1 and lb == 1:
        _check_dot(ad, bd)
        return "DotBackward0"
    k = ad.shape[-1]
    if lb == 1:
        if bd.shape[0] != k:
            rows = math.prod(ad.shape[:-1])
            raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k}), vec ({bd.shape[0]})")
        _check_addmv_dtype(ad, bd)
        _no_bool(ad, "addmv_impl_cpu")
        return "MvBackward0" if la == 2 else "ViewBackward0"
    if lb == 2:
        if bd.shape[0] != k:
            rows = math.prod(ad.shape[:-1])
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k} and {bd.shape[0]}x{bd.shape[1]})"
            )
        _check_mm_dtype(ad, bd)
        _no_bool(ad, "addmm_impl_cpu_")
        return _NAMES.get((la, 2), "UnsafeViewBackward0")
    batch = _batch_broadcast(ad.shape[:-2], bd.shape[:-2])
    if bd.shape[-2] != k:
        nb = math.prod(batch)
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{nb}, {k}] but got: "
            f"[{nb}, {bd.shape[-2]}]."
        )
    _check_scalar_type(ad, bd)
    _no_bool(ad, "bmm")
    return "UnsafeViewBackward0"


def matmul(input, other, *, out=None) -> Tensor:
    """matrix product with torch's rules: 1-D operands act as vectors, batch dims broadcast"""
    if not isinstance(other, Tensor):
        raise TypeError(f"matmul(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}")
    return _into(out, MatMul.apply(input, other, _check_matmul(input._data, other._data)), "matmul")


def mm(input, mat2, *, out=None) -> Tensor:
    """(n x m) @ (m x p) matrix product"""
    ad, bd = input._data, mat2._data
    if ad.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if bd.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if ad.shape[1] != bd.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({ad.shape[0]}x{ad.shape[1]} and {bd.shape[0]}x{bd.shape[1]})"
        )
    _check_mm_dtype(ad, bd)
    _no_bool(ad, "addmm_impl_cpu_")
    return _into(out, MatMul.apply(input, mat2, "MmBackward0"), "mm")


def _check_bmm(ad, bd) -> None:
    if ad.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if bd.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if bd.shape[:2] != (ad.shape[0], ad.shape[2]):
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{ad.shape[0]}, "
            f"{ad.shape[2]}] but got: [{bd.shape[0]}, {bd.shape[1]}]."
        )
    _check_scalar_type(ad, bd)
    _no_bool(ad, "bmm")


def bmm(input, mat2, *, out=None) -> Tensor:
    """batched (b x n x m) @ (b x m x p) product, no broadcasting"""
    _check_bmm(input._data, mat2._data)
    return _into(out, MatMul.apply(input, mat2, "BmmBackward0"), "bmm")


def _check_dot(ad, bd) -> None:
    if ad.ndim != 1 or bd.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {ad.ndim}D and {bd.ndim}D tensors")
    if ad.dtype != bd.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {_tn(ad)} and {_tn(bd)}")
    if ad.shape[0] != bd.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{ad.shape[0]}] and src [{bd.shape[0]}] to "
            f"have the same number of elements, but got {ad.shape[0]} and {bd.shape[0]} elements "
            "respectively"
        )
    _no_bool(ad, "dot")


def dot(input, tensor, *, out=None) -> Tensor:
    """inner product of two 1-D tensors"""
    _check_dot(input._data, tensor._data)
    return _into(out, MatMul.apply(input, tensor, "DotBackward0"), "dot")


vdot = dot


def _check_addmv_dtype(md, vd) -> None:
    if md.dtype != vd.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_tn(vd)}, {_tn(md)}, and {_tn(vd)}")


def mv(input, vec, *, out=None) -> Tensor:
    """matrix @ vector"""
    md, vd = input._data, vec._data
    if md.ndim != 2 or vd.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {md.ndim}, {vd.ndim}")
    if md.shape[1] != vd.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({md.shape[0]}), mat ({md.shape[0]}x{md.shape[1]}), vec ({vd.shape[0]})"
        )
    _check_addmv_dtype(md, vd)
    _no_bool(md, "addmv_impl_cpu")
    return _into(out, MatMul.apply(input, vec, "MvBackward0"), "mv")


def outer(input, vec2) -> Tensor:
    """outer product a_i b_j (dtypes promote, as torch)"""
    for name, t in (("self", input), ("vec2", vec2)):
        if t._data.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {name}, but got {t._data.ndim}-D")
    return input.reshape(-1, 1) * vec2


ger = outer


class AddMatmul(_Op):
    """beta * c + alpha * (a @ b): d/dc = beta, d/da = alpha g @ b^T, d/db = alpha a^T @ g"""

    @staticmethod
    def forward(ctx, c, a, b, beta, alpha, name):
        ctx._node_name = name
        ad, bd = a._data, b._data
        out = xp.matmul(ad, bd)
        if alpha != 1:
            out *= alpha
        if beta != 0:
            cd = c._data
            out += cd if beta == 1 else cd * beta
        _, na, nb = ctx.needs_input_grad[:3]
        ctx.beta, ctx.alpha = beta, alpha
        if na or nb:
            ctx.shapes = (ad.shape, bd.shape)
            ctx.save_for_backward(a if nb else None, b if na else None)
        return out

    @staticmethod
    def backward(ctx, g):
        nc, na, nb = ctx.needs_input_grad[:3]
        gc = (g if ctx.beta == 1 else g * ctx.beta) if nc else None
        ga = gb = None
        if na or nb:
            a, b = ctx.saved_tensors
            sa, sb = ctx.shapes
            ga, gb = _matmul_grads(g if ctx.alpha == 1 else g * ctx.alpha, a, b, sa, sb, na, nb)
        return gc, ga, gb


def _check_expand(cd, target):
    n = len(target)
    if cd.ndim > n:
        raise RuntimeError(
            f"The expanded size of the tensor ({target[-1]}) must match the existing size "
            f"({cd.shape[-1]}) at non-singleton dimension {n - 1}.  Target sizes: "
            f"{shape_str(target)}.  Tensor sizes: {shape_str(cd.shape)}"
        )
    pc = (1,) * (n - cd.ndim) + cd.shape
    for i in range(n - 1, -1, -1):
        if pc[i] != target[i] and pc[i] != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({target[i]}) must match the existing size "
                f"({pc[i]}) at non-singleton dimension {i}.  Target sizes: {shape_str(target)}.  "
                f"Tensor sizes: {shape_str(cd.shape)}"
            )


_SCALAR_CTYPE = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t"}
_F32_MAX = float(np.finfo(np.float32).max)


def _scalar_as(v, dt):
    """alpha/beta converted to the op's type as torch does: toward zero for integers (a negative int wraps for
    uint8), and a value the type cannot hold raises."""
    if isinstance(v, Tensor):
        v = v.item()
    if dt.kind in "cb" or isinstance(v, bool):
        return v
    if isinstance(v, complex):
        if v.imag:
            _overflow(dt)
        v = v.real
    if dt.kind == "f":
        if dt != np.float64 and math.isfinite(v) and abs(v) > _F32_MAX:  # half types compute in float
            _overflow(dt)
        return v
    info = np.iinfo(dt)
    if isinstance(v, float):
        if not (info.min <= v <= info.max):  # nan fails too
            _overflow(dt)
        return int(v)
    v = int(v)
    if not (-info.max if info.min == 0 else info.min) <= v <= info.max:
        _overflow(dt)
    return v % (info.max + 1) if v < 0 and info.min == 0 else v


def _overflow(dt):
    name = _SCALAR_CTYPE.get(str(dt), "double" if dt == np.float64 else "float")
    raise RuntimeError(f"value cannot be converted to type {name} without overflow")


def _check_self_dtype(cd, bd, other="mat2"):
    if cd.dtype != bd.dtype:
        raise RuntimeError(f"self and {other} must have the same dtype, but got {_tn(cd)} and {_tn(bd)}")


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat1 @ mat2)"""
    ad, bd = mat1._data, mat2._data
    if ad.ndim != 2:
        raise RuntimeError(f"mat1 must be a matrix, got {ad.ndim}-D tensor")
    if bd.ndim != 2:
        raise RuntimeError(f"mat2 must be a matrix, got {bd.ndim}-D tensor")
    if ad.shape[1] != bd.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({ad.shape[0]}x{ad.shape[1]} and {bd.shape[0]}x{bd.shape[1]})"
        )
    _check_mm_dtype(ad, bd)
    _check_self_dtype(input._data, bd)
    _no_bool(ad, "addmm_impl_cpu_")
    _check_expand(input._data, (ad.shape[0], bd.shape[1]))
    return _into(
        out,
        AddMatmul.apply(input, mat1, mat2, _scalar_as(beta, bd.dtype), _scalar_as(alpha, bd.dtype), "AddmmBackward0"),
        "addmm",
    )


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * (mat @ vec)"""
    md, vd = mat._data, vec._data
    if md.ndim != 2 or vd.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input._data.ndim}, {md.ndim}, {vd.ndim}")
    if md.shape[1] != vd.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({md.shape[0]}), mat ({md.shape[0]}x{md.shape[1]}), vec ({vd.shape[0]})"
        )
    _check_addmv_dtype(md, vd)
    _check_self_dtype(input._data, md, "mat")
    _no_bool(md, "addmv_impl_cpu")
    _check_expand(input._data, (md.shape[0],))
    return _into(
        out,
        AddMatmul.apply(input, mat, vec, _scalar_as(beta, md.dtype), _scalar_as(alpha, md.dtype), "AddmvBackward0"),
        "addmv",
    )


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None) -> Tensor:
    """beta * input + alpha * bmm(batch1, batch2)"""
    ad, bd = batch1._data, batch2._data
    _check_bmm(ad, bd)
    _check_scalar_type(input._data, ad)
    _check_expand(input._data, (ad.shape[0], ad.shape[1], bd.shape[2]))
    return _into(
        out,
        AddMatmul.apply(
            input, batch1, batch2, _scalar_as(beta, bd.dtype), _scalar_as(alpha, bd.dtype), "BaddbmmBackward0"
        ),
        "baddbmm",
    )


# ---- tensordot, inner ----------------------------------------------------------------------------
def tensordot(a, b, dims=2, out=None) -> Tensor:
    """sum over the paired dims of a and b: permute, reshape, one matmul"""
    ad, bd = a._data, b._data
    if ad.dtype != bd.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (int, np.integer)):
        dims = int(dims)
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > ad.ndim or dims > bd.ndim:
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        da, db = list(range(-dims, 0)), list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
        if len(da) != len(db):
            raise RuntimeError("both dimension lists should have same length")
    wa = [wrap_dim(d, ad.ndim) for d in da]
    wb = [wrap_dim(d, bd.ndim) for d in db]
    for x, y, ua, ub in zip(wa, wb, da, db):
        if ad.shape[x] != bd.shape[y]:
            raise RuntimeError(
                f"contracted dimensions need to match, but first has size {ad.shape[x]} in dim {ua} "
                f"and second has size {bd.shape[y]} in dim {ub}"
            )
    fa = [i for i in range(ad.ndim) if i not in wa]
    fb = [i for i in range(bd.ndim) if i not in wb]
    csize = math.prod(ad.shape[i] for i in wa)
    pa, pb = fa + wa, wb + fb
    at = a if pa == sorted(pa) else a.permute(*pa)
    bt = b if pb == sorted(pb) else b.permute(*pb)
    res = _mm(at.reshape(-1, csize), bt.reshape(csize, -1))
    return _into(out, res.reshape(tuple(ad.shape[i] for i in fa) + tuple(bd.shape[i] for i in fb)), "tensordot")


def inner(input, other, *, out=None) -> Tensor:
    """sum over the last dim of both (a product when either is 0-d)"""
    ad, bd = input._data, other._data
    if ad.ndim == 0 or bd.ndim == 0:
        return _into(out, input * other, "inner")
    if ad.shape[-1] != bd.shape[-1]:
        raise RuntimeError(
            f"inner() the last dimension must match on both input tensors but got shapes "
            f"{shape_str(ad.shape)} and {shape_str(bd.shape)}"
        )
    return _into(out, tensordot(input, other, ([-1], [-1])), "inner")


# ---- torch.linalg norms (not bound at top level: torch has them under torch.linalg) ------------------
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:
    """torch.linalg.vector_norm: the vector ord-norm over ``dim`` (all elements when None)"""
    from .reduce import _vector_norm

    if dtype is not None:
        x = x.to(dtype)
    return _into(out, _vector_norm(x, ord, dim, keepdim), "linalg_vector_norm")


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None) -> Tensor:
    """torch.linalg.matrix_norm for ord in 'fro', 1, -1, inf, -inf (max/min absolute column/row sum)"""
    if dtype is not None:
        A = A.to(dtype)
    nd = A._data.ndim
    if nd < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    d0, d1 = (wrap_dim(d, nd) for d in dim)
    if ord == "fro":
        return _into(out, vector_norm(A, 2, (d0, d1), keepdim), "linalg_matrix_norm")
    if ord not in (1, -1, math.inf, -math.inf):
        raise RuntimeError(f"linalg.matrix_norm: ord={ord!r} is not supported (use 'fro', 1, -1, inf or -inf)")
    inner_dim, outer_dim = (d0, d1) if abs(ord) == 1 else (d1, d0)
    sums = A.abs().sum(inner_dim, keepdim=True)
    res = sums.amax(outer_dim, keepdim=True) if ord > 0 else sums.amin(outer_dim, keepdim=True)
    if not keepdim:
        res = res.reshape(tuple(s for i, s in enumerate(res.shape) if i not in (d0, d1)))
    return _into(out, res, "linalg_matrix_norm")


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None) -> Tensor:
    """torch.linalg.norm: a vector norm for 1-D inputs or one dim, a matrix norm for 2-D inputs or two dims"""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype, out=out)
    if dim is None:
        if A._data.ndim not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A._data.ndim}D."
            )
        dim = tuple(range(A._data.ndim))
    if len(dim) == 1:
        return vector_norm(A, ord, dim, keepdim, dtype=dtype, out=out)
    return matrix_norm(A, ord, dim, keepdim, dtype=dtype, out=out)


# ---- einsum ---------------------------------------------------------------------------------------
_LETTERS = string.ascii_letters


def _sublist_letter(n) -> str:
    if n is Ellipsis:
        return "..."
    if 0 <= n < 26:
        return chr(ord("A") + n)
    if 26 <= n < 52:
        return chr(ord("a") + n - 26)
    raise ValueError(f"einsum(): subscript in subscript list is not within the valid range [0, 52), got {n}")


def _from_sublists(args):
    """einsum(op0, sublist0, op1, sublist1, ..., [sublist_out]) -> (equation, operands)"""
    out = args[-1] if len(args) % 2 == 1 else None
    pairs = args[:-1] if out is not None else args
    ops, terms = list(pairs[0::2]), list(pairs[1::2])
    eq = ",".join("".join(_sublist_letter(n) for n in t) for t in terms)
    if out is not None:
        eq += "->" + "".join(_sublist_letter(n) for n in out)
    return eq, ops


def _parse_einsum(equation: str, datas):
    for i, ch in enumerate(equation):
        if ch not in _LETTERS and ch not in " ,.->":
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {i} in the equation string, subscripts must be in [a-zA-Z]"
            )
    eq = equation.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(datas):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(datas):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    free = [c for c in _LETTERS if c not in eq]
    n_ell = 0
    for i, (t, d) in enumerate(zip(terms, datas)):
        explicit = len(t.replace("...", ""))
        if "..." in t:
            if explicit > d.ndim:
                raise RuntimeError(
                    f"einsum(): the number of subscripts in the equation ({explicit}) is more than "
                    f"the number of dimensions ({d.ndim}) for operand {i}"
                )
            n_ell = max(n_ell, d.ndim - explicit)
        elif explicit != d.ndim:
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({explicit}) does not match the "
                f"number of dimensions ({d.ndim}) for operand {i} and no ellipsis was given"
            )
    ell = "".join(free[:n_ell])
    counts = {}
    for t in terms:
        for c in t.replace("...", ""):
            counts[c] = counts.get(c, 0) + 1
    # each operand's ellipsis dims take the trailing ellipsis letters (right-aligned broadcasting)
    terms = [t.replace("...", ell[n_ell - (d.ndim - len(t) + 3) :]) if "..." in t else t for t, d in zip(terms, datas)]
    if arrow:
        out = rhs.replace("...", ell)
        seen = set()
        for c in out:
            if c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if c not in counts and c not in ell:
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
            seen.add(c)
    else:
        out = ell + "".join(sorted(c for c, n in counts.items() if n == 1))
    sizes = {}
    for i, (t, d) in enumerate(zip(terms, datas)):
        mine = {}
        for c, s in zip(t, d.shape):
            if c in mine and mine[c] != s:
                raise RuntimeError(
                    f"einsum(): subscript {c} is repeated for operand {i} but the sizes don't match, {s} != {mine[c]}"
                )
            mine[c] = s
            prev = sizes.get(c)
            if prev is not None and prev != s and prev != 1 and s != 1:
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {s} for operand {i} which does not broadcast "
                    f"with previously seen size {prev}"
                )
            if prev is None or prev == 1:
                sizes[c] = s
    return tuple(terms), out


class Einsum(_Op):
    """d einsum / d operand_i = einsum of g with the other operands onto operand i's subscripts
    (broadcast over subscripts only operand i has, placed on the diagonal for repeated subscripts)"""

    @staticmethod
    def forward(ctx, terms, out, *ops):
        datas = [o._data for o in ops]
        ctx.terms, ctx.out = terms, out
        if any(ctx.needs_input_grad):
            ctx.save_for_backward(*ops)
        big = len(datas) > 1 and sum(d.size for d in datas) > 1024
        res = xp.einsum(",".join(terms) + "->" + out, *datas, optimize=big)
        res = xp.asarray(res)
        if len(datas) == 1 and xp.may_share_memory(res, datas[0]):
            res = res.copy()
        return res

    @staticmethod
    def backward(ctx, g):
        ops = ctx.saved_tensors
        terms, out = ctx.terms, ctx.out
        used = set("".join(terms) + out)
        spare = [c for c in _LETTERS if c not in used]
        grads = [None, None]
        for i, need in enumerate(ctx.needs_input_grad[2:]):
            if not need:
                grads.append(None)
                continue
            term = terms[i]
            uniq = "".join(dict.fromkeys(term))
            others = [j for j in range(len(ops)) if j != i]
            avail = set(out).union(*(terms[j] for j in others))
            target = "".join(c for c in uniq if c in avail)
            gi = Einsum.apply(tuple([out] + [terms[j] for j in others]), target, g, *[ops[j] for j in others])
            shape = ops[i]._data.shape
            own = dict(zip(term, shape))
            if len(target) < len(uniq):
                gs = dict(zip(target, gi.shape))
                gi = gi.reshape(tuple(gs.get(c, 1) for c in uniq)).expand(tuple(gs.get(c, own[c]) for c in uniq))
            if len(uniq) < len(term):
                seen, full, deltas, dterms = set(), [], [], []
                for c in term:
                    if c in seen:
                        f = spare.pop()
                        full.append(f)
                        dterms.append(c + f)
                        deltas.append(_make(xp.eye(own[c], dtype=ops[i]._data.dtype), False, None, 0))
                    else:
                        seen.add(c)
                        full.append(c)
                gi = Einsum.apply(tuple([uniq] + dterms), "".join(full), gi, *deltas)
            grads.append(gi)
        return tuple(grads)


def einsum(equation, *operands) -> Tensor:
    """Einstein summation (NumPy's einsum forward; ellipsis, broadcasting and repeated subscripts)"""
    if not isinstance(equation, str):
        equation, operands = _from_sublists((equation,) + operands)
    elif len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    datas = [o._data for o in operands]
    for d in datas[1:]:
        _check_scalar_type(datas[0], d)
    terms, out = _parse_einsum(equation, datas)
    return Einsum.apply(terms, out, *operands)


__all__ = [
    "matmul",
    "mm",
    "bmm",
    "dot",
    "vdot",
    "mv",
    "outer",
    "ger",
    "inner",
    "addmm",
    "addmv",
    "baddbmm",
    "tensordot",
    "einsum",
]
TENSOR_METHODS = ["matmul", "mm", "bmm", "dot", "vdot", "mv", "outer", "ger", "inner", "addmm", "addmv", "baddbmm"]
