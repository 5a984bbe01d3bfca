"""Blob streams: chunked reading with hashing, compression sniffing and decompression.

Compression is decided from the blob's first bytes, not from the media type: docker-archives
name every layer ``layer.tar`` whatever it holds, and estargz is plain gzip to a reader.

gzip is inflated by ISA-L (the ``isal`` package) when it is installed: measured on the 3.5 GB
gzip layer of the naive BERT image, twice as fast as zlib (8.0 s against 17.7 s for all of
its layers, one core); zlib otherwise, with the same results.
"""

from __future__ import annotations

import bz2
import enum
import hashlib
import lzma
import queue
import threading
import types
import zlib
from collections.abc import Callable, Generator, Iterator
from typing import Any, BinaryIO, Protocol

import xxhash
import zstandard

from jettison.errors import ImageFormatError

_gzip_zlib: types.ModuleType
_igzip: types.ModuleType | None
try:  # ISA-L's inflate: the same results as zlib's, about twice as fast
    from isal import igzip_lib, isal_zlib

    _gzip_zlib, _igzip = isal_zlib, igzip_lib
except ImportError:  # pragma: no cover - isal is a dependency; a platform without its wheel
    _gzip_zlib, _igzip = zlib, None
_GZIP_ERROR: type[Exception] = _gzip_zlib.error

CHUNK_BYTES = 1 << 20
STREAM_CHUNK_BYTES = 4 << 20
"""Read size of compressed blobs."""
OUT_CHUNK_BYTES = 16 << 20
"""Most bytes one gzip inflate call returns: a run of zeros inflates 1000-fold, and an
unbounded call would hold gigabytes at once.

Large on purpose. Inflating releases the GIL, and every time it wants it back while the
parsing thread runs Python it waits up to the switch interval: zlib's and isal_zlib's
decompress objects give it up once per output block, so on the py311 stand-in's 247 MB
layer, next to a thread running Python, zlib took 12.3 s instead of 2.6 s and isal_zlib
4.1 s instead of 1.2 s; ISA-L's IgzipDecompressor with 4 MiB in and 16 MiB out, 1.2 s
(switch interval 1 ms, see :func:`jettison.image.scan.scan_image`) instead of 1.0 s."""
GZIP_INFLATER = "isal" if _igzip is not None else "zlib"
"""Which inflater gzip layers get (for benchmarks and reports)."""


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


Fingerprint = xxhash.xxh3_64
"""A content fingerprint for telling identical files apart: XXH3-64 of the bytes, 8 bytes;
hashlib-like API (``update``, ``digest``).

Used for duplicate detection among files already known to have the same size, where it
replaced per-file sha256 (BERT's 6.4 GB pip layer: 4.5 s of CPU on top of the layer's own
digest), then CRC-32 with Adler-32 (ISA-L's, 12 GB/s together and two calls of ~0.5 us per
file): XXH3 runs at 30-55 GB/s (by those speeds, the synthetic image's 16 GB of large
files cost ~1.3 s of CPU before and ~0.4 s now) and one call of 0.27 us per small file;
``update`` gives the GIL up while it hashes (the one-shot :data:`fingerprint_of` keeps it,
for the small files it serves). Not a cryptographic hash: two different files of one size
would need equal 64-bit XXH3 values to be taken for copies."""

fingerprint_of: Callable[[bytes | memoryview], bytes] = xxhash.xxh3_64_digest
"""``Fingerprint(data).digest()`` without the object (once per file of a streamed layer)."""


class HashedChunks:
    """Iterate over a blob in large chunks, hashing and counting every byte."""

    def __init__(
        self,
        raw: BinaryIO,
        algorithm: str = "sha256",
        on_read: Callable[[int], None] | None = None,
        hash_bytes: bool = True,
        head: bytes = b"",
        chunk_bytes: int = CHUNK_BYTES,
        background: bool = False,
    ) -> None:
        """``head``: bytes already read from ``raw`` (to sniff it), served first.
        ``background``: hash in a thread of its own (the reading thread inflates)."""
        self._chunk_bytes = chunk_bytes
        self._head = head
        self._raw = raw
        self._on_read = on_read
        self._hash = hashlib.new(algorithm) if hash_bytes else None
        self._hasher = _Hasher(self._hash) if hash_bytes and background else None
        self.algorithm = algorithm
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        head, self._head = self._head, b""
        digest, hasher = self._hash, self._hasher
        try:
            while chunk := head + self._raw.read(self._chunk_bytes):
                head = b""
                if hasher is not None:
                    hasher.put(chunk)
                elif digest is not None:
                    digest.update(chunk)
                self.bytes_read += len(chunk)
                if self._on_read is not None:
                    self._on_read(len(chunk))
                yield chunk
        finally:
            if hasher is not None:
                hasher.close()

    def hexdigest(self) -> str | None:
        if self._hasher is not None:
            self._hasher.close()
        return self._hash.hexdigest() if self._hash is not None else None


class _Hasher:
    """Feeds chunks to a hash object in a thread of its own (hashlib releases the GIL)."""

    def __init__(self, digest: Any, depth: int = 4) -> None:
        self._digest = digest
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="jettison-hash", daemon=True)
        self._thread.start()
        self._closed = False

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            self._digest.update(chunk)

    def put(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def close(self) -> None:
        """Wait until every chunk put so far is hashed."""
        if not self._closed:
            self._closed = True
            self._chunks.put(None)
        self._thread.join()


class _Decompressor(Protocol):
    def decompress(self, data: bytes) -> bytes: ...


def _new_decompressor(kind: Compression) -> _Decompressor:
    if kind is Compression.GZIP:
        inflater: _Decompressor = _gzip_zlib.decompressobj(16 + zlib.MAX_WBITS)
        return inflater
    if kind is Compression.ZSTD:
        return zstandard.ZstdDecompressor().decompressobj()
    if kind is Compression.BZIP2:
        return bz2.BZ2Decompressor()
    return lzma.LZMADecompressor()


def decompressed(
    chunks: Iterator[bytes], kind: Compression, label: str, *, gzip_crc: bool = True
) -> Iterator[bytes]:
    """Decompress a chunk stream; concatenated members (pigz, estargz, pbzip2) continue.

    Every call to a decompressor is bounded in what it returns (a decompression bomb is
    streamed through, never held): gzip, bzip2 and xz by their ``max_length``, zstd by the
    size of what it is fed (:data:`ZSTD_PIECE_BYTES`).

    ``gzip_crc=False``: gzip members' CRC-32 is not computed (with ISA-L; zlib always does),
    for a blob whose sha256 the caller checks, which proves every byte the CRC would (see
    :class:`_GzipMember`).
    """
    if kind is Compression.GZIP and _igzip is not None:
        igzip = _igzip

        def member() -> _GzipMember:
            return _GzipMember(igzip, crc=gzip_crc)

        yield from _members(chunks, label, kind, member)
    elif kind is Compression.GZIP:
        yield from _inflate_zlib(chunks, label)
    elif kind is Compression.ZSTD:
        yield from _unzstd(chunks, label)
    else:
        yield from _members(chunks, label, kind, lambda: _new_decompressor(kind))


_ERRORS = (zlib.error, _GZIP_ERROR, zstandard.ZstdError, OSError, EOFError, lzma.LZMAError)
"""What the decompressors raise on damaged data (bz2: OSError; after the end: EOFError)."""


def _corrupt(label: str, kind: Compression, exc: Exception) -> ImageFormatError:
    return ImageFormatError(f"{label}: corrupt {kind.value} data ({exc})")


def _truncated(label: str, kind: Compression) -> ImageFormatError:
    return ImageFormatError(f"{label}: {kind.value} stream is truncated")


def _inflate_zlib(chunks: Iterator[bytes], label: str) -> Iterator[bytes]:
    """gzip members through zlib (when ISA-L is not installed): ``max_length`` and
    ``unconsumed_tail`` bound each call."""
    kind = Compression.GZIP
    dec: Any = _new_decompressor(kind)
    try:
        for chunk in chunks:
            data = chunk
            if dec.eof:
                if not data.strip(b"\0"):
                    continue  # zero padding after the last member
                dec = _new_decompressor(kind)  # the last member ended exactly at a chunk end
            while data:
                out = dec.decompress(data, OUT_CHUNK_BYTES)
                data = dec.unconsumed_tail
                if out:
                    yield out
                if dec.eof:
                    data = dec.unused_data
                    if not data.strip(b"\0"):
                        break  # trailing zero padding after the last member
                    dec = _new_decompressor(kind)
        if not dec.eof:
            raise _truncated(label, kind)
    except _ERRORS as exc:
        raise _corrupt(label, kind, exc) from exc


ZSTD_PIECE_BYTES = 512
"""zstd's streaming API has no output bound: one call inflates everything it is given, and
a block of a few bytes stands for 128 KiB (a 32 KB layer held a 1 GiB file, inflated in one
call). Fed this much at a time, a call returns at most ~16 MiB. The price, measured on a
167 MiB tar (75 MiB of zstd): 0.20 s to inflate instead of 0.14 s in 4 KiB pieces."""


def _unzstd(chunks: Iterator[bytes], label: str) -> Iterator[bytes]:
    """zstd frames, fed in pieces; output gathered to :data:`CHUNK_BYTES` per yield."""
    kind = Compression.ZSTD
    dec: Any = _new_decompressor(kind)
    gathered: list[bytes] = []
    size = 0
    try:
        for chunk in chunks:
            if dec.eof:
                if not chunk.strip(b"\0"):
                    continue  # zero padding after the last frame
                dec = _new_decompressor(kind)  # the last frame ended exactly at a chunk end
            view, pos = memoryview(chunk), 0
            while pos < len(view):
                out = dec.decompress(view[pos : pos + ZSTD_PIECE_BYTES])
                pos += ZSTD_PIECE_BYTES
                if out:
                    gathered.append(out)
                    size += len(out)
                    if size >= CHUNK_BYTES:
                        yield b"".join(gathered)
                        gathered, size = [], 0
                if dec.eof:
                    rest = dec.unused_data + view[pos:].tobytes()
                    if not rest.strip(b"\0"):
                        break  # trailing zero padding after the last frame
                    dec = _new_decompressor(kind)
                    view, pos = memoryview(rest), 0
        if gathered:
            yield b"".join(gathered)
        if not dec.eof:
            raise _truncated(label, kind)
    except _ERRORS as exc:
        raise _corrupt(label, kind, exc) from exc


GZIP_HEADER_MAX_BYTES = 1 << 20
"""Longest gzip member header read (its optional name and comment have no bound of their own)."""


class _GzipMember:
    """One gzip member (RFC 1952) through ISA-L: the header parsed here, the deflate stream
    and trailer inflated by ISA-L. ISA-L's own gzip mode fails on a header with optional
    fields that arrives in pieces (python-isal 1.9.1: a header CRC or a second member's name
    split across reads: "Incorrect checksum found", "Invalid deflate block found").

    ``crc=False``: the deflate stream is inflated raw, the CRC-32 neither computed nor
    compared (nor the header's CRC-16), only the trailer's length (ISIZE): ~0.5 s of CPU less
    per 16 GB inflated (the synthetic image's large layer, 2.3 -> 1.8 s), for blobs whose
    sha256 is checked anyway. The decompressor API of bz2's (``max_length``, ``eof``,
    ``unused_data``, ``needs_input``), for :func:`_members`.
    """

    def __init__(self, igzip: types.ModuleType, *, crc: bool) -> None:
        self._igzip = igzip
        self._crc = crc
        self._head = b""  # header bytes, gathered until it is whole
        self._inner: Any = None  # ISA-L's inflater, once the header is read
        self._tail = b""  # without the CRC: trailer bytes, gathered after the deflate stream
        self._inflated = 0
        self.eof = False
        self.unused_data = b""
        self.needs_input = True

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._inner is None:
            self._head += data
            start = _gzip_header_end(self._head, check=self._crc)
            if start is None:  # the header goes on in the next chunk
                return b""
            data, self._head = self._head[start:], b""
            igzip = self._igzip
            flag = igzip.DECOMP_GZIP_NO_HDR_VER if self._crc else igzip.DECOMP_DEFLATE
            self._inner = igzip.IgzipDecompressor(flag=flag)
        out = b""
        inner = self._inner
        if not inner.eof:
            out = bytes(inner.decompress(data, max_length))  # bytes already: no copy
            self._inflated += len(out)
            if not inner.eof:
                self.needs_input = inner.needs_input
                return out
            if self._crc:  # ISA-L compared the trailer
                self.unused_data, self.eof, self.needs_input = inner.unused_data, True, False
                return out
            data = inner.unused_data
        self._tail += data
        if len(self._tail) < 8:  # CRC-32 and ISIZE, 4 bytes each
            self.needs_input = True
            return out
        if int.from_bytes(self._tail[4:8], "little") != self._inflated & 0xFFFFFFFF:
            raise _GZIP_ERROR("incorrect length check")
        self.unused_data, self.eof, self.needs_input = self._tail[8:], True, False
        return out


def _gzip_header_end(head: bytes, *, check: bool) -> int | None:
    """Where a gzip member's header ends in ``head`` (None: it goes on past it); ``check``:
    compare its CRC-16 when it has one."""
    if head[:3] != b"\x1f\x8b\x08"[: len(head)]:
        raise _GZIP_ERROR("not a gzip member (bad magic or method)")
    if len(head) < 10:
        return None
    flags, end = head[3], 10
    if flags & 0xE0:
        raise _GZIP_ERROR("reserved gzip header flags set")
    if flags & 0x04:  # FEXTRA: a length and that many bytes
        if len(head) < end + 2:
            return None
        end += 2 + int.from_bytes(head[end : end + 2], "little")
    for flag in (0x08, 0x10):  # FNAME, FCOMMENT: zero-terminated
        if flags & flag:
            zero = head.find(b"\0", end)
            if zero < 0:
                if len(head) > GZIP_HEADER_MAX_BYTES:
                    raise _GZIP_ERROR("gzip header too long")
                return None
            end = zero + 1
    if flags & 0x02:  # FHCRC: the header's own CRC-16
        end += 2
        stored = int.from_bytes(head[end - 2 : end], "little")
        if check and end <= len(head) and zlib.crc32(head[: end - 2]) & 0xFFFF != stored:
            raise _GZIP_ERROR("incorrect header check")
    return end if end <= len(head) else None


MEMBER_WINDOW_BYTES = 64 << 10
"""After a member ends inside a chunk, the rest of the chunk goes to the next members this
much at a time: a decompressor hands back what follows its member as a new copy
(``unused_data``), and an estargz layer holds one gzip member per file, thousands to a
chunk. Given the whole rest each time, 20,000 members of 340 bytes copied ~40 GB (2.4 s for
6.8 MB); a window bounds each copy."""


def _members(
    chunks: Iterator[bytes], label: str, kind: Compression, member: Callable[[], Any]
) -> Iterator[bytes]:
    """Members through a decompressor with bz2's API (``max_length``, ``needs_input``,
    ``unused_data``): jettison's gzip member over ISA-L, bz2 and lzma. A chunk goes whole
    to the member it starts in; the rest of it after that member, in windows."""
    dec = member()
    try:
        for chunk in chunks:
            position, end = 0, len(chunk)
            whole = True  # until a member ends inside this chunk
            while position < end:
                if dec.eof:
                    if chunk[position] == 0 and not chunk[position:].strip(b"\0"):
                        break  # zero padding after the last member
                    dec = member()
                    whole = False
                stop = end if whole else min(end, position + MEMBER_WINDOW_BYTES)
                data = chunk if position == 0 and stop == end else chunk[position:stop]
                position = stop
                while True:
                    out = dec.decompress(data, OUT_CHUNK_BYTES)
                    data = b""
                    if out:
                        yield out
                    if dec.eof:
                        position -= len(dec.unused_data)  # the next member's, from there
                        break
                    if dec.needs_input:
                        break
        if not dec.eof:
            raise _truncated(label, kind)
    except _ERRORS as exc:
        raise _corrupt(label, kind, exc) from exc


def uncompressed_chunks(
    chunks: Iterator[bytes], label: str, *, gzip_crc: bool = True
) -> tuple[Compression, Iterator[bytes]]:
    """Sniff the first chunk and return the compression found and the uncompressed chunks
    (``gzip_crc``: see :func:`decompressed`)."""
    first = next(chunks, b"")

    def rest() -> Iterator[bytes]:
        if first:
            yield first
        yield from chunks

    kind = sniff(first[:8])
    if kind is Compression.NONE:
        return kind, rest()
    return kind, decompressed(rest(), kind, label, gzip_crc=gzip_crc)


class CountingChunks:
    """Pass chunks through, hashing them (the uncompressed side, for diff_id checks)."""

    def __init__(
        self, chunks: Iterator[bytes], algorithm: str = "sha256", hash_bytes: bool = True
    ) -> None:
        self._chunks = chunks
        self._hash = hashlib.new(algorithm) if hash_bytes else None
        self.algorithm = algorithm
        self.bytes_read = 0

    def __iter__(self) -> Iterator[bytes]:
        digest = self._hash
        for chunk in self._chunks:
            if digest is not None:
                digest.update(chunk)
            self.bytes_read += len(chunk)
            yield chunk

    def hexdigest(self) -> str | None:
        return self._hash.hexdigest() if self._hash is not None else None


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


class DigestChecker:
    """Check the sha256 of whole blobs in one background thread, in submission order.

    Parsing a seekable layer reads only its headers; its digest still has to cover every
    byte. Hashing (which releases the GIL) runs here while the caller parses the next layers
    and analyses the image; :meth:`finish` waits and raises on the first mismatch, so no
    report leaves before its image is verified.
    """

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], BinaryIO], str, tuple[str, ...]] | None]
        self._jobs = queue.Queue()
        self._stop = threading.Event()
        self._error: BaseException | None = None
        self.verified = 0
        self._thread = threading.Thread(target=self._run, name="jettison-digests", daemon=True)
        self._thread.start()

    def submit(
        self, open_blob: Callable[[], BinaryIO], label: str, expected: tuple[str, ...]
    ) -> None:
        """Queue a blob whose sha256 must equal each of ``expected`` (``sha256:<hex>``);
        digests of other algorithms are not checked."""
        wanted = tuple(d for d in expected if d.startswith("sha256:"))
        if wanted:
            self._jobs.put((open_blob, label, wanted))

    def _run(self) -> None:
        buffer = bytearray(4 * CHUNK_BYTES)
        view = memoryview(buffer)
        while (job := self._jobs.get()) is not None:
            if self._error is not None or self._stop.is_set():
                continue  # drain: the first failure is the one reported
            open_blob, label, expected = job
            try:
                digest = hashlib.sha256()
                with open_blob() as blob:
                    while not self._stop.is_set() and (n := blob.readinto(view)):  # type: ignore[attr-defined]
                        digest.update(view[:n])
                if self._stop.is_set():
                    continue
                actual = digest.hexdigest()
                for wanted in expected:
                    if wanted != f"sha256:{actual}":
                        raise ImageFormatError(
                            f"{label}: digest mismatch: expected {wanted}, "
                            f"content hashes to sha256:{actual}",
                            hint="the archive is damaged or was modified after it was written",
                        )
                self.verified += 1
            except BaseException as exc:  # re-raised by finish()
                self._error = exc

    def cancel(self) -> None:
        """Stop hashing (the caller failed anyway)."""
        self._stop.set()
        self._jobs.put(None)
        self._thread.join()

    def finish(self) -> int:
        """Wait for every queued check; raise the first failure; return how many passed."""
        self._jobs.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.verified
