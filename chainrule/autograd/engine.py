"""The backward engine: iterative dependency counting, never recursion.

1. Walk the graph from the roots with an explicit stack, counting for each node how many
   edges lead into it (its consumers).
2. Run nodes whose consumers have all delivered, most recently created first (torch's order,
   so sums of incoming gradients round the same way): sum the incoming gradients per output,
   call the node's backward, reduce each input gradient to its input's shape and dtype (the
   one place where broadcasting is undone), pass it on.
3. Leaf nodes (AccumulateGrad) run as soon as they are ready and store into ``leaf.grad``,
   never aliasing an array someone else holds.
"""

from __future__ import annotations

import heapq
import warnings

from ..backend import ERRSTATE, QUIET, xp
from . import anomaly_mode
from .function import AccumulateGrad, _bind_tensor  # noqa: F401
from .grad_mode import _state

_Tensor = None
_heappush = heapq.heappush
_heappop = heapq.heappop


def _set_tensor(cls):
    global _Tensor
    _Tensor = cls


def _sum_to(g, shape, node, i):
    """Reduce gradient ``g`` to ``shape`` by summing broadcast dimensions (differentiable)."""
    gs = g._data.shape
    nd = len(gs) - len(shape)
    if nd < 0:
        _invalid(node, i, gs, shape)
    axes = list(range(nd))
    for k, s in enumerate(shape):
        if gs[nd + k] != s:
            if s == 1:
                axes.append(nd + k)
            else:
                _invalid(node, i, gs, shape)
    from ..ops.reduce import sum_to_shape

    return sum_to_shape(g, tuple(axes), shape)


def _invalid(node, i, got, expected):
    raise RuntimeError(
        f"Function {node._node_name} returned an invalid gradient at index {i} - got "
        f"[{', '.join(map(str, got))}] but expected shape compatible with [{', '.join(map(str, expected))}]"
    )


def _leaf_node(t):
    node = t._accum
    if node is None:
        node = t._accum = AccumulateGrad(t)
    return node


def _needed(nodes, targets):
    """Nodes from which some target node is reachable (autograd.grad runs only these)."""
    need = set(targets)
    order = []
    seen = set()
    for r in nodes:
        if r in seen:
            continue
        seen.add(r)
        stack = [(r, iter(r._next))]
        while stack:
            node, it = stack[-1]
            for nxt in it:
                if nxt is not None and nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, iter(nxt._next)))
                    break
            else:
                stack.pop()
                order.append(node)
    for node in order:  # post-order: inputs first
        if node not in need:
            for n in node._next:
                if n in need:
                    need.add(node)
                    break
    return need


def run_backward(tensors, grad_tensors, keep_graph, create_graph, inputs=None, allow_unused=False, accumulate=True):
    """Backpropagate ``grad_tensors`` from ``tensors``.

    With ``accumulate`` leaves receive ``.grad`` (``Tensor.backward``); otherwise gradients with
    respect to ``inputs`` are returned (``autograd.grad``) and no ``.grad`` is touched. NumPy's
    floating-point warnings are off for the pass (torch's backward does not warn on inf/NaN).
    """
    tok = ERRSTATE.set(QUIET)
    try:
        return _run_backward(tensors, grad_tensors, keep_graph, create_graph, inputs, allow_unused, accumulate)
    finally:
        ERRSTATE.reset(tok)


def _run_backward(tensors, grad_tensors, keep_graph, create_graph, inputs, allow_unused, accumulate):
    buffers = {}
    deps = {}
    for t, g in zip(tensors, grad_tensors):
        node = t.grad_fn
        if node is None:
            if not t._rg:
                raise RuntimeError(
                    "element 0 of tensors does not require grad and does not have a grad_fn. "
                    "Common causes: the computation ran under no_grad()/inference_mode(); the value passed "
                    "through .item(), .numpy(), .tolist() or .detach(); or no parameter or input had "
                    "requires_grad=True. Setting loss.requires_grad = True does not help: the graph "
                    "to the parameters is already missing."
                )
            node = _leaf_node(t)
            nr = 0
        else:
            nr = t._out_nr
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node._n_out
        buf[nr] = g if buf[nr] is None else buf[nr] + g
        deps[node] = 0

    targets = results = None
    if inputs is not None:
        targets = {}
        for k, x in enumerate(inputs):
            if x.grad_fn is not None:
                targets.setdefault(x.grad_fn, []).append((k, x._out_nr))
            else:
                if not x._rg:
                    raise RuntimeError("One of the differentiated Tensors does not require grad")
                targets.setdefault(_leaf_node(x), []).append((k, 0))
        results = [None] * len(inputs)

    # 1. count the consumers of every reachable node
    roots = list(deps)
    stack = list(roots)
    while stack:
        for nxt in stack.pop()._next:
            if nxt is not None:
                c = deps.get(nxt)
                if c is None:
                    deps[nxt] = 1
                    stack.append(nxt)
                else:
                    deps[nxt] = c + 1
    need = _needed(roots, targets) if targets is not None else None

    # 2. run ready nodes, newest first. ``pending`` holds the next node while it is the only ready
    # one (a chain never touches the heap). Buffers hold a node's incoming gradient per output.
    heap = []
    pending = None
    owned = set()  # ids of leaf gradients only the engine holds: stored into .grad without a copy
    prev = _state.enabled
    _state.enabled = create_graph
    check = anomaly_mode._enabled[0]
    Tensor = _Tensor
    make = Tensor._make
    try:
        for r in roots:
            if deps[r] == 0:
                if type(r) is AccumulateGrad:
                    _run_leaf(r, buffers.pop(r, None), targets, results, accumulate, create_graph)
                else:
                    _heappush(heap, (-r._seq, r))
        while True:
            if pending is not None:
                node = pending
                pending = None
            elif heap:
                node = _heappop(heap)[1]
            else:
                break
            grads = buffers.pop(node, None)
            if need is not None and node not in need:
                continue
            res = ()  # no gradient flows through: the inputs are only released
            if grads is not None:
                if targets is not None:  # torch captures a non-leaf's gradient before its hooks
                    tg = targets.get(node)
                    if tg is not None:
                        for k, nr in tg:
                            results[k] = grads[nr]
                if node._pre_hooks is not None:
                    grads = _run_pre_hooks(node._pre_hooks, grads)
                if node._retain is not None:
                    _retain(node._retain, grads)
                if len(grads) == 1:
                    g = grads[0]
                    if g is not None:
                        if node._post_hooks is None:
                            # inline of Function._run for the common single-output node
                            res = type(node).backward(node, g)
                            if type(res) is not tuple:
                                res = (res,) if not isinstance(res, list) else tuple(res)
                            if len(res) != len(node._next):
                                res = node._fix_count(res)
                            if not keep_graph:
                                node._saved = None
                                node._freed = True
                        else:
                            res = _run_with_post_hooks(node, grads, keep_graph)
                elif any(g is not None for g in grads):
                    res = _run_with_post_hooks(node, grads, keep_graph)
            nrs = node._nrs
            i = -1
            for nxt in node._next:
                i += 1
                if nxt is None:
                    continue
                g = res[i] if res else None
                if g is not None:
                    if type(g) is not Tensor and not isinstance(g, Tensor):
                        g = make(xp.asarray(g), False, None, 0)
                    shape, dt = node._meta[i]
                    gd = g._data
                    if gd.shape != shape:
                        g = _sum_to(g, shape, node, i)
                        gd = g._data
                    if gd.dtype != dt:
                        g = make(gd.astype(dt), False, None, 0) if not g._rg else g.to(_np_to_dtype(dt))
                    if check:
                        _check_anomaly(node, i, g)
                    nr = nrs[i] if nrs is not None else 0
                    leaf = not create_graph and type(nxt) is AccumulateGrad
                    if leaf and g._data.size > 4096 and _fresh(g, res[i], res, grads, node):
                        owned.add(id(g))
                    buf = buffers.get(nxt)
                    if buf is None:
                        if nxt._n_out == 1:
                            buffers[nxt] = [g]
                        else:
                            buf = buffers[nxt] = [None] * nxt._n_out
                            buf[nr] = g
                    else:
                        old = buf[nr]
                        if old is None:
                            buf[nr] = g
                        elif create_graph:
                            buf[nr] = old + g
                        else:
                            buf[nr] = make(old._data + g._data, False, None, 0)
                            if leaf:
                                owned.discard(id(old))
                                owned.discard(id(g))
                                owned.add(id(buf[nr]))
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    if type(nxt) is AccumulateGrad:
                        b = buffers.pop(nxt, None)
                        if b is None:
                            continue
                        if nxt._pre_hooks is None and targets is None and accumulate and not create_graph:
                            # inline of _accumulate's first store: a private copy, never the engine's array
                            t = nxt.variable
                            if t._grad is None and nxt._post_hooks is None:
                                g0 = b[0]
                                if id(g0) in owned:
                                    owned.discard(id(g0))
                                    t._grad = g0
                                else:
                                    t._grad = make(g0._data.copy(), False, None, 0)
                                continue
                        _run_leaf(nxt, b, targets, results, accumulate, create_graph)
                    elif pending is None and not heap:
                        pending = nxt
                    else:
                        if pending is not None:
                            _heappush(heap, (-pending._seq, pending))
                            pending = None
                        _heappush(heap, (-nxt._seq, nxt))
    finally:
        _state.enabled = prev

    if inputs is not None:
        if not allow_unused:
            for r in results:
                if r is None:
                    raise RuntimeError(
                        "One of the differentiated Tensors appears to not have been used in the graph. "
                        "Set allow_unused=True if this is the desired behavior."
                    )
        return tuple(results)
    return None


def _run_with_post_hooks(node, grads, keep_graph):
    res = node._run(grads, keep_graph)
    if node._post_hooks is not None:
        for h in node._post_hooks:
            r = h(res, tuple(grads))
            if r is not None:
                res = tuple(r)
    return res


def _fresh(g, returned, res, grads, node) -> bool:
    """True when gradient ``g`` owns its memory and nothing else can see it.

    Only asked for large gradients: copying a small one is cheaper than this check.

    A built-in backward's result is fresh unless it is (a view of) an incoming gradient or was
    handed to two inputs; anything the engine reduced or cast itself is fresh by construction.
    """
    if g is not returned:
        return True
    gd = g._data
    if not node._builtin or not isinstance(gd, xp.ndarray) or not gd.flags.owndata:
        return False
    for x in grads:
        if x is not None and x._data is gd:
            return False
    n = 0
    for r in res:
        if r is not None and (r is g or r._data is gd):
            n += 1
    return n == 1


def _run_leaf(node, grads, targets, results, accumulate, create_graph):
    g = grads[0] if grads is not None else None
    if g is None:
        return
    ph = node._pre_hooks
    if ph is not None:
        g = _run_pre_hooks(ph, [g])[0]
        if g is None:
            return
    if targets is not None:
        tg = targets.get(node)
        if tg is not None:
            for k, _ in tg:
                results[k] = g
    if accumulate:
        _accumulate(node, g, create_graph)


def _run_pre_hooks(ph, grads):
    grads = list(grads)
    for key, hooks in ph.items():
        for h in list(hooks):
            if key == -1:
                r = h(tuple(grads))
                if r is not None:
                    grads = list(r)
            elif grads[key] is not None:
                r = h(grads[key])
                if r is not None:
                    grads[key] = r
    return grads


def _retain(retain, grads):
    """retain_grad(): store the (hooked) gradient of a non-leaf output in its ``.grad``."""
    for nr, ref in retain.items():
        t = ref()
        g = grads[nr]
        if t is None or g is None:
            continue
        if t._grad is None:
            t._grad = g if g._rg else _Tensor._make(g._data.copy(), False, None, 0)
        else:
            t._grad = t._grad + g


def _accumulate(node, g, create_graph):
    """Add ``g`` into ``node.variable.grad`` (copied on first store: the engine may share ``g``)."""
    t = node.variable
    old = t._grad
    if old is None:
        if create_graph:
            t._grad = g
        else:
            t._grad = _Tensor._make(g._data.copy(), False, None, 0)
    elif create_graph or old._rg or not old._data.flags.writeable:
        t._grad = old + g
    else:
        xp.add(old._data, g._data, out=old._data, casting="unsafe")
        vc = old._vc
        if vc is not None:
            vc.v += 1
    if node._post_hooks is not None:
        for h in node._post_hooks:
            h(t)


def _check_anomaly(node, i, g):
    """Anomaly mode: stop at the first node whose backward produced nan, naming its forward call."""
    d = g._data
    if d.dtype.kind == "f" and bool(xp.isnan(d).any()):
        trace = node._trace
        if trace:
            warnings.warn(
                f"Error detected in {node._node_name}. Traceback of forward call that caused the error:\n{trace}",
                UserWarning,
                stacklevel=3,
            )
        where = ("\nTraceback of forward call that caused the error:\n" + trace) if trace else ""
        raise RuntimeError(f"Function '{node._node_name}' returned nan values in its {i}th output." + where)


def _np_to_dtype(dt):
    from .._dtype import from_np

    return from_np(dt)
