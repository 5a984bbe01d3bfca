"""Options, their values and positional arguments, read the way programs read them."""

from __future__ import annotations

import pytest

from jettison.dockerfile.commands.options import (
    getopt,
    has_option,
    last_value,
    option_values,
    positionals,
    short_flags,
)
from support.commands import command


@pytest.mark.parametrize(
    ("line", "valued", "expected"),
    [
        ("apt-get -o Acquire::Retries=3 install -y curl", {"-o"}, ["install", "curl"]),
        ("apt-get -oAcquire::Retries=3 install curl", {"-o"}, ["install", "curl"]),
        ("apt-get --option=x install curl", {"--option"}, ["install", "curl"]),
        ("rm -rf -- -weird /tmp/x", set(), ["-weird", "/tmp/x"]),
        ("tool - a", set(), ["-", "a"]),
        ("tool -o", {"-o"}, []),
    ],
)
def test_positionals_skip_option_values(line: str, valued: set[str], expected: list[str]) -> None:
    assert positionals(command(line), valued) == expected


def test_short_flags_and_has_option() -> None:
    chown = command("chown -Rh app:app /srv")
    assert short_flags(chown) == {"R", "h"}
    assert has_option(chown, "--recursive", "R")
    assert has_option(command("chmod --recursive=yes 700 /x"), "--recursive", "R")
    assert not has_option(command("chown app /x"), "--recursive", "R")


def test_option_values() -> None:
    args = ("install", "--only", "main", "--with=dev,test", "-n", "env", "--only")
    assert option_values(args, "--only") == ["main"]
    assert option_values(args, "--with") == ["dev,test"]
    assert option_values(args, "-n") == ["env"]
    assert option_values(("-n=env",), "-n") == []  # a short option takes no =value


@pytest.mark.parametrize(
    ("args", "options", "words"),
    [
        (
            ["-sSLo", "out.bin", "https://x"],
            [("-s", ""), ("-S", ""), ("-L", ""), ("-o", "out.bin")],
            ["https://x"],
        ),
        (["-oout.bin", "u"], [("-o", "out.bin")], ["u"]),
        (["--output", "f", "--output=g", "u"], [("--output", "f"), ("--output", "g")], ["u"]),
        (["--silent", "--", "-not-an-option"], [("--silent", "")], ["-not-an-option"]),
    ],
)
def test_getopt(args: list[str], options: list[tuple[str, str]], words: list[str]) -> None:
    assert getopt(args, frozenset("o"), frozenset({"--output"})) == (options, words)


def test_last_value() -> None:
    options = [("-o", "a"), ("-s", ""), ("--output", "b")]
    assert last_value(options, "-o", "--output") == "b"
    assert last_value(options, "-O") is None
