"""What a RUN executes from the build context: shell scripts, Makefile targets, and files a
command line reads (``$(cat packages.txt)``).

``RUN ./install.sh`` or ``RUN make lock`` hides its commands from a reader of the
Dockerfile; the layer still gets whatever they install and leave. When the script (or the
Makefile) came from the build context, by a ``COPY`` earlier in the stage's chain or a
``--mount=type=bind`` of the RUN itself, its commands are read and put in place of the line
that runs it, so a rule asks "does this RUN leave X?" of everything the RUN really does.

Only what can be read is read: a script that is not in the context, a variable in its path,
a script written by an earlier RUN, are left as the single command that runs them. Scripts
that run scripts are followed :data:`MAX_DEPTH` deep. Nothing is executed.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.context_files import ContextFiles, Excluded
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.shell import ALL_RUNNERS, SHELLS, Command, commands_of, split_commands
from jettison.dockerfile.steps import Step

MAX_DEPTH = 3
"""Scripts run by scripts are followed this deep."""
MAX_BYTES = 512_000
"""Larger files are not read (a script this size is not an install script)."""
_SHELL_VALUED = frozenset({"-o", "+o", "-O", "+O", "--rcfile", "--init-file"})
_CAT = re.compile(r"\$\(\s*cat\s+([^\s()$`;|&]+)\s*\)|`\s*cat\s+([^\s`$;|&]+)\s*`")
_MAKE_VALUED = frozenset(
    {"-C", "--directory", "-f", "--file", "--makefile", "-I", "--include-dir", "-j", "--jobs",
     "-l", "--load-average", "-o", "--old-file", "-W", "--what-if", "--assume-new"}
)  # fmt: skip
_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_CONTINUATION = re.compile(r"[ \t]*\\\n[ \t]*")
_MAKE_VAR = re.compile(r"\$[({](\w+)[)}]")
_MAKE_ASSIGN = re.compile(
    r"^(?:export\s+|override\s+)?([A-Za-z_][\w.]*)\s*(?::{1,3}=|\?=|=)\s*(.*)$"
)
_MAKE_RULE = re.compile(r"^([^\s:=#][^:=#]*?)\s*::?(?!=)\s*(.*)$")


# -- what a command runs ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Invocation:
    """A script or Makefile a command runs."""

    path: str
    """The file in the image (absolute)."""
    kind: str
    """``script`` or ``make``."""
    targets: tuple[str, ...] = ()
    """make's targets (none: the default one)."""
    cwd: str = "/"
    """Where its commands run."""


def invoked(command: Command, cwd: str) -> Invocation | None:
    """The script (``bash x.sh``, ``./x.sh``, ``. x.sh``) or Makefile (``make [-C DIR]
    [TARGET...]``) ``command`` runs, None for anything else."""
    argv = command.argv
    if not argv:
        return None
    if command.name == "make":
        return _make(command, cwd)
    if command.name in SHELLS:
        script = _shell_script(argv)
        return Invocation(absolute(script, cwd), "script", cwd=cwd) if script else None
    if command.name in ("source", ".") and len(argv) > 1:
        return Invocation(absolute(argv[1], cwd), "script", cwd=cwd)
    if "/" in argv[0] and "$" not in argv[0]:
        return Invocation(absolute(argv[0], cwd), "script", cwd=cwd)
    return None


def _shell_script(argv: tuple[str, ...]) -> str | None:
    skip = False
    for arg in argv[1:]:
        if skip:
            skip = False
        elif arg in _SHELL_VALUED:
            skip = True
        elif arg.startswith(("-", "+")):
            if "c" in arg[1:] and not arg.startswith("--"):
                return None  # sh -c: split_commands reads the script itself
            continue
        else:
            return arg if "$" not in arg else None
    return None


def _make(command: Command, cwd: str) -> Invocation | None:
    args = command.args
    directory, makefile, targets = cwd, None, []
    index = 0
    while index < len(args):
        arg = args[index]
        value = args[index + 1] if index + 1 < len(args) else None
        if arg in ("-C", "--directory") and value is not None:
            directory = absolute(value, directory)
        elif arg in ("-f", "--file", "--makefile") and value is not None:
            makefile = value
        elif arg.startswith("-C") and len(arg) > 2:
            directory = absolute(arg[2:], directory)
        if arg in _MAKE_VALUED:
            index += 2
            continue
        if not arg.startswith("-") and "=" not in arg:
            targets.append(arg)
        index += 1
    if makefile is None:
        return Invocation(directory, "make", tuple(targets), directory)
    return Invocation(absolute(makefile, directory), "make", tuple(targets), directory)


# -- reading them ----------------------------------------------------------------------------


def _read(path: Path) -> str | None:
    try:
        if path.stat().st_size > MAX_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def script_commands(path: Path) -> list[Command]:
    """The simple commands of a shell script file (empty when unreadable or not shell)."""
    text = _read(path)
    if text is None:
        return []
    first = text.lstrip().split("\n", 1)[0]
    if first.startswith("#!") and not any(s in first for s in SHELLS):
        return []  # python (or other) scripts are not shell
    return split_commands(text, ALL_RUNNERS)


def _makefile(files: ContextFiles, invocation: Invocation) -> Path | None:
    found = files.find(invocation.path)
    if found is not None:
        return found
    for name in _MAKEFILES:
        found = files.find(posixpath.join(invocation.path, name))
        if found is not None:
            return found
    return None


def make_recipes(text: str, targets: tuple[str, ...]) -> list[str]:
    """The recipe lines ``make TARGETS`` runs from a Makefile's ``text``, prerequisites'
    recipes first, ``$(VAR)`` expanded where the Makefile sets VAR; leading ``@-+`` and
    ``$$`` escapes undone."""
    rules, variables, default = _parse_makefile(text)
    out: list[str] = []
    seen: set[str] = set()

    def visit(target: str, depth: int) -> None:
        if target in seen or depth > 10 or target not in rules:
            return
        seen.add(target)
        prerequisites, recipe = rules[target]
        for prerequisite in prerequisites:
            visit(prerequisite, depth + 1)
        out.extend(_make_expand(line, variables) for line in recipe)

    for target in targets or ((default,) if default else ()):
        visit(target, 0)
    return out


def _parse_makefile(
    text: str,
) -> tuple[dict[str, tuple[list[str], list[str]]], dict[str, str], str | None]:
    rules: dict[str, tuple[list[str], list[str]]] = {}
    variables: dict[str, str] = {}
    default: str | None = None
    current: list[str] = []
    for line in _CONTINUATION.sub(" ", text).splitlines():
        if line.startswith("\t"):
            recipe = line.strip().lstrip("@-+").strip()
            if recipe and not recipe.startswith("#"):
                for target in current:
                    rules[target][1].append(recipe)
            continue
        stripped = line.split("#", 1)[0].rstrip()
        if not stripped.strip():
            continue
        assignment = _MAKE_ASSIGN.match(stripped.strip())
        if assignment:
            variables.setdefault(assignment.group(1), assignment.group(2).strip())
            current = []
            continue
        rule = _MAKE_RULE.match(stripped)
        if rule is None:
            current = []
            continue
        names = rule.group(1).split()
        prerequisites = rule.group(2).split(";", 1)[0].split()
        current = [n for n in names if "%" not in n]
        for name in current:
            rules.setdefault(name, ([], []))[0].extend(prerequisites)
            if default is None and not name.startswith("."):
                default = name
    return rules, variables, default


def _make_expand(line: str, variables: Mapping[str, str]) -> str:
    for _ in range(5):
        expanded = _MAKE_VAR.sub(lambda m: variables.get(m.group(1), m.group(0)), line)
        if expanded == line:
            break
        line = expanded
    return line.replace("$$", "$")


# -- a RUN, scripts expanded -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunCommand:
    """One command a RUN executes, and the context file it was read from (None: the
    Dockerfile itself)."""

    command: Command
    script: Path | None = None
    via: str | None = None
    """How a finding names where the command is: ``install.sh``, ``Makefile (make lock)``;
    None for the RUN line itself."""


def run_commands(
    dockerfile: Dockerfile,
    step: Step,
    context_dir: Path | None,
    excluded: Excluded = lambda _: False,
) -> list[Command]:
    """The commands ``step`` (a RUN) executes: its own, with the commands of every script
    and Makefile target it runs from the build context right after the line that runs
    them, and ``$(cat FILE)`` replaced by the words of FILE."""
    return [r.command for r in traced_commands(dockerfile, step, context_dir, excluded)]


def traced_commands(
    dockerfile: Dockerfile,
    step: Step,
    context_dir: Path | None,
    excluded: Excluded = lambda _: False,
) -> list[RunCommand]:
    """:func:`run_commands`, each with the script it comes from. ``excluded`` says which
    context paths ``.dockerignore`` leaves out (they are not in the image to run)."""
    if step.instruction.keyword != "RUN":
        return []
    if context_dir is None:
        return [RunCommand(c) for c in step.commands]
    files = ContextFiles.before(dockerfile, step, context_dir, excluded)
    own = _own_commands(step.instruction, files, step.cwd)
    return list(_expanded(own, files, step.cwd, None, None, 0))


def _own_commands(instruction: Instruction, files: ContextFiles, cwd: str) -> list[Command]:
    if instruction.json or instruction.heredocs or not _CAT.search(" ".join(instruction.args)):
        return commands_of(instruction)
    return split_commands(_cat_substituted(" ".join(instruction.args), files, cwd), ALL_RUNNERS)


def _cat_substituted(text: str, files: ContextFiles, cwd: str) -> str:
    def words(match: re.Match[str]) -> str:
        found = files.find(absolute(match.group(1) or match.group(2), cwd))
        content = _read(found) if found is not None else None
        if content is None:
            return match.group(0)
        lines = (line.split("#", 1)[0] for line in content.splitlines())
        return " ".join(word for line in lines for word in line.split())

    return _CAT.sub(words, text)


def _expanded(
    commands: list[Command],
    files: ContextFiles,
    cwd: str,
    script: Path | None,
    via: str | None,
    depth: int,
) -> Iterator[RunCommand]:
    for command in commands:
        yield RunCommand(command, script, via)
        if depth >= MAX_DEPTH:
            continue
        invocation = invoked(command, cwd)
        if invocation is None:
            continue
        if invocation.kind == "make":
            makefile = _makefile(files, invocation)
            text = _read(makefile) if makefile is not None else None
            if makefile is None or text is None:
                continue
            inner = [
                c
                for line in make_recipes(text, invocation.targets)
                for c in split_commands(line, ALL_RUNNERS)
            ]
            named = f"{makefile.name} (make {' '.join(invocation.targets)})".replace(" )", ")")
            yield from _expanded(inner, files, invocation.cwd, makefile, named, depth + 1)
            continue
        found = files.find(invocation.path)
        if found is None or fnmatch.fnmatch(found.name, "*.py"):
            continue
        inner_commands = script_commands(found)
        if inner_commands:
            yield from _expanded(
                inner_commands, files, invocation.cwd, found, found.name, depth + 1
            )


# -- what the image's start runs ---------------------------------------------------------------


def launched_script(
    dockerfile: Dockerfile,
    command: Command,
    cwd: str,
    context_dir: Path | None,
    excluded: Excluded = lambda _: False,
) -> Path | None:
    """The context file of the shell script an ENTRYPOINT/CMD command runs
    (``/entrypoint.sh``, ``sh ./start.sh``, ``bash scripts/run.sh``, ``start.sh`` on PATH),
    if the final image got it from the build context."""
    files = ContextFiles.final(dockerfile, context_dir, excluded)
    invocation = invoked(command, cwd)
    if invocation is not None and invocation.kind == "script":
        return files.find(invocation.path)
    name = command.argv[0] if command.argv else ""
    if "/" in name or not name.endswith(".sh"):
        return None
    for directory in (cwd, "/usr/local/bin", "/usr/bin", "/bin"):
        found = files.find(posixpath.join(directory, name))
        if found is not None:
            return found
    return None
