"""Tensor: an N-d array (``_data``) plus what reverse-mode autodiff needs.

Slots keep the per-op cost low: ``_rg`` (requires_grad), ``grad_fn`` and ``_out_nr`` (which
output of grad_fn this is), ``_grad``, ``_vc`` (version counter shared with views, made lazily).
Rarely set state (``_accum``, this leaf's AccumulateGrad node; ``_base`` for views) are class
defaults. Operators are one-line calls into ``chainrule.ops``; most named methods are bound there
from the function forms.
"""

from __future__ import annotations

import builtins
import numbers
import warnings
import weakref

import numpy as np

from . import _dtype as D
from . import _numpy_interop as _np_interop
from .autograd import engine as _engine
from .autograd import function as _fn
from .autograd.grad_mode import _state
from .backend import xp

_NONLEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
    "by mistake, make sure you access the leaf Tensor instead."
)


class Size(tuple):
    """Shape of a tensor (a tuple, printed as ``torch.Size([...])``)."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(s) for s in self)}])"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n

    # slices, concatenations and repeats stay a Size, as in torch
    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r

    def __add__(self, other):
        if not isinstance(other, tuple):
            raise TypeError(f"can only concatenate tuple (not {type(other).__name__}) to torch.Size")
        return _size_cat(self, other, other, len(self))

    def __radd__(self, other):
        return _size_cat(other, self, other, 0) if isinstance(other, tuple) else NotImplemented

    def __mul__(self, n):
        if not hasattr(n, "__index__"):
            raise TypeError(f"can't multiply sequence by non-int of type '{type(n).__name__}'")
        return Size(tuple.__mul__(self, n))

    __rmul__ = __mul__


def _size_cat(a, b, checked, first):
    """``a + b`` as a Size; the other operand ``checked`` must hold ints (its items start at ``first``)."""
    if not isinstance(checked, Size):
        for k, v in enumerate(checked):
            if not hasattr(v, "__index__"):
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {first + k} is '{type(v).__name__}')")
    return Size(tuple.__add__(a, b))


class Tensor:
    __slots__ = (
        "_data",
        "_rg",
        "grad_fn",
        "_out_nr",
        "_grad",
        "_vc",
        "__weakref__",
        "__dict__",
    )
    __array_priority__ = 1000
    # rarely set per-tensor state: class defaults, so creating a tensor does not write them
    _accum = None  # this leaf's AccumulateGrad node, made lazily
    _retains_grad = False
    _name = None
    _base = None  # the tensor this one is a view of (set by view ops)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # np.exp(t) / ndarray * t run the chainrule op (a Tensor, gradients flow) or raise a TypeError with a hint
        return _np_interop.array_ufunc(ufunc, method, inputs, kwargs)

    def __init__(self, *args, requires_grad=False, dtype=None):
        # legacy constructor: Tensor(data) / Tensor(*sizes)
        if not args:
            arr = np.zeros((0,), dtype=D.get_default_dtype().np)
        elif len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)):
            data = args[0]
            arr = data._data.copy() if isinstance(data, Tensor) else np.array(data, dtype=np.float32)
        else:
            arr = np.zeros(tuple(builtins.int(a) for a in args), dtype=D.get_default_dtype().np)
        _init(self, arr.astype(D.to_np(dtype)) if dtype is not None else arr, requires_grad)

    @staticmethod
    def _make(data, requires_grad, grad_fn, out_nr):
        t = _new(Tensor)
        t._data = data
        t._rg = requires_grad
        t.grad_fn = grad_fn
        t._out_nr = out_nr
        t._grad = None
        t._vc = None
        return t

    # -- metadata -------------------------------------------------------------------------
    @property
    def dtype(self) -> D.dtype:
        return D.from_np(self._data.dtype)

    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def device(self):
        from . import device

        return device("cpu")

    @property
    def is_cuda(self) -> bool:
        return False

    @property
    def layout(self):
        from ._info import strided

        return strided

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return False

    def is_contiguous(self, memory_format=None) -> bool:
        return self._data.flags.c_contiguous

    def stride(self, dim=None):
        st = tuple(s // self._data.itemsize for s in self._data.strides)
        return st if dim is None else st[_wrap_dim(dim, self._data.ndim)]

    def data_ptr(self) -> int:
        return self._data.__array_interface__["data"][0]

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value

    # -- autograd state -------------------------------------------------------------------
    @property
    def requires_grad(self) -> bool:
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        if self.grad_fn is not None:
            if value:
                return
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a computed "
                "variable in a subgraph that doesn't require differentiation use var_no_grad = var.detach()."
            )
        if value and self._data.dtype.kind != "f":
            raise RuntimeError(
                f"only Tensors of floating point dtype can require gradients (got {self.dtype}); "
                "convert with .float() first"
            )
        self._rg = builtins.bool(value)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(_NONLEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}"
                )
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"assigned grad has data of a different size: grad {list(value.shape)} vs tensor {list(self.shape)}"
                )
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: grad {value.dtype} vs tensor {self.dtype}"
                )
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (after its hooks ran)."""
        if self.grad_fn is None:
            if not self._rg:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if self._retains_grad:
            return
        self._retains_grad = True
        node = self.grad_fn
        if node._retain is None:
            node._retain = {}
        node._retain[self._out_nr] = weakref.ref(self)

    def register_hook(self, hook):
        """hook(grad) -> optional replacement grad, called when this tensor's gradient is computed."""
        if not self._rg:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return _add_hook(self.grad_fn, self._out_nr, hook)
        if self._accum is None:
            self._accum = _fn.AccumulateGrad(self)
        return _add_hook(self._accum, 0, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        if self._accum is None:
            self._accum = _fn.AccumulateGrad(self)
        acc = self._accum
        if acc._post_hooks is None:
            acc._post_hooks = []
        acc._post_hooks.append(hook)
        return _fn._RemovableHandle(acc._post_hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (chain rule, reverse order)."""
        d = self._data
        if gradient is None and inputs is None and d.size == 1 and d.dtype.kind == "f":
            # the common ``loss.backward()``: seed with ones directly
            key = (d.shape, d.dtype)
            seed = _ONES.get(key)
            if seed is None:
                seed = _ONES[key] = xp.ones(d.shape, dtype=d.dtype)
            one = Tensor._make(seed.copy(), False, None, 0)
            keep = create_graph if retain_graph is None else retain_graph
            _engine.run_backward((self,), (one,), keep, create_graph)
            return
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """Same data, cut from the graph."""
        t = Tensor._make(self._data, False, None, 0)
        t._vc = self._vc_get()
        return t

    def detach_(self) -> Tensor:
        self.grad_fn = None
        self._rg = False
        return self

    def _vc_get(self):
        vc = self._vc
        if vc is None:
            vc = self._vc = _fn._VersionCounter()
        return vc

    @property
    def _version(self) -> int:
        return self._vc.v if self._vc is not None else 0

    @property
    def data(self) -> Tensor:
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        self._data = value._data if isinstance(value, Tensor) else xp.asarray(value)

    # -- conversion ------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, force: bool = False) -> np.ndarray:
        if self._rg and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._rg:
            _np_interop.refuse_conversion()
        if dtype is not None:
            return self._data.astype(dtype)
        return self._data

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return builtins.float(self.item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return builtins.int(self.item())

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self._data.reshape(()).item())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, proto):
        return (_rebuild, (self._data, self._rg))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment."
            )
        t = type(self).__new__(type(self))
        _init(t, self._data.copy(), self._rg)
        if self._grad is not None:
            t._grad = Tensor._make(self._grad._data.copy(), False, None, 0)
        memo[id(self)] = t
        return t

    def to(self, *args, **kwargs) -> Tensor:
        """Convert dtype (device arguments other than cpu are rejected)."""
        dt = kwargs.get("dtype")
        copy = kwargs.get("copy", False)
        for a in args:
            if isinstance(a, D.dtype) and dt is None:
                dt = a
            elif isinstance(a, Tensor) and dt is None:
                dt = a.dtype
            elif isinstance(a, (str, builtins.int)) or type(a).__name__ == "device":
                _check_device(a)
            elif a is not None and not isinstance(a, builtins.bool):
                got = ", ".join(type(x).__name__ for x in args)
                raise TypeError(
                    f"to() received an invalid combination of arguments - got ({got}), but expected "
                    "(torch.device device, torch.dtype dtype), (torch.dtype dtype) or (Tensor other)"
                )
        if "device" in kwargs:
            _check_device(kwargs["device"])
        if dt is None or D.to_np(dt) == self._data.dtype:
            return self.clone() if copy else self
        from .ops.elementwise import _cast

        return _cast(self, D.to_np(dt))

    def type(self, dtype=None):
        if dtype is None:
            return {
                "float32": "torch.FloatTensor",
                "float64": "torch.DoubleTensor",
                "int64": "torch.LongTensor",
                "int32": "torch.IntTensor",
                "bool": "torch.BoolTensor",
                "float16": "torch.HalfTensor",
            }.get(self.dtype.name, "torch.Tensor")
        return self.to(dtype)

    def float(self):
        return self.to(D.float32)

    def double(self):
        return self.to(D.float64)

    def half(self):
        return self.to(D.float16)

    def long(self):
        return self.to(D.int64)

    def int(self):
        return self.to(D.int32)

    def short(self):
        return self.to(D.int16)

    def bool(self):
        return self.to(D.bool_)

    def byte(self):
        return self.to(D.uint8)

    def cpu(self):
        return self

    def cuda(self, *a, **k):
        raise RuntimeError("chainrule runs on the CPU only: no CUDA device is available")

    def type_as(self, other):
        return self.to(other.dtype)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        from ._creation import tensor

        return tensor(data, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        from ._creation import zeros

        return zeros(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        from ._creation import ones

        return ones(*size, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        from ._creation import full

        return full(size, fill_value, dtype=dtype or self.dtype, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, requires_grad=requires_grad)

    # -- in-place machinery ----------------------------------------------------------------
    def _check_inplace(self, opname: str) -> None:
        if _state.enabled and self._rg and self.grad_fn is None:
            raise RuntimeError(
                f"a leaf Variable that requires grad is being used in an in-place operation ({opname}). "
                "Wrap parameter updates in `with torch.no_grad():`."
            )
        base = self._base
        if _state.enabled and base is not None and base._rg and base.grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")

    def _write(self, res: Tensor, opname: str) -> Tensor:
        """Store ``res`` into this tensor's memory and adopt its graph position (rebase history)."""
        rd = res._data
        sd = self._data
        if rd.shape != sd.shape:
            if np.broadcast_shapes(rd.shape, sd.shape) != sd.shape:
                raise RuntimeError(
                    f"output with shape [{', '.join(map(str, sd.shape))}] doesn't match the "
                    f"broadcast shape [{', '.join(map(str, np.broadcast_shapes(rd.shape, sd.shape)))}]"
                )
        if rd.dtype != sd.dtype and not _can_cast(rd.dtype, sd.dtype):
            raise RuntimeError(
                f"result type {_TORCH_NAME.get(str(rd.dtype), rd.dtype)} can't be cast to the "
                f"desired output type {_TORCH_NAME.get(str(sd.dtype), sd.dtype)}"
            )
        if not sd.flags.writeable:
            sd = _writable(sd, opname)
            if sd is None:
                sd = self._data = self._data.copy()
        np.copyto(sd, rd, casting="unsafe")
        vc = self._vc_get()
        vc.v += 1
        vc.op = opname
        if res.grad_fn is not None and _state.enabled:
            if self._base is not None:
                from .ops.indexing import _rebase_view

                return _rebase_view(self, res)
            self.grad_fn = res.grad_fn
            self._out_nr = res._out_nr
            self._rg = True
        return self

    def _inplace(self, fn, opname, *args, **kwargs) -> Tensor:
        self._check_inplace(opname)
        src = self
        if _state.enabled and (self._rg or any(isinstance(x, Tensor) and x._rg for x in args)):
            # the op may save its input for backward: hand it the values before the change (torch's original self)
            src = Tensor._make(self._data.copy(), self._rg, self.grad_fn, self._out_nr)
        return self._write(fn(src, *args, **kwargs), opname)

    def add_(self, other, alpha=1):
        return self._inplace(_ops().add, "add_", other, alpha=alpha)

    def sub_(self, other, alpha=1):
        return self._inplace(_ops().sub, "sub_", other, alpha=alpha)

    def mul_(self, other):
        return self._inplace(_ops().mul, "mul_", other)

    def div_(self, other, rounding_mode=None):
        return self._inplace(_ops().div, "div_", other, rounding_mode=rounding_mode)

    def pow_(self, exponent):
        return self._inplace(_ops().pow, "pow_", exponent)

    def clamp_(self, min=None, max=None):
        return self._inplace(_ops().clamp, "clamp_", min, max)

    clip_ = clamp_

    def copy_(self, src, non_blocking=False):
        self._check_inplace("copy_")
        if not isinstance(src, Tensor):
            src = Tensor._make(xp.asarray(src), False, None, 0)
        return self._write(_ops().copy_from(self, src), "copy_")

    def zero_(self):
        self._check_inplace("zero_")
        return self._write(_ew.zero_like_op(self), "zero_")

    def fill_(self, value):
        self._check_inplace("fill_")
        if not isinstance(value, (Tensor, numbers.Number, np.generic)):
            raise TypeError(
                f"fill_() received an invalid combination of arguments - got ({type(value).__name__}), "
                "but expected (Tensor value) or (Number value)"
            )
        if not isinstance(value, Tensor):
            D.check_scalar_fits(value, self._data.dtype)
            value = Tensor._make(xp.asarray(value, dtype=self._data.dtype), False, None, 0)
        elif value._data.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
            )
        return self._write(_ew.fill_from(self, value), "fill_")

    def where(self, condition, other):
        """``torch.where(condition, self, other)``."""
        return _ew.where(condition, self, other)

    def __iadd__(self, other):
        return self.add_(other)

    def __isub__(self, other):
        return self.sub_(other)

    def __imul__(self, other):
        return self.mul_(other)

    def __itruediv__(self, other):
        return self.div_(other)

    def __ipow__(self, other):
        return self.pow_(other)

    def __ifloordiv__(self, other):
        return self._inplace(_ops().floor_divide, "floor_divide_", other)

    def __imod__(self, other):
        return self._inplace(_ops().remainder, "remainder_", other)

    def __iand__(self, other):
        return self._inplace(_ops().bitwise_and, "bitwise_and_", other)

    def __ior__(self, other):
        return self._inplace(_ops().bitwise_or, "bitwise_or_", other)

    def __ixor__(self, other):
        return self._inplace(_ops().bitwise_xor, "bitwise_xor_", other)

    # -- operators -------------------------------------------------------------------------
    def __add__(self, other):
        return _add(self, other)

    def __radd__(self, other):
        return _add(self, other)

    def __sub__(self, other):
        return _sub(self, other)

    def __mul__(self, other):
        return _mul(self, other)

    def __rmul__(self, other):
        return _mul(self, other)

    def __truediv__(self, other):
        return _div(self, other)

    def __rsub__(self, other):
        return _ew.RSub.apply(self, other)

    def __rtruediv__(self, other):
        return _ew.rdiv(self, other)

    def __floordiv__(self, other):
        return _ew.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return _ew.floor_divide(other, self)

    def __mod__(self, other):
        return _ew.remainder(self, other)

    def __rmod__(self, other):
        return _ew.remainder(other, self)

    def __pow__(self, other):
        return _ew.pow(self, other)

    def __rpow__(self, other):
        return _ew.pow(other, self)

    def __matmul__(self, other):
        return _ops().matmul(self, other)

    def __rmatmul__(self, other):
        return _ops().matmul(_ew._as_tensor_like(other, self), self)

    def __neg__(self):
        return _ew.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ew.Abs.apply(self)

    def __invert__(self):
        if self._data.dtype.kind == "f":
            raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
        return _ops().bitwise_not(self)

    def __and__(self, other):
        return _ops().bitwise_and(self, other)

    __rand__ = __and__

    def __or__(self, other):
        return _ops().bitwise_or(self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return _ops().bitwise_xor(self, other)

    __rxor__ = __xor__

    def __eq__(self, other):
        if other is None or isinstance(other, str):
            return False
        return _ops().eq(self, other)

    def __ne__(self, other):
        if other is None or isinstance(other, str):
            return True
        return _ops().ne(self, other)

    def __lt__(self, other):
        return _ops().lt(self, other)

    def __le__(self, other):
        return _ops().le(self, other)

    def __gt__(self, other):
        return _ops().gt(self, other)

    def __ge__(self, other):
        return _ops().ge(self, other)

    def __getitem__(self, key):
        return _ops().getitem(self, key)

    def __setitem__(self, key, value):
        _ops().setitem(self, key, value)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr

        return tensor_repr(self)

    def __str__(self) -> str:
        return self.__repr__()

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def clone(self, memory_format=None) -> Tensor:
        return _ew.Clone.apply(self)

    def contiguous(self, memory_format=None) -> Tensor:
        if self._data.flags.c_contiguous:
            return self
        return _ew.Clone.apply(self)

    @property
    def T(self):
        if self._data.ndim > 2:
            warnings.warn(
                "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is deprecated.",
                UserWarning,
                stacklevel=2,
            )
        return self.permute(*reversed(range(self._data.ndim)))

    @property
    def mT(self):
        if self._data.ndim < 2:
            raise RuntimeError(
                f"tensor.mT is only supported on matrices or batches of matrices. Got {self._data.ndim}-D tensor."
            )
        return self.transpose(-2, -1)

    @property
    def H(self):
        return self.T

    @property
    def mH(self):
        return self.mT


_new = object.__new__
_ONES = {}  # (shape, dtype) -> ones array, copied for each backward() seed
_TORCH_NAME = {
    "float32": "Float",
    "float64": "Double",
    "float16": "Half",
    "int64": "Long",
    "int32": "Int",
    "int16": "Short",
    "int8": "Char",
    "uint8": "Byte",
    "bool": "Bool",
}


def _can_cast(src: np.dtype, dst: np.dtype) -> bool:
    """torch's in-place rule: the result category may not be higher than the destination's."""
    cat = {"b": 0, "u": 1, "i": 1, "f": 2}
    return cat[src.kind] <= cat[dst.kind]


def _init(t, arr, requires_grad):
    t._data = arr
    t._rg = False
    t.grad_fn = None
    t._out_nr = 0
    t._grad = None
    t._vc = None
    if requires_grad:
        t.requires_grad = True


def _rebuild(data, rg):
    t = Tensor._make(data, False, None, 0)
    if rg:
        t.requires_grad_()
    return t


def _add_hook(node, out_nr, hook):
    if node._pre_hooks is None:
        node._pre_hooks = {}
    lst = node._pre_hooks.setdefault(out_nr, [])
    lst.append(hook)
    return _fn._RemovableHandle(lst, hook)


def _wrap_dim(dim, ndim):
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def _check_device(dev):
    s = str(dev)
    if not s.startswith("cpu"):
        raise RuntimeError(f"chainrule runs on the CPU only: device '{s}' is not available")


_OPS = []


def _ops():
    return _OPS[0]


_OVERLAP_MSG = (
    "unsupported operation: more than one element of the written-to tensor refers to a single memory "
    "location. Please clone() the tensor before performing the operation."
)


def _writable(arr, opname: str):
    """A writable alias of a read-only view whose elements share memory (an ``expand``ed tensor), or None.

    As in torch, only a uniform write (``fill_``/``zero_``) may land in such a view, and it lands in the
    memory the view shares with its base; any other in-place op raises. Other read-only arrays (e.g. from
    a read-only NumPy buffer) give None: the tensor takes a private copy."""
    if not any(st == 0 and n > 1 for st, n in zip(arr.strides, arr.shape)):
        return None
    if opname not in ("fill_", "zero_"):
        raise RuntimeError(_OVERLAP_MSG)
    owner = arr
    while isinstance(owner.base, np.ndarray):
        owner = owner.base
    if not owner.flags.writeable:
        return None
    offset = arr.__array_interface__["data"][0] - owner.__array_interface__["data"][0]
    return np.ndarray(arr.shape, arr.dtype, buffer=owner, offset=offset, strides=arr.strides)


def _make_inplace(name):
    def method(self, *args, **kwargs):
        return self._inplace(getattr(_ops(), name), name + "_", *args, **kwargs)

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``: writes the result into this tensor and bumps its version."
    return method


_INPLACE_VARIANTS = (
    "neg abs exp exp2 expm1 log log2 log10 log1p sqrt rsqrt square reciprocal sin cos tan tanh sigmoid "
    "relu sign sgn floor ceil trunc frac round clamp_min clamp_max remainder fmod floor_divide lerp "
    "addcmul addcdiv nan_to_num erf erfinv logical_not logical_and logical_or eq ne lt le gt ge maximum "
    "minimum float_power fix negative absolute subtract multiply divide true_divide"
).split()
for _name in _INPLACE_VARIANTS:
    setattr(Tensor, _name + "_", _make_inplace(_name))

_fn._bind_tensor(Tensor)
_engine._set_tensor(Tensor)
from .ops import elementwise as _ew  # noqa: E402

_add, _sub, _mul, _div = _ew.Add.apply, _ew.Sub.apply, _ew.Mul.apply, _ew.Div.apply
