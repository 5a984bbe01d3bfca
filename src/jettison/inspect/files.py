"""Every file of the final filesystem with its bytes, layer, owner and removable cause.

The inspect report sums files up (owners, causes, the largest items); some views need the
files themselves: ``jettison diff`` (the largest changed files, whose deltas must add up to
the whole change) and the HTML treemap (layer -> owner -> directory -> file). This module
joins what the analyzers already decided, file by file; it decides nothing of its own, so
the per-file facts always agree with the report's sums.

Interface relied on (and nothing else of ``jettison.image``): ``FileResolver.files()``,
``FileResolver.size(entry)`` and ``FileEntry.path`` / ``FileEntry.layer_index``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import NamedTuple

from jettison.image.scan import FileResolver
from jettison.inspect.attribution import owner_key
from jettison.inspect.attribution.model import Ownership
from jettison.inspect.removable import Claimed


class FileFacts(NamedTuple):
    """One file of the final filesystem (a tuple: images hold 10^5 files and more)."""

    size_bytes: int
    """Bytes it adds to the final filesystem (a hard link to a visible file adds 0)."""
    layer_index: int
    """The layer that supplied it."""
    owner: str
    """Owner key as attribution gives it: ``python:NAME``, ``debian:NAME``, ``unowned:/DIR``."""
    cause: str | None
    """The removable cause that claimed it (inspect's code), or None."""


@dataclass(frozen=True)
class ImageFiles:
    """The final filesystem's files, by root-relative path."""

    by_path: Mapping[str, FileFacts]

    def __iter__(self) -> Iterator[tuple[str, FileFacts]]:
        return iter(self.by_path.items())

    def __len__(self) -> int:
        return len(self.by_path)

    @property
    def total_bytes(self) -> int:
        """Equals the report's ``final_bytes`` and the attribution's total."""
        return sum(facts.size_bytes for facts in self.by_path.values())


def image_files(resolver: FileResolver, ownership: Ownership, claimed: Claimed) -> ImageFiles:
    """Join attribution's owners and the causes' claims to the resolver's files."""
    cause_of = {path: cause.code for cause, claims in claimed for path in claims}
    by_path = {
        entry.path: FileFacts(
            resolver.size(entry),
            entry.layer_index,
            owner_key(ownership, entry.path),
            cause_of.get(entry.path),
        )
        for entry in resolver.files()
    }
    return ImageFiles(MappingProxyType(by_path))
