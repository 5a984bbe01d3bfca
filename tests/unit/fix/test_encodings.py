"""fix reads the requirements file as lint's parser (and pip) decode it: a file that is not
UTF-8 is split, not a crash."""

from __future__ import annotations

from pathlib import Path

from jettison.fix.core import fix

RESTRUCTURE = ["restructure"]  # the multi-stage rewrite alone, no edit fixes

DOCKERFILE = (
    "FROM python:3.11\nWORKDIR /app\nCOPY requirements.txt .\n"
    'RUN pip install -r requirements.txt\nCOPY . .\nCMD ["python", "main.py"]\n'
)


def test_latin1_requirements_are_split(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "requirements.txt").write_bytes(b"# caf\xe9\nnumpy==1.26.4\npytest==8.2.0\n")
    (tmp_path / "main.py").write_text("import numpy\n")
    report = fix(tmp_path / "Dockerfile", offline=True, dry_run=True, select=RESTRUCTURE)
    written = {path.name: text for path, text in report.files}
    assert written["requirements.runtime.txt"] == "# caf\u00e9\nnumpy==1.26.4\n"
    assert "pytest==8.2.0" in written["requirements-dev.txt"].splitlines()
