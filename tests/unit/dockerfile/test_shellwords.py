"""Shell text as words and operators with where each is written (dockerfile/shellwords.py):
the tokeniser under every command reader, and a RUN script cut into its top-level parts."""

from __future__ import annotations

import pytest

from jettison.dockerfile.shell import split_commands
from jettison.dockerfile.shellwords import (
    Part,
    Token,
    parts,
    quoted,
    simple_words,
    tokens,
    whole_words,
    words,
)


def test_tokens_know_where_they_are_written() -> None:
    script = 'pip install "a b" \\\n  && echo x>/f 2>&1'
    found = tokens(script)
    assert found is not None
    assert [t.text for t in found] == ["pip", "install", "a b", "&&", "echo", "x", ">", "/f",
                                       "2", ">&", "1"]  # fmt: skip
    assert [script[t.start : t.end] for t in found][2:4] == ['"a b"', "&&"]
    assert found[2] == Token("a b", 12, 17, plain=False)
    assert found[3].operator and not found[6].operator


@pytest.mark.parametrize("script", ["echo 'open", 'echo "open', "echo trailing\\"])
def test_what_cannot_be_read(script: str) -> None:
    assert tokens(script) is None
    assert words(script) == script.split()  # a reader of commands never fails


# What shlex (the tokeniser before this one) read otherwise than the shell, and fix's own
# scanner (fix/script.py) read as the shell does: the command readers now agree with it.
@pytest.mark.parametrize(
    ("script", "argvs"),
    [
        (  # a URL fragment is no comment: shlex dropped the rest of the line
            "pip install git+https://h/r.git#egg=r && python -m nltk.downloader punkt",
            [["pip", "install", "git+https://h/r.git#egg=r"],
             ["python", "-m", "nltk.downloader", "punkt"]],
        ),
        ("echo ${V#prefix} $# && ls", [["echo", "${V#prefix}", "$#"], ["ls"]]),
        ("a # note\nb", [["a"], ["b"]]),  # the comment's newline still ends the command
        ("pip install x 2>&1 | tee log", [["pip", "install", "x", "2", ">&", "1"], ["tee", "log"]]),
        ("make &>/dev/null && ls", [["make", "&>", "/dev/null"], ["ls"]]),
        ("echo hi >&2", [["echo", "hi", ">&", "2"]]),
        # a quoted or escaped operator is a word, as fix's scanner read it: shlex's text
        # could not tell ";" from ';' (nor an empty "" from no word at all)
        ("find /opt -name '*.pyc' -exec rm {} \\; && ls",
         [["find", "/opt", "-name", "*.pyc", "-exec", "rm", "{}", ";"], ["ls"]]),
        ('echo "&&" "" x', [["echo", "&&", "", "x"]]),
        (
            "apt-get -o Acquire::Retries=3 install -y curl",
            [["apt-get", "-o", "Acquire::Retries=3", "install", "-y", "curl"]],
        ),
    ],
)  # fmt: skip
def test_where_shlex_was_not_the_shell(script: str, argvs: list[list[str]]) -> None:
    assert [list(c.argv) for c in split_commands(script)] == argvs


def test_parts_keep_their_text_and_separators() -> None:
    found = parts('apt-get update && apt-get install -y gcc && echo "a && b" > /x; ls')
    assert found == [
        Part("apt-get update", "&&", True),
        Part("apt-get install -y gcc", "&&", True),
        Part('echo "a && b" > /x', ";", True),
        Part("ls", "", True),
    ]


def test_compound_commands_stay_whole() -> None:
    found = parts('if [ -n "$X" ]; then pip install y; fi && { a; b; } && (cd c && d) && e || f')
    assert found is not None
    assert [p.text for p in found] == [
        'if [ -n "$X" ]; then pip install y; fi',
        "{ a; b; }",
        "(cd c && d)",
        "e || f",
    ]
    assert [p.simple for p in found] == [False, False, False, False]


def test_quotes_substitutions_and_redirections() -> None:
    found = parts("pip install x 2>&1 | tee log && rm -rf $(pip cache dir) && echo 'done; ok'")
    assert found is not None
    assert [p.text for p in found] == [
        "pip install x 2>&1 | tee log",
        "rm -rf $(pip cache dir)",
        "echo 'done; ok'",
    ]


@pytest.mark.parametrize(
    "script",
    ["a & b", "case $x in a) b;; esac", "cat <<EOF\nx\nEOF", "echo 'unbalanced", "if a; then b"],
)
def test_what_the_scanner_is_not_sure_of(script: str) -> None:
    assert parts(script) is None


@pytest.mark.parametrize(
    "script",
    [
        'apt-get update && apt-get install -y gcc && echo "a && b" > /x; ls',
        "pip install git+https://h/r.git#egg=r && python -m nltk.downloader punkt",
        "a # note\nb",
        "pip install x 2>&1 | tee log && rm -rf /tmp/x",
        "make &>/dev/null && ls",
        "echo ';' \"&&\" && find / -exec rm {} \\; ; ls",
        "a\\\n && b \\\n ; c",
        "x=1 && if [ $x ]; then y; fi && z || w",
        "echo 'it''s' \"a\\\"b\" && b",
    ],
)
def test_parts_hold_the_commands_split_commands_reads(script: str) -> None:
    """Cutting a script into parts never moves a command across a cut: the parts' commands,
    in order, are the script's."""
    found = parts(script)
    assert found is not None
    pieces = [c.argv for p in found for c in split_commands(p.text)]
    assert pieces == [c.argv for c in split_commands(script)]


def test_line_continuations_at_a_cut_are_dropped() -> None:
    assert parts("a \\\n && \\\n b") == [Part("a", "&&", True), Part("b", "", True)]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("rm -rf $(poetry config cache-dir)", ["rm", "-rf", "$(poetry config cache-dir)"]),
        ('rm -rf "$(poetry config cache-dir)"', ["rm", "-rf", "$(poetry config cache-dir)"]),
        ("rm -rf $(pip cache dir)/http /tmp/*", ["rm", "-rf", "$(pip cache dir)/http", "/tmp/*"]),
        ("cd /usr/lib/$(uname -p)-linux-gnu", ["cd", "/usr/lib/$(uname -p)-linux-gnu"]),
        ("echo $((1 + 2)) $(a; b)", ["echo", "$((1 + 2))", "$(a; b)"]),
        ("a && b", None),
        ("a | b", None),
        ("(a)", None),
        ("echo `date`", None),
        ("echo $(a", None),
    ],
)
def test_simple_words_keep_substitutions_whole(script: str, expected: list[str] | None) -> None:
    assert simple_words(script) == expected


def test_quoted_strings_know_where_each_character_is_written() -> None:
    script = """sh -c "a \\"b\\" \\$c" x'd e'"""
    found = quoted(script)
    assert found is not None
    assert [q.text for q in found] == ['a "b" \\$c', "d e"]
    double, single = found
    start, end = double.span(2, 5)  # "b" with its quotes
    assert script[start:end] == '\\"b\\"'
    start, end = double.span(6, len(double.text))
    assert script[start:end] == "\\$c"
    assert single.span(0, 3) == (script.index("d"), script.index("d") + 3)


def test_quoted_strings_of_what_holds_none() -> None:
    assert quoted("plain words only") == []
    assert quoted("sh -c 'open") is None


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("a=$(x) b && c", ["a=$(x)", "b", "&&", "c"]),
        ('c "$(pwd)"/d $(( 1+2 ))|e', ["c", "$(pwd)/d", "$(( 1+2 ))", "|", "e"]),
        ("echo `date +%s`x; b", ["echo", "`date +%s`x", ";", "b"]),
        ("f() { x; }", ["f", "(", ")", "{", "x", ";", "}"]),
        ("x);(y", ["x", ")", ";", "(", "y"]),
        ("echo x>/f 2>&1", ["echo", "x", ">", "/f", "2", ">&", "1"]),
        ("echo $(a", None),
        ("echo `a", None),
    ],
)
def test_whole_words_keep_substitutions_whole(script: str, expected: list[str] | None) -> None:
    found = whole_words(script)
    assert (None if found is None else [t.text for t in found]) == expected


def test_whole_words_know_where_they_are_written() -> None:
    script = "rm -rf $(poetry config cache-dir)/x && echo"
    found = whole_words(script)
    assert found is not None
    assert [script[t.start : t.end] for t in found] == [t.text for t in found]
    assert [t.operator for t in found] == [False, False, False, True, False]
    assert [t.redirection for t in whole_words("a 2>&1 >>f") or ()] == [
        False, False, True, False, True, True, False
    ]  # fmt: skip


def test_a_redirection_is_not_part_of_a_simple_word() -> None:
    assert simple_words("echo $(date)>/f") == ["echo", "$(date)", ">", "/f"]


def test_a_substitution_is_never_cut_and_leaves_a_part_simple() -> None:
    """What a ``$(...)`` or backquotes hold is a word of the part, not its structure."""
    script = "X=$(if a; then b; fi) && echo `c && d` $((1 + (2))) && (e) && f"
    found = parts(script)
    assert found is not None
    assert [(p.text, p.simple) for p in found] == [
        ("X=$(if a; then b; fi)", True),
        ("echo `c && d` $((1 + (2)))", True),
        ("(e)", False),
        ("f", True),
    ]


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("apt-get install -y \ufffd# curl", ["apt-get", "install", "-y", "\ufffd#", "curl"]),
        ("echo caf\u00e9 \u4e2d\u6587#x # gone", ["echo", "caf\u00e9", "\u4e2d\u6587#x"]),
        ("echo a;#gone", ["echo", "a", ";"]),
        ("echo a>#x", ["echo", "a", ">"]),
    ],
)
def test_characters_beyond_ascii_are_word_characters(script: str, expected: list[str]) -> None:
    """The shell splits words only at its metacharacters: ``\ufffd#`` is one word, where a
    token per character made the ``#`` a comment (a fuzz input: lint lost the RUN's rest)."""
    assert words(script) == expected
