"""Golden tests: each case under golden/ is a build context; fix's output must match the
expected.* files byte for byte (regenerate with JETTISON_UPDATE_GOLDEN=1 and review)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from jettison.fix.core import fix

RESTRUCTURE = ["restructure"]  # the multi-stage rewrite alone, no edit fixes

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
OPTIONS = "fix.json"
"""A case's keyword arguments for fix() other than the defaults (target, runtime_base)."""
OUTPUTS = {
    "Dockerfile.jettison": "expected.Dockerfile",
    "requirements.runtime.txt": "expected.requirements.runtime.txt",
    "requirements-dev.txt": "expected.requirements-dev.txt",
}


@pytest.mark.parametrize("case", CASES)
def test_golden(case: str, tmp_path: Path) -> None:
    source = GOLDEN / case
    work = tmp_path / case
    shutil.copytree(source, work, ignore=shutil.ignore_patterns("expected.*", OPTIONS))
    options = json.loads((source / OPTIONS).read_text()) if (source / OPTIONS).is_file() else {}
    wheels = work / "wheels"  # a local --torch-index folder (empty files named like wheels)
    if wheels.is_dir():
        options["torch_index"] = str(wheels)
    report = fix(work / "Dockerfile", offline=True, **options, select=RESTRUCTURE)
    assert report.mounts == (((wheels, "/wheels"),) if wheels.is_dir() else ())
    written = {path.name: text for path, text in report.files}
    for produced in OUTPUTS:
        assert (work / produced).read_text(encoding="utf-8") == written[produced]
    # the folder's path (under tmp_path) as the golden files spell it
    written = {name: text.replace(str(work), "<context>") for name, text in written.items()}
    for produced, expected in OUTPUTS.items():
        if os.environ.get("JETTISON_UPDATE_GOLDEN"):
            (source / expected).write_text(written[produced], encoding="utf-8")
        assert written[produced] == (source / expected).read_text(encoding="utf-8"), produced
    assert (work / "Dockerfile").read_text() == (source / "Dockerfile").read_text()


@pytest.mark.parametrize("case", CASES)
def test_no_requirement_line_is_lost(case: str) -> None:
    original = (GOLDEN / case / "requirements.txt").read_text().splitlines()
    out = (GOLDEN / case / "expected.requirements.runtime.txt").read_text().splitlines()
    out += (GOLDEN / case / "expected.requirements-dev.txt").read_text().splitlines()
    renamed = {"opencv-python": "opencv-python-headless", "tensorflow": "tensorflow-cpu"}
    for line in original:
        for old, new in renamed.items():
            if line.startswith(old + "=="):
                line = new + line[len(old) :]
        repinned = [o for o in out if o.startswith(f"# jettison: JT302 {line} -> ")]
        assert out.count(line) + len(repinned) == 1, line
