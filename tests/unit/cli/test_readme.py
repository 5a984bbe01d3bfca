"""The README shows the real --help text of each command; fail when they drift apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from jettison.cli.main import cli

README = Path(__file__).resolve().parents[3] / "README.md"
BLOCK = re.compile(r"<!-- help:(?P<cmd>[\w ]*) -->\n```text\n(?P<text>.*?)```\n", re.S)


def _help(command: str) -> str:
    args = [*command.split(), "--help"] if command else ["--help"]
    result = CliRunner().invoke(cli, args, prog_name="jettison", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def _blocks() -> dict[str, str]:
    return {m["cmd"].strip(): m["text"] for m in BLOCK.finditer(README.read_text(encoding="utf-8"))}


def test_readme_has_help_blocks() -> None:
    assert {"", "inspect", "lint", "optimize", "fix", "build", "verify", "plan"} <= set(_blocks())


@pytest.mark.parametrize(
    "command", ["", "inspect", "lint", "optimize", "fix", "build", "verify", "plan"]
)
def test_readme_help_is_current(command: str) -> None:
    assert _blocks()[command] == _help(command), (
        f"README's `jettison {command} --help` block is stale; paste the current output"
    )
