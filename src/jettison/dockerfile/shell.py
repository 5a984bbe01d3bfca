"""Split a RUN script into simple commands (``apt-get install -y curl``, ``rm -rf ...``).

shlex in punctuation mode tokenises ``&&``, ``||``, ``;``, ``|`` and newlines the way POSIX
shells separate commands; that is all the rules need (which programs run, with which
arguments, in which RUN). A full bash grammar (bashlex) was tried and rejected: it raises on
constructs common in Dockerfiles (``set -eux;`` with here-strings, ``[[ ]]``, arithmetic),
and a linter must not fail on a valid build script.
"""

from __future__ import annotations

import functools
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from jettison.dockerfile.model import Instruction

_SEPARATORS = frozenset({"&&", "||", ";", "|", "&", ";;", "\n", "(", ")", "|&"})
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
_KEYWORDS = frozenset(
    {"if", "then", "else", "elif", "fi", "do", "done", "while", "for", "until", "!", "{", "}"}
)


@dataclass(frozen=True, slots=True)
class Command:
    argv: tuple[str, ...]

    @property
    def name(self) -> str:
        """The program's base name (``/usr/bin/pip3`` -> ``pip3``)."""
        return posixpath.basename(self.argv[0]) if self.argv else ""

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


def _tokens(script: str) -> list[str]:
    lexer = shlex.shlex(script.replace("\\\n", " "), posix=True, punctuation_chars=";&|()")
    lexer.whitespace = " \t\r"  # keep newlines: they separate commands too
    lexer.commenters = "#"
    lexer.wordchars += ":,+@%^[]{}$!"
    try:
        return list(lexer)
    except ValueError:  # unbalanced quotes: fall back to plain splitting, never fail
        return script.replace("\\\n", " ").split()


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
        if argv[0] not in _KEYWORDS and name not in _WRAPPERS:
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

    for token in _tokens(script):
        if token in _SEPARATORS or set(token) <= set(";&|()\n"):
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

    for token in _tokens(script):
        if token in {"|", "|&"}:
            end_command()
        elif token in _SEPARATORS or set(token) <= set(";&|()\n"):
            end_pipeline()
        else:
            words.append(token)
    end_pipeline()
    return out
