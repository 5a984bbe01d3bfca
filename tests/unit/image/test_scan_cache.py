"""ScanCache: per-layer scans on disk, keyed by digest; never trusted when damaged."""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pytest

from jettison.image.layer_reader import LayerListing, read_layer
from jettison.image.model import Layer
from jettison.image.scan import glob_filter, scan_image
from jettison.image.scan_cache import FORMAT_VERSION, SUFFIX, ScanCache, capture_key
from jettison.image.sources import open_image
from support.imagewriter import (
    ImageSpec,
    LayerSpec,
    build_layer_tar,
    compress,
    file,
    whiteout,
    write_docker_archive,
    write_oci_archive,
)
from support.memimage import MemoryStore

GLOBS = ("*.txt",)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def gzip_layer(index: int = 0, text: str = "hello") -> Layer:
    tar = build_layer_tar([file("a/notes.txt", text), file("a/bin", "x" * 100), whiteout("old")])
    blob = compress(tar, "gzip")
    return Layer(index, "blob", MemoryStore({"blob": blob}), len(blob), None, sha(blob), sha(tar))


def cache(tmp_path: Path, **kwargs: object) -> ScanCache:
    return ScanCache(tmp_path / "layers", capture=capture_key(GLOBS), **kwargs)  # type: ignore[arg-type]


def read(layer: Layer) -> LayerListing:
    return read_layer(layer, capture=glob_filter(GLOBS))


def test_a_verified_layer_is_stored_and_loaded_with_the_same_content(tmp_path: Path) -> None:
    store = cache(tmp_path)
    fresh = read(gzip_layer())
    assert store.store(fresh)
    again = store.load(gzip_layer(index=4))  # the same layer at another index of another image
    assert again is not None and again.from_cache
    assert [e.path for e in again.entries] == [e.path for e in fresh.entries]
    assert {e.layer_index for e in again.entries} == {4}
    assert again.captured == {"a/notes.txt": b"hello"}
    assert again.table.digests == fresh.table.digests  # duplicates need no second pass
    assert (again.compression, again.tar_size_bytes) == (fresh.compression, fresh.tar_size_bytes)


def test_other_digests_or_capture_globs_miss(tmp_path: Path) -> None:
    store = cache(tmp_path)
    store.store(read(gzip_layer()))
    assert store.load(gzip_layer(text="other")) is None
    assert ScanCache(tmp_path / "layers", capture="else").load(gzip_layer()) is None


def test_every_byte_mode_reads_again(tmp_path: Path) -> None:
    store = cache(tmp_path)
    store.store(read(gzip_layer()))
    assert store.load(gzip_layer(), every_byte=True) is None


def test_unverified_layers_are_not_stored(tmp_path: Path) -> None:
    store = cache(tmp_path)
    assert not store.store(read_layer(gzip_layer(), verify=False))
    layer = gzip_layer()
    nameless = Layer(0, "blob", layer.store, layer.stored_size_bytes)
    assert not store.store(read(nameless))  # no digest: no key


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),
        lambda data: b"",
        lambda data: b"something else entirely",
        lambda data: data.replace(FORMAT_VERSION.to_bytes(4, "little"), b"\xff\xff\xff\xff", 1),
    ],
)
def test_damaged_entries_are_ignored_and_removed(tmp_path: Path, damage: object) -> None:
    store = cache(tmp_path)
    store.store(read(gzip_layer()))
    (path,) = (tmp_path / "layers").glob(f"*{SUFFIX}")
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert store.load(gzip_layer()) is None
    assert not path.exists()


def test_an_entry_for_another_key_is_not_trusted(tmp_path: Path) -> None:
    store = cache(tmp_path)
    store.store(read(gzip_layer(text="one")))
    store.store(read(gzip_layer(text="two")))
    one, two = (store.key(gzip_layer(text=t)) for t in ("one", "two"))
    (tmp_path / "layers" / f"{one}{SUFFIX}").write_bytes(
        (tmp_path / "layers" / f"{two}{SUFFIX}").read_bytes()
    )
    assert store.load(gzip_layer(text="one")) is None


def test_size_is_bounded_by_evicting_the_least_recently_used(tmp_path: Path) -> None:
    store = cache(tmp_path)
    store.store(read(gzip_layer(text="old")))
    size = next((tmp_path / "layers").glob(f"*{SUFFIX}")).stat().st_size
    small = cache(tmp_path, max_bytes=2 * size + size // 2)
    old = tmp_path / "layers" / f"{small.key(gzip_layer(text='old'))}{SUFFIX}"
    os.utime(old, (1, 1))
    for text in ("new1", "new2"):
        small.store(read(gzip_layer(text=text)))
    assert not old.exists()
    assert len(list((tmp_path / "layers").glob(f"*{SUFFIX}"))) == 2


def test_concurrent_writers_leave_one_sound_entry(tmp_path: Path) -> None:
    listing = read(gzip_layer())
    threads = [threading.Thread(target=cache(tmp_path).store, args=(listing,)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p.name.startswith(".tmp-") for p in (tmp_path / "layers").iterdir()] == [False]
    assert cache(tmp_path).load(gzip_layer()) is not None


def test_an_unwritable_directory_is_silent(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    assert not ScanCache(blocker / "layers").store(read(gzip_layer()))
    assert ScanCache(blocker / "layers").load(gzip_layer()) is None


def spec(last: str, compression: str) -> ImageSpec:
    layers = [
        LayerSpec([file("base/a.txt", "base"), file("base/b", "b" * 300)], compression),
        LayerSpec([file("ml/lib.so", "x" * 5000), whiteout("base/b")], compression),
        LayerSpec([file("app/main.txt", last)], compression),
    ]
    return ImageSpec(layers=layers)  # type: ignore[arg-type]


@pytest.mark.parametrize(("compression", "writer"), [("gzip", write_oci_archive)])
def test_a_second_image_reads_only_its_new_layer(
    tmp_path: Path, compression: str, writer: object
) -> None:
    first = writer(tmp_path / "first.tar", spec("one", compression))  # type: ignore[operator]
    second = writer(tmp_path / "second.tar", spec("two", compression))  # type: ignore[operator]
    store = cache(tmp_path)
    with open_image(str(first)) as image:
        fresh = scan_image(image, glob_filter(GLOBS), cache=store, every_byte=False)
    assert store.stored == 3
    with open_image(str(second)) as image:
        cached = scan_image(image, glob_filter(GLOBS), cache=store, every_byte=False)
    assert store.hits == 2
    assert [x.from_cache for x in cached.listings] == [True, True, False]
    paths = sorted(e.path for e in cached.fs.entries())
    assert paths == sorted(e.path for e in fresh.fs.entries())
    assert cached.resolver.read_bytes("app/main.txt") == b"two"


def test_docker_archive_layers_read_by_seeking_are_cached_as_unchecked(tmp_path: Path) -> None:
    path = write_docker_archive(tmp_path / "img.tar", spec("one", "none"))
    store = cache(tmp_path)
    with open_image(str(path)) as image:
        scan_image(image, glob_filter(GLOBS), cache=store, every_byte=False)
        again = scan_image(image, glob_filter(GLOBS), cache=store, every_byte=False)
        none = scan_image(image, glob_filter(GLOBS), cache=store, verify=False)
    assert store.hits == 6
    assert [x.digest_unchecked for x in again.listings] == [True] * 3  # as a fresh read says
    assert [x.digest_unchecked for x in none.listings] == [False] * 3  # nothing was promised
