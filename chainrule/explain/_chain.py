"""Chain-rule paths from the output to each leaf, with the product of local derivatives along each."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_UNIT = object()  # the factor of a route of length zero


def _scalar(a):
    return np.asarray(a).reshape(())[()]


@dataclass
class Path:
    """One path from the root to a leaf: the chain-rule factors and their product."""

    symbols: list[str]
    #: factor values (numpy scalars), or None where the path passes through non-scalar tensors
    factors: list | None
    steps: list[bool]
    product: object = None


@dataclass
class Chain:
    """All paths from the root to one leaf, and the leaf's total gradient."""

    leaf: object  # the TraceNode of the leaf
    n_paths: int
    paths: list[Path]
    total: object


def _chains(trace_nodes, index, root_tn, max_paths):
    """Chain-rule paths from the root to every leaf.

    If the caller named intermediate values, a path runs through those only and each factor
    d(A)/d(B) sums over the routes between A and B through unnamed nodes; otherwise every node
    is a step of the path.
    """
    user_mid = any(tn.user_named and not tn.is_leaf and tn is not root_tn for tn in trace_nodes)
    in_chain = [tn.is_leaf or tn is root_tn or not user_mid or tn.user_named for tn in trace_nodes]
    if user_mid:
        _expand_direct(trace_nodes, in_chain, trace_nodes.index(root_tn))
    # reach[i]: {chain node j: (factor or None, step)} for routes from node i through non-chain nodes
    reach: list[dict] = [{} for _ in trace_nodes]
    for i, tn in enumerate(trace_nodes):
        if tn.is_leaf:
            continue
        acc: dict = {}
        for e, edge in enumerate(tn.edges):
            if edge is None or tn.grads[e] is None:
                continue
            j = edge[0]
            loc = tn.local[e]
            f = _scalar(loc) if loc is not None and np.size(loc) == 1 else None
            routes = {j: (_UNIT, True)} if in_chain[j] else reach[j]
            for t, (g, s) in routes.items():
                val = None if f is None or g is None else (f if g is _UNIT else f * g)
                step = tn.step and s
                if t in acc:
                    old, olds = acc[t]
                    acc[t] = (None if old is None or val is None else old + val, olds and step)
                else:
                    acc[t] = (val, step)
        reach[i] = acc
    root_i = trace_nodes.index(root_tn)
    chains = []
    order = [i for i in range(len(trace_nodes)) if in_chain[i] and not trace_nodes[i].is_leaf]
    for li, leaf in enumerate(trace_nodes):
        if not leaf.is_leaf:
            continue
        count = [0] * len(trace_nodes)
        count[li] = 1
        for i in order:  # inputs come first, so counts of successors are final
            count[i] = sum(count[j] for j in reach[i])
        n = count[root_i] if root_i != li else 1
        paths = []
        if root_i == li:
            paths.append(Path([], [], [], product=_scalar(leaf.upstream) if leaf.upstream is not None else None))
        elif 0 < n <= max_paths:
            paths = _enumerate(trace_nodes, reach, count, root_i, li)
        chains.append(Chain(leaf, n, paths, leaf.upstream))
    return chains


def _expand_direct(trace_nodes, in_chain, root_i):
    """Keep unnamed nodes that lie on a route from the root straight to a leaf (no named value between),
    so that such a route shows its steps instead of one factor spelled like the total, ``∂L/∂x``."""
    down, stack = set(), [root_i]
    while stack:
        i = stack.pop()
        for edge in trace_nodes[i].edges:
            if edge is not None and not in_chain[edge[0]] and edge[0] not in down:
                down.add(edge[0])
                stack.append(edge[0])
    up = [False] * len(trace_nodes)
    for i, tn in enumerate(trace_nodes):  # inputs come first
        up[i] = any(e is not None and (trace_nodes[e[0]].is_leaf or not in_chain[e[0]] and up[e[0]]) for e in tn.edges)
    for i in down:
        if up[i]:
            in_chain[i] = True


def _enumerate(trace_nodes, reach, count, root_i, leaf_i):
    out = []
    stack = [(root_i, [root_i])]
    while stack:
        i, seq = stack.pop()
        if i == leaf_i:
            out.append(seq)
            continue
        for j in reversed(list(reach[i])):
            if count[j]:
                stack.append((j, seq + [j]))
    paths = []
    for seq in out:
        symbols, factors, steps = [], [], []
        for a, b in zip(seq, seq[1:]):
            f, s = reach[a][b]
            symbols.append(f"∂{trace_nodes[a].name}/∂{trace_nodes[b].name}")
            factors.append(f)
            steps.append(s)
        if any(f is None for f in factors):
            paths.append(Path(symbols, None, steps))
            continue
        prod = factors[0]
        for f in factors[1:]:
            prod = prod * f
        paths.append(Path(symbols, factors, steps, prod))
    return paths
