"""JT003: requirement lines jettison cannot read."""

from __future__ import annotations

from pathlib import Path

from jettison.api import lint
from jettison.lint.model import Severity


def test_a_line_pip_rejects_is_a_warning_an_unnamed_url_only_info(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "torch=2.3.1\ngit+https://example.org/team/tool.git\nflask==3.0.3\n", encoding="utf-8"
    )
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.12-slim\nCOPY requirements.txt .\n"
        "RUN pip install --no-cache-dir -r requirements.txt\n",
        encoding="utf-8",
    )
    report = lint(tmp_path / "Dockerfile", offline=True)
    found = {f.line: f for f in report.findings if f.code == "JT003"}
    assert set(found) == {1, 2}
    assert found[1].severity is Severity.WARNING  # pip fails on it
    assert found[2].severity is Severity.INFO  # pip builds it to learn the name
    assert "name @ URL" in found[2].message
