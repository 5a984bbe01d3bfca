"""Run one pure computation in a forked child while this process goes on with others.

The analyzers are Python work that holds the GIL, so threads cannot run two of them at
once; a forked child can, on the machine's second core, and it needs no copy of its input:
it inherits the parent's memory (copy-on-write), and only its result comes back, pickled
through a pipe. :mod:`jettison.inspect.analyze` computes dive's figures this way on large
images (the synthetic 500,000-entry image: 1.2 s beside the 5 s of attribution and causes).

The child only computes and writes its result; it never prints, logs or touches the
progress display, whose thread (like every other thread) does not exist in it. Whatever goes
wrong in the child (an exception, a kill, a result that does not pickle) is not reported
from there: the parent runs the computation itself, so errors surface as they would without
the fork, with their traceback in this process. Where fork is missing (not Linux) or fails,
the computation runs in the parent at once.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")

CAN_FORK = sys.platform.startswith("linux") and hasattr(os, "fork")
"""Linux only: macOS's system libraries are not fork-safe in a process that has threads."""


def cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


class Forked(Generic[T]):
    """``work()`` computed in a forked child from ``__enter__`` on; :meth:`result` waits for
    it. Leaving the block kills and reaps a child still running (the parent failed, or never
    asked for the result)."""

    def __init__(self, work: Callable[[], T], *, fork: bool = True) -> None:
        """``fork=False``: ``work()`` runs in this process on ``__enter__``, before the
        block's own work (the same calls and order as without this class)."""
        self._work = work
        self._fork = fork and CAN_FORK
        self._pid: int | None = None
        self._pipe: int | None = None
        self._value: tuple[T] | None = None

    def __enter__(self) -> Forked[T]:
        if not self._fork:
            self._value = (self._work(),)
            return self
        read_end, write_end = os.pipe()
        try:
            with warnings.catch_warnings():
                # Python 3.12+ warns that fork() in a process with threads may deadlock the
                # child: that is about a child that takes a lock another thread held, which
                # this one never does (see the module's docstring).
                warnings.simplefilter("ignore", DeprecationWarning)
                pid = os.fork()
        except OSError:  # out of processes or memory: compute here instead
            os.close(read_end)
            os.close(write_end)
            self._value = (self._work(),)
            return self
        if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            _child(self._work, read_end, write_end)
        os.close(write_end)
        self._pid, self._pipe = pid, read_end
        return self

    def result(self) -> T:
        """The child's result; if it has none, ``work()`` run here (raising what it raises)."""
        if self._value is not None:
            return self._value[0]
        if self._pid is None or self._pipe is None:
            raise RuntimeError("Forked.result() outside its with-block")
        with os.fdopen(self._pipe, "rb") as pipe:
            self._pipe = None
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        self._value = (self._received(data) if status == 0 and data else self._work(),)
        return self._value[0]

    def _received(self, data: bytes) -> T:
        try:
            value: T = pickle.loads(data)
        except Exception:  # a result that does not load here: computed here instead
            return self._work()
        return value

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._pipe is not None:
            os.close(self._pipe)
            self._pipe = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None


def _child(work: Callable[[], object], read_end: int, write_end: int) -> None:  # pragma: no cover
    """Compute, send the pickled result, leave without running the parent's exit handlers
    (which would flush its buffers a second time). Exit status 1: nothing sent."""
    status = 1
    try:
        os.close(read_end)
        data = pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)
        status = 0
    except BaseException:  # the parent computes it again and reports the error
        pass
    finally:
        os._exit(status)
