"""sources: docker-archives (both layouts), OCI layouts and oci-archives yield one Image."""

from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest

from jettison.errors import ImageFormatError, ImageNotFoundError
from jettison.image.blobs import Compression
from jettison.image.model import EntryKind, HistoryEntry, Image, Platform
from jettison.image.scan import scan_image
from jettison.image.sources import open_image
from jettison.image.sources._common import _FileSlice, map_history
from support.imagewriter import (
    Faults,
    History,
    ImageSpec,
    LayerSpec,
    build_image,
    docker_archive_files,
    file,
    oci_layout_files,
    sized,
    whiteout,
    write_docker_archive,
    write_oci_archive,
    write_oci_layout,
    write_tar,
)

SPEC = ImageSpec(
    [
        LayerSpec([file("etc/os-release", "ID=test\n"), sized("usr/lib/libbig.so", 3000)]),
        LayerSpec([sized("app/model.bin", 2000), whiteout("usr/lib/libbig.so")], "gzip"),
        LayerSpec([file("app/main.py", "print('hi')\n")], "zstd"),
    ],
    history=[
        History("ADD rootfs.tar /"),
        History("ENV A=1", empty_layer=True),
        History("COPY model.bin /app/"),
        History("WORKDIR /app", empty_layer=True),
        History("COPY main.py /app/"),
        History('CMD ["python", "main.py"]', empty_layer=True),
    ],
    cmd=["python", "main.py"],
    entrypoint=["/bin/sh", "-c"],
    user="1000:1000",
    working_dir="/app",
    exposed_ports=["8080/tcp", "9090/tcp"],
    labels={"org.opencontainers.image.title": "test"},
    tag="localhost/app:v1",
)

DOCKER_LAYOUTS = ("legacy", "oci-blobs")


def write(kind: str, tmp_path: Path, spec: ImageSpec | list[ImageSpec] = SPEC, **kw: Any) -> Path:
    if kind in DOCKER_LAYOUTS:
        assert isinstance(spec, ImageSpec)
        return write_docker_archive(tmp_path / "image.tar", spec, kind, **kw)  # type: ignore[arg-type]
    if kind == "oci-layout":
        return write_oci_layout(tmp_path / "layout", spec, **kw)
    return write_oci_archive(tmp_path / "image.oci.tar", spec, **kw)


def steps(image: Image) -> list[tuple[str, int | None]]:
    return [(h.created_by, h.layer_index) for h in image.history]


def scanned_paths(image: Image) -> dict[str, int]:
    scanned = scan_image(image)
    return {e.path: e.size_bytes for e in scanned.fs.entries() if e.kind is EntryKind.FILE}


# -- every format yields the same image --------------------------------------------------------


@pytest.mark.parametrize("kind", [*DOCKER_LAYOUTS, "oci-layout", "oci-archive"])
def test_every_format_yields_the_same_image(kind: str, tmp_path: Path) -> None:
    built = build_image(SPEC)
    path = write(kind, tmp_path)
    with open_image(str(path)) as image:
        assert image.reference == str(path)
        assert image.source_kind == {"legacy": "docker-archive", "oci-blobs": "docker-archive"}.get(
            kind, kind
        )
        config = image.config
        assert (config.os, config.architecture, config.variant) == ("linux", "amd64", None)
        assert config.cmd == ("python", "main.py")
        assert config.entrypoint == ("/bin/sh", "-c")
        assert config.user == "1000:1000"
        assert config.working_dir == "/app"
        assert config.exposed_ports == ("8080/tcp", "9090/tcp")
        assert config.labels == {"org.opencontainers.image.title": "test"}
        assert config.diff_ids == built.diff_ids
        assert image.config_digest == built.config.digest
        assert [layer.index for layer in image.layers] == [0, 1, 2]
        assert [layer.diff_id for layer in image.layers] == list(built.diff_ids)
        assert [layer.stored_size_bytes for layer in image.layers] == [b.size for b in built.layers]
        if kind == "legacy":
            assert [layer.digest for layer in image.layers] == [None, None, None]
            assert all(layer.blob_ref.endswith("/layer.tar") for layer in image.layers)
        else:
            assert [layer.digest for layer in image.layers] == [b.digest for b in built.layers]
            assert [layer.blob_ref for layer in image.layers] == [b.path for b in built.layers]
        if kind in DOCKER_LAYOUTS:
            assert image.tags == ("localhost/app:v1",)
            assert image.manifest_digest is None
        else:
            assert image.tags == ("latest",)
            assert image.manifest_digest == built.manifest.digest
            assert [layer.media_type for layer in image.layers] == [
                "application/vnd.oci.image.layer.v1.tar",
                "application/vnd.oci.image.layer.v1.tar+gzip",
                "application/vnd.oci.image.layer.v1.tar+zstd",
            ]
        assert steps(image) == [
            ("ADD rootfs.tar /", 0),
            ("ENV A=1", None),
            ("COPY model.bin /app/", 1),
            ("WORKDIR /app", None),
            ("COPY main.py /app/", 2),
            ('CMD ["python", "main.py"]', None),
        ]
        assert image.created_by(1) == "COPY model.bin /app/"

        scanned = scan_image(image)
        assert [listing.compression for listing in scanned.listings] == [
            Compression.NONE,
            Compression.GZIP,
            Compression.ZSTD,
        ]
        assert all(listing.digest_verified for listing in scanned.listings)
        assert scanned_paths(image) == {
            "etc/os-release": 8,
            "app/model.bin": 2000,
            "app/main.py": 12,
        }
        assert scanned.fs.hidden_bytes() == 3000


@pytest.mark.parametrize("kind", DOCKER_LAYOUTS)
def test_transport_prefix_and_tag(kind: str, tmp_path: Path) -> None:
    path = write(kind, tmp_path)
    for reference in (f"docker-archive:{path}", f"docker-archive:{path}:localhost/app:v1"):
        with open_image(reference) as image:
            assert image.tags == ("localhost/app:v1",)


def test_oci_transports(tmp_path: Path) -> None:
    layout = write("oci-layout", tmp_path)
    archive = write("oci-archive", tmp_path)
    with open_image(f"oci:{layout}") as image:
        assert image.source_kind == "oci-layout"
    with open_image(f"oci:{layout}:latest") as image:
        assert image.tags == ("latest",)
    with open_image(f"oci-archive:{archive}:latest") as image:
        assert image.source_kind == "oci-archive"


# -- several images in one docker-archive ------------------------------------------------------


def _two_image_archive(tmp_path: Path) -> Path:
    first = ImageSpec([LayerSpec([sized("first", 100)])], tag="localhost/first:1.0")
    second = ImageSpec([LayerSpec([sized("second", 200)])], tag="docker.io/library/second:latest")
    files = {**docker_archive_files(first), **docker_archive_files(second)}
    manifests = [
        *json.loads(docker_archive_files(first)["manifest.json"]),
        *json.loads(docker_archive_files(second)["manifest.json"]),
    ]
    files["manifest.json"] = json.dumps(manifests).encode()
    return write_tar(tmp_path / "two.tar", files)


def test_several_images_need_a_tag(tmp_path: Path) -> None:
    path = _two_image_archive(tmp_path)
    with pytest.raises(ImageFormatError, match="holds 2 images") as info:
        open_image(str(path))
    assert info.value.hint == (
        f"choose one with docker-archive:{path}:TAG "
        "(tags: localhost/first:1.0, docker.io/library/second:latest)"
    )


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("localhost/first:1.0", {"first": 100}),
        ("docker.io/library/second:latest", {"second": 200}),
        ("second:latest", {"second": 200}),  # the short form of a docker.io name
        ("library/second:latest", {"second": 200}),
    ],
)
def test_several_images_by_tag(tag: str, expected: dict[str, int], tmp_path: Path) -> None:
    path = _two_image_archive(tmp_path)
    with open_image(f"docker-archive:{path}:{tag}") as image:
        assert scanned_paths(image) == expected


def test_several_images_unknown_tag(tmp_path: Path) -> None:
    path = _two_image_archive(tmp_path)
    with pytest.raises(ImageFormatError, match="no image tagged 'third:1' in the archive"):
        open_image(f"docker-archive:{path}:third:1")


def test_transport_with_a_missing_path_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "missing.tar"
    with pytest.raises(ImageNotFoundError, match=f"{missing} does not exist$"):
        open_image(f"docker-archive:{missing}:repo/app:v1")


# -- multi-platform indexes --------------------------------------------------------------------

AMD64 = ImageSpec([LayerSpec([sized("amd64-only", 64)])])
ARM64 = ImageSpec([LayerSpec([sized("arm64-only", 128)])], architecture="arm64", variant="v8")


@pytest.mark.parametrize("kind", ["oci-layout", "oci-archive"])
def test_platform_choice(kind: str, tmp_path: Path) -> None:
    path = write(kind, tmp_path, [ARM64, AMD64])
    with open_image(str(path)) as image:  # default: linux/amd64, wherever it is listed
        assert image.config.architecture == "amd64"
        assert scanned_paths(image) == {"amd64-only": 64}
    for text in ("linux/arm64", "linux/arm64/v8"):
        with open_image(str(path), Platform.parse(text)) as image:
            assert (image.config.architecture, image.config.variant) == ("arm64", "v8")
            assert scanned_paths(image) == {"arm64-only": 128}


@pytest.mark.parametrize("kind", ["oci-layout", "oci-archive"])
def test_missing_platform_lists_the_available_ones(kind: str, tmp_path: Path) -> None:
    path = write(kind, tmp_path, [ARM64, AMD64])
    with pytest.raises(ImageFormatError, match=r"no image for platform linux/s390x$") as info:
        open_image(str(path), Platform("linux", "s390x"))
    assert info.value.hint == "available: linux/arm64/v8, linux/amd64; choose with --platform"
    with pytest.raises(ImageFormatError, match="no image for platform linux/arm64/v7"):
        open_image(str(path), Platform.parse("linux/arm64/v7"))


def test_an_index_with_one_image_gives_it_and_says_which(tmp_path: Path) -> None:
    path = write("oci-layout", tmp_path, [ARM64], nested_index=True)
    with open_image(str(path)) as image:  # not linux/amd64, but the only image there is
        assert scanned_paths(image) == {"arm64-only": 128}
        assert [note.message for note in image.notes] == [
            "the index holds one image, for linux/arm64/v8 (not linux/amd64): read it"
        ]
    with pytest.raises(ImageFormatError, match="no image for platform linux/amd64") as info:
        open_image(str(path), Platform("linux", "amd64"))  # asked for: not another one
    assert info.value.hint == "available: linux/arm64/v8; choose with --platform"


def test_an_index_of_several_says_which_platform_was_read(tmp_path: Path) -> None:
    path = write("oci-layout", tmp_path, [ARM64, AMD64])
    with open_image(str(path)) as image:
        assert [note.message for note in image.notes] == [
            "the index holds 2 images (linux/arm64/v8, linux/amd64): read linux/amd64"
        ]


@pytest.mark.parametrize("text", ["linux", "linux/", "/amd64", "a/b/c/d", "", "linux//v8"])
def test_platform_parse_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError, match="platform must look like os/arch"):
        Platform.parse(text)


def test_nested_index(tmp_path: Path) -> None:
    path = write("oci-layout", tmp_path, AMD64, nested_index=True)
    index = json.loads((path / "index.json").read_bytes())
    assert index["manifests"][0]["mediaType"] == "application/vnd.oci.image.index.v1+json"
    with open_image(str(path)) as image:
        assert scanned_paths(image) == {"amd64-only": 64}
        assert image.tags == ("latest",)


def test_index_loop_is_refused(tmp_path: Path) -> None:
    layout = tmp_path / "layout"
    layout.mkdir()
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    # An index cannot name itself by digest, but a chain deeper than any real one is refused.
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    inner = json.dumps({"schemaVersion": 2, "manifests": []}).encode()
    for _ in range(6):
        digest = hashlib.sha256(inner).hexdigest()
        (blobs / digest).write_bytes(inner)
        desc = {
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": f"sha256:{digest}",
            "size": len(inner),
        }
        inner = json.dumps({"schemaVersion": 2, "manifests": [desc]}).encode()
    (layout / "index.json").write_bytes(inner)
    with pytest.raises(ImageFormatError, match="image indexes nest too deeply"):
        open_image(str(layout))


def _two_named_layout(tmp_path: Path) -> Path:
    one = ImageSpec([LayerSpec([sized("one", 1)])])
    two = ImageSpec([LayerSpec([sized("two", 2)])])
    files_one = oci_layout_files(one, ref_name="v1")
    files_two = oci_layout_files(two, ref_name="v2")
    manifests = [
        *json.loads(files_one["index.json"])["manifests"],
        *json.loads(files_two["index.json"])["manifests"],
    ]
    files = {**files_one, **files_two}
    files["index.json"] = json.dumps({"schemaVersion": 2, "manifests": manifests}).encode()
    root = tmp_path / "named"
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def test_ref_name_annotation_selects_the_image(tmp_path: Path) -> None:
    root = _two_named_layout(tmp_path)
    with open_image(f"oci:{root}:v2") as image:
        assert image.tags == ("v2",)
        assert scanned_paths(image) == {"two": 2}
    with open_image(f"oci:{root}:v1") as image:
        assert scanned_paths(image) == {"one": 1}


def test_unknown_ref_name_lists_the_names(tmp_path: Path) -> None:
    root = _two_named_layout(tmp_path)
    with pytest.raises(ImageFormatError, match=r"index\.json: no image named 'v3'") as info:
        open_image(f"oci:{root}:v3")
    assert info.value.hint == "names in this layout: v1, v2"


def test_several_images_without_platforms_need_a_name(tmp_path: Path) -> None:
    root = _two_named_layout(tmp_path)
    index = json.loads((root / "index.json").read_bytes())
    for desc in index["manifests"]:
        del desc["platform"]
    (root / "index.json").write_text(json.dumps(index))
    with pytest.raises(ImageFormatError, match="holds 2 images without platform information"):
        open_image(str(root))
    with open_image(f"oci:{root}:v1") as image:
        assert scanned_paths(image) == {"one": 1}


# -- history ---------------------------------------------------------------------------------


def _history(*entries: tuple[str, bool]) -> list[dict[str, Any]]:
    return [{"created_by": text, "empty_layer": empty} for text, empty in entries]


def test_history_with_empty_layers() -> None:
    history = _history(("FROM", False), ("ENV", True), ("RUN a", False), ("LABEL", True))
    assert [h.layer_index for h in map_history(history, 2)] == [0, None, 1, None]


def test_history_shorter_than_layers_pairs_from_the_top() -> None:
    history = _history(("RUN top", False), ("CMD", True))
    assert [(h.created_by, h.layer_index) for h in map_history(history, 3)] == [
        ("RUN top", 2),
        ("CMD", None),
    ]


def test_history_longer_than_layers_leaves_the_oldest_unpaired() -> None:
    history = _history(("a", False), ("b", False), ("c", False))
    assert [h.layer_index for h in map_history(history, 2)] == [None, 0, 1]


def test_history_fields() -> None:
    raw = [{"created_by": "RUN x", "created": "2024-01-01T00:00:00Z", "comment": "buildkit"}]
    assert map_history(raw, 1) == (
        HistoryEntry("RUN x", "2024-01-01T00:00:00Z", "buildkit", False, 0),
    )


@pytest.mark.parametrize("kind", [*DOCKER_LAYOUTS, "oci-layout"])
def test_image_without_history(kind: str, tmp_path: Path) -> None:
    spec = ImageSpec([LayerSpec([file("a")]), LayerSpec([file("b")])], history=[])
    with open_image(str(write(kind, tmp_path, spec))) as image:
        assert image.history == ()
        assert image.created_by(0) is None


@pytest.mark.parametrize("kind", [*DOCKER_LAYOUTS, "oci-archive"])
def test_short_history_in_a_real_image(kind: str, tmp_path: Path) -> None:
    spec = ImageSpec(
        [LayerSpec([file("a")]), LayerSpec([file("b")]), LayerSpec([file("c")])],
        history=[History("COPY c /", False), History("USER 1000", True)],
    )
    with open_image(str(write(kind, tmp_path, spec))) as image:
        assert steps(image) == [("COPY c /", 2), ("USER 1000", None)]


# -- damaged images --------------------------------------------------------------------------


def _rewrite(path: Path, change: dict[str, Any]) -> None:
    data = json.loads(path.read_bytes())
    data.update(change)
    path.write_text(json.dumps(data))


def test_oci_config_digest_mismatch(tmp_path: Path) -> None:
    path = write("oci-layout", tmp_path)
    built = build_image(SPEC)
    _rewrite(path / built.config.path, {"architecture": "arm64"})
    with pytest.raises(
        ImageFormatError, match=r"image config .* digest mismatch: expected "
    ) as info:
        open_image(str(path))
    assert info.value.hint == "the image is damaged or was modified after it was written"


def test_oci_manifest_digest_mismatch(tmp_path: Path) -> None:
    path = write("oci-layout", tmp_path)
    built = build_image(SPEC)
    _rewrite(path / built.manifest.path, {"annotations": {"x": "y"}})
    with pytest.raises(ImageFormatError, match=r"manifest .* digest mismatch"):
        open_image(str(path))


@pytest.mark.parametrize("kind", DOCKER_LAYOUTS)
def test_docker_config_digest_mismatch(kind: str, tmp_path: Path) -> None:
    built = build_image(SPEC)
    files = docker_archive_files(SPEC, kind)  # type: ignore[arg-type]
    config_name = f"{built.config.hex}.json" if kind == "legacy" else built.config.path
    files[config_name] = files[config_name].replace(b'"amd64"', b'"arm64"')
    path = write_tar(tmp_path / "x.tar", files)
    with pytest.raises(ImageFormatError, match=r"image config .* digest mismatch"):
        open_image(str(path))


def test_oci_manifest_that_is_not_one(tmp_path: Path) -> None:
    path = write("oci-layout", tmp_path)
    built = build_image(SPEC)
    manifest = json.loads((path / built.manifest.path).read_bytes())
    manifest["config"] = "not a descriptor"
    data = json.dumps(manifest).encode()
    digest = hashlib.sha256(data).hexdigest()
    (path / "blobs" / "sha256" / digest).write_bytes(data)
    index = json.loads((path / "index.json").read_bytes())
    index["manifests"][0]["digest"] = f"sha256:{digest}"
    (path / "index.json").write_text(json.dumps(index))
    with pytest.raises(ImageFormatError, match="is not an image manifest"):
        open_image(str(path))


@pytest.mark.parametrize("kind", [*DOCKER_LAYOUTS, "oci-layout", "oci-archive"])
def test_manifest_naming_a_missing_layer_blob(kind: str, tmp_path: Path) -> None:
    path = write(kind, tmp_path, faults=Faults(missing_blob=frozenset({1})))
    with pytest.raises(ImageFormatError, match="missing") as info:
        open_image(str(path))
    assert "export the image again" in (info.value.hint or "")


@pytest.mark.parametrize("kind", [*DOCKER_LAYOUTS, "oci-layout", "oci-archive"])
def test_missing_config(kind: str, tmp_path: Path) -> None:
    path = write(kind, tmp_path, faults=Faults(missing_config=True))
    with pytest.raises(ImageFormatError, match="missing"):
        open_image(str(path))


@pytest.mark.parametrize("kind", ["oci-layout", "oci-archive"])
def test_descriptor_size_mismatch(kind: str, tmp_path: Path) -> None:
    built = build_image(SPEC)
    path = write(kind, tmp_path, faults=Faults(truncate={2: 10}))
    with pytest.raises(
        ImageFormatError,
        match=rf"layer 2 blob {built.layers[2].digest} is 10 bytes, the manifest says "
        rf"{built.layers[2].size}$",
    ):
        open_image(str(path))


@pytest.mark.parametrize("kind", [*DOCKER_LAYOUTS, "oci-layout", "oci-archive"])
def test_wrong_layer_digest_is_found_when_reading(kind: str, tmp_path: Path) -> None:
    path = write(kind, tmp_path, faults=Faults(wrong_digest=frozenset({0})))
    with open_image(str(path)) as image, pytest.raises(ImageFormatError, match="digest mismatch"):
        scan_image(image)
    with open_image(str(path)) as image:
        assert "usr/lib/libbig.so" not in scanned_paths_unverified(image)


def scanned_paths_unverified(image: Image) -> dict[str, int]:
    scanned = scan_image(image, verify=False)
    return {e.path: e.size_bytes for e in scanned.fs.entries() if e.kind is EntryKind.FILE}


def test_layer_count_mismatch(tmp_path: Path) -> None:
    files = docker_archive_files(SPEC)
    manifest = json.loads(files["manifest.json"])
    manifest[0]["Layers"] = manifest[0]["Layers"][:2]
    files["manifest.json"] = json.dumps(manifest).encode()
    path = write_tar(tmp_path / "x.tar", files)
    with pytest.raises(ImageFormatError, match="the config lists 3 layers but the manifest 2"):
        open_image(str(path))


# -- what is not an image --------------------------------------------------------------------


def test_directory_that_is_not_a_layout(tmp_path: Path) -> None:
    with pytest.raises(ImageFormatError, match="is a directory but not an OCI image layout"):
        open_image(str(tmp_path))


def test_nonexistent_path(tmp_path: Path) -> None:
    with pytest.raises(ImageNotFoundError, match="no such file, directory or image"):
        open_image(str(tmp_path / "nope.tar"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "an empty file, not a tar archive"),
        (b"hello, world\n" * 100, r"not a tar archive \(nor a gzip, bzip2 or xz compressed one\)"),
    ],
)
def test_files_that_are_not_tars(content: bytes, message: str, tmp_path: Path) -> None:
    path = tmp_path / "x.tar"
    path.write_bytes(content)
    for reference in (str(path), f"docker-archive:{path}", f"oci-archive:{path}"):
        with pytest.raises(ImageFormatError, match=message) as info:
            open_image(reference)
        assert "\n" not in str(info.value)


def test_plain_root_filesystem_tar(tmp_path: Path) -> None:
    path = write_tar(tmp_path / "rootfs.tar", {"etc/passwd": b"root:x:0:0::/root:/bin/sh\n"})
    with pytest.raises(ImageFormatError, match=r"without manifest\.json or index\.json") as info:
        open_image(str(path))
    assert (
        info.value.hint == "import it first (`buildah import`/`docker import`), then save the image"
    )


def test_empty_tar(tmp_path: Path) -> None:
    path = write_tar(tmp_path / "empty.tar", {})
    with pytest.raises(ImageFormatError, match="an empty tar archive, not an image"):
        open_image(str(path))


@pytest.mark.parametrize("kind", DOCKER_LAYOUTS)
def test_truncated_archive(kind: str, tmp_path: Path) -> None:
    """Every cut gives one clean error, or - when all the image needs survived the cut (an
    archive ends with small files a reader can do without) - an image that reads fine."""
    source = write(kind, tmp_path)
    whole = source.read_bytes()
    config = build_image(SPEC).config
    with tarfile.open(source) as tar:
        (config_member,) = [
            m
            for m in tar.getmembers()
            if m.name.endswith(config.hex) or m.name == f"{config.hex}.json"
        ]
    needed_end = config_member.offset_data + config_member.size  # layers and config come first
    errors = set()
    for cut in range(100, len(whole), 256):
        path = tmp_path / "cut.tar"
        path.write_bytes(whole[:cut])
        try:
            with open_image(str(path)) as image:
                scan_image(image)
        except ImageFormatError as exc:
            message = str(exc)
            assert "\n" not in message
            assert "plain root filesystem" not in message  # a cut archive is not a rootfs
            errors.add(message.split(": ", 1)[1])
        else:
            assert cut >= needed_end
    assert any("cut short" in m for m in errors)
    assert any("unexpected end of data" in m for m in errors)


def test_empty_image(tmp_path: Path) -> None:
    for kind in (*DOCKER_LAYOUTS, "oci-layout"):
        (tmp_path / kind).mkdir()
        with open_image(str(write(kind, tmp_path / kind, ImageSpec([])))) as image:
            assert image.layers == ()
            assert scan_image(image).fs.total_bytes() == 0


def test_a_file_slice_reads_at_a_position_without_moving(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(b"headerABCDEFGHIJtrailer")
    piece = _FileSlice(path, 6, 10)  # "ABCDEFGHIJ"
    try:
        buffer = memoryview(bytearray(4))
        assert piece.pread_into(buffer, 2) == 4
        assert bytes(buffer) == b"CDEF"
        assert piece.pread_into(buffer, 8) == 2  # the slice ends before the file does
        assert bytes(buffer[:2]) == b"IJ"
        assert piece.pread_into(buffer, 10) == 0
        assert piece.pread_into(buffer, -1) == 0
        assert piece.pread(3, 7) == b"HIJ"
        assert piece.pread(5, 8) == b"IJ"
        assert piece.pread(5, 10) == b""
        assert piece.read(3) == b"ABC"  # the stream position was not moved
    finally:
        piece.close()
