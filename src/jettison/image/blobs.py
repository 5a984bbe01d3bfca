"""Blob streams: chunked reading with hashing, compression sniffing and decompression.

Compression is decided from the blob's first bytes, not from the media type: docker-archives
name every layer ``layer.tar`` whatever it holds, and estargz is plain gzip to a reader.
"""

from __future__ import annotations

import bz2
import enum
import hashlib
import lzma
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO, Protocol

import zstandard

from jettison.errors import ImageFormatError

CHUNK_BYTES = 1 << 20


class Compression(enum.Enum):
    NONE = "none"
    GZIP = "gzip"
    ZSTD = "zstd"
    BZIP2 = "bzip2"
    XZ = "xz"


_MAGIC: tuple[tuple[bytes, Compression], ...] = (
    (b"\x1f\x8b", Compression.GZIP),
    (b"\x28\xb5\x2f\xfd", Compression.ZSTD),
    (b"BZh", Compression.BZIP2),
    (b"\xfd7zXZ\x00", Compression.XZ),
)


def sniff(head: bytes) -> Compression:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return Compression.NONE


class HashedChunks:
    """Iterate over a blob in large chunks, hashing and counting every byte."""

    def __init__(
        self,
        raw: BinaryIO,
        algorithm: str = "sha256",
        on_read: Callable[[int], None] | None = None,
        hash_bytes: bool = True,
    ) -> None:
        self._raw = raw
        self._on_read = on_read
        self._hash = hashlib.new(algorithm) if hash_bytes else None
        self.algorithm = algorithm
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        while chunk := self._raw.read(CHUNK_BYTES):
            if self._hash is not None:
                self._hash.update(chunk)
            self.bytes_read += len(chunk)
            if self._on_read is not None:
                self._on_read(len(chunk))
            yield chunk

    def hexdigest(self) -> str | None:
        return self._hash.hexdigest() if self._hash is not None else None


class _Decompressor(Protocol):
    def decompress(self, data: bytes) -> bytes: ...


def _new_decompressor(kind: Compression) -> _Decompressor:
    if kind is Compression.GZIP:
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if kind is Compression.ZSTD:
        return zstandard.ZstdDecompressor().decompressobj()
    if kind is Compression.BZIP2:
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def decompressed(chunks: Iterator[bytes], kind: Compression, label: str) -> Iterator[bytes]:
    """Decompress a chunk stream; concatenated gzip/zstd members (pigz, estargz) continue."""
    dec = _new_decompressor(kind)
    errors = (zlib.error, zstandard.ZstdError, OSError, EOFError, lzma.LZMAError)
    try:
        for chunk in chunks:
            data = chunk
            while data:
                out = dec.decompress(data)
                if out:
                    yield out
                data = b""
                if getattr(dec, "eof", False):
                    data = getattr(dec, "unused_data", b"")
                    if data.strip(b"\0"):
                        dec = _new_decompressor(kind)
                    else:
                        data = b""  # trailing zero padding after the last member
        if not getattr(dec, "eof", False):
            raise ImageFormatError(f"{label}: {kind.value} stream is truncated")
    except errors as exc:
        raise ImageFormatError(f"{label}: corrupt {kind.value} data ({exc})") from exc


def uncompressed_chunks(chunks: Iterator[bytes], label: str) -> tuple[Compression, Iterator[bytes]]:
    """Sniff the first chunk and return the compression found and the uncompressed chunks."""
    first = next(chunks, b"")

    def rest() -> Iterator[bytes]:
        if first:
            yield first
        yield from chunks

    kind = sniff(first[:8])
    if kind is Compression.NONE:
        return kind, rest()
    return kind, decompressed(rest(), kind, label)


class CountingChunks:
    """Pass chunks through, hashing them (the uncompressed side, for diff_id checks)."""

    def __init__(self, chunks: Iterator[bytes], algorithm: str = "sha256") -> None:
        self._chunks = chunks
        self._hash = hashlib.new(algorithm)
        self.algorithm = algorithm
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._hash.update(chunk)
            self.bytes_read += len(chunk)
            yield chunk

    def hexdigest(self) -> str:
        return self._hash.hexdigest()
