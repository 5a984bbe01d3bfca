"""A computation in a forked child: its result comes back; every way the child can fail
ends in the same result or error as computing it here; no child outlives its block."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from jettison.image.scan import glob_filter, scan_image
from jettison.inspect import analyze as analyze_module
from jettison.inspect import forked
from jettison.inspect.analyze import CAPTURE_GLOBS, analyze
from jettison.inspect.forked import Forked
from support.diffimages import memory_image, naive_layers

needs_fork = pytest.mark.skipif(not forked.CAN_FORK, reason="fork is used on Linux only")


class Calls:
    """A work function that records the processes it ran in."""

    def __init__(self, work: Callable[[], object] = os.getpid) -> None:
        self.pids: list[int] = []
        self._work = work

    def __call__(self) -> object:
        self.pids.append(os.getpid())  # seen by the parent only for calls made in it
        return self._work()


@needs_fork
def test_the_result_is_computed_in_a_child() -> None:
    calls = Calls()
    with Forked(calls) as pending:
        child = pending.result(calls)
        assert child not in (os.getpid(), None)
        assert pending.result(calls) == child  # asked again: the same result
    assert calls.pids == []  # not computed here


@needs_fork
def test_several_results_come_in_order_and_a_failing_one_is_computed_here() -> None:
    parent = os.getpid()

    def fails_in_the_child() -> str:
        if os.getpid() != parent:
            raise ValueError("only in the child")
        return "computed here"

    first, second, third = Calls(), Calls(fails_in_the_child), Calls()
    with Forked(first, second, third) as pending:
        assert pending.result(third) == parent  # the child sent nothing after its failure
        assert pending.result(second) == "computed here"
        assert pending.result(first) not in (parent, None)
    assert first.pids == [] and second.pids == third.pids == [parent]


def test_without_a_fork_it_is_computed_here_on_entering() -> None:
    order: list[str] = []
    calls = Calls(lambda: order.append("work") or 7)
    with Forked(calls, fork=False) as pending:
        order.append("block")
        assert pending.result(calls) == 7
    assert order == ["work", "block"] and calls.pids == [os.getpid()]


@needs_fork
def test_an_error_in_the_child_is_raised_here_by_computing_again() -> None:
    def fails() -> None:
        raise ValueError("bad layer table")

    calls = Calls(fails)
    with Forked(calls) as pending, pytest.raises(ValueError, match="bad layer table"):
        pending.result(calls)
    assert calls.pids == [os.getpid()]


@needs_fork
def test_a_child_that_dies_or_sends_nothing_loadable_is_computed_again() -> None:
    parent = os.getpid()

    def dies() -> int:
        if os.getpid() != parent:
            os._exit(3)
        return 42

    with Forked(dies) as pending:
        assert pending.result(dies) == 42
    local_class = type("Local", (), {})  # no module attribute of its name: does not pickle
    calls = Calls(lambda: local_class)
    with Forked(calls) as pending:
        assert pending.result(calls) is local_class
    unloadable = Unloadable()  # pickles in the child, fails to load here

    def send_unloadable() -> Unloadable:
        return unloadable

    with Forked(send_unloadable) as pending:
        assert pending.result(send_unloadable) is unloadable
    assert calls.pids == [os.getpid()]


def _refuse_to_load() -> None:
    raise RuntimeError("refuses to load")


class Unloadable:
    def __reduce__(self) -> tuple[Callable[[], None], tuple[()]]:
        return _refuse_to_load, ()


@needs_fork
def test_the_child_goes_on_while_an_unread_result_fills_the_pipe(tmp_path: Path) -> None:
    # The parent reads a result only when it asks for it; meanwhile the child computes the
    # next one instead of waiting for the pipe (64 KiB) to take the first.
    marker = tmp_path / "second-started"

    def large() -> bytes:
        return os.urandom(4 << 20)

    def second() -> str:
        marker.touch()
        return "second"

    with Forked(large, second) as pending:
        deadline = time.monotonic() + 20
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert marker.exists(), "the child waited for the parent to read its first result"
        assert len(pending.result(large)) == 4 << 20
        assert pending.result(second) == "second"


@needs_fork
def test_leaving_the_block_kills_and_reaps_a_running_child() -> None:
    pids: list[int] = []
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt), Forked(lambda: time.sleep(60)) as pending:
        assert pending._pid is not None
        pids.append(pending._pid)
        raise KeyboardInterrupt
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)  # reaped already: no such child


def test_a_failed_fork_computes_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(forked, "CAN_FORK", True)
    calls = Calls()
    with Forked(calls) as pending:
        assert pending.result(calls) == os.getpid()
    with pytest.raises(RuntimeError, match="before its with-block"):
        Forked(calls).result(calls)


@needs_fork
def test_dive_figures_from_a_child_are_those_computed_here(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scanned = scan_image(memory_image(naive_layers()), glob_filter(CAPTURE_GLOBS))
    here = analyze(scanned)
    forks: list[bool] = []

    class Recording(Forked):
        def __init__(self, *works: Callable[[], object], fork: bool = True) -> None:
            forks.append(fork)
            super().__init__(*works, fork=fork)

    monkeypatch.setattr(analyze_module, "Forked", Recording)
    monkeypatch.setattr(analyze_module, "FORK_MIN_ENTRIES", 1)
    monkeypatch.setattr(analyze_module, "cores", lambda: 2)
    assert analyze(scanned) == here
    monkeypatch.setattr(analyze_module, "cores", lambda: 1)  # one core: no child
    assert analyze(scanned) == here
    assert forks == [True, False]
