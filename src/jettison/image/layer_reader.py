"""Stream one layer's tar once: list its entries, capture the few small files analyzers need.

Nothing is extracted to disk. The blob is read front to back through a hashing reader, so
its digest is verified in the same pass; file contents are skipped except for the paths an
analyzer asked to capture (dpkg status, dist-info RECORD files, ...).
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from jettison.errors import ImageFormatError
from jettison.image import tarstream
from jettison.image.blobs import Compression, CountingChunks, HashedChunks, uncompressed_chunks
from jettison.image.tarstream import ChunkReader, TarMember, iter_members
from jettison.image.model import EntryKind, FileEntry, Layer
from jettison.image.skipped import Skipped

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
MAX_CAPTURE_BYTES = 16 << 20
"""Largest file content kept in memory for analyzers (a big dpkg status is a few MB)."""

CaptureFilter = Callable[[str, int], bool]
"""Decides from (normalised path, size) whether a regular file's content is kept."""


@dataclass(frozen=True)
class LayerListing:
    """What one pass over a layer produced."""

    layer: Layer
    entries: tuple[FileEntry, ...]
    compression: Compression
    tar_size_bytes: int
    """Length of the uncompressed tar stream."""
    captured: Mapping[str, bytes] = field(default_factory=dict)
    skipped: tuple[Skipped, ...] = ()
    digest_verified: bool = False

    @property
    def content_bytes(self) -> int:
        """Sum of regular file contents, as ``docker history`` counts a layer."""
        return sum(e.size_bytes for e in self.entries if e.kind is EntryKind.FILE)

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
    tarstream.DIRECTORY: EntryKind.DIR,
    tarstream.SYMLINK: EntryKind.SYMLINK,
    tarstream.HARDLINK: EntryKind.HARDLINK,
    tarstream.FIFO: EntryKind.FIFO,
    tarstream.CHAR: EntryKind.DEVICE,
    tarstream.BLOCKDEV: EntryKind.DEVICE,
}


def _kind(member: TarMember) -> EntryKind:
    """Unknown type flags are read as regular files, as POSIX asks."""
    return _KINDS.get(member.type, EntryKind.FILE)


def read_layer(
    layer: Layer,
    *,
    capture: CaptureFilter | None = None,
    verify: bool = True,
    on_bytes: Callable[[int], None] | None = None,
) -> LayerListing:
    """Read ``layer`` once and return its listing.

    Raises :class:`ImageFormatError` for a blob that is not a tar, is truncated or corrupt,
    or whose digest does not match. Entries that cannot be taken safely (a path escaping the
    root) are kept out and recorded as :class:`Skipped`; so are names that are not UTF-8
    (kept, surrogate-escaped, and noted).
    """
    label = f"layer {layer.index} ({layer.blob_ref})"
    entries: list[FileEntry] = []
    captured: dict[str, bytes] = {}
    skipped: list[Skipped] = []

    def want_body(member: TarMember) -> bool:
        if capture is None or member.size > MAX_CAPTURE_BYTES:
            return False
        path = normalize_path(member.name)
        return path is not None and capture(path, member.size)

    raw = layer.open_blob()
    try:
        stored = HashedChunks(raw, on_read=on_bytes, hash_bytes=verify)
        compression, chunks = uncompressed_chunks(iter(stored), label)
        uncompressed = CountingChunks(chunks) if compression is not Compression.NONE else None
        reader = ChunkReader(iter(uncompressed) if uncompressed is not None else chunks)
        try:
            for member, body in iter_members(reader, label, want_body):
                entry = _entry(member, layer.index, skipped)
                if entry is None:
                    continue
                entries.append(entry)
                if body is not None and entry.kind is EntryKind.FILE:
                    captured[entry.path] = body
            reader.drain()  # end-of-archive padding: the digest covers the whole blob
        except OSError as exc:
            raise ImageFormatError(f"{label}: unreadable ({exc})") from exc
    finally:
        raw.close()
    verified = _verify(layer, label, stored, uncompressed) if verify else False
    return LayerListing(
        layer=layer,
        entries=tuple(entries),
        compression=compression,
        tar_size_bytes=(uncompressed or stored).bytes_read,
        captured=captured,
        skipped=tuple(skipped),
        digest_verified=verified,
    )


def _verify(
    layer: Layer, label: str, stored: HashedChunks, uncompressed: CountingChunks | None
) -> bool:
    """Compare what was read with the digests the image names for this layer."""
    checks: list[tuple[str, str | None, str]] = []
    if layer.digest:
        checks.append((layer.digest, stored.hexdigest(), stored.algorithm))
    if layer.diff_id:
        source = uncompressed or stored
        checks.append((layer.diff_id, source.hexdigest(), source.algorithm))
    verified = False
    for expected, actual, algorithm in checks:
        wanted_algorithm, _, hexdigest = expected.partition(":")
        if wanted_algorithm != algorithm or actual is None:
            continue  # another algorithm than the one hashed: not checked, so not verified
        if actual != hexdigest:
            raise ImageFormatError(
                f"{label}: digest mismatch: expected {expected}, content hashes to {algorithm}:{actual}",
                hint="the archive is damaged or was modified after it was written",
            )
        verified = True
    return verified


def _entry(info: TarMember, layer_index: int, skipped: list[Skipped]) -> FileEntry | None:
    name = info.name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        skipped.append(
            Skipped(display_path(name), "name is not valid UTF-8; shown escaped", layer_index)
        )
        # Keep the surrogate-escaped name so paths still compare and sort by their bytes;
        # renderers escape it for display.
    path = normalize_path(name)
    if path is None:
        skipped.append(Skipped(name, "path escapes the image root; entry ignored", layer_index))
        return None
    base = posixpath.basename(path)
    if base.startswith(WHITEOUT_PREFIX):
        parent = posixpath.dirname(path)
        if base == OPAQUE_MARKER:
            return FileEntry(parent, EntryKind.OPAQUE, 0, layer_index)
        if base.startswith(WHITEOUT_PREFIX + WHITEOUT_PREFIX):
            return None  # other AUFS metadata (.wh..wh.plnk ...): not part of the filesystem
        deleted = base[len(WHITEOUT_PREFIX) :]
        if deleted in ("", ".", ".."):
            # ``.wh.`` alone would name its own directory (at the top: the whole image).
            skipped.append(Skipped(path, "whiteout that names no file; ignored", layer_index))
            return None
        hidden = posixpath.join(parent, deleted)
        return FileEntry(hidden, EntryKind.WHITEOUT, 0, layer_index)
    kind = _kind(info)
    if path == "" and kind is not EntryKind.DIR:
        skipped.append(Skipped(info.name, "non-directory entry at the image root", layer_index))
        return None
    link: str | None = None
    if kind is EntryKind.SYMLINK:
        link = info.linkname
    elif kind is EntryKind.HARDLINK:
        link = normalize_path(info.linkname)
        if link is None:
            skipped.append(Skipped(path, "hard link target escapes the image root", layer_index))
            return None
    return FileEntry(
        path=path,
        kind=kind,
        size_bytes=info.size if kind is EntryKind.FILE else 0,
        layer_index=layer_index,
        mode=info.mode,
        uid=info.uid,
        gid=info.gid,
        link_target=link,
        data_offset=info.offset_data if kind is EntryKind.FILE else None,
        header_size_bytes=info.size,
    )


def hash_contents(layer: Layer, paths: set[str], algorithm: str = "sha256") -> dict[str, str]:
    """Hash the contents of ``paths`` (regular files of this layer) in one more pass.

    Used for duplicate detection, where only same-size candidates are hashed. Bodies of other
    files are stepped over, by seeking when the blob is uncompressed and seekable.
    """
    digests: dict[str, str] = {}
    if not paths:
        return digests
    label = f"layer {layer.index} ({layer.blob_ref})"
    raw = layer.open_blob()
    try:
        compression, chunks = uncompressed_chunks(iter(HashedChunks(raw, hash_bytes=False)), label)
        def seek(n: int) -> None:
            raw.seek(n, 1)

        can_seek = compression is Compression.NONE and raw.seekable()
        reader = ChunkReader(chunks, seek if can_seek else None)

        def wanted(member: TarMember) -> bool:
            return normalize_path(member.name) in paths

        for member, digest in iter_members(reader, label, wanted, hash_algorithm=algorithm):
            if digest is not None:
                digests[normalize_path(member.name) or ""] = digest.decode("ascii")
    except OSError as exc:
        raise ImageFormatError(f"{label}: unreadable on second pass ({exc})") from exc
    finally:
        raw.close()
    return digests
