"""RUN scripts split into simple commands: separators, wrappers, ``sh -c`` bodies."""

from __future__ import annotations

import pytest

from jettison.dockerfile.shell import (
    expand_words,
    guarded_commands,
    live_commands,
    shell_assignments,
    split_commands,
)


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


def test_live_commands_drop_what_a_default_build_skips() -> None:
    script = (
        'set -eux; if [ "$TEST_ENV" = "true" ]; then pip install -r requirements-test.txt; '
        "fi; echo done"
    )
    names = lambda env: [c.argv[:2] for c in live_commands(script, env)]  # noqa: E731
    assert names({"TEST_ENV": ""}) == [("set", "-eux"), ("echo", "done")]
    assert ("pip", "install") in names({"TEST_ENV": "true"})
    assert ("pip", "install") in names({})  # unknown value: kept


def test_live_commands_else_branches_and_guards() -> None:
    script = (
        'if [ "$GPU" != "1" ]; then\n pip install cpu-build\nelse\n pip install gpu-build\nfi\n'
        '[ -n "$EXTRA" ] && pip install extra && echo more; pip install always\n'
        'test -z "$SKIP" && pip install unless-skipped'
    )
    words = [c.argv[-1] for c in live_commands(script, {"GPU": "0", "EXTRA": "", "SKIP": ""})]
    assert words == ["cpu-build", "always", "unless-skipped"]
    words = [c.argv[-1] for c in live_commands(script, {"GPU": "1", "EXTRA": "x", "SKIP": "y"})]
    assert words == ["gpu-build", "extra", "more", "always"]


def test_live_commands_keep_what_they_cannot_judge() -> None:
    script = "if command -v nvidia-smi; then pip install a; elif [ -f x ]; then pip install b; fi"
    assert [c.argv[-1] for c in live_commands(script, {})] == ["a", "b"]
    script = (
        'if [ "$V" = 1 ]; then pip install one; elif [ "$V" = 2 ]; then pip install two; '
        "else pip install other; fi"
    )
    for value, kept in (("1", "one"), ("2", "two"), ("3", "other")):
        assert [c.argv[-1] for c in live_commands(script, {"V": value})] == [kept]
    assert [c.argv[-1] for c in live_commands(script, {})] == ["one", "two", "other"]


def test_shell_assignments_and_expansion() -> None:
    script = (
        'umask 002 && ARGS="--frozen --no-dev" && export A=1 B=2; FOO=bar uv sync $ARGS '
        "${EMPTY} --x=${A} $UNKNOWN"
    )
    env = shell_assignments(script)
    assert env == {"ARGS": "--frozen --no-dev", "A": "1", "B": "2"}
    sync = split_commands(script)[-1]
    assert expand_words(sync, {**env, "EMPTY": ""}).argv == (
        "uv",
        "sync",
        "--frozen",
        "--no-dev",
        "--x=1",
        "$UNKNOWN",
    )


def test_environment_runners_are_unwrapped() -> None:
    script = (
        "conda run -n peft --no-capture-output pip install bitsandbytes && "
        "uv run --with rich python app.py && poetry run uvicorn app:api && conda install -y x"
    )
    assert [c.argv[:2] for c in split_commands(script)] == [
        ("pip", "install"),
        ("python", "app.py"),
        ("uvicorn", "app:api"),
        ("conda", "install"),
    ]


def test_guarded_commands() -> None:
    script = (
        "apt-get update && apt-get install -y curl\n"
        'if [ -n "$KEY" ]; then apt-get install -y openssh-server; else echo no; fi\n'
        "[ -f /x ] && pip install a\n"
        "command -v git || apt-get install -y git\n"
        "exec python app.py"
    )
    assert [(c.argv[0], c.argv[-1], g) for c, g in guarded_commands(script)] == [
        ("apt-get", "update", False),
        ("apt-get", "curl", False),
        ("apt-get", "openssh-server", True),
        ("echo", "no", True),
        ("pip", "a", True),
        ("apt-get", "git", True),
        ("python", "app.py", False),
    ]
