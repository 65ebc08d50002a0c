"""The Function/ctx contract: every differentiable op, built-in or user-defined, is a Function.

``forward(ctx, *args)`` receives the call's arguments (Tensors stay Tensors) and returns an
array or Tensor (or a tuple of them); ``backward(ctx, *grads)`` receives one gradient Tensor per
output and returns one gradient per positional input (None where not needed), written with
Tensor ops so that ``create_graph=True`` differentiates through it.

The Function instance created by ``apply`` is both the ctx passed to forward/backward and the
graph node (``tensor.grad_fn``).
"""

from __future__ import annotations

import traceback

from ..backend import xp
from . import anomaly_mode
from .grad_mode import _state

_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class _SavedOutput:
    """A saved output: data plus version counter, re-attached to its node when unpacked.

    Saving the output Tensor itself would make a cycle (node -> output -> node); this keeps the
    graph collectable by reference counting alone.
    """

    __slots__ = ("data", "vc", "out_nr", "version")

    def __init__(self, data, vc, out_nr):
        self.data = data
        self.vc = vc
        self.out_nr = out_nr
        self.version = vc.v


class Function:
    """Base class for differentiable operations (mirrors ``torch.autograd.Function``).

    Example::

        class Square(Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 2 * x * grad

        y = Square.apply(x)
    """

    __slots__ = (
        "next_functions",
        "needs_input_grad",
        "_saved",
        "_saved_versions",
        "_meta",
        "_n_out",
        "_freed",
        "_pre_hooks",
        "_post_hooks",
        "_non_diff",
        "materialize_grads",
        "_out_meta",
        "_trace",
        "__dict__",
        "__weakref__",
    )

    #: name of the backward node shown in ``grad_fn`` (built-ins end in "Backward0" like torch)
    _node_name = "FunctionBackward"
    #: built-in ops run forward on arrays and never capture grad mode in forward
    _builtin = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_node_name" not in cls.__dict__:
            cls._node_name = cls.__name__ + ("Backward0" if cls.__dict__.get("_builtin", cls._builtin) else "Backward")

    # -- user-facing ctx API ---------------------------------------------------------------
    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; modifying one in place before backward is detected."""
        self._saved = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        self._non_diff = tensors

    def mark_dirty(self, *tensors) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED_MSG + f" (node: {self._node_name})")
        saved = self._saved
        if saved is None:
            return ()
        versions = self._saved_versions
        out = []
        for i, t in enumerate(saved):
            if t is None:
                out.append(None)
                continue
            if type(t) is _SavedOutput:
                if t.vc.v != t.version:
                    _raise_modified(t.data.shape, t.data.dtype, self._node_name, t.out_nr, t.vc, t.version)
                out.append(_Tensor._make(t.data, True, self, t.out_nr))
                continue
            if versions is not None:
                vc = t._vc
                cur = vc.v if vc is not None else 0
                if cur != versions[i]:
                    gf = t.grad_fn
                    _raise_modified(t._data.shape, t._data.dtype,
                                    gf._node_name if gf is not None else None, t._out_nr, vc, versions[i])
            out.append(t)
        return tuple(out)

    @property
    def saved_variables(self):
        return self.saved_tensors

    # -- node API --------------------------------------------------------------------------
    def name(self) -> str:
        return self._node_name

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> optional new grad_inputs, run after this node."""
        if self._post_hooks is None:
            self._post_hooks = []
        self._post_hooks.append(fn)
        return _RemovableHandle(self._post_hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> optional new grad_outputs, run before this node."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        lst = self._pre_hooks.setdefault(-1, [])
        lst.append(fn)
        return _RemovableHandle(lst, fn)

    def __repr__(self) -> str:
        return f"<{self._node_name} object at {hex(id(self))}>"

    def __call__(self, *grads):
        return self._run(list(grads), False)

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls.__new__(cls)
        ctx._saved = None
        ctx._freed = False
        ctx._non_diff = None
        ctx.materialize_grads = True
        if _state.enabled:
            need = tuple([isinstance(a, _Tensor) and a._rg for a in args])
            if True in need:
                return _record(cls, ctx, need, args, kwargs)
        else:
            need = (False,) * len(args)
        ctx.needs_input_grad = need
        out = cls.forward(ctx, *args, **kwargs)
        if type(out) is tuple:
            return tuple(_plain(o) for o in out)
        return _plain(out)

    # -- engine entry ----------------------------------------------------------------------
    def _run(self, grads: list, keep: bool):
        """Run backward for gradients of each output; returns one gradient per input edge."""
        if self._n_out == 1:
            g = grads[0]
            if g is None and self.materialize_grads:
                g = _zeros_for(self, 0)
            res = type(self).backward(self, g)
        else:
            if self.materialize_grads:
                grads = [g if g is not None else _zeros_for(self, i) for i, g in enumerate(grads)]
            res = type(self).backward(self, *grads)
        if type(res) is not tuple:
            res = (res,) if not isinstance(res, list) else tuple(res)
        n_in = len(self.next_functions)
        if len(res) != n_in:
            if len(res) > n_in and all(r is None for r in res[n_in:]):
                res = res[:n_in]
            elif self._builtin and len(res) < n_in:
                res = res + (None,) * (n_in - len(res))
            else:
                raise RuntimeError(f"function {self._node_name} returned an incorrect number of gradients "
                                   f"(expected {n_in}, got {len(res)})")
        if not keep:
            self._saved = None
            self._freed = True
        return res


class _RemovableHandle:
    __slots__ = ("lst", "fn")

    def __init__(self, lst, fn):
        self.lst = lst
        self.fn = fn

    def remove(self):
        try:
            self.lst.remove(self.fn)
        except ValueError:
            pass


class AccumulateGrad:
    """Graph node that stores the incoming gradient into a leaf tensor's ``.grad``."""

    __slots__ = ("variable", "_pre_hooks", "_post_hooks", "next_functions", "__weakref__")
    _node_name = "AccumulateGrad"

    def __init__(self, variable):
        self.variable = variable
        self._pre_hooks = None
        self._post_hooks = None
        self.next_functions = ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def _raise_modified(shape, dtype, node_name, out_nr, vc, expected):
    shape_s = "[" + ", ".join(str(s) for s in shape) + "]"
    kind = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor"}.get(str(dtype), "Tensor")
    which = f"which is output {out_nr} of {node_name}" if node_name else "which is a leaf tensor"
    by = f" It was modified in place by {vc.op}." if vc is not None and vc.op else ""
    raise RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace operation: "
        f"[{kind} {shape_s}], {which}, is at version {vc.v if vc else 0}; expected version {expected} "
        f"instead.{by} Hint: the backtrace further above can show the operation that failed to compute its "
        "gradient; enable anomaly detection with chainrule.autograd.set_detect_anomaly(True) to find it, or "
        "use .clone() before the in-place change."
    )


def _zeros_for(node, i):
    shape, dt = node._out_meta[i]
    return _Tensor._make(xp.zeros(shape, dtype=dt), False, None, 0)


def _plain(out):
    """Wrap a forward result computed without graph recording."""
    if type(out) is _Tensor:
        return out
    if isinstance(out, _Tensor):
        return out
    return _Tensor._make(out if isinstance(out, xp.ndarray) else xp.asarray(out), False, None, 0)


def _record(cls, ctx, need, args, kwargs):
    """Forward with graph recording: link the node to its inputs and its outputs to it."""
    ctx.needs_input_grad = need
    ctx._pre_hooks = None
    ctx._post_hooks = None
    if cls._builtin:
        out = cls.forward(ctx, *args, **kwargs)
    else:
        _state.enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            _state.enabled = True
    nxt = []
    meta = []
    for a, n in zip(args, need):
        if n:
            gf = a.grad_fn
            if gf is None:
                gf = a._accum
                if gf is None:
                    gf = a._accum = AccumulateGrad(a)
                nxt.append((gf, 0))
            else:
                nxt.append((gf, a._out_nr))
            meta.append((a._data.shape, a._data.dtype))
        else:
            nxt.append((None, 0))
            meta.append(None)
    ctx.next_functions = tuple(nxt)
    ctx._meta = meta
    if anomaly_mode._enabled[0]:
        ctx._trace = "".join(traceback.format_stack()[:-3])
    else:
        ctx._trace = None
    saved = ctx._saved
    nd = ctx._non_diff
    if type(out) is tuple:
        ctx._n_out = len(out)
        outs = tuple(_link(o, ctx, i, nd, args) for i, o in enumerate(out))
        ctx._out_meta = [(o._data.shape, o._data.dtype) for o in outs]
        if saved is not None:
            _prepare_saved(ctx, saved, outs, args, out)
        return outs
    ctx._n_out = 1
    res = _link(out, ctx, 0, nd, args)
    ctx._out_meta = ((res._data.shape, res._data.dtype),)
    if saved is not None:
        _prepare_saved(ctx, saved, (res,), args, (out,))
    return res


def _link(o, ctx, i, nd, args):
    if isinstance(o, _Tensor):
        if nd is not None and any(o is t for t in nd):
            return o
        # a returned input (or any tensor) becomes a new output tensor sharing its data
        data = o._data
    else:
        data = o if isinstance(o, xp.ndarray) else xp.asarray(o)
    if data.dtype.kind != "f":
        return _Tensor._make(data, False, None, 0)
    return _Tensor._make(data, True, ctx, i)


def _prepare_saved(ctx, saved, outs, args, raws=()):
    versions = []
    items = []
    for t in saved:
        if t is None:
            items.append(None)
            versions.append(0)
            continue
        if not isinstance(t, _Tensor):
            # built-ins may save an output array directly
            # (a ufunc on a 0-d array returns a NumPy scalar, which _link wraps anew: match the raw output too)
            for o, r in zip(outs, raws or outs):
                if o._data is t or r is t:
                    t = o
                    break
            else:
                t = _Tensor._make(t, False, None, 0)
        if t.grad_fn is ctx:
            vc = t._vc
            if vc is None:
                vc = t._vc = _VersionCounter()
            items.append(_SavedOutput(t._data, vc, t._out_nr))
            versions.append(vc.v)
        else:
            vc = t._vc
            items.append(t)
            versions.append(vc.v if vc is not None else 0)
    ctx._saved = tuple(items)
    ctx._saved_versions = versions


class _VersionCounter:
    """Shared by a tensor and its views; ``op`` names the last in-place op that bumped it."""

    __slots__ = ("v", "op")

    def __init__(self):
        self.v = 0
        self.op = None


class once_differentiable:
    """Decorator for backward methods that are not themselves differentiable (runs under no_grad)."""

    def __new__(cls, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(ctx, *args):
            prev = _state.enabled
            _state.enabled = False
            try:
                return fn(ctx, *args)
            finally:
                _state.enabled = prev

        return wrapper


_Tensor = None  # bound by chainrule._tensor to avoid an import cycle


def _bind_tensor(cls):
    global _Tensor
    _Tensor = cls
