"""Read every layer of an image once and expose the result through a :class:`FileResolver`.

Analyzers never see the image or its blobs: they ask the resolver for files (by path or
glob), symlink resolution, the few small contents captured during the scan, and content
hashes of chosen files (one more pass over only the layers that hold them).
"""

from __future__ import annotations

import bisect
import fnmatch
import os
import re
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

from jettison.errors import ImageFormatError
from jettison.image import table as k
from jettison.image.blobs import DigestChecker
from jettison.image.filesystem import MergedFilesystem, ref_layer, ref_row
from jettison.image.layer_reader import (
    CaptureFilter,
    LayerListing,
    Spans,
    hash_contents,
    placed,
    read_layer,
)
from jettison.image.model import EntryKind, FileEntry, Image, Layer, OnePass
from jettison.image.skipped import skipped_item
from jettison.notices import Notice
from jettison.progress import NullProgress, Progress

if TYPE_CHECKING:
    from jettison.image.scan_cache import ScanCache

_FILE_KINDS = (k.FILE, k.HARDLINK)
SWITCH_INTERVAL_S = 0.001
PARALLEL_MIN_BYTES = 16 << 20
"""Layers of a smaller image (stored bytes in all) are read one after the other: starting
and joining the threads costs more than they save (most of the time of inspecting a small
image on a loaded machine)."""


def glob_filter(patterns: Iterable[str]) -> CaptureFilter:
    """A capture filter from shell globs over root-relative paths (``*`` also crosses ``/``).

    It is asked about every entry of every layer (BERT: 140,000 times), and most paths match
    no pattern: a path a glob matches ends with the glob's literal tail (``/RECORD``), or
    starts with its literal head (``var/lib/dpkg/status.d/``) where it has no tail; those two
    tests in C turn most paths away before the expression runs (0.3 -> 0.1 us a path).
    """
    patterns = list(patterns)
    regex = re.compile("|".join(f"(?:{fnmatch.translate(p)})" for p in patterns) or "(?!)")
    tails = tuple(_MAGIC.split(p)[-1] for p in patterns)
    heads = tuple(_MAGIC.split(p, maxsplit=1)[0] for p in patterns)
    ends = tuple(t for t in tails if t)
    starts = tuple(h for h, t in zip(heads, tails, strict=True) if not t)
    if "" in starts:  # a glob with neither (``*``, ``*.d/*``): no cheap test holds
        return lambda path, _size: regex.match(path) is not None
    return lambda path, _size: (
        (path.endswith(ends) or path.startswith(starts)) and regex.match(path) is not None
    )


_MAGIC = re.compile(r"[*?[\]]")
"""fnmatch's special characters (a set's brackets both): a glob's literal head and tail lie
outside them."""


class FileResolver:
    """Read-only view of the final filesystem for analyzers.

    Analyzers ask for what they need: the sorted paths of all files (:meth:`paths`), the
    files below a directory (:meth:`under`), one file's size or layer by path; entry objects
    (:meth:`get`, :meth:`files`) are built only for the files asked about.
    """

    def __init__(
        self, image: Image, listings: Sequence[LayerListing], fs: MergedFilesystem
    ) -> None:
        self._image = image
        self._listings = listings
        self._fs = fs
        self._ref = fs.ref

    def _file_ref(self, path: str) -> int | None:
        """The reference of the regular file or hard link at ``path``."""
        ref = self._ref(path)
        return ref if ref is not None and ref & 0xFF in _FILE_KINDS else None

    def _file_refs(self) -> Iterator[tuple[str, int]]:
        kinds = _FILE_KINDS
        return ((path, ref) for path, ref in self._fs.refs() if ref & 0xFF in kinds)

    def paths(self) -> list[str]:
        """Paths of the regular files and hard links of the final filesystem, sorted."""
        return self._sorted_paths

    @cached_property
    def _sorted_paths(self) -> list[str]:
        return sorted(path for path, _ in self._file_refs())

    def under(self, directory: str) -> list[str]:
        """Sorted paths of the files below ``directory`` (``""``: all of them)."""
        if not directory:
            return self._sorted_paths
        prefix = directory.rstrip("/") + "/"
        paths = self._sorted_paths
        start = bisect.bisect_left(paths, prefix)
        end = bisect.bisect_left(paths, prefix[:-1] + "0", start)  # "0" follows "/"
        return paths[start:end]

    def exists(self, path: str) -> bool:
        """Whether anything (file, directory, link...) is at ``path`` in the final tree."""
        return self._ref(path) is not None

    def sized_files(self) -> Iterator[tuple[str, int, int]]:
        """(path, bytes it contributes, layer index) of every file, without entry objects."""
        return self._fs.sized_files()

    def is_file(self, path: str) -> bool:
        """Whether ``path`` is a regular file or hard link of the final filesystem."""
        return self._file_ref(path) is not None

    def file_path(self, path: str) -> str | None:
        """``path`` as the layer tables hold it when a regular file or hard link is there,
        else None: an analyzer that keeps many paths keeps these, not equal copies (the
        RECORD files of an ML image name 50,000 files: 7 MB of copies)."""
        ref = self._file_ref(path)
        return None if ref is None else self._fs.tables[ref_layer(ref)].paths[ref_row(ref)]

    def files(self) -> Iterator[FileEntry]:
        """Regular files and hard links of the final filesystem (objects: prefer ``paths``)."""
        entry = self._fs.entry
        return (entry(ref) for _, ref in self._file_refs())

    def size(self, entry: FileEntry) -> int:
        """Bytes ``entry`` contributes to the final filesystem (hard links count once)."""
        return self._fs.owned_bytes(entry)

    def size_of(self, path: str) -> int:
        """:meth:`size` of the file at ``path`` (0 when there is none)."""
        ref = self._file_ref(path)
        return 0 if ref is None else self._fs.owned_size(path, ref)

    def sized_each(self, paths: Iterable[str]) -> list[tuple[int, int]]:
        """(:meth:`size_of`, :meth:`layer_of`) of each of ``paths``, in one call (the
        removable causes' rows: 400,000 files of the synthetic image)."""
        return self._fs.sized_each(paths)

    def layer_of(self, path: str) -> int:
        """Index of the layer that supplied the file at ``path`` (-1 when there is none)."""
        ref = self._file_ref(path)
        return -1 if ref is None else ref_layer(ref)

    def layers_of(self, paths: Iterable[str]) -> list[int]:
        """:meth:`layer_of` of each of ``paths``, in one call (duplicates ranks 400,000 copies
        of the synthetic image by layer)."""
        state, kinds = self._ref, _FILE_KINDS
        return [
            ref_layer(ref) if (ref := state(path)) is not None and ref & 0xFF in kinds else -1
            for path in paths
        ]

    def hard_link_targets(self) -> Mapping[str, list[str]]:
        """Regular file path -> the paths of the hard links of the final filesystem that
        share its data (found once: the removable causes' accounting and duplicates both
        ask for it)."""
        return self._hard_link_targets

    @cached_property
    def _hard_link_targets(self) -> dict[str, list[str]]:
        links: dict[str, list[str]] = {}
        entry = self._fs.entry
        for path, ref in self._fs.refs():
            if ref & 0xFF == k.HARDLINK:
                target = entry(ref).link_target
                if target is not None and self.is_file(target) and not self.is_hardlink(target):
                    links.setdefault(target, []).append(path)
        return links

    def is_hardlink(self, path: str) -> bool:
        ref = self._ref(path)
        return ref is not None and ref & 0xFF == k.HARDLINK

    def get(self, path: str) -> FileEntry | None:
        return self._fs.get(path)

    def resolve(self, path: str) -> str | None:
        return self._fs.resolve(path)

    def glob(self, *patterns: str) -> list[FileEntry]:
        """Files whose path matches one of ``patterns`` (``*`` also crosses ``/``), sorted
        by path. Where every pattern has a literal directory (``var/lib/dpkg/info/*.list``),
        only the files below it are tried (:meth:`under`), not every file of the image."""
        match = glob_filter(patterns)
        tops = {_MAGIC.split(p, maxsplit=1)[0].rpartition("/")[0] for p in patterns}
        if "" in tops:
            candidates = self._sorted_paths
        else:
            candidates = sorted({path for top in tops for path in self.under(top)})
        found = []
        for path in candidates:
            if match(path, 0):
                ref = self._file_ref(path)
                if ref is not None:
                    found.append(self._fs.entry(ref))
        return found

    def read_bytes(self, path: str) -> bytes | None:
        """Content of a captured file as visible in the final filesystem, else None."""
        entry = self._fs.get(path)
        if entry is not None and entry.kind is EntryKind.HARDLINK and entry.link_target:
            entry = self._fs.get(entry.link_target)
        if entry is None or entry.kind is not EntryKind.FILE:
            return None
        return self._listings[entry.layer_index].captured.get(entry.path)

    def identical_files(self, among: Container[str] | None = None) -> list[list[str]]:
        """Groups of two or more regular files with identical contents (the same size and
        fingerprint), among the paths ``among`` holds (every file when None). Hard links
        are left out (they share their data already), and so are empty files. Only files
        sharing a size with another are looked at: their fingerprints come from the scan
        where it took them, else from :meth:`hash_files`. Each group's first path is the
        copy from the lowest layer (then the first by path); the groups and their other
        paths come in no particular order.

        Grouping every file and then keeping those of a subset yields the same groups as
        grouping the subset (what duplicates relies on when a forked child grouped every
        file beside the first causes).
        """
        fs = self._fs
        same_size = fs.same_size_files(among)
        if not same_size:
            return []
        prints = [fs.fingerprints(refs) for _, refs in same_size]
        unknown = [
            path
            for (paths, _), known in zip(same_size, prints, strict=True)
            if None in known
            for path, digest in zip(paths, known, strict=True)
            if digest is None
        ]
        read = self.hash_files(unknown) if unknown else {}
        found: list[list[str]] = []
        for (paths, refs), known in zip(same_size, prints, strict=True):
            identical: dict[bytes, list[int]] = defaultdict(list)  # fingerprint -> indexes
            for index, digest in enumerate(known):
                if digest is None:
                    digest = read.get(paths[index])
                    if digest is None:
                        continue
                identical[digest].append(index)
            for indexes in identical.values():
                if len(indexes) > 1:
                    # The lowest layer's copy first (then by path); no full sort: the
                    # synthetic image's 416,790 copies took 0.33 s to sort by layer and path.
                    low = ref_layer(min(refs[i] for i in indexes))
                    lowest = [i for i in indexes if ref_layer(refs[i]) == low]
                    first = min(lowest, key=paths.__getitem__) if len(lowest) > 1 else lowest[0]
                    found.append([paths[first], *(paths[i] for i in indexes if i != first)])
        return found

    def lowest_first(self, paths: Sequence[str]) -> list[str]:
        """``paths`` with the one from the lowest layer (then the first by path) moved to
        the front, the others in their order."""
        layers = self.layers_of(paths)
        first = min(range(len(paths)), key=lambda i: (layers[i], paths[i]))
        return [paths[first], *paths[:first], *paths[first + 1 :]]

    def hash_files(self, paths: Iterable[str]) -> dict[str, bytes]:
        """A fingerprint of the content of each regular file at ``paths`` (its 8-byte digest,
        equal for identical contents, see :class:`~jettison.image.blobs.Fingerprint`), reading
        only the layers that hold them; paths that are not regular files are left out.

        Streamed layers had every file hashed during the scan; only files of layers read by
        seeking (or taken from a cache without digests) are read again, at their offsets.
        No entry objects: each file's offset and size come from its layer's table (an ML
        image has 50,000 candidates).
        """
        by_layer: dict[int, Spans] = defaultdict(Spans)
        digests: dict[str, bytes] = {}
        # Once per candidate (400,000 in the synthetic image): each path looked up once,
        # its layer's fingerprints taken by row, or its span to read noted from that row.
        tables = self._fs.tables
        known_of = [table.digests for table in tables]
        state, file = self._ref, k.FILE
        for path in paths:
            ref = state(path)
            if ref is None or ref & 0xFF != file:
                continue
            layer, row = ref_layer(ref), ref_row(ref)
            known = known_of[layer].get(row)
            if known is not None:
                digests[path] = known
            else:
                table = tables[layer]
                by_layer[layer].add(path, max(0, table.offsets[row]), table.sizes[row])
        layers, threads = self._image.layers, reader_threads()
        # One job per layer, layers side by side. A layer's files are not split among
        # threads: reading small files at their offsets is Python work per file, and two
        # threads taking turns with the GIL hashed BERT's 53,709 candidates in 1.1-1.9 s
        # where one thread takes 0.45 s.
        jobs = list(by_layer.items())

        def run(job: tuple[int, Spans]) -> dict[str, bytes]:
            index, spans = job
            return hash_contents(layers[index], spans)

        if threads <= 1 or len(jobs) <= 1:
            for job in jobs:
                digests.update(run(job))
            return digests
        # hashlib and file reads release the GIL: the jobs run side by side.
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="jettison-hash") as pool:
            for found in pool.map(run, jobs):
                digests.update(found)
        return digests


@dataclass(frozen=True)
class ScannedImage:
    image: Image
    listings: tuple[LayerListing, ...]

    @cached_property
    def fs(self) -> MergedFilesystem:
        """The merged filesystem, built on first use: what reads only the layer tables
        (dive's figures) runs before it exists, so their memory peaks do not add up (BERT's
        docker-archive: 87 -> 68 MB resident while dive's trees are held)."""
        return MergedFilesystem([listing.table for listing in self.listings])

    @cached_property
    def resolver(self) -> FileResolver:
        return FileResolver(self.image, self.listings, self.fs)

    @property
    def skipped(self) -> tuple[Notice, ...]:
        found = [s for listing in self.listings for s in listing.skipped]
        unchecked = [str(x.layer.index) for x in self.listings if x.digest_unchecked]
        if unchecked:
            found.append(
                skipped_item(
                    f"digests of layers {', '.join(unchecked)}",
                    "not verified: uncompressed layers are read by seeking over file contents "
                    "(--verify all reads and hashes every byte)",
                )
            )
        return tuple(sorted({*found, *self.fs.skipped}, key=_skip_key))


def _skip_key(s: Notice) -> tuple[int, str, str]:
    return (-1 if s.layer is None else s.layer, s.subject or "", s.message)


def reader_threads() -> int:
    """How many layers to read at once: the cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def scan_image(
    image: Image,
    capture: CaptureFilter | None = None,
    progress: Progress | None = None,
    verify: bool = True,
    checker: DigestChecker | None = None,
    every_byte: bool = True,
    cache: ScanCache | None = None,
    threads: int | None = None,
) -> ScannedImage:
    """Read every layer once (several at a time: they are independent streams), then merge
    them; listings stay in manifest order.

    With a ``checker``, digest checks of seekable layers are left running in it (the caller
    must call ``checker.finish()`` before trusting the result); without one, every digest is
    confirmed before this returns. ``every_byte`` (``--verify all``): hash every byte, not
    only what is read anyway (see :func:`read_layer`). With a ``cache``, layers scanned
    before (same digest, same capture globs) are taken from it, and layers read now are
    stored in it.
    """
    sink = progress or NullProgress()
    if image.one_pass is not None:
        return _scan_one_pass(image, image.one_pass, capture, sink, verify, cache)
    lock = threading.Lock()
    serial = threading.Lock()  # one seekable layer's headers parsed at a time (read_layer)

    def advance(n: int) -> None:
        with lock:
            sink.advance(n)

    def read(layer: Layer) -> LayerListing:
        if cache is not None:
            cached = cache.load(layer, verify=verify, every_byte=verify and every_byte)
            if cached is not None:
                advance(layer.stored_size_bytes)
                return cached
        listing = read_layer(
            layer,
            capture=capture,
            verify=verify,
            on_bytes=advance,
            checker=checker,
            every_byte=every_byte,
            serial=serial,
        )
        if cache is not None:
            cache.store(listing)
        return listing

    count = len(image.layers)
    workers = min(threads or reader_threads(), count)
    total = sum(layer.stored_size_bytes for layer in image.layers)
    if threads is None and total < PARALLEL_MIN_BYTES:
        workers = 1
    # Inflating and hashing threads give up the GIL often; the parsing threads hold it in
    # between. A 1 ms switch interval (default 5 ms) lets them have it back sooner: see
    # blobs.OUT_CHUNK_BYTES for what the wait cost. Restored when the scan ends.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))
    sink.begin(
        f"reading {count} layer{'s' if count != 1 else ''}",
        total,
    )
    try:
        if workers <= 1:
            listings = [read(layer) for layer in image.layers]
        else:
            listings = _in_parallel(read, image.layers, workers)
    except BaseException:
        if checker is not None:
            checker.cancel()
        raise
    finally:
        sys.setswitchinterval(interval)
        sink.end()
    return ScannedImage(image, tuple(listings))


def _in_parallel(
    read: Callable[[Layer], LayerListing], layers: Sequence[Layer], workers: int
) -> list[LayerListing]:
    """Each layer in a thread of a pool; results in layer order. The first failure in
    layer order is raised, once the layers already being read have stopped."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jettison-layer")
    try:
        # Largest first: the longest stream starts at once instead of last.
        order = sorted(layers, key=lambda layer: -layer.stored_size_bytes)
        futures: dict[int, Future[LayerListing]] = {
            layer.index: pool.submit(read, layer) for layer in order
        }
        return [futures[layer.index].result() for layer in layers]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _scan_one_pass(
    opened: Image,
    stream: OnePass,
    capture: CaptureFilter | None,
    sink: Progress,
    verify: bool,
    cache: ScanCache | None,
) -> ScannedImage:
    """Read the layers of a one-pass stream as they arrive, then place each listing where
    the finished image puts its layer (checking its digests there). One layer at a time:
    the stream holds them one after the other."""
    read: dict[str, LayerListing] = {}
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_INTERVAL_S))  # as in scan_image
    sink.begin("reading the layers as they stream", stream.expected_bytes)
    try:
        for layer in stream.layers():
            read[layer.blob_ref] = read_layer(
                layer, capture=capture, verify=verify, on_bytes=sink.advance
            )
        finished = stream.finish()
    finally:
        sys.setswitchinterval(interval)
        sink.end()
    image = replace(finished, notes=opened.notes + finished.notes)
    listings = []
    for layer in image.layers:
        if layer.blob_ref not in read:
            raise ImageFormatError(
                f"{image.reference}: layer {layer.index} ({layer.blob_ref}) is named by the "
                "manifest but was not in the stream",
                hint="the engine's export is incomplete; try again",
            )
        listing = placed(read[layer.blob_ref], layer)
        if cache is not None:
            cache.store(listing)
        listings.append(listing)
    return ScannedImage(image, tuple(listings))
