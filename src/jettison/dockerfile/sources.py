"""Which build-context file sits at a path of the image, and the commands a RUN executes
through the scripts it runs from there (``bash install.sh``, ``./setup.sh``, ``make lock``).

A RUN often hides what it does in a script the Dockerfile copied in. When the script is in
the build context, its commands are as much the build's as the RUN line's: lint's
supply-chain rules read them here. Nothing is guessed: a path no ``COPY``/``ADD`` of the
context explains (a file a RUN wrote, one from another stage) is unknown.

``COPY`` semantics are the builder's: a source directory's *contents* land under the
destination; a single file lands at the destination, or in it when the destination ends
with ``/`` or already is a directory (both are tried, since the image's directories are not
known); several sources or a wildcard land in the destination directory.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.copies import local_sources
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import SHELLS, Command, split_commands
from jettison.dockerfile.steps import Step, expand, steps

MAX_SCRIPT_BYTES = 1 << 20
"""Scripts larger than this are not read."""
MAX_DEPTH = 3
"""How deep scripts that run scripts are followed."""
_MAGIC = re.compile(r"[*?[]")
_MAKE_VALUED = frozenset({"-C", "--directory", "-f", "--file", "--makefile", "-j", "--jobs"})


def context_file(
    dockerfile: Dockerfile,
    step: Step,
    image_path: str,
    context_dir: Path,
    excluded: Callable[[str], bool] = lambda _: False,
) -> Path | None:
    """The build-context file at ``image_path`` when ``step`` runs: the one the latest
    ``COPY``/``ADD`` before it (in its stage and the stages it is built on) put there.
    ``excluded`` says which context paths ``.dockerignore`` leaves out."""
    target = absolute(image_path, step.cwd)
    earlier = _copies_before(dockerfile, step)
    for copy in reversed(earlier):
        found = _source_of(copy, target, context_dir, excluded)
        if found is not None:
            return found
    return None


def _copies_before(dockerfile: Dockerfile, step: Step | None) -> list[Step]:
    """The COPY/ADD steps before ``step`` in its stage chain; every one of the final
    image's when ``step`` is None."""
    final = dockerfile.final_stage if step is None else step.stage
    if final is None:
        return []
    out: list[Step] = []
    for earlier in steps(dockerfile, final, inherited=True):
        if step is not None and earlier.instruction is step.instruction:
            break
        if earlier.instruction.keyword in {"COPY", "ADD"}:
            out.append(earlier)
    return out


def image_file(
    dockerfile: Dockerfile,
    image_path: str,
    context_dir: Path,
    excluded: Callable[[str], bool] = lambda _: False,
) -> Path | None:
    """The build-context file at (absolute) ``image_path`` in the final image, as the last
    ``COPY``/``ADD`` of the final stage chain that writes it left it."""
    target = absolute(image_path, "/")
    for copy in reversed(_copies_before(dockerfile, None)):
        found = _source_of(copy, target, context_dir, excluded)
        if found is not None:
            return found
    return None


def launched_script(
    dockerfile: Dockerfile,
    command: Command,
    cwd: str,
    context_dir: Path,
    excluded: Callable[[str], bool] = lambda _: False,
) -> Path | None:
    """The context file of the shell script an ENTRYPOINT/CMD command runs
    (``/entrypoint.sh``, ``sh ./start.sh``, ``bash scripts/run.sh``), if the image got it
    from the build context."""
    script = _script_path(command)
    if script is None and "/" not in command.argv[0] and command.argv[0].endswith(".sh"):
        script = command.argv[0]  # a script on PATH: found only where the COPY put it
    if script is None:
        return None
    found = image_file(dockerfile, absolute(script, cwd), context_dir, excluded)
    if found is None and "/" not in script:
        for directory in ("/usr/local/bin", "/usr/bin", "/bin"):
            found = image_file(dockerfile, f"{directory}/{script}", context_dir, excluded)
            if found is not None:
                break
    return found


def script_commands(path: Path) -> list[Command]:
    """The simple commands of a shell script file (empty when unreadable or not shell)."""
    text = _read(path)
    if text is None or _not_shell(text):
        return []
    return split_commands(text)


def _source_of(
    copy: Step, target: str, context_dir: Path, excluded: Callable[[str], bool]
) -> Path | None:
    instruction = copy.instruction
    sources = local_sources(instruction)
    if not sources or len(instruction.args) < 2:
        return None
    dest_text = expand(instruction.args[-1], copy.env)
    dest = absolute(dest_text, copy.cwd)
    into_directory = dest_text.endswith("/") or len(instruction.args) > 2
    for source in reversed(sources):
        for relative in _matches(context_dir, source):
            found = _placed(
                context_dir, relative, dest, target, into_directory or bool(_MAGIC.search(source))
            )
            if found is not None and not excluded(_relative(found, context_dir)):
                return found
    return None


def _matches(context_dir: Path, source: str) -> list[str]:
    """Context-relative paths a COPY source names (``.`` for the whole context)."""
    pattern = source.strip().lstrip("/").removeprefix("./").rstrip("/") or "."
    if pattern in {".", "*"}:
        return ["."]
    if not _MAGIC.search(pattern):
        return [pattern]
    try:
        return sorted(p.relative_to(context_dir).as_posix() for p in context_dir.glob(pattern))
    except (ValueError, OSError):
        return []


def _placed(
    context_dir: Path, relative: str, dest: str, target: str, into_directory: bool
) -> Path | None:
    source = context_dir / relative if relative != "." else context_dir
    if source.is_dir():
        if not covers(dest, target):
            return None
        rest = posixpath.relpath(target, dest) if target != dest else ""
        candidate = source / rest if rest else source
        return candidate if candidate.is_file() else None
    if not source.is_file():
        return None
    name = posixpath.basename(relative)
    places = [posixpath.join(dest, name)] if into_directory else [dest, posixpath.join(dest, name)]
    return source if target in places else None


def _relative(path: Path, context_dir: Path) -> str:
    try:
        return path.relative_to(context_dir).as_posix()
    except ValueError:
        return path.as_posix()


# -- what a RUN executes -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Executed:
    """One simple command a RUN executes, directly or through a script of the context."""

    command: Command
    via: str | None = None
    """``install.sh`` or ``Makefile (make lock)`` when it comes from a script, else None."""


def executed_commands(
    dockerfile: Dockerfile,
    step: Step,
    context_dir: Path | None,
    excluded: Callable[[str], bool] = lambda _: False,
) -> list[Executed]:
    """The commands ``step`` (a RUN) runs: its own, and those of the shell scripts and
    Makefile targets from the build context it runs (followed :data:`MAX_DEPTH` deep)."""
    if step.instruction.keyword != "RUN":
        return []
    own = [Executed(c) for c in step.commands]
    if context_dir is None:
        return own
    return list(_expand(dockerfile, step, context_dir, excluded, own, 0))


def _expand(
    dockerfile: Dockerfile,
    step: Step,
    context_dir: Path,
    excluded: Callable[[str], bool],
    commands: list[Executed],
    depth: int,
) -> Iterator[Executed]:
    for executed in commands:
        yield executed
        if depth >= MAX_DEPTH:
            continue
        found = _script_run(dockerfile, step, context_dir, excluded, executed.command)
        if found is None:
            continue
        via, text, split = found
        inner = [Executed(c, via) for c in split(text)]
        yield from _expand(dockerfile, step, context_dir, excluded, inner, depth + 1)


def _script_run(
    dockerfile: Dockerfile,
    step: Step,
    context_dir: Path,
    excluded: Callable[[str], bool],
    command: Command,
) -> tuple[str, str, Callable[[str], list[Command]]] | None:
    """(how it is named, its text, how to split it) of the script ``command`` runs."""
    if command.name == "make":
        return _make(dockerfile, step, context_dir, excluded, command)
    script = _script_path(command)
    if script is None:
        return None
    found = context_file(dockerfile, step, expand(script, step.env), context_dir, excluded)
    text = _read(found)
    if found is None or text is None or _not_shell(text):
        return None
    return found.name, text, split_commands


def _script_path(command: Command) -> str | None:
    """The file a command runs as a shell script: ``sh x.sh``, ``bash ./x``, ``. x.sh``,
    ``./x.sh``, ``/opt/x.sh``."""
    argv = command.argv
    if command.name in SHELLS or command.name in {"source", "."}:
        words = [a for a in argv[1:] if not a.startswith(("-", "+"))]
        if command.name in SHELLS and any(a.startswith("-") and "c" in a[1:] for a in argv[1:]):
            return None
        return words[0] if words else None
    if argv[0].startswith(("./", "/")) and "$" not in argv[0]:
        return argv[0]
    return None


def _not_shell(text: str) -> bool:
    first = text.lstrip().split("\n", 1)[0]
    return first.startswith("#!") and not any(shell in first for shell in SHELLS)


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        if path.stat().st_size > MAX_SCRIPT_BYTES:
            return None
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _make(
    dockerfile: Dockerfile,
    step: Step,
    context_dir: Path,
    excluded: Callable[[str], bool],
    command: Command,
) -> tuple[str, str, Callable[[str], list[Command]]] | None:
    args = list(command.args)
    directory, makefile, targets = ".", "Makefile", []
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in _MAKE_VALUED and index + 1 < len(args):
            if arg in {"-C", "--directory"}:
                directory = args[index + 1]
            elif arg in {"-f", "--file", "--makefile"}:
                makefile = args[index + 1]
            index += 2
            continue
        if not arg.startswith("-") and "=" not in arg:
            targets.append(arg)
        index += 1
    path = posixpath.join(absolute(directory, step.cwd), makefile)
    found = context_file(dockerfile, step, path, context_dir, excluded)
    text = _read(found)
    if found is None or text is None:
        return None
    wanted = tuple(targets)
    via = f"{found.name} (make {' '.join(targets)})".replace(" )", ")")
    return via, text, lambda body: make_recipe(body, wanted)


_MAKE_VARIABLE = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\s*(?::{1,3}=|\?=|=)(.*)$")
_MAKE_REFERENCE = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")
_TARGET = re.compile(r"^([A-Za-z0-9_./%-][^:=\s]*(?:\s+[^:=\s]+)*)\s*::?(?!=)(.*)$")


def make_recipe(text: str, targets: tuple[str, ...] = ()) -> list[Command]:
    """The commands ``make TARGETS`` runs from a Makefile's text (the first target when
    none is given), prerequisites that are targets of the same file followed first."""
    rules: dict[str, tuple[list[str], list[str]]] = {}
    order: list[str] = []
    current: list[str] | None = None
    variables: dict[str, str] = {}
    for line in text.replace("\\\n", " ").splitlines():
        if line.startswith("\t") and current is not None:
            current.append(line.strip().lstrip("@-+").strip())
            continue
        assignment = _MAKE_VARIABLE.match(line)
        if assignment is not None:
            variables[assignment.group(1)] = assignment.group(2).strip()
            current = None
            continue
        match = _TARGET.match(line)
        if match is None or line.startswith((" ", "\t", "#")):
            current = None if not line.startswith("\t") else current
            continue
        names = match.group(1).split()
        prerequisites = match.group(2).split(";", 1)[0].split()
        current = []
        for name in names:
            rules[name] = (prerequisites, current)
            if not name.startswith("."):
                order.append(name)
    chosen = list(targets) or order[:1]
    out: list[Command] = []
    seen: set[str] = set()

    def run(name: str) -> None:
        if name in seen or name not in rules:
            return
        seen.add(name)
        prerequisites, recipe = rules[name]
        for prerequisite in prerequisites:
            run(prerequisite)
        for line in recipe:
            expanded = _MAKE_REFERENCE.sub(lambda m: variables.get(m.group(1), m.group(0)), line)
            out.extend(split_commands(expanded))

    for name in chosen:
        run(name)
    return out
