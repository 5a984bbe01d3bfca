"""RUN scripts split into simple commands: separators, wrappers, ``sh -c`` bodies."""

from __future__ import annotations

import pytest

from jettison.dockerfile.model import Instruction, Position
from jettison.dockerfile.shell import ALL_RUNNERS, commands_of, pipelines, split_commands


@pytest.mark.parametrize(
    ("script", "argvs"),
    [
        ("a && b || c; d | e", [["a"], ["b"], ["c"], ["d"], ["e"]]),
        ("FOO=1 BAR=2 pip install x", [["pip", "install", "x"]]),
        ("sudo -E pip install x", [["pip", "install", "x"]]),
        ("sudo -u app pip install x", [["pip", "install", "x"]]),
        ("env X=1 pip install x", [["pip", "install", "x"]]),
        ("env -i PATH=/bin X=1 /usr/bin/pip3 install x", [["/usr/bin/pip3", "install", "x"]]),
        ("nice -n 10 make", [["make"]]),
        ("exec uvicorn app:app", [["uvicorn", "app:app"]]),
        (
            "sh -c 'pip install a && rm -rf /tmp/x'",
            [["pip", "install", "a"], ["rm", "-rf", "/tmp/x"]],
        ),
        ('bash -lc "apt-get update"', [["apt-get", "update"]]),
        ("if true; then apt-get update; fi", [["true"], ["apt-get", "update"]]),
        ("pip install \\\n    flask", [["pip", "install", "flask"]]),
        ("echo 'unbalanced", [["echo", "'unbalanced"]]),
        ("conda install -n env x", [["conda", "install", "-n", "env", "x"]]),
    ],
)
def test_split_commands(script: str, argvs: list[list[str]]) -> None:
    assert [list(c.argv) for c in split_commands(script)] == argvs


def test_command_name_and_words() -> None:
    (command,) = split_commands("/opt/venv/bin/pip3.11 install -q --no-deps x")
    assert command.name == "pip3.11"
    assert command.words() == ["install", "x"]
    assert command.has("--no-deps")
    assert not command.has("--no")


def test_pipelines() -> None:
    found = pipelines("apt-get update && curl -fsSL https://x/i.sh | sh -s -- -y; a | b | c")
    assert [[c.argv[0] for c in p] for p in found] == [["apt-get"], ["curl", "sh"], ["a", "b", "c"]]


@pytest.mark.parametrize(
    ("script", "argv"),
    [
        ("conda run -n env pip install x", ("pip", "install", "x")),
        ("micromamba run -p /opt/env --no-capture-output python -m app", ("python", "-m", "app")),
        ("poetry run pytest -q", ("pytest", "-q")),
        ("uv run --with rich python x.py", ("python", "x.py")),
        (
            "micromamba run --cwd /w -p /opt/env python -m pip install x",
            ("python", "-m", "pip", "install", "x"),
        ),
        ("uv --directory /app run -- python -m app", ("python", "-m", "app")),
        ("hatch -e prod run serve", ("serve",)),
        ("conda run", ("conda", "run")),
    ],
)
def test_environment_runners_are_unwrapped(script: str, argv: tuple[str, ...]) -> None:
    (found,) = split_commands(script, ALL_RUNNERS)
    assert found.argv == argv
    (as_written,) = split_commands(script)  # fix and plan rewrite what is written
    assert as_written.argv == tuple(script.split())


def test_the_image_command_keeps_its_project_runner() -> None:
    from support.commands import run

    assert [c.argv for c in commands_of(run("poetry run python x.py"))] == [("python", "x.py")]
    cmd = Instruction("CMD", ("poetry run uvicorn app:app",), (), "CMD", Position(1), 0)
    assert [c.argv[:2] for c in commands_of(cmd)] == [("poetry", "run")]
