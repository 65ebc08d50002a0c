"""Draw the backward graph: ``to_dot(loss)`` gives Graphviz DOT text, ``draw(loss, "graph.svg")`` a picture.

Op nodes carry their backward-node names (``MulBackward0``); leaves (AccumulateGrad) are tensor
records with name, shape and dtype; arrows point the way values flow in the forward pass, from an
input to the op that consumes it, ending at the output tensor. The walk is iterative, so graphs of
any depth (a 100,000-op chain) are fine.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from .._tensor import Tensor
from ..autograd.function import AccumulateGrad, _SavedOutput
from ..explain._format import fmt_num, fmt_tensor, norm, shape_str

__all__ = ["to_dot", "draw"]

_LEAF_COLOR = "lightblue"
_ROOT_COLOR = "darkolivegreen1"
_OP_COLOR = "lightgrey"
_SAVED_COLOR = "orange"


def _esc(s: str) -> str:
    """Escape text for a record label (also safe inside a plain quoted label)."""
    out = []
    for ch in str(s):
        if ch in '{}|<>"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        else:
            out.append(ch)
    return "".join(out)


def _summary(a) -> str:
    a = np.asarray(a)
    if a.size <= 4:
        if a.ndim == 0:
            return fmt_num(a)
        return "[" + ", ".join(fmt_num(v) for v in a.reshape(-1)) + "]"
    return f"norm {norm(a):.4g}"


def _tensor_label(name, data, show_values, grad=None) -> str:
    parts = [name] if name else []
    parts += [f"shape {shape_str(data.shape)}", str(data.dtype)]
    if show_values:
        parts.append(f"value {_summary(data)}")
    if grad is not None:
        parts.append(f"grad {_summary(grad)}")
    return "{" + "|".join(_esc(p) for p in parts) + "}"


def _walk(root):
    """All nodes reachable from ``root``, in discovery order (iterative)."""
    order, seen, stack = [], {root}, [root]
    while stack:
        node = stack.pop()
        order.append(node)
        for nxt, _ in reversed(node.next_functions):
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return order


def _node_grads(tensor, root, root_key):
    """Upstream gradient of every node (without touching ``.grad``), or None once the graph is freed."""
    from ..explain._trace import check_graph, make_seed, post_order, replay

    order = post_order(root)
    try:
        check_graph(order)
        seed = make_seed(tensor, None)
    except RuntimeError:
        return None
    return {node: ups for node, (ups, _) in replay(order, root_key, seed).items()}


def _attrs(node) -> list[str]:
    """Plain scalar attributes an op kept for backward (``p = 2``, ``dims = (1,)``)."""
    out = []
    for k, v in sorted(getattr(node, "__dict__", {}).items()):
        if k.startswith("_") or k in ("needs_input_grad", "materialize_grads"):
            continue
        if isinstance(v, (bool, int, float, str, type(None))) or (
            isinstance(v, tuple) and len(v) <= 8 and all(isinstance(e, (bool, int, float)) for e in v)
        ):
            out.append(f"{k} = {v}")
    return out


def to_dot(
    tensor: Tensor, params=None, show_values: bool = False, show_grads: bool = False, show_saved: bool = False
) -> str:
    """Graphviz DOT text of the graph that ``tensor.backward()`` would traverse.

    ``params`` names tensors (``dict(model.named_parameters())``, or ``{"w1": w1}``); tensors with a
    ``.name`` are named by it. ``show_values`` adds leaf and output values (up to 4 elements, else
    the norm); ``show_grads`` adds d(tensor)/d(value) at each leaf and op output, computed without
    writing ``.grad`` (after the graph has been freed by backward(), the leaves' ``.grad`` is shown);
    ``show_saved`` adds the tensors and attributes each op kept for its backward.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"to_dot() expects a Tensor, got {type(tensor).__name__}")
    names, outputs = {}, {}
    for k, t in params.items() if hasattr(params, "items") else params or ():
        if not isinstance(t, Tensor):
            raise TypeError(f"to_dot(): params[{k!r}] must be a Tensor, got {type(t).__name__}")
        names.setdefault(id(t), str(k))
        if t.grad_fn is not None:
            outputs.setdefault((t.grad_fn, t._out_nr), str(k))

    def name_of(t):
        return names.get(id(t)) or (str(t.name) if t.name else "")

    lines = [
        "digraph chainrule {",
        '  graph [rankdir=BT, fontname="Helvetica"];',
        '  node [shape=box, style="filled,rounded", fontname="Helvetica", fontsize=10, height=0.3];',
        '  edge [fontname="Helvetica", fontsize=9];',
    ]
    root_name = name_of(tensor) or "output"
    if tensor.grad_fn is None:
        grad = tensor._grad._data if show_grads and tensor._grad is not None else None
        label = _tensor_label(name_of(tensor) or "tensor", tensor._data, show_values, grad)
        lines.append(f'  n0 [shape=record, style=filled, fillcolor={_LEAF_COLOR}, label="{label}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"

    root = tensor.grad_fn
    nodes = _walk(root)
    ids = {node: f"n{i}" for i, node in enumerate(nodes)}
    grads = _node_grads(tensor, root, (root, tensor._out_nr)) if show_grads else None

    for node in nodes:
        nid = ids[node]
        if type(node) is AccumulateGrad:
            var = node.variable
            grad = None
            if show_grads:
                if grads is not None:
                    grad = grads.get(node, [None])[0]
                elif var._grad is not None:
                    grad = var._grad._data
            label = _tensor_label(name_of(var), var._data, show_values, grad)
            lines.append(f'  {nid} [shape=record, style=filled, fillcolor={_LEAF_COLOR}, label="{label}"];')
            continue
        text = [node._node_name]
        out_names = [outputs[(node, k)] for k in range(len(node._out_meta)) if (node, k) in outputs]
        if out_names:
            text.append(f"({', '.join(out_names)})")
        if show_saved:
            text += _attrs(node)
        if grads is not None:
            ups = grads.get(node, [])
            for k, g in enumerate(ups):
                if g is not None:
                    text.append(f"grad{'' if len(ups) == 1 else f'[{k}]'} {_summary(g)}")
        lines.append(f'  {nid} [fillcolor={_OP_COLOR}, label="{_esc(chr(10).join(text))}"];')
        for nxt, nr in node.next_functions:
            if nxt is None:
                continue
            multi = type(nxt) is not AccumulateGrad and len(nxt._out_meta) > 1
            lines.append(f"  {ids[nxt]} -> {nid}{f' [label={nr}]' if multi else ''};")
        if show_saved:
            lines += _saved_lines(node, nid, name_of, show_values)

    out_label = _tensor_label(
        root_name, tensor._data, show_values, grads[root][tensor._out_nr] if grads is not None else None
    )
    lines.append(f'  out [shape=record, style=filled, fillcolor={_ROOT_COLOR}, label="{out_label}"];')
    lines.append(f"  {ids[root]} -> out;")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _saved_lines(node, nid, name_of, show_values) -> list[str]:
    saved = getattr(node, "_saved", None) or ()
    out = []
    for i, s in enumerate(saved):
        if s is None:
            continue
        if type(s) is _SavedOutput:
            data, name = s.data, f"saved {i} (output)"
        elif isinstance(s, Tensor):
            data, name = s._data, f"saved {i}" + (f": {name_of(s)}" if name_of(s) else "")
        else:
            continue
        sid = f"{nid}s{i}"
        parts = [name, f"shape {shape_str(data.shape)}", str(data.dtype)]
        if show_values:
            parts.append(f"value {_summary(data)}")
        label = "{" + "|".join(_esc(p) for p in parts) + "}"
        out.append(f'  {sid} [shape=record, style=filled, fillcolor={_SAVED_COLOR}, fontsize=9, label="{label}"];')
        out.append(f"  {sid} -> {nid} [style=dashed, arrowhead=none];")
    return out


def draw(tensor: Tensor, path, format: str | None = None, **kwargs) -> Path:
    """Render the graph of ``tensor`` to ``path`` (SVG, PNG, PDF... from its suffix) with Graphviz.

    Options are those of :func:`to_dot`. Without the ``dot`` program (Debian/Ubuntu package
    ``graphviz``), the DOT text is written next to ``path`` with a ``.dot`` suffix instead and a
    one-line hint goes to stderr. Returns the path written.
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".") or "svg").lower()
    text = to_dot(tensor, **kwargs)
    if fmt in ("dot", "gv"):
        _atomic_write(path, text.encode())
        return path
    exe = shutil.which("dot")
    if exe is None:
        dot_path = path.with_suffix(".dot")
        _atomic_write(dot_path, text.encode())
        print(
            f"chainrule: Graphviz 'dot' not found; wrote {dot_path} (install graphviz, then: "
            f"dot -T{fmt} {dot_path} -o {path})",
            file=sys.stderr,
        )
        return dot_path
    proc = subprocess.run([exe, f"-T{fmt}"], input=text.encode(), capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()
        raise RuntimeError(f"dot -T{fmt} failed: {msg[-1] if msg else f'exit status {proc.returncode}'}")
    _atomic_write(path, proc.stdout)
    return path


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # umask applies, as for a plain open()
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def summarize(tensor: Tensor) -> str:
    """One line: how many ops and leaves the graph of ``tensor`` has."""
    if tensor.grad_fn is None:
        return "a leaf tensor (no graph)"
    nodes = _walk(tensor.grad_fn)
    n_leaf = sum(type(n) is AccumulateGrad for n in nodes)
    return f"{len(nodes) - n_leaf} ops, {n_leaf} leaves, output {fmt_tensor(tensor._data)}"
