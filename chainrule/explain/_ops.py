"""How to show the common elementwise ops: forward template, local-derivative rule, constants.

Keyed by the op class name (``type(node).__name__``), since several classes share one
torch-style node name (``Div`` and ``RDiv`` are both ``DivBackward0``). Anything not listed is
shown generically as ``opname(inputs)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OpInfo:
    #: forward expression, ``{0}``/``{1}`` are the operands, ``{p}`` a scalar parameter
    template: str
    #: local derivative of the output with respect to each operand, same placeholders
    rules: tuple[str, ...]
    #: NumPy forward, used to recover values the graph did not keep
    fn: Callable | None = None
    #: derivative is piecewise constant (0, 1, -1...), printed as an integer
    step: bool = False
    #: binary operator that needs parentheses around compound operands
    binary: bool = False

    @property
    def arity(self) -> int:
        """Operands the template shows (a scalar exponent counts, though it has no derivative)."""
        return 1 + max(int(c) for c in re.findall(r"\{(\d)\}", self.template))


def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


OPS: dict[str, OpInfo] = {
    "Add": OpInfo("{0} + {1}", ("1", "1"), np.add, step=True, binary=True),
    "Sub": OpInfo("{0} - {1}", ("1", "-1"), np.subtract, step=True, binary=True),
    "RSub": OpInfo("{1} - {0}", ("-1", "1"), lambda a, b: b - a, step=True, binary=True),
    "Mul": OpInfo("{0} * {1}", ("{1}", "{0}"), np.multiply, binary=True),
    "Div": OpInfo("{0} / {1}", ("1/{1}", "-{0}/{1}**2"), np.true_divide, binary=True),
    "RDiv": OpInfo("{1} / {0}", ("-{1}/{0}**2", "1/{0}"), lambda a, b: b / a, binary=True),
    "Neg": OpInfo("-{0}", ("-1",), np.negative, step=True, binary=True),
    "PowScalar": OpInfo("{0} ** {1}", ("{1}*{0}**({1}-1)",), np.power, binary=True),
    "Pow": OpInfo("{0} ** {1}", ("{1}*{0}**({1}-1)", "{0}**{1}*log({0})"), np.power, binary=True),
    "RPowScalar": OpInfo("{1} ** {0}", ("{1}**{0}*log({1})",), lambda a, b: np.power(b, a), binary=True),
    "Exp": OpInfo("exp({0})", ("exp({0})",), np.exp),
    "Log": OpInfo("log({0})", ("1/{0}",), np.log),
    "Sqrt": OpInfo("sqrt({0})", ("1/(2*sqrt({0}))",), np.sqrt),
    "Sin": OpInfo("sin({0})", ("cos({0})",), np.sin),
    "Cos": OpInfo("cos({0})", ("-sin({0})",), np.cos),
    "Tanh": OpInfo("tanh({0})", ("1 - tanh({0})**2",), np.tanh),
    "Sigmoid": OpInfo("sigmoid({0})", ("sigmoid({0})*(1 - sigmoid({0}))",), _sigmoid),
    "Relu": OpInfo("relu({0})", ("1 if {0} > 0 else 0",), lambda a: np.maximum(a, 0), step=True),
    "Abs": OpInfo("abs({0})", ("sign({0})",), np.abs, step=True),
    "Clone": OpInfo("{0}.clone()", ("1",), np.copy, step=True),
}

#: pass-through or piecewise-linear ops whose local derivative is a 0/±1 pattern
STEP_NODE_NAMES = frozenset(
    {
        "AddBackward0",
        "SubBackward0",
        "RsubBackward1",
        "NegBackward0",
        "ReluBackward0",
        "AbsBackward0",
        "CloneBackward0",
        "ToCopyBackward0",
        "ViewBackward0",
        "ReshapeAliasBackward0",
        "UnsqueezeBackward0",
        "SqueezeBackward0",
        "PermuteBackward0",
        "TBackward0",
        "TransposeBackward0",
        "ExpandBackward0",
        "SumBackward0",
        "SumBackward1",
        "ClampBackward1",
        "ClampMinBackward0",
        "ClampMaxBackward0",
        "MaximumBackward0",
        "MinimumBackward0",
        "MaxBackward0",
        "MinBackward0",
        "MaxBackward1",
        "MinBackward1",
        "WhereBackward0",
        "SelectBackward0",
        "SliceBackward0",
        "IndexBackward0",
        "UnbindBackward0",
        "SplitBackward0",
        "CatBackward0",
        "StackBackward0",
        "HardtanhBackward0",
        "LeakyReluBackward0",
    }
)


def op_info(node) -> OpInfo | None:
    return OPS.get(type(node).__name__)


def constant(node, i: int, values: list):
    """Value of the non-differentiable operand ``i`` of ``node`` when the node recorded it, else None.

    ``values`` holds the known forward values of the node's operands (None where unknown) and,
    last, of its output; Add/Sub keep no copy of a Python-number operand, so it is recovered from
    the output, exactly for the small numbers of hand-written examples.
    """
    name = type(node).__name__
    d = node.__dict__
    saved = getattr(node, "_saved", None)
    if name in ("Mul", "Div") and i == 0 and saved and getattr(saved[0], "_data", None) is not None:
        c = saved[0]
    elif name in ("Mul", "Div", "RDiv") and i == 1:
        c = d.get("scalar")
    elif name == "PowScalar" and i == 1:
        c = d.get("p")
    elif name == "RPowScalar" and i == 1:
        c = d.get("s")
    elif name in ("Add", "Sub", "RSub") and i == 1:
        a, out = values[0], values[-1]
        if a is None or out is None or np.shape(a) != np.shape(out):
            return None
        c = {"Add": out - a, "Sub": a - out, "RSub": out + a}[name]
        if np.ndim(c) == 0:
            c = c.item()
        else:
            return None
    else:
        return None
    if c is None:
        return None
    data = getattr(c, "_data", None)
    return data if data is not None else c
