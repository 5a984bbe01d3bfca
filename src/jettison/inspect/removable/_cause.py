"""What a removable cause is, what it sees, and the helpers causes share.

A cause never counts bytes itself: it looks at the files no higher-priority cause claimed
(:class:`Unclaimed`) and returns :class:`Claim` records, each naming files and the row of the
report's ``top`` they roll up into. :func:`jettison.inspect.removable.find_removable` does the
accounting, so every cause counts bytes, files and hard links the same way.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from jettison.image.scan import FileResolver
from jettison.inspect.attribution.model import Ownership

MIB = 1 << 20


@dataclass(frozen=True, slots=True)
class Claim:
    """Files a cause would remove, and the ``top`` row they roll up into.

    One claim may name one file or many: a cause that knows a row's files together claims
    them at once (duplicates: one claim per group of copies, where one object per file cost
    0.4 s for the synthetic image's 402,406 copies)."""

    paths: Sequence[str]
    """The files (paths of the final filesystem)."""
    group: str
    """Path shown for the row: a file itself, or the directory / metadata path it rolls up to."""
    owner: str | None = None
    """Owner key shown for the row (``python:NAME``, ``debian:NAME``), when the row has one."""


@dataclass(frozen=True)
class Unclaimed:
    """The final filesystem minus what higher-priority causes already claimed.

    Paths, sorted; a cause asks for the few it may claim (:meth:`under` a directory,
    :meth:`matching` patterns, :meth:`ending` with suffixes) rather than looking at each.
    """

    resolver: FileResolver
    """The whole image, for context (a sibling ``config.json``, a ``conda-meta`` directory);
    files found through it may already be claimed, so claim only paths this set holds."""
    ownership: Ownership
    by_path: Mapping[str, object]
    """The unclaimed paths (sorted; the values mean nothing)."""
    identical: Callable[[], Sequence[Sequence[str]]] | None = None
    """Groups of identical files of the whole image, when computed beforehand (beside the
    first causes, in a forked child): :meth:`identical_files` then only keeps the unclaimed."""

    def __iter__(self) -> Iterator[str]:
        return iter(self.by_path)

    def __contains__(self, path: object) -> bool:
        return path in self.by_path

    def get(self, path: str) -> str | None:
        """``path`` when it is an unclaimed file, else None."""
        return path if path in self.by_path else None

    def size(self, path: str) -> int:
        return self.resolver.size_of(path)

    def under(self, *directories: str) -> list[str]:
        """Unclaimed files below any of ``directories``, sorted by directory then path."""
        held = self.by_path
        return [p for d in directories for p in self.resolver.under(d) if p in held]

    def ending(self, *suffixes: str) -> list[str]:
        """Unclaimed files whose path ends with one of ``suffixes``."""
        return [p for p in self.by_path if p.endswith(suffixes)]

    def matching(self, patterns: PathPatterns) -> list[tuple[str, str]]:
        """(path, rolled-up directory) of the unclaimed files ``patterns`` match."""
        return patterns.matching(self.by_path)

    def identical_files(self) -> list[list[str]]:
        """Groups of two or more unclaimed files with identical contents, each with its
        lowest layer's copy first (see :meth:`FileResolver.identical_files`)."""
        held = self.by_path
        if self.identical is None:
            return self.resolver.identical_files(among=held)
        found = []
        for group in self.identical():
            kept = [path for path in group if path in held]
            if len(kept) > 1:
                # The group's first copy was claimed already: the lowest of the rest first.
                found.append(kept if kept[0] is group[0] else self.resolver.lowest_first(kept))
        return found


@dataclass(frozen=True)
class Cause:
    """A stable code, the words shown to the user, and how to find the files."""

    code: str
    title: str
    advice: str
    find: Callable[[Unclaimed], Iterable[Claim]]
    capture_globs: tuple[str, ...] = ()
    """Contents this cause reads through ``resolver.read_bytes`` (captured during the scan)."""


class PathPatterns:
    """Regular expressions over root-relative paths, tried in order as one expression.

    Each pattern has exactly one capturing group: the directory a matching file rolls up to.
    ``needles``, when given, are substrings of which every matching path holds at least one: a
    cheap test that spares most paths the regular expression (images hold 10^5 files and more).
    """

    def __init__(self, *patterns: str, needles: tuple[str, ...] = ()) -> None:
        self.patterns = patterns
        self.needles = needles
        self._regex = re.compile("|".join(f"(?:{p})" for p in patterns))
        self._needle = re.compile("|".join(re.escape(n) for n in needles)) if needles else None

    def matching(self, paths: Iterable[str]) -> list[tuple[str, str]]:
        """(path, group 1) of every path matched, the needles tried first in one sweep."""
        needle = self._needle
        candidates = paths if needle is None else [p for p in paths if needle.search(p)]
        found = []
        fullmatch = self._regex.fullmatch
        groups: dict[str, str] = {}  # one string per rolled-up directory, not one per file
        for path in candidates:
            match = fullmatch(path)
            if match is not None:
                group = next(g for g in match.groups() if g is not None)
                found.append((path, groups.setdefault(group, group)))
        return found

    def rollup(self, path: str) -> str | None:
        """Group 1 of the first pattern matching the whole ``path``, or None."""
        if self._needle is not None and self._needle.search(path) is None:
            return None
        match = self._regex.fullmatch(path)
        if match is None:
            return None
        return next(group for group in match.groups() if group is not None)


def claim_matches(
    unclaimed: Unclaimed, patterns: PathPatterns, *, with_owner: bool = False
) -> Iterator[Claim]:
    """Claim every file ``patterns`` match, rolled up to the matched directory.

    With ``with_owner`` the row also carries the file's owner, so one directory shared by two
    owners gives two rows.
    """
    owner_of = unclaimed.ownership.owner_of
    rows: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for path, group in unclaimed.matching(patterns):
        rows[(group, owner_of(path) if with_owner else None)].append(path)
    return (Claim(paths, group, owner) for (group, owner), paths in rows.items())


def common_dir(paths: Iterable[str]) -> str:
    """The deepest directory holding all ``paths`` (``""`` for the root)."""
    dirs = [posixpath.dirname(p) for p in paths]
    if not dirs:
        return ""
    return posixpath.commonpath(dirs) if all(dirs) else ""
