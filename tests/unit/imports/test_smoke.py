"""The import smoke command: run here with this machine's sh and Python, as in an image."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from jettison.dockerfile.parser import parse_text
from jettison.imports import smoke


def _run(argv: list[str]) -> smoke.ImportCheck:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    return smoke.read(done.stdout, done.stderr, done.returncode)


def test_imports_every_module_in_the_first_python_that_has_them() -> None:
    found = _run(smoke.command(["json", "email.mime.text"], ["no-such-python", sys.executable]))
    assert found.ok
    assert found.python == sys.executable


def test_names_each_module_it_cannot_import_with_its_error() -> None:
    found = _run(smoke.command(["json", "jettison_no_such_module"], [sys.executable]))
    assert not found.ok
    assert found.failed == {
        "jettison_no_such_module": "ModuleNotFoundError: No module named 'jettison_no_such_module'"
    }


def test_the_interpreter_that_imports_most_is_reported(tmp_path: Path) -> None:
    fake = tmp_path / "fakepython"  # tried first: it lacks both modules
    fake.write_text(
        '#!/bin/sh\necho \'{"python": "fake", "failed": {"a": "x", "json": "y"}}\'\nexit 1\n'
    )
    fake.chmod(0o755)
    found = _run(smoke.command(["jettison_missing_a", "json"], [str(fake), sys.executable]))
    assert found.python == sys.executable
    assert found.failed == {
        "jettison_missing_a": "ModuleNotFoundError: No module named 'jettison_missing_a'"
    }


def test_no_python_at_all_is_a_failure_with_the_reason() -> None:
    found = _run(smoke.command(["json"], ["no-such-python"]))
    assert not found.ok
    assert found.python is None
    assert list(found.failed) == [smoke.NO_REPORT]
    assert found.failed[smoke.NO_REPORT].startswith("exit code 1")


def test_interpreters_follow_the_virtualenvs_the_dockerfile_creates(tmp_path: Path) -> None:
    dockerfile = parse_text(
        "FROM debian:bookworm-slim\n"
        "WORKDIR /usr/src\n"
        "RUN apt-get update && apt-get install -y python3-venv && python3 -m venv .venv\n"
        "FROM python:3.11-slim\n"
        "RUN python -m venv /opt/venv && /opt/venv/bin/pip install six\n",
        tmp_path / "Dockerfile",
    )
    assert smoke.interpreters(dockerfile) == (
        "python",
        "python3",
        "/usr/src/.venv/bin/python",
        "/opt/venv/bin/python",
    )
    assert smoke.interpreters(None) == ("python", "python3")
