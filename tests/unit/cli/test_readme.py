"""The README shows the real --help text of each command; fail when they drift apart.

``JETTISON_UPDATE_SNAPSHOTS=1`` rewrites the README's blocks instead (review the diff).
"""

from __future__ import annotations

import os
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


COMMANDS = ["", "inspect", "diff", "lint", "rules", "optimize", "fix", "build", "verify", "plan"]


def test_readme_has_help_blocks() -> None:
    assert set(COMMANDS) <= set(_blocks())


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_help_is_current(command: str) -> None:
    if os.environ.get("JETTISON_UPDATE_SNAPSHOTS") and command in _blocks():
        text = README.read_text(encoding="utf-8")
        marker = f"<!-- help:{command} -->\n```text\n"
        start = text.index(marker) + len(marker)
        end = text.index("```\n", start)
        README.write_text(text[:start] + _help(command) + text[end:], encoding="utf-8")
    assert _blocks()[command] == _help(command), (
        f"README's `jettison {command} --help` block is stale; paste the current output"
    )
