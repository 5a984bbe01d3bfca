"""RUN scripts split into simple commands: separators, wrappers, ``sh -c`` bodies."""

from __future__ import annotations

import pytest

from jettison.dockerfile.shell import (
    Command,
    split_commands,
)
from jettison.dockerfile.shellwords import KEYWORDS


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


@pytest.mark.parametrize(
    ("text", "argv"),
    [
        ("echo $# ${#v}", ["echo", "$#", "${#v}"]),
        ("echo a\\ #b", ["echo", "a #b"]),
        ("echo '#x' \"#y\" # z", ["echo", "#x", "#y"]),
        ("echo 'it''s' # done", ["echo", "its"]),
        ('echo "a \\" #b" #c', ["echo", 'a " #b']),
    ],
)
def test_a_comment_starts_only_at_the_start_of_a_word(text: str, argv: list[str]) -> None:
    """shlex's comments also cut ``pkg/#x``; the shell does not (found by the fix fuzz
    campaign: the cleanup fix appended after such a word was invisible to lint)."""
    assert split_commands(text) == [Command(tuple(argv))]


def test_a_word_holding_a_hash_is_one_argument() -> None:
    assert split_commands("apt-get install -y pkg/#x && rm -rf /tmp/y # gone\nls") == [
        Command(("apt-get", "install", "-y", "pkg/#x")),
        Command(("rm", "-rf", "/tmp/y")),
        Command(("ls",)),
    ]


@pytest.mark.parametrize("keyword", sorted(KEYWORDS))
def test_a_reserved_word_is_never_a_program(keyword: str) -> None:
    assert [c.argv for c in split_commands(f"{keyword} pip install x")] == [("pip", "install", "x")]


def test_case_and_its_closer_are_not_programs() -> None:
    found = split_commands("case $GPU in\n  1) pip install torch ;;\nesac")
    assert "pip" in [c.name for c in found]
    assert not {"case", "esac"} & {c.name for c in found}
