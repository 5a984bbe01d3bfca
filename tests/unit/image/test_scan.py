"""scan_image: layers read one after the other or in a pool of threads, with one result."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

import pytest

from jettison.errors import ImageError
from jettison.image import scan
from jettison.image.scan import scan_image
from jettison.image.sources import open_image
from support.imagewriter import Faults, ImageSpec, LayerSpec, file, whiteout, write_docker_archive
from support.memimage import Dir, File, Hardlink, Symlink, Whiteout
from support.memimage import scan as scan_layers

LAYERS = [
    LayerSpec([file("app/a.py", "a" * 100), file("app/b.bin", b"\0" * 5000)], "gzip"),
    LayerSpec([file("app/c.txt", "c"), whiteout("app/a.py")]),
    LayerSpec([file(f"lib/{n}.so", "x" * n) for n in range(50)], "zstd"),
    LayerSpec([file("app/b.bin", "smaller")], "gzip"),
]


def _shape(scanned: scan.ScannedImage) -> list[tuple[int, int, list[tuple[str, int]]]]:
    return [
        (
            listing.layer.index,
            listing.tar_size_bytes,
            [(e.path, e.size_bytes) for e in listing.entries],
        )
        for listing in scanned.listings
    ]


def test_threads_read_the_same_listings_in_layer_order(tmp_path: Path) -> None:
    archive = write_docker_archive(tmp_path / "image.tar", ImageSpec(LAYERS))
    with open_image(str(archive)) as image:
        serial = scan_image(image, threads=1)
    with open_image(str(archive)) as image:
        pooled = scan_image(image, threads=3)
    assert _shape(pooled) == _shape(serial)
    assert [listing.layer.index for listing in pooled.listings] == [0, 1, 2, 3]
    assert pooled.fs.total_bytes() == serial.fs.total_bytes()


def test_threads_raise_the_first_failure_in_layer_order(tmp_path: Path) -> None:
    faults = Faults(wrong_digest=frozenset({1, 3}))
    archive = write_docker_archive(tmp_path / "image.tar", ImageSpec(LAYERS), faults=faults)
    with open_image(str(archive)) as image, pytest.raises(ImageError) as raised:
        scan_image(image, threads=4)
    assert str(raised.value).startswith("layer 1 (")  # index 1, not 3, whichever ends first
    assert "digest mismatch" in str(raised.value)


def test_a_small_image_is_read_without_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Starting and joining a pool cost more than reading a few MB; a large image (here the
    bound lowered to 1 byte) gets the pool."""
    archive = write_docker_archive(tmp_path / "image.tar", ImageSpec(LAYERS))
    names: set[str] = set()
    real = scan.read_layer

    def spy(*args: object, **kwargs: object) -> object:
        names.add(threading.current_thread().name)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scan, "read_layer", spy)
    monkeypatch.setattr(scan, "reader_threads", lambda: 2)
    with open_image(str(archive)) as image:
        scan_image(image)
    assert names == {threading.current_thread().name}
    names.clear()
    monkeypatch.setattr(scan, "PARALLEL_MIN_BYTES", 1)
    with open_image(str(archive)) as image:
        scan_image(image)
    assert names and all(name.startswith("jettison-layer") for name in names)


def test_seekable_layers_are_parsed_one_at_a_time_compressed_ones_beside_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsing the headers of an uncompressed layer is Python work throughout: two at once
    only trade the GIL. Layers that are inflated (gzip, zstd) are read beside it."""
    from jettison.image import layer_reader

    layers = [LayerSpec([file(f"z{i}/f", "x")], "gzip") for i in range(2)]  # start at once
    layers += [LayerSpec([file(f"d{i}/f{n}", "x") for n in range(30)]) for i in range(4)]
    archive = write_docker_archive(tmp_path / "image.tar", ImageSpec(layers))
    state = {"plain": 0, "most": 0, "beside": 0}
    guard = threading.Lock()
    parsing = threading.Event()  # a seekable layer is being parsed
    real = layer_reader._collect

    def spy(reader: object, *args: object, **kwargs: object) -> object:
        if not isinstance(reader, layer_reader.WindowReader):  # a compressed layer
            state["beside"] += parsing.wait(10)  # one is parsed while this is read
            return real(reader, *args, **kwargs)  # type: ignore[arg-type]
        with guard:
            state["plain"] += 1
            state["most"] = max(state["most"], state["plain"])
        parsing.set()
        try:
            threading.Event().wait(0.02)  # long enough for the other threads to come in
            return real(reader, *args, **kwargs)  # type: ignore[arg-type]
        finally:
            with guard:
                state["plain"] -= 1

    monkeypatch.setattr(layer_reader, "_collect", spy)
    with open_image(str(archive)) as image:
        scanned = scan_image(image, threads=3)
    assert len(scanned.listings) == 6
    assert state["most"] == 1  # never two seekable layers at once
    assert state["beside"] == 2  # each compressed layer was read while one was parsed


def test_file_path_is_the_tables_own_string_for_files_only() -> None:
    scanned = scan_layers(
        [
            [Dir("app"), File("app/a.py", b"x"), Symlink("app/link", "a.py")],
            [File("app/a.py", b"yy"), Hardlink("app/h", "app/a.py")],
        ]
    )
    resolver = scanned.resolver
    asked = "/".join(["app", "a.py"])  # an equal string built here, not the table's
    found = resolver.file_path(asked)
    assert found == "app/a.py"
    assert found is not asked
    top = scanned.fs.tables[1]
    assert any(found is path for path in top.paths)  # the upper layer's copy is the file
    assert resolver.file_path("app/h") == "app/h"
    assert resolver.file_path("app") is None
    assert resolver.file_path("app/link") is None
    assert resolver.file_path("nope") is None


def test_sized_each_is_size_of_and_layer_of_of_each_path_in_one_call() -> None:
    scanned = scan_layers(
        [
            [Dir("app"), File("app/a.py", b"x"), File("app/b", b"bbb"), Symlink("app/l", "a.py")],
            [File("app/a.py", b"yy"), File("app/c", b"cccc"), Hardlink("app/k", "app/c")],
            [Hardlink("app/h", "app/b"), Whiteout("app/c")],  # app/k alone keeps c's bytes
        ]
    )
    resolver = scanned.resolver
    paths = ("app/a.py", "app/b", "app/h", "app/k", "app/l", "app", "nope", "app/c")
    expected = [(resolver.size_of(path), resolver.layer_of(path)) for path in paths]
    assert resolver.sized_each(paths) == expected
    assert expected == [(2, 1), (3, 0), (0, 2), (4, 1), (0, -1), (0, -1), (0, -1), (0, -1)]
    assert resolver.sized_each([]) == []


def test_identical_files_take_the_scans_fingerprints_and_reread_only_seeked_layers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A gzip layer is streamed (every file fingerprinted as it passes), an uncompressed one
    # read by seeking: identical contents group across both, and only the second's
    # candidates are read again.
    same = "s" * 64
    layers = [
        LayerSpec(
            [file("z/streamed", same), file("z/other", "o" * 64), file("z/lone", "l")], "gzip"
        ),
        LayerSpec([file("a/seeked", same), file("b/seeked", same), file("c/x", "x" * 7)]),
    ]
    archive = write_docker_archive(tmp_path / "image.tar", ImageSpec(layers))
    with open_image(str(archive)) as image:
        resolver = scan_image(image, capture=None).resolver
        asked: list[list[str]] = []
        real = resolver.hash_files

        def spy(paths: Iterable[str]) -> dict[str, bytes]:
            asked.append(sorted(paths))
            return real(asked[-1])

        monkeypatch.setattr(resolver, "hash_files", spy)
        groups = resolver.identical_files()
    assert asked == [["a/seeked", "b/seeked"]]  # z/streamed and z/other: fingerprints kept
    assert [(group[0], sorted(group[1:])) for group in groups] == [
        ("z/streamed", ["a/seeked", "b/seeked"])
    ]


GLOB_SETS = [
    ("var/lib/dpkg/status", "var/lib/dpkg/status.d/*", "*.dist-info/RECORD"),
    ("x[ab]y", "q[!x]", "[]a]z"),
    ("a*b", "c?d", "usr/*"),
    ("*",),
    ("a[", "a]b"),
    (),
]


@pytest.mark.parametrize("patterns", GLOB_SETS, ids=lambda p: "|".join(p) or "none")
def test_glob_filter_answers_as_fnmatch_does(patterns: tuple[str, ...]) -> None:
    """The literal head/tail shortcut never changes an answer (every short path over an
    alphabet of the globs' own characters, sets and brackets included)."""
    import fnmatch
    import itertools

    matches = scan.glob_filter(patterns)
    for length in range(5):
        for letters in itertools.product("ab]xy[/q!", repeat=length):
            path = "".join(letters)
            expected = any(fnmatch.fnmatchcase(path, p) for p in patterns)
            assert matches(path, 0) is expected, path
    for path in ("var/lib/dpkg/status", "var/lib/dpkg/status.d/x", "a/b.dist-info/RECORD"):
        assert matches(path, 0) is any(fnmatch.fnmatchcase(path, p) for p in patterns)


def test_resolver_glob_finds_files_sorted_below_a_literal_directory_or_anywhere() -> None:
    scanned = scan_layers(
        [
            [
                Dir("var/lib/dpkg/info"),
                File("var/lib/dpkg/info/zlib1g:amd64.list", b"x"),
                File("var/lib/dpkg/info/bash.list", b"x"),
                File("var/lib/dpkg/info/bash.md5sums", b"x"),
                File("var/lib/dpkg/info/sub/deep.list", b"x"),
                Symlink("var/lib/dpkg/info/link.list", "bash.list"),
                File("opt/a.list", b"x"),
            ]
        ]
    )
    glob = scanned.resolver.glob
    assert [e.path for e in glob("var/lib/dpkg/info/*.list")] == [
        "var/lib/dpkg/info/bash.list",
        "var/lib/dpkg/info/sub/deep.list",  # * crosses /
        "var/lib/dpkg/info/zlib1g:amd64.list",
    ]  # sorted; the symlink is no file
    assert [e.path for e in glob("*.list", "var/lib/dpkg/info/*.md5sums")] == [
        "opt/a.list",
        "var/lib/dpkg/info/bash.list",
        "var/lib/dpkg/info/bash.md5sums",
        "var/lib/dpkg/info/sub/deep.list",
        "var/lib/dpkg/info/zlib1g:amd64.list",
    ]
    assert glob() == [] and glob("var/lib/dpkg/info/*.txt") == []
