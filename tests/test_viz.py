"""chainrule.viz: DOT structure of the backward graph, drawing through Graphviz, deep graphs."""

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
import chainrule.viz as viz


def seed_graph():
    x = cr.tensor(2.0, requires_grad=True)
    w1 = cr.tensor(0.5, requires_grad=True)
    w2 = cr.tensor(1.5, requires_grad=True)
    z1 = w1 * x
    a1 = cr.relu(z1)
    y = w2 * a1
    loss = (y - 3.0) ** 2
    return loss, {"x": x, "w1": w1, "w2": w2}, {"z1": z1, "a1": a1, "y": y}


def parse(dot: str):
    nodes = dict(re.findall(r'^\s+(\w+) \[.*label="(.*)"\];$', dot, re.M))
    edges = re.findall(r"^\s+(\w+) -> (\w+)", dot, re.M)
    return nodes, edges


def test_seed_graph_structure():
    loss, params, _ = seed_graph()
    dot = viz.to_dot(loss, params=params)
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    nodes, edges = parse(dot)
    # 5 ops, 3 leaves, 1 output tensor; one edge per graph input plus op -> output
    assert len(nodes) == 9 and len(edges) == 8
    labels = sorted(nodes.values())
    assert labels.count("MulBackward0") == 2
    for op in ("PowBackward0", "SubBackward0", "ReluBackward0"):
        assert labels.count(op) == 1
    assert "{w1|shape []|float32}" in labels and "{x|shape []|float32}" in labels
    assert "{output|shape []|float32}" in labels
    by_label = {v: k for k, v in nodes.items()}
    # forward direction: w1 and x feed the first multiply, which feeds relu
    mul_z1 = [k for k, v in nodes.items() if v == "MulBackward0" and (by_label["{x|shape []|float32}"], k) in edges]
    assert len(mul_z1) == 1
    assert (by_label["{w1|shape []|float32}"], mul_z1[0]) in edges
    assert (mul_z1[0], by_label["ReluBackward0"]) in edges
    assert (by_label["PowBackward0"], by_label["{output|shape []|float32}"]) in edges


def test_values_grads_and_saved():
    loss, params, mids = seed_graph()
    dot = viz.to_dot(loss, params={**params, **mids}, show_values=True, show_grads=True, show_saved=True)
    nodes, edges = parse(dot)
    labels = set(nodes.values())
    assert "{w1|shape []|float32|value 0.5|grad -9.0}" in labels
    assert "{x|shape []|float32|value 2.0|grad -2.25}" in labels
    assert "{output|shape []|float32|value 2.25|grad 1.0}" in labels
    assert "ReluBackward0\\n(a1)\\ngrad -4.5" in labels
    assert "PowBackward0\\np = 2\\ngrad 1.0" in labels
    assert any(v.startswith("{saved 0: w2|") for v in labels)
    assert sum("style=dashed" in ln for ln in dot.splitlines()) == 6  # mul 2+2, relu 1, pow 1
    # gradients are computed without touching .grad, and the graph survives
    assert params["x"].grad is None
    loss.backward()
    assert params["x"].grad.item() == -2.25
    # after the graph is freed, the leaves' .grad is shown
    labels = set(parse(viz.to_dot(loss, params=params, show_grads=True))[0].values())
    assert "{x|shape []|float32|grad -2.25}" in labels


def test_tensor_summaries():
    W = cr.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True)
    b = cr.tensor(np.ones(4, np.float32), requires_grad=True)
    b.name = "bias"
    out = (W * b).sum()
    labels = set(parse(viz.to_dot(out, params={"W": W}, show_values=True))[0].values())
    assert f"{{W|shape [3, 4]|float32|value norm {np.linalg.norm(np.arange(12)):.4g}}}" in labels
    assert "{bias|shape [4]|float32|value [1.0, 1.0, 1.0, 1.0]}" in labels


def test_escaping():
    x = cr.tensor(1.0, requires_grad=True)
    x.name = 'a{b}|"c"'
    nodes, _ = parse(viz.to_dot(x * 2))
    assert '{a\\{b\\}\\|\\"c\\"|shape []|float32}' in nodes.values()


def test_100k_chain_without_recursion():
    x = cr.tensor(1.0, requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h * 1.0
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        dot = viz.to_dot(h)
    finally:
        sys.setrecursionlimit(limit)
    nodes, edges = parse(dot)
    assert len(nodes) == 100_002 and len(edges) == 100_001


def test_leaf_only_and_errors():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    nodes, edges = parse(viz.to_dot(w, params={"w": w}, show_values=True))
    assert list(nodes.values()) == ["{w|shape [2]|float32|value [1.0, 2.0]}"] and edges == []
    with pytest.raises(TypeError):
        viz.to_dot([1, 2])
    with pytest.raises(TypeError, match="must be a Tensor"):
        viz.to_dot(w * 2, params={"w": 1})


def test_draw_dot_suffix(tmp_path):
    loss, params, _ = seed_graph()
    out = viz.draw(loss, tmp_path / "g.dot", params=params)
    assert out == tmp_path / "g.dot" and out.read_text().startswith("digraph")


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' program not installed")
def test_draw_svg_and_png(tmp_path):
    loss, params, _ = seed_graph()
    svg = viz.draw(loss, tmp_path / "graph.svg", params=params, show_values=True)
    text = svg.read_text()
    assert "<svg" in text and "MulBackward0" in text and "ReluBackward0" in text
    png = viz.draw(loss, tmp_path / "graph.png", params=params)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.png", "graph.svg"]


def test_draw_without_graphviz_writes_dot(tmp_path):
    # run with a PATH that has no 'dot' so the fallback is exercised even where Graphviz is installed
    code = (
        "import chainrule as cr, chainrule.viz as viz\n"
        "x = cr.tensor(2.0, requires_grad=True)\n"
        f"print(viz.draw(x * x, {str(tmp_path / 'graph.svg')!r}))\n"
    )
    env = {"PATH": str(tmp_path), "PYTHONPATH": ":".join(p for p in sys.path if p)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "graph.dot")
    assert (tmp_path / "graph.dot").read_text().startswith("digraph")
    assert not (tmp_path / "graph.svg").exists()
    err = proc.stderr.strip().splitlines()
    assert len(err) == 1 and "Graphviz 'dot' not found" in err[0]
