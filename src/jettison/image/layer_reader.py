"""Stream one layer's tar once: list its entries, capture the few small files analyzers need.

Nothing is extracted to disk. The blob is read front to back through a hashing reader, so
its digest is verified in the same pass; file contents are skipped except for the paths an
analyzer asked to capture (dpkg status, dist-info RECORD files, ...).
"""

from __future__ import annotations

import io
import posixpath
from array import array
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, closing, nullcontext
from dataclasses import dataclass, field, replace
from functools import cached_property
from itertools import islice
from typing import BinaryIO, cast

from jettison.errors import ImageFormatError
from jettison.image import table as kinds
from jettison.image import tarstream
from jettison.image.blobs import (
    CHUNK_BYTES,
    STREAM_CHUNK_BYTES,
    Compression,
    CountingChunks,
    DigestChecker,
    Fingerprint,
    HashedChunks,
    fingerprint_of,
    in_background,
    sniff,
    uncompressed_chunks,
)
from jettison.image.model import EntryKind, FileEntry, Layer
from jettison.image.skipped import skipped_item
from jettison.image.table import EntryTable
from jettison.image.tarstream import (
    ChunkReader,
    WindowReader,
    hash_body,
    iter_headers,
    iter_members,
)
from jettison.notices import Notice

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
SEEK_CHUNK_BYTES = 16 << 10
"""Read size when seeking over bodies: small files cluster, so one read holds many headers
(64 KiB read 0.8 GB of an 800 MB image's page cache for its 22,000 headers)."""
MAX_CAPTURE_BYTES = 16 << 20
"""Largest file content kept in memory for analyzers (a big dpkg status is a few MB)."""
MIN_CAPTURE_BUDGET_BYTES = 32 << 20
CAPTURE_BUDGET_RATIO = 4
"""All captured contents of a layer: at most this many times its stored size (at least
:data:`MIN_CAPTURE_BUDGET_BYTES`). A compressed layer of kilobytes can hold thousands of
metadata files of 16 MB of zeros; past the budget, contents are not kept (a notice says
so). Real metadata compresses less than 4:1 and is far below either figure."""

CaptureFilter = Callable[[str, int], bool]
"""Decides from (normalised path, size) whether a regular file's content is kept."""


@dataclass(frozen=True)
class LayerListing:
    """What one pass over a layer produced."""

    layer: Layer
    table: EntryTable
    """Every entry, in tar order, as columns (:mod:`jettison.image.table`)."""
    compression: Compression
    tar_size_bytes: int
    """Length of the uncompressed tar stream."""
    captured: Mapping[str, bytes] = field(default_factory=dict)
    skipped: tuple[Notice, ...] = ()
    digest_verified: bool = False
    digest_unchecked: bool = False
    """The layer names a digest that was deliberately not checked (contents seeked over)."""
    from_cache: bool = False
    """Taken from the scan cache (:mod:`jettison.image.scan_cache`), not read this time."""
    blob_sha256: str | None = None
    """The sha256 (hex) of the blob as read, when it was hashed while streaming."""
    tar_sha256: str | None = None
    """The sha256 (hex) of the uncompressed tar, when it was hashed while streaming."""

    @cached_property
    def entries(self) -> tuple[FileEntry, ...]:
        """The entries as objects, built on first use (the pipeline reads ``table``)."""
        return self.table.entries()

    @property
    def content_bytes(self) -> int:
        """Sum of regular file contents, as ``docker history`` counts a layer."""
        return self.table.content_bytes()

    @property
    def compressed_bytes(self) -> int | None:
        """Bytes of the compressed blob, or None when the blob is stored uncompressed."""
        if self.compression is Compression.NONE:
            return None
        return self.layer.stored_size_bytes


def normalize_path(name: str) -> str | None:
    """Clean a tar member name to a root-relative path; None when it escapes the root.

    Absolute names are taken relative to the image root, as container runtimes do.
    """
    path = name.strip("/")
    if not path.startswith(".") and "/." not in path and "//" not in path:
        return path  # the common case: already clean
    parts: list[str] = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def display_path(path: str) -> str:
    """A printable form of a path whose tar name was not valid UTF-8."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_KINDS = {
    tarstream.DIRECTORY: kinds.DIR,
    tarstream.SYMLINK: kinds.SYMLINK,
    tarstream.HARDLINK: kinds.HARDLINK,
    tarstream.FIFO: kinds.KIND_CODE[EntryKind.FIFO],
    tarstream.CHAR: kinds.KIND_CODE[EntryKind.DEVICE],
    tarstream.BLOCKDEV: kinds.KIND_CODE[EntryKind.DEVICE],
}
"""Type flag -> kind code; unknown type flags are regular files, as POSIX asks."""


def read_layer(
    layer: Layer,
    *,
    capture: CaptureFilter | None = None,
    verify: bool = True,
    on_bytes: Callable[[int], None] | None = None,
    checker: DigestChecker | None = None,
    every_byte: bool = True,
    serial: AbstractContextManager[object] | None = None,
) -> LayerListing:
    """Read ``layer`` once and return its listing.

    ``serial``: held while the headers of an uncompressed layer in a seekable file are
    parsed. That parse is Python work from start to end, so two layers parsed at once in
    threads only take turns with the GIL (BERT's docker-archive: 1.98 -> 1.76 s, and half the
    system time, one after the other); compressed layers, whose inflating gives up the GIL,
    are still read beside it.

    ``every_byte=False`` hashes only what is read anyway: the digest of an uncompressed layer
    in a seekable file is left unchecked (its file contents are seeked over, never read),
    recorded as a Notice item; a compressed layer is checked by its stored digest, and its
    uncompressed stream is hashed for the diff_id only when the layer names no stored sha256
    (see :func:`_read_streaming`).

    ``checker``: a shared :class:`DigestChecker` to which the digest checks of seekable,
    uncompressed layers are handed (confirmed later by its ``finish()``); without one they
    are confirmed before this returns.

    Raises :class:`ImageFormatError` for a blob that is not a tar, is truncated or corrupt,
    or whose digest does not match. Entries that cannot be taken safely (a path escaping the
    root) are kept out and recorded as :class:`Notice`; so are names that are not UTF-8
    (kept, surrogate-escaped, and noted).
    """
    label = f"layer {layer.index} ({layer.blob_ref})"
    raw = layer.open_blob()
    try:
        head = raw.read(8)
        if sniff(head) is Compression.NONE and raw.seekable():
            raw.seek(0)
            return _read_seeking(
                layer, raw, label, capture, verify, on_bytes, checker, every_byte, serial
            )
        return _read_streaming(layer, raw, head, label, capture, verify, every_byte, on_bytes)
    except OSError as exc:
        raise ImageFormatError(f"{label}: unreadable ({exc})") from exc
    finally:
        raw.close()


def _collect(
    reader: ChunkReader | WindowReader,
    label: str,
    index: int,
    capture: CaptureFilter | None,
    stored_bytes: int,
    hash_files: bool = False,
) -> tuple[EntryTable, dict[str, bytes], list[Notice]]:
    """Fill a table from the members, taking the bodies the capture filter asks for.

    ``hash_files``: also record the :class:`Fingerprint` of every regular file's content (for
    streamed layers, whose contents cannot be read again cheaply: duplicate detection uses
    them).
    The loop is the scan's hot path: one tuple per member, no object per entry.
    """
    table = EntryTable(index)
    captured: dict[str, bytes] = {}
    skipped: list[Notice] = []
    budget = max(MIN_CAPTURE_BUDGET_BYTES, CAPTURE_BUDGET_RATIO * stored_bytes)
    append = table.append
    kind_of = _KINDS.get
    regular = kinds.FILE
    read, buffered = reader.read, reader.buffered
    digests = table.digests
    for name, typeflag, size, ids, linkname, offset in iter_headers(reader, label):
        path = name.strip("/")
        if path.startswith(".") or "/." in path or "//" in path or not name.isascii():
            path = _odd_path(name, index, skipped)  # type: ignore[assignment]
            if path is None:
                continue
            if WHITEOUT_PREFIX in path and _is_marker(path):
                marker = _marker(path, index, skipped)
                if marker is not None:
                    append(marker[0], marker[1], 0)
                continue
        kind = kind_of(typeflag, regular)
        if not path and kind != kinds.DIR:
            skipped.append(skipped_item(name, "non-directory entry at the image root", index))
            continue
        if kind == regular:
            row = append(path, regular, size, offset, ids)
            wanted = capture is not None and size <= MAX_CAPTURE_BYTES and capture(path, size)
            if wanted and size > budget:
                wanted = False
                skipped.append(skipped_item(path, _OVER_BUDGET, index))
            if wanted:
                budget -= size
                body = read(size)
                if len(body) < size:
                    raise ImageFormatError(f"{label}: truncated tar (file {name!r} is cut short)")
                captured[path] = body
                if hash_files:
                    digests[row] = fingerprint_of(body)
            elif hash_files and size:
                body_view = buffered(size)
                if body_view is not None:
                    digests[row] = fingerprint_of(body_view)
                    continue
                digest = Fingerprint()
                if reader.hash_into(size, digest) < size:
                    raise ImageFormatError(f"{label}: truncated tar (file {name!r} is cut short)")
                digests[row] = digest.digest()
            continue
        link: str | None = None
        if kind == kinds.SYMLINK:
            link = linkname
        elif kind == kinds.HARDLINK:
            link = normalize_path(linkname)
            if link is None:
                skipped.append(skipped_item(path, "hard link target escapes the image root", index))
                continue
        append(path, kind, 0, -1, ids, link, size)
    return table, captured, skipped


_OVER_BUDGET = (
    f"content not read: this layer's captured files passed {CAPTURE_BUDGET_RATIO} times its "
    f"stored size (a decompression bomb?)"
)


def _odd_path(name: str, index: int, skipped: list[Notice]) -> str | None:
    """The normalised path of a name that is not plainly clean, noting what is odd."""
    try:
        name.isascii() or name.encode("utf-8")
    except UnicodeEncodeError:
        skipped.append(
            skipped_item(display_path(name), "name is not valid UTF-8; shown escaped", index)
        )
        # Keep the surrogate-escaped name so paths still compare and sort by their bytes;
        # renderers escape it for display.
    path = normalize_path(name)
    if path is None:
        skipped.append(skipped_item(name, "path escapes the image root; entry ignored", index))
    return path


def _is_marker(path: str) -> bool:
    return path.rpartition("/")[2].startswith(WHITEOUT_PREFIX)


def _marker(path: str, index: int, skipped: list[Notice]) -> tuple[str, int] | None:
    """(path, kind code) of a whiteout or opaque marker; None for one that is dropped."""
    parent, _, base = path.rpartition("/")
    if base == OPAQUE_MARKER:
        return parent, kinds.OPAQUE
    if base.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
        return None  # other AUFS metadata (.wh..wh.plnk ...): not part of the filesystem
    deleted = base[len(WHITEOUT_PREFIX) :]
    if deleted in ("", ".", ".."):
        # ``.wh.`` alone would name its own directory (at the top: the whole image).
        skipped.append(skipped_item(path, "whiteout that names no file; ignored", index))
        return None
    return posixpath.join(parent, deleted), kinds.WHITEOUT


def _read_seeking(
    layer: Layer,
    raw: BinaryIO,
    label: str,
    capture: CaptureFilter | None,
    verify: bool,
    on_bytes: Callable[[int], None] | None,
    checker: DigestChecker | None,
    every_byte: bool,
    serial: AbstractContextManager[object] | None = None,
) -> LayerListing:
    """An uncompressed blob in a seekable file: read headers only, seek over bodies.

    The digest is still checked, by a thread hashing the blob sequentially through its own
    file handle (hashlib and file reads release the GIL). With a shared ``checker`` the
    check is queued and confirmed by ``checker.finish()``; the listing then says
    ``digest_verified=False`` because nothing was confirmed when it was made.
    """
    expected = tuple(d for d in (layer.digest, layer.diff_id) if d)
    unchecked = verify and bool(expected) and not every_byte
    verify = verify and every_byte
    own = DigestChecker() if verify and checker is None and expected else None
    queue_to = checker if checker is not None else own
    if verify and queue_to is not None:
        queue_to.submit(layer.open_blob, label, expected)

    reader = WindowReader(raw, layer.stored_size_bytes, SEEK_CHUNK_BYTES, on_bytes)
    try:
        with serial if serial is not None else nullcontext():
            table, captured, skipped = _collect(
                reader, label, layer.index, capture, layer.stored_size_bytes
            )
        reader.drain()
    except BaseException:
        if own is not None:
            own.cancel()
        raise
    tar_size = layer.stored_size_bytes
    verified = own is not None and own.finish() > 0
    return LayerListing(
        layer=layer,
        table=table,
        compression=Compression.NONE,
        tar_size_bytes=tar_size,
        captured=captured,
        skipped=tuple(skipped),
        digest_verified=verified,
        digest_unchecked=unchecked,
    )


def _read_streaming(
    layer: Layer,
    raw: BinaryIO,
    head: bytes,
    label: str,
    capture: CaptureFilter | None,
    verify: bool,
    every_byte: bool,
    on_bytes: Callable[[int], None] | None,
) -> LayerListing:
    """A compressed (or unseekable) blob: decompress and parse in one forward pass.

    Three threads share the work (hashlib, ISA-L and file reads release the GIL): one reads
    and inflates the blob, one hashes it as stored, and this one parses the headers and
    fingerprints each file's content. On the BERT image's 3.9 GB gzip layer (6.4 GB of tar)
    the first two take 8 and 3 s of CPU; the diff_id's sha256, where taken, another 5 s.

    The tar stream is hashed for its diff_id only with ``every_byte`` or when the layer names
    no stored sha256 (a one-pass stream's layer, an archive naming its blobs by path): the
    stored digest names the blob's bytes and the tar stream is their inflation, so its check
    proves the content; the diff_id check adds a sha256 pass over the larger, inflated stream
    (the synthetic image's 20.8 GB of zeros: 12.6 s of CPU, more than the inflating) to
    confirm only that the config's second name for those bytes is right.
    """
    hash_tar = verify and (every_byte or not _names_sha256(layer.digest))
    stored = HashedChunks(
        raw,
        on_read=on_bytes,
        hash_bytes=verify,
        head=head,
        chunk_bytes=STREAM_CHUNK_BYTES,
        background=True,
    )
    # A stored sha256 checked proves every byte: gzip's CRC-32 would add nothing but CPU.
    checked = verify and _names_sha256(layer.digest)
    compression, chunks = uncompressed_chunks(iter(stored), label, gzip_crc=not checked)
    pipeline = in_background(chunks, depth=2)
    with closing(pipeline):  # stops the reader thread before the blob is closed
        uncompressed = CountingChunks(
            pipeline, hash_bytes=hash_tar and compression is not Compression.NONE
        )
        reader = ChunkReader(iter(uncompressed))
        table, captured, skipped = _collect(
            reader, label, layer.index, capture, layer.stored_size_bytes, hash_files=True
        )
        reader.drain()  # end-of-archive padding: the digest covers the whole blob
    verified = False
    stored_hex = unpacked_hex = None
    if verify:
        stored_hex = stored.hexdigest()
        # Not compressed: the tar stream is the stored blob. Not hashed: None, left unchecked.
        unpacked_hex = stored_hex if compression is Compression.NONE else uncompressed.hexdigest()
        verified = _verify(layer, label, stored_hex, unpacked_hex)
    return LayerListing(
        layer=layer,
        table=table,
        compression=compression,
        tar_size_bytes=uncompressed.bytes_read,
        captured=captured,
        skipped=tuple(skipped),
        digest_verified=verified,
        blob_sha256=stored_hex,
        tar_sha256=unpacked_hex,
    )


def placed(listing: LayerListing, layer: Layer) -> LayerListing:
    """A listing read before its layer's place in the image was known (a one-pass stream,
    see :class:`~jettison.image.model.OnePass`), as the listing of ``layer``: its entries
    and notes moved to ``layer.index``, and the digests hashed while it streamed checked
    against those ``layer`` names."""
    label = f"layer {layer.index} ({layer.blob_ref})"
    verified = _verify(layer, label, listing.blob_sha256, listing.tar_sha256)
    skipped = tuple(
        replace(notice, layer=layer.index) if notice.layer is not None else notice
        for notice in listing.skipped
    )
    return replace(
        listing,
        layer=layer,
        table=listing.table.at_layer(layer.index),
        skipped=skipped,
        digest_verified=verified,
    )


def _names_sha256(digest: str | None) -> bool:
    """Whether ``digest`` is one this reader can check (``sha256:<hex>``)."""
    return (digest or "").startswith("sha256:")


def _verify(layer: Layer, label: str, stored: str | None, uncompressed: str | None) -> bool:
    """Compare sha256 hex digests of what was read with the digests the image names.

    ``stored`` hashes the blob as shipped, ``uncompressed`` the tar stream (the same bytes
    when the blob is not compressed); a digest of another algorithm is not checked.
    """
    checks = [(layer.digest, stored), (layer.diff_id, uncompressed)]
    verified = False
    for expected, actual in checks:
        algorithm, _, hexdigest = (expected or "").partition(":")
        if algorithm != "sha256" or actual is None:
            continue
        if actual != hexdigest:
            raise ImageFormatError(
                f"{label}: digest mismatch: expected {expected}, content hashes to sha256:{actual}",
                hint="the archive is damaged or was modified after it was written",
            )
        verified = True
    return verified


def _positioned_reader(raw: BinaryIO) -> Callable[[memoryview, int], int]:
    """``read_at(buffer, position)``: bytes of ``raw`` at ``position`` into ``buffer``, how
    many were read. One ``pread`` where the blob offers it (a slice of an archive on disk:
    12,000 small files hashed in 60% of the time of seek-and-read); else seek, then read."""
    pread_into = getattr(raw, "pread_into", None)
    if callable(pread_into):
        return cast(Callable[[memoryview, int], int], pread_into)
    # Every source's blob is a file or an io.RawIOBase with readinto (BinaryIO's type does
    # not declare it).
    readinto = cast(io.RawIOBase, raw).readinto

    def read_at(buffer: memoryview, position: int) -> int:
        raw.seek(position)
        return readinto(buffer) or 0

    return read_at


class Spans:
    """Where regular files' contents are in one layer's uncompressed tar stream, as columns:
    a path list and two int arrays, 24 bytes a file where a named tuple and its two ints took
    ~100 (BERT's 53,709 duplicate candidates are read at the claim phase, which holds the
    peak RSS: with this, a dict by path dropped and 8-byte digests for hex, 78.4 -> 76.4 MB)."""

    __slots__ = ("offsets", "paths", "sizes")

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.offsets = array("q")
        self.sizes = array("q")

    def add(self, path: str, offset: int, size: int) -> None:
        self.paths.append(path)
        self.offsets.append(offset)
        self.sizes.append(size)

    def __len__(self) -> int:
        return len(self.paths)

    def by_offset(self) -> Sequence[int]:
        """The rows in the order of their offsets: as added when that is already so (files
        asked for in tar order, the usual case), else sorted."""
        offsets = self.offsets
        if all(a <= b for a, b in zip(offsets, islice(offsets, 1, None), strict=False)):
            return range(len(offsets))
        return sorted(range(len(offsets)), key=offsets.__getitem__)


NEAR_BYTES = 16 << 10
"""Candidates at most this far apart are read with one ``pread`` (what lies between is read
and ignored): BERT's 53,709 same-size files are mostly small neighbours in one layer."""


def _hash_at_offsets(raw: BinaryIO, spans: Spans, label: str, digests: dict[str, bytes]) -> None:
    """Fingerprint each span of a seekable, uncompressed blob, in offset order. Runs of near,
    small files share one read into one buffer and are fingerprinted from views of it; a
    file larger than the buffer is read in pieces."""
    # One buffer read into for every file: no 1 MiB object per read, which the allocator
    # of a reading thread would keep (measured: +5 MB peak on BERT).
    buffer = memoryview(bytearray(CHUNK_BYTES))
    read_at = _positioned_reader(raw)

    def fill(length: int, position: int) -> int:
        got = 0
        while got < length and (n := read_at(buffer[got:length], position + got)):
            got += n
        return got

    paths, offsets, sizes = spans.paths, spans.offsets, spans.sizes
    order = spans.by_offset()
    i, count = 0, len(order)
    while i < count:
        row = order[i]
        start, size = offsets[row], sizes[row]
        if size > CHUNK_BYTES:
            digest = Fingerprint()
            position, left = start, size
            while left > 0 and (got := fill(min(left, CHUNK_BYTES), position)):
                digest.update(buffer[:got])
                left -= got
                position += got
            if left:
                raise ImageFormatError(f"{label}: truncated ({paths[row]!r} is cut short)")
            digests[paths[row]] = digest.digest()
            i += 1
            continue
        end, j = start + size, i + 1
        while j < count:  # the run: near files that fit in the buffer with the first
            following = order[j]
            gap = offsets[following] - end
            following_end = offsets[following] + sizes[following]
            if gap > NEAR_BYTES or following_end - start > CHUNK_BYTES:
                break
            end = max(end, following_end)
            j += 1
        got = fill(end - start, start)
        for row in order[i:j]:
            at, length = offsets[row] - start, sizes[row]
            if at + length > got:
                raise ImageFormatError(f"{label}: truncated ({paths[row]!r} is cut short)")
            digests[paths[row]] = fingerprint_of(buffer[at : at + length])
        i = j


def hash_contents(layer: Layer, spans: Spans) -> dict[str, bytes]:
    """:class:`Fingerprint` digests (8 bytes) of the contents of the files at ``spans``
    (regular files of this layer, from its listing).

    Used for duplicate detection, where only same-size candidates are hashed. An uncompressed
    blob in a seekable file is read only at the candidates' recorded offsets; otherwise the
    layer is streamed once more and the other bodies are stepped over.
    """
    digests: dict[str, bytes] = {}
    if not spans:
        return digests
    label = f"layer {layer.index} ({layer.blob_ref})"
    raw = layer.open_blob()
    try:
        head = raw.read(8)
        if sniff(head) is Compression.NONE and raw.seekable():
            _hash_at_offsets(raw, spans, label, digests)
            return digests
        wanted = set(spans.paths)
        _, chunks = uncompressed_chunks(iter(HashedChunks(raw, hash_bytes=False, head=head)), label)
        reader = ChunkReader(chunks)
        for member in iter_members(reader, label):
            path = normalize_path(member.name) if member.is_file() else None
            if path is not None and path in wanted:
                digest = Fingerprint()
                hash_body(reader, member, digest, label)
                digests[path] = digest.digest()
    except OSError as exc:
        raise ImageFormatError(f"{label}: unreadable on second pass ({exc})") from exc
    finally:
        raw.close()
    return digests
