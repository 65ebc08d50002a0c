"""The backward engine: iterative dependency counting, never recursion.

1. Walk the graph from the roots with an explicit stack, counting for each node how many
   edges lead into it (its consumers).
2. Run nodes whose consumers have all delivered: sum the incoming gradients per output, call
   the node's backward, reduce each input gradient to its input's shape and dtype (the one
   place where broadcasting is undone), pass it on.
3. AccumulateGrad nodes store into ``leaf.grad``, never aliasing an array someone else holds.
"""

from __future__ import annotations

import math

from ..backend import xp
from .function import AccumulateGrad, _bind_tensor  # noqa: F401
from .grad_mode import _state
from . import anomaly_mode

_Tensor = None


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


def _collect(roots):
    """Count consumers of every node reachable from ``roots`` (iteratively)."""
    deps = {}
    seen = set()
    stack = [r for r in roots if r is not None]
    for r in stack:
        seen.add(r)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps, seen


def _needed(roots, targets):
    """Nodes from which some target node is reachable (for autograd.grad pruning)."""
    order = []
    seen = set()
    for r in roots:
        if r is None or r in seen:
            continue
        seen.add(r)
        stack = [(r, iter(r.next_functions))]
        while stack:
            node, it = stack[-1]
            for nxt, _ in it:
                if nxt is not None and nxt not in seen:
                    seen.add(nxt)
                    stack.append((nxt, iter(nxt.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)
    need = set()
    for node in order:  # post-order: children first
        if node in targets or any(n in need for n, _ in node.next_functions if n is not None):
            need.add(node)
    return need


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None, allow_unused=False,
                 accumulate=True):
    """Backpropagate ``grad_tensors`` from ``tensors``.

    With ``accumulate`` leaves receive ``.grad`` (``Tensor.backward``); otherwise gradients with
    respect to ``inputs`` are returned (``autograd.grad``) and no ``.grad`` is touched.
    """
    roots = []
    buffers = {}
    for t, g in zip(tensors, grad_tensors):
        node = t.grad_fn
        if node is None:
            if t._rg:
                node = t._accum
                if node is None:
                    node = t._accum = AccumulateGrad(t)
            else:
                raise RuntimeError(
                    "element 0 of tensors does not require grad and does not have a grad_fn. "
                    "Common causes: the computation ran under no_grad()/inference_mode(); the value passed "
                    "through .item(), .numpy(), .tolist() or .detach(); or no parameter or input had "
                    "requires_grad=True. Setting loss.requires_grad = True does not help: the graph "
                    "to the parameters is already missing."
                )
        nr = t._out_nr if t.grad_fn is not None else 0
        buf = buffers.get(node)
        if buf is None:
            n_out = getattr(node, "_n_out", 1)
            buf = buffers[node] = [None] * n_out
        buf[nr] = g if buf[nr] is None else buf[nr] + g
        if node not in roots:
            roots.append(node)

    captures = None
    targets = None
    if inputs is not None:
        captures = {}
        targets = {}
        for k, x in enumerate(inputs):
            if x.grad_fn is not None:
                key = (x.grad_fn, x._out_nr)
            else:
                if not x._rg:
                    raise RuntimeError("One of the differentiated Tensors does not require grad")
                if x._accum is None:
                    x._accum = AccumulateGrad(x)
                key = (x._accum, 0)
            targets.setdefault(key[0], []).append((k, key[1]))
        results = [None] * len(inputs)

    deps, _ = _collect(roots)
    need = _needed(roots, targets) if targets is not None else None
    ready = [r for r in roots if deps.get(r, 0) == 0]
    prev = _state.enabled
    _state.enabled = create_graph
    check = anomaly_mode._enabled[0]
    try:
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if targets is not None:
                tg = targets.get(node)
                if tg is not None:
                    for k, nr in tg:
                        results[k] = grads[nr] if grads is not None else None
            if need is not None and node not in need:
                _release(node, deps, ready)
                continue
            if type(node) is AccumulateGrad:
                if accumulate and grads is not None and grads[0] is not None:
                    _accumulate(node, grads[0], create_graph)
                continue
            if grads is None:
                grads = [None] * node._n_out
            ph = node._pre_hooks
            if ph is not None:
                grads = _run_pre_hooks(ph, grads)
            if all(g is None for g in grads):
                _release(node, deps, ready)
                continue
            res = node._run(grads, retain_graph)
            if node._post_hooks is not None:
                for h in node._post_hooks:
                    r = h(res, tuple(grads))
                    if r is not None:
                        res = tuple(r)
            meta = node._meta
            for i, ((nxt, nr), g) in enumerate(zip(node.next_functions, res)):
                if nxt is None:
                    continue
                if g is not None:
                    if not isinstance(g, _Tensor):
                        g = _Tensor._make(xp.asarray(g), False, None, 0)
                    shape, dt = meta[i]
                    if g._data.shape != shape:
                        g = _sum_to(g, shape, node, i)
                    if g._data.dtype != dt:
                        g = g.to(_np_to_dtype(dt))
                    if check:
                        _check_anomaly(node, i, g)
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * getattr(nxt, "_n_out", 1)
                    old = buf[nr]
                    buf[nr] = g if old is None else old + g
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    ready.append(nxt)
    finally:
        _state.enabled = prev

    if inputs is not None:
        for k, r in enumerate(results):
            if r is None and not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
        return tuple(results)
    return None


def _release(node, deps, ready):
    for nxt, _ in node.next_functions:
        if nxt is None:
            continue
        d = deps[nxt] - 1
        deps[nxt] = d
        if d == 0:
            ready.append(nxt)


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


def _accumulate(node, g, create_graph):
    t = node.variable
    ph = node._pre_hooks
    if ph is not None:
        for hooks in ph.values():
            for h in list(hooks):
                r = h(g)
                if r is not None:
                    g = r
    old = t._grad
    if old is None:
        if create_graph:
            t._grad = g
        else:
            # never alias: the engine's gradient may be shared with another leaf or the caller
            t._grad = _Tensor._make(g._data.copy(), False, None, 0)
    elif create_graph or old._rg:
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
    d = g._data
    if d.dtype.kind == "f" and not bool(xp.isfinite(d).all()):
        bad = "nan" if bool(xp.isnan(d).any()) else "inf"
        where = ""
        if getattr(node, "_trace", None):
            where = "\nTraceback of forward call that caused the error:\n" + node._trace
        raise RuntimeError(
            f"Function '{node._node_name}' returned {bad} values in its {i}th output." + where
        )


def _np_to_dtype(dt):
    from .._dtype import from_np

    return from_np(dt)


def _isfinite(x):
    return math.isfinite(x)
