"""Per-layer scan results kept on disk, keyed by the layer's digests, never by image name.

Images built on one base share their base and ML layers byte for byte, and digests name
them: inspecting an image whose layers were scanned before reads only its new layers. An
entry holds what :func:`~jettison.image.layer_reader.read_layer` produced for one layer: the
entry table (with the per-file content digests of streamed layers), the captured metadata
files, the skipped items, the compression and the tar size.

Rules:

- **Key**: the layer's blob digest and diff_id as the image names them, the capture globs'
  fingerprint (the captured files depend on them) and :data:`FORMAT_VERSION`. Layers that
  name neither digest are not cached.
- **Trust**: an entry is written only for a layer whose bytes matched its digests while it
  was read, or for an uncompressed layer read by seeking under ``--verify auto`` (whose
  digest a fresh read would not check either; the entry says so, and so does the report).
  ``--verify all`` reads every layer again (it asks for every byte to be hashed); entries
  are still written.
- **Safety**: entries are written to a temporary file and renamed into place, so several
  jettison processes can share the directory; an entry that is truncated, damaged, of
  another format version or for another key is ignored (and re-scanned), never trusted.
- **Bound**: after each write, the oldest entries (by last use: a hit touches its entry)
  are removed until the directory holds at most ``max_bytes``.

The directory is ``layers/`` under jettison's cache directory (``$JETTISON_CACHE``, see
:func:`jettison.pypi.default_cache_dir`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import struct
import tempfile
import zlib
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from jettison.image.blobs import Compression
from jettison.image.layer_reader import LayerListing
from jettison.image.model import Layer
from jettison.image.skipped import skipped_item
from jettison.image.table import EntryTable

FORMAT_VERSION = 4
"""Bumped whenever what an entry holds or means changes: older entries are then ignored
(4: file fingerprints are XXH3-64, no longer CRC-32 with Adler-32)."""
DEFAULT_MAX_BYTES = 2 << 30
MAX_BYTES_ENV = "JETTISON_LAYER_CACHE_MAX_BYTES"
"""Overrides :data:`DEFAULT_MAX_BYTES` (a number of bytes)."""
SUFFIX = ".layer"
_MAGIC = b"jettison layer scan\n"
_HEAD = struct.Struct("<I32sQ")
"""format version, sha256 of the payload, payload length."""


def default_directory() -> Path:
    from jettison.pypi import default_cache_dir  # the index caches' directory helper

    return default_cache_dir() / "layers"


def capture_key(globs: Iterable[str]) -> str:
    """A fingerprint of the capture globs (entries made with other globs do not apply)."""
    return hashlib.sha256("\n".join(globs).encode()).hexdigest()[:16]


class ScanCache:
    """A directory of layer scans; every failure to read or write it is silent."""

    def __init__(
        self, directory: Path | None = None, *, capture: str = "", max_bytes: int | None = None
    ) -> None:
        self.directory = directory if directory is not None else default_directory()
        self.capture = capture
        self.max_bytes = max_bytes if max_bytes is not None else _env_max_bytes()
        self.hits = 0
        self.stored = 0

    def key(self, layer: Layer) -> str | None:
        if not layer.digest and not layer.diff_id:
            return None
        text = f"v{FORMAT_VERSION}|{layer.digest or ''}|{layer.diff_id or ''}|{self.capture}"
        return hashlib.sha256(text.encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.directory / f"{key}{SUFFIX}"

    # -- reading --------------------------------------------------------------------------

    def load(
        self, layer: Layer, *, verify: bool = True, every_byte: bool = False
    ) -> LayerListing | None:
        """The cached scan of ``layer``, or None. ``every_byte``: every byte must be hashed
        in this run, so nothing is taken from the cache. Without ``verify`` the listing
        notes no unchecked digest (none was promised)."""
        key = self.key(layer)
        if key is None or every_byte:
            return None
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        listing = _decode(data, key, layer)
        if listing is not None and not verify and listing.digest_unchecked:
            listing = replace(listing, digest_unchecked=False)
        if listing is None:
            with contextlib.suppress(OSError):
                path.unlink()  # damaged or foreign: scan again and write it anew
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # last use, for eviction
        self.hits += 1
        return listing

    # -- writing --------------------------------------------------------------------------

    def store(self, listing: LayerListing) -> bool:
        """Keep ``listing`` when its content can be trusted (see the module docstring)."""
        if listing.from_cache or not (listing.digest_verified or listing.digest_unchecked):
            return False
        key = self.key(listing.layer)
        if key is None:
            return False
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            data = _encode(listing, key)
            fd, temp = tempfile.mkstemp(dir=self.directory, prefix=".tmp-", suffix=SUFFIX)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                Path(temp).replace(self._path(key))
            except BaseException:
                with contextlib.suppress(OSError):
                    Path(temp).unlink()
                raise
            self.stored += 1
            self.evict()
        except OSError:
            return False
        return True

    def evict(self) -> int:
        """Remove the least recently used entries beyond ``max_bytes``; returns how many."""
        found: list[tuple[float, int, Path]] = []
        try:
            for entry in os.scandir(self.directory):
                if entry.name.endswith(SUFFIX) and entry.is_file():
                    with contextlib.suppress(OSError):
                        info = entry.stat()
                        found.append((info.st_mtime, info.st_size, Path(entry.path)))
        except OSError:
            return 0
        total = sum(size for _, size, _ in found)
        removed = 0
        for _, size, path in sorted(found, key=lambda f: f[0]):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
            total -= size
        return removed


def _env_max_bytes() -> int:
    try:
        return int(os.environ.get(MAX_BYTES_ENV, ""))
    except ValueError:
        return DEFAULT_MAX_BYTES


def _encode(listing: LayerListing, key: str) -> bytes:
    captured = sorted(listing.captured.items())
    meta = {
        "key": key,
        "compression": listing.compression.value,
        "tar_size_bytes": listing.tar_size_bytes,
        "digest_verified": listing.digest_verified,
        "digest_unchecked": listing.digest_unchecked,
        "skipped": [[s.subject, s.message, s.layer is not None] for s in listing.skipped],
        "captured": [[path, len(body)] for path, body in captured],
    }
    text = json.dumps(meta, ensure_ascii=True).encode()
    table = listing.table.to_bytes()
    payload = zlib.compress(
        b"".join(
            [
                struct.pack("<Q", len(text)),
                text,
                *(body for _, body in captured),
                table,
            ]
        ),
        1,
    )
    digest = hashlib.sha256(payload).digest()
    return _MAGIC + _HEAD.pack(FORMAT_VERSION, digest, len(payload)) + payload


def _decode(data: bytes, key: str, layer: Layer) -> LayerListing | None:
    """The listing an entry holds, for ``layer``; None for anything not a sound entry."""
    try:
        if not data.startswith(_MAGIC):
            return None
        version, digest, length = _HEAD.unpack_from(data, len(_MAGIC))
        payload = data[len(_MAGIC) + _HEAD.size :]
        if version != FORMAT_VERSION or len(payload) != length:
            return None
        if hashlib.sha256(payload).digest() != digest:
            return None
        raw = zlib.decompress(payload)
        (text_length,) = struct.unpack_from("<Q", raw)
        meta: dict[str, Any] = json.loads(raw[8 : 8 + text_length])
        if not isinstance(meta, dict) or meta.get("key") != key:
            return None
        pos = 8 + text_length
        captured: dict[str, bytes] = {}
        for path, size in meta["captured"]:
            captured[str(path)] = raw[pos : pos + int(size)]
            pos += int(size)
        table = EntryTable.from_bytes(memoryview(raw)[pos:])
        table.layer_index = layer.index
        index = layer.index
        skipped = tuple(
            skipped_item(str(what), str(reason), index if has_layer else None)
            for what, reason, has_layer in meta["skipped"]
        )
        listing = LayerListing(
            layer=layer,
            table=table,
            compression=Compression(meta["compression"]),
            tar_size_bytes=int(meta["tar_size_bytes"]),
            captured=captured,
            skipped=skipped,
            digest_verified=bool(meta["digest_verified"]),
            digest_unchecked=bool(meta["digest_unchecked"]),
            from_cache=True,
        )
    except (
        ValueError,
        KeyError,
        TypeError,
        IndexError,
        AttributeError,
        RecursionError,
        struct.error,
        zlib.error,
    ):
        return None  # TableFormatError and json's errors are ValueErrors
    return listing


__all__ = [
    "DEFAULT_MAX_BYTES",
    "FORMAT_VERSION",
    "ScanCache",
    "capture_key",
    "default_directory",
]
