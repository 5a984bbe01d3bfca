"""The mutable side of one load: what the parsers found so far, frozen at the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from jettison.requirements._text import decode
from jettison.requirements.model import Requirement, RequirementSet


@dataclass
class Collector:
    """Shared by every parser during one :func:`~jettison.requirements.load_requirements`.

    ``root`` bounds includes: a ``-r``/``-c`` (or a setuptools ``file =``) that resolves
    outside it is recorded as a problem and not read. ``seen`` holds the resolved files
    already read, with the way they were read (``requirements`` or ``constraint``), so a
    file included twice, or both included and discovered, is read once.
    """

    root: Path
    requirements: list[Requirement] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    index_urls: list[str] = field(default_factory=list)
    problems: list[tuple[Path, int, str]] = field(default_factory=list)
    seen: set[tuple[Path, str]] = field(default_factory=set)

    def first_read(self, path: Path, way: str) -> bool:
        """Record ``path`` as read ``way``; False when it already was (then skip it)."""
        key = (path.resolve(), way)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def text_of(self, path: Path, data: bytes) -> str | None:
        """``data`` (the bytes of ``path``) decoded, with ``path`` added to the files read and
        any decoding problem noted; None when it is not text at all."""
        self.add_file(path)
        decoded = decode(data)
        if decoded.problem is not None:
            self.problem(path, *decoded.problem)
        return decoded.text

    def add_file(self, path: Path) -> None:
        if path not in self.files:
            self.files.append(path)

    def add_index(self, url: str) -> None:
        if url not in self.index_urls:
            self.index_urls.append(url)

    def problem(self, file: Path, line: int, message: str) -> None:
        entry = (file, max(line, 1), message)
        if entry not in self.problems:
            self.problems.append(entry)

    def inside_root(self, path: Path) -> bool:
        if "\0" in str(path):
            return False  # no file has such a name (and the OS refuses to look it up)
        return path.resolve().is_relative_to(self.root.resolve())

    def build(self) -> RequirementSet:
        return RequirementSet(
            requirements=tuple(self.requirements),
            files=tuple(self.files),
            index_urls=tuple(self.index_urls),
            problems=tuple(self.problems),
        )
