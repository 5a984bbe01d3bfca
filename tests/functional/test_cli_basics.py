"""The command line's own surface: version, help, usage errors."""

from __future__ import annotations

import re
from collections.abc import Callable

import jettison

from .conftest import Run


def test_version(run_cli: Callable[..., Run]) -> None:
    for flag in ("--version", "-V"):
        run = run_cli(flag)
        assert (run.exit_code, run.stdout, run.stderr) == (
            0,
            f"jettison, version {jettison.__version__}\n",
            "",
        )


def test_version_in_a_subprocess(run_process: Callable[..., Run]) -> None:
    run = run_process("--version")
    assert (run.exit_code, run.stdout, run.stderr) == (
        0,
        f"jettison, version {jettison.__version__}\n",
        "",
    )


def test_group_help(run_cli: Callable[..., Run]) -> None:
    for flag in ("--help", "-h"):
        run = run_cli(flag)
        assert run.exit_code == 0
        assert run.stdout.startswith("Usage: jettison [OPTIONS] COMMAND [ARGS]...\n")
        assert "jettison: find the dead weight in container images of AI/ML services." in run.stdout
        # the command column is as wide as the longest command name
        assert re.search(
            r"\n  inspect +Show where every byte of IMAGE lives and what could go\.\n", run.stdout
        )
        for command in ("lint", "optimize", "fix", "build", "verify"):
            assert re.search(rf"\n  {command} +\S", run.stdout), command
        assert run.stderr == ""


def test_inspect_help(run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect", "--help")
    assert run.exit_code == 0
    assert run.stdout.startswith("Usage: jettison inspect [OPTIONS] IMAGE\n")
    for option in (
        "--format",
        "--output",
        "--force",
        "--platform",
        "--max-size",
        "--max-pull-size",
        "--min-efficiency",
        "--max-removable",
        "--max-shadowed",
        "--max-wasted",
        "--config",
        "--verify",
        "--estimate-pull",
    ):
        assert f"  {option}" in run.stdout or f", {option}" in run.stdout, option
    assert "[tool.jettison]" in run.stdout


def test_help_in_a_subprocess(run_process: Callable[..., Run]) -> None:
    run = run_process("inspect", "-h")
    assert run.exit_code == 0
    assert run.stdout.startswith("Usage: jettison inspect [OPTIONS] IMAGE\n")
    assert run.stderr == ""


def test_unknown_command(run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspekt", "x")
    assert run.exit_code == 2
    assert "No such command 'inspekt'" in run.stderr
    assert "Traceback" not in run.stderr


def test_inspect_needs_an_image(run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect")
    assert run.exit_code == 2
    assert "Missing argument 'IMAGE'" in run.stderr


def test_unknown_format(run_cli: Callable[..., Run]) -> None:
    run = run_cli("inspect", "x.tar", "--format", "yaml")
    assert run.exit_code == 2
    assert "Invalid value for '--format' / '-f'" in run.stderr
