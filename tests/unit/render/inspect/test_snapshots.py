"""Golden snapshots of every format; ``JETTISON_UPDATE_SNAPSHOTS=1`` rewrites them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from jettison.inspect.report import InspectReport
from jettison.render import Look, render
from support import snapshots

SNAPSHOTS = Path(__file__).parent / "snapshots"

# snapshot file -> (report fixture, format, width, color)
CASES: dict[str, tuple[str, str, int, bool]] = {
    "bert.txt": ("bert_report", "tty", 100, False),
    "bert.ansi.txt": ("bert_report", "tty", 100, True),
    "bert.md": ("bert_report", "markdown", 100, False),
    "bert.json": ("bert_report", "json", 100, False),
    "minimal.txt": ("minimal_report", "tty", 100, False),
    "minimal.md": ("minimal_report", "markdown", 100, False),
    "minimal.json": ("minimal_report", "json", 100, False),
}


@pytest.mark.usefixtures("pinned_version")
@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot(
    name: str, snapshot: Callable[[str, str], None], request: pytest.FixtureRequest
) -> None:
    fixture, fmt, width, color = CASES[name]
    report: InspectReport = request.getfixturevalue(fixture)
    snapshot(name, render("inspect", report, fmt, Look(width, color)))


def test_no_stale_snapshots() -> None:
    snapshots.check_no_stale(SNAPSHOTS, CASES)
