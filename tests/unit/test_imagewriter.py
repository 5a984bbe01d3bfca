"""Sanity checks of the test image writer: what it writes is a well-formed image."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import zstandard

from support.imagewriter import (
    MEDIA_INDEX,
    MEDIA_LAYER,
    MEDIA_MANIFEST,
    Faults,
    History,
    ImageSpec,
    LayerSpec,
    directory,
    file,
    hardlink,
    opaque,
    pax_global,
    sized,
    symlink,
    whiteout,
    write_docker_archive,
    write_oci_archive,
    write_oci_layout,
)

SPEC = ImageSpec(
    [
        LayerSpec([directory("app"), file("app/main.py", "print(1)\n"), symlink("bin", "app")]),
        LayerSpec([sized("app/model.bin", 3000), whiteout("app/main.py")], compression="gzip"),
        LayerSpec([opaque("app"), hardlink("app/copy", "app/model.bin")], compression="zstd"),
    ],
    history=[
        History("ADD rootfs /"),
        History("ENV A=1", empty_layer=True),
        History("COPY model"),
        History("RUN rm"),
    ],
    cmd=["python", "app/main.py"],
    user="1000",
    working_dir="/app",
    exposed_ports=["8080/tcp"],
)


def _sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _uncompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    return data


def _members(tar_bytes: bytes) -> list[tarfile.TarInfo]:
    with tarfile.open(
        fileobj=io.BytesIO(tar_bytes), encoding="utf-8", errors="surrogateescape"
    ) as tar:
        return tar.getmembers()


def _layout_blobs(root: Path) -> dict[str, bytes]:
    return {f"sha256:{p.name}": p.read_bytes() for p in (root / "blobs" / "sha256").iterdir()}


def _json(data: bytes) -> Any:
    return json.loads(data)


def test_oci_layout_digests_sizes_and_media_types(tmp_path: Path) -> None:
    root = write_oci_layout(tmp_path / "layout", SPEC)
    blobs = _layout_blobs(root)
    assert all(_sha(data) == digest for digest, data in blobs.items())
    assert _json((root / "oci-layout").read_bytes()) == {"imageLayoutVersion": "1.0.0"}

    index = _json((root / "index.json").read_bytes())
    assert index["schemaVersion"] == 2
    (descriptor,) = index["manifests"]
    assert descriptor["mediaType"] == MEDIA_MANIFEST
    manifest_bytes = blobs[descriptor["digest"]]
    assert descriptor["size"] == len(manifest_bytes)

    manifest = _json(manifest_bytes)
    config = _json(blobs[manifest["config"]["digest"]])
    assert [layer["mediaType"] for layer in manifest["layers"]] == [
        MEDIA_LAYER["none"],
        MEDIA_LAYER["gzip"],
        MEDIA_LAYER["zstd"],
    ]
    for layer, diff_id in zip(manifest["layers"], config["rootfs"]["diff_ids"], strict=True):
        stored = blobs[layer["digest"]]
        assert layer["size"] == len(stored)
        assert _sha(_uncompress(stored)) == diff_id

    assert config["config"]["Cmd"] == ["python", "app/main.py"]
    assert config["config"]["User"] == "1000"
    assert config["config"]["ExposedPorts"] == {"8080/tcp": {}}
    assert [h.get("empty_layer", False) for h in config["history"]] == [
        False,
        True,
        False,
        False,
    ]


def test_multi_platform_layout_has_an_image_index(tmp_path: Path) -> None:
    arm = ImageSpec(SPEC.layers[:1], architecture="arm64", variant="v8")
    root = write_oci_layout(tmp_path / "layout", [SPEC, arm])
    blobs = _layout_blobs(root)
    (top,) = _json((root / "index.json").read_bytes())["manifests"]
    assert top["mediaType"] == MEDIA_INDEX
    assert top["annotations"]["org.opencontainers.image.ref.name"] == "latest"
    nested = _json(blobs[top["digest"]])
    platforms = [m["platform"] for m in nested["manifests"]]
    assert platforms == [
        {"os": "linux", "architecture": "amd64"},
        {"os": "linux", "architecture": "arm64", "variant": "v8"},
    ]


def test_oci_archive_holds_the_same_layout(tmp_path: Path) -> None:
    archive = write_oci_archive(tmp_path / "image.tar", SPEC)
    write_oci_layout(tmp_path / "layout", SPEC)
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    on_disk = {
        str(p.relative_to(tmp_path / "layout"))
        for p in (tmp_path / "layout").rglob("*")
        if p.is_file()
    }
    assert names == on_disk


@pytest.mark.parametrize("layout", ["legacy", "oci-blobs"])
def test_docker_archive_manifest_names_present_files(tmp_path: Path, layout: str) -> None:
    archive = write_docker_archive(tmp_path / "image.tar", SPEC, layout)  # type: ignore[arg-type]
    with tarfile.open(archive) as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}  # type: ignore[union-attr]
    (entry,) = _json(files["manifest.json"])
    config = _json(files[entry["Config"]])
    assert len(entry["Layers"]) == len(config["rootfs"]["diff_ids"]) == 3
    for path, diff_id in zip(entry["Layers"], config["rootfs"]["diff_ids"], strict=True):
        assert _sha(_uncompress(files[path])) == diff_id
    if layout == "legacy":
        assert all(p.endswith("/layer.tar") for p in entry["Layers"])
        assert "repositories" in files
    else:
        assert all(p.startswith("blobs/sha256/") for p in entry["Layers"])
        assert {"index.json", "oci-layout"} <= files.keys()
        assert all(_sha(files[p]) == "sha256:" + p.rsplit("/", 1)[1] for p in entry["Layers"])


def test_layer_entries_are_written_verbatim(tmp_path: Path) -> None:
    spec = ImageSpec(
        [
            LayerSpec(
                [
                    pax_global({"comment": "from git"}),
                    sized("../escape", 2),
                    sized("/abs/file", 3),
                    file(b"caf\xe9", b"x"),
                    hardlink("link", "abs/file", header_size=3),
                    sized("dup", 1),
                    sized("dup", 2),
                ]
            )
        ]
    )
    archive = write_docker_archive(tmp_path / "image.tar", spec)
    with tarfile.open(archive) as tar:
        (layer,) = [m for m in tar if m.name.endswith("layer.tar")]
        data = tar.extractfile(layer).read()  # type: ignore[union-attr]
    assert b"comment=from git" in data  # the global header's record
    members = _members(data)
    assert [m.name for m in members] == [
        "../escape",
        "/abs/file",
        "caf\udce9",
        "link",
        "dup",
        "dup",
    ]
    assert members[3].islnk() and members[3].size == 3
    assert [m.size for m in members[-2:]] == [1, 2]


def test_faults_break_what_they_name(tmp_path: Path) -> None:
    good = _layout_blobs(write_oci_layout(tmp_path / "good", SPEC))
    faults = Faults(wrong_digest=frozenset({0}), missing_blob=frozenset({1}), truncate={2: 10})
    root = write_oci_layout(tmp_path / "bad", SPEC, faults=faults)
    bad = _layout_blobs(root)
    manifest = _json(next(d for d in good.values() if b'"layers"' in d))
    first, second, third = (layer["digest"] for layer in manifest["layers"])
    assert _sha(bad[first]) != first  # stored under its digest, content changed
    assert second not in bad
    assert len(bad[third]) == 10
