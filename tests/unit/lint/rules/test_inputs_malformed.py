"""JT005: instructions that build but do not do what they say."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.lint.model import Finding, Severity
from jettison.lint.rules import RULES
from jettison.lint.rules.inputs import jt005_malformed_instruction

from ._stack_helpers import make_ctx, run

RULE = jt005_malformed_instruction.RULE


def lint(tmp_path: Path, text: str) -> list[Finding]:
    return run(RULE, make_ctx(tmp_path, text))


def test_registered_and_documented() -> None:
    assert RULE in RULES
    assert (
        jt005_malformed_instruction.__doc__
        and "Why it matters" in jt005_malformed_instruction.__doc__
    )


def test_two_instructions_on_one_line(tmp_path: Path) -> None:
    text = 'FROM python:3.12-slim\nCMD ["python", "app.py"]RUN pip install flask\n'
    [finding] = lint(tmp_path, text)
    assert finding.line == 2 and finding.severity is Severity.WARNING
    assert "RUN is run together with CMD" in finding.message
    assert "`RUN pip install flask`, which never runs" in finding.message


def test_text_after_the_array(tmp_path: Path) -> None:
    text = 'FROM python:3.12-slim\nCMD ["python", "app.py"] --port 80\nENTRYPOINT ["app"] # main\n'
    [finding] = lint(tmp_path, text)
    assert finding.line == 2 and finding.severity is Severity.INFO
    assert "`--port 80` after the JSON array is dropped" in finding.message


def test_exec_form_that_is_not_json(tmp_path: Path) -> None:
    text = "FROM python:3.12-slim\nENTRYPOINT ['python', 'app.py']\nRUN [ -d /x ] || mkdir /x\n"
    [finding] = lint(tmp_path, text)
    assert finding.line == 2 and "is not valid JSON" in finding.message


def test_continuation_that_swallows_the_next_command(tmp_path: Path) -> None:
    text = (
        "FROM debian:12\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/* \\\n"
        "    apt-get clean\n"  # 4: arguments of rm
    )
    [finding] = lint(tmp_path, text)
    assert finding.line == 2
    assert "before line 4 makes `apt-get clean` arguments of" in finding.message


@pytest.mark.parametrize(
    "body",
    [
        # package lists, flags, operators, empty continuations, comments
        "apt-get install -y \\\n    curl \\\n    wget",
        "--mount=type=cache,target=/var/lib/apt \\\n    apt-get update",
        "apt-get update && \\\n    \\\n    # then\n    apt-get install -y curl",
        "set -eux; \\\n    rm -rf /tmp/x",
        "if true; then \\\n    echo x; fi",
        "if [ -f a ]; then echo a; elif \\\n    rm -f /x; then echo b; fi",
        "find / -name '*.pyc' -exec \\\n    rm {} +",
        "pip install \\\n    --no-cache-dir flask",
    ],
)
def test_continuations_that_are_fine(tmp_path: Path, body: str) -> None:
    assert lint(tmp_path, f"FROM debian:12\nRUN {body}\n") == []


def test_windows_escape_character_is_left_alone(tmp_path: Path) -> None:
    text = "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN dir \\\n    mkdir x\n"
    assert lint(tmp_path, text) == []


@pytest.mark.parametrize("run_line", ["RUN export FLASK_APP=app.py", "RUN cd /app && export X=1"])
def test_run_without_effect_is_info(tmp_path: Path, run_line: str) -> None:
    [finding] = lint(tmp_path, f"FROM python:3.12-slim\n{run_line}\n")
    assert finding.severity is Severity.INFO and "only changes the shell" in finding.message
    assert finding.fix and "ENV" in finding.fix


@pytest.mark.parametrize(
    "run_line", ["RUN export PATH=/x:$PATH && pip install x", 'CMD ["python", "app.py"]']
)
def test_instructions_that_do_what_they_say(tmp_path: Path, run_line: str) -> None:
    assert lint(tmp_path, f"FROM python:3.12-slim\n{run_line}\n") == []
