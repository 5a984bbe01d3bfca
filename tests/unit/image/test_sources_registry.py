"""registry://: the image a registry serves is the image its OCI layout holds, read once.

A scripted registry on loopback (:mod:`support.fake_registry`) serves layouts written by
:mod:`support.imagewriter`; the real registry is in ``tests/integration/test_registry.py``.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from jettison.errors import ImageFormatError, ImageNotFoundError, NotAnImageError, RegistryError
from jettison.image.distribution import client as client_module
from jettison.image.model import Platform
from jettison.image.scan import scan_image
from jettison.image.sources import open_image
from jettison.image.sources.registry import layer_blobs
from jettison.inspect.core import inspect
from support.fake_registry import FakeRegistry, serve
from support.imagewriter import (
    ImageSpec,
    LayerSpec,
    build_image,
    file,
    oci_layout_files,
    sized,
    whiteout,
    write_oci_layout,
)

SPEC = ImageSpec(
    [
        LayerSpec([file("etc/os-release", "ID=test\n"), sized("usr/lib/libbig.so", 30_000)]),
        LayerSpec([sized("app/model.bin", 20_000), whiteout("usr/lib/libbig.so")], "gzip"),
        LayerSpec([file("app/main.py", "print('hi')\n")], "zstd"),
    ],
    cmd=["python", "/app/main.py"],
)
AMD64 = ImageSpec([LayerSpec([sized("amd64-only", 64)], "gzip")])
ARM64 = ImageSpec(
    [LayerSpec([sized("arm64-only", 128)], "gzip")], architecture="arm64", variant="v8"
)


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(client_module, "sleep", waits.append)
    return waits


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeRegistry, str]]:
    fake = FakeRegistry(oci_layout_files(SPEC, ref_name="1"))
    with serve(monkeypatch, fake) as host:
        yield fake, host


def comparable(report: object) -> dict[str, object]:
    """A report's fields but where it was read from."""
    fields = dataclasses.asdict(report)  # type: ignore[call-overload]
    for key in ("reference", "source_kind", "tags"):
        fields.pop(key)
    return fields


def test_reads_the_image_its_layout_holds(
    registry: tuple[FakeRegistry, str], tmp_path: Path
) -> None:
    fake, host = registry
    layout = write_oci_layout(tmp_path / "layout", SPEC, ref_name="1")
    from_registry = inspect(f"registry://{host}/fx:1", cache=False, verify="all")
    from_layout = inspect(f"oci:{layout}", cache=False, verify="all")
    assert comparable(from_registry) == comparable(from_layout)
    assert from_registry.source_kind == "registry"
    assert from_registry.tags == (f"{host}/fx:1",)
    assert [layer.compressed_bytes for layer in from_registry.layers][1:] == [
        layer.compressed_bytes for layer in from_layout.layers
    ][1:]
    # every blob was asked for once: manifest, config, three layers (and the ping)
    paths = [entry.path for entry in fake.log]
    assert paths[0] == "/v2/"
    assert sorted(set(paths)) == sorted(paths)


def test_by_digest_and_the_image_digests(registry: tuple[FakeRegistry, str]) -> None:
    _fake, host = registry
    built = build_image(SPEC)
    with open_image(f"registry://{host}/fx@{built.manifest.digest}") as image:
        assert image.manifest_digest == built.manifest.digest
        assert image.config_digest == built.config.digest
        assert [layer.digest for layer in image.layers] == [b.digest for b in built.layers]
        assert image.tags == ()


def test_platform_from_an_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = FakeRegistry(oci_layout_files([ARM64, AMD64], ref_name="multi"))
    layout = write_oci_layout(tmp_path / "layout", [ARM64, AMD64], ref_name="multi")
    with serve(monkeypatch, fake) as host:
        for platform in (None, Platform.parse("linux/arm64")):
            remote = inspect(f"registry://{host}/fx:multi", platform=platform, cache=False)
            local = inspect(f"oci:{layout}", platform=platform, cache=False)
            assert comparable(remote) == comparable(local)
        assert remote.platform == "linux/arm64/v8"
        assert [note.message for note in remote.notes] == [
            "the index holds 2 images (linux/arm64/v8, linux/amd64): read linux/arm64"
        ]
        with pytest.raises(ImageFormatError, match="no image for platform linux/s390x"):
            open_image(f"registry://{host}/fx:multi", Platform("linux", "s390x"))


def test_an_index_of_one_image_for_another_platform(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeRegistry(oci_layout_files([ARM64], nested_index=True, ref_name="arm"))
    with serve(monkeypatch, fake) as host:
        report = inspect(f"registry://{host}/fx:arm", cache=False)
    assert report.platform == "linux/arm64/v8"
    assert [note.message for note in report.notes] == [
        "the index holds one image, for linux/arm64/v8 (not linux/amd64): read it"
    ]


def test_a_tag_of_one_image_refuses_another_platform(registry: tuple[FakeRegistry, str]) -> None:
    _fake, host = registry
    with pytest.raises(ImageFormatError, match=r"is an image for linux/amd64, not linux/arm64"):
        open_image(f"registry://{host}/fx:1", Platform("linux", "arm64"))


def test_layers_stream_and_are_checked(registry: tuple[FakeRegistry, str]) -> None:
    fake, host = registry
    built = build_image(SPEC)
    files = dict(fake.files)
    tampered = bytearray(built.layers[2].data)
    tampered[-3] ^= 0xFF
    files[f"blobs/sha256/{built.layers[2].hex}"] = bytes(tampered)
    fake.files = files
    with (
        open_image(f"registry://{host}/fx:1") as image,
        pytest.raises(ImageFormatError, match=r"layer 2 .*(digest mismatch|corrupt zstd)"),
    ):
        scan_image(image)


def test_a_dropped_blob_resumes_where_it_stopped(registry: tuple[FakeRegistry, str]) -> None:
    fake, host = registry
    built = build_image(SPEC)
    fake.cut_blobs = {built.layers[0].digest: 10_000}
    fake.cut_times = 1
    with open_image(f"registry://{host}/fx:1") as image:
        listing = scan_image(image).listings[0]
    assert listing.digest_verified
    ranges = [e.headers.get("Range") for e in fake.log if built.layers[0].hex in e.path]
    assert ranges == [None, "bytes=10000-"]


def test_a_blob_cut_short_every_time(registry: tuple[FakeRegistry, str]) -> None:
    fake, host = registry
    built = build_image(SPEC)
    fake.cut_blobs = {built.layers[0].digest: 10_000}
    with (
        open_image(f"registry://{host}/fx:1") as image,
        pytest.raises(RegistryError, match=r"cut short: 10000 of \d+ bytes arrived") as info,
    ):
        scan_image(image)
    assert info.value.hint == "the registry or the network dropped the transfer; try again"


def test_a_registry_without_ranges_is_read_again_from_the_start(
    registry: tuple[FakeRegistry, str],
) -> None:
    fake, host = registry
    built = build_image(SPEC)
    fake.cut_blobs = {built.layers[0].digest: 10_000}
    fake.cut_times = 1
    fake.ranges = False
    with open_image(f"registry://{host}/fx:1") as image:
        assert scan_image(image).listings[0].digest_verified


def test_wrong_manifest_digest(registry: tuple[FakeRegistry, str]) -> None:
    fake, host = registry
    fake.wrong_manifest_digest = True
    with pytest.raises(RegistryError, match="manifest 1: digest mismatch: the registry says"):
        open_image(f"registry://{host}/fx:1")


def test_unknown_tag_and_repository(registry: tuple[FakeRegistry, str]) -> None:
    _fake, host = registry
    with pytest.raises(ImageNotFoundError, match=r"fx: manifest 2 not found .*MANIFEST_UNKNOWN"):
        open_image(f"registry://{host}/fx:2")
    with pytest.raises(ImageNotFoundError, match="NAME_UNKNOWN") as info:
        open_image(f"registry://{host}/nope:1")
    assert (
        info.value.hint == f"check the repository and tag (`skopeo list-tags docker://{host}/nope`)"
    )


def test_bad_references() -> None:
    with pytest.raises(ImageNotFoundError, match="is not an image reference") as info:
        open_image("registry://127.0.0.1:5000/UPPER:1")
    assert "registry://HOST[:PORT]/REPOSITORY" in (info.value.hint or "")


def _artifact_layout(config_type: str, artifact_type: str | None = None) -> dict[str, bytes]:
    """A layout whose one manifest is an artifact's: a config blob and a chart or weights."""
    files = oci_layout_files(AMD64, ref_name="art")
    payload = b"weights" * 100
    blobs = {
        "config": b"{}",
        "payload": payload,
    }
    import hashlib

    digests = {name: "sha256:" + hashlib.sha256(data).hexdigest() for name, data in blobs.items()}
    for name, data in blobs.items():
        files["blobs/sha256/" + digests[name].split(":")[1]] = data
    manifest: dict[str, object] = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": config_type, "digest": digests["config"], "size": 2},
        "layers": [
            {
                "mediaType": "application/octet-stream",
                "digest": digests["payload"],
                "size": len(payload),
                "annotations": {"org.opencontainers.image.title": "model.safetensors"},
            }
        ],
    }
    if artifact_type:
        manifest["artifactType"] = artifact_type
    data = json.dumps(manifest).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    files["blobs/sha256/" + digest.split(":")[1]] = data
    index = json.loads(files["index.json"])
    index["manifests"][0]["digest"] = digest
    index["manifests"][0]["size"] = len(data)
    files["index.json"] = json.dumps(index).encode()
    return files


@pytest.mark.parametrize(
    ("config_type", "artifact_type", "kind"),
    [
        ("application/vnd.cncf.helm.config.v1+json", None, "a Helm chart"),
        ("application/vnd.oci.empty.v1+json", "application/vnd.cnai.model.manifest.v1+json",
         "a model (CNCF ModelPack)"),
    ],
)  # fmt: skip
def test_an_artifact_is_listed_not_read(
    config_type: str, artifact_type: str | None, kind: str, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    files = _artifact_layout(config_type, artifact_type)
    with serve(monkeypatch, FakeRegistry(files)) as host, pytest.raises(NotAnImageError) as info:
        open_image(f"registry://{host}/fx:art")
    message = str(info.value)
    assert f"is not a container image but {kind}" in message
    assert "it holds model.safetensors (700 B, application/octet-stream)" in message
    layout = tmp_path / "layout"
    for name, data in files.items():
        (layout / name).parent.mkdir(parents=True, exist_ok=True)
        (layout / name).write_bytes(data)
    with pytest.raises(NotAnImageError, match=re.escape(f"but {kind}")):
        open_image(f"oci:{layout}")


def _with_layer_size(files: dict[str, bytes], size: object) -> dict[str, bytes]:
    """``files`` whose one manifest gives its first layer ``size`` (re-digested)."""
    import hashlib

    index = json.loads(files["index.json"])
    old = index["manifests"][0]["digest"]
    manifest = json.loads(files["blobs/sha256/" + old.split(":")[1]])
    manifest["layers"][0]["size"] = size
    data = json.dumps(manifest).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    files["blobs/sha256/" + digest.split(":")[1]] = data
    index["manifests"][0]["digest"] = digest
    index["manifests"][0]["size"] = len(data)
    files["index.json"] = json.dumps(index).encode()
    return files


@pytest.mark.parametrize("size", ["12 bytes", None, [1], -5, 1.5, True])
def test_layer_blobs_refuse_a_layer_size_that_is_no_count(
    size: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = _with_layer_size(oci_layout_files(AMD64, ref_name="1"), size)
    with (
        serve(monkeypatch, FakeRegistry(files)) as host,
        pytest.raises(ImageFormatError, match=r"layer 0's descriptor has no digest or size$"),
    ):
        layer_blobs(f"{host}/fx:1")


def test_layer_blobs_are_what_the_manifest_lists(registry: tuple[FakeRegistry, str]) -> None:
    fake, host = registry
    blobs = layer_blobs(f"{host}/fx:1")
    assert len(blobs) == 3
    assert all(fake.blob(digest) is not None and len(fake.blob(digest) or b"") == size
               for digest, size in blobs)  # fmt: skip
