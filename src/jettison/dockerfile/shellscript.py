"""A shell script a container runs (an entrypoint, a start script), command by command.

:func:`jettison.dockerfile.shell.split_commands` answers "which programs run" for a RUN
line; a start script needs more: on which line each command sits, whether it runs inside
an ``if`` or a function, whether it is ``exec``'d or sent to the background (which decides
whether the shell stays PID 1), and what ``"$@"``, ``set -- ...`` and ``eval $CMD`` stand
for. This reads scripts the way the shell would, as far as that can be decided without
running them:

* ``"$@"``/``$*`` (and a variable assigned from them, ``args="$@"``) are the arguments the
  script was given, word-split; ``set -- WORDS`` replaces them, ``shift`` drops the first;
* ``eval $CMD`` and a bare ``$CMD`` run the command ``CMD`` was first assigned
  (``CMD="vllm serve $MODEL"``; later ``CMD="$CMD --flag"`` appends are left out);
* ``$(...)`` and backticks are one word: their commands do not run in the script's process.

What cannot be decided (a variable set elsewhere, a ``case`` branch) is left as written.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

from jettison.dockerfile.shell import Command, split_commands
from jettison.dockerfile.shellwords import COMPOUND, KEYWORDS, Token, read, whole_words

_CONDITIONAL = {opener: closer for opener, closer in COMPOUND.items() if opener != "{"}
"""The compound commands whose body may not run (a ``{ ...; }`` group runs once)."""
_FUNCTION = re.compile(r"^\s*(?:function\s+[\w.:-]+|[\w.:-]+\s*\(\s*\))\s*(?:\{|\(|$)")
_ASSIGNMENT = re.compile(r"^([A-Za-z_]\w*)=(.*)$", re.DOTALL)
_HEREDOC = re.compile(r"<<-?\s*([\"']?)(\w+)\1")
_POSITIONAL = re.compile(r"^\$(?:@|\*|\{@\}|\{\*\})$")
_VARIABLE = re.compile(r"^\$(?:\{(\w+)\}|(\w+))$")
_TRAP = re.compile(r"^\s*trap\s+.*\b(?:SIG)?(?:TERM|INT|EXIT|15)\b", re.MULTILINE)
_NUMBERED = re.compile(r"^\$(?:(\d)|\{(\d)\})$")


@dataclass(frozen=True, slots=True)
class ScriptCommand:
    """One simple command of a script, where it sits and how it runs."""

    command: Command
    line: int
    """1-based line of the script where the command starts."""
    execs: bool = False
    """Run with ``exec``: it replaces the shell."""
    background: bool = False
    """Sent to the background with ``&``."""
    conditional: bool = False
    """Inside an ``if``/``case``/loop, or after ``&&``/``||``: it may not run."""
    in_function: bool = False
    """In a function body (runs only when the function is called)."""
    evaluated: bool = False
    """Run through ``eval`` or a variable holding the command (``eval $CMD``, ``$CMD``)."""


@dataclass
class _State:
    args: list[str]
    given: list[str] = field(default_factory=list)
    """The arguments the script was started with."""
    variables: dict[str, str] = field(default_factory=dict)
    positional_vars: set[str] = field(default_factory=set)
    depth: int = 0
    function_braces: int = 0
    in_function: bool = False


def traps_signals(text: str) -> bool:
    """Whether the script traps SIGTERM/SIGINT (or EXIT) to pass them on or clean up."""
    return _TRAP.search(text) is not None


def script_commands(text: str, args: Sequence[str] = ()) -> list[ScriptCommand]:
    """The simple commands of shell script ``text`` run with ``args``, in order."""
    words = [w for a in args for w in a.split()]
    state = _State(args=list(words), given=list(words))
    out: list[ScriptCommand] = []
    for number, line in _logical_lines(text):
        if _FUNCTION.match(line):
            state.in_function = True
            state.function_braces = 0
        out.extend(_line_commands(number, line, state))
    return out


def final_command(commands: Sequence[ScriptCommand]) -> ScriptCommand | None:
    """The command the script ends on: the last one outside functions that is not
    bookkeeping (``exit``, ``wait``, ``echo``, removing a flag file...)."""
    for found in reversed(commands):
        if found.in_function or found.command.name in _BOOKKEEPING:
            continue
        return found
    return None


_BOOKKEEPING = frozenset(
    {"exit", "wait", "echo", "printf", "true", "false", ":", "rm", "set", "export", "unset",
     "shift", "return", "trap", "sleep", "cd", "pushd", "popd", "touch", "mkdir", "chmod",
     "chown", "test", "[", "[[", "local", "readonly", "declare", "logger"}
)  # fmt: skip


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) of each line, continuations joined, heredoc bodies left out."""
    out: list[tuple[int, str]] = []
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        start = index
        current = lines[index]
        while current.endswith("\\") and index + 1 < len(lines):
            index += 1
            current = current[:-1] + " " + lines[index]
        index += 1
        marker = _HEREDOC.search(current)
        if marker is not None:  # skip the body up to the marker line
            while index < len(lines) and lines[index].strip() != marker.group(2):
                index += 1
            index += 1
        out.append((start + 1, current))
    return out


def _tokens(line: str) -> list[tuple[str, bool]]:
    """The words (a substitution one word, as written) and operators of ``line``, without
    its redirections (``>&2``, ``2>&1``, ``&>/dev/null``, ``> file``: not words of the
    command, and their ``&`` sends nothing to the background)."""
    found = whole_words(line)
    if found is None:  # an unbalanced quote or substitution: read as well as can be
        return read(line)
    kept: list[Token] = []
    target = False  # the word after a redirection is its file
    for token in found:
        if token.redirection:
            if kept and kept[-1].text.isdigit() and kept[-1].end == token.start:
                kept.pop()  # the descriptor of 2>
            target = True
        elif target and not token.operator:
            target = False
        else:
            target = False
            kept.append(token)
    return [(token.text, token.operator) for token in kept]


def _words(text: str) -> list[str]:
    return [token for token, _ in _tokens(text)]


def _segments(tokens: list[tuple[str, bool]]) -> list[tuple[list[str], str]]:
    """The words of each simple command with the operator that ends it; the ``name ( )`` of
    a function's definition is none."""
    out: list[tuple[list[str], str]] = []
    current: list[str] = []
    for index, (token, operator) in enumerate(tokens):
        if not operator:
            current.append(token)
            continue
        if token == "(" and len(current) == 1 and tokens[index + 1 : index + 2] == [(")", True)]:
            current = []  # name ( ): the body that follows is the function's
            continue
        out.append((current, token))
        current = []
    out.append((current, ""))
    return [(words, end) for words, end in out if words]


def _line_commands(number: int, line: str, state: _State) -> list[ScriptCommand]:
    out: list[ScriptCommand] = []
    after_operator = False
    for words, end in _segments(_tokens(line)):
        words = _keywords(words, state)
        if not words:
            continue
        if (state.in_function and words in (["}"],)) or words[0] == "function":
            continue  # a function's end, or its start: function name {
        found = _command(words, state)
        if found is not None:
            command, execs, evaluated = found
            conditional = state.depth > 0 or after_operator or end in ("&&", "||")
            out.append(
                ScriptCommand(
                    command, number, execs, end == "&", conditional, state.in_function, evaluated
                )
            )
        after_operator = end in ("&&", "||")
    return out


def _keywords(words: list[str], state: _State) -> list[str]:
    """``words`` without leading shell keywords, tracking ``if``/loop and function nesting."""
    for word in words:
        if state.in_function and word in ("{", "}"):
            state.function_braces += 1 if word == "{" else -1
            if state.function_braces <= 0 and word == "}":
                state.in_function = False
    while words and words[0] in KEYWORDS:
        word = words.pop(0)
        if word in _CONDITIONAL:
            state.depth += 1
        elif word in _CONDITIONAL.values():
            state.depth = max(0, state.depth - 1)
    if words and words[-1] in _CONDITIONAL.values():  # `fi` closing on the same line
        state.depth = max(0, state.depth - 1)
        words = words[:-1]
    return words


def _command(words: list[str], state: _State) -> tuple[Command, bool, bool] | None:
    """The command ``words`` run (assignments recorded), with whether it is exec'd and
    whether it came from ``eval``/a variable; None for assignments and bookkeeping."""
    while words and (match := _ASSIGNMENT.match(words[0])):
        if len(words) == 1:
            _assign(match.group(1), match.group(2), state)
            return None
        words = words[1:]  # FOO=bar cmd: for this command only
    execs = bool(words) and words[0] == "exec"
    if execs:
        words = words[1:]
    if not words:
        return None
    if words[0] == "export" and len(words) > 1:
        for word in words[1:]:
            if match := _ASSIGNMENT.match(word):
                _assign(match.group(1), match.group(2), state)
        return None
    if words[0] == "set" and len(words) > 1 and words[1] == "--":
        if state.depth > 0:  # one branch of several: "$@" is still what the script got
            state.args = state.given
        state.args = _expand(words[2:], state)
        return None
    if words[0] == "shift":
        state.args = state.args[1:]
        return None
    evaluated = False
    if words[0] == "eval":
        words, evaluated = words[1:], True
    if (match := _VARIABLE.match(words[0])) and (
        match.group(1) or match.group(2)
    ) in state.variables:
        evaluated = True  # $CMD as the command: what CMD holds runs
        words = [*_words(state.variables[match.group(1) or match.group(2)]), *words[1:]]
    elif evaluated and words:
        words = [
            w for word in _expand(words[:1], state, variables=True) for w in word.split()
        ] + words[1:]
    expanded = _expand(words, state)
    if evaluated:
        expanded = [w for word in expanded for w in word.split()]
    if not expanded:  # "$@" with no arguments: the command is still there, unknown
        expanded = list(words)
    commands = split_commands(shlex.join(expanded))
    if not commands:
        return None
    return commands[0], execs, evaluated


def _assign(name: str, value: str, state: _State) -> None:
    if _POSITIONAL.match(value.strip('"')) or value.strip('"') in ("$@", "$*"):
        state.positional_vars.add(name)
        return
    if f"${name}" in value or f"${{{name}}}" in value:
        return  # CMD="$CMD --flag": keep the first assignment
    state.variables.setdefault(name, value)


def _expand(words: Sequence[str], state: _State, *, variables: bool = False) -> list[str]:
    """Positional parameters and printing substitutions expanded as far as known (and, with
    ``variables``, the variables the script assigned)."""
    out: list[str] = []
    for word in words:
        variable = _VARIABLE.match(word)
        name = (variable.group(1) or variable.group(2)) if variable else None
        if _POSITIONAL.match(word) or (name is not None and name in state.positional_vars):
            out.extend(state.args)
        elif (numbered := _NUMBERED.match(word)) is not None:
            index = int(numbered.group(1) or numbered.group(2))
            out.append(state.args[index - 1] if 0 < index <= len(state.args) else word)
        elif variables and name is not None and name in state.variables:
            out.extend(_words(state.variables[name]))
        elif (inner := _substitution(word)) is not None:
            if _uses_positional(inner, state):
                out.extend(state.args)
            else:
                out.append(f"$({inner})")
        else:
            out.append(word)
    return out


def _substitution(word: str) -> str | None:
    """The command of a word that is one substitution, ``$(...)`` or backquoted."""
    if len(word) > 1 and word[0] == word[-1] == "`" and "`" not in word[1:-1]:
        return word[1:-1]
    if not (word.startswith("$(") and word.endswith(")")) or word.startswith("$(("):
        return None
    depth = 0
    for index, char in enumerate(word[1:], start=1):
        depth += (char == "(") - (char == ")")
        if depth == 0:
            return word[2:-1] if index == len(word) - 1 else None
    return None


_ECHO = re.compile(r"^\s*(?:eval\s+)?echo\s")


def _uses_positional(text: str, state: _State) -> bool:
    """Whether substitution ``text`` just prints the arguments (``$(eval echo "$args")``)."""
    if _ECHO.match(text) is None:
        return False
    if "$@" in text or "$*" in text:
        return True
    return any(f"${v}" in text or f"${{{v}}}" in text for v in state.positional_vars)
