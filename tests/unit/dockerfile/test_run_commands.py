"""What a RUN executes from the build context: scripts, Makefile targets, `$(cat FILE)`."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.run_commands import (
    ContextFiles,
    invoked,
    make_recipes,
    run_commands,
    traced_commands,
)
from jettison.dockerfile.steps import Step, all_steps
from support.commands import command
from support.files import write


def _run_steps(tmp_path: Path, text: str) -> tuple[object, list[Step]]:
    path = write(tmp_path, "Dockerfile", text)
    parsed = parse_dockerfile(path)
    return parsed, [s for s in all_steps(parsed) if s.instruction.keyword == "RUN"]


def _lines(tmp_path: Path, text: str, index: int = -1) -> list[str]:
    parsed, runs = _run_steps(tmp_path, text)
    return [" ".join(c.argv) for c in run_commands(parsed, runs[index], tmp_path)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("line", "cwd", "path", "kind"),
    [
        ("bash setup/install.sh", "/app", "/app/setup/install.sh", "script"),
        ("sh -ex /tmp/deps.sh --fast", "/", "/tmp/deps.sh", "script"),
        ("bash -o pipefail ./x.sh", "/w", "/w/x.sh", "script"),
        ("./build.sh", "/src", "/src/build.sh", "script"),
        (". /opt/env.sh", "/", "/opt/env.sh", "script"),
        ("make -C /srv lock", "/", "/srv", "make"),
        ("make -f build.mk wheels", "/w", "/w/build.mk", "make"),
    ],
)
def test_invoked(line: str, cwd: str, path: str, kind: str) -> None:
    found = invoked(command(line), cwd)
    assert found is not None and (found.path, found.kind) == (path, kind)


@pytest.mark.parametrize("line", ["bash", "pip install x", "bash $SCRIPT", "python run.py"])
def test_not_invoked(line: str) -> None:
    assert invoked(command(line), "/") is None


def test_make_targets_with_prerequisites_and_variables() -> None:
    text = (
        "TOOL ?= poetry\n"
        "VERSION := 1.2\n"
        ".PHONY: lock deps\n"
        "all: deps\n"
        "deps: lock\n"
        "\t@pip install -r requirements.txt\n"
        "lock:\n"
        "\t-pip install $(TOOL)==$(VERSION) \\\n"
        "\t   poetry-plugin-export\n"
        "\t$(TOOL) lock  # pin\n"
        "\techo $$HOME\n"
        "other:\n"
        "\tapt-get install -y gcc\n"
    )
    assert make_recipes(text, ("deps",)) == [
        "pip install poetry==1.2 poetry-plugin-export",
        "poetry lock  # pin",
        "echo $HOME",
        "pip install -r requirements.txt",
    ]
    assert make_recipes(text, ()) == make_recipes(text, ("deps",))  # the first target
    assert make_recipes(text, ("missing",)) == []


def test_copied_script_is_read_in_place(tmp_path: Path) -> None:
    write(
        tmp_path, "docker/setup.sh", "#!/bin/sh\nset -e\napt-get update\napt-get install -y gcc\n"
    )
    text = (
        "FROM debian:12\nWORKDIR /opt\nCOPY docker/ ./docker/\n"
        "RUN chmod +x docker/setup.sh && ./docker/setup.sh && rm -rf /var/lib/apt/lists/*\n"
    )
    assert _lines(tmp_path, text) == [
        "chmod +x docker/setup.sh",
        "./docker/setup.sh",
        "set -e",
        "apt-get update",
        "apt-get install -y gcc",
        "rm -rf /var/lib/apt/lists/*",
    ]


def test_traced_commands_name_their_script(tmp_path: Path) -> None:
    script = write(tmp_path, "install.sh", "pip install flask\n")
    parsed, runs = _run_steps(
        tmp_path, "FROM python:3.12\nCOPY install.sh /\nRUN bash /install.sh\n"
    )
    traced = traced_commands(parsed, runs[0], tmp_path)  # type: ignore[arg-type]
    assert [(t.script, t.command.name) for t in traced] == [(None, "bash"), (script, "pip")]


def test_makefile_from_the_working_directory(tmp_path: Path) -> None:
    write(tmp_path, "api/Makefile", "lock:\n\tpip install poetry\n\tpoetry lock\n")
    text = "FROM python:3.12\nWORKDIR /app\nCOPY api/Makefile /app/Makefile\nRUN make lock\n"
    assert _lines(tmp_path, text) == ["make lock", "pip install poetry", "poetry lock"]


def test_bind_mounted_script_and_cat_of_a_package_list(tmp_path: Path) -> None:
    write(tmp_path, "os-packages.txt", "# runtime\ntesseract\nleptonica-devel  # headers\n")
    write(tmp_path, "deps.sh", "dnf install -y gcc\n")
    text = (
        "FROM fedora:40\n"
        "RUN --mount=type=bind,source=os-packages.txt,target=/tmp/os-packages.txt "
        "--mount=type=bind,source=deps.sh,target=/tmp/deps.sh "
        "dnf install -y $(cat /tmp/os-packages.txt) && sh /tmp/deps.sh\n"
    )
    assert _lines(tmp_path, text) == [
        "dnf install -y tesseract leptonica-devel",
        "sh /tmp/deps.sh",
        "dnf install -y gcc",
    ]


def test_what_cannot_be_read_is_left_as_is(tmp_path: Path) -> None:
    write(tmp_path, "run.py", "print('x')\n")
    write(tmp_path, "tool.sh", "#!/usr/bin/env python3\nimport os\n")
    text = (
        "FROM python:3.12\nCOPY run.py tool.sh /w/\n"
        "RUN bash /w/missing.sh && /w/tool.sh && sh /w/run.py && pip install $(cat /nowhere)\n"
    )
    assert _lines(tmp_path, text) == [
        "bash /w/missing.sh",
        "/w/tool.sh",
        "sh /w/run.py",
        "pip install $",
        "cat /nowhere",
    ]


def test_script_from_an_earlier_stage_in_the_chain_and_depth_limit(tmp_path: Path) -> None:
    write(tmp_path, "a.sh", "sh /s/b.sh\n")
    write(tmp_path, "b.sh", "sh /s/a.sh\n")  # a cycle: stops at the depth limit
    text = "FROM debian:12 AS base\nCOPY a.sh b.sh /s/\nFROM base\nRUN sh /s/a.sh\n"
    lines = _lines(tmp_path, text)
    assert lines[:3] == ["sh /s/a.sh", "sh /s/b.sh", "sh /s/a.sh"]
    assert len(lines) == 4


def test_context_files_whole_context_and_later_copies_win(tmp_path: Path) -> None:
    write(tmp_path, "x.sh", "one\n")
    write(tmp_path, "other/x.sh", "two\n")
    parsed, runs = _run_steps(
        tmp_path, "FROM debian:12\nWORKDIR /app\nCOPY . .\nCOPY other/x.sh x.sh\nRUN true\n"
    )
    files = ContextFiles.before(parsed, runs[0], tmp_path)  # type: ignore[arg-type]
    assert files.find("/app/x.sh") == tmp_path / "other" / "x.sh"
    assert files.find("/app/other/x.sh") == tmp_path / "other" / "x.sh"
    assert files.find("/app/../etc/passwd") is None
    assert files.find("/elsewhere") is None
