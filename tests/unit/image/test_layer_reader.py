"""layer_reader: one pass over a layer blob gives normalised entries, captures and checks."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from collections.abc import Iterable, Sequence

import pytest

from jettison.errors import ImageFormatError
from jettison.image import layer_reader
from jettison.image.blobs import Compression, Fingerprint
from jettison.image.layer_reader import Spans, hash_contents, normalize_path, read_layer
from jettison.image.model import EntryKind, FileEntry, Layer
from jettison.image.skipped import skipped_item
from support.imagewriter import (
    TarEntry,
    build_layer_tar,
    compress,
    directory,
    file,
    hardlink,
    opaque,
    pax_global,
    sized,
    symlink,
    whiteout,
)
from support.memimage import MemoryStore

from ._tars import EOA, member


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_layer(
    tar: bytes,
    compression: str = "none",
    *,
    index: int = 0,
    digest: str | bool | None = True,
    diff_id: str | bool | None = True,
) -> Layer:
    """A layer over in-memory bytes; ``True`` digests are the correct ones."""
    blob = compress(tar, compression)  # type: ignore[arg-type]
    return Layer(
        index=index,
        blob_ref="blob",
        store=MemoryStore({"blob": blob}),
        stored_size_bytes=len(blob),
        digest=sha(blob) if digest is True else digest or None,
        diff_id=sha(tar) if diff_id is True else diff_id or None,
    )


def listing_of(entries: Sequence[TarEntry], **kwargs: object) -> layer_reader.LayerListing:
    return read_layer(make_layer(build_layer_tar(entries)), **kwargs)  # type: ignore[arg-type]


def shape(entries: Sequence[FileEntry]) -> list[tuple[str, EntryKind, int, str | None]]:
    return [(e.path, e.kind, e.size_bytes, e.link_target) for e in entries]


# -- paths -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("usr/bin/python", "usr/bin/python"),
        ("./usr/bin/", "usr/bin"),
        ("/etc/passwd", "etc/passwd"),
        ("//etc//./passwd", "etc/passwd"),
        ("a/b/../c", "a/c"),
        ("a/./b/.", "a/b"),
        ("a/..", ""),
        (".", ""),
        ("./", ""),
        ("", ""),
        ("/", ""),
        ("..", None),
        ("../etc/passwd", None),
        ("a/../../x", None),
        ("/../x", None),
        ("a/b/../../../x", None),
        ("...", "..."),
        ("a/..b", "a/..b"),
    ],
)
def test_normalize_path(name: str, expected: str | None) -> None:
    assert normalize_path(name) == expected


def test_absolute_and_dotted_names_are_normalised() -> None:
    listing = listing_of([file("/abs/file", "x"), file("./rel/./f", "yy"), directory("./d/")])
    assert shape(listing.entries) == [
        ("abs/file", EntryKind.FILE, 1, None),
        ("rel/f", EntryKind.FILE, 2, None),
        ("d", EntryKind.DIR, 0, None),
    ]
    assert listing.skipped == ()


def test_entries_escaping_the_root_are_skipped() -> None:
    listing = listing_of([file("../evil", "x"), file("ok/../../evil2", "y"), file("fine", "z")])
    assert shape(listing.entries) == [("fine", EntryKind.FILE, 1, None)]
    assert listing.skipped == (
        skipped_item("../evil", "path escapes the image root; entry ignored", 0),
        skipped_item("ok/../../evil2", "path escapes the image root; entry ignored", 0),
    )


def test_hard_link_target_escaping_the_root_is_skipped() -> None:
    listing = listing_of([hardlink("h", "../../etc/shadow")])
    assert listing.entries == ()
    assert listing.skipped == (skipped_item("h", "hard link target escapes the image root", 0),)


def test_non_directory_at_the_root_is_skipped() -> None:
    listing = listing_of([file("./", "x"), directory("./")])
    assert shape(listing.entries) == [("", EntryKind.DIR, 0, None)]
    assert listing.skipped == (skipped_item("./", "non-directory entry at the image root", 0),)


def test_non_utf8_names_are_kept_escaped_and_noted() -> None:
    listing = listing_of([file(b"data/caf\xe9.txt", "x"), file("data/ok", "y")])
    assert [e.path for e in listing.entries] == ["data/caf\udce9.txt", "data/ok"]
    assert listing.entries[0].path.encode("utf-8", "surrogateescape") == b"data/caf\xe9.txt"
    assert listing.skipped == (
        skipped_item("data/caf\\xe9.txt", "name is not valid UTF-8; shown escaped", 0),
    )


# -- whiteouts ---------------------------------------------------------------------------------


def test_whiteouts_and_opaque_markers_are_decoded() -> None:
    listing = listing_of(
        [
            whiteout("usr/share/doc"),
            whiteout("top"),
            opaque("var/cache"),
            file(".wh..wh..opq"),  # the root made opaque
            file("usr/.wh..wh.plnk/123"),  # AUFS hard link store: not part of the filesystem
            file("usr/.wh..wh.aufs"),
        ]
    )
    assert shape(listing.entries) == [
        ("usr/share/doc", EntryKind.WHITEOUT, 0, None),
        ("top", EntryKind.WHITEOUT, 0, None),
        ("var/cache", EntryKind.OPAQUE, 0, None),
        ("", EntryKind.OPAQUE, 0, None),
        ("usr/.wh..wh.plnk/123", EntryKind.FILE, 0, None),
    ]


def test_whiteout_naming_no_file_is_skipped() -> None:
    # ".wh." alone would otherwise delete its own directory - at the top, the whole image.
    listing = listing_of([file(".wh."), file("usr/.wh."), file("usr/.wh.."), file("keep", "k")])
    assert shape(listing.entries) == [("keep", EntryKind.FILE, 1, None)]
    assert [s.subject for s in listing.skipped] == [".wh.", "usr/.wh.", "usr/.wh.."]
    assert {s.message for s in listing.skipped} == {"whiteout that names no file; ignored"}


# -- kinds, sizes, offsets --------------------------------------------------------------------


def test_kinds_sizes_and_links() -> None:
    fifo = TarEntry("run/fifo", tarfile.FIFOTYPE)
    dev = TarEntry("dev/null", tarfile.CHRTYPE)
    listing = listing_of(
        [
            directory("bin"),
            file("bin/tool", "#!/bin/sh\n", mode=0o755, uid=1000, gid=100),
            symlink("bin/sh", "/usr/bin/dash"),
            hardlink("./bin/tool2", "./bin/tool", header_size=10),
            fifo,
            dev,
        ]
    )
    assert shape(listing.entries) == [
        ("bin", EntryKind.DIR, 0, None),
        ("bin/tool", EntryKind.FILE, 10, None),
        ("bin/sh", EntryKind.SYMLINK, 0, "/usr/bin/dash"),
        ("bin/tool2", EntryKind.HARDLINK, 0, "bin/tool"),
        ("run/fifo", EntryKind.FIFO, 0, None),
        ("dev/null", EntryKind.DEVICE, 0, None),
    ]
    tool, link = listing.entries[1], listing.entries[3]
    assert (tool.mode, tool.uid, tool.gid) == (0o755, 1000, 100)
    assert link.header_size_bytes == 10  # what dive sums
    assert link.data_offset is None
    assert listing.content_bytes == 10


def test_data_offsets_point_at_the_contents() -> None:
    entries = [file("a", "first"), sized("b", 700), file("c", "third")]
    tar = build_layer_tar(entries)
    listing = read_layer(make_layer(tar))
    for entry, spec in zip(listing.entries, entries, strict=True):
        assert entry.data_offset is not None
        assert tar[entry.data_offset : entry.data_offset + entry.size_bytes] == spec.data


def test_unknown_type_flags_are_regular_files() -> None:
    listing = read_layer(make_layer(member("odd", b"12", typeflag=b"Z") + EOA))
    assert shape(listing.entries) == [("odd", EntryKind.FILE, 2, None)]


def test_pax_global_header_is_not_an_entry() -> None:
    listing = listing_of([pax_global({"comment": "made by git archive"}), file("a", "x")])
    assert shape(listing.entries) == [("a", EntryKind.FILE, 1, None)]


# -- compression, sizes, digests ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("compression", "expected"),
    [("none", Compression.NONE), ("gzip", Compression.GZIP), ("zstd", Compression.ZSTD)],
)
def test_compression_and_sizes(compression: str, expected: Compression) -> None:
    tar = build_layer_tar([sized("x", 5000), file("y", "yy")])
    layer = make_layer(tar, compression)
    listing = read_layer(layer)
    assert listing.compression is expected
    assert listing.tar_size_bytes == len(tar)
    assert listing.content_bytes == 5002
    assert listing.digest_verified is True
    assert listing.compressed_bytes == (
        None if expected is Compression.NONE else layer.stored_size_bytes
    )


def test_progress_callback_counts_stored_bytes() -> None:
    layer = make_layer(build_layer_tar([sized("x", 50_000)]), "gzip")
    seen: list[int] = []
    read_layer(layer, on_bytes=seen.append)
    assert sum(seen) == layer.stored_size_bytes


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_wrong_layer_digest(compression: str) -> None:
    layer = make_layer(build_layer_tar([file("a", "x")]), compression, digest=sha(b"other"))
    with pytest.raises(ImageFormatError, match=r"^layer 0 \(blob\): digest mismatch: expected "):
        read_layer(layer)


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_wrong_diff_id(compression: str) -> None:
    layer = make_layer(
        build_layer_tar([file("a", "x")]), compression, digest=None, diff_id=sha(b"other")
    )
    with pytest.raises(ImageFormatError, match="digest mismatch") as info:
        read_layer(layer)
    assert info.value.hint == "the archive is damaged or was modified after it was written"


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_a_checked_stored_digest_leaves_the_diff_id_to_every_byte(compression: str) -> None:
    # The stored digest proves the blob's bytes and the tar stream is their inflation: the
    # sha256 pass over the (larger) inflated stream is --verify all's, not auto's.
    tar = build_layer_tar([file("a", "x" * 5000)])
    layer = make_layer(tar, compression, diff_id=sha(b"other"))
    listing = read_layer(layer, every_byte=False)
    assert (listing.digest_verified, listing.tar_sha256) == (True, None)
    with pytest.raises(ImageFormatError, match=r"digest mismatch: expected sha256:"):
        read_layer(layer, every_byte=True)
    assert read_layer(make_layer(tar, compression), every_byte=True).tar_sha256 == sha(tar)[7:]


@pytest.mark.parametrize("digest", [None, "sha512:abc"])
def test_without_a_checkable_stored_digest_the_diff_id_is_checked(digest: str | None) -> None:
    layer = make_layer(
        build_layer_tar([file("a", "x")]), "gzip", digest=digest, diff_id=sha(b"other")
    )
    with pytest.raises(ImageFormatError, match="digest mismatch"):
        read_layer(layer, every_byte=False)


def test_an_uncompressed_stream_is_its_own_diff_id() -> None:
    # Not seekable, not compressed: the one hash of the stream checks both names.
    tar = build_layer_tar([file("a", "x")])
    store = _UnseekableStore({"blob": tar})
    layer = Layer(0, "blob", store, len(tar), digest=sha(tar), diff_id=sha(b"other"))
    with pytest.raises(ImageFormatError, match=r"expected sha256:[0-9a-f]{64}, content"):
        read_layer(layer, every_byte=False)


@pytest.mark.parametrize("diff_id", [True, False])
def test_gzip_damage_is_caught_with_or_without_its_crc(diff_id: bool) -> None:
    # A checked stored digest: the CRC-32 is not computed, the sha256 catches the damage.
    # Without one: the CRC-32 (or the diff_id) catches it.
    tar = build_layer_tar([file("data", os.urandom(5000))])
    good = compress(tar, "gzip")
    blob = bytearray(good)
    blob[-8] ^= 0xFF  # the CRC-32 itself: inflates "fine" without it
    store = MemoryStore({"blob": bytes(blob)})
    checked = Layer(0, "blob", store, len(blob), digest=sha(good))
    with pytest.raises(ImageFormatError, match="digest mismatch"):
        read_layer(checked)
    unchecked = Layer(0, "blob", store, len(blob), diff_id=sha(tar) if diff_id else None)
    with pytest.raises(ImageFormatError, match="corrupt gzip data"):
        read_layer(unchecked)


def test_silent_zstd_corruption_is_caught_by_the_diff_id() -> None:
    # zstd frames carry no checksum by default: a flipped literal byte decompresses "fine".
    tar = build_layer_tar([file("data", bytes(range(256)) * 20)])
    blob = bytearray(compress(tar, "zstd"))
    blob[len(blob) // 2] ^= 0x01
    layer = Layer(0, "blob", MemoryStore({"blob": bytes(blob)}), len(blob), diff_id=sha(tar))
    with pytest.raises(ImageFormatError, match="digest mismatch"):
        read_layer(layer)


def test_no_verify_skips_the_checks() -> None:
    layer = make_layer(build_layer_tar([file("a", "x")]), digest=sha(b"x"), diff_id=sha(b"y"))
    listing = read_layer(layer, verify=False)
    assert listing.digest_verified is False
    assert [e.path for e in listing.entries] == ["a"]


def test_unknown_digest_algorithm_is_not_claimed_as_verified() -> None:
    layer = make_layer(build_layer_tar([file("a")]), digest="sha512:abc", diff_id=None)
    assert read_layer(layer).digest_verified is False


def test_layer_without_digests_is_not_verified() -> None:
    layer = make_layer(build_layer_tar([file("a")]), digest=None, diff_id=None)
    assert read_layer(layer).digest_verified is False


def test_end_of_archive_padding_is_covered_by_the_digest() -> None:
    tar = build_layer_tar([file("a", "x")]) + bytes(10240)  # extra zero records
    assert read_layer(make_layer(tar)).tar_size_bytes == len(tar)


@pytest.mark.parametrize(
    ("blob", "message"),
    [
        (b"", "empty layer blob, not a tar"),
        (b"{}" + bytes(510), "not a valid tar stream"),
        (compress(b"", "gzip"), "empty layer blob, not a tar"),
        (compress(b"hello" * 200, "zstd"), "not a valid tar stream"),
        (b"\x1f\x8bnot really gzip", "corrupt gzip data"),
        (compress(build_layer_tar([file("x", os.urandom(9000))]), "gzip")[:2000], "truncated"),
    ],
)
def test_damaged_blobs_are_format_errors(blob: bytes, message: str) -> None:
    layer = Layer(2, "layer.tar", MemoryStore({"layer.tar": blob}), len(blob))
    with pytest.raises(ImageFormatError, match=rf"^layer 2 \(layer.tar\): .*{message}"):
        read_layer(layer)


class _Unseekable(io.BytesIO):
    def seekable(self) -> bool:
        return False


class _UnseekableStore(MemoryStore):
    def open_blob(self, ref: str) -> io.BytesIO:  # type: ignore[override]
        return _Unseekable(self.blobs[ref])


class _Failing(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise OSError(5, "Input/output error")


class _FailingStore(MemoryStore):
    def open_blob(self, ref: str) -> io.BytesIO:  # type: ignore[override]
        return _Failing(b"")


def test_read_errors_become_format_errors() -> None:
    layer = Layer(0, "x", _FailingStore({"x": b""}), 0)
    with pytest.raises(ImageFormatError, match="unreadable"):
        read_layer(layer)


# -- captures ------------------------------------------------------------------------------


def test_capture_filter_keeps_only_wanted_regular_files() -> None:
    seen: list[tuple[str, int]] = []

    def wanted(path: str, size: int) -> bool:
        seen.append((path, size))
        return path.endswith(".txt")

    listing = listing_of(
        [
            file("./docs/a.txt", "alpha"),
            file("docs/b.bin", "beta"),
            symlink("docs/link.txt", "a.txt"),
            file("../escape.txt", "no"),
            file("docs/empty.txt", ""),
        ],
        capture=wanted,
    )
    assert listing.captured == {"docs/a.txt": b"alpha", "docs/empty.txt": b""}
    assert ("docs/a.txt", 5) in seen and ("docs/b.bin", 4) in seen
    assert all(not p.startswith("..") for p, _ in seen)


def test_large_files_are_never_captured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layer_reader, "MAX_CAPTURE_BYTES", 10)
    listing = listing_of(
        [file("small", "0123456789"), file("big", "0123456789!")], capture=lambda p, s: True
    )
    assert listing.captured == {"small": b"0123456789"}


def test_no_capture_filter_captures_nothing() -> None:
    assert listing_of([file("a", "x")]).captured == {}


# -- second pass: hashing chosen files -------------------------------------------------------


@pytest.mark.parametrize("compression", ["none", "gzip", "zstd"])
def test_hash_contents(compression: str) -> None:
    big = bytes(range(256)) * 4000
    tar = build_layer_tar([file("a", "alpha"), file("skip", big), file("./b", big), file("c", "")])
    layer = make_layer(tar, compression)
    listed = {e.path: e for e in read_layer(layer).entries}
    # "missing" is not in this layer: a stale entry must not be hashed from a wrong offset.
    spans = spans_of((e.path, e.data_offset or 0, e.size_bytes) for e in (listed["a"], listed["b"]))
    assert hash_contents(layer, spans) == {
        "a": Fingerprint(b"alpha").digest(),
        "b": Fingerprint(big).digest(),
    }
    assert hash_contents(layer, Spans()) == {}


def test_hash_contents_reads_near_files_together_and_large_ones_in_pieces() -> None:
    # Small neighbours (one read for a run), a gap wider than NEAR_BYTES, a file larger
    # than the read buffer, and a file after it: each fingerprint as if hashed alone.
    contents = {f"small{i}": bytes([i]) * (100 + i) for i in range(20)}
    contents["gap"] = b"g" * (layer_reader.NEAR_BYTES + 1)
    contents["far"] = b"far"
    contents["big"] = bytes(range(256)) * (layer_reader.CHUNK_BYTES // 256 + 7)
    contents["last"] = b"last"
    layer = make_layer(build_layer_tar([file(path, data) for path, data in contents.items()]))
    listed = {e.path: e for e in read_layer(layer).entries}
    wanted = [p for p in contents if p != "gap"]
    spans = [(p, listed[p].data_offset or 0, listed[p].size_bytes) for p in wanted]
    expected = {p: Fingerprint(contents[p]).digest() for p in wanted}
    assert hash_contents(layer, spans_of(spans)) == expected  # in tar order
    assert hash_contents(layer, spans_of(reversed(spans))) == expected  # sorted first
    beyond = ("beyond", layer.stored_size_bytes - 10, 100)
    with pytest.raises(ImageFormatError, match="'beyond' is cut short"):
        hash_contents(layer, spans_of([spans[0], beyond]))


def spans_of(rows: Iterable[tuple[str, int, int]]) -> Spans:
    spans = Spans()
    for path, offset, size in rows:
        spans.add(path, offset, size)
    return spans


def test_spans_in_offset_order() -> None:
    spans = spans_of([("a", 0, 1), ("b", 512, 1), ("c", 1024, 1)])
    assert list(spans.by_offset()) == [0, 1, 2]
    assert list(spans_of([("a", 1024, 1), ("b", 0, 1), ("c", 512, 1)]).by_offset()) == [1, 2, 0]


@pytest.mark.parametrize("compression", ["none", "gzip"])
def test_streamed_layers_fingerprint_every_file_in_the_one_pass(compression: str) -> None:
    big = bytes(range(256)) * 4000
    layer = make_layer(
        build_layer_tar([file("a", "alpha"), file("b", big), file("e")]), compression
    )
    listing = read_layer(layer)
    found = {listing.table.paths[r]: d.hex() for r, d in listing.table.digests.items()}
    if compression == "none":
        assert found == {}  # read by seeking: fingerprinted on demand (hash_contents)
    else:
        assert found == {"a": Fingerprint(b"alpha").hexdigest(), "b": Fingerprint(big).hexdigest()}
