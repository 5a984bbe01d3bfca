"""Blob streams: chunked reading with hashing, compression sniffing and decompression.

Compression is decided from the blob's first bytes, not from the media type: docker-archives
name every layer ``layer.tar`` whatever it holds, and estargz is plain gzip to a reader.
"""

from __future__ import annotations

import bz2
import enum
import hashlib
import lzma
import queue
import threading
import zlib
from collections.abc import Callable, Generator, Iterator
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
        head: bytes = b"",
    ) -> None:
        """``head``: bytes already read from ``raw`` (to sniff it), served first."""
        self._head = head
        self._raw = raw
        self._on_read = on_read
        self._hash = hashlib.new(algorithm) if hash_bytes else None
        self.algorithm = algorithm
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        head, self._head = self._head, b""
        while chunk := head + self._raw.read(CHUNK_BYTES):
            head = b""
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
            if getattr(dec, "eof", False) and data.strip(b"\0"):
                dec = _new_decompressor(kind)  # the last member ended exactly at a chunk end
            elif getattr(dec, "eof", False):
                continue  # zero padding after the last member
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


_DONE = object()


def in_background(chunks: Iterator[bytes], depth: int = 8) -> Generator[bytes, None, None]:
    """Run a chunk pipeline (read, hash, decompress) in a thread, feeding the caller.

    File reads, hashlib and zlib/zstd all release the GIL on large buffers, so on two cores
    this overlaps them with the header parsing of the caller (measured: most of a layer's
    read time). Exceptions raised in the pipeline are re-raised in the caller; a caller that
    stops early stops the thread.
    """
    items: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        """Queue ``item`` unless the consumer has gone; never blocks for good."""
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for chunk in chunks:
                if not offer(chunk):
                    return
            offer(_DONE)
        except BaseException as exc:  # handed to the consumer, which re-raises it
            offer(exc)

    worker = threading.Thread(target=produce, name="jettison-blob-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        worker.join()


class BackgroundDigest:
    """sha256 of a whole blob, computed by a thread through its own file handle."""

    def __init__(self, open_blob: Callable[[], BinaryIO]) -> None:
        self._open = open_blob
        self._stop = threading.Event()
        self._digest: str | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="jettison-digest", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            digest = hashlib.sha256()
            with self._open() as blob:
                while not self._stop.is_set() and (chunk := blob.read(CHUNK_BYTES)):
                    digest.update(chunk)
            self._digest = digest.hexdigest()
        except BaseException as exc:  # re-raised by result()
            self._error = exc

    def cancel(self) -> None:
        self._stop.set()
        self._thread.join()

    def result(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._digest is not None
        return self._digest
