"""Which build-context file sits at a path of the image: the one file resolver every reader
of a Dockerfile's files uses (lint's script-following rules, the start command's scripts,
the requirement files a ``pip install -r`` reads).

A RUN hides what it does in a script the Dockerfile copied in; a service's entry point is a
module a ``COPY`` put under ``/app``. When the file came from the build context, its text is
as much the build's as the Dockerfile's. Nothing is guessed: a path no ``COPY``/``ADD`` (or
``RUN --mount=type=bind``) of the context explains, a file a RUN wrote, is unknown.

``COPY`` semantics are the builder's: a source directory's *contents* land under the
destination; a single file lands at the destination, or in it when the destination ends with
``/`` or already is a directory (both are tried, since the image's directories are not
known); several sources or a wildcard land in the destination directory. ``COPY --from`` is
followed into the stage it names.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.commands.cleanup import mounts
from jettison.dockerfile.copies import copy_parts
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.steps import Step, expand, steps

MAX_STAGE_DEPTH = 3
"""How many ``COPY --from`` hops are followed."""
_MAGIC = re.compile(r"[*?[]")
_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)

Excluded = Callable[[str], bool]
"""Whether ``.dockerignore`` leaves a context path (relative, slash-separated) out."""


def _nothing_excluded(_: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class _Placement:
    """One source of a COPY/ADD (or a bind mount), where it lands."""

    source: str
    """Context-relative (``.`` for the whole context), or a path in ``stage``."""
    dest: str
    """Absolute destination in the image."""
    into_dir: bool
    """The destination is a directory for certain (``dest/``, several sources, a glob)."""
    stage: int | None = None
    """The stage a ``COPY --from`` copies from; None for the build context."""


class ContextFiles:
    """The build-context files a Dockerfile puts at image paths, at one point of the build
    (before a step, or in a stage's finished image)."""

    def __init__(
        self,
        dockerfile: Dockerfile,
        placements: list[_Placement],
        context_dir: Path | None,
        excluded: Excluded = _nothing_excluded,
        depth: int = 0,
    ) -> None:
        self._dockerfile = dockerfile
        self._placements = placements
        self._context_dir = context_dir
        self._excluded = excluded
        self._depth = depth

    @classmethod
    def before(
        cls,
        dockerfile: Dockerfile,
        step: Step,
        context_dir: Path | None,
        excluded: Excluded = _nothing_excluded,
    ) -> ContextFiles:
        """What is in place when ``step`` runs: the ``COPY``/``ADD`` lines before it along its
        stage's ``FROM`` chain, and its own bind mounts."""
        placements: list[_Placement] = []
        for earlier in steps(dockerfile, step.stage, inherited=True):
            if earlier.instruction is step.instruction:
                break
            placements.extend(_copied(dockerfile, earlier))
        placements.extend(_bound(step))
        return cls(dockerfile, placements, context_dir, excluded)

    @classmethod
    def in_stage(
        cls,
        dockerfile: Dockerfile,
        stage: int,
        context_dir: Path | None = None,
        excluded: Excluded = _nothing_excluded,
        *,
        before_line: int = 0,
        depth: int = 0,
    ) -> ContextFiles:
        """What stage ``stage`` (index) holds when built, or before Dockerfile line
        ``before_line`` when that is not 0."""
        placements: list[_Placement] = []
        if 0 <= stage < len(dockerfile.stages):
            for step in steps(dockerfile, dockerfile.stages[stage], inherited=True):
                if before_line and step.instruction.position.line >= before_line:
                    break
                placements.extend(_copied(dockerfile, step))
        return cls(dockerfile, placements, context_dir, excluded, depth)

    @classmethod
    def final(
        cls,
        dockerfile: Dockerfile,
        context_dir: Path | None,
        excluded: Excluded = _nothing_excluded,
    ) -> ContextFiles:
        """What the final image holds."""
        final = dockerfile.final_stage
        index = final.index if final is not None else -1
        return cls.in_stage(dockerfile, index, context_dir, excluded)

    def sources(self, image_path: str, *, folders: bool = False) -> list[str]:
        """Context-relative paths the file at (absolute) ``image_path`` may come from, the
        latest copy first. Candidates: whether a source is a file or a folder is the
        context's to say (:meth:`find` keeps the first that is a file). ``folders``: also
        the folder whose contents a ``COPY dir/ /dest/`` put at ``image_path`` itself."""
        out: list[str] = []
        for placement in reversed(self._placements):
            for source in self._expanded(placement):
                for candidate in _candidates(source, placement, image_path, folders=folders):
                    if placement.stage is None:
                        out.append(candidate)
                    elif self._depth < MAX_STAGE_DEPTH:
                        inner = ContextFiles.in_stage(
                            self._dockerfile,
                            placement.stage,
                            self._context_dir,
                            self._excluded,
                            depth=self._depth + 1,
                        )
                        out.extend(inner.sources(absolute(candidate, "/"), folders=folders))
        return list(dict.fromkeys(out))

    def find(self, image_path: str) -> Path | None:
        """The context file at (absolute) ``image_path``; None when it is not known to be one
        (or no context directory was given, or ``.dockerignore`` leaves it out)."""
        if self._context_dir is None:
            return None
        root = self._context_dir.resolve()
        for relative in self.sources(image_path):
            if self._excluded(relative):
                continue
            path = self._context_dir / relative if relative != "." else self._context_dir
            try:
                if path.is_file() and path.resolve().is_relative_to(root):  # no symlink out
                    return path
            except OSError:
                continue
        return None

    def folder(self, image_path: str) -> Path | None:
        """The context folder at (absolute) ``image_path`` (a ``COPY wheels/ /wheels/``, a
        ``RUN --mount=type=bind,source=wheels,target=/run/wheels``); None as for :meth:`find`."""
        if self._context_dir is None:
            return None
        root = self._context_dir.resolve()
        for relative in self.sources(image_path, folders=True):
            if self._excluded(relative):
                continue
            path = self._context_dir / relative if relative != "." else self._context_dir
            try:
                if path.is_dir() and path.resolve().is_relative_to(root):  # no symlink out
                    return path
            except OSError:
                continue
        return None

    def _expanded(self, placement: _Placement) -> list[str]:
        """A wildcard source as the context paths it matches (itself when there is no
        context to look in)."""
        if placement.stage is not None or not _MAGIC.search(placement.source):
            return [placement.source]
        if self._context_dir is None:
            return [placement.source]
        try:
            found = sorted(self._context_dir.glob(placement.source))[:100]
            return [p.relative_to(self._context_dir).as_posix() for p in found]
        except (OSError, ValueError):
            return []


def _normal(source: str) -> str | None:
    """A COPY source as a context-relative path; None for what is no context path. Like
    BuildKit, a path cannot leave the context: ``../x`` is ``x`` of the context root."""
    if "$" in source or _REMOTE.match(source):
        return None
    return posixpath.normpath("/" + source.strip()).lstrip("/") or "."


def _copied(dockerfile: Dockerfile, step: Step) -> list[_Placement]:
    parts = copy_parts(step.instruction)
    if parts is None:
        return []
    written, dest_written = parts
    dest_written = expand(dest_written, step.env)
    dest = absolute(dest_written, step.cwd)
    into_dir = dest_written.endswith("/") or len(written) > 1
    origin = step.instruction.flag("from")
    stage: int | None = None
    if origin is not None:
        other = dockerfile.stage_ref(expand(origin, step.env))
        if other is None:
            return []  # an image: nothing of the context
        stage = other.index
    out = []
    for source in written:
        normal = _normal(expand(source, step.env))
        if normal is not None:
            glob = bool(_MAGIC.search(normal))
            out.append(_Placement(normal, dest, into_dir or glob, stage))
    return out


def _bound(step: Step) -> list[_Placement]:
    out = []
    for mount in mounts(step.instruction):
        if mount.type != "bind" or mount.from_ is not None or not mount.target:
            continue
        target = absolute(expand(mount.target.strip("\"'"), step.env), step.cwd)
        source = _normal(expand((mount.source or ".").strip("\"'"), step.env))
        if source is not None:
            out.append(_Placement(source, target, False))
    return out


def _candidates(
    source: str, placement: _Placement, image_path: str, *, folders: bool = False
) -> list[str]:
    """Where ``image_path`` is in ``source`` when it is copied to ``placement.dest``
    (``folders``: a folder's contents copied into ``dest`` make ``dest`` that folder)."""
    dest = placement.dest
    name = posixpath.basename(source)
    out: list[str] = []
    if image_path == dest and (folders or not placement.into_dir):
        out.append(source)  # a file copied (and maybe renamed), or a folder's contents
    prefix = dest.rstrip("/") + "/"
    if image_path.startswith(prefix):
        rest = image_path[len(prefix) :]
        if _MAGIC.search(source):  # no context to expand the wildcard in: match names
            if "/" not in rest and fnmatch.fnmatch(rest, name):
                out.append(posixpath.join(posixpath.dirname(source), rest))
            return out
        out.append(posixpath.normpath(posixpath.join(source, rest)))  # in a copied folder
        if rest == name:
            out.append(source)  # a file copied into a folder
    return out


def context_file(
    dockerfile: Dockerfile,
    step: Step,
    image_path: str,
    context_dir: Path | None,
    excluded: Excluded = _nothing_excluded,
) -> Path | None:
    """The build-context file at ``image_path`` (relative to the step's working directory)
    when ``step`` runs."""
    files = ContextFiles.before(dockerfile, step, context_dir, excluded)
    return files.find(absolute(image_path, step.cwd))
