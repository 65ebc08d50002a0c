"""DistributedDataParallel: one model replica per MPI rank, gradients averaged during backward.

Gradients are packed into flat per-dtype buckets (``bucket_cap_mb``, 25 MB by default, a 1 MB
first bucket) in the order they become ready. A parameter's post-accumulate-grad hook copies its
gradient into its bucket; a full bucket starts a non-blocking allreduce at once, so
communication overlaps the rest of backward. Buckets are launched strictly in index order (MPI
needs every rank to issue collectives in one order). The hook of the last gradient waits for all
buckets and writes the averages back, so ``optimizer.step()`` right after ``loss.backward()``
sees them. The first synchronised backward records the order gradients arrived in; buckets are
then rebuilt in rank 0's order, as torch does.
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np

from ..._tensor import Tensor
from ...autograd.function import AccumulateGrad
from ...autograd.grad_mode import _state as _grad_state
from ...distributed import distributed_c10d as c10d
from ..modules.module import Module

__all__ = ["DistributedDataParallel"]

_FIRST_BUCKET_BYTES = 1024 * 1024


def _assign_buckets(params: list, order: list[int], caps: list[int]) -> list[list[int]]:
    """Group parameter indices (visited in ``order``) into per-dtype buckets; a bucket closes once it
    reaches its cap (the first cap for the first bucket of a dtype, the second cap after that)."""
    open_, level, done = {}, {}, []
    for i in order:
        d = params[i]._data
        key = d.dtype
        idx, nbytes = open_.setdefault(key, ([], 0))
        idx.append(i)
        nbytes += d.nbytes
        lv = level.get(key, 0)
        if nbytes >= caps[min(lv, len(caps) - 1)]:
            done.append(idx)
            del open_[key]
            level[key] = lv + 1
        else:
            open_[key] = (idx, nbytes)
    done.extend(idx for idx, _ in open_.values())
    pos = {i: k for k, i in enumerate(order)}
    done.sort(key=lambda b: pos[b[0]])
    return done


class _Bucket:
    __slots__ = ("members", "flat", "views", "pending", "req")

    def __init__(self, params: list, members: list[int]) -> None:
        self.members = members
        dtype = params[members[0]]._data.dtype
        self.flat = np.empty(sum(params[i]._data.size for i in members), dtype=dtype)
        self.views = {}
        off = 0
        for i in members:
            d = params[i]._data
            self.views[i] = self.flat[off : off + d.size].reshape(d.shape)
            off += d.size
        self.pending = len(members)
        self.req = None


class _Reducer:
    """Per-iteration gradient averaging state, driven by the parameters' gradient hooks."""

    def __init__(self, params: list, names: list[str], pg, caps: list[int], as_view: bool, find_unused: bool) -> None:
        self.params = params
        self.names = names
        self.pg = pg
        self.caps = caps
        self.as_view = as_view
        self.find_unused = find_unused
        order = list(range(len(params)))[::-1]
        self._build(order)
        self.rebuilt = False
        self.arrival: list[int] = []
        self.expect = False
        self.started = False
        self.ready = np.zeros(len(params), dtype=bool)
        self.unused: list[int] = []
        self.used = np.zeros(len(params), dtype=np.uint8)
        self.handles = [p.register_post_accumulate_grad_hook(self._hook(i)) for i, p in enumerate(params)]

    def _build(self, order: list[int]) -> None:
        self.buckets = [_Bucket(self.params, m) for m in _assign_buckets(self.params, order, self.caps)]
        self.where = {}
        for b in self.buckets:
            for i in b.members:
                self.where[i] = b
        self.next = 0

    def _hook(self, i: int):
        def hook(p):
            if self.expect:
                self._mark_ready(i, p._grad)

        return hook

    def prepare(self, unused: list[int]) -> None:
        """Called by forward: expect hooks from the coming backward."""
        self.expect = True
        self.unused = unused

    def _unfinished(self):
        missing = [self.names[i] for i in range(len(self.params)) if not self.ready[i]]
        raise RuntimeError(
            "Expected to have finished reduction in the prior iteration before starting a new one. This error "
            "indicates that your module has parameters that were not used in producing loss. You can enable unused "
            "parameter detection by passing the keyword argument `find_unused_parameters=True` to "
            "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
            f"participate in calculating loss.\nParameters which did not receive grad for rank "
            f"{c10d._MPI.COMM_WORLD.Get_rank()}: {', '.join(missing)}"
        )

    def _mark_ready(self, i: int, grad) -> None:
        if not self.started:
            self.started = True
            for j in self.unused:
                self._fill(j, self.params[j]._grad)
        self._fill(i, grad)
        if self.find_unused:
            self.used[i] = 1
        if not self.rebuilt:
            self.arrival.append(i)
        self._launch()

    def _fill(self, i: int, grad) -> None:
        if self.ready[i]:
            raise RuntimeError(
                f"Expected to mark a variable ready only once. Parameter {self.names[i]} received its gradient twice "
                "in one iteration (e.g. two backward passes, or a parameter shared by modules in a way DDP cannot "
                "see); use no_sync() for all but the last backward."
            )
        self.ready[i] = True
        b = self.where[i]
        view = b.views[i]
        if grad is None:
            view.fill(0)
        elif grad._data is not view:
            np.copyto(view, grad._data)
            if self.as_view:
                self.params[i]._grad = Tensor._make(view, False, None, 0)
        b.pending -= 1

    def _launch(self) -> None:
        """Start every bucket that is full and whose predecessors were started; poke MPI's progress."""
        MPI = c10d._MPI
        size = self.pg._size
        buckets = self.buckets
        while self.next < len(buckets) and buckets[self.next].pending == 0:
            b = buckets[self.next]
            np.divide(b.flat, size, out=b.flat)
            b.req = self.pg._comm.Iallreduce(MPI.IN_PLACE, b.flat, op=MPI.SUM)
            self.next += 1
        if self.next == len(buckets):
            self._finalize()
            return
        # MPI advances non-blocking collectives only inside MPI calls
        MPI.Request.Testall([b.req for b in buckets[: self.next]])

    def _finalize(self) -> None:
        MPI = c10d._MPI
        reqs = [b.req for b in self.buckets]
        used = None
        if self.find_unused:
            used = self.used
            reqs.append(self.pg._comm.Iallreduce(MPI.IN_PLACE, used, op=MPI.MAX))
        c10d._wait(reqs, self.pg, "DistributedDataParallel gradient allreduce")
        for b in self.buckets:
            b.req = None
            for i in b.members:
                p = self.params[i]
                g = p._grad
                view = b.views[i]
                if g is None:
                    if used is None or used[i]:
                        p._grad = Tensor._make(view if self.as_view else view.copy(), False, None, 0)
                elif g._data is not view and (used is None or used[i]):
                    np.copyto(g._data, view)
            b.pending = len(b.members)
        self.next = 0
        self.ready[:] = False
        self.used[:] = 0
        self.started = False
        self.expect = False
        if not self.rebuilt:
            self._rebuild()

    def _rebuild(self) -> None:
        """Re-bucket by the order gradients arrived on rank 0 in the first iteration."""
        self.rebuilt = True
        order = np.full(len(self.params), -1, dtype=np.int64)
        seen = list(dict.fromkeys(self.arrival))
        got = set(seen)
        rest = [i for i in range(len(self.params))[::-1] if i not in got]
        order[:] = seen + rest
        c10d._wait([self.pg._comm.Ibcast(order, root=0)], self.pg, "DistributedDataParallel bucket rebuild")
        old = {i: b.views[i] for b in self.buckets for i in b.members}
        self._build(order.tolist())
        if self.as_view:
            for i, p in enumerate(self.params):
                g = p._grad
                if g is not None and g._data is old[i]:
                    view = self.where[i].views[i]
                    np.copyto(view, g._data)
                    p._grad = Tensor._make(view, False, None, 0)
        self.arrival = []


def _tensors_in(obj, out: list) -> list:
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (list, tuple)):
        for o in obj:
            _tensors_in(o, out)
    elif isinstance(obj, dict):
        for o in obj.values():
            _tensors_in(o, out)
    return out


def _reachable_leaves(outputs: list) -> set[int]:
    """ids of the leaf tensors whose gradient accumulators the outputs' graphs reach."""
    seen, leaves = set(), set()
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    for t in outputs:
        if t.grad_fn is None and t._rg:
            leaves.add(id(t))
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad:
            leaves.add(id(node.variable))
        else:
            stack.extend(node._next)
    return leaves


class DistributedDataParallel(Module):
    """Data parallelism over MPI ranks (mirrors ``torch.nn.parallel.DistributedDataParallel``).

    Construction broadcasts rank 0's parameters and buffers; every backward averages gradients
    across ranks, so N ranks with batch B step like one process with batch N*B.
    """

    def __init__(
        self,
        module: Module,
        device_ids=None,
        output_device=None,
        dim: int = 0,
        broadcast_buffers: bool = True,
        init_sync: bool = True,
        process_group=None,
        bucket_cap_mb: float | None = None,
        find_unused_parameters: bool = False,
        check_reduction: bool = False,
        gradient_as_bucket_view: bool = False,
        static_graph: bool = False,
        **kwargs,
    ) -> None:
        super().__init__()
        if device_ids:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with single-device/"
                f"multiple-device GPU modules or CPU modules, but got device_ids {device_ids}, output_device "
                f"{output_device}, and module parameters {{device(type='cpu')}}."
            )
        pg = c10d._resolve(process_group)
        if pg is None:
            raise ValueError("DistributedDataParallel: this rank is not a member of the given process group")
        self.module = module
        self.process_group = pg
        self.dim = dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = static_graph
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise RuntimeError(
                "DistributedDataParallel is not needed when a module doesn't have any parameter that requires a "
                "gradient."
            )
        self._verify_same_model(named)
        if init_sync:
            self._broadcast([p for _, p in module.named_parameters()] + list(module.buffers()))
        # torch: a small first bucket (quick first allreduce) only with the default cap
        first = _FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap
        self._reducer = _Reducer(
            [p for _, p in named],
            [n for n, _ in named],
            pg,
            [min(first, self.bucket_bytes_cap), self.bucket_bytes_cap],
            gradient_as_bucket_view,
            find_unused_parameters,
        )

    def _verify_same_model(self, named: list) -> None:
        mine = [(n, tuple(p.shape), str(p._data.dtype)) for n, p in named]
        every = self.process_group._comm.allgather(mine)
        ref = every[0]
        for r, other in enumerate(every):
            if len(other) != len(ref):
                raise RuntimeError(
                    f"DDP expects same model across all ranks, but Rank 0 has {len(ref)} params, while rank {r} has "
                    f"inconsistent {len(other)} params."
                )
            for (n0, s0, d0), (n1, s1, d1) in zip(ref, other):
                if (s0, d0) != (s1, d1):
                    raise RuntimeError(
                        f"DDP expects same model across all ranks, but rank 0 has parameter {n0} of shape "
                        f"{list(s0)} ({d0}) while rank {r} has {n1} of shape {list(s1)} ({d1})."
                    )

    def _broadcast(self, tensors: list) -> None:
        """Overwrite ``tensors`` with rank 0's values (one non-blocking broadcast per tensor, into its memory)."""
        if self.process_group._size == 1 or not tensors:
            return
        comm = self.process_group._comm
        reqs, backs = [], []
        for t in tensors:
            d = t._data
            if d.flags.c_contiguous and d.flags.writeable:
                reqs.append(comm.Ibcast(d, root=0))
            else:
                tmp = np.ascontiguousarray(d)
                backs.append((d, tmp))
                reqs.append(comm.Ibcast(tmp, root=0))
        c10d._wait(reqs, self.process_group, "DistributedDataParallel broadcast")
        for d, tmp in backs:
            d[...] = tmp

    def forward(self, *inputs, **kwargs):
        sync = _grad_state.enabled and self.require_backward_grad_sync
        if sync and self._reducer.started:
            self._reducer._unfinished()
        # as torch: buffers follow rank 0 only in synchronised training forwards, never under no_grad
        self.require_forward_param_sync = sync
        if sync and self.broadcast_buffers:
            self._broadcast(list(self.module.buffers()))
        out = self.module(*inputs, **kwargs)
        if sync:
            unused = []
            if self.find_unused_parameters:
                reach = _reachable_leaves(_tensors_in(out, []))
                unused = [i for i, p in enumerate(self._reducer.params) if id(p) not in reach]
            self._reducer.prepare(unused)
        else:
            self._reducer.expect = False
        return out

    @contextmanager
    def no_sync(self):
        """Accumulate gradients locally (no communication) inside the block; the next synchronised
        backward averages the accumulated sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old
