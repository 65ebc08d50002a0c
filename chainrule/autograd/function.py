"""The Function/ctx contract: every differentiable op, built-in or user-defined, is a Function.

``forward(ctx, *args)`` receives the call's arguments (Tensors stay Tensors) and returns an
array or Tensor (or a tuple of them); ``backward(ctx, *grads)`` receives one gradient Tensor per
output and returns one gradient per positional input (None where not needed), written with
Tensor ops so that ``create_graph=True`` differentiates through it.

The Function instance created by ``apply`` is both the ctx passed to forward/backward and the
graph node (``tensor.grad_fn``). A node keeps its input edges in ``_next`` (the nodes) and
``_nrs`` (which output of each, None when all are 0): few objects per node keeps a deep graph
cheap for Python's garbage collector. ``next_functions`` presents them as torch does.
"""

from __future__ import annotations

import itertools
import traceback

from ..backend import ERRSTATE as _ERR
from ..backend import QUIET as _QUIET
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
_FREED_HINT = (
    " The node whose saved values are gone is {}. Usual cause: a tensor carried over from the previous "
    "iteration (an RNN hidden state, a running loss total, an EMA) still holds that iteration's graph; cut it "
    "with .detach() when carrying it (h = h.detach()) rather than passing retain_graph=True, which keeps every "
    "past graph alive."
)
_TENSOR_KIND = {
    "float32": "torch.FloatTensor",
    "float64": "torch.DoubleTensor",
    "float16": "torch.HalfTensor",
    "int64": "torch.LongTensor",
    "int32": "torch.IntTensor",
    "bool": "torch.BoolTensor",
}
_seq = itertools.count()
_new = object.__new__
_NO_NEED = tuple((False,) * n for n in range(9))
# needs_input_grad tuples shared by all nodes: _NEED[n][mask], bit i set when argument i needs a gradient
_NEED = tuple(tuple(tuple(bool(m >> i & 1) for i in range(n)) for m in range(1 << n)) for n in range(7))


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

    # Fields every recorded node sets (and backward frees) are slots: fast, and a node does not grow
    # when backward releases it. They are set by ``apply``; rarely used state below is class defaults.
    __slots__ = (
        "needs_input_grad",
        "_saved",
        "_saved_versions",
        "_freed",
        "_next",
        "_meta",
        "_out_meta",
        "_seq",
        "__dict__",
        "__weakref__",
    )

    #: name of the backward node shown in ``grad_fn`` (built-ins end in "Backward0" like torch)
    _node_name = "FunctionBackward"
    #: built-in ops run forward on arrays and never capture grad mode in forward
    _builtin = False

    materialize_grads = True
    _non_diff = None
    _dirty = None
    _pre_hooks = None
    _post_hooks = None
    _retain = None
    _trace = None
    _n_out = 1
    _nrs = None

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
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom autograd.Function to use it "
            "with backward mode AD."
        )

    def save_for_backward(self, *tensors) -> None:
        """Keep tensors for backward; modifying one in place before backward is detected."""
        self._saved = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Outputs that get no gradient (e.g. indices); they are returned with requires_grad=False."""
        self._non_diff = tensors

    def mark_dirty(self, *tensors) -> None:
        """Inputs forward modified in place; they become outputs of this node."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        self.materialize_grads = value

    @property
    def saved_tensors(self) -> tuple:
        if self._freed:
            raise RuntimeError(_FREED_MSG + _FREED_HINT.format(self._node_name))
        saved = self._saved
        if saved is None:
            return ()
        versions = self._saved_versions
        if versions is None:  # forward ran without recording: nothing to check
            return saved
        out = []
        for t, ver in zip(saved, versions):
            if t is None:
                out.append(None)
            elif type(t) is _SavedOutput:
                if t.vc.v != t.version:
                    _raise_modified(
                        t.data.shape, t.data.dtype, self._node_name, t.out_nr, t.vc, t.version, self._node_name
                    )
                out.append(_Tensor._make(t.data, True, self, t.out_nr))
            elif not isinstance(t, _Tensor):
                out.append(t)
            else:
                vc = t._vc
                if vc is not None and vc.v != ver:
                    gf = t.grad_fn
                    made_by = gf._node_name if gf is not None else None
                    _raise_modified(t._data.shape, t._data.dtype, made_by, t._out_nr, vc, ver, self._node_name)
                out.append(t)
        return tuple(out)

    @property
    def saved_variables(self):
        return self.saved_tensors

    # -- node API --------------------------------------------------------------------------
    @property
    def next_functions(self) -> tuple:
        """((node, output_nr), ...) for each input: None for inputs that need no gradient."""
        nrs = self._nrs
        if nrs is None:
            return tuple([(n, 0) for n in self._next])
        return tuple(zip(self._next, nrs))

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
        return self._run(list(grads), True)

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = _new(cls)
        if _state.enabled:
            for a in args:
                if isinstance(a, _Tensor) and a._rg:
                    if not cls._builtin:
                        return _record(cls, ctx, args, kwargs)
                    tok = _ERR.set(_QUIET)  # built-in ops compute inf - inf etc. without NumPy warnings
                    try:
                        return _record(cls, ctx, args, kwargs)
                    finally:
                        _ERR.reset(tok)
        if not cls._builtin:
            ctx.needs_input_grad = _NO_NEED[len(args)] if len(args) < 9 else (False,) * len(args)
            ctx._saved = ctx._saved_versions = None
            ctx._freed = False
            out = cls.forward(ctx, *args, **kwargs)
            if type(out) is tuple:
                return tuple([_plain(o) for o in out])
            return _plain(out)
        ctx.needs_input_grad = _NO_NEED[len(args)] if len(args) < 9 else (False,) * len(args)
        tok = _ERR.set(_QUIET)
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            _ERR.reset(tok)
        if type(out) is tuple:
            return tuple([_plain(o) for o in out])
        return _Tensor._make(out if type(out) is _ndarray else xp.asarray(out), False, None, 0)

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
        if len(res) != len(self._next):
            res = self._fix_count(res)
        if not keep:
            self._saved = None
            self._freed = True
        return res

    def _fix_count(self, res: tuple) -> tuple:
        """Trailing Nones may be dropped; built-ins may return fewer gradients (the rest are None)."""
        n_in = len(self._next)
        if len(res) > n_in and all(r is None for r in res[n_in:]):
            return res[:n_in]
        if self._builtin and len(res) < n_in:
            return res + (None,) * (n_in - len(res))
        raise RuntimeError(
            f"function {self._node_name} returned an incorrect number of gradients (expected {n_in}, got {len(res)})"
        )


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

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class AccumulateGrad:
    """Graph node that stores the incoming gradient into a leaf tensor's ``.grad``."""

    __slots__ = ("variable", "_pre_hooks", "_post_hooks", "__weakref__")
    _node_name = "AccumulateGrad"
    _next = ()
    _nrs = None
    _n_out = 1
    _retain = None
    # torch runs leaf accumulation before any other ready node
    _seq = float("inf")

    def __init__(self, variable):
        self.variable = variable
        self._pre_hooks = None
        self._post_hooks = None

    @property
    def next_functions(self) -> tuple:
        return ()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def __repr__(self) -> str:
        return f"<AccumulateGrad object at {hex(id(self))}>"


def _raise_modified(shape, dtype, node_name, out_nr, vc, expected, saved_by=None):
    shape_s = "[" + ", ".join(str(s) for s in shape) + "]"
    kind = _TENSOR_KIND.get(str(dtype), "Tensor")
    which = f"which is output {out_nr} of {node_name}" if node_name else "which is a leaf tensor"
    by = f" It was modified in place by {vc.op}." if vc is not None and vc.op else ""
    if saved_by:
        by = f" {saved_by} saved it for its backward." + by
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
    if isinstance(out, _Tensor):
        return out
    if out is None or not isinstance(out, (_ndarray, int, float, bool)) and not hasattr(out, "__array__"):
        return out
    return _Tensor._make(out if isinstance(out, _ndarray) else xp.asarray(out), False, None, 0)


def _record(cls, ctx, args, kwargs):
    """Forward with graph recording: link the node to its inputs and its outputs to it."""
    mask = 0
    bit = 1
    nxt = []
    meta = []
    nrs = None
    for a in args:
        if isinstance(a, _Tensor) and a._rg:
            mask |= bit
            gf = a.grad_fn
            if gf is None:
                gf = a._accum
                if gf is None:
                    gf = a._accum = AccumulateGrad(a)
            elif a._out_nr:
                if nrs is None:
                    nrs = [0] * len(args)
                nrs[len(nxt)] = a._out_nr
            nxt.append(gf)
            d = a._data
            meta.append((d.shape, d.dtype))
        else:
            nxt.append(None)
            meta.append(None)
        bit <<= 1
    n = len(args)
    ctx.needs_input_grad = _NEED[n][mask] if n < 7 else tuple(bool(mask >> i & 1) for i in range(n))
    ctx._saved = ctx._saved_versions = None
    ctx._freed = False
    ctx._out_meta = ()
    if cls._builtin:
        out = cls.forward(ctx, *args, **kwargs)
    else:
        _state.enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            _state.enabled = True
    ctx._next = tuple(nxt)
    if nrs is not None:
        ctx._nrs = tuple(nrs)
    ctx._meta = tuple(meta)
    ctx._seq = next(_seq)
    if anomaly_mode._enabled[0]:
        ctx._trace = "".join(traceback.format_stack()[:-3])
    saved = ctx._saved
    if type(out) is _ndarray and cls._builtin:
        if out.dtype.kind == "f":
            res = _Tensor._make(out, True, ctx, 0)
            m0 = meta[0]
            if m0 is not None and m0[1] is out.dtype and m0[0] == out.shape:
                ctx._out_meta = (m0,)  # same shape and dtype as the first input: share its entry
            else:
                ctx._out_meta = ((out.shape, out.dtype),)
        else:
            res = _Tensor._make(out, False, None, 0)
        if saved is not None:
            _prepare_saved(ctx, saved, (res,))
        return res
    if type(out) is tuple:
        ctx._n_out = len(out)
        outs = tuple([_link(o, ctx, i, args) for i, o in enumerate(out)])
        ctx._out_meta = tuple([(o._data.shape, o._data.dtype) if isinstance(o, _Tensor) else ((), None) for o in outs])
        if saved is not None:
            _prepare_saved(ctx, saved, outs)
        return outs
    res = _link(out, ctx, 0, args)
    if isinstance(res, _Tensor):
        ctx._out_meta = ((res._data.shape, res._data.dtype),)
    if saved is not None:
        _prepare_saved(ctx, saved, (res,))
    return res


def _link(o, ctx, i, args):
    """The i-th output as a tensor whose grad_fn is ``ctx`` (non-differentiable outputs excepted)."""
    if isinstance(o, _Tensor):
        nd = ctx._non_diff
        if nd is not None and any(o is t for t in nd):
            if o._rg or o.grad_fn is not None:
                return _Tensor._make(o._data, False, None, 0)
            return o
        dirty = ctx._dirty
        if dirty is not None and any(o is t for t in dirty):
            # an input modified in place: it becomes this node's output (history rebased)
            vc = o._vc_get()
            vc.v += 1
            o.grad_fn = ctx
            o._out_nr = i
            o._rg = True
            return o
        # a returned input (or any tensor) becomes a new output tensor sharing its data
        data = o._data
        t = _Tensor._make(data, data.dtype.kind == "f", ctx if data.dtype.kind == "f" else None, i)
        if o._vc is not None and any(o is a for a in args):
            t._vc = o._vc
        return t
    if o is None or not (isinstance(o, (_ndarray, int, float, bool)) or hasattr(o, "__array__")):
        return o  # non-tensor outputs of custom Functions pass through
    data = o if isinstance(o, _ndarray) else xp.asarray(o)
    if data.dtype.kind != "f":
        return _Tensor._make(data, False, None, 0)
    return _Tensor._make(data, True, ctx, i)


def _prepare_saved(ctx, saved, outs):
    versions = []
    items = []
    for t in saved:
        if t is None:
            items.append(None)
            versions.append(0)
            continue
        if not isinstance(t, _Tensor):
            # built-ins may save an output array directly
            for o in outs:
                if isinstance(o, _Tensor) and o._data is t:
                    t = o
                    break
            else:
                if not isinstance(t, (_ndarray, xp.generic)):
                    items.append(t)
                    versions.append(0)
                    continue
                t = _Tensor._make(xp.asarray(t), False, None, 0)
        if t.grad_fn is ctx:
            vc = t._vc
            if vc is None:
                vc = t._vc = _VersionCounter()
            items.append(_SavedOutput(t._data, vc, t._out_nr))
            versions.append(vc.v)
        else:
            # no counter yet means version 0; an in-place op creates it at version 1
            vc = t._vc
            items.append(t)
            versions.append(vc.v if vc is not None else 0)
    ctx._saved = tuple(items)
    ctx._saved_versions = tuple(versions)


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
_ndarray = xp.ndarray


def _bind_tensor(cls):
    global _Tensor
    _Tensor = cls
