"""Activation checkpointing (mirrors ``torch.utils.checkpoint``): trade compute for memory.

``checkpoint(fn, *args)`` keeps only ``fn``'s inputs and outputs; during backward it runs ``fn``
again with gradients on (restoring the random state first, so dropout draws the same mask) and
backpropagates through that fresh graph. Two variants, as in torch:

- reentrant (``use_reentrant=True``, the default when the argument is omitted): a single node whose
  edges are the tensor arguments. Parameters used inside ``fn`` receive their gradient from the
  inner backward directly (so ``.backward()`` works, ``autograd.grad`` with respect to them does
  not), and when no argument requires grad the output does not either.
- non-reentrant (``use_reentrant=False``): the node's edges also include every leaf that ``fn``
  reaches (its parameters), found from the graph of the first run, which is then freed; gradients
  reach parameters through the outer graph like any other op.
"""

from __future__ import annotations

import warnings

from .. import random as _random
from .._tensor import Tensor
from ..autograd import grad as _grad
from ..autograd.function import AccumulateGrad, Function
from ..autograd.grad_mode import enable_grad, no_grad

__all__ = ["checkpoint", "checkpoint_sequential"]


def _as_tuple(out):
    if isinstance(out, Tensor):
        return (out,), True
    if isinstance(out, (tuple, list)) and all(isinstance(o, Tensor) for o in out):
        return tuple(out), False
    raise TypeError(f"checkpoint: the function must return a Tensor or a tuple of Tensors, got {type(out).__name__}")


def _rerun(ctx, args):
    """Run the function again with gradients on, from detached copies of its tensor arguments."""
    detached = [a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in args]
    with _random.fork_rng(enabled=ctx.preserve):
        if ctx.preserve:
            _random.set_rng_state(ctx.rng_state)
        with enable_grad():
            outs, _ = _as_tuple(ctx.run(*detached))
    return detached, outs


class CheckpointFunction(Function):
    """Reentrant checkpoint: recompute, then ``backward`` through the fresh graph."""

    @staticmethod
    def forward(ctx, run, preserve, *args):
        ctx.run, ctx.preserve = run, preserve
        ctx.rng_state = _random.get_rng_state() if preserve else None
        ctx.args = args
        with no_grad():
            outs, single = _as_tuple(run(*args))
        ctx.single = single
        return outs[0] if single else outs

    @staticmethod
    def backward(ctx, *grads):
        from ..autograd import backward

        detached, outs = _rerun(ctx, ctx.args)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad and g is not None]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True, this checkpoint() is not necessary")
        backward([o for o, _ in pairs], [g for _, g in pairs])
        return (None, None, *[d.grad if isinstance(d, Tensor) else None for d in detached])


class _NonReentrant(Function):
    """Non-reentrant checkpoint: edges to the arguments and to the leaves ``fn`` uses."""

    @staticmethod
    def forward(ctx, run, preserve, rng_state, first, n_args, *inputs):
        ctx.run, ctx.preserve, ctx.rng_state = run, preserve, rng_state
        ctx.args, ctx.leaves = inputs[:n_args], inputs[n_args:]
        outs, single = first
        ctx.single = single
        vals = tuple(o.detach() for o in outs)
        return vals[0] if single else vals

    @staticmethod
    def backward(ctx, *grads):
        detached, outs = _rerun(ctx, ctx.args)
        wrt = [d for d in detached if isinstance(d, Tensor) and d.requires_grad] + list(ctx.leaves)
        pairs = [(o, g) for o, g in zip(outs, grads) if o.requires_grad and g is not None]
        got = iter(_grad([o for o, _ in pairs], wrt, [g for _, g in pairs], allow_unused=True) if pairs and wrt else ())
        arg_grads = [next(got, None) if isinstance(d, Tensor) and d.requires_grad else None for d in detached]
        leaf_grads = [next(got, None) for _ in ctx.leaves]
        return (None, None, None, None, None, *arg_grads, *leaf_grads)


def _leaves_of(outs, args) -> list[Tensor]:
    """Leaf tensors requiring grad that the graph of ``outs`` reaches, other than ``args``."""
    own = {id(a) for a in args if isinstance(a, Tensor)}
    seen, found, stack = set(), [], [o.grad_fn for o in outs if o.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, AccumulateGrad):
            v = node.variable
            if id(v) not in own:
                found.append(v)
            continue
        stack.extend(fn for fn, _ in node.next_functions)
    return found


def checkpoint(
    function,
    *args,
    use_reentrant: bool | None = None,
    context_fn=None,
    determinism_check: str = "default",
    debug: bool = False,
    preserve_rng_state: bool = True,
    **kwargs,
):
    """``function(*args)``, storing no intermediate activations; they are recomputed in backward."""
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if use_reentrant is None:
        warnings.warn(
            "torch.utils.checkpoint: the use_reentrant parameter should be passed explicitly. Starting in "
            "PyTorch 2.9, calling checkpoint without use_reentrant will raise an exception. use_reentrant=False "
            "is recommended, but if you need to preserve the current default behavior, you can pass "
            "use_reentrant=True. Refer to docs for more details on the differences between the two variants.",
            stacklevel=2,
        )
        use_reentrant = True
    if use_reentrant:
        if not any(isinstance(a, Tensor) and a.requires_grad for a in args):
            warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", stacklevel=2)
        return CheckpointFunction.apply(function, preserve_rng_state, *args)
    rng_state = _random.get_rng_state() if preserve_rng_state else None
    with enable_grad():
        outs, single = _as_tuple(function(*args))
    leaves = _leaves_of(outs, args)
    first = (tuple(o.detach() for o in outs), single)
    del outs  # the first graph goes now; backward builds a fresh one
    return _NonReentrant.apply(function, preserve_rng_state, rng_state, first, len(args), *args, *leaves)


def checkpoint_sequential(functions, segments: int, input, use_reentrant: bool | None = None, **kwargs):
    """Run a ``Sequential`` (or list of modules) in ``segments`` pieces, checkpointing all but the last."""
    if isinstance(functions, Tensor):
        raise TypeError("checkpoint_sequential expects a Sequential or a list of modules, not a Tensor")
    if hasattr(functions, "children") and not isinstance(functions, (list, tuple)):
        functions = list(functions.children())
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))

    def run(start, end):
        def forward(x):
            for j in range(start, end + 1):
                x = functions[j](x)
            return x

        return forward

    size = len(functions) // segments
    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run(end + 1, len(functions) - 1)(input)
