"""tarstream: the hand-written chunked tar parser, checked against the standard library."""

from __future__ import annotations

import hashlib
import io
import tarfile
from collections.abc import Callable, Iterator

import pytest

from jettison.errors import ImageFormatError
from jettison.image.tarstream import (
    DIRECTORY,
    HARDLINK,
    REGULAR,
    SYMLINK,
    ChunkReader,
    TarMember,
    hash_body,
    iter_members,
    read_body,
)

from ._tars import (
    BLOCK,
    EOA,
    body,
    chunked,
    header,
    info,
    member,
    pax,
    stdlib_listing,
    tarfile_bytes,
    with_checksum,
)

CHUNK_SIZES = (1, 7, 511, 512, 513, 1 << 20)


def listing(
    data: bytes, chunk: int = 1 << 20, seek: Callable[[int], None] | None = None
) -> list[TarMember]:
    return list(iter_members(ChunkReader(chunked(data, chunk), seek), "t"))


def ours(data: bytes, chunk: int) -> list[tuple[str, bytes, int, int, int]]:
    return [
        (
            m.name.rstrip("/") if m.type == DIRECTORY else m.name,
            m.type,
            m.size,
            m.offset_data,
            m.uid,
        )
        for m in listing(data, chunk)
    ]


def names(data: bytes) -> list[str]:
    return [m.name for m in listing(data)]


# -- archives the standard library writes, in every format, read in awkward chunks ----------

LONG_DIR = "opt/" + "d" * 95
LONG_NAME = f"{LONG_DIR}/{'n' * 60}.py"  # > 100 bytes: ustar prefix, GNU L or pax path


def _mixed(fmt: int) -> bytes:
    return tarfile_bytes(
        [
            info("usr", type=tarfile.DIRTYPE),
            info("usr/empty-1", b""),
            info("usr/empty-2", b""),
            info("usr/five", b"12345"),
            info("usr/block", b"b" * BLOCK),
            info("usr/block-plus-one", b"c" * (BLOCK + 1)),
            info("usr/empty-3", b""),
            info(LONG_NAME, b"long"),
            info("usr/link", type=tarfile.SYMTYPE, linkname="five"),
            info("usr/long-link", type=tarfile.SYMTYPE, linkname="/" + LONG_NAME),
            info("usr/hard", type=tarfile.LNKTYPE, linkname="usr/five"),
            info("usr/fifo", type=tarfile.FIFOTYPE),
            info("usr/empty-last", b""),
        ],
        fmt,
    )


@pytest.mark.parametrize(
    "fmt",
    [tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT],
    ids=["ustar", "gnu", "pax"],
)
@pytest.mark.parametrize("chunk", CHUNK_SIZES)
def test_listing_matches_the_standard_library(fmt: int, chunk: int) -> None:
    data = _mixed(fmt) if fmt != tarfile.USTAR_FORMAT else _ustar_only()
    expected = stdlib_listing(data)
    assert len(expected) == (9 if fmt == tarfile.USTAR_FORMAT else 13)
    assert ours(data, chunk) == expected


def _ustar_only() -> bytes:
    # ustar cannot hold a link target over 100 bytes; everything else is as in _mixed.
    return tarfile_bytes(
        [
            info("usr", type=tarfile.DIRTYPE),
            info("usr/empty-1", b""),
            info("usr/five", b"12345"),
            info("usr/block", b"b" * BLOCK),
            info("usr/empty-2", b""),
            info(LONG_NAME, b"long"),
            info("usr/link", type=tarfile.SYMTYPE, linkname="five"),
            info("usr/hard", type=tarfile.LNKTYPE, linkname="usr/five"),
            info("usr/empty-last", b""),
        ],
        tarfile.USTAR_FORMAT,
    )


def test_ustar_prefix_is_joined_to_the_name() -> None:
    data = tarfile_bytes([info(LONG_NAME, b"x")], tarfile.USTAR_FORMAT)
    assert data[345 : 345 + len(LONG_DIR)] == LONG_DIR.encode()  # really written as a prefix
    assert names(data) == [LONG_NAME]


def test_prefix_is_ignored_without_the_posix_magic() -> None:
    # Old GNU headers ("ustar  \0") keep other fields where ustar has the prefix.
    data = header("name", prefix=b"junk", magic=b"ustar  \x00") + EOA
    assert names(data) == ["name"]


def test_gnu_long_name_and_long_link() -> None:
    target = "t/" + "x" * 150
    data = tarfile_bytes(
        [info(LONG_NAME, b"abc"), info("s", type=tarfile.SYMTYPE, linkname=target)],
        tarfile.GNU_FORMAT,
    )
    assert b"././@LongLink" in data
    members = listing(data, 7)
    assert [(m.name, m.type, m.linkname, m.size) for m in members] == [
        (LONG_NAME, REGULAR, "", 3),
        ("s", SYMLINK, target, 0),
    ]


def test_gnu_long_name_applies_to_one_member_only() -> None:
    data = tarfile_bytes([info(LONG_NAME, b"a"), info("short", b"b")], tarfile.GNU_FORMAT)
    assert names(data) == [LONG_NAME, "short"]


def test_pax_path_linkpath_and_size_override_the_header() -> None:
    data = (
        pax({"path": "real/name", "linkpath": "real/target"})
        + header("trunc-name", typeflag=b"2", linkname=b"trunc-target")
        + pax({"size": "700"})
        + header("sized", size_field=b"00000000000\x00")
        + body(b"s" * 700)
        + member("after", b"ok")
        + EOA
    )
    members = listing(data, 513)
    assert [(m.name, m.linkname, m.size) for m in members] == [
        ("real/name", "real/target", 0),
        ("sized", "", 700),
        ("after", "", 2),
    ]
    assert [(n, s, o) for n, _, s, o, _ in stdlib_listing(data)] == [
        (m.name, m.size, m.offset_data) for m in members
    ]


def test_pax_records_apply_to_the_next_member_only() -> None:
    data = pax({"path": "renamed", "uid": "4242"}) + member("a") + member("b") + EOA
    assert [(m.name, m.uid) for m in listing(data)] == [("renamed", 4242), ("b", 0)]


def test_pax_global_header_applies_to_every_later_member() -> None:
    data = (
        member("before")
        + pax({"uid": "77", "comment": "git archive"}, typeflag=b"g")
        + member("first")
        + member("second")
        + pax({"uid": "5"})
        + member("own")
        + EOA
    )
    members = listing(data, 1)
    assert [(m.name, m.uid) for m in members] == [
        ("before", 0),
        ("first", 77),
        ("second", 77),
        ("own", 5),
    ]
    assert [(n, u) for n, *_, u in stdlib_listing(data)] == [(m.name, m.uid) for m in members]


def test_pax_global_header_written_by_tarfile() -> None:
    out = io.BytesIO()
    with tarfile.open(
        fileobj=out, mode="w", format=tarfile.PAX_FORMAT, pax_headers={"comment": "c"}
    ) as tar:
        ti, _ = info("f", b"data")
        tar.addfile(ti, io.BytesIO(b"data"))
    data = out.getvalue()
    assert data[156:157] == b"g"
    assert ours(data, 7) == stdlib_listing(data)
    assert names(data) == ["f"]


def test_base256_size_and_uid() -> None:
    size_field = b"\x80" + (700).to_bytes(11, "big")
    data = header("big", size_field=size_field) + body(b"z" * 700) + member("next", b"n") + EOA
    assert [(m.name, m.size) for m in listing(data, 511)] == [("big", 700), ("next", 1)]
    assert ours(data, 511) == stdlib_listing(data)

    large_uid = tarfile_bytes([info("u", b"", uid=10**9)], tarfile.GNU_FORMAT)
    assert large_uid[108] & 0x80  # written in base-256
    assert [m.uid for m in listing(large_uid)] == [10**9]


def test_negative_base256_number_is_two_complement() -> None:
    data = tarfile_bytes([info("neg", b"", uid=-5)], tarfile.GNU_FORMAT)
    assert data[108] == 0xFF
    assert [m.uid for m in listing(data)] == [-5] == [u for *_, u in stdlib_listing(data)]


@pytest.mark.parametrize(
    "size_field",
    [b"-0001000000\x00", b"\xff" * 12],
    ids=["octal-with-sign", "base256-negative"],
)
def test_negative_size_is_an_error_not_a_step_backwards(size_field: bytes) -> None:
    data = header("neg", size_field=size_field) + EOA
    with pytest.raises(ImageFormatError, match="negative size at byte 0"):
        listing(data)


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({"size": "-512"}, "invalid pax size record"),
        ({"size": "12abc"}, "invalid pax size record"),
        ({"uid": "root"}, "invalid pax uid record"),
        ({"gid": ""}, "invalid pax gid record"),
    ],
)
def test_bad_pax_numbers_are_format_errors(records: dict[str, str], message: str) -> None:
    data = pax(records) + member("f", b"x") + EOA
    with pytest.raises(ImageFormatError, match=message):
        listing(data)


def test_malformed_pax_record_length() -> None:
    data = header("p", size=8, typeflag=b"x") + body(b"xx a=b\n\x00") + member("f") + EOA
    with pytest.raises(ImageFormatError, match="invalid pax extended header"):
        listing(data)


def test_bad_checksum_names_the_offset() -> None:
    second = bytearray(header("second"))
    second[0:6] = b"SECOND"  # changed after the checksum was computed
    data = member("first", b"x" * 10) + bytes(second) + EOA
    with pytest.raises(
        ImageFormatError, match=r"t: not a valid tar stream \(bad header checksum at byte 1024\)"
    ):
        listing(data)


def test_unparsable_checksum_field_is_a_bad_checksum() -> None:
    h = bytearray(header("f"))
    h[148:156] = b"zzzzzzz\x00"
    with pytest.raises(ImageFormatError, match="bad header checksum at byte 0"):
        listing(bytes(h) + EOA)


def test_signed_checksum_of_old_writers_is_accepted() -> None:
    h = bytearray(header("caf\xe9".encode("latin-1")))
    signed = sum(b if b < 128 else b - 256 for b in h[:148]) + 256 + sum(h[156:])
    h[148:156] = b"%06o\x00 " % signed
    assert names(bytes(h) + EOA) == ["caf\udce9"]


def test_random_bytes_are_not_a_tar() -> None:
    with pytest.raises(ImageFormatError, match="not a valid tar stream"):
        listing(b'{"this": "is json, not a tar"}'.ljust(BLOCK, b" "))


def test_truncated_header() -> None:
    data = member("a", b"x") + header("b")[:300]
    with pytest.raises(ImageFormatError, match=r"truncated tar \(partial header\)"):
        listing(data, 7)


def test_truncated_body() -> None:
    data = header("big", size=1000) + b"y" * 999
    with pytest.raises(ImageFormatError, match=r"truncated tar \(file 'big' is cut short\)"):
        listing(data, 513)


def test_truncated_body_while_hashing() -> None:
    data = header("big", size=1000) + b"y" * 999
    reader = ChunkReader(chunked(data, 100))
    with pytest.raises(ImageFormatError, match="cut short"):
        for m in iter_members(reader, "t"):
            hash_body(reader, m, hashlib.sha256())


def test_truncated_extended_header() -> None:
    data = pax({"path": "x" * 300})[:700]
    with pytest.raises(ImageFormatError, match=r"truncated tar \(extended header\)"):
        listing(data)


def test_missing_end_of_archive_marker_is_tolerated() -> None:
    data = member("a", b"1") + member("b", b"22")
    assert [(m.name, m.size) for m in listing(data, 7)] == [("a", 1), ("b", 2)]


def test_last_body_without_padding_is_tolerated() -> None:
    data = member("a") + header("b", size=3) + b"abc"
    assert names(data) == ["a", "b"]


def test_empty_stream_is_not_a_tar() -> None:
    with pytest.raises(ImageFormatError, match="t: empty layer blob, not a tar"):
        listing(b"")


def test_end_marker_alone_is_an_empty_layer() -> None:
    assert listing(EOA) == []
    assert listing(bytes(BLOCK)) == []


def test_members_after_the_end_marker_are_ignored() -> None:
    assert names(member("a") + EOA + member("b") + EOA) == ["a"]


def test_old_style_directory_and_regular_types() -> None:
    data = header("dir/", typeflag=b"\x00") + header("plain", typeflag=b"\x00") + EOA
    assert [(m.name, m.type) for m in listing(data)] == [("dir/", DIRECTORY), ("plain", REGULAR)]


def test_size_field_of_non_files_is_not_data() -> None:
    # Some writers put a size on hard links; no body follows it.
    data = header("h", typeflag=b"1", linkname=b"a", size=4096) + member("next", b"n") + EOA
    members = listing(data, 1)
    assert [(m.name, m.type, m.size) for m in members] == [
        ("h", HARDLINK, 4096),
        ("next", REGULAR, 1),
    ]
    assert members[1].offset_data == 2 * BLOCK


def test_non_utf8_names_survive_as_surrogates() -> None:
    data = member(b"caf\xe9/\xff.txt", b"x") + EOA
    (m,) = listing(data)
    assert m.name == "caf\udce9/\udcff.txt"
    assert m.name.encode("utf-8", "surrogateescape") == b"caf\xe9/\xff.txt"


# -- bodies: kept, hashed, skipped ---------------------------------------------------------


@pytest.mark.parametrize("chunk", CHUNK_SIZES)
def test_wanted_bodies_are_returned_whole(chunk: int) -> None:
    data = _mixed(tarfile.PAX_FORMAT)
    reader = ChunkReader(chunked(data, chunk))
    got = {
        m.name: read_body(reader, m)
        for m in iter_members(reader, "t")
        if m.name.startswith("usr/") and m.is_file() and m.size
    }
    assert got == {
        "usr/five": b"12345",
        "usr/block": b"b" * BLOCK,
        "usr/block-plus-one": b"c" * 513,
    }


@pytest.mark.parametrize("chunk", CHUNK_SIZES)
def test_wanted_bodies_are_hashed_without_being_kept(chunk: int) -> None:
    data = _mixed(tarfile.PAX_FORMAT)
    reader = ChunkReader(chunked(data, chunk))
    got = {}
    for m in iter_members(reader, "t"):
        if m.size > 0 and m.is_file():
            digest = hashlib.sha256()
            hash_body(reader, m, digest)
            got[m.name] = digest.hexdigest()
    assert got == {
        name: hashlib.sha256(content).hexdigest()
        for name, content in [
            ("usr/five", b"12345"),
            ("usr/block", b"b" * BLOCK),
            ("usr/block-plus-one", b"c" * 513),
            (LONG_NAME, b"long"),
        ]
    }


def _seekable_chunks(
    data: bytes, chunk: int
) -> tuple[Iterator[bytes], Callable[[int], None], list[int]]:
    raw = io.BytesIO(data)
    seeks: list[int] = []

    def seek(n: int) -> None:
        seeks.append(n)
        raw.seek(n, 1)

    return iter(lambda: raw.read(chunk), b""), seek, seeks


@pytest.mark.parametrize("chunk", [512, 513, 1000])
def test_skipping_by_seek_gives_the_same_listing(chunk: int) -> None:
    data = tarfile_bytes(
        [info("a", b"a" * 5000), info("b", b"b" * 3), info("c", b"c" * 7000)], tarfile.PAX_FORMAT
    )
    chunks, seek, seeks = _seekable_chunks(data, chunk)
    members = list(iter_members(ChunkReader(chunks, seek), "t"))
    assert [(m.name, m.size, m.offset_data) for m in members] == [
        (n, s, o) for n, _, s, o, _ in stdlib_listing(data)
    ]
    assert seeks  # the big bodies were stepped over by seeking, not read


# -- ChunkReader ---------------------------------------------------------------------------

DATA = bytes(range(256)) * 8


@pytest.mark.parametrize("chunk", [1, 7, 511, 512, 513, 4096])
def test_reads_are_exact_across_chunks(chunk: int) -> None:
    reader = ChunkReader(chunked(DATA, chunk))
    assert reader.read(0) == b""
    assert reader.read(3) == DATA[:3]
    assert reader.read(600) == DATA[3:603]
    assert reader.offset == 603
    assert reader.read(5000) == DATA[603:]
    assert reader.read(1) == b""
    assert reader.offset == len(DATA)


@pytest.mark.parametrize("chunk", [1, 7, 511, 512, 513, 4096])
def test_skip_without_seek(chunk: int) -> None:
    reader = ChunkReader(chunked(DATA, chunk))
    assert reader.read(2) == DATA[:2]
    assert reader.skip(0) == 0
    assert reader.skip(1000) == 1000
    assert reader.offset == 1002
    assert reader.read(4) == DATA[1002:1006]
    assert reader.skip(5000) == len(DATA) - 1006  # only what is there
    assert reader.offset == len(DATA)
    assert reader.read(1) == b""


def test_skip_with_seek_seeks_only_past_the_buffer() -> None:
    chunks, seek, seeks = _seekable_chunks(DATA, 100)
    reader = ChunkReader(chunks, seek)
    assert reader.read(10) == DATA[:10]
    assert reader.skip(50) == 50  # inside the buffered chunk
    assert seeks == []
    assert reader.skip(1000) == 1000  # 40 buffered bytes, then a seek of 960
    assert seeks == [960]
    assert reader.offset == 1060
    assert reader.read(5) == DATA[1060:1065]


@pytest.mark.parametrize("chunk", [1, 7, 511, 512, 513, 4096])
def test_hash_into(chunk: int) -> None:
    reader = ChunkReader(chunked(DATA, chunk))
    assert reader.read(5) == DATA[:5]
    digest = hashlib.sha256()
    assert reader.hash_into(1000, digest) == 1000
    assert digest.hexdigest() == hashlib.sha256(DATA[5:1005]).hexdigest()
    assert reader.offset == 1005
    assert reader.read(3) == DATA[1005:1008]
    rest = hashlib.sha256()
    assert reader.hash_into(10_000, rest) == len(DATA) - 1008
    assert rest.hexdigest() == hashlib.sha256(DATA[1008:]).hexdigest()


def test_drain_consumes_the_rest() -> None:
    consumed: list[bytes] = []

    def chunks() -> Iterator[bytes]:
        for piece in chunked(DATA, 100):
            consumed.append(piece)
            yield piece

    reader = ChunkReader(chunks())
    reader.read(10)
    reader.drain()
    assert b"".join(consumed) == DATA
    assert reader.read(1) == b""


def test_empty_chunks_are_ignored() -> None:
    reader = ChunkReader(iter([b"", b"ab", b"", b"", b"cd", b""]))
    assert reader.read(4) == b"abcd"


def test_checksum_helper_agrees_with_tarfile() -> None:
    # Guard the hand-made headers used above: the standard library accepts them.
    data = with_checksum(header("x")) + EOA
    assert stdlib_listing(data) == [("x", REGULAR, 0, BLOCK, 0)]
