"""blobs: compression sniffing and streaming decompression, with damage reported as such."""

from __future__ import annotations

import bz2
import contextlib
import gzip
import hashlib
import io
import lzma
import os
import random
import zlib
from collections.abc import Callable

import pytest
import zstandard

from jettison.errors import ImageFormatError
from jettison.image.blobs import (
    MEMBER_WINDOW_BYTES,
    Compression,
    CountingChunks,
    HashedChunks,
    decompressed,
    sniff,
    uncompressed_chunks,
)

from ._tars import chunked

PART_A = os.urandom(3000) + b"a" * 3000
PART_B = os.urandom(2000) + b"b" * 5000
CHUNKS = (1, 7, 511, 512, 513, 1 << 20)


def gz(data: bytes) -> bytes:
    return gzip.compress(data, mtime=0)


def zst(data: bytes) -> bytes:
    return zstandard.ZstdCompressor().compress(data)


def inflate(blob: bytes, chunk: int = 1 << 20) -> bytes:
    _, chunks = uncompressed_chunks(chunked(blob, chunk), "blob")
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (gz(b"x"), Compression.GZIP),
        (zst(b"x"), Compression.ZSTD),
        (bz2.compress(b"x"), Compression.BZIP2),
        (lzma.compress(b"x"), Compression.XZ),
        (b"usr/\x00\x00", Compression.NONE),
        (b"", Compression.NONE),
        (b"\x1f", Compression.NONE),
    ],
)
def test_sniff(head: bytes, kind: Compression) -> None:
    assert sniff(head[:8]) is kind


COMPRESSORS = {
    Compression.GZIP: gz,
    Compression.ZSTD: zst,
    Compression.BZIP2: bz2.compress,
    Compression.XZ: lzma.compress,
}


@pytest.mark.parametrize("kind", list(COMPRESSORS), ids=lambda k: k.value)
@pytest.mark.parametrize("chunk", CHUNKS)
def test_decompress_in_any_chunking(kind: Compression, chunk: int) -> None:
    blob = COMPRESSORS[kind](PART_A)
    assert b"".join(decompressed(chunked(blob, chunk), kind, "b")) == PART_A


@pytest.mark.parametrize("kind", list(COMPRESSORS), ids=lambda k: k.value)
def test_sniffed_and_decompressed(kind: Compression) -> None:
    # Blobs are read in 1 MiB chunks, so the magic is always in the first one.
    sniffed, chunks = uncompressed_chunks(iter([COMPRESSORS[kind](PART_A)]), "b")
    assert sniffed is kind
    assert b"".join(chunks) == PART_A


def test_uncompressed_blobs_pass_through_untouched() -> None:
    kind, chunks = uncompressed_chunks(chunked(PART_A, 100), "blob")
    assert kind is Compression.NONE
    assert b"".join(chunks) == PART_A


def test_empty_blob() -> None:
    kind, chunks = uncompressed_chunks(iter([]), "blob")
    assert kind is Compression.NONE
    assert list(chunks) == []


@pytest.mark.parametrize("chunk", CHUNKS)
def test_multi_member_gzip(chunk: int) -> None:
    # pigz and estargz write one gzip member after another.
    blob = gz(PART_A) + gz(PART_B) + gz(b"")
    assert b"".join(decompressed(chunked(blob, chunk), Compression.GZIP, "b")) == PART_A + PART_B


def test_gzip_members_split_exactly_at_a_chunk_boundary() -> None:
    first = gz(PART_A)
    blob = first + gz(PART_B)
    chunks = [blob[: len(first)], blob[len(first) :]]
    assert b"".join(decompressed(iter(chunks), Compression.GZIP, "b")) == PART_A + PART_B


@pytest.mark.parametrize("chunk", [7, 513, 1 << 20])
def test_zero_padding_after_the_last_gzip_member(chunk: int) -> None:
    assert inflate(gz(PART_A) + bytes(1000), chunk) == PART_A


def test_multi_frame_zstd_in_one_chunk() -> None:
    assert inflate(zst(PART_A) + zst(PART_B)) == PART_A + PART_B


def test_multi_frame_zstd_split_inside_a_frame() -> None:
    first = zst(PART_A)
    blob = first + zst(PART_B)
    chunks = [blob[: len(first) - 3], blob[len(first) - 3 : len(first) + 2], blob[len(first) + 2 :]]
    assert b"".join(decompressed(iter(chunks), Compression.ZSTD, "b")) == PART_A + PART_B


def test_multi_frame_zstd_split_exactly_at_a_frame_boundary() -> None:
    # The first frame ends exactly at a chunk end: a new frame starts with the next chunk.
    first = zst(PART_A)
    chunks = [first, zst(PART_B)]
    assert b"".join(decompressed(iter(chunks), Compression.ZSTD, "b")) == PART_A + PART_B


def test_zero_padding_after_zstd_in_a_later_chunk() -> None:
    chunks = [zst(PART_A), bytes(512)]
    assert b"".join(decompressed(iter(chunks), Compression.ZSTD, "b")) == PART_A


def zst_checked(data: bytes) -> bytes:
    return zstandard.ZstdCompressor(write_checksum=True).compress(data)


@pytest.mark.parametrize(("compress", "name"), [(gz, "gzip"), (zst_checked, "zstd")])
def test_corrupt_stream(compress: object, name: str) -> None:
    blob = bytearray(compress(PART_A + PART_B))  # type: ignore[operator]
    blob[len(blob) // 2] ^= 0xFF
    with pytest.raises(ImageFormatError, match=f"^layer 3: corrupt {name} data"):
        list(uncompressed_chunks(chunked(bytes(blob), 512), "layer 3")[1])


def test_garbage_after_a_gzip_header_is_corrupt() -> None:
    with pytest.raises(ImageFormatError, match="corrupt gzip data"):
        inflate(b"\x1f\x8b" + b"\x08\x00" + b"garbage" * 50)


@pytest.mark.parametrize(("compress", "name"), [(gz, "gzip"), (zst, "zstd")])
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.99])
def test_truncated_stream(compress: object, name: str, keep: float) -> None:
    blob = compress(PART_A + PART_B)  # type: ignore[operator]
    cut = blob[: int(len(blob) * keep)]
    with pytest.raises(ImageFormatError, match=f"^layer 0: {name} stream is truncated$"):
        list(uncompressed_chunks(chunked(cut, 513), "layer 0")[1])


def test_corrupt_zstd_frame_header() -> None:
    blob = bytearray(zst(PART_A))
    blob[4] = 0xFF  # frame header descriptor with the reserved bit set
    with pytest.raises(ImageFormatError, match="corrupt zstd data"):
        inflate(bytes(blob))


def test_magic_alone_is_truncated() -> None:
    with pytest.raises(ImageFormatError, match="zstd stream is truncated"):
        inflate(b"\x28\xb5\x2f\xfd")


def test_hashed_chunks_hash_and_count_every_byte() -> None:
    seen: list[int] = []
    hashed = HashedChunks(io.BytesIO(PART_A), on_read=seen.append)
    assert b"".join(hashed) == PART_A
    assert hashed.bytes_read == len(PART_A) == sum(seen)
    assert hashed.hexdigest() == hashlib.sha256(PART_A).hexdigest()
    assert HashedChunks(io.BytesIO(PART_A), hash_bytes=False).hexdigest() is None


def test_counting_chunks_hash_the_uncompressed_side() -> None:
    counting = CountingChunks(chunked(PART_B, 100))
    assert b"".join(counting) == PART_B
    assert counting.bytes_read == len(PART_B)
    assert counting.hexdigest() == hashlib.sha256(PART_B).hexdigest()


@pytest.mark.parametrize("inflater", ["isal", "zlib"])
@pytest.mark.parametrize("chunk", [1, 100, 1 << 20])
def test_both_gzip_inflaters_agree(
    monkeypatch: pytest.MonkeyPatch, inflater: str, chunk: int
) -> None:
    """ISA-L when installed, zlib otherwise: members, padding and truncation alike."""
    import gzip as gzip_module
    import zlib as zlib_module

    from jettison.image import blobs

    if inflater == "zlib":
        monkeypatch.setattr(blobs, "_igzip", None)
        monkeypatch.setattr(blobs, "_gzip_zlib", zlib_module)
    data = b"".join(gzip_module.compress(bytes([i]) * 70_000) for i in range(3)) + bytes(700)
    pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    out = b"".join(blobs.decompressed(iter(pieces), Compression.GZIP, "t"))
    assert out == b"".join(bytes([i]) * 70_000 for i in range(3))
    with pytest.raises(ImageFormatError, match="gzip stream is truncated"):
        list(blobs.decompressed(iter([data[:200]]), Compression.GZIP, "t"))


def gz_with_header_fields(data: bytes) -> bytes:
    """A gzip member whose header has every optional field (FEXTRA, FNAME, FCOMMENT, FHCRC)."""
    plain = gz(data)
    extra = b"\x06\x00" + b"AB\x02\x00xy"
    header = b"\x1f\x8b\x08" + bytes([0x04 | 0x08 | 0x10 | 0x02]) + plain[4:10]
    header += extra + b"layer.tar\0" + b"a comment\0"
    return header + (zlib.crc32(header) & 0xFFFF).to_bytes(2, "little") + plain[10:]


def without_crc(blob: bytes, chunk: int = 1 << 20) -> bytes:
    return b"".join(decompressed(chunked(blob, chunk), Compression.GZIP, "b", gzip_crc=False))


@pytest.mark.parametrize("crc", [True, False])
@pytest.mark.parametrize("kind", [Compression.GZIP, Compression.BZIP2], ids=lambda k: k.value)
def test_many_members_in_a_chunk_and_one_across_its_windows(kind: Compression, crc: bool) -> None:
    # estargz: a gzip member per file, thousands to a chunk; after the first member ends
    # inside a chunk the rest goes on in windows (MEMBER_WINDOW_BYTES), which a large member
    # spans.
    compress = COMPRESSORS[kind]
    small = [bytes([i % 251]) * (i % 700 + 1) for i in range(1500)]
    large = os.urandom(3 * MEMBER_WINDOW_BYTES)
    parts = [*small[:700], large, *small[700:]]
    blob = b"".join(compress(part) for part in parts) + bytes(300)
    for chunk in (len(blob), 1 << 20, MEMBER_WINDOW_BYTES + 1):
        out = decompressed(chunked(blob, chunk), kind, "b", gzip_crc=crc)
        assert b"".join(out) == b"".join(parts)


@pytest.mark.parametrize("seed", range(4))
def test_damaged_gzip_is_read_or_refused_never_anything_else(seed: int) -> None:
    rng = random.Random(seed)
    good = gz(PART_A[:700]) + gz_with_header_fields(PART_B[:900]) + gz(b"")
    for _ in range(150):
        blob = bytearray(good)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(blob))
            if rng.random() < 0.8:
                blob[at] = rng.randrange(256)
            else:
                del blob[at : at + rng.randint(1, 40)]
        for crc in (True, False):
            pieces = chunked(bytes(blob), rng.choice([1, 5, 64, 4096]))
            with contextlib.suppress(ImageFormatError):  # anything else fails the test
                b"".join(decompressed(pieces, Compression.GZIP, "b", gzip_crc=crc))


@pytest.mark.parametrize("chunk", CHUNKS)
def test_gzip_with_or_without_its_crc_reads_every_header_form_in_any_chunking(chunk: int) -> None:
    blob = gz(PART_A) + gz_with_header_fields(PART_B) + gz(b"") + bytes(700)
    assert without_crc(blob, chunk) == PART_A + PART_B
    with_crc = decompressed(chunked(blob, chunk), Compression.GZIP, "b")
    assert b"".join(with_crc) == PART_A + PART_B  # the same as with it


def test_a_wrong_gzip_crc_is_caught_only_where_it_is_computed() -> None:
    # Only for blobs whose sha256 is checked, which proves the same bytes (see layer_reader).
    blob = bytearray(gz(PART_A))
    blob[-8] ^= 0xFF  # the CRC-32, first byte of the trailer
    with pytest.raises(ImageFormatError, match="corrupt gzip data"):
        inflate(bytes(blob))
    assert without_crc(bytes(blob)) == PART_A


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: b[:-4] + (len(PART_A) + 1).to_bytes(4, "little"), "corrupt gzip data"),
        (lambda b: b[:-3], "gzip stream is truncated"),
        (lambda b: b[:6], "gzip stream is truncated"),
        (lambda b: b[: len(b) // 2], "gzip stream is truncated"),
        (lambda b: b + b"\x1f\x8c" + bytes(20), "corrupt gzip data"),
        (lambda b: b[:3] + b"\x80" + b[4:], "corrupt gzip data"),  # a reserved flag
        (lambda b: b[:3] + b"\x08" + b[4:10] + b"x" * (2 << 20), "corrupt gzip data"),
    ],
    ids=["isize", "trailer-cut", "header-cut", "deflate-cut", "bad-magic", "flags", "long-name"],
)
@pytest.mark.parametrize("crc", [True, False])
def test_gzip_with_or_without_its_crc_reports_damage(
    damage: Callable[[bytes], bytes], message: str, crc: bool
) -> None:
    blob = damage(gz(PART_A))
    with pytest.raises(ImageFormatError, match=message):
        list(decompressed(chunked(blob, 4096), Compression.GZIP, "b", gzip_crc=crc))


def test_a_wrong_header_crc_is_caught_only_where_crcs_are_computed() -> None:
    blob = bytearray(gz_with_header_fields(PART_B))
    blob[33] ^= 0xFF  # the header's CRC-16 (10 + 8 extra + 10 name + 10 comment, then it)
    with pytest.raises(ImageFormatError, match=r"corrupt gzip data \(incorrect header check\)"):
        inflate(bytes(blob))
    assert without_crc(bytes(blob)) == PART_B


def test_fingerprint_is_the_same_in_pieces_and_differs_for_other_bytes() -> None:
    from jettison.image.blobs import Fingerprint, fingerprint_of

    data = os.urandom(100_000)
    whole = Fingerprint(data)
    pieces = Fingerprint()
    for i in range(0, len(data), 777):
        pieces.update(memoryview(data)[i : i + 777])
    assert whole.digest() == pieces.digest() == fingerprint_of(memoryview(data))
    assert len(whole.digest()) == whole.digest_size == 8
    assert Fingerprint(data[:-1] + bytes([data[-1] ^ 1])).digest() != whole.digest()
    assert Fingerprint(b"").hexdigest() == Fingerprint().hexdigest()
