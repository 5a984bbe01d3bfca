"""A tiny writer of real container images for tests: docker-archive, OCI layout, oci-archive.

An image is declared as data (:class:`ImageSpec` with :class:`LayerSpec` lists of
:class:`TarEntry`) and serialised with correct digests, sizes and media types, so the readers
under test see exactly what ``docker save``, ``buildah push`` or ``skopeo copy`` would write.
:class:`Faults` breaks an image on purpose (a wrong digest, a missing blob, a truncated layer).

Entries are written verbatim: names are not cleaned, so ``../x``, ``/abs``, non-UTF-8 bytes,
duplicate paths in one layer and PAX global headers all reach the tar as given.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import zstandard

Compression = Literal["none", "gzip", "zstd"]
DockerLayout = Literal["legacy", "oci-blobs"]

OCI_LAYOUT = {"imageLayoutVersion": "1.0.0"}
MEDIA_INDEX = "application/vnd.oci.image.index.v1+json"
MEDIA_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MEDIA_CONFIG = "application/vnd.oci.image.config.v1+json"
MEDIA_LAYER = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}
FIXED_MTIME = 1_700_000_000
"""Every tar header gets this mtime, so the same spec always yields the same digests."""


# --------------------------------------------------------------------------- entries


@dataclass(frozen=True)
class TarEntry:
    """One raw tar member. Prefer the helpers below (:func:`file`, :func:`whiteout`, ...)."""

    name: str | bytes
    """Written as given; bytes that are not UTF-8 stay raw bytes in the header."""
    type: bytes = tarfile.REGTYPE
    data: bytes = b""
    linkname: str = ""
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    header_size: int | None = None
    """Size field of the header when it must differ from ``len(data)`` (e.g. a hard link
    that claims a size); no data follows unless the type is a regular file."""
    pax: Mapping[str, str] | None = None
    """For a PAX global header (type ``g``): its records."""


def file(
    path: str | bytes, data: bytes | str = b"", *, mode: int = 0o644, uid: int = 0, gid: int = 0
) -> TarEntry:
    content = data.encode() if isinstance(data, str) else data
    return TarEntry(path, tarfile.REGTYPE, content, mode=mode, uid=uid, gid=gid)


def sized(path: str, size: int, *, fill: bytes = b"x") -> TarEntry:
    """A regular file of ``size`` bytes (contents repeat ``fill``)."""
    return file(path, (fill * (size // max(len(fill), 1) + 1))[:size])


def directory(path: str, *, mode: int = 0o755) -> TarEntry:
    return TarEntry(path, tarfile.DIRTYPE, mode=mode)


def symlink(path: str, target: str) -> TarEntry:
    return TarEntry(path, tarfile.SYMTYPE, linkname=target, mode=0o777)


def hardlink(path: str, target: str, *, header_size: int | None = None) -> TarEntry:
    return TarEntry(path, tarfile.LNKTYPE, linkname=target, header_size=header_size)


def whiteout(path: str) -> TarEntry:
    """Delete ``path`` from the layers below: writes ``dir/.wh.name``."""
    parent, _, base = path.rstrip("/").rpartition("/")
    return file(f"{parent}/.wh.{base}" if parent else f".wh.{base}")


def opaque(directory_path: str) -> TarEntry:
    """Hide what lower layers have below ``directory_path``: writes ``dir/.wh..wh..opq``."""
    return file(f"{directory_path.rstrip('/')}/.wh..wh..opq")


def pax_global(records: Mapping[str, str]) -> TarEntry:
    """A PAX global extended header (``git archive`` writes one; layers should not)."""
    return TarEntry("pax_global_header", tarfile.XGLTYPE, pax=dict(records))


# --------------------------------------------------------------------------- image specs


@dataclass(frozen=True)
class LayerSpec:
    entries: Sequence[TarEntry] = ()
    compression: Compression = "none"
    created_by: str | None = None
    """History text; defaults to ``layer N``."""
    raw_tar: bytes | None = None
    """Use these bytes as the uncompressed layer instead of building one from ``entries``."""


@dataclass(frozen=True)
class History:
    created_by: str
    empty_layer: bool = False
    created: str | None = "2024-01-01T00:00:00Z"
    comment: str | None = None


@dataclass(frozen=True)
class ImageSpec:
    layers: Sequence[LayerSpec]
    history: Sequence[History] | None = None
    """Defaults to one entry per layer; include ``empty_layer`` entries to interleave."""
    os: str = "linux"
    architecture: str = "amd64"
    variant: str | None = None
    cmd: Sequence[str] | None = None
    entrypoint: Sequence[str] | None = None
    env: Sequence[str] = ("PATH=/usr/local/bin:/usr/bin:/bin",)
    user: str | None = None
    working_dir: str | None = None
    exposed_ports: Sequence[str] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    tag: str = "localhost/jettison-test:latest"


@dataclass(frozen=True)
class Faults:
    """Ways to break an image on purpose; layer indices count from the bottom (0)."""

    wrong_digest: frozenset[int] = frozenset()
    """These layers' blobs are stored with one byte flipped after their digest was taken."""
    missing_blob: frozenset[int] = frozenset()
    """These layers' blobs are referenced but not written."""
    truncate: Mapping[int, int] = field(default_factory=dict)
    """layer index -> number of bytes kept of its stored blob."""
    missing_config: bool = False


# --------------------------------------------------------------------------- building blocks


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=False).encode()


def build_layer_tar(entries: Sequence[TarEntry]) -> bytes:
    """The uncompressed tar stream of one layer, members in the order given."""
    out = io.BytesIO()
    with tarfile.open(
        fileobj=out, mode="w", format=tarfile.PAX_FORMAT, encoding="utf-8", errors="surrogateescape"
    ) as tar:
        for entry in entries:
            if entry.type == tarfile.XGLTYPE:
                _write_pax_global(out, tar, entry)
                continue
            name = entry.name
            if isinstance(name, bytes):
                name = name.decode("utf-8", "surrogateescape")
            info = tarfile.TarInfo(name)
            info.type = entry.type
            info.mode = entry.mode
            info.uid, info.gid = entry.uid, entry.gid
            info.mtime = FIXED_MTIME
            info.linkname = entry.linkname
            is_reg = entry.type in (tarfile.REGTYPE, tarfile.AREGTYPE)
            info.size = entry.header_size if entry.header_size is not None else len(entry.data)
            tar.addfile(info, io.BytesIO(entry.data) if is_reg else None)
    return out.getvalue()


def _write_pax_global(out: io.BytesIO, tar: tarfile.TarFile, entry: TarEntry) -> None:
    """tarfile writes global headers only at the start of an archive; write one by hand."""
    records = entry.pax or {}
    block = tarfile.TarInfo._create_pax_generic_header(  # type: ignore[attr-defined]
        dict(records), tarfile.XGLTYPE, "utf-8"
    )
    out.write(block)
    tar.offset += len(block)


def compress(data: bytes, compression: Compression) -> bytes:
    if compression == "gzip":
        return gzip.compress(data, mtime=0)
    if compression == "zstd":
        return zstandard.ZstdCompressor().compress(data)
    return data


@dataclass(frozen=True)
class _Blob:
    digest: str
    """``sha256:<hex>`` of the stored bytes (before any fault is applied)."""
    data: bytes

    @property
    def hex(self) -> str:
        return self.digest.split(":", 1)[1]

    @property
    def path(self) -> str:
        return f"blobs/sha256/{self.hex}"

    @property
    def size(self) -> int:
        return len(self.data)


def _blob(data: bytes) -> _Blob:
    return _Blob(f"sha256:{_sha256(data)}", data)


@dataclass(frozen=True)
class BuiltImage:
    """An image serialised to blobs; ``files`` maps archive paths to their contents."""

    config: _Blob
    manifest: _Blob
    layers: tuple[_Blob, ...]
    diff_ids: tuple[str, ...]
    spec: ImageSpec


def _config(spec: ImageSpec, diff_ids: Sequence[str]) -> dict[str, Any]:
    history = spec.history
    if history is None:
        history = [History(layer.created_by or f"layer {i}") for i, layer in enumerate(spec.layers)]
    cfg: dict[str, Any] = {"Env": list(spec.env)}
    if spec.cmd is not None:
        cfg["Cmd"] = list(spec.cmd)
    if spec.entrypoint is not None:
        cfg["Entrypoint"] = list(spec.entrypoint)
    if spec.user is not None:
        cfg["User"] = spec.user
    if spec.working_dir is not None:
        cfg["WorkingDir"] = spec.working_dir
    if spec.exposed_ports:
        cfg["ExposedPorts"] = {port: {} for port in spec.exposed_ports}
    if spec.labels:
        cfg["Labels"] = dict(spec.labels)
    config: dict[str, Any] = {
        "created": "2024-01-01T00:00:00Z",
        "architecture": spec.architecture,
        "os": spec.os,
        "config": cfg,
        "rootfs": {"type": "layers", "diff_ids": list(diff_ids)},
        "history": [_history_json(h) for h in history],
    }
    if spec.variant is not None:
        config["variant"] = spec.variant
    return config


def _history_json(entry: History) -> dict[str, Any]:
    out: dict[str, Any] = {"created_by": entry.created_by}
    if entry.created is not None:
        out["created"] = entry.created
    if entry.comment is not None:
        out["comment"] = entry.comment
    if entry.empty_layer:
        out["empty_layer"] = True
    return out


def build_image(spec: ImageSpec) -> BuiltImage:
    """Serialise ``spec`` to its config, manifest and layer blobs (digests all correct)."""
    layers: list[_Blob] = []
    diff_ids: list[str] = []
    for layer in spec.layers:
        tar = layer.raw_tar if layer.raw_tar is not None else build_layer_tar(layer.entries)
        diff_ids.append(f"sha256:{_sha256(tar)}")
        layers.append(_blob(compress(tar, layer.compression)))
    config = _blob(_json(_config(spec, diff_ids)))
    manifest = _blob(
        _json(
            {
                "schemaVersion": 2,
                "mediaType": MEDIA_MANIFEST,
                "config": {"mediaType": MEDIA_CONFIG, "digest": config.digest, "size": config.size},
                "layers": [
                    {"mediaType": MEDIA_LAYER[ls.compression], "digest": b.digest, "size": b.size}
                    for ls, b in zip(spec.layers, layers, strict=True)
                ],
            }
        )
    )
    return BuiltImage(config, manifest, tuple(layers), tuple(diff_ids), spec)


def _stored(blob: _Blob, index: int, faults: Faults) -> bytes | None:
    """The bytes to write for layer ``index`` after faults, or None to leave it out."""
    if index in faults.missing_blob:
        return None
    data = blob.data
    if index in faults.wrong_digest:
        flipped = bytearray(data)
        flipped[len(flipped) // 2] ^= 0xFF
        data = bytes(flipped)
    if index in faults.truncate:
        data = data[: faults.truncate[index]]
    return data


# --------------------------------------------------------------------------- file sets


def docker_archive_files(
    spec: ImageSpec, layout: DockerLayout = "legacy", faults: Faults = Faults()
) -> dict[str, bytes]:
    """Archive path -> contents of a ``docker save`` tar, in the order Docker writes them."""
    image = build_image(spec)
    files: dict[str, bytes] = {}
    layer_paths: list[str] = []
    if layout == "legacy":
        # Legacy ids chain the diff ids, so two identical layers still get distinct folders.
        parent = ""
        for i, (blob, diff_id) in enumerate(zip(image.layers, image.diff_ids, strict=True)):
            layer_id = _sha256(f"{parent}\n{diff_id}".encode())
            path = f"{layer_id}/layer.tar"
            layer_paths.append(path)
            files[f"{layer_id}/VERSION"] = b"1.0"
            files[f"{layer_id}/json"] = _json({"id": layer_id, "parent": parent or None})
            data = _stored(blob, i, faults)
            if data is not None:
                files[path] = data
            parent = layer_id
        config_path = f"{image.config.hex}.json"
    else:
        for i, blob in enumerate(image.layers):
            layer_paths.append(blob.path)
            data = _stored(blob, i, faults)
            if data is not None:
                files[blob.path] = data
        config_path = image.config.path
        files[image.manifest.path] = image.manifest.data
    if not faults.missing_config:
        files[config_path] = image.config.data
    if layout == "oci-blobs":
        files["index.json"] = _json(
            {
                "schemaVersion": 2,
                "mediaType": MEDIA_INDEX,
                "manifests": [_descriptor(image.manifest, MEDIA_MANIFEST, tag=spec.tag)],
            }
        )
    files["manifest.json"] = _json(
        [{"Config": config_path, "RepoTags": [spec.tag], "Layers": layer_paths}]
    )
    if layout == "legacy":
        repo, _, tag = spec.tag.rpartition(":")
        files["repositories"] = (
            _json({repo: {tag: layer_paths[-1].split("/")[0]}}) if layer_paths else b"{}"
        )
    else:
        files["oci-layout"] = _json(OCI_LAYOUT)
    return files


def _descriptor(
    blob: _Blob,
    media_type: str,
    *,
    tag: str | None = None,
    platform: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"mediaType": media_type, "digest": blob.digest, "size": blob.size}
    if platform is not None:
        out["platform"] = dict(platform)
    if tag is not None:
        out["annotations"] = {
            "io.containerd.image.name": tag,
            "org.opencontainers.image.ref.name": tag.rpartition(":")[2],
        }
    return out


def oci_layout_files(
    images: ImageSpec | Sequence[ImageSpec],
    *,
    nested_index: bool | None = None,
    ref_name: str | None = "latest",
    faults: Faults = Faults(),
) -> dict[str, bytes]:
    """Path -> contents of an OCI image layout.

    With several images (one per platform), ``index.json`` points at an image index blob
    that lists one manifest per platform (``nested_index`` defaults to that); with one image,
    ``index.json`` names its manifest directly unless ``nested_index`` is true. Faults apply
    to every image's layers.
    """
    specs = [images] if isinstance(images, ImageSpec) else list(images)
    nested = len(specs) > 1 if nested_index is None else nested_index
    files: dict[str, bytes] = {"oci-layout": _json(OCI_LAYOUT)}
    descriptors: list[dict[str, Any]] = []
    for spec in specs:
        image = build_image(spec)
        for i, blob in enumerate(image.layers):
            data = _stored(blob, i, faults)
            if data is not None:
                files[blob.path] = data
        if not faults.missing_config:
            files[image.config.path] = image.config.data
        files[image.manifest.path] = image.manifest.data
        platform = {"os": spec.os, "architecture": spec.architecture}
        if spec.variant is not None:
            platform["variant"] = spec.variant
        descriptors.append(_descriptor(image.manifest, MEDIA_MANIFEST, platform=platform))
    annotations = {"org.opencontainers.image.ref.name": ref_name} if ref_name else None
    if nested:
        index = _blob(
            _json({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": descriptors})
        )
        files[index.path] = index.data
        top = _descriptor(index, MEDIA_INDEX)
        if annotations:
            top["annotations"] = annotations
        top_manifests = [top]
    else:
        top_manifests = []
        for descriptor in descriptors:
            if annotations:
                descriptor["annotations"] = annotations
            top_manifests.append(descriptor)
    files["index.json"] = _json(
        {"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": top_manifests}
    )
    return files


# --------------------------------------------------------------------------- writers


def write_tar(path: Path, files: Mapping[str, bytes]) -> Path:
    """Write ``files`` as a plain tar (folders implied by member names, as Docker does)."""
    with tarfile.open(path, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = FIXED_MTIME
            tar.addfile(info, io.BytesIO(data))
    return path


def write_docker_archive(
    path: Path, image: ImageSpec, layout: DockerLayout = "legacy", faults: Faults = Faults()
) -> Path:
    """A ``docker save`` tar: ``legacy`` (``<id>/layer.tar``) or Docker >= 25's ``oci-blobs``."""
    return write_tar(path, docker_archive_files(image, layout, faults))


def write_oci_layout(
    directory: Path,
    images_by_platform: ImageSpec | Sequence[ImageSpec],
    *,
    nested_index: bool | None = None,
    ref_name: str | None = "latest",
    faults: Faults = Faults(),
) -> Path:
    files = oci_layout_files(
        images_by_platform, nested_index=nested_index, ref_name=ref_name, faults=faults
    )
    for name, data in files.items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return directory


def write_oci_archive(
    path: Path,
    images_by_platform: ImageSpec | Sequence[ImageSpec],
    *,
    nested_index: bool | None = None,
    ref_name: str | None = "latest",
    faults: Faults = Faults(),
) -> Path:
    files = oci_layout_files(
        images_by_platform, nested_index=nested_index, ref_name=ref_name, faults=faults
    )
    return write_tar(path, files)
