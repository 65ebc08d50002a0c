"""Backpropagation under the hood: ``chainrule.explain(loss)`` shows what ``loss.backward()`` computes.

Example::

    x = torch.tensor(2.0, requires_grad=True)
    w1 = torch.tensor(0.5, requires_grad=True)
    w2 = torch.tensor(1.5, requires_grad=True)
    z1 = w1 * x; a1 = torch.relu(z1); y = w2 * a1
    loss = (y - 3.0) ** 2
    print(torch.explain(loss, names={"x": x, "w1": w1, "w2": w2, "z1": z1, "a1": a1, "y": y}))

prints the forward values, every backward step (upstream gradient × local derivative), and for
each leaf the chain-rule product, e.g.
``∂L/∂w1 = ∂L/∂y × ∂y/∂a1 × ∂a1/∂z1 × ∂z1/∂w1 = -3.0 × 1.5 × 1 × 2.0 = -9.0``.

The module itself is callable, so ``chainrule.explain(loss)`` and
``from chainrule.explain import Trace`` both work.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

import numpy as np

from ._chain import Chain, Path
from ._render import _count, render
from ._trace import TraceNode, build_trace

__all__ = ["explain", "Trace", "TraceNode", "Chain", "Path"]


@dataclass
class Trace:
    """What backward does for one output: nodes in evaluation order, each with its gradients."""

    nodes: list[TraceNode]
    root: TraceNode
    #: the gradient backward starts from (1 for a scalar output)
    seed: np.ndarray
    chains: list[Chain]
    #: names passed in ``names=`` whose tensors are not part of this graph
    unused_names: list[str] = field(default_factory=list)

    def __getitem__(self, name: str) -> TraceNode:
        for tn in self.nodes:
            if tn.name == name:
                return tn
        raise KeyError(f"no value named {name!r} in this trace (names: {', '.join(t.name for t in self.nodes)})")

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def leaves(self) -> list[TraceNode]:
        return [tn for tn in self.nodes if tn.is_leaf]

    @property
    def grads(self) -> dict[str, np.ndarray | None]:
        """d(root)/d(leaf) for every leaf, by name: what backward() would add to each ``.grad``."""
        return {tn.name: tn.grad for tn in self.leaves}

    def render(self, max_nodes: int = 200) -> str:
        """The full text: forward values, backward steps, leaf gradients, chain-rule products.

        Graphs with more than ``max_nodes`` ops show the first and last ones only.
        """
        return render(self, max_nodes)

    def __str__(self) -> str:
        return self.render()

    def __repr__(self) -> str:
        n_leaf = len(self.leaves)
        leaves, ops = _count(n_leaf, "leaf", "leaves"), _count(len(self.nodes) - n_leaf, "op", "ops")
        return f"<Trace of {self.root.name}: {leaves}, {ops}>"


def explain(tensor, names=None, gradient=None, max_paths: int = 16) -> Trace:
    """Trace how backward would compute d(tensor)/d(leaf) for every leaf, without running it.

    ``names`` maps names to tensors (leaves or intermediates) of the graph, e.g.
    ``{"w1": w1, "z1": z1}`` or ``dict(model.named_parameters())``. A ``.name`` set on a leaf (or on
    an intermediate that the graph keeps for backward) names it too; other values get their op's
    name (``mul``, ``relu_1``) and the output is ``L``. When
    intermediates are named, chain-rule products run through the named values only.
    ``gradient`` seeds a non-scalar output (as in ``backward(gradient)``). Leaves with more than
    ``max_paths`` paths from the output show the sum without listing every path.

    Nothing in the graph is freed and no ``.grad`` is written, so explain() may be called before
    or after ``backward(retain_graph=True)``. Tensor and node hooks are not run.
    """
    return build_trace(tensor, names, gradient, max_paths)


class _CallableModule(types.ModuleType):
    def __call__(self, tensor, names=None, gradient=None, max_paths: int = 16) -> Trace:
        return explain(tensor, names, gradient, max_paths)


sys.modules[__name__].__class__ = _CallableModule
