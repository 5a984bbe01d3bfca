"""The invariant every harness checks, for one input.

jettison either returns (a report, a value) or raises its own error type
(:class:`~jettison.errors.JettisonError`) with a one-line message; never another exception,
never a hang (a per-input time bound), never memory beyond a bound proportional to the input
(decompression bombs included). Anything else is a :class:`Violation`.

Time is bounded twice (the harness runs in the main thread, as pytest and atheris run it):
``TIME_LIMIT_SECONDS`` of the process's CPU time (``ITIMER_PROF``: a loop that does not end
spins, and CPU time does not grow when a loaded machine starves the process, so the bound
holds on a busy CI runner or beside other fuzzers) and ``WALL_LIMIT_SECONDS`` of wall time
(``ITIMER_REAL``: a wait that never ends, which spends no CPU).

Memory is the growth of the process's peak resident set over one input (Linux:
the peak is reset through ``/proc/self/clear_refs`` before each input and read from
``VmHWM`` after), so it counts every thread and every allocation, C libraries' included
(zlib, zstd and ISA-L inflate outside Python's allocator); :mod:`tracemalloc` was ten
times slower and blind to those.
"""

from __future__ import annotations

import contextlib
import re
import signal
import traceback
from collections.abc import Callable, Iterator
from pathlib import Path

from jettison.errors import JettisonError

TIME_LIMIT_SECONDS = 10.0
"""CPU seconds per input; the slowest harness takes well under a second on a seed."""
WALL_LIMIT_SECONDS = 120.0
"""Wall seconds per input: a blocked wait, with room for a machine under heavy load (a
campaign beside other work recorded 53 false hangs with a 10 s wall-clock bound)."""
MEMORY_BASE_BYTES = 160 << 20
"""Headroom every input gets: the layer reader holds a few inflated chunks of 16 MiB."""
MEMORY_PER_INPUT_BYTE = 64
"""Plus this much per byte of input (an image of N bytes may list N/512 entries)."""

_SRC = str(Path(__file__).resolve().parents[2] / "src" / "jettison")


class Hang(BaseException):
    """Raised in the harness by the alarm: the input took longer than the time bound.

    A ``BaseException`` so that no ``except Exception`` in the code under test swallows it.
    """


class Violation(Exception):
    """An input broke the invariant: what happened, and where in jettison.

    ``kind``: ``crash`` (an exception that is not ours), ``message`` (ours, not one line),
    ``hang``, ``memory``, or a harness's own property (``schema``, ``fix``, ``write``...);
    ``where``: the innermost frame in jettison's sources (``path:line``), for grouping.
    """

    def __init__(self, kind: str, detail: str, where: str) -> None:
        super().__init__(kind, detail, where)
        self.kind = kind
        self.detail = detail
        self.where = where

    def __str__(self) -> str:
        return f"{self.kind} at {self.where}: {self.detail}"

    @property
    def signature(self) -> str:
        return f"{self.kind}|{self.detail.split(':', 1)[0]}|{self.where}"


def _where(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.startswith(_SRC)]
    frame = (ours or frames or [None])[-1]
    if frame is None:
        return "?"
    name = frame.filename[len(_SRC) - len("jettison") :] if ours else Path(frame.filename).name
    return f"{name}:{frame.lineno}"


_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _resident() -> tuple[int, int] | None:
    """(peak, current) resident bytes of this process, or None where Linux's /proc lacks it."""
    try:
        status = _STATUS.read_text()
    except OSError:
        return None
    peak = re.search(r"VmHWM:\s+(\d+) kB", status)
    now = re.search(r"VmRSS:\s+(\d+) kB", status)
    if peak is None or now is None:
        return None
    return int(peak.group(1)) << 10, int(now.group(1)) << 10


def _reset_peak() -> bool:
    try:
        _CLEAR_REFS.write_text("5")
    except OSError:
        return False
    return True


def memory_bound(input_bytes: int) -> int:
    return MEMORY_BASE_BYTES + MEMORY_PER_INPUT_BYTE * input_bytes


@contextlib.contextmanager
def _alarm(seconds: float, wall_seconds: float = WALL_LIMIT_SECONDS) -> Iterator[None]:
    def spun(_signum: int, _frame: object) -> None:
        raise Hang(f"no answer within {seconds:g} s of CPU time")

    def waited(_signum: int, _frame: object) -> None:
        raise Hang(f"no answer within {wall_seconds:g} s")

    previous = {
        signal.SIGPROF: signal.signal(signal.SIGPROF, spun),
        signal.SIGALRM: signal.signal(signal.SIGALRM, waited),
    }
    signal.setitimer(signal.ITIMER_PROF, seconds)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, wall_seconds))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        for signum, handler in previous.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)


def check_error(exc: JettisonError) -> None:
    """Ours, and fit for the user: a one-line message (the hint is optional)."""
    message = str(exc)
    if not message.strip() or "\n" in message or "\r" in message:
        raise Violation("message", f"{type(exc).__name__}: {message!r}", _where(exc))
    if exc.hint is not None and ("\n" in exc.hint or not exc.hint.strip()):
        raise Violation("message", f"{type(exc).__name__} hint: {exc.hint!r}", _where(exc))


def run_checked(
    target: Callable[[bytes], object],
    data: bytes,
    *,
    seconds: float = TIME_LIMIT_SECONDS,
    wall_seconds: float = WALL_LIMIT_SECONDS,
    measure_memory: bool = True,
) -> object:
    """``target(data)`` under the invariant: its result, or None when it raised our error;
    raises :class:`Violation` otherwise."""
    measure_memory = measure_memory and _reset_peak()
    start = _resident() if measure_memory else None
    try:
        with _alarm(seconds, wall_seconds):
            result = target(data)
    except Violation:
        raise
    except JettisonError as exc:
        check_error(exc)
        result = None
    except Hang as exc:
        raise Violation("hang", str(exc), _where(exc)) from None
    except RecursionError as exc:  # before Exception: it is one, and a crash
        raise Violation("crash", f"RecursionError: {exc}", _where(exc)) from exc
    except (Exception, MemoryError) as exc:
        raise Violation("crash", f"{type(exc).__name__}: {exc}"[:300], _where(exc)) from exc
    end = _resident() if start is not None else None
    grown = end[0] - start[1] if start is not None and end is not None else 0
    if grown > memory_bound(len(data)):
        raise Violation(
            "memory",
            f"{grown >> 20} MiB for {len(data)} bytes of input "
            f"(bound {memory_bound(len(data)) >> 20} MiB)",
            "?",
        )
    return result
