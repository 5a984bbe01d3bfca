"""buildkit's parser turned into stages of positioned instructions."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.parser import expand, parse_dockerfile, parse_text, read_text, source_lines
from jettison.errors import DockerfileError
from support.files import write


def test_stages_positions_and_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        "# syntax=docker/dockerfile:1\n"
        "ARG PY=3.11\n"
        "FROM --platform=linux/amd64 python:${PY}-slim AS build\n"
        "RUN --mount=type=cache,target=/root/.cache/pip \\\n"
        "    pip install flask\n"
        "FROM build\n"
        'CMD ["python", "app.py"]\n',
    )
    dockerfile = parse_dockerfile(path)
    assert dockerfile.directives == {"syntax": "docker/dockerfile:1"}
    build, final = dockerfile.stages
    assert (build.name, build.base, build.base_expanded) == (
        "build",
        "python:${PY}-slim",
        "python:3.11-slim",
    )
    assert build.platform == "linux/amd64"
    (run,) = build.instructions
    assert (run.position.line, run.position.end_line) == (4, 5)
    assert run.flag_values("mount") == ["type=cache,target=/root/.cache/pip"]
    assert final.instructions[0].json
    assert dockerfile.runtime_stages() == [final, build]
    assert [i.keyword for i in dockerfile.instructions()] == ["ARG", "FROM", "RUN", "FROM", "CMD"]


def test_build_args_override_arg_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "ARG BASE=python:3.10\nFROM ${BASE}\n")
    assert parse_dockerfile(path, {"BASE": "python:3.12"}).stages[0].base_expanded == "python:3.12"


def test_inline_ignores_cover_the_next_instruction(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        "FROM x\n# jettison: ignore=JT101, jt102\n# a note\nRUN apt-get update\nRUN true\n",
    )
    first, second = parse_dockerfile(path).stages[0].instructions
    assert first.ignored_codes == frozenset({"JT101", "JT102"})
    assert second.ignored_codes == frozenset()


def test_heredocs(tmp_path: Path) -> None:
    path = write(tmp_path, "Dockerfile", "FROM x\nRUN <<EOT\napt-get update\nEOT\n")
    (run,) = parse_dockerfile(path).stages[0].instructions
    assert [h.content for h in run.heredocs] == ["apt-get update\n"]
    assert "apt-get update" in run.shell_text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"FROM x\0\n", "binary"),
        (b"\xff\xfeFROM", "not UTF-8"),
    ],
)
def test_unreadable_files(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(DockerfileError, match=message):
        read_text(write(tmp_path, "Dockerfile", data))


def test_a_bom_is_fine(tmp_path: Path) -> None:
    assert read_text(write(tmp_path, "Dockerfile", "\ufeffFROM x\n".encode())) == "FROM x\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$A", "a"),
        ("${A}-x", "a-x"),
        ("${MISSING}", ""),
        ("${MISSING:-fallback}", "fallback"),
        ("${A:-fallback}", "a"),
        ("${A:+set}", "set"),
        ("${MISSING:+set}", ""),
    ],
)
def test_from_substitution(text: str, expected: str) -> None:
    assert expand(text, {"A": "a"}) == expected


def test_global_arg_defaults_see_the_args_above_them(tmp_path: Path) -> None:
    text = (
        "ARG CUDA=11.7.1\n"
        "ARG image=nvidia/cuda:${CUDA}-cudnn8-devel-ubuntu20.04\n"
        'ARG QUOTED="12.1.1-devel-ubuntu22.04"\n'
        "FROM ${image} AS one\n"
        "FROM nvidia/cuda:${QUOTED}\n"
    )
    path = write(tmp_path, "Dockerfile", text)
    first, second = parse_dockerfile(path).stages
    assert first.base_expanded == "nvidia/cuda:11.7.1-cudnn8-devel-ubuntu20.04"
    assert second.base_expanded == "nvidia/cuda:12.1.1-devel-ubuntu22.04"
    overridden = parse_dockerfile(path, {"CUDA": "12.4.1"}).stages[0]
    assert overridden.base_expanded == "nvidia/cuda:12.4.1-cudnn8-devel-ubuntu20.04"


def test_arg_defaults_use_the_args_declared_before(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Dockerfile",
        "ARG CUDA=12.4.1\nARG IMAGE=nvidia/cuda:${CUDA}-runtime-ubuntu22.04\nFROM ${IMAGE}\n",
    )
    assert parse_dockerfile(path).stages[0].base_expanded == (
        "nvidia/cuda:12.4.1-runtime-ubuntu22.04"
    )
    built = parse_dockerfile(path, build_args={"CUDA": "11.8.0"})
    assert built.stages[0].base_expanded == "nvidia/cuda:11.8.0-runtime-ubuntu22.04"


@pytest.mark.parametrize("inside", ["\x0c", "\x1c", "\x85", "\u2028"])
def test_lines_break_at_newlines_only_as_buildkit_counts_them(inside: str) -> None:
    """``str.splitlines`` breaks at these too; buildkit does not, so positions and the fix
    edits that use them would point at the wrong line (found by the fix fuzz campaign)."""
    text = f"FROM python:3.11\n# a{inside}b\nENV A=1\r\nRUN echo hi\n"
    lines = ["FROM python:3.11", f"# a{inside}b", "ENV A=1", "RUN echo hi"]
    assert source_lines(text) == lines
    assert "".join(source_lines(text, keepends=True)) == text
    parsed = parse_text(text, Path("Dockerfile"))
    run = parsed.stages[0].instructions[-1]
    assert (run.keyword, run.position.line) == ("RUN", 4)
