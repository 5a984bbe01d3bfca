"""Split a RUN script into simple commands (``apt-get install -y curl``, ``rm -rf ...``).

shlex in punctuation mode tokenises ``&&``, ``||``, ``;``, ``|`` and newlines the way POSIX
shells separate commands; that is all the rules need (which programs run, with which
arguments, in which RUN). A full bash grammar (bashlex) was tried and rejected: it raises on
constructs common in Dockerfiles (``set -eux;`` with here-strings, ``[[ ]]``, arithmetic),
and a linter must not fail on a valid build script.
"""

from __future__ import annotations

import posixpath
import re
import shlex
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
RUNNERS = frozenset({"conda", "mamba", "micromamba"})
"""Programs whose ``run`` subcommand runs a command in an environment (``conda run -n env
pip install ...`` runs pip)."""
_RUNNER_VALUED = frozenset(
    {"-n", "--name", "-p", "--prefix", "--cwd", "-a", "--attach", "-e", "--env", "-r",
     "--root-prefix", "--label"}
)  # fmt: skip
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


def _unwrapped(argv: list[str]) -> list[str]:
    """``argv`` without what runs before the program: environment assignments
    (``FOO=bar cmd``), shell keywords (``if``, ``then``...) and wrappers with their options
    (``sudo -u app``, ``env -i X=1``, ``nice -n 10``, ``conda run -n env``)."""
    while argv:
        if _is_assignment(argv[0]):
            argv.pop(0)
            continue
        name = posixpath.basename(argv[0])
        runner = name in RUNNERS and argv[1:2] == ["run"]
        if argv[0] not in _KEYWORDS and name not in _WRAPPERS and not runner:
            break
        argv.pop(0)
        if runner:
            argv.pop(0)
        valued = _RUNNER_VALUED if runner else _WRAPPER_VALUED.get(name, frozenset())
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


def split_commands(script: str) -> list[Command]:
    """The simple commands of ``script``, in order, with ``sh -c '...'`` bodies expanded."""
    commands: list[Command] = []
    current: list[str] = []

    def flush() -> None:
        argv = _unwrapped(list(current))
        current.clear()
        if not argv:
            return
        body = _script_argument(argv)
        if body is not None:
            commands.extend(split_commands(body))
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
    """The simple commands a ``RUN`` (or shell-form ``CMD``/``ENTRYPOINT``) executes.

    Exec form is one command (``["sh", "-c", "..."]`` expanded); a heredoc counts as script
    only when it is what the shell runs (``RUN <<EOT``, ``RUN <<EOT bash``), not when it is
    data fed to another program (``RUN python3 <<EOT``, ``RUN cat <<EOT > file``).
    """
    if instruction.json:
        return split_commands(shlex.join(instruction.args))
    line = " ".join(instruction.args)
    if not instruction.heredocs:
        return split_commands(line)
    head = split_commands(_HEREDOC_MARK.sub(" ", line))
    if head and not (len(head) == 1 and head[0].name in SHELLS and not head[0].words()):
        return head
    out: list[Command] = []
    for doc in instruction.heredocs:
        first = doc.content.lstrip().split("\n", 1)[0]
        if first.startswith("#!") and not any(s in first for s in SHELLS):
            continue  # a python (or other) script run by its shebang
        out.extend(split_commands(doc.content))
    return out
