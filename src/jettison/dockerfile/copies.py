"""What ``COPY``/``ADD`` instructions bring from the build context, and where it lands.

Shared by the build-context inference (:mod:`jettison.dockerfile.discover`), lint's rules
(whole-context copies, weights copied in) and the plan's discovery of the code a service
copies.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

from jettison.dockerfile.model import Dockerfile, Instruction, Stage
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.steps import steps
from jettison.hostpaths import is_dir, is_file

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|git@)", re.IGNORECASE)
WHOLE_CONTEXT = frozenset({".", "./", "*", "./*", "/"})
"""COPY sources that name the context root."""


def local_sources(instruction: Instruction) -> list[str]:
    """The build-context sources of one ``COPY``/``ADD`` (not ``--from`` stages, URLs,
    heredocs or ``$VAR``); empty for any other instruction."""
    if instruction.keyword not in {"COPY", "ADD"} or instruction.flag("from") is not None:
        return []
    return [
        source
        for source in instruction.args[:-1]
        if not (source.startswith("<<") or "$" in source or _REMOTE.match(source))
    ]


def copy_sources(dockerfile: Dockerfile) -> list[str]:
    """Local sources of every ``COPY``/``ADD`` of the Dockerfile, in file order."""
    return [s for instruction in dockerfile.instructions() for s in local_sources(instruction)]


def copy_parts(instruction: Instruction) -> tuple[list[str], str] | None:
    """(sources, destination) of a COPY/ADD; None for heredocs and malformed ones."""
    if instruction.keyword not in {"COPY", "ADD"} or len(instruction.args) < 2:
        return None
    if instruction.heredocs or any(a.startswith("<<") for a in instruction.args):
        return None
    return list(instruction.args[:-1]), instruction.args[-1]


def whole_context(instruction: Instruction) -> bool:
    """A COPY/ADD from the build context whose sources include the context root."""
    if instruction.keyword not in ("COPY", "ADD") or len(instruction.args) < 2:
        return False
    if instruction.flag("from") is not None or instruction.heredocs:
        return False
    return any(s.strip() in WHOLE_CONTEXT for s in instruction.args[:-1])


def destination(dockerfile: Dockerfile, stage: Stage, instruction: Instruction, dest: str) -> str:
    """The absolute destination of a COPY in ``stage`` (``./models/`` under ``WORKDIR /app``:
    ``/app/models``), against the working directory in effect there."""
    cwd = next(
        (s.cwd for s in steps(dockerfile, stage) if s.instruction is instruction),
        "/",
    )
    return absolute(dest, cwd)


def context_source(
    dockerfile: Dockerfile, path: str, context: Path, workdir: str = "/"
) -> Path | None:
    """The build-context file a path of the final image came from (``/entrypoint.sh``
    from ``COPY docker/entrypoint.sh /entrypoint.sh``, ``start.sh`` from ``COPY . /app``
    under ``WORKDIR /app``), when a COPY of the final stage's chain brought it and the
    context holds it; None otherwise. ``workdir`` resolves a relative ``path``."""
    wanted = absolute(path, workdir)
    for stage in reversed(dockerfile.runtime_stages()):
        for instruction in stage.of("COPY", "ADD"):
            parts = copy_parts(instruction)
            if parts is None or instruction.flag("from") is not None:
                continue
            sources, dest = parts
            target = destination(dockerfile, stage, instruction, dest)
            found = _source_of(sources, dest, target, wanted, context)
            if found is not None:
                return found
    return None


def _source_of(
    sources: list[str], dest: str, target: str, wanted: str, context: Path
) -> Path | None:
    for source in sources:
        clean = posixpath.normpath("/" + source).lstrip("/") or "."
        local = context / clean
        local_dir = is_dir(local)
        into_dir = dest.endswith("/") or len(sources) > 1 or local_dir
        if not into_dir:
            if wanted == target and is_file(local):
                return local
            continue
        base = target.rstrip("/")
        if not wanted.startswith(base + "/"):
            continue
        name = wanted.removeprefix(base + "/")
        candidate = local / name if local_dir else local
        if is_file(candidate) and (local_dir or local.name == name):
            return candidate
    return None
