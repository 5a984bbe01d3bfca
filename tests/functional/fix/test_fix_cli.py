"""The real `jettison fix` command on a copy of the seed BERT example."""

from __future__ import annotations

import shutil
from pathlib import Path

from click.testing import CliRunner

from jettison.api import lint
from jettison.cli.fix_cmd import fix_cmd

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "bert-classifier"


def test_fix_bert_example(tmp_path: Path) -> None:
    work = tmp_path / "bert-classifier"
    shutil.copytree(EXAMPLE, work, ignore=shutil.ignore_patterns("__pycache__"))
    dockerfile = work / "naive_image" / "Dockerfile"
    original = dockerfile.read_text()
    result = CliRunner().invoke(fix_cmd, [str(dockerfile)])
    assert result.exit_code == 0, result.output
    assert "+FROM python:3.10-slim" in result.stdout
    assert "JT302:" in result.stderr
    assert dockerfile.read_text() == original
    new = work / "naive_image" / "Dockerfile.jettison"
    for name in ("requirements.runtime.txt", "requirements-dev.txt"):
        assert (work / "naive_image" / name).is_file()
    assert (work / ".dockerignore").is_file()
    codes = {f.code for f in lint(new, offline=True).findings}
    assert not codes & {"JT201", "JT301", "JT302", "JT601", "JT101", "JT102"}, codes
    again = CliRunner().invoke(fix_cmd, [str(dockerfile)])
    assert again.exit_code == 2
    assert "not overwriting" in again.stderr
