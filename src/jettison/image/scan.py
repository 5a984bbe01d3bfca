"""Read every layer of an image once and expose the result through a :class:`FileResolver`.

Analyzers never see the image or its blobs: they ask the resolver for files (by path or
glob), symlink resolution, the few small contents captured during the scan, and content
hashes of chosen files (one more pass over only the layers that hold them).
"""

from __future__ import annotations

import fnmatch
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from jettison.image.blobs import DigestChecker
from jettison.image.filesystem import MergedFilesystem
from jettison.image.layer_reader import CaptureFilter, LayerListing, hash_contents, read_layer
from jettison.image.model import EntryKind, FileEntry, Image
from jettison.image.skipped import Skipped
from jettison.progress import NullProgress, Progress


def glob_filter(patterns: Iterable[str]) -> CaptureFilter:
    """A capture filter from shell globs over root-relative paths (``*`` also crosses ``/``)."""
    regex = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")
    return lambda path, _size: regex.match(path) is not None


class FileResolver:
    """Read-only view of the final filesystem for analyzers."""

    def __init__(
        self, image: Image, listings: Sequence[LayerListing], fs: MergedFilesystem
    ) -> None:
        self._image = image
        self._listings = listings
        self._fs = fs

    def files(self) -> Iterator[FileEntry]:
        """Regular files and hard links of the final filesystem."""
        for entry in self._fs.entries():
            if entry.kind in (EntryKind.FILE, EntryKind.HARDLINK):
                yield entry

    def size(self, entry: FileEntry) -> int:
        """Bytes ``entry`` contributes to the final filesystem (hard links count once)."""
        return self._fs.owned_bytes(entry)

    def get(self, path: str) -> FileEntry | None:
        return self._fs.get(path)

    def resolve(self, path: str) -> str | None:
        return self._fs.resolve(path)

    def glob(self, *patterns: str) -> list[FileEntry]:
        match = glob_filter(patterns)
        return [e for e in self.files() if match(e.path, e.size_bytes)]

    def read_bytes(self, path: str) -> bytes | None:
        """Content of a captured file as visible in the final filesystem, else None."""
        entry = self._fs.get(path)
        if entry is not None and entry.kind is EntryKind.HARDLINK and entry.link_target:
            entry = self._fs.get(entry.link_target)
        if entry is None or entry.kind is not EntryKind.FILE:
            return None
        return self._listings[entry.layer_index].captured.get(entry.path)

    def hash_files(self, entries: Iterable[FileEntry]) -> dict[str, str]:
        """sha256 of each given regular file, reading only the layers that hold them."""
        by_layer: dict[int, list[FileEntry]] = defaultdict(list)
        for entry in entries:
            if entry.kind is EntryKind.FILE:
                by_layer[entry.layer_index].append(entry)
        digests: dict[str, str] = {}
        for index in sorted(by_layer):
            digests.update(hash_contents(self._image.layers[index], by_layer[index]))
        return digests


@dataclass(frozen=True)
class ScannedImage:
    image: Image
    listings: tuple[LayerListing, ...]
    fs: MergedFilesystem

    @cached_property
    def resolver(self) -> FileResolver:
        return FileResolver(self.image, self.listings, self.fs)

    @property
    def skipped(self) -> tuple[Skipped, ...]:
        found = [s for listing in self.listings for s in listing.skipped]
        unchecked = [str(x.layer.index) for x in self.listings if x.digest_unchecked]
        if unchecked:
            found.append(
                Skipped(
                    f"digests of layers {', '.join(unchecked)}",
                    "not verified: uncompressed layers are read by seeking over file contents "
                    "(--verify all reads and hashes every byte)",
                )
            )
        return tuple(sorted({*found, *self.fs.skipped}, key=_skip_key))


def _skip_key(s: Skipped) -> tuple[int, str, str]:
    return (-1 if s.layer_index is None else s.layer_index, s.what, s.reason)


def scan_image(
    image: Image,
    capture: CaptureFilter | None = None,
    progress: Progress | None = None,
    verify: bool = True,
    checker: DigestChecker | None = None,
    hash_seekable: bool = True,
) -> ScannedImage:
    """Stream every layer once, then merge them.

    With a ``checker``, digest checks of seekable layers are left running in it (the caller
    must call ``checker.finish()`` before trusting the result); without one, every digest is
    confirmed before this returns.
    """
    sink = progress or NullProgress()
    listings = []
    count = len(image.layers)
    try:
        for layer in image.layers:
            sink.begin(f"reading layer {layer.index + 1}/{count}", layer.stored_size_bytes)
            listings.append(
                read_layer(
                    layer,
                    capture=capture,
                    verify=verify,
                    on_bytes=sink.advance,
                    checker=checker,
                    hash_seekable=hash_seekable,
                )
            )
            sink.end()
    except BaseException:
        if checker is not None:
            checker.cancel()
        raise
    fs = MergedFilesystem([listing.entries for listing in listings])
    return ScannedImage(image, tuple(listings), fs)
