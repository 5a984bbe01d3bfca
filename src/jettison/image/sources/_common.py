"""Pieces shared by the sources: blob stores over a tar or a directory, config parsing."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from jettison.errors import ImageFormatError
from jettison.image.blobs import Compression, sniff
from jettison.image.layer_reader import normalize_path
from jettison.image.model import HistoryEntry, ImageConfig, Platform

MAX_METADATA_BYTES = 64 << 20
"""Manifests, indexes and configs are small JSON documents; refuse absurd ones."""


class TarBlobStore:
    """Blobs stored as members of an (uncompressed or gzip) tar archive, read in place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with path.open("rb") as fh:
                self._plain = sniff(fh.read(8)) is Compression.NONE
            self._tar = tarfile.open(path, mode="r:*")  # noqa: SIM115 - closed by close()
            self._members = {}
            for member in self._tar:
                name = normalize_path(member.name)
                if name is not None:
                    self._members[name] = member
        except (tarfile.TarError, EOFError, OSError) as exc:
            if hasattr(self, "_tar"):  # opened, then failed while listing: do not leak it
                self._tar.close()
            raise ImageFormatError(f"{path}: {tar_error(exc, path)}") from exc

    def names(self) -> set[str]:
        return set(self._members)

    def has(self, ref: str) -> bool:
        return normalize_path(ref) in self._members

    def _member(self, ref: str) -> tarfile.TarInfo:
        member = self._members.get(normalize_path(ref) or "")
        # Follow hard links and symlinks inside the archive (some writers deduplicate blobs).
        seen = 0
        while member is not None and (member.islnk() or member.issym()) and seen < 8:
            seen += 1
            target = (
                member.linkname
                if member.islnk()
                else f"{Path(member.name).parent}/{member.linkname}"
            )
            member = self._members.get(normalize_path(target) or "")
        if member is None or not member.isreg():
            raise ImageFormatError(
                f"{self.path}: the image names {ref!r}, which is missing from the archive",
                hint="the archive is incomplete; export the image again",
            )
        return member

    def open_blob(self, ref: str) -> BinaryIO:
        member = self._member(ref)
        if self._plain and not member.issparse():
            # Read the member's bytes straight from the file: tarfile's member reader adds a
            # Python layer to every read, which was a measured share of the scan.
            return cast(BinaryIO, _FileSlice(self.path, member.offset_data, member.size))
        fileobj = self._tar.extractfile(member)
        assert fileobj is not None  # _member returns regular files only
        return cast(BinaryIO, fileobj)

    def blob_size(self, ref: str) -> int:
        return self._member(ref).size

    def close(self) -> None:
        self._tar.close()


def tar_error(exc: BaseException, path: Path) -> str:
    """One line saying why ``tarfile`` could not read ``path`` (its own text for ``r:*`` spans
    several lines, one per compression it tried)."""
    try:
        if path.is_file() and path.stat().st_size == 0:
            return "an empty file, not a tar archive"
    except OSError:
        pass
    detail = str(exc)
    if isinstance(exc, tarfile.ReadError) and "\n" in detail:
        return "not a tar archive (nor a gzip, bzip2 or xz compressed one)"
    detail = " ".join(detail.split())
    return f"not a readable tar archive ({detail})" if detail else "not a readable tar archive"


def ends_cleanly(path: Path) -> bool:
    """Whether an uncompressed tar ends with its end-of-archive marker (two zero blocks, then
    only zeros). ``tarfile`` reads a file cut inside a header as if it ended there; this tells
    a truncated archive from a complete one. Compressed archives count as clean: their
    decompressor reports truncation itself."""
    try:
        with path.open("rb") as fh:
            if fh.read(2) in (b"\x1f\x8b", b"BZ", b"\xfd7"):
                return True
            size = fh.seek(0, 2)
            if size % 512:
                return False
            fh.seek(max(size - 1024, 0))
            return size >= 1024 and fh.read(1024) == bytes(1024)
    except OSError:
        return True


class _FileSlice(io.RawIOBase):
    """A read-only, seekable window ``[offset, offset + size)`` of a file."""

    def __init__(self, path: Path, offset: int, size: int) -> None:
        self._file = path.open("rb", buffering=0)
        self._start = offset
        self._size = size
        self._pos = 0
        self._file.seek(offset)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        n = self._file.readinto(memoryview(buffer)[:want]) or 0
        self._pos += n
        return n

    def pread(self, size: int, position: int) -> bytes:
        """Up to ``size`` bytes at ``position`` of the slice (one ``pread``; the position of
        :meth:`read` is left alone)."""
        want = min(size, self._size - position)
        if want <= 0 or position < 0:
            return b""
        return os.pread(self._file.fileno(), want, self._start + position)

    def pread_into(self, buffer: memoryview, position: int) -> int:
        """Bytes at ``position`` of the slice into ``buffer`` (one ``pread``; the position
        of :meth:`readinto` is left alone), how many were read."""
        want = min(len(buffer), self._size - position)
        if want <= 0 or position < 0:
            return 0
        return os.preadv(self._file.fileno(), [buffer[:want]], self._start + position)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, min(self._size, base + offset))
        self._file.seek(self._start + self._pos)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        self._file.close()
        super().close()


class DirBlobStore:
    """Blobs stored as files below a directory (an OCI image layout)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def close(self) -> None:
        """Each blob is opened and closed by its reader; nothing to release."""

    def _path(self, ref: str) -> Path:
        rel = normalize_path(ref)
        if rel is None:
            raise ImageFormatError(f"{self.root}: blob reference {ref!r} escapes the layout")
        return self.root / rel

    def has(self, ref: str) -> bool:
        return self._path(ref).is_file()

    def open_blob(self, ref: str) -> BinaryIO:
        path = self._path(ref)
        try:
            return path.open("rb")
        except FileNotFoundError as exc:
            raise ImageFormatError(
                f"{self.root}: the image names blob {ref!r}, which is missing",
                hint="the layout is incomplete; export the image again",
            ) from exc

    def blob_size(self, ref: str) -> int:
        path = self._path(ref)
        try:
            return path.stat().st_size
        except FileNotFoundError as exc:
            raise ImageFormatError(
                f"{self.root}: the image names blob {ref!r}, which is missing",
                hint="the layout is incomplete; export the image again",
            ) from exc


class NamedBlobs(Protocol):
    """Blobs by name, as an archive or a layout holds them (and a Docker Engine's export,
    once streamed: see ``docker_daemon``)."""

    def has(self, ref: str) -> bool: ...

    def open_blob(self, ref: str) -> BinaryIO: ...

    def blob_size(self, ref: str) -> int: ...

    def close(self) -> None: ...


def read_json(store: NamedBlobs, ref: str, what: str, digest: str | None = None) -> Any:
    """Read a small JSON document, checking its digest when one is given."""
    if store.blob_size(ref) > MAX_METADATA_BYTES:
        raise ImageFormatError(f"{what} {ref!r} is implausibly large for JSON metadata")
    with store.open_blob(ref) as fh:
        data = fh.read()
    if digest:
        check_digest(data, digest, f"{what} {ref!r}")
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImageFormatError(f"{what} {ref!r} is not valid JSON ({exc})") from exc
    except RecursionError as exc:
        raise ImageFormatError(f"{what} {ref!r} nests too deeply to be image metadata") from exc


def check_digest(data: bytes, digest: str, what: str) -> None:
    algorithm, _, expected = digest.partition(":")
    if algorithm not in ("sha256", "sha384", "sha512"):
        raise ImageFormatError(f"{what}: unsupported digest algorithm {algorithm!r}")
    actual = hashlib.new(algorithm, data).hexdigest()
    if actual != expected:
        raise ImageFormatError(
            f"{what}: digest mismatch: expected {digest}, content hashes to {algorithm}:{actual}",
            hint="the image is damaged or was modified after it was written",
        )


def blob_path(digest: str) -> str:
    """Path of a blob inside an OCI layout: ``blobs/<alg>/<hex>``."""
    algorithm, sep, hexdigest = digest.partition(":")
    if not sep or not hexdigest.isalnum() or not algorithm.isalnum():
        raise ImageFormatError(f"malformed digest {digest!r}")
    return f"blobs/{algorithm}/{hexdigest}"


def _str_tuple(value: object) -> tuple[str, ...] | None:
    if value is None:
        return None
    if isinstance(value, str):  # shell form stored as a string by some builders
        return (value,)
    if isinstance(value, list):
        # buildah writes "Entrypoint": [] in Docker configs and omits it in OCI ones: both
        # mean "none", so both read as None.
        return tuple(str(v) for v in value) or None
    return None


def text_or_none(value: object) -> str | None:
    """A document's string field; None for anything else (a number, a list...): the
    documents come from anywhere, and a field of the wrong type is taken as absent."""
    return value if isinstance(value, str) and value else None


def parse_config(raw: object, what: str) -> tuple[ImageConfig, list[Mapping[str, Any]]]:
    """Turn an OCI/Docker config document into an ImageConfig and its raw history list."""
    if not isinstance(raw, dict):
        raise ImageFormatError(f"{what} is not an image config (expected a JSON object)")
    inner = raw.get("config") or raw.get("container_config") or {}
    if not isinstance(inner, dict):
        inner = {}
    rootfs = raw.get("rootfs") or {}
    diff_ids = rootfs.get("diff_ids") if isinstance(rootfs, dict) else None
    if not isinstance(diff_ids, list):
        raise ImageFormatError(f"{what} has no rootfs.diff_ids: not an image config")
    labels = inner.get("Labels") or {}
    ports = inner.get("ExposedPorts")
    config = ImageConfig(
        os=text_or_none(raw.get("os")),
        architecture=text_or_none(raw.get("architecture")),
        variant=text_or_none(raw.get("variant")),
        cmd=_str_tuple(inner.get("Cmd")),
        entrypoint=_str_tuple(inner.get("Entrypoint")),
        env=_str_tuple(inner.get("Env")) or (),
        user=text_or_none(inner.get("User")),
        working_dir=text_or_none(inner.get("WorkingDir")),
        exposed_ports=tuple(sorted(ports)) if isinstance(ports, dict) else (),
        labels={str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {},
        diff_ids=tuple(str(d) for d in diff_ids),
    )
    history = raw.get("history") or []
    if not isinstance(history, list):
        history = []
    return config, [h for h in history if isinstance(h, dict)]


def map_history(history: list[Mapping[str, Any]], n_layers: int) -> tuple[HistoryEntry, ...]:
    """Pair history entries with layers: each entry not marked ``empty_layer`` made the next layer.

    When the counts disagree (squashed or hand-edited images), entries are paired from the
    top, because the newest layers are the ones a user changes; the rest stay unpaired.
    """
    non_empty = [i for i, h in enumerate(history) if not h.get("empty_layer")]
    offset = n_layers - len(non_empty)  # > 0: bottom layers without history
    pairing: dict[int, int] = {}
    for rank, hist_index in enumerate(non_empty):
        layer_index = rank + offset
        if 0 <= layer_index < n_layers:
            pairing[hist_index] = layer_index
    entries = []
    for i, h in enumerate(history):
        entries.append(
            HistoryEntry(
                created_by=str(h.get("created_by") or ""),
                created=str(h["created"]) if h.get("created") else None,
                comment=str(h["comment"]) if h.get("comment") else None,
                empty_layer=bool(h.get("empty_layer")),
                layer_index=pairing.get(i),
            )
        )
    return tuple(entries)


def other_platform(config: ImageConfig, platform: Platform | None) -> str | None:
    """What a single image is built for (``linux/arm64``) when ``platform`` asks for another,
    else None (nothing asked, or a config that names no OS). A store, an engine and a tag
    without an index hold one platform per name; each source says so in its own words."""
    if platform is None or config.os is None:
        return None
    if platform.matches(config.os, config.architecture, config.variant):
        return None
    return "/".join(p for p in (config.os, config.architecture, config.variant) if p)
