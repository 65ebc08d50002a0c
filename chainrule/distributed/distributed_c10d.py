"""Process groups over MPI: initialisation, groups, work handles, fault handling.

MPI (mpi4py) is imported only when a process group is created, so ``import chainrule`` works
without it. ``mpiexec`` does the rendezvous: rank and world size come from MPI itself.

Every wait polls ``Testall`` (a short busy spin, then growing sleeps) against the group's
timeout instead of blocking inside MPI: a rank that vanished turns into a ``DistBackendError``
after ``timeout`` rather than a hang, and waiting ranks yield the CPU on oversubscribed hosts.
An uncaught exception on any rank prints its traceback and aborts the whole MPI job.
"""

from __future__ import annotations

import enum
import importlib.util
import os
import sys
import time
from datetime import timedelta

__all__ = [
    "Backend",
    "DistBackendError",
    "DistError",
    "DistNetworkError",
    "DistStoreError",
    "GroupMember",
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "default_pg_timeout",
    "destroy_process_group",
    "get_backend",
    "get_rank",
    "get_world_size",
    "group",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "is_nccl_available",
    "new_group",
]

default_pg_timeout = timedelta(minutes=30)

_NOT_INIT = "Default process group has not been initialized, please make sure to call init_process_group."
_SPIN = 500  # Testall polls before the first sleep (about half a millisecond)
_MAX_SLEEP = 5e-4
_ABORT_GRACE = 0.5


class DistError(RuntimeError):
    """Base of distributed errors (mirrors ``torch.distributed.DistError``)."""


class DistBackendError(DistError):
    """A collective or point-to-point operation failed or timed out."""


class DistNetworkError(DistError):
    pass


class DistStoreError(DistError):
    pass


for _cls in (DistError, DistBackendError, DistNetworkError, DistStoreError):
    _cls.__module__ = "chainrule.distributed"


class Backend(str):
    """Backend names; chainrule runs every process group on MPI."""

    MPI = "mpi"
    GLOO = "gloo"
    NCCL = "nccl"
    UNDEFINED = "undefined"

    def __new__(cls, name: str):
        return str.__new__(cls, name.lower())


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7
    PREMUL_SUM = 8


class ReduceOp:
    """Reduction operations for ``all_reduce``, ``reduce`` and ``reduce_scatter``."""

    RedOpType = RedOpType
    SUM = RedOpType.SUM
    AVG = RedOpType.AVG
    PRODUCT = RedOpType.PRODUCT
    MIN = RedOpType.MIN
    MAX = RedOpType.MAX
    BAND = RedOpType.BAND
    BOR = RedOpType.BOR
    BXOR = RedOpType.BXOR
    PREMUL_SUM = RedOpType.PREMUL_SUM


_MPI = None


def _mpi():
    """The ``mpi4py.MPI`` module (importing it initialises MPI)."""
    global _MPI
    if _MPI is None:
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise RuntimeError(
                "chainrule.distributed needs mpi4py and an MPI runtime: pip install 'chainrule[distributed]'"
            ) from e
        _MPI = MPI
    return _MPI


def is_available() -> bool:
    """True when mpi4py can be imported (the only backend chainrule has)."""
    return importlib.util.find_spec("mpi4py") is not None


is_mpi_available = is_available


def is_nccl_available() -> bool:
    return False


class ProcessGroup:
    """A communicator over a set of global ranks, with the timeout its waits use."""

    def __init__(self, comm, ranks: list[int], timeout: float) -> None:
        self._comm = comm
        self._ranks = ranks
        self._index = {g: i for i, g in enumerate(ranks)}
        self._rank = comm.Get_rank()
        self._size = comm.Get_size()
        self._timeout = timeout

    def rank(self) -> int:
        return self._rank

    def size(self) -> int:
        return self._size

    def name(self) -> str:
        return "MPI"

    def group_rank(self, global_rank: int, what: str) -> int:
        """Rank inside this group of ``global_rank`` (what names the argument in the error)."""
        r = self._index.get(global_rank)
        if r is None:
            raise ValueError(f"Global rank {global_rank} ({what}) is not part of group with ranks {self._ranks}")
        return r

    def __repr__(self) -> str:
        return f"ProcessGroup(backend=mpi, ranks={self._ranks})"


_NON_MEMBER = object()


class _GroupMeta(type):
    @property
    def WORLD(cls):
        return _state.world


class GroupMember(metaclass=_GroupMeta):
    """``GroupMember.WORLD`` is the default group; ``NON_GROUP_MEMBER`` what ``new_group`` gives outsiders."""

    NON_GROUP_MEMBER = _NON_MEMBER


class group(metaclass=_GroupMeta):
    """``group.WORLD``: the default process group (None before initialisation)."""


class _State:
    world: ProcessGroup | None = None
    groups: list = []
    checks: bool = True
    prev_hook = None


_state = _State()


def is_initialized() -> bool:
    return _state.world is not None


def _timeout_s(timeout) -> float:
    if timeout is None:
        return default_pg_timeout.total_seconds()
    if isinstance(timeout, timedelta):
        return timeout.total_seconds()
    return float(timeout)


def init_process_group(
    backend: str | None = None,
    init_method: str | None = None,
    timeout: timedelta | None = None,
    world_size: int = -1,
    rank: int = -1,
    store=None,
    group_name: str = "",
    pg_options=None,
    device_id=None,
) -> None:
    """Create the default process group from the processes ``mpiexec`` started.

    ``backend`` may be "mpi" or "gloo" (CPU programs written for gloo run unchanged on MPI);
    ``init_method`` "env://", "tcp://..." or "file://..." is accepted and unused, since mpiexec
    already connected the ranks; an explicit ``world_size``/``rank`` must agree with MPI's.
    """
    if _state.world is not None:
        raise ValueError("trying to initialize the default process group twice!")
    if backend is not None:
        name = str(backend).lower().split(":")[-1]
        if name == "nccl":
            raise RuntimeError("Distributed package doesn't have NCCL built in")
        if name not in ("mpi", "gloo"):
            raise ValueError(f"Invalid backend: '{backend}'; chainrule.distributed runs on 'mpi'")
    if init_method is not None and not str(init_method).startswith(("env://", "tcp://", "file://", "mpi://")):
        raise ValueError(f"init_method {init_method!r}: expected env://, tcp://, file:// or mpi://")
    if store is not None:
        raise ValueError("init_process_group: a store is not used under MPI (mpiexec connects the ranks)")
    MPI = _mpi()
    world = MPI.COMM_WORLD
    size, me = world.Get_size(), world.Get_rank()
    if world_size not in (-1, None) and int(world_size) != size:
        raise ValueError(
            f"init_process_group(world_size={world_size}) but mpiexec started {size} process(es); "
            f"run with mpiexec -n {world_size}"
        )
    if rank not in (-1, None) and int(rank) != me:
        raise ValueError(f"init_process_group(rank={rank}) but MPI assigned this process rank {me}")
    # a private communicator: user code on COMM_WORLD cannot interleave with ours
    comm = world.Dup()
    _state.world = ProcessGroup(comm, list(range(size)), _timeout_s(timeout))
    _state.groups = [_state.world]
    _state.checks = os.environ.get("CHAINRULE_DIST_CHECKS", "1").lower() not in ("0", "off", "false", "no")
    _install_excepthook()


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Free a group's communicator; without an argument, tear down every group."""
    if _state.world is None:
        raise AssertionError("Process group cannot be None")
    if group is None or group is _state.world:
        for g in _state.groups:
            g._comm.Free()
        _state.world = None
        _state.groups = []
        _restore_excepthook()
    elif group is not _NON_MEMBER:
        group._comm.Free()
        _state.groups.remove(group)


def _default() -> ProcessGroup:
    if _state.world is None:
        raise ValueError(_NOT_INIT)
    return _state.world


def _resolve(group) -> ProcessGroup | None:
    """The ProcessGroup to run on; None when this rank is not a member."""
    if _state.world is None:
        raise ValueError(_NOT_INIT)
    if group is None:
        return _state.world
    if group is _NON_MEMBER:
        return None
    return group


def get_rank(group: ProcessGroup | None = None) -> int:
    pg = _resolve(group)
    return -1 if pg is None else pg._rank


def get_world_size(group: ProcessGroup | None = None) -> int:
    pg = _resolve(group)
    return -1 if pg is None else pg._size


def get_backend(group: ProcessGroup | None = None) -> str:
    _resolve(group)
    return Backend.MPI


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False, **kwargs):
    """A group over ``ranks`` (global ranks); every rank of the default group must call it."""
    world = _default()
    ranks = list(range(world._size)) if ranks is None else sorted(int(r) for r in ranks)
    for r in ranks:
        if not 0 <= r < world._size:
            raise ValueError(f"new_group: rank {r} is out of range for world size {world._size}")
    if len(set(ranks)) != len(ranks):
        raise ValueError(f"new_group: duplicate ranks in {ranks}")
    mpi_group = world._comm.Get_group().Incl(ranks)
    comm = world._comm.Create(mpi_group)
    mpi_group.Free()
    if comm == _mpi().COMM_NULL:
        return _NON_MEMBER
    pg = ProcessGroup(comm, ranks, _timeout_s(timeout) if timeout is not None else world._timeout)
    _state.groups.append(pg)
    return pg


class Work:
    """Handle of an asynchronous operation: ``wait()`` blocks until done (or the timeout)."""

    __slots__ = ("_reqs", "_pg", "_name", "_finish", "_result", "_done", "_status")

    def __init__(self, reqs, pg: ProcessGroup, name: str, finish=None, result=(), status=None) -> None:
        self._reqs = reqs
        self._pg = pg
        self._name = name
        self._finish = finish
        self._result = result
        self._done = False
        self._status = status

    def _complete(self) -> None:
        self._done = True
        if self._finish is not None:
            f, self._finish = self._finish, None
            f()

    def is_completed(self) -> bool:
        st = None if self._status is None else [self._status]
        if not self._done and _mpi().Request.Testall(self._reqs, st):
            self._complete()
        return self._done

    def wait(self, timeout: timedelta | None = None) -> bool:
        if not self._done:
            st = None if self._status is None else [self._status]
            _wait(self._reqs, self._pg, self._name, None if timeout is None else _timeout_s(timeout), st)
            self._complete()
        return True

    def is_success(self) -> bool:
        return self.is_completed()

    def exception(self):
        return None

    def result(self) -> list:
        self.wait()
        return list(self._result)

    def source_rank(self) -> int:
        """Global rank a completed ``irecv`` received from."""
        self.wait()
        if self._status is None:
            raise RuntimeError("source_rank() is only defined for recv operations")
        return self._pg._ranks[self._status.Get_source()]

    def __repr__(self) -> str:
        return f"Work({self._name}, completed={self._done})"


def _wait(reqs, pg: ProcessGroup, name: str, timeout: float | None = None, statuses=None) -> None:
    """Complete ``reqs`` or raise DistBackendError once ``timeout`` (default: the group's) has passed."""
    testall = _MPI.Request.Testall
    for _ in range(_SPIN):
        if testall(reqs, statuses):
            return
    limit = pg._timeout if timeout is None else timeout
    deadline = time.monotonic() + limit
    delay = 1e-5
    while not testall(reqs, statuses):
        if time.monotonic() > deadline:
            raise DistBackendError(
                f"[rank {_MPI.COMM_WORLD.Get_rank()}] {name} timed out after {limit:g} s waiting for the other "
                "ranks: one may have exited, crashed or be running a different collective"
            )
        time.sleep(delay)
        delay = min(delay * 1.5, _MAX_SLEEP)


# -- faults --------------------------------------------------------------------------------


def _abort_hook(exc_type, exc, tb) -> None:
    """Print the error of this rank, then abort every rank so none waits forever for it."""
    prev = _state.prev_hook or sys.__excepthook__
    size = _MPI.COMM_WORLD.Get_size()
    if size == 1:  # nobody to stop: exit as Python would
        prev(exc_type, exc, tb)
        return
    try:
        prev(exc_type, exc, tb)
        sys.stderr.write(
            f"chainrule.distributed: rank {_MPI.COMM_WORLD.Get_rank()} of {size} failed with {exc_type.__name__}; "
            "aborting the MPI job\n"
        )
        sys.stdout.flush()
        sys.stderr.flush()
        # the launcher forwards output through a proxy that the abort kills: let it drain first
        time.sleep(_ABORT_GRACE)
    finally:
        _abort(1)


def _abort(code: int) -> None:
    """End the whole MPI job now. MPI_Abort can return before the launcher acts on it; exiting
    right away keeps this rank from running on (or hanging in MPI_Finalize), and the launcher
    stops the others when it sees this rank gone."""
    try:
        _MPI.COMM_WORLD.Abort(code)
    finally:
        os._exit(code)


def _install_excepthook() -> None:
    if sys.excepthook is not _abort_hook:
        _state.prev_hook = sys.excepthook
        sys.excepthook = _abort_hook


def _restore_excepthook() -> None:
    if sys.excepthook is _abort_hook:
        sys.excepthook = _state.prev_hook or sys.__excepthook__
    _state.prev_hook = None
