"""Run pure computations in a forked child while this process goes on with others.

The analyzers are Python work that holds the GIL, so threads cannot run two of them at
once; a forked child can, on the machine's second core, and it needs no copy of its input:
it inherits the parent's memory (copy-on-write), and only its results come back, pickled
through a pipe, one after the other as each is done. :mod:`jettison.inspect.analyze` has a
child group the image's files by content and then compute dive's figures on large images
(the synthetic 500,000-entry image: 2.7 s beside the parent's attribution and first causes).

The child only computes and writes its results; it never prints, logs or touches the
progress display, whose thread (like every other thread) does not exist in it. Whatever goes
wrong in the child (an exception, a kill, a result that does not pickle) is not reported
from there: the parent runs that computation, and any the child did not send, itself, so
errors surface as they would without the fork, with their traceback in this process.
Without a child (``fork=False``, no fork on this platform, a fork that fails) every
computation runs in the parent, at once and in order.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import queue
import signal
import sys
import threading
import warnings
from collections.abc import Callable
from types import TracebackType
from typing import BinaryIO, TypeVar, cast

T = TypeVar("T")

CAN_FORK = sys.platform.startswith("linux") and hasattr(os, "fork")
"""Linux only: macOS's system libraries are not fork-safe in a process that has threads."""

_LENGTH_BYTES = 8
"""Each result goes through the pipe as its pickle's length (little-endian) and the pickle."""


def cores() -> int:
    """Cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - Linux has sched_getaffinity


class Forked:
    """``works`` computed in a forked child, in order, from ``__enter__`` on;
    :meth:`result` waits for one. Leaving the block kills and reaps a child still running
    (the parent failed, or did not ask for every result)."""

    def __init__(self, *works: Callable[[], object], fork: bool = True) -> None:
        """``fork=False``: every work runs in this process on ``__enter__``, before the
        block's own work (the same calls and order as without this class)."""
        self._works = works
        self._fork = fork and CAN_FORK
        self._values: list[object] = []
        self._pid: int | None = None
        self._pipe: BinaryIO | None = None
        self._entered = False

    def __enter__(self) -> Forked:
        self._entered = True
        if not self._fork:
            self._values = [work() for work in self._works]
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
            self._values = [work() for work in self._works]
            return self
        if pid == 0:  # pragma: no cover - runs in the child, whose coverage is not collected
            _child(self._works, read_end, write_end)
        os.close(write_end)
        self._pid, self._pipe = pid, os.fdopen(read_end, "rb")
        return self

    def result(self, work: Callable[[], T]) -> T:
        """What ``work`` (one of this object's works) returned in the child; if the child
        did not send it, ``work()`` run here (raising what it raises)."""
        if not self._entered:
            raise RuntimeError("Forked.result() before its with-block")
        index = next(i for i, known in enumerate(self._works) if known is work)
        while len(self._values) <= index:
            self._values.append(self._next(self._works[len(self._values)]))
        return cast(T, self._values[index])

    def _next(self, work: Callable[[], object]) -> object:
        """The child's next result, or ``work()`` once the child sends no more."""
        data = self._receive()
        if data is None:
            return work()
        try:
            return pickle.loads(data)
        except Exception:  # a result that does not load here: computed here instead
            return work()

    def _receive(self) -> bytes | None:
        pipe = self._pipe
        if pipe is None:
            return None
        head = pipe.read(_LENGTH_BYTES)
        if len(head) == _LENGTH_BYTES:
            length = int.from_bytes(head, "little")
            data = pipe.read(length)
            if len(data) == length:
                return data
        self._stop_child()  # it ended (or broke off) before this result: no more will come
        return None

    def _stop_child(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if self._pid is not None:
            with contextlib.suppress(ProcessLookupError):  # already gone
                os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
            self._pid = None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop_child()


def _child(
    works: tuple[Callable[[], object], ...], read_end: int, write_end: int
) -> None:  # pragma: no cover - runs in the child
    """Compute and send each result in turn; leave without running the parent's exit
    handlers (which would flush its buffers a second time). A work that fails ends the
    sending: the parent computes it, and those after it, itself.

    A thread writes the pickles while the next result is computed: the parent reads a result
    only when it needs it, and a write waits for that once the pipe's 64 KiB are full (the
    synthetic image's 20 MB groups of identical files held the child 0.7 s)."""
    status = 1
    try:
        os.close(read_end)
        pending: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        writer = threading.Thread(target=_send, args=(write_end, pending))
        writer.start()
        try:
            for work in works:
                pending.put(pickle.dumps(work(), protocol=pickle.HIGHEST_PROTOCOL))
            status = 0
        finally:
            pending.put(None)
            writer.join()
    except BaseException:  # the parent computes what was not sent and reports the error
        status = 1
    finally:
        os._exit(status)


def _send(write_end: int, pending: queue.SimpleQueue[bytes | None]) -> None:  # pragma: no cover
    """Write each pickle (its length first) as it comes, until None; the parent computes
    whatever a broken pipe keeps from it."""
    with contextlib.suppress(OSError), os.fdopen(write_end, "wb") as pipe:
        while (data := pending.get()) is not None:
            pipe.write(len(data).to_bytes(_LENGTH_BYTES, "little"))
            pipe.write(data)
            pipe.flush()
