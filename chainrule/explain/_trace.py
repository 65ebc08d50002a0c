"""Build a Trace: walk the backward graph, recover forward values, replay backward node by node.

The replay calls each node's own backward (``node._run(grads, keep=True)``) exactly as the engine
does, but keeps every intermediate gradient and never writes ``.grad``, runs no hooks and frees
nothing, so the caller's graph and gradients are left as they were.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .._tensor import Tensor
from ..autograd.engine import _sum_to
from ..autograd.function import AccumulateGrad, _SavedOutput
from ..autograd.grad_mode import no_grad
from ._chain import _chains
from ._format import fmt_value
from ._ops import STEP_NODE_NAMES, constant, op_info

ROOT_NAME = "L"


@dataclass(eq=False)
class TraceNode:
    """One value of the graph: a leaf, or the output(s) of one backward node."""

    name: str
    #: backward node name (``MulBackward0``), or ``AccumulateGrad`` for a leaf
    op: str
    is_leaf: bool
    #: operands, as names or constants (one per graph edge of the node)
    inputs: list[str] = field(default_factory=list)
    #: forward expression in operand names, e.g. ``w1 * x``
    expr: str = ""
    #: forward value per output (None where the graph kept no copy and it could not be recomputed)
    values: list = field(default_factory=list)
    shapes: list = field(default_factory=list)
    dtype: np.dtype | None = None
    #: d(output)/d(operand) per operand, for single-element outputs (else None: a Jacobian)
    local: list = field(default_factory=list)
    #: symbolic form of each local derivative, where the op is a common one
    rules: list = field(default_factory=list)
    #: dL/d(output) per output: the gradient arriving from the consumers (summed)
    upstreams: list = field(default_factory=list)
    #: dL/d(operand) contribution this node sends to each operand
    grads: list = field(default_factory=list)
    #: index of each operand's TraceNode and output number (None for constants)
    edges: list = field(default_factory=list)
    #: forward value of each operand, constants included (None where unknown)
    operand_values: list = field(default_factory=list)
    #: the name came from the caller (``names=`` or ``Tensor.name``)
    user_named: bool = False
    #: local derivatives are 0/±1 patterns (relu, add...), printed as integers
    step: bool = False
    node: object = field(default=None, repr=False)

    @property
    def value(self):
        return self.values[0] if self.values else None

    @property
    def shape(self) -> tuple:
        return self.shapes[0] if self.shapes else ()

    @property
    def upstream(self):
        return self.upstreams[0] if self.upstreams else None

    @property
    def grad(self):
        """For a leaf: the gradient backward() would add to its ``.grad``."""
        return self.upstream

    def output_name(self, k: int) -> str:
        return self.name if len(self.shapes) <= 1 else f"{self.name}[{k}]"


def _short(node_name: str) -> str:
    return re.sub(r"Backwards?\d*$", "", node_name).lower() or "op"


def post_order(root) -> list:
    """Nodes reachable from ``root``, each after all of its inputs (iterative DFS)."""
    order, seen = [], {root}
    stack = [(root, iter(root.next_functions))]
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
    return order


def _key(t: Tensor):
    if t.grad_fn is not None:
        return (t.grad_fn, t._out_nr)
    return (t._accum, 0) if t._accum is not None else None


def build_trace(tensor: Tensor, names=None, gradient=None, max_paths: int = 16):
    from . import Trace

    if not isinstance(tensor, Tensor):
        raise TypeError(f"explain() expects a Tensor, got {type(tensor).__name__}")
    if not tensor.requires_grad:
        raise RuntimeError(
            "explain() needs a tensor that requires grad: compute it from leaves created with "
            "requires_grad=True, outside no_grad()"
        )
    if tensor.grad_fn is None and tensor._accum is None:
        tensor._accum = AccumulateGrad(tensor)  # what backward() would create
    named: dict = {}
    user_vals: dict = {}
    given: list = []
    if names is not None:
        items = names.items() if hasattr(names, "items") else names
        for name, t in items:
            if not isinstance(t, Tensor):
                raise TypeError(f"explain(): names[{name!r}] must be a Tensor, got {type(t).__name__}")
            k = _key(t)
            given.append((str(name), k))
            if k is not None:
                named.setdefault(k, str(name))
                user_vals.setdefault(k, t._data)

    root_is_leaf = tensor.grad_fn is None
    root = tensor.grad_fn if not root_is_leaf else tensor._accum
    root_key = (root, 0 if root_is_leaf else tensor._out_nr)
    order = post_order(root)
    check_graph(order)

    # forward values and names that the graph itself holds: the root, leaves, saved tensors
    values = dict(user_vals)
    values.setdefault(root_key, tensor._data)
    attr_names = {}
    if tensor.name:
        attr_names[root_key] = str(tensor.name)
    for node in order:
        if type(node) is AccumulateGrad:
            values.setdefault((node, 0), node.variable._data)
            if node.variable.name:
                attr_names.setdefault((node, 0), str(node.variable.name))
            continue
        saved = getattr(node, "_saved", None) or ()
        versions = getattr(node, "_saved_versions", None)
        for i, s in enumerate(saved):
            if type(s) is _SavedOutput:
                if s.vc.v == s.version:
                    values.setdefault((node, s.out_nr), s.data)
            elif isinstance(s, Tensor):
                k = _key(s)
                if k is None:
                    continue
                if s.name:
                    attr_names.setdefault(k, str(s.name))
                cur = s._vc.v if s._vc is not None else 0
                if versions is None or cur == versions[i]:
                    values.setdefault(k, s._data)
    for k, v in attr_names.items():
        named.setdefault(k, v)

    # TraceNodes: leaves first (caller's order, then graph order), then ops inputs-first
    leaves = [n for n in order if type(n) is AccumulateGrad]
    rank = {k[0]: i for i, k in enumerate(named) if type(k[0]) is AccumulateGrad}
    leaves.sort(key=lambda n: rank.get(n, len(rank)))
    ops = [n for n in order if type(n) is not AccumulateGrad]
    used: set = set()

    def unique(base: str) -> str:
        name, k = base, 1
        while name in used:
            name = f"{base}_{k}"
            k += 1
        used.add(name)
        return name

    used.update(named.values())
    trace_nodes, index = [], {}
    n_leaf = 0
    for node in leaves + ops:
        is_leaf = type(node) is AccumulateGrad
        key0 = (node, 0)
        user = key0 in named or (node is root and root_is_leaf and root_key in named)
        if user:
            name = named[key0]
        elif node is root and not root_is_leaf and root_key[1] == 0:
            name = unique(ROOT_NAME)
        elif is_leaf:
            name = unique(f"leaf{n_leaf}")
            n_leaf += 1
        else:
            name = unique(_short(node._node_name))
        if is_leaf:
            d = node.variable._data
            tn = TraceNode(
                name, "AccumulateGrad", True, values=[d], shapes=[d.shape], dtype=d.dtype, user_named=user, node=node
            )
        else:
            meta = node._out_meta
            tn = TraceNode(
                name,
                node._node_name,
                False,
                shapes=[m[0] for m in meta],
                dtype=meta[0][1],
                values=[values.get((node, j)) for j in range(len(meta))],
                user_named=user,
                step=node._node_name in STEP_NODE_NAMES,
                node=node,
            )
        index[node] = len(trace_nodes)
        trace_nodes.append(tn)

    _fill_forward(trace_nodes, index, named)
    seed = make_seed(tensor, gradient)
    for node, (ups, sent) in replay(order, root_key, seed).items():
        tn = trace_nodes[index[node]]
        tn.upstreams, tn.grads = ups, sent
    seed = seed._data
    _locals(trace_nodes, index)
    root_tn = trace_nodes[index[root]]
    chains = _chains(trace_nodes, index, root_tn, max_paths)
    unused = [name for name, k in given if k is None or k[0] not in index]
    return Trace(nodes=trace_nodes, root=root_tn, seed=seed, chains=chains, unused_names=unused)


def _fill_forward(trace_nodes, index, named):
    """Operand names, expressions, and values recomputed where the graph kept none."""
    for tn in trace_nodes:
        if tn.is_leaf:
            tn.expr = tn.name
            continue
        node = tn.node
        info = op_info(node)
        operand_vals, labels = [], []
        for nxt, nr in node.next_functions:
            if nxt is None:
                tn.edges.append(None)
                operand_vals.append(None)
                labels.append(None)
                continue
            src = trace_nodes[index[nxt]]
            tn.edges.append((index[nxt], nr))
            operand_vals.append(src.values[nr] if nr < len(src.values) else None)
            labels.append(src.output_name(nr))
        for i, lab in enumerate(labels):
            if lab is None:
                c = constant(node, i, operand_vals + [tn.value]) if info is not None else None
                if c is not None:
                    operand_vals[i] = c
                    labels[i] = fmt_value(c)
        if info is not None and tn.value is None and len(tn.values) == 1:
            args = operand_vals[: info.arity]
            if all(a is not None for a in args):
                with np.errstate(all="ignore"):
                    out = np.asarray(info.fn(*[np.asarray(a) for a in args]))
                tn.values[0] = out.astype(tn.dtype, copy=False).reshape(tn.shape)
        if info is not None:
            labels = [lab if lab is not None else "const" for lab in labels]
        tn.inputs = [lab if lab is not None else "?" for lab in labels]
        if info is not None and len(labels) >= info.arity:
            tn.expr = _fill(info.template, labels, info.binary)
            tn.rules = [_fill(r, labels, True) for r in info.rules] + [None] * (len(labels) - len(info.rules))
            p = operand_vals[1] if type(node).__name__ == "PowScalar" else None
            if isinstance(p, (int, float)) and not isinstance(p, bool):
                # d(a^p)/da with the exponent worked out: 2*a rather than 2*a**(2-1)
                q = p - 1
                tn.rules[0] = f"{p}*{labels[0]}" if q == 1 else f"{p}*{labels[0]}**{q if q >= 0 else f'({q})'}"
        else:
            tn.expr = f"{_short(node._node_name)}({', '.join(lab for lab in labels if lab is not None)})"
            tn.rules = [None] * len(labels)
        tn.operand_values = operand_vals


def _fill(template: str, labels: list, binary: bool) -> str:
    def sub(m):
        lab = labels[int(m.group(1))]
        if lab is None:
            return "?"
        if binary and lab.startswith("-"):
            return f"({lab})"
        return lab

    return re.sub(r"\{(\d)\}", sub, template)


def make_seed(tensor, gradient):
    """The gradient backward starts from: 1 for a single-element output, else ``gradient``."""
    if gradient is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"explain() of a tensor of shape {list(tensor.shape)} needs gradient= (the seed dL/d(output)); "
                "for a scalar output it is 1"
            )
        return Tensor._make(np.ones(tensor._data.shape, dtype=tensor._data.dtype), False, None, 0)
    g = gradient._data if isinstance(gradient, Tensor) else np.asarray(gradient)
    if g.shape != tensor._data.shape:
        raise RuntimeError(
            f"explain(): gradient has shape {list(g.shape)} but the tensor has shape {list(tensor.shape)}"
        )
    return Tensor._make(g.astype(tensor._data.dtype, copy=False), False, None, 0)


def replay(order, root_key, seed) -> dict:
    """Run backward node by node over ``order`` (inputs first), keeping every gradient.

    Returns ``{node: (upstreams, grads)}``: the gradient arriving at each output, and the one sent to
    each input edge (None where none flows). Nothing is freed, accumulated into ``.grad`` or hooked.
    """
    buffers = {root_key: seed}
    out = {}
    with no_grad():
        for node in reversed(order):
            n_out = len(node._out_meta) if type(node) is not AccumulateGrad else 1
            grads = [buffers.pop((node, j), None) for j in range(n_out)]
            ups = [g._data if g is not None else None for g in grads]
            if type(node) is AccumulateGrad:
                out[node] = (ups, [])
                continue
            sent = [None] * len(node.next_functions)
            out[node] = (ups, sent)
            if all(g is None for g in grads):
                continue
            res = node._run(list(grads), True)
            for i, ((nxt, nr), g) in enumerate(zip(node.next_functions, res)):
                if nxt is None or g is None:
                    continue
                g = _conform(g, node, i)
                sent[i] = g._data
                old = buffers.get((nxt, nr))
                buffers[(nxt, nr)] = g if old is None else old + g
    return out


def check_graph(order) -> None:
    for node in order:
        if getattr(node, "_freed", False):
            raise RuntimeError(
                "explain() needs the graph that backward() frees: call explain() before .backward(), or "
                "call .backward(retain_graph=True)"
            )


def _conform(g, node, i):
    """Reduce a broadcast gradient to the operand's shape and dtype, as the engine does."""
    if not isinstance(g, Tensor):
        g = Tensor._make(np.asarray(g), False, None, 0)
    shape, dt = node._meta[i]
    if g._data.shape != shape:
        g = _sum_to(g, shape, node, i)
    if g._data.dtype != dt:
        g = Tensor._make(g._data.astype(dt), False, None, 0)
    return g


def _locals(trace_nodes, index):
    """d(output)/d(operand) for nodes with one single-element output: backward of a seed of 1."""
    with no_grad():
        for tn in trace_nodes:
            tn.local = [None] * len(tn.edges)
            if tn.is_leaf or len(tn.shapes) != 1 or int(np.prod(tn.shape)) != 1:
                continue
            node = tn.node
            one = Tensor._make(np.ones(tn.shape, dtype=tn.dtype), False, None, 0)
            res = node._run([one], True)
            for i, ((nxt, _), g) in enumerate(zip(node.next_functions, res)):
                if nxt is not None and g is not None:
                    tn.local[i] = _conform(g, node, i)._data
