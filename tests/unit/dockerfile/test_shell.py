"""RUN scripts split into simple commands: separators, wrappers, ``sh -c`` bodies."""

from __future__ import annotations

import pytest

from jettison.dockerfile.shell import (
    Command,
    command_words,
    source_words,
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


def test_source_words_are_written_words_with_their_offsets() -> None:
    script = 'RUN pip install -e ".[a b]" \\\n  # a comment\n  && echo x\\ y;rm -rf /tmp/a'
    words = source_words(script)
    assert words is not None
    assert [w.text for w in words] == [
        "RUN", "pip", "install", "-e", '".[a b]"', "&&", "echo", "x\\ y", ";", "rm", "-rf",
        "/tmp/a",
    ]  # fmt: skip
    assert all(script[w.start : w.end] == w.text for w in words)


def test_source_words_newlines_separate_and_comment_lines_go_whole() -> None:
    script = "pip install x  # why\n# a comment line\n  pip install y"
    words = source_words(script)
    assert words is not None
    assert [w.text for w in words] == [
        "pip", "install", "x", "\n", "pip", "install", "y",
    ]  # fmt: skip


def test_command_words_never_join_two_lines_of_a_script() -> None:
    script = "echo pip\ninstall x\necho pip install x"
    (found,) = [c for c in split_commands(script) if c.name == "echo" and len(c.argv) > 2]
    words = command_words(script, found)
    assert words is not None and words[0].start == script.rindex("echo")


def test_no_words_as_written_when_a_quote_is_not_closed() -> None:
    """The scanner before shellwords kept ``'unbalanced x`` as the last word; words read
    from a script the shell would refuse are a guess, and an edit made on a guess could
    break the RUN: no words, and no edit."""
    assert source_words("echo 'unbalanced x") is None
    script = "pip install x && echo 'unbalanced"
    assert command_words(script, split_commands(script)[0]) is None


@pytest.mark.parametrize(
    ("script", "index", "texts"),
    [
        ("RUN sudo pip install x", 0, ["pip", "install", "x"]),
        ("RUN a && pip install \\\n    'x>=1'", 1, ["pip", "install", "'x>=1'"]),
        ("RUN pip install x>=1", 0, ["pip", "install", "x>=1", "x>=1", "x>=1"]),
        ("RUN sh -c 'cd /app && pip install -e .'", 1, ["pip", "install", "-e", "."]),
    ],
)
def test_command_words_find_where_a_command_is_written(
    script: str, index: int, texts: list[str]
) -> None:
    command = split_commands(script.removeprefix("RUN "))[index]
    words = command_words(script, command)
    assert words is not None
    assert [w.text for w in words] == texts
    assert all(script[w.start : w.end] == w.text for w in words)


def test_command_words_in_a_double_quoted_body_are_placed_past_its_escapes() -> None:
    script = 'RUN sh -c "echo \\$HOME; pip install \\"x>=1\\" \\\\y" && ls'
    command = split_commands(script.removeprefix("RUN "))[1]
    assert command.argv == ("pip", "install", "x>=1", "y")  # the body holds \\y
    words = command_words(script, command)
    assert words is not None
    assert [w.text for w in words] == ["pip", "install", '\\"x>=1\\"', "\\\\y"]
    assert all(script[w.start : w.end] == w.text for w in words)


def test_command_words_never_read_an_operator_as_part_of_a_word() -> None:
    script = "pip install x 2>&1;pip install y"
    first, second = split_commands(script)
    words = command_words(script, first)
    assert words is not None and [w.text for w in words][-3:] == ["2>&1"] * 3
    words = command_words(script, second)
    assert words is not None and words[0].start == script.rindex("pip")


def test_command_words_of_an_exec_form_body() -> None:
    script = 'RUN ["sh", "-c", "pip install x"]'
    words = command_words(script, Command(("pip", "install", "x")))
    assert words is not None and [w.text for w in words] == ["pip", "install", "x"]


def test_command_words_take_the_first_place_a_command_stands() -> None:
    script = "pip install x && pip install x"
    first, second = split_commands(script)
    assert command_words(script, first) == command_words(script, second)
    words = command_words(script, first)
    assert words is not None and words[0].start == 0


def test_command_words_none_when_the_command_is_not_there() -> None:
    assert command_words("pip install y", split_commands("pip install x")[0]) is None


@pytest.mark.parametrize("keyword", sorted(KEYWORDS))
def test_a_reserved_word_is_never_a_program(keyword: str) -> None:
    assert [c.argv for c in split_commands(f"{keyword} pip install x")] == [("pip", "install", "x")]


def test_case_and_its_closer_are_not_programs() -> None:
    found = split_commands("case $GPU in\n  1) pip install torch ;;\nesac")
    assert "pip" in [c.name for c in found]
    assert not {"case", "esac"} & {c.name for c in found}
