"""Split a RUN script into simple commands (``apt-get install -y curl``, ``rm -rf ...``).

The words come from :mod:`jettison.dockerfile.shellwords` (shlex's POSIX reading, with
``&&``, ``||``, ``;``, ``|`` and newlines separating commands as in a shell); that is all
the rules need (which programs run, with which arguments, in which RUN). A full bash
grammar (bashlex) was tried and rejected: it raises on constructs common in Dockerfiles
(``set -eux;`` with here-strings, ``[[ ]]``, arithmetic), and a linter must not fail on a
valid build script.
"""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from jettison.dockerfile import shellwords
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.shellwords import KEYWORDS
from jettison.dockerfile.shellwords import read as _tokens

_WRAPPERS = frozenset({"sudo", "env", "time", "exec", "nohup", "nice", "command", "xargs"})
_WRAPPER_VALUED = {
    "sudo": frozenset({"-u", "--user", "-g", "--group", "-C", "-D", "-h", "-p", "-r", "-t"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "xargs": frozenset({"-n", "-I", "-P", "-d", "-L", "-s", "-E", "-a"}),
}
"""Options of the wrappers that take a value (``sudo -u app``): skipped with it."""
SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh"})
"""Programs that run a script given with ``-c`` (or a heredoc) as shell commands."""
_HEREDOC_MARK = re.compile(r"<<-?\s*([\"']?)(\w+)\1")


@dataclass(frozen=True, slots=True)
class Command:
    argv: tuple[str, ...]

    @property
    def name(self) -> str:
        """The program's base name (``/usr/bin/pip3`` -> ``pip3``)."""
        # What posixpath.basename does, without its type checks: called ~2,000 times per
        # lint (measured in the fuzz harness's profile).
        return self.argv[0].rpartition("/")[2] if self.argv else ""

    @property
    def args(self) -> tuple[str, ...]:
        return self.argv[1:]

    def has(self, *options: str) -> bool:
        """True when any of ``options`` is among the arguments (``--opt=value`` counts)."""
        for arg in self.args:
            for option in options:
                if arg == option or arg.startswith(option + "="):
                    return True
        return False

    def words(self) -> list[str]:
        """Arguments that are not options (``install``, package names...)."""
        return [a for a in self.args if not a.startswith("-")]


def _is_assignment(word: str) -> bool:
    return "=" in word and not word.startswith("=") and word.split("=")[0].isidentifier()


_CONDA_VALUED = frozenset(
    {"-n", "--name", "-p", "--prefix", "--cwd", "-a", "--attach", "-e", "--env", "-r",
     "--root-prefix", "--label"}
)  # fmt: skip
RUNNER_OPTIONS: Mapping[str, frozenset[str]] = {
    "conda": _CONDA_VALUED,
    "mamba": _CONDA_VALUED,
    "micromamba": _CONDA_VALUED,
    "poetry": frozenset({"-C", "--directory", "-P", "--project"}),
    "uv": frozenset({"--with", "--with-editable", "--with-requirements", "--python", "-p",
                     "--directory", "--project", "--package", "--group", "--extra",
                     "--env-file", "--index", "--index-url", "--extra-index-url"}),
    "pdm": frozenset({"-p", "--project", "--venv"}),
    "pipenv": frozenset(),
    "hatch": frozenset({"-e", "--env"}),
    "rye": frozenset(),
}  # fmt: skip
"""Tools whose ``run`` verb runs a command inside an environment (``conda run -n env pip
install x`` runs pip), with their options that take a value. The one table every reader of
commands unwraps with."""
CONDA_RUNNERS = frozenset({"conda", "mamba", "micromamba"})
"""Environment managers: unwrapped wherever they appear."""
PROJECT_RUNNERS = frozenset(RUNNER_OPTIONS) - CONDA_RUNNERS
"""Project tools (``poetry run``, ``uv run``...). :func:`commands_of` unwraps them in a RUN
only: in the image's command the tool is what launches the service, which the dependency
rules need to see."""
ALL_RUNNERS = frozenset(RUNNER_OPTIONS)


def runner_prefix(argv: Sequence[str], runners: frozenset[str] = ALL_RUNNERS) -> int:
    """How many words ``conda run -n env`` (``uv --directory d run --with x``, ``poetry
    run``...) takes before the command it runs; 0 when ``argv`` is no such runner or
    nothing follows ``run``."""
    name = posixpath.basename(argv[0]) if argv else ""
    if name not in runners:
        return 0
    valued = RUNNER_OPTIONS[name]
    at = 1
    while at < len(argv) and argv[at] != "run" and argv[at].startswith("-"):
        at += 2 if argv[at] in valued else 1  # options before the verb
    if at >= len(argv) or argv[at] != "run":
        return 0
    at += 1
    while at < len(argv) and argv[at].startswith("-"):
        if argv[at] == "--":
            at += 1
            break
        at += 2 if argv[at] in valued else 1
    return at if at < len(argv) else 0


def _unwrapped(argv: list[str], runners: frozenset[str] = frozenset()) -> list[str]:
    """``argv`` without what runs before the program: environment assignments
    (``FOO=bar cmd``), shell keywords (``if``, ``then``...), wrappers with their options
    (``sudo -u app``, ``env -i X=1``, ``nice -n 10``) and the environment ``runners``
    (``conda run -n env``, ``poetry run``)."""
    while argv:
        if _is_assignment(argv[0]):
            argv.pop(0)
            continue
        runner = runner_prefix(argv, runners)
        if runner:
            del argv[:runner]
            continue
        name = posixpath.basename(argv[0])
        if argv[0] not in KEYWORDS and name not in _WRAPPERS:
            break
        argv.pop(0)
        valued = _WRAPPER_VALUED.get(name, frozenset())
        while argv and argv[0].startswith("-") and argv[0] != "-":
            option = argv.pop(0)
            if option in valued and argv:
                argv.pop(0)
    return argv


def _script_argument(argv: list[str]) -> str | None:
    """The script of ``sh -c SCRIPT`` (``-c`` alone or in a cluster: ``bash -lc``,
    ``sh -euxc``), None for any other command."""
    if posixpath.basename(argv[0]) not in SHELLS:
        return None
    for index, arg in enumerate(argv[1:-1], start=1):
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            return argv[index + 1]
        if not arg.startswith(("-", "+")) and argv[index - 1] != "-o":
            return None  # a script file: sh script.sh -c ...
    return None


def split_commands(script: str, runners: frozenset[str] = frozenset()) -> list[Command]:
    """The simple commands of ``script``, in order, with ``sh -c '...'`` bodies expanded.

    ``runners`` are the environment managers whose ``run`` is unwrapped to the command it
    runs (:data:`ALL_RUNNERS` for what a build step installs). By default none is: ``fix``
    and ``plan`` rewrite pip commands, and ``conda run -n env pip install`` is not a plain
    ``pip install``."""
    commands: list[Command] = []
    current: list[str] = []

    def flush() -> None:
        argv = _unwrapped(list(current), runners)
        current.clear()
        if not argv:
            return
        body = _script_argument(argv)
        if body is not None:
            commands.extend(split_commands(body, runners))
            return
        commands.append(Command(tuple(argv)))

    for token, operator in _tokens(script):
        if operator:
            flush()
        else:
            current.append(token)
    flush()
    return commands


def commands_of(instruction: Instruction) -> list[Command]:
    """The simple commands a ``RUN`` (or shell-form ``CMD``/``ENTRYPOINT``) executes (see
    :func:`_commands_of`; cached, since every rule asks)."""
    return list(_commands_of(instruction))


@functools.lru_cache(maxsize=4096)
def _commands_of(instruction: Instruction) -> tuple[Command, ...]:
    """The simple commands a ``RUN`` (or shell-form ``CMD``/``ENTRYPOINT``) executes.

    Exec form is one command (``["sh", "-c", "..."]`` expanded); a heredoc counts as script
    only when it is what the shell runs (``RUN <<EOT``, ``RUN <<EOT bash``), not when it is
    data fed to another program (``RUN python3 <<EOT``, ``RUN cat <<EOT > file``). In the
    image's command a project runner (``poetry run uvicorn``) stays as written.
    """
    runners = ALL_RUNNERS if instruction.keyword == "RUN" else CONDA_RUNNERS
    if instruction.json:
        return tuple(split_commands(shlex.join(instruction.args), runners))
    line = " ".join(instruction.args)
    if not instruction.heredocs:
        return tuple(split_commands(line, runners))
    head = split_commands(_HEREDOC_MARK.sub(" ", line), runners)
    if head and not (len(head) == 1 and head[0].name in SHELLS and not head[0].words()):
        return tuple(head)
    out: list[Command] = []
    for doc in instruction.heredocs:
        first = doc.content.lstrip().split("\n", 1)[0]
        if first.startswith("#!") and not any(s in first for s in SHELLS):
            continue  # a python (or other) script run by its shebang
        out.extend(split_commands(doc.content, runners))
    return tuple(out)


def pipelines(script: str) -> list[tuple[Command, ...]]:
    """The pipelines of ``script``: its simple commands grouped by ``|`` (``curl URL | sh``
    is one pipeline of two commands); ``sh -c`` bodies are not expanded here."""
    out: list[tuple[Command, ...]] = []
    current: list[Command] = []
    words: list[str] = []

    def end_command() -> None:
        argv = _unwrapped(list(words))
        words.clear()
        if argv:
            current.append(Command(tuple(argv)))

    def end_pipeline() -> None:
        end_command()
        if current:
            out.append(tuple(current))
            current.clear()

    for token, operator in _tokens(script):
        if operator and token in {"|", "|&"}:
            end_command()
        elif operator:
            end_pipeline()
        else:
            words.append(token)
    end_pipeline()
    return out


# -- words as written ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceWord:
    """A word of a script as it is written, and where: ``script[start:end]``."""

    text: str
    start: int
    end: int


_Place = Callable[[int, int], tuple[int, int]]
"""Where a span of the text being read is written in the script (the text is the script,
or a quoted string in it)."""


def _as_is(start: int, end: int) -> tuple[int, int]:
    return start, end


def source_words(script: str) -> list[SourceWord] | None:
    """The words of ``script`` as written, with their offsets: runs of tokens (of
    :func:`~jettison.dockerfile.shellwords.tokens`) that touch, ``x>=1`` one word of three
    tokens, ``".[a b]"`` one with its quotes; each operator and newline a word of its own.
    A line that is only a comment goes whole, with its newline: the text is a RUN as written
    in the Dockerfile, and buildkit drops such a line from a continued RUN. None when the
    script cannot be read (a quote not closed): an edit made on a guess could break it."""
    found = _written(script, script, _as_is)
    return None if found is None else [word for word, _ in found]


def _written(
    text: str, script: str, place: _Place
) -> list[tuple[SourceWord, list[shellwords.Token]]] | None:
    """:func:`source_words` of ``text``, placed in ``script`` by ``place``, each word with
    the tokens it holds."""
    found = shellwords.tokens(text)
    if found is None:
        return None
    groups: list[list[shellwords.Token]] = []
    for token in found:
        last = groups[-1][-1] if groups else None
        if token.operator and _ends_a_comment_line(text, token, last):
            continue
        if last is None or token.operator or last.operator or token.start != last.end:
            groups.append([token])
        else:
            groups[-1].append(token)
    out: list[tuple[SourceWord, list[shellwords.Token]]] = []
    for group in groups:
        start, end = place(group[0].start, group[-1].end)
        out.append((SourceWord(script[start:end], start, end), group))
    return out


def _ends_a_comment_line(text: str, token: shellwords.Token, last: shellwords.Token | None) -> bool:
    """``token`` is the newline of a line of ``text`` that holds only a comment (``last``,
    the token before, is on an earlier line)."""
    if token.text != "\n":
        return False
    line = text.rfind("\n", 0, token.start) + 1
    return (last is None or last.end <= line) and text[line : token.start].lstrip()[:1] == "#"


def command_words(script: str, command: Command) -> list[SourceWord] | None:
    """The words of ``script`` as written that ``command`` (one of its
    :func:`split_commands`, unwrapped or not) was read from, one for each word of its argv
    (the same source word for the tokens of ``x>=1``): the first place its words stand in a
    row (no operator nor newline between them), inside a quoted ``sh -c`` body when not
    outside. None when ``command`` is not there, or the script cannot be read."""
    return _find_words(script, script, _as_is, list(command.argv))


def _find_words(text: str, script: str, place: _Place, argv: list[str]) -> list[SourceWord] | None:
    written = _written(text, script, place)
    if written is None:
        return None
    found = [(None if t.operator else t.text, word) for word, group in written for t in group]
    values = [value for value, _ in found]
    for at in range(len(found) - len(argv) + 1):
        if values[at : at + len(argv)] == argv:
            return [word for _, word in found[at : at + len(argv)]]
    for body in shellwords.quoted(text) or ():
        inner = _find_words(body.text, script, _within(place, body), argv)
        if inner is not None:
            return inner
    return None


def _within(place: _Place, body: shellwords.Quoted) -> _Place:
    """Where a span of ``body`` is written, ``body`` being placed by ``place``."""
    return lambda start, end: place(*body.span(start, end))


# -- what runs in the default build --------------------------------------------------------------

_TESTS = frozenset({"[", "[[", "test"})
_CLOSERS = frozenset({"]", "]]"})
_VARIABLE = re.compile(r"\$(?:\{(\w+)\}|(\w+))")


def live_commands(script: str, env: dict[str, str]) -> list[Command]:
    """:func:`split_commands`, less the commands a test on known values rules out: the
    ``then`` branch of ``if [ "$X" = "true" ]; then ...; fi`` when ``env`` gives X another
    value (the ``else`` branch when it matches), and ``[ "$X" = "true" ] && cmd``. ``env``
    holds the values the build has by default (ARG defaults, ENV); a test on a variable it
    does not hold is unknown, and what it guards is kept."""
    tokens = _tokens(script)
    if not any(t in ("if", "&&") for t, _ in tokens):
        return split_commands(script, ALL_RUNNERS)
    out: list[Command] = []
    blocks: list[list[bool | None]] = []  # per open if: [condition value, in else branch]
    condition: list[str] | None = None
    current: list[str] = []
    skip_chain = False

    def dead() -> bool:
        for value, in_else in blocks:
            if value is not None and value == in_else:
                return True
        return skip_chain

    def flush() -> None:
        nonlocal skip_chain
        words = list(current)
        current.clear()
        if words and not dead():
            out.extend(split_commands(shlex.join(words), ALL_RUNNERS))

    in_elif = False
    before: bool | None = None  # the if's value, while an elif's test is read
    for token, operator in tokens:
        if condition is not None:
            if token == "then":
                value = _test_value(condition, env)
                if not in_elif:
                    blocks.append([value, False])
                elif before is True:
                    blocks[-1] = [True, True]  # the if ran: this branch and else are dead
                elif before is False:
                    blocks[-1] = [value, False]
                else:  # unknown if: this branch runs at most when its test holds
                    blocks[-1] = [False if value is False else None, False]
                condition, in_elif = None, False
            elif token not in (";", "\n"):
                condition.append(token)
            continue
        if token == "if" and not current:
            condition = []
        elif token == "else" and not current and blocks:
            blocks[-1][1] = True
        elif token == "elif" and not current and blocks:
            before, in_elif, condition = blocks[-1][0], True, []
        elif token == "fi" and not current and blocks:
            blocks.pop()
        elif operator:
            if token == "&&" and current and current[0] in _TESTS:
                skip_chain = skip_chain or _test_value(current, env) is False
                current.clear()
                continue
            flush()
            if token != "&&":
                skip_chain = False
        else:
            current.append(token)
    flush()
    return out


def _test_value(words: list[str], env: dict[str, str]) -> bool | None:
    """The value of ``[ A = B ]``, ``[ A != B ]``, ``[ -n A ]``, ``[ -z A ]`` (``[[``,
    ``test``), None when it is another test or uses an unknown variable."""
    inner = [w for w in words if w not in _TESTS and w not in _CLOSERS]
    values: list[str] = []
    for word in inner:
        if word in {"=", "==", "!=", "-n", "-z"}:
            values.append(word)
            continue
        names = [m.group(1) or m.group(2) for m in _VARIABLE.finditer(word)]
        if any(n not in env for n in names):
            return None
        values.append(_VARIABLE.sub(lambda m: env[m.group(1) or m.group(2)], word))
    if len(values) == 3 and values[1] in {"=", "==", "!="}:
        equal = values[0] == values[2]
        return equal if values[1] != "!=" else not equal
    if len(values) == 2 and values[0] in {"-n", "-z"}:
        return bool(values[1]) if values[0] == "-n" else not values[1]
    return None


def shell_assignments(script: str) -> dict[str, str]:
    """Variables a RUN script sets for itself (``ARGS="--frozen --no-dev" && uv sync
    $ARGS``): the assignments that stand alone as a command, last value winning."""
    out: dict[str, str] = {}
    segment: list[str] = []
    for token, operator in [*_tokens(script), (";", True)]:
        if operator:
            words = [w for w in segment if w != "export"]
            if words and all(_is_assignment(w) for w in words):
                out.update(w.split("=", 1) for w in words)  # type: ignore[misc]
            segment = []
        else:
            segment.append(token)
    return out


def expand_words(command: Command, env: dict[str, str]) -> Command:
    """``command`` with ``$X``/``${X}`` replaced where ``env`` knows X; a word that is a
    lone variable splits on whitespace, as an unquoted expansion does."""
    argv: list[str] = []
    for word in command.argv:
        if "$" not in word:
            argv.append(word)
            continue
        expanded = _VARIABLE.sub(lambda m: env.get(m.group(1) or m.group(2), m.group(0)), word)
        lone = _VARIABLE.fullmatch(word) is not None
        argv.extend(expanded.split() if lone and expanded != word else [expanded])
    return Command(tuple(argv))


def guarded_commands(script: str) -> list[tuple[Command, bool]]:
    """:func:`split_commands` with, for each command, whether it runs only under a
    condition: inside an ``if`` (any branch), after a test joined by ``&&`` (``[ -n "$X" ]
    && cmd``), or as the fallback after ``||``. For start-up scripts: an install a variable
    turns on is opt-in, one that always runs is not."""
    out: list[tuple[Command, bool]] = []
    depth = 0
    in_condition = False
    guard = False
    current: list[str] = []

    def flush() -> None:
        words = list(current)
        current.clear()
        if words:
            guarded = depth > 0 or guard
            out.extend((c, guarded) for c in split_commands(shlex.join(words), ALL_RUNNERS))

    for token, operator in _tokens(script):
        if in_condition:
            if token == "then":
                in_condition = False
            continue
        if token in ("if", "elif") and not current:
            depth += token == "if"
            in_condition = True
        elif token in ("then", "else") and not current:
            continue
        elif token == "fi" and not current:
            depth = max(depth - 1, 0)
        elif operator:
            if token in ("&&", "||") and current and (current[0] in _TESTS or token == "||"):
                current.clear()
                guard = True
                continue
            flush()
            if token not in ("&&", "||", "|"):
                guard = False
        else:
            current.append(token)
    flush()
    return out
