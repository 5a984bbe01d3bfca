"""docker://: an image read from a Docker Engine's export as it streams is the image its
``docker save`` archive holds, number for number; nothing is written.

The engine is scripted (:mod:`support.fake_engine`, on a Unix socket); the real one is in
``tests/integration/test_docker_daemon.py``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

from jettison.errors import EngineError, ImageFormatError, ImageNotFoundError
from jettison.image.model import Platform
from jettison.image.scan import scan_image
from jettison.image.sources import open_image
from jettison.inspect.core import inspect
from support.fake_engine import FakeEngine, serve
from support.imagewriter import (
    ImageSpec,
    LayerSpec,
    docker_archive_files,
    file,
    sized,
    whiteout,
    write_tar,
)

SPEC = ImageSpec(
    [
        LayerSpec([file("etc/os-release", "ID=test\n"), sized("usr/lib/libbig.so", 30_000)]),
        LayerSpec([sized("app/model.bin", 20_000), whiteout("usr/lib/libbig.so")]),
        LayerSpec([file("etc/marker", "same\n")]),
        LayerSpec([file("app/main.py", "print('hi')\n")]),
        LayerSpec([file("etc/marker", "same\n")]),  # the same layer twice: Docker links it
    ],
    cmd=["python", "/app/main.py"],
    tag="app:1",
)


@pytest.fixture
def engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    fake = FakeEngine()
    with serve(fake, tmp_path / "docker.sock") as host:
        monkeypatch.setenv("DOCKER_HOST", host)
        yield fake


def comparable(report: object) -> dict[str, object]:
    fields = dataclasses.asdict(report)  # type: ignore[call-overload]
    for key in ("reference", "source_kind", "notes"):
        fields.pop(key)
    return fields


def _linked(files: dict[str, bytes]) -> tuple[dict[str, bytes], dict[str, str]]:
    """Docker's save of a repeated layer: the later folder's layer.tar links to the first."""
    by_content: dict[bytes, str] = {}
    kept: dict[str, bytes] = {}
    links: dict[str, str] = {}
    for name, data in files.items():
        if name.endswith("/layer.tar") and data in by_content:
            links[name] = f"../{by_content[data]}"
            continue
        if name.endswith("/layer.tar"):
            by_content[data] = name
        kept[name] = data
    return kept, links


@pytest.mark.parametrize("layout", ["legacy", "oci-blobs"])
def test_the_export_is_the_saved_archive(layout: str, engine: FakeEngine, tmp_path: Path) -> None:
    files = docker_archive_files(SPEC, layout)  # type: ignore[arg-type]
    kept, links = _linked(files) if layout == "legacy" else (files, {})
    engine.images["app:1"] = kept
    engine.links["app:1"] = links
    archive = write_tar(tmp_path / "saved.tar", files)
    streamed = inspect("docker://app:1", verify="all", cache=False)
    saved = inspect(str(archive), verify="all", cache=False)
    assert comparable(streamed) == comparable(saved)
    assert streamed.source_kind == "docker-daemon"
    assert streamed.notes[0].message == (
        f"app:1 is docker.io/library/app:1 (Docker's normalisation), image "
        f"{streamed_id(files)} in the Docker Engine at {engine_host(tmp_path)} (DOCKER_HOST)"
    )
    assert engine.requests == ["/images/app:1/json", "/images/app:1/get"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["docker.sock", "saved.tar"]


def streamed_id(files: dict[str, bytes]) -> str:
    import json

    config = json.loads(files["manifest.json"])[0]["Config"]
    return config.rsplit("/", 1)[-1].removesuffix(".json")[:12]


def engine_host(tmp_path: Path) -> str:
    return f"unix://{tmp_path / 'docker.sock'}"


def test_every_layer_is_checked_against_the_config(engine: FakeEngine) -> None:
    files = docker_archive_files(SPEC)
    name = sorted(n for n in files if n.endswith("/layer.tar"))[0]
    tampered = bytearray(files[name])
    tampered[600] ^= 0x01  # a byte of the first file's body
    engine.images["app:1"] = {**files, name: bytes(tampered)}
    with (
        open_image("docker://app:1") as image,
        pytest.raises(ImageFormatError, match="digest mismatch"),
    ):
        scan_image(image)


def test_unknown_image_and_platform(engine: FakeEngine) -> None:
    engine.images["app:1"] = docker_archive_files(SPEC)
    with pytest.raises(ImageNotFoundError, match=r"no such image in the Docker Engine at unix://"):
        open_image("docker-daemon:nope:2")
    with pytest.raises(ImageFormatError, match="the engine's image is for linux/amd64, not"):
        open_image("docker://app:1", Platform("linux", "arm64"))


def test_an_export_cut_short(engine: FakeEngine) -> None:
    engine.images["app:1"] = docker_archive_files(SPEC)
    engine.cut_export_at = 9000
    with open_image("docker://app:1") as image, pytest.raises(ImageFormatError):
        scan_image(image)


def test_no_engine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{tmp_path / 'none.sock'}")
    with pytest.raises(
        EngineError, match=r"cannot reach the Docker Engine at unix://.* no such"
    ) as info:
        open_image("docker://app:1")
    assert info.value.hint == (
        "start dockerd, or point DOCKER_HOST (or `docker context use`) at a running engine"
    )


def test_a_layer_is_read_once(engine: FakeEngine) -> None:
    engine.images["app:1"] = docker_archive_files(SPEC)
    with open_image("docker://app:1") as image:
        scanned = scan_image(image)
        with pytest.raises(ImageFormatError, match="cannot be read again") as info:
            scanned.image.layers[0].open_blob()
    assert "docker save" in (info.value.hint or "")
