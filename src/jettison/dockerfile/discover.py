"""Which Dockerfile a path names, and the build context it is built from.

One answer for every verb: ``lint``, ``fix``, ``optimize`` and ``build`` find the Dockerfile
of a path and its default build context here, and ``plan`` walks a repository with the
same idea of a Dockerfile's name.

Finding the Dockerfile
----------------------
A file is a Dockerfile whatever its name. A directory holds one when it has exactly one of
``Dockerfile``, ``Containerfile``, ``*.Dockerfile`` and ``*.Containerfile``; when it has
none of those, one ``Dockerfile.*``/``Containerfile.*`` variant (``Dockerfile.gpu``) will
do. Backups, templates, documentation and ignore files (``Dockerfile.bak``,
``Dockerfile.j2``, ``Dockerfile.md``, ``Dockerfile.dockerignore``) are never Dockerfiles.
Variants only count when nothing else is there, so the ``Dockerfile.jettison`` that
``jettison fix`` writes next to a ``Dockerfile`` does not make the folder ambiguous.

Finding the build context
-------------------------
``docker build -f DIR/Dockerfile CONTEXT`` takes the context as a separate argument, which a
tool given only the Dockerfile does not know; ``--context DIR`` says it. Without it the
context is the Dockerfile's directory, unless the Dockerfile's ``COPY``/``ADD`` sources are
not there but are found from a directory above it (up to three levels): projects that keep
``docker/app.Dockerfile`` and build it from the repository root (``COPY docker/...`` or
``COPY src/ ...``) then get their root as context. The directory where the most sources
resolve wins. On a tie (``COPY . .`` resolves anywhere), the directory that holds more of
what the RUN lines then use from the copied files wins: the scripts they execute (``python
scripts/compile_locales.py``, ``./install.sh``) and the projects they install (``pip
install .`` finds a ``pyproject.toml``/``setup.py``/``setup.cfg``); the nearest one on a
tie again. A Dockerfile built from its own directory resolves its sources and those files
there, so the rule never moves a context that would build. The search stops at a
repository's root (a directory holding ``.git``) and never reaches the file system's root,
the home directory or the temporary directory: a context there would make lint and fix read
every file below it (the fuzz campaign found ``COPY tmp /x`` making ``/`` the context).
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from jettison.dockerfile.commands.python import parse_install
from jettison.dockerfile.context_files import ContextFiles
from jettison.dockerfile.copies import copy_sources
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.parser import parse_dockerfile
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.scripts import PACKAGING_FILES, started_by
from jettison.dockerfile.steps import steps
from jettison.errors import DockerfileError
from jettison.hostpaths import exists, is_dir, is_file

DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")
DOCKERFILE_GLOBS = ("*.Dockerfile", "*.Containerfile")
CONTEXT_LEVELS_UP = 3
"""How far above the Dockerfile's directory the context heuristic looks."""
_VARIANT_PREFIXES = tuple(f"{name}." for name in DOCKERFILE_NAMES)
_DOC_SUFFIXES = ("md", "rst", "txt", "dockerignore")
_LEFTOVER_SUFFIXES = ("bak", "orig", "rej", "swp", "tmp", "old")
_TEMPLATE_SUFFIXES = ("template", "tmpl", "tpl", "j2", "jinja", "jinja2", "in")
_NOT_DOCKERFILE_SUFFIXES = frozenset((*_DOC_SUFFIXES, *_LEFTOVER_SUFFIXES, *_TEMPLATE_SUFFIXES))
"""``Dockerfile.<suffix>`` names that are documentation, editor leftovers or templates."""
_REQUIREMENTS = re.compile(
    r"^(?:.*requirements.*\.(?:txt|in)|.*constraints.*\.txt|pyproject\.toml"
    r"|environment\.ya?ml|conda.*\.ya?ml)$",
    re.IGNORECASE,
)
_MAGIC = re.compile(r"[*?[]")
_TEMPORARY = (Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"))
"""Temporary directories of every Unix, whatever ``TMPDIR`` says."""


def is_dockerfile_name(name: str) -> bool:
    """Whether a file name is a Dockerfile's (or a variant's: ``Dockerfile.gpu``)."""
    if name in DOCKERFILE_NAMES or any(fnmatch.fnmatchcase(name, g) for g in DOCKERFILE_GLOBS):
        return True
    return is_variant_name(name)


def is_variant_name(name: str) -> bool:
    """``Dockerfile.gpu``, ``Containerfile.cpu``; not ``Dockerfile.bak`` and the like."""
    if not name.startswith(_VARIANT_PREFIXES):
        return False
    suffix = name.rsplit(".", 1)[-1].lower()
    return suffix not in _NOT_DOCKERFILE_SUFFIXES and not name.endswith("~")


def dockerfiles_in(directory: Path) -> list[Path]:
    """The Dockerfiles a directory holds, as :func:`find_dockerfile` reads them (see the
    module docstring): the plain names and ``*.Dockerfile``, else the variants."""
    try:
        files = sorted(p for p in directory.iterdir() if p.is_file())
    except OSError:
        return []
    plain = [directory / n for n in DOCKERFILE_NAMES if (directory / n).is_file()]
    for pattern in DOCKERFILE_GLOBS:
        plain.extend(p for p in files if fnmatch.fnmatchcase(p.name, pattern))
    found = list(dict.fromkeys(plain))
    return found or [p for p in files if is_variant_name(p.name)]


def find_dockerfile(path: Path, *, verb: str = "lint") -> Path:
    """The Dockerfile ``path`` names: the file itself, or the one Dockerfile in a directory.
    ``verb`` is the command the hints suggest (``jettison lint ...``)."""
    if is_file(path):
        return path
    if not exists(path):
        raise DockerfileError(
            f"{path}: no such file or directory",
            hint="give a Dockerfile or Containerfile (any name), or a directory holding one",
        )
    if not is_dir(path):
        raise DockerfileError(f"{path}: not a regular file or directory")
    found = dockerfiles_in(path)
    if not found:
        raise DockerfileError(
            f"{path}: no Dockerfile here",
            hint=f"give the Dockerfile's path (any name), e.g. jettison {verb} "
            "docker/app.Dockerfile",
        )
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise DockerfileError(
            f"{path}: several Dockerfiles ({names})",
            hint=f"name the one to {verb}, e.g. jettison {verb} {found[0]}",
        )
    return found[0]


def is_requirements_input(path: Path) -> bool:
    """Whether ``path`` names a requirements input rather than a Dockerfile."""
    return _REQUIREMENTS.match(path.name) is not None


def owning_dockerfile(path: Path, cwd: Path) -> Path:
    """What to lint for ``path``: a requirements file maps to the one Dockerfile in its
    directory or a parent up to ``cwd`` (the file itself when there is none); anything else
    is returned as is."""
    if not (is_file(path) and is_requirements_input(path)):
        return path
    directory = path.parent.absolute()
    top = cwd.absolute()
    chain = [directory]
    if directory.is_relative_to(top):
        chain.extend(p for p in directory.parents if p.is_relative_to(top))
    for candidate in chain:
        found = dockerfiles_in(candidate)
        if len(found) == 1:
            return found[0]
    return path


def copied_requirement_files(dockerfile: Dockerfile, context: Path) -> list[Path]:
    """Requirement inputs the Dockerfile copies by name (``COPY requirements.txt .``), or
    in a folder of their own (``COPY requirements/ /tmp/requirements/``).

    When there are some, they are what the image installs: lint reads those rather than
    every requirements file it could discover in the context (a ``requirements-dev.txt`` next
    to them is not production). A ``COPY . .`` names none, and discovery applies.
    """
    found: list[Path] = []
    for source in copy_sources(dockerfile):
        candidate = context / clean_source(source)
        try:
            if candidate.is_dir() and clean_source(source) != ".":
                inside = sorted(p for p in candidate.iterdir() if p.is_file())
                found.extend(p for p in inside if is_requirements_input(p) and p not in found)
            elif (
                candidate.is_file() and is_requirements_input(candidate) and candidate not in found
            ):
                found.append(candidate)
        except (ValueError, OSError):  # a name the OS refuses (too long, NUL): not copied
            continue
    return found


def clean_source(source: str) -> str:
    """A COPY source as the builder reads it: relative to the context root, with ``..``
    that would leave it clamped there (``COPY ../app.py`` copies the context's ``app.py``)."""
    return posixpath.normpath("/" + source).lstrip("/") or "."


def resolve_context(dockerfile: Dockerfile, given: Path | None = None) -> Path:
    """The build context: ``given``, or the rule of this module's docstring."""
    if given is not None:
        if not given.is_dir():
            raise DockerfileError(
                f"build context {given}: not a directory",
                hint="--context takes the directory docker build would be given",
            )
        return given
    home = dockerfile.path.parent
    sources = copy_sources(dockerfile)
    if not sources:
        return home
    candidates = [home, *_contexts_above(home)]
    counts = [_resolved(candidate, sources) for candidate in candidates]
    tied = [c for c, n in zip(candidates, counts, strict=True) if n == max(counts)]
    if len(tied) == 1:
        return tied[0]
    used = [_used_files(dockerfile, candidate) for candidate in tied]
    return tied[used.index(max(used))]


def _used_files(dockerfile: Dockerfile, context: Path) -> int:
    """How many of the files the RUN lines use from what the COPY lines put in place are
    in ``context``: scripts they execute, projects they install (one packaging file each)."""
    count = 0
    for stage in dockerfile.stages:
        for step in steps(dockerfile, stage):
            if step.instruction.keyword != "RUN":
                continue
            files = ContextFiles.before(dockerfile, step, context)
            for command in step.commands:
                started = started_by(command, step.cwd, step.env, stage.index)
                if started is not None and started.target.kind == "path":
                    count += files.find(started.target.name) is not None
                install = parse_install(step.instruction, command)
                for project in install.local_projects if install is not None else ():
                    folder = files.folder(absolute(project.split("[", 1)[0], step.cwd))
                    count += folder is not None and any(
                        (folder / name).is_file() for name in PACKAGING_FILES
                    )
    return count


def _contexts_above(home: Path) -> list[Path]:
    """The directories above ``home`` the context may be, nearest first: up to
    :data:`CONTEXT_LEVELS_UP`, not past a repository's root, never a machine-wide one."""
    found: list[Path] = []
    below = home.absolute()
    for parent in below.parents[:CONTEXT_LEVELS_UP]:
        if _holds_repository(below) or _machine_wide(parent):
            break
        found.append(parent)
        below = parent
    return found


def _holds_repository(directory: Path) -> bool:
    try:
        return (directory / ".git").exists()
    except OSError:
        return False


def _machine_wide(directory: Path) -> bool:
    """The file system's root, the home directory or the temporary directory."""
    if directory.parent == directory:
        return True
    try:
        resolved = directory.resolve()
        wide = {Path.home(), Path(tempfile.gettempdir()), *_TEMPORARY}
        return resolved in {w.resolve() for w in wide}
    except (OSError, RuntimeError):  # no home (HOME unset and no passwd entry), a loop
        return False


def _resolved(directory: Path, sources: Sequence[str]) -> int:
    count = 0
    for source in sources:
        pattern = clean_source(source)
        if _MAGIC.search(pattern):
            try:
                if next(directory.glob(pattern), None) is not None:
                    count += 1
            except (ValueError, OSError):  # a pattern pathlib refuses (``..``): no match
                continue
        else:
            count += exists(directory / pattern)
    return count


def locate(path: Path, context: Path | None = None, *, verb: str) -> tuple[Path, Path]:
    """``(dockerfile, build context)`` for a Dockerfile or a directory holding one: what
    ``build``, ``optimize`` and ``fix`` are given. A Dockerfile that cannot be parsed gets
    its own directory as context (the builder then says what is wrong with it)."""
    dockerfile = find_dockerfile(path, verb=verb)
    try:
        parsed = parse_dockerfile(dockerfile)
    except DockerfileError:
        return dockerfile, resolve_context(Dockerfile(dockerfile, ()), context)
    return dockerfile, resolve_context(parsed, context)
