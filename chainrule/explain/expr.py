"""Build a graph from a small arithmetic expression, safely (parsed with ``ast``, never evaluated).

Allowed: numbers, variable names, ``+ - * / **``, unary ``-``/``+``, parentheses, and one-argument
calls of relu, tanh, sigmoid, exp, log, sin, cos, sqrt, abs.
"""

from __future__ import annotations

import ast
import math

import numpy as np

FUNCTIONS = ("relu", "tanh", "sigmoid", "exp", "log", "sin", "cos", "sqrt", "abs")
MAX_LENGTH = 1000

_BINOPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class ExprError(ValueError):
    """The expression is not in the allowed subset, or uses a variable without a value."""


def _np_func(name):
    if name == "relu":
        return lambda v: np.maximum(v, 0.0)
    if name == "sigmoid":
        return lambda v: 1.0 / (1.0 + np.exp(-v))
    return getattr(np, name)


def parse(text: str) -> ast.Expression:
    """Parse and check ``text``; raises ExprError naming the first disallowed construct."""
    if not text.strip():
        raise ExprError("empty expression")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as e:
        where = f" at column {e.offset}" if e.offset else ""
        raise ExprError(f"invalid syntax{where}: {e.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExprError("expression too deeply nested") from None
    for node in ast.walk(tree):
        _check(node)
    return tree


def _check(node) -> None:
    where = f" at column {node.col_offset + 1}" if hasattr(node, "col_offset") else ""
    if isinstance(node, (ast.Expression, ast.Load)) or type(node) in _BINOPS:
        return
    if isinstance(node, (ast.USub, ast.UAdd)):
        return
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINOPS:
            raise ExprError(f"operator {type(node.op).__name__}{where} is not allowed (use + - * / **)")
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise ExprError(f"unary operator {type(node.op).__name__}{where} is not allowed")
        return
    if isinstance(node, ast.Constant):
        if type(node.value) not in (int, float):
            raise ExprError(f"constant {node.value!r}{where} is not a number")
        return
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            return
        if not node.id.isidentifier() or node.id.startswith("_"):
            raise ExprError(f"name {node.id!r}{where} is not allowed")
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            fn = ast.unparse(node.func)
            raise ExprError(f"function {fn!r}{where} is not allowed (allowed: {', '.join(FUNCTIONS)})")
        if len(node.args) != 1 or node.keywords:
            raise ExprError(f"{node.func.id}() takes exactly one argument{where}")
        return
    raise ExprError(f"{type(node).__name__}{where} is not allowed in an expression")


def variables(tree: ast.Expression) -> list[str]:
    """Variable names in order of first use."""
    found = sorted((n.col_offset, n.id) for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS)
    out = []
    for _, name in found:
        if name not in out:
            out.append(name)
    return out


def build(text: str, values: dict[str, float], dtype=None):
    """Evaluate ``text`` on fresh leaf tensors (requires_grad) holding ``values``.

    Returns ``(output, leaves)``: the output Tensor and ``{name: leaf}`` in order of first use.
    """
    import chainrule as cr

    tree = parse(text)
    names = variables(tree)
    missing = [n for n in names if n not in values]
    if missing:
        raise ExprError(f"no value for {', '.join(missing)} (give one with --set {missing[0]}=VALUE)")
    unused = [n for n in values if n not in names]
    if unused:
        raise ExprError(f"{', '.join(unused)} set but not used in the expression")
    for n in names:
        if not math.isfinite(float(values[n])):
            raise ExprError(f"value of {n} is not a finite number")
    leaves = {n: cr.tensor(float(values[n]), dtype=dtype, requires_grad=True) for n in names}
    for n, t in leaves.items():
        t.name = n
    out = _eval(tree.body, leaves)
    if not isinstance(out, cr.Tensor):
        raise ExprError("the expression has no variables, so there is nothing to differentiate")
    return out, leaves


def _eval(node, leaves):
    # expressions are capped at MAX_LENGTH characters, so recursion depth stays small
    import chainrule as cr

    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise ExprError(f"function {node.id} used without a call")
        return leaves[node.id]
    if isinstance(node, ast.UnaryOp):
        v = _eval(node.operand, leaves)
        return -v if isinstance(node.op, ast.USub) else +v
    if isinstance(node, ast.Call):
        v = _eval(node.args[0], leaves)
        with np.errstate(all="ignore"):
            if isinstance(v, cr.Tensor):
                return getattr(cr, node.func.id)(v)
            return float(_np_func(node.func.id)(np.float64(v)))
    if isinstance(node, ast.BinOp):
        a, b = _eval(node.left, leaves), _eval(node.right, leaves)
        op = _BINOPS[type(node.op)]
        if not isinstance(a, cr.Tensor) and not isinstance(b, cr.Tensor):
            with np.errstate(all="ignore"):
                return float(_apply(op, np.float64(a), np.float64(b)))
        return _apply(op, a, b)
    raise ExprError(f"{type(node).__name__} is not allowed in an expression")


def _apply(op, a, b):
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        return a / b
    return a**b
