"""The suite itself: every test module under tests/ is collected by the README's command.

pytest silently skips folders its ``norecursedirs`` names (by default ``build``, ``dist``,
``venv``...); a test folder of such a name once hid 99 tests from CI. This test collects the
suite as ``python -m pytest`` does and compares it with the test modules on disk.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
DATA_FOLDERS = frozenset({"fixtures", "golden", "snapshots"})
"""Folders of test data: projects for jettison to read, never test modules of ours."""


def _on_disk() -> set[str]:
    out = set()
    for path in TESTS.rglob("test_*.py"):
        relative = path.relative_to(ROOT)
        if DATA_FOLDERS.isdisjoint(relative.parts) and "__pycache__" not in relative.parts:
            out.add(relative.as_posix())
    return out


def _collected() -> set[str]:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return {line.split("::", 1)[0] for line in result.stdout.splitlines() if "::" in line}


def test_every_test_module_is_collected() -> None:
    on_disk = _on_disk()
    collected = _collected()
    assert on_disk, "no test modules found"
    assert sorted(on_disk - collected) == [], "test modules the README's command never runs"
    assert sorted(collected - on_disk) == [], "modules collected from test-data folders"
