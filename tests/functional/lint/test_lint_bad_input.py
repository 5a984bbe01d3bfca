"""Bad input to ``jettison lint``: a clear finding, or one line and a hint with exit 2; never a
traceback (checked in a real subprocess for the unreadable files)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support.files import write

from ..conftest import Run

RunCli = Callable[..., Run]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x7fELF\x02\x01\x01\x00\x00\x00", "a binary file, not a Dockerfile"),
        (b"", "file with no instructions"),
        (b"# only a comment\n", "file with no instructions"),
        (b"FROM x\nRUN <<EOF\necho hi\n", "unterminated heredoc"),
        (b"FROM x\nRUN echo \xff\xfe\n", "not UTF-8 text"),
    ],
)
def test_unreadable_dockerfiles(
    workdir: Path, run_process: RunCli, content: bytes, message: str
) -> None:
    write(workdir, "Dockerfile", content)
    run = run_process("lint", "Dockerfile", "--offline")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert len(run.stderr_lines) == 1, run.stderr
    assert run.stderr_lines[0].startswith("jettison: error: Dockerfile: ")
    assert message in run.stderr_lines[0]


@pytest.mark.parametrize(
    ("setup", "args", "lines"),
    [
        (
            {},
            ("missing",),
            [
                "jettison: error: missing: no such file or directory",
                "  hint: give a Dockerfile or Containerfile (any name), or a directory holding one",
            ],
        ),
        (
            {},
            (".",),
            [
                "jettison: error: .: no Dockerfile here",
                "  hint: give the Dockerfile's path (any name), e.g. jettison lint "
                "docker/app.Dockerfile",
            ],
        ),
        (
            {"Dockerfile": "FROM x\n", "dev.Dockerfile": "FROM x\n"},
            (".",),
            [
                "jettison: error: .: several Dockerfiles (Dockerfile, dev.Dockerfile)",
                "  hint: name the one to lint, e.g. jettison lint Dockerfile",
            ],
        ),
        (
            {"Dockerfile": "FROM x\n"},
            ("Dockerfile", "--select", "JT0,JT77"),
            ["jettison: error: --select: unknown rule code 'JT77'"],
        ),
        (
            {"Dockerfile": "FROM x\n", "pyproject.toml": "[tool.jettison.lint]\nignores = []\n"},
            ("Dockerfile",),
            [
                "jettison: error: pyproject.toml: [tool.jettison.lint]: unknown key 'ignores'",
                "  hint: known keys: select, ignore, per-path-ignores, severity, fail-on, options",
            ],
        ),
        (
            {"Dockerfile": "FROM x\n", ".jettison.toml": '[lint]\nfail-on = "sometimes"\n'},
            ("Dockerfile",),
            [
                "jettison: error: .jettison.toml: [lint] fail-on: unknown level 'sometimes'",
                "  hint: one of info, warning, error, never",
            ],
        ),
    ],
)
def test_bad_arguments_and_config(
    workdir: Path,
    run_cli: RunCli,
    setup: dict[str, str],
    args: tuple[str, ...],
    lines: list[str],
) -> None:
    for name, text in setup.items():
        write(workdir, name, text)
    run = run_cli("lint", *args, "--offline")
    assert run.exit_code == 2
    assert run.stdout == ""
    assert run.stderr_lines[: len(lines)] == lines
    if len(lines) == 1:  # unknown codes: the hint lists the known ones
        assert run.stderr_lines[1].startswith("  hint: known codes: JT001, ")


def test_input_problems_are_findings(workdir: Path, run_cli: RunCli) -> None:
    write(
        workdir,
        "Dockerfile",
        "RUN echo early\nFROM python:3.11-slim\nCOPPY app.py /app/\n"
        "RUN pip install -r requirements.txt\n",
    )
    write(workdir, "requirements.txt", "flask==3.0.3\ntorch=2.3.1\n")
    run = run_cli("lint", ".", "--select", "JT0", "-f", "json", "--offline")
    assert run.exit_code == 1
    findings = [(f["code"], f["file"], f["line"]) for f in json.loads(run.stdout)["findings"]]
    assert findings == [
        ("JT002", "Dockerfile", 1),
        ("JT001", "Dockerfile", 3),
        ("JT003", "requirements.txt", 2),
    ]


def test_no_from_at_all(workdir: Path, run_cli: RunCli) -> None:
    write(workdir, "Dockerfile", "ARG PYTHON=3.11\n")
    run = run_cli("lint", ".", "--select", "JT0", "-f", "json", "--offline")
    findings = json.loads(run.stdout)["findings"]
    assert [(f["code"], f["line"], f["severity"]) for f in findings] == [("JT004", 1, "error")]


def test_undecodable_requirements_are_a_finding_or_an_error(
    workdir: Path, run_process: RunCli
) -> None:
    write(workdir, "Dockerfile", "FROM python:3.11-slim\nCOPY requirements.txt .\n")
    write(workdir, "requirements.txt", b"flask==3.0.3\n\xff\xfe\x00garbage\x81\n")
    run = run_process("lint", ".", "--offline", "--select", "JT0", "-f", "json")
    assert "Traceback" not in run.stderr
    assert run.exit_code in (1, 2)
    if run.exit_code == 2:
        assert run.stderr_lines[0].startswith("jettison: error: ")
    else:
        assert any(f["code"] == "JT003" for f in json.loads(run.stdout)["findings"])
