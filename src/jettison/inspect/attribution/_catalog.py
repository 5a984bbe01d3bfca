"""What every cataloger returns, and the path lookup they share.

A cataloger sees only a :class:`FileResolver`: it reads the few files it asked to capture
(``GLOBS``), finds the packages they describe and *claims* the regular files each package
owns. Claims name only files present in the final filesystem, by the path
:meth:`FileResolver.files` gives them, so the combiner can join them to the file list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from jettison.image.layer_reader import normalize_path
from jettison.image.scan import FileResolver

PackageT = TypeVar("PackageT")


@dataclass(frozen=True)
class Catalog(Generic[PackageT]):
    kind: str
    """Owner kind, the prefix of owner keys: ``python`` or ``debian``."""
    packages: Mapping[str, PackageT]
    """Package name -> package; ``files`` are filled in by the combiner."""
    claims: Mapping[str, str]
    """Root-relative path of a regular file -> name of the package claiming it."""


def root_relative(path: str) -> str | None:
    """Normalise a path from package metadata (absolute or root-relative); None if it escapes.

    Most paths need no cleaning, and package databases list hundreds of thousands of them.
    """
    if "//" in path or "/." in path or path.startswith("."):
        return normalize_path(path)
    return path.strip("/")


def decode(data: bytes) -> str:
    """Text of a captured metadata file; bytes that are not UTF-8 must not stop the parse."""
    return data.decode("utf-8", "replace")


class FileFinder:
    """Finds the regular file a package database names, following symlinked directories.

    Only the directories are resolved: a path naming a symlink is the symlink itself (which
    owns no bytes), never its target, so one package's symlink cannot claim another's file.
    Resolved directories are cached, since thousands of entries share a few hundred.
    """

    def __init__(self, resolver: FileResolver) -> None:
        self._resolver = resolver
        self._dirs: dict[str, str | None] = {}

    def regular_file(self, path: str) -> str | None:
        """The path of the regular file or hard link that root-relative ``path`` names (its
        directories resolved), else None."""
        resolver = self._resolver
        found = resolver.file_path(path)  # the resolver's string: claims keep no copies
        if found is not None:
            return found
        if resolver.exists(path):
            return None  # a directory, a symlink...: not a file, and not followed
        head, _, name = path.rpartition("/")
        real = self._dirs[head] if head in self._dirs else self._resolve(head)
        if real is None or real == head:
            return None
        return resolver.file_path(f"{real}/{name}" if real else name)

    def _resolve(self, head: str) -> str | None:
        real = self._resolver.resolve(head) if head else ""
        self._dirs[head] = real
        return real
