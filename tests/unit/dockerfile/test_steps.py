"""Each instruction with the working directory and environment in effect when it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.steps import (
    all_steps,
    assignment_items,
    assignments,
    chain,
    default_build_env,
    expand,
    runtime_steps,
    shipped_steps,
    steps,
    unquote,
)
from support.files import write

TEXT = (
    "FROM python:3.11 AS base\n"
    "ENV APP=/srv HOME=/home/app\n"
    "ARG TOKEN=abc\n"
    "WORKDIR $APP\n"
    "RUN true\n"
    "FROM python:3.11 AS other\n"
    "RUN true\n"
    "FROM base\n"
    "WORKDIR api\n"
    "RUN true\n"
)


def test_working_directory_and_environment_follow_the_chain(tmp_path: Path) -> None:
    dockerfile = parse_dockerfile(write(tmp_path, "Dockerfile", TEXT))
    base, other, final = dockerfile.stages
    assert chain(dockerfile, final) == [base, final]
    run = steps(dockerfile, final)[-1]
    assert run.cwd == "/srv/api"
    assert run.env["APP"] == "/srv" and "TOKEN" not in run.env  # an ARG stays in its stage
    assert steps(dockerfile, base)[-1].env["TOKEN"] == "abc"
    assert [s.instruction.position.line for s in runtime_steps(dockerfile)] == [2, 3, 4, 5, 9, 10]
    assert [s.runtime for s in all_steps(dockerfile)] == [True] * 4 + [False] + [True] * 2
    assert steps(dockerfile, other)[0].cwd == "/"


def test_assignments(tmp_path: Path) -> None:
    dockerfile = parse_dockerfile(
        write(tmp_path, "Dockerfile", "FROM x\nENV A=\"a b\" B=1\nARG C='c' D\nENV E f\n")
    )
    env, arg, legacy = dockerfile.stages[0].instructions
    assert assignments(env) == {"A": "a b", "B": "1"}
    assert assignment_items(arg) == [("C", "c"), ("D", None)]
    assert assignments(arg) == {"C": "c"}
    assert assignments(legacy) == {"E": "f"}


@pytest.mark.parametrize(
    ("value", "expected"), [('"a b"', "a b"), ("'x'", "x"), ('"a', '"a'), ("", ""), ("ab", "ab")]
)
def test_unquote(value: str, expected: str) -> None:
    assert unquote(value) == expected


def test_expand_leaves_unknown_variables() -> None:
    assert expand("$HOME/x/${APP}/$NOPE", {"HOME": "/root", "APP": "a"}) == "/root/x/a/$NOPE"


@pytest.mark.parametrize(
    ("path", "cwd", "expected"),
    [
        ("x", "/app", "/app/x"),
        ("../x", "/app", "/x"),
        ("/opt/venv/", "/app", "/opt/venv"),
        (".", "/", "/"),
        ("a/./b", "", "/a/b"),
    ],
)
def test_absolute(path: str, cwd: str, expected: str) -> None:
    assert absolute(path, cwd) == expected


@pytest.mark.parametrize(
    ("outer", "inner", "expected"),
    [
        ("/root/.cache", "/root/.cache/pip", True),
        ("/root/.cache", "/root/.cache", True),
        ("/", "/anything", True),
        ("/root/.cache", "/root/.cachex", False),
        ("/a/b", "/a", False),
    ],
)
def test_covers(outer: str, inner: str, expected: bool) -> None:
    assert covers(outer, inner) is expected


def test_shipped_steps_include_stages_copied_whole(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11 AS base\nRUN one\n"
        "FROM python:3.11 AS tools\nRUN two\n"
        "FROM scratch\nCOPY --from=base / /\nCOPY --from=tools /opt /opt\nRUN three\n"
    )
    dockerfile = parse_dockerfile(write(tmp_path, "Dockerfile", text))
    shipped = shipped_steps(dockerfile)
    assert [s.instruction.position.line for s in shipped] == [2, 6, 7, 8]
    assert all(s.runtime for s in shipped)
    assert [s.instruction.position.line for s in runtime_steps(dockerfile)] == [6, 7, 8]


def test_default_build_env_gives_args_without_default_their_empty_value(tmp_path: Path) -> None:
    dockerfile = parse_dockerfile(
        write(
            tmp_path,
            "Dockerfile",
            "ARG VARIANT=cpu\nFROM python:3.12-slim\nARG VARIANT\nARG TEST_ENV\n"
            "ARG TARGETPLATFORM\nENV MODE=prod\nRUN echo\nARG LATE\n",
        )
    )
    stage = dockerfile.stages[0]
    run = next(s for s in steps(dockerfile, stage) if s.instruction.keyword == "RUN")
    assert default_build_env(dockerfile, run) == {
        "VARIANT": "cpu",  # the global default
        "TEST_ENV": "",
        "MODE": "prod",
    }
