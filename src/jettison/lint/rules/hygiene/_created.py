"""What each instruction of the image adds, by path: COPY/ADD destinations and the files a
RUN downloads, clones or creates (``wget``, ``curl -o``, ``git clone``, ``python -m venv``,
``cp``, ``> file``). Shared by JT404 (deleted later), JT405 (``chown -R`` later) and JT406
(installers left behind).

Only what can be read from the Dockerfile and the build context is recorded; a path that
cannot be known (a variable, an archive's contents) is left out rather than guessed.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jettison import hostpaths
from jettison.dockerfile.commands.cleanup import has_glob, removes
from jettison.dockerfile.commands.downloads import URL, Fetch, fetches, git_clone
from jettison.dockerfile.commands.options import positionals
from jettison.dockerfile.commands.python import venv_dirs
from jettison.dockerfile.context import tree_bytes
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, expand, runtime_steps
from jettison.lint.model import LintContext

_ARCHIVE = re.compile(r"\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst)$", re.IGNORECASE)


MAX_MATCHES = 1_000


@dataclass(frozen=True, slots=True)
class Created:
    """A path an instruction put in the image."""

    path: str
    """Absolute path in the image (a file, or the directory a COPY filled)."""
    instruction: Instruction
    how: str
    """For messages: ``COPY``, ``wget``, ``git clone``..."""
    source: Path | None = None
    """What was copied, in the build context (a file, or a directory whose contents ``path``
    holds); None when it is not from the context."""
    download: str | None = None
    """The URL, when the path was downloaded."""
    owns_below: bool = False
    """Everything under ``path`` came from here, contents unknown (``COPY --from`` of a
    directory, a clone, a venv)."""

    def holds(self, target: str) -> bool:
        """``target`` (absolute, maybe a glob) is this path, under it, or holds it."""
        if has_glob(target):
            if fnmatch.fnmatchcase(self.path, target):
                return True
            return self._inside(target)
        if covers(target, self.path):
            return True
        return self._inside(target)

    def _inside(self, target: str) -> bool:
        """``target`` lies under a directory this instruction filled (and, for one copied
        from the build context, exists there)."""
        if not target.startswith(self.path.rstrip("/") + "/"):
            return False
        if self.source is None:
            return self.owns_below
        relative = target[len(self.path.rstrip("/")) + 1 :]
        try:
            if not self.source.is_dir():
                return False
            if has_glob(relative):
                return any(self.source.glob(relative))
            return (self.source / relative).exists()
        except (OSError, ValueError):
            return False

    def context_bytes(self, target: str) -> int | None:
        """Bytes of this copy that removing ``target`` concerns, measured in the build
        context (None when not known)."""
        if self.source is None or has_glob(target):
            return None
        if covers(target, self.path):
            return tree_bytes(self.source)
        if self._inside(target):
            return tree_bytes(self.source / target[len(self.path.rstrip("/")) + 1 :])
        return None


def copied(step: Step, ctx: LintContext) -> list[Created]:
    """What a COPY/ADD of ``step`` adds (remote URLs and archives ADD extracts excluded)."""
    instruction = step.instruction
    if (
        instruction.keyword not in ("COPY", "ADD")
        or len(instruction.args) < 2
        or instruction.heredocs
    ):
        return []
    *sources, dest = (expand(a, step.env) for a in instruction.args)
    into_dir = dest.endswith("/") or len(sources) > 1
    dest_abs = absolute(dest, step.cwd)
    from_stage = instruction.flag("from") is not None
    out = []
    for source in sources:
        if URL.match(source):
            continue  # ADD <url>: JT603's business
        in_context = None if from_stage else _context_path(ctx, source)
        is_dir = in_context is not None and hostpaths.is_dir(in_context)
        if source.strip("/") in ("", ".") or source == "./":
            is_dir = True
        if instruction.keyword == "ADD" and _ARCHIVE.search(source) and not from_stage:
            out.append(Created(dest_abs, instruction, "ADD (extracted)"))
            continue
        if is_dir:  # a directory's contents go into dest
            out.append(Created(dest_abs, instruction, instruction.keyword, in_context))
            continue
        if has_glob(source) and not from_stage:  # each match goes in by name
            out.extend(
                Created(posixpath.join(dest_abs, m.name), instruction, instruction.keyword, m)
                for m in _context_glob(ctx, source)
            )
            continue
        name = posixpath.basename(source.rstrip("/"))
        path = posixpath.join(dest_abs, name) if into_dir else dest_abs
        out.append(
            Created(path, instruction, instruction.keyword, in_context, owns_below=from_stage)
        )
    return out


def _context_glob(ctx: LintContext, pattern: str) -> list[Path]:
    relative = posixpath.normpath(pattern.lstrip("/"))
    if relative.startswith(".."):
        return []
    try:
        return sorted(ctx.context_dir.glob(relative))[:MAX_MATCHES]
    except (OSError, ValueError):
        return []


def _context_path(ctx: LintContext, source: str) -> Path | None:
    relative = posixpath.normpath(source.lstrip("/"))
    if relative.startswith(".."):
        return None
    path = ctx.context_dir / relative if relative != "." else ctx.context_dir
    try:
        return path if path.exists() else None
    except OSError:
        return None


def run_created(step: Step) -> Iterator[tuple[int, Created]]:
    """(index of the command, what it created) for the commands of a RUN."""
    for index, command in enumerate(step.commands):
        for created in created_by(command, step):
            yield index, created


def run_kept(step: Step) -> list[Created]:
    """What a RUN creates and does not remove again before it ends."""
    commands = step.commands
    return [
        created
        for index, created in run_created(step)
        if not removes(commands[index + 1 :], created.path, step.cwd, step.env)
    ]


Hit = tuple[Command, str, Created]
"""A command, the path it reaches, and the earlier instruction that created that path."""


def reached_later(
    ctx: LintContext, targets: Callable[[Command, Step], Iterable[str]]
) -> Iterator[tuple[Step, list[Hit]]]:
    """Each RUN of the final image's stages whose commands reach (``targets``: the absolute
    paths a command acts on) what an earlier COPY, ADD or RUN created, with its hits."""
    if ctx.dockerfile is None:
        return
    earlier: list[Created] = []
    for step in runtime_steps(ctx.dockerfile):
        if step.instruction.keyword != "RUN":
            earlier.extend(copied(step, ctx))
            continue
        hits: list[Hit] = []
        for command in step.commands:
            for target in targets(command, step):
                origin = next((c for c in reversed(earlier) if c.holds(target)), None)
                if origin is not None:
                    hits.append((command, target, origin))
        earlier.extend(run_kept(step))
        if hits:
            yield step, hits


def created_by(command: Command, step: Step) -> list[Created]:
    cwd, instruction = step.cwd, step.instruction

    def at(path: str) -> str:
        path = expand(path, step.env)
        if path == "~" or path.startswith("~/"):
            path = step.env.get("HOME", "/root") + path[1:]
        return absolute(path, cwd)

    out: list[Created] = []
    argv = list(command.argv)
    for index, word in enumerate(argv[:-1]):
        if word in (">", ">>") and argv[index + 1] not in ("/dev/null", "-"):
            out.append(Created(at(argv[index + 1]), instruction, "redirect"))
    written: dict[str, Fetch] = {}
    for fetch in fetches(command):
        if fetch.path is not None:
            written.setdefault(fetch.path, fetch)  # several URLs into one file: the first
    out.extend(
        Created(at(path), instruction, fetch.tool, download=fetch.url)
        for path, fetch in written.items()
    )
    clone = git_clone(command)
    if clone is not None:
        out.append(Created(at(clone.path), instruction, "git clone", owns_below=True))
    out.extend(
        Created(at(path), instruction, "venv", owns_below=True) for path in venv_dirs(command)
    )
    if command.name == "cp":
        words = positionals(command, {"-t", "--target-directory"})
        if len(words) >= 2:
            out.append(Created(at(words[-1]), instruction, "cp"))
    return out
