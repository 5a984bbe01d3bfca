"""Golden snapshots: a rendered text must equal its file byte for byte.

``JETTISON_UPDATE_SNAPSHOTS=1`` rewrites the files instead; review the diff.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from pathlib import Path

import pytest

UPDATE_ENV = "JETTISON_UPDATE_SNAPSHOTS"


def check_snapshot(directory: Path, name: str, actual: str, *, suite: str) -> None:
    """Fail unless ``actual`` equals ``directory/<name>`` byte for byte (or rewrite it);
    ``suite`` is the test directory to rerun, named in the messages."""
    path = directory / name
    if os.environ.get(UPDATE_ENV) == "1":
        directory.mkdir(exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    if not path.exists():
        pytest.fail(f"no snapshot {path}; create it with {UPDATE_ENV}=1 pytest {suite}")
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                f"snapshots/{name}",
                "rendered",
            )
        )
        pytest.fail(
            f"{name} differs from its snapshot; if the change is intended, rerun with "
            f"{UPDATE_ENV}=1 and review the diff:\n{diff}",
            pytrace=False,
        )


def check_no_stale(directory: Path, names: Iterable[str]) -> None:
    """Fail when ``directory`` holds a snapshot no case produces, or lacks one a case names."""
    on_disk = {path.name for path in directory.iterdir() if path.is_file()}
    assert on_disk == set(names), "delete snapshots no test produces, or add their cases"
