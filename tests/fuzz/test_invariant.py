"""The invariant itself: what it lets through and what it reports (a checker that cannot
fail would make every harness pass)."""

from __future__ import annotations

import time

import pytest

from fuzz.invariant import Violation, run_checked
from jettison.errors import DockerfileError


def _spin(_data: bytes) -> object:
    while True:
        pass


def _wait(_data: bytes) -> object:
    time.sleep(30)
    return None


def _crash(_data: bytes) -> object:
    return {}["missing"]


def _ours(message: str, hint: str | None = None) -> object:
    def target(_data: bytes) -> object:
        raise DockerfileError(message, hint=hint)

    return target


def test_a_result_and_our_one_line_error_pass() -> None:
    assert run_checked(lambda data: len(data), b"abc") == 3
    ours = _ours("Dockerfile: line 1 continues no instruction", hint="remove it")
    assert run_checked(ours, b"") is None


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        (_crash, "crash"),
        (_ours("two\nlines"), "message"),
        (_ours("one line", hint="two\nlines"), "message"),
    ],
)
def test_anything_else_is_a_violation(target: object, kind: str) -> None:
    with pytest.raises(Violation) as caught:
        run_checked(target, b"")  # type: ignore[arg-type]
    assert caught.value.kind == kind


def test_a_loop_that_does_not_end_is_a_hang_by_cpu_time() -> None:
    with pytest.raises(Violation, match="CPU time") as caught:
        run_checked(_spin, b"", seconds=0.3)
    assert caught.value.kind == "hang"


def test_a_wait_that_does_not_end_is_a_hang_by_wall_time() -> None:
    started = time.monotonic()
    with pytest.raises(Violation, match=r"within 0\.5 s") as caught:
        run_checked(_wait, b"", seconds=0.3, wall_seconds=0.5)
    assert caught.value.kind == "hang"
    assert time.monotonic() - started < 10
