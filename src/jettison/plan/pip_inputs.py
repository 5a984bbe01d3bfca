"""What a service's ``pip install`` reads from the repository besides its requirement files:
a wheel folder named by ``--find-links``, a constraints file named by ``-c``, on the RUN
line or inside a requirements file.

These are part of how the environment is built (a wheelhouse holds the packages no index
has), so the plan carries them into the pip installs it generates instead of refusing the
service. Each one is found the way the original build found it: the image path the option
names (relative paths against the RUN's working directory; inside a requirements file,
against that file's folder first, as pip does) is mapped back to the build context through
the ``COPY``/``ADD`` lines before the RUN and its ``RUN --mount=type=bind`` mounts
(:class:`~jettison.dockerfile.context_files.ContextFiles`). A path no copy or mount of the
context explains (a folder a RUN downloaded, say) cannot be rebuilt from the repository:
the reason is returned, and the service keeps its Dockerfile.

A generated install sees the input through a read-only bind mount of the repository path
at :attr:`PipInput.target` (every generated image builds with the repository root as its
context), so the wheels are never copied into an image layer.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from jettison.dockerfile.commands.python import (
    CONSTRAINT_OPTIONS,
    FIND_LINKS_OPTIONS,
    REQUIREMENT_OPTIONS,
    PipOption,
    pip_options,
)
from jettison.dockerfile.context_files import ContextFiles
from jettison.dockerfile.ignore import DockerIgnore, dockerignore_path, read_dockerignore
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.steps import Step, expand
from jettison.errors import DockerfileError
from jettison.hostpaths import is_dir
from jettison.requirements.requirements_txt import file_text, logical_lines

PIP_INPUTS = "/run/pip-inputs"
"""Where a generated pip install sees the repository paths it reads (bind mounts)."""
_MAX_INCLUDES = 20


@dataclass(frozen=True, order=True)
class PipInput:
    """A repository path a pip install reads, mounted read-only while it runs."""

    source: str
    """The path relative to the repository root (slash-separated)."""
    kind: Literal["folder", "file"]

    @property
    def target(self) -> str:
        """Where the generated install sees it: ``/run/pip-inputs/<source>``."""
        return f"{PIP_INPUTS}/{self.source}"

    def mount(self) -> str:
        """The ``RUN --mount`` flag that shows it to the install."""
        return f"--mount=type=bind,source={self.source},target={self.target}"


@dataclass(frozen=True)
class Carried:
    """A pip option that names a repository path, as the generated install writes it."""

    option: str
    """``--find-links /run/pip-inputs/wheels``, ``-c /run/pip-inputs/constraints.txt``."""
    input: PipInput


class Unresolved(Exception):
    """The option names a path the repository cannot give the plan's build (the message)."""


def is_local(option: PipOption) -> bool:
    """A ``--find-links`` folder or ``file:`` URL, or a ``-c`` file: a path, not an index."""
    if option.value is None:
        return False
    if option.name in CONSTRAINT_OPTIONS:
        return "://" not in option.value or option.value.startswith("file:")
    if option.name in FIND_LINKS_OPTIONS:
        return "://" not in option.value or option.value.startswith("file:")
    return False


class Resolver:
    """Maps the paths one RUN's pip installs name back to the repository."""

    def __init__(self, dockerfile: Dockerfile, step: Step, context: Path, root: Path) -> None:
        self._files = ContextFiles.before(dockerfile, step, context, _excluded(dockerfile, context))
        self._step = step
        self._context = context
        self._root = root

    def option(self, option: PipOption) -> Carried:
        """A local ``--find-links``/``-c`` option of the RUN line (see :func:`is_local`)."""
        value = _path_of(expand(option.value or "", self._step.env))
        return self._carried(option.name, [absolute(value, self._step.cwd)], option.written)

    def requirement_options(self, requirement_file: str) -> list[Carried]:
        """The local ``--find-links``/``-c`` options inside the requirements file a
        ``pip install -r requirement_file`` reads, and inside the files it includes."""
        out: list[Carried] = []
        image_path = absolute(expand(requirement_file, self._step.env), self._step.cwd)
        for path, option in self._file_options(image_path, set()):
            value = _path_of(option.value or "")
            if value.startswith("/"):
                candidates = [value]
            else:  # pip: beside the requirements file when it is there, else the cwd
                candidates = [
                    absolute(value, posixpath.dirname(path)),
                    absolute(value, self._step.cwd),
                ]
            written = f"{option.written} in {posixpath.basename(path)}"
            out.append(self._carried(option.name, candidates, written))
        return out

    def _file_options(self, image_path: str, seen: set[str]) -> Iterator[tuple[str, PipOption]]:
        host = self._files.find(image_path)
        if host is None or image_path in seen or len(seen) >= _MAX_INCLUDES:
            return
        seen.add(image_path)
        for _number, line in logical_lines(file_text(host) or ""):
            if not line.lstrip().startswith("-"):
                continue
            try:
                words = shlex.split(line)
            except ValueError:
                continue
            for option in pip_options(words).options:
                if option.value is None:
                    continue
                if option.name in REQUIREMENT_OPTIONS and "://" not in option.value:
                    nested = absolute(option.value, posixpath.dirname(image_path))
                    yield from self._file_options(nested, seen)
                elif is_local(option):
                    yield image_path, option

    def _carried(self, name: str, candidates: list[str], written: str) -> Carried:
        folder = name in FIND_LINKS_OPTIONS
        for image_path in candidates:
            host = self._files.folder(image_path) if folder else self._files.find(image_path)
            if host is None and folder:
                # find-links may name one wheel file too
                host = self._files.find(image_path)
            if host is None:
                continue
            host = Path(posixpath.normpath(host.absolute()))
            if not host.is_relative_to(self._root):
                break
            relative = host.relative_to(self._root).as_posix()
            if any(c.isspace() or c in ",\"'=" for c in relative):
                raise Unresolved(f"{relative} cannot be named in a RUN --mount flag")
            found = PipInput(relative or ".", "folder" if is_dir(host) else "file")
            canonical = "--find-links" if folder else "-c"
            return Carried(f"{canonical} {shlex.quote(found.target)}", found)
        what = "the wheel folder" if folder else "the constraints file"
        raise Unresolved(
            f"pip reads {what} {candidates[0]} ({written}), which no COPY or "
            "RUN --mount=type=bind of the repository explains"
        )


def _path_of(value: str) -> str:
    """A path from a ``file:`` URL (``file:///wheels`` -> ``/wheels``), else ``value``."""
    if value.startswith("file:"):
        try:
            return unquote(urlsplit(value).path) or "/"
        except ValueError:  # urllib refuses it (an unclosed [ in the host): as written
            return value
    return value


def _excluded(dockerfile: Dockerfile, context: Path) -> Callable[[str], bool]:
    found = dockerignore_path(dockerfile.path, context)
    if found is None:
        return _nothing
    try:
        ignore = DockerIgnore(read_dockerignore(found))
    except DockerfileError:
        return _nothing
    return ignore.excludes


def _nothing(_path: str) -> bool:
    return False


__all__ = ["PIP_INPUTS", "Carried", "PipInput", "Resolver", "Unresolved", "is_local"]
