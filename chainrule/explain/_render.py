"""Text rendering of a Trace: forward values, the backward replay, and the chain rule per leaf."""

from __future__ import annotations

import numpy as np

from ._format import fmt_num, fmt_tensor, fmt_value
from ._ops import op_info

_MAX_FACTORS = 12


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _is_scalar(v) -> bool:
    return v is not None and np.size(v) == 1


def _columns(rows: list[tuple[str, str]], indent: str = "  ") -> list[str]:
    width = min(max((len(a) for a, _ in rows), default=0), 64)
    return [f"{indent}{a.ljust(width)}  {b}".rstrip() for a, b in rows]


def _elide(items: list, limit: int) -> tuple[list, int]:
    if len(items) <= limit:
        return items, 0
    half = max(limit // 2, 1)
    return items[:half] + [None] + items[-half:], len(items) - 2 * half


def _forward_line(tn) -> str:
    if tn.is_leaf:
        return f"{tn.name} = {fmt_value(tn.value)}"
    parts = [f"{tn.output_name(0) if len(tn.shapes) == 1 else tn.name} = {tn.expr}"]
    info = op_info(tn.node)
    vals = tn.operand_values[: info.arity] if info is not None else []
    if info is not None and vals and all(_is_scalar(v) for v in vals):
        from ._trace import _fill

        parts.append(_fill(info.template, [fmt_num(v) for v in vals], info.binary))
    if len(tn.values) == 1:
        v = fmt_value(tn.value) if tn.value is not None else "(value not kept by the graph)"
        if v != parts[-1]:
            parts.append(v)
    else:
        parts.append("(" + "; ".join(f"[{k}] {fmt_value(v)}" for k, v in enumerate(tn.values)) + ")")
    return " = ".join(parts)


def render_forward(trace, max_nodes: int) -> list[str]:
    nodes = trace.nodes
    n_leaf = sum(tn.is_leaf for tn in nodes)
    n_op = len(nodes) - n_leaf
    lines = [
        f"Forward pass ({_count(n_leaf, 'leaf', 'leaves')}, {_count(n_op, 'op', 'ops')}; values in evaluation order)"
    ]
    shown, skipped = _elide(nodes, max_nodes)
    rows = []
    for tn in shown:
        if tn is None:
            rows.append((f"... {skipped} values omitted ...", ""))
            continue
        rows.append((_forward_line(tn), "leaf" if tn.is_leaf else tn.op))
    return lines + _columns(rows)


def render_backward(trace, max_nodes: int) -> list[str]:
    root = trace.root.name
    ops = [tn for tn in reversed(trace.nodes) if not tn.is_leaf]
    lines = [
        f"Backward pass (from ∂{root}/∂{root} = {fmt_value(trace.seed)}, outputs before inputs)",
        "  each op multiplies the gradient arriving at its output (upstream) by its local derivative",
    ]
    shown, skipped = _elide(ops, max_nodes)
    for tn in shown:
        if tn is None:
            lines.append(f"  ... {skipped} ops omitted ...")
            continue
        lines.append(f"  {tn.name} = {tn.expr}    [{tn.op}]")
        up = tn.upstream
        for k in range(len(tn.shapes)):
            u = tn.upstreams[k] if k < len(tn.upstreams) else None
            sym = f"∂{root}/∂{tn.output_name(k)}"
            lines.append(
                f"      upstream  {sym} = {fmt_value(u)}"
                if u is not None
                else f"      upstream  {sym}: none (no path to {root})"
            )
        for i, edge in enumerate(tn.edges):
            if edge is None:
                continue
            target = trace.nodes[edge[0]].output_name(edge[1])
            loc = tn.local[i] if i < len(tn.local) else None
            g = tn.grads[i] if i < len(tn.grads) else None
            rule = tn.rules[i] if i < len(tn.rules) else None
            if loc is not None:
                text = f"      local     ∂{tn.name}/∂{target} = "
                if rule is not None and rule != fmt_value(loc, tn.step):
                    text += f"{rule} = "
                lines.append(text + fmt_value(loc, tn.step))
            if g is None:
                lines.append(f"      ∂{root}/∂{target} += nothing (no gradient flows to this input)")
            elif loc is not None and _is_scalar(up) and _is_scalar(loc):
                lines.append(f"      ∂{root}/∂{target} += {fmt_num(up)} × {fmt_num(loc, tn.step)} = {fmt_value(g)}")
            else:
                lines.append(f"      ∂{root}/∂{target} += {fmt_tensor(g)}  (vector-Jacobian product)")
    return lines


def render_leaves(trace) -> list[str]:
    lines = ["Leaf gradients (what backward() would add to .grad; explain() leaves .grad untouched)"]
    for tn in trace.nodes:
        if tn.is_leaf:
            lines.append(
                f"  {tn.name}.grad = {fmt_value(tn.grad)}"
                if tn.grad is not None
                else f"  {tn.name}.grad: none (not reached)"
            )
    return lines


def _product_text(path) -> str:
    symbols, skipped = _elide(path.symbols, _MAX_FACTORS)
    sym = " × ".join(s if s is not None else f"… ({skipped} more) …" for s in symbols)
    if path.factors is None:
        return f"{sym} (vector-Jacobian products)"
    nums = [fmt_num(f, s) for f, s in zip(path.factors, path.steps)]
    nums, skipped = _elide(nums, _MAX_FACTORS)
    num = " × ".join(n if n is not None else "…" for n in nums)
    return f"{sym} = {num} = {fmt_num(path.product)}"


def render_chains(trace) -> list[str]:
    root = trace.root.name
    lines = [f"Chain rule (∂{root}/∂leaf = sum over paths of the product of local derivatives along the path)"]
    for ch in trace.chains:
        head = f"∂{root}/∂{ch.leaf.name}"
        if ch.total is None:
            lines.append(f"  {head} = 0 (no gradient reaches {ch.leaf.name})")
            continue
        total = fmt_value(ch.total)
        if ch.leaf is trace.root:
            lines.append(f"  {head} = {total}")
        elif not ch.paths:
            lines.append(f"  {head} = sum over {ch.n_paths} paths (too many to list) = {total}")
        elif len(ch.paths) == 1 and ch.paths[0].symbols == [head]:
            lines.append(f"  {head} = {total}")
        elif len(ch.paths) == 1:
            p = ch.paths[0]
            text = _product_text(p)
            lines.append(f"  {head} = {text}" if p.factors is not None else f"  {head} = {text} = {total}")
        else:
            for p in ch.paths:
                lines.append(f"  {head} += {_product_text(p)}")
            if all(p.factors is not None for p in ch.paths):
                terms = [fmt_num(p.product) for p in ch.paths]
                lines.append(f"  {head} = {' + '.join(t if t[0] != '-' else f'({t})' for t in terms)} = {total}")
            else:
                lines.append(f"  {head} = sum of the {len(ch.paths)} paths = {total}")
    return lines


def render(trace, max_nodes: int = 200) -> str:
    parts = [
        render_forward(trace, max_nodes),
        render_backward(trace, max_nodes),
        render_leaves(trace),
        render_chains(trace),
    ]
    return "\n\n".join("\n".join(p) for p in parts) + "\n"
