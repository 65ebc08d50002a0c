"""NumPy meeting a Tensor: what ``np.exp(t)``, ``array * t`` and ``np.asarray(t)`` do.

NumPy ufuncs called on a Tensor run the chainrule op of the same meaning, so the result is a Tensor
and gradients flow (``np.exp(t)`` is ``chainrule.exp(t)``; ``array * t`` is ``chainrule.mul``). A
ufunc chainrule has no op for, a ufunc method (``np.add.reduce``) or an ``out=`` argument (which is
what ``array += t`` passes) raises a TypeError that names what to use instead, rather than NumPy's
bare "operand does not support ufuncs". Converting a tensor that requires grad into an array (which
NumPy functions such as ``np.concatenate`` do implicitly) raises torch's RuntimeError instead of
silently dropping the graph.
"""

from __future__ import annotations

import numpy as np

# NumPy ufunc name -> chainrule function (torch names; looked up lazily, so ops added later light up)
_NAMES = {
    "add": "add",
    "subtract": "sub",
    "multiply": "mul",
    "divide": "div",
    "floor_divide": "floor_divide",
    "remainder": "remainder",
    "fmod": "fmod",
    "power": "pow",
    "float_power": "float_power",
    "negative": "neg",
    "absolute": "abs",
    "fabs": "abs",
    "sign": "sign",
    "exp": "exp",
    "exp2": "exp2",
    "expm1": "expm1",
    "log": "log",
    "log2": "log2",
    "log10": "log10",
    "log1p": "log1p",
    "sqrt": "sqrt",
    "square": "square",
    "reciprocal": "reciprocal",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "arctan2": "atan2",
    "sinh": "sinh",
    "cosh": "cosh",
    "tanh": "tanh",
    "arcsinh": "asinh",
    "arccosh": "acosh",
    "arctanh": "atanh",
    "hypot": "hypot",
    "logaddexp": "logaddexp",
    "logaddexp2": "logaddexp2",
    "maximum": "maximum",
    "minimum": "minimum",
    "fmax": "fmax",
    "fmin": "fmin",
    "floor": "floor",
    "ceil": "ceil",
    "trunc": "trunc",
    "rint": "round",
    "equal": "eq",
    "not_equal": "ne",
    "less": "lt",
    "less_equal": "le",
    "greater": "gt",
    "greater_equal": "ge",
    "logical_and": "logical_and",
    "logical_or": "logical_or",
    "logical_xor": "logical_xor",
    "logical_not": "logical_not",
    "isnan": "isnan",
    "isinf": "isinf",
    "isfinite": "isfinite",
    "copysign": "copysign",
    "matmul": "matmul",
    "bitwise_and": "bitwise_and",
    "bitwise_or": "bitwise_or",
    "bitwise_xor": "bitwise_xor",
    "invert": "bitwise_not",
}
_HINT = "or convert explicitly with tensor.detach().numpy() to work on a plain array (no gradient)"


def array_ufunc(ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict):
    """``Tensor.__array_ufunc__``: run the matching chainrule op, or raise a TypeError saying what to use."""
    import chainrule

    uname = ufunc.__name__
    name = _NAMES.get(uname)
    fn = getattr(chainrule, name, None) if name is not None else None
    if "out" in kwargs:
        raise TypeError(
            f"numpy.{uname} with out= cannot write a chainrule Tensor result into an array (this is what "
            "`array += tensor` does): write `array = array + tensor` to get a Tensor, " + _HINT
        )
    if method != "__call__":
        raise TypeError(
            f"numpy.{uname}.{method}() is not supported on a chainrule Tensor: use the chainrule function "
            "(e.g. chainrule.sum, chainrule.cumsum, chainrule.amax), " + _HINT
        )
    if fn is None:
        raise TypeError(
            f"numpy.{uname}() is not supported on a chainrule Tensor: chainrule has no op for it that autograd "
            "could record. Use a chainrule function or Tensor method, " + _HINT
        )
    if kwargs:
        raise TypeError(
            f"numpy.{uname}() on a chainrule Tensor takes no keyword arguments (got {', '.join(kwargs)}): "
            f"call chainrule.{name}() directly, " + _HINT
        )
    return fn(*_operands(inputs))


def _operands(inputs: tuple) -> list:
    """NumPy operands as chainrule ones: arrays become tensors, scalars 0-d tensors (which promote as scalars do)."""
    from ._creation import from_numpy, tensor
    from ._tensor import Tensor

    out = []
    for x in inputs:
        if isinstance(x, np.generic):
            x = x.item()
        if isinstance(x, np.ndarray):
            x = from_numpy(x)
        elif not isinstance(x, Tensor):
            x = tensor(x)
        out.append(x)
    return out


def refuse_conversion() -> None:
    raise RuntimeError(
        "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead. (NumPy functions "
        "such as numpy.concatenate or numpy.dot convert their arguments to arrays, which would drop the autograd "
        "graph: use the chainrule function, e.g. chainrule.cat or chainrule.matmul, to keep gradients.)"
    )
