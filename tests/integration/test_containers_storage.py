"""Reading images straight from a buildah/podman store, checked against `buildah push`.

Each test module run builds a tiny image FROM scratch with buildah in a throw-away store
(``--root``/``--runroot`` under pytest's tmp dir, found by jettison through
``JETTISON_STORAGE_ROOT``), once with the overlay driver and once with vfs, and exports it
with ``buildah push docker-archive:``. The layers jettison rebuilds from the store's
tar-split must give the same entries and the same bytes as the exported archive.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from jettison.errors import ImageFormatError, ImageNotFoundError
from jettison.image.layer_reader import read_layer
from jettison.image.model import EntryKind, Image, Platform
from jettison.image.sources import open_image
from jettison.image.sources.containers_storage import (
    STORAGE_DRIVER_ENV,
    STORAGE_ROOT_ENV,
    locate_store,
    open_from_store,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("buildah") is None, reason="buildah is not installed"),
    pytest.mark.skipif(
        not hasattr(os, "geteuid") or os.geteuid() != 0,
        reason="building into a private store and `buildah mount` need root",
    ),
]

NAME = "localhost/jettison-cs-test"
LONG_DIR = "d" * 120  # a path longer than 100 bytes needs a PAX header in the tar


@dataclass(frozen=True)
class BuiltStore:
    root: Path
    driver: str
    archive: Path
    """The same image as written by `buildah push ... docker-archive:`."""


def _buildah(store: Path, driver: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k != STORAGE_DRIVER_ENV}
    env["BUILDAH_ISOLATION"] = "chroot"
    cmd = [
        "buildah",
        "--root",
        str(store / "root"),
        "--runroot",
        str(store / "run"),
        "--storage-driver",
        driver,
        *args,
    ]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stderr}")
    return done.stdout.strip()


def _context(ctx: Path) -> None:
    (ctx / "app").mkdir(parents=True)
    (ctx / "etc" / "conf").mkdir(parents=True)
    (ctx / "app" / "main.py").write_text("print('hello')\n")
    # Larger than the reader's 1 MiB chunks, so one body spans several reads.
    (ctx / "app" / "model.bin").write_bytes(os.urandom(1_500_000))
    (ctx / "app" / "link.py").symlink_to("main.py")
    (ctx / "etc" / "hostname").write_text("tiny\n")
    (ctx / "etc" / "conf" / "a.conf").write_text("a = 1\n")


def _second_layer(mountpoint: Path) -> None:
    """Changes made through the container's mount, so overlay records real whiteouts."""
    (mountpoint / "etc" / "hostname").unlink()  # -> etc/.wh.hostname
    shutil.rmtree(mountpoint / "etc" / "conf")  # directory replaced -> opaque marker
    (mountpoint / "etc" / "conf").mkdir()
    (mountpoint / "etc" / "conf" / "b.conf").write_text("b = 2\n")
    (mountpoint / "app" / "main.py").write_text("print('changed')\n")
    os.link(mountpoint / "app" / "main.py", mountpoint / "app" / "main-hardlink.py")
    (mountpoint / LONG_DIR).mkdir()
    (mountpoint / LONG_DIR / "naïve-file.txt").write_text("long path\n")
    (mountpoint / "empty").write_bytes(b"")
    os.mkfifo(mountpoint / "fifo")
    # A name that is not UTF-8: tar-split stores it base64-encoded as name_raw.
    with open(os.path.join(os.fsencode(mountpoint), b"caf\xe9.txt"), "wb") as fh:  # noqa: PTH118
        fh.write(b"x" * 5000)


@pytest.fixture(scope="module", params=["overlay", "vfs"])
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BuiltStore]:
    driver: str = request.param
    store = tmp_path_factory.mktemp(f"store-{driver}")
    ctx = store / "ctx"
    _context(ctx)
    try:
        first = _buildah(store, driver, "from", "scratch")
    except RuntimeError as exc:
        if driver == "overlay":
            pytest.skip(f"overlay storage is not usable in {store} (the vfs run covers it): {exc}")
        raise
    try:
        _buildah(store, driver, "copy", first, f"{ctx}/", "/")
        _buildah(
            store, driver, "config", "--cmd", '["python3", "/app/main.py"]',
            "--env", "MODE=test", "--label", "org.example.kind=tiny", first,
        )  # fmt: skip
        _buildah(store, driver, "commit", "--quiet", first, f"{NAME}:1")
        second = _buildah(store, driver, "from", f"{NAME}:1")
        _second_layer(Path(_buildah(store, driver, "mount", second)))
        _buildah(store, driver, "umount", second)
        _buildah(store, driver, "commit", "--quiet", second, f"{NAME}:2")
        archive = store / "image.tar"
        _buildah(
            store, driver, "push", "--quiet", f"{NAME}:2", f"docker-archive:{archive}:{NAME}:2"
        )
        yield BuiltStore(store / "root", driver, archive)
    finally:
        _buildah(store, driver, "rm", "--all")


@pytest.fixture
def store(built: BuiltStore, monkeypatch: pytest.MonkeyPatch) -> BuiltStore:
    monkeypatch.setenv(STORAGE_ROOT_ENV, str(built.root))
    monkeypatch.setenv(STORAGE_DRIVER_ENV, built.driver)
    return built


def _open(name: str = f"{NAME}:2") -> Image:
    return open_from_store(name, name, None)


@contextlib.contextmanager
def _pushed(store: BuiltStore) -> Iterator[Image]:
    """The docker-archive twin, its tar closed afterwards (warnings are errors here)."""
    image = open_image(str(store.archive))
    try:
        yield image
    finally:
        close = getattr(image.layers[0].store, "close", None)
        if close is not None:
            close()


def test_layers_match_the_pushed_archive(store: BuiltStore) -> None:
    image = _open()
    with _pushed(store) as archive:
        _compare(image, archive)


def _compare(image: Image, archive: Image) -> None:
    assert image.source_kind == "containers-storage"
    assert len(image.layers) == len(archive.layers) == 2
    assert image.config == archive.config
    assert image.history == archive.history
    assert image.config_digest == archive.config_digest
    assert image.tags == (f"{NAME}:2",)
    assert [layer.diff_id for layer in image.layers] == [layer.diff_id for layer in archive.layers]
    wanted = {"app/main.py", "etc/conf/b.conf"}
    for ours, theirs in zip(image.layers, archive.layers, strict=True):
        assert ours.digest is None
        assert ours.stored_size_bytes == theirs.stored_size_bytes  # both uncompressed tars
        got = read_layer(ours, capture=lambda path, _size: path in wanted)
        expected = read_layer(theirs, capture=lambda path, _size: path in wanted)
        assert got.digest_verified
        assert got.entries == expected.entries
        assert got.captured == expected.captured
        assert got.tar_size_bytes == expected.tar_size_bytes == ours.stored_size_bytes
        assert got.skipped == expected.skipped


def test_second_layer_keeps_whiteouts_links_and_odd_names(store: BuiltStore) -> None:
    listing = read_layer(_open().layers[1])
    kinds = {entry.path: entry.kind for entry in listing.entries}
    assert kinds["etc/hostname"] is EntryKind.WHITEOUT
    if store.driver == "overlay":
        # overlay records the replaced directory as opaque; vfs diffs the two trees instead.
        assert any(e.path == "etc/conf" and e.kind is EntryKind.OPAQUE for e in listing.entries)
    else:
        assert kinds["etc/conf/a.conf"] is EntryKind.WHITEOUT
    assert EntryKind.HARDLINK in (kinds["app/main.py"], kinds["app/main-hardlink.py"])
    assert kinds[f"{LONG_DIR}/naïve-file.txt"] is EntryKind.FILE
    assert kinds["fifo"] is EntryKind.FIFO
    assert kinds["empty"] is EntryKind.FILE
    assert any(e.size_bytes == 5000 and e.path.startswith("caf") for e in listing.entries)


@pytest.mark.parametrize("chunk", [1, 511, 513, 65536, 3 << 20])
def test_stream_is_byte_identical_whatever_the_read_size(store: BuiltStore, chunk: int) -> None:
    image = _open()
    with _pushed(store) as archive:
        _compare_bytes(image, archive, chunk)


def _compare_bytes(image: Image, archive: Image, chunk: int) -> None:
    for ours, theirs in zip(image.layers, archive.layers, strict=True):
        with theirs.open_blob() as fh:
            expected = fh.read()
        parts = []
        # Byte at a time, a prefix will do.
        limit = min(20_000, len(expected)) if chunk == 1 else len(expected)
        got = 0
        with ours.open_blob() as fh:
            while got < limit and (part := fh.read(chunk)):
                parts.append(part)
                got += len(part)
            if got >= len(expected):
                assert fh.read(chunk) == b""  # and nothing after the end
        assert b"".join(parts) == expected[:got]
        assert got >= limit


def test_names_resolve_like_podman(store: BuiltStore) -> None:
    image_id = _open().config_digest.removeprefix("sha256:")  # type: ignore[union-attr]
    for name in ("jettison-cs-test:2", f"{NAME}:2", image_id[:12], f"sha256:{image_id}"):
        assert _open(name).config_digest == f"sha256:{image_id}", name
    assert _open("jettison-cs-test:1").layers[0].diff_id == _open().layers[0].diff_id
    via_transport = open_image(f"containers-storage:{NAME}:2")
    assert via_transport.tags == (f"{NAME}:2",)
    assert via_transport.config_digest == f"sha256:{image_id}"
    assert open_image("jettison-cs-test:2").source_kind == "containers-storage"


def test_store_specifier_in_the_name(built: BuiltStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STORAGE_ROOT_ENV, "/nonexistent/store")
    name = f"[{built.driver}@{built.root}+/run/unused]{NAME}:2"
    assert len(open_from_store(name, name, None).layers) == 2


def test_unknown_name_suggests_close_ones(store: BuiltStore) -> None:
    with pytest.raises(ImageNotFoundError) as info:
        _open("jettison-cs-tset:2")
    assert f"{NAME}:2" in (info.value.hint or "")
    with pytest.raises(ImageNotFoundError):
        _open("jettison-cs-test")  # no :latest tag was committed


def test_missing_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(STORAGE_ROOT_ENV, str(tmp_path / "nothing-here"))
    with pytest.raises(ImageNotFoundError, match="no local buildah/podman store") as info:
        _open()
    assert "docker-archive" in (info.value.hint or "")


def test_platform(store: BuiltStore) -> None:
    config = _open().config
    assert config.os and config.architecture
    same = Platform(config.os, config.architecture)
    assert open_from_store(f"{NAME}:2", "x", same).config == config
    with pytest.raises(ImageFormatError, match="not plan9/mips") as info:
        open_from_store(f"{NAME}:2", "x", Platform("plan9", "mips"))
    assert info.value.hint


def _layer_dir(layer_id: str) -> Path:
    return locate_store().layer_files(layer_id)


def test_missing_tar_split_is_a_format_error(store: BuiltStore) -> None:
    layer = _open().layers[0]
    tar_split = locate_store().layers_dir / f"{layer.blob_ref}.tar-split.gz"
    aside = tar_split.with_suffix(".aside")
    tar_split.rename(aside)
    try:
        with pytest.raises(ImageFormatError, match="tar-split"):
            read_layer(layer)
    finally:
        aside.rename(tar_split)


def test_missing_file_is_a_format_error(store: BuiltStore) -> None:
    layer = _open().layers[0]
    body = _layer_dir(layer.blob_ref) / "app" / "model.bin"
    aside = body.with_name("model.bin.aside")
    body.rename(aside)
    try:
        with pytest.raises(ImageFormatError, match=r"app/model\.bin.*missing"):
            read_layer(layer)
    finally:
        aside.rename(body)


def test_changed_file_fails_the_diff_id_check(store: BuiltStore) -> None:
    layer = _open().layers[0]
    body = _layer_dir(layer.blob_ref) / "etc" / "conf" / "a.conf"
    original = body.read_bytes()
    body.write_bytes(original.upper())  # same size, other bytes
    try:
        with pytest.raises(ImageFormatError, match="digest mismatch"):
            read_layer(layer)
    finally:
        body.write_bytes(original)


def test_a_short_name_reads_what_buildah_builds_from(tmp_path: Path) -> None:
    """``localhost/python:3.11-slim`` and ``docker.io/library/python:3.11-slim`` both stored:
    ``FROM python:3.11-slim`` (buildah inspect) takes the docker.io one (the short-name alias),
    and so does jettison, saying so."""
    from integration.conftest import _base_images

    _base_images()
    root, run = tmp_path / "root", tmp_path / "run"
    spec = f"[vfs@{root}+{run}]"
    for source, name in (
        ("docker.io/library/debian:bookworm-slim", "docker.io/library/python:3.11-slim"),
        ("docker.io/library/debian:bookworm", "localhost/python:3.11-slim"),
    ):
        subprocess.run(
            ["buildah", "push", "--quiet", source, f"containers-storage:{spec}{name}"],
            check=True, capture_output=True,
        )  # fmt: skip
    used = _buildah(tmp_path, "vfs", "inspect", "--type", "image", "--format",
                    "{{.FromImageID}}", "python:3.11-slim")  # fmt: skip
    with open_image(f"containers-storage:{spec}python:3.11-slim") as image:
        assert image.config_digest == f"sha256:{used}"
        assert image.notes[0].message.startswith(
            "python:3.11-slim is docker.io/library/python:3.11-slim (the short-name alias in "
        )
    _buildah(tmp_path, "vfs", "rmi", "--all", "--force")
