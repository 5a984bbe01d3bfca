"""OCI image layouts, as a directory (``oci:DIR``) or packed in a tar (``oci-archive:FILE``).

``index.json`` names manifests or image indexes; an index is resolved to one manifest by
platform (default linux/amd64) and, when several images are stored, by the
``org.opencontainers.image.ref.name`` annotation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jettison.errors import ImageFormatError
from jettison.image.model import DEFAULT_PLATFORM, Image, Layer, Platform
from jettison.image.sources._common import (
    DirBlobStore,
    TarBlobStore,
    blob_path,
    map_history,
    parse_config,
    read_json,
    text_or_none,
)

INDEX_TYPES = frozenset(
    {
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
    }
)
MANIFEST_TYPES = frozenset(
    {
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    }
)
REF_NAME = "org.opencontainers.image.ref.name"
MAX_INDEX_DEPTH = 4


def open_oci(
    store: DirBlobStore | TarBlobStore,
    source_kind: str,
    reference: str,
    platform: Platform | None,
    ref_name: str | None,
) -> Image:
    try:
        return _read(store, source_kind, reference, platform, ref_name)
    except BaseException:
        store.close()
        raise


def _read(
    store: DirBlobStore | TarBlobStore,
    source_kind: str,
    reference: str,
    platform: Platform | None,
    ref_name: str | None,
) -> Image:
    if not store.has("index.json"):
        raise ImageFormatError(f"{reference}: no index.json, not an OCI image layout")
    index = read_json(store, "index.json", "index.json")
    descriptor = _select(store, index, "index.json", platform, ref_name, depth=0)
    manifest_digest = str(descriptor["digest"])
    manifest = read_json(store, blob_path(manifest_digest), "manifest", manifest_digest)
    if (
        not isinstance(manifest, dict)
        or not isinstance(manifest.get("config"), dict)
        or not isinstance(manifest.get("layers"), list)
    ):
        raise ImageFormatError(f"{reference}: manifest {manifest_digest} is not an image manifest")
    config_desc = manifest["config"]
    config_digest = str(config_desc.get("digest"))
    raw_config = read_json(store, blob_path(config_digest), "image config", config_digest)
    config, history = parse_config(raw_config, f"{reference}: config {config_digest}")
    layer_descs = [d for d in manifest["layers"] if isinstance(d, dict)]
    if len(layer_descs) != len(config.diff_ids):
        raise ImageFormatError(
            f"{reference}: the manifest lists {len(layer_descs)} layers but the config "
            f"{len(config.diff_ids)}"
        )
    layers = []
    for i, desc in enumerate(layer_descs):
        digest = str(desc.get("digest"))
        ref = blob_path(digest)
        size = store.blob_size(ref)
        declared = desc.get("size")
        if isinstance(declared, int) and declared != size:
            raise ImageFormatError(
                f"{reference}: layer {i} blob {digest} is {size} bytes, "
                f"the manifest says {declared}",
                hint="the layout is damaged or was modified after it was written",
            )
        layers.append(
            Layer(
                index=i,
                blob_ref=ref,
                store=store,
                stored_size_bytes=size,
                media_type=text_or_none(desc.get("mediaType")),
                digest=digest,
                diff_id=config.diff_ids[i],
            )
        )
    annotations = descriptor.get("annotations") or {}
    tag = annotations.get(REF_NAME) if isinstance(annotations, dict) else None
    return Image(
        reference=reference,
        source_kind=source_kind,
        config=config,
        layers=tuple(layers),
        history=map_history(history, len(layers)),
        manifest_digest=manifest_digest,
        config_digest=config_digest,
        tags=(str(tag),) if tag else (),
        closer=store.close,
    )


def _platform_of(desc: dict[str, Any]) -> tuple[str | None, str | None, str | None]:
    p = desc.get("platform") or {}
    if not isinstance(p, dict):
        return None, None, None
    return (
        text_or_none(p.get("os")),
        text_or_none(p.get("architecture")),
        text_or_none(p.get("variant")),
    )


def _ref_name(desc: dict[str, Any]) -> object:
    annotations = desc.get("annotations")
    return annotations.get(REF_NAME) if isinstance(annotations, dict) else None


def _select(
    store: DirBlobStore | TarBlobStore,
    index: Any,
    where: str,
    platform: Platform | None,
    ref_name: str | None,
    depth: int,
) -> dict[str, Any]:
    """Walk (possibly nested) indexes down to one image manifest descriptor."""
    if depth > MAX_INDEX_DEPTH:
        raise ImageFormatError(f"{where}: image indexes nest too deeply (a loop?)")
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        raise ImageFormatError(f"{where} is not an image index (no manifests list)")
    candidates = [d for d in index["manifests"] if isinstance(d, dict) and d.get("digest")]
    if ref_name is not None and depth == 0:
        named = [d for d in candidates if _ref_name(d) == ref_name]
        if not named:
            names = sorted(str(_ref_name(d)) for d in candidates if _ref_name(d))
            raise ImageFormatError(
                f"{where}: no image named {ref_name!r}",
                hint=f"names in this layout: {', '.join(names) or 'none'}",
            )
        candidates = named
    if not candidates:
        raise ImageFormatError(f"{where} lists no manifest (an empty layout)")
    with_platform = [d for d in candidates if _platform_of(d) != (None, None, None)]
    if with_platform:
        wanted = platform or DEFAULT_PLATFORM
        matching = [d for d in with_platform if wanted.matches(*_platform_of(d))]
        if not matching:
            available = ", ".join("/".join(p for p in _platform_of(d) if p) for d in with_platform)
            raise ImageFormatError(
                f"{where}: no image for platform {wanted}",
                hint=f"available: {available}; choose with --platform",
            )
        candidates = matching
    elif len(candidates) > 1 and ref_name is None and depth == 0:
        raise ImageFormatError(
            f"{where} holds {len(candidates)} images without platform information",
            hint="name one: oci:DIR:NAME (the org.opencontainers.image.ref.name annotation)",
        )
    chosen: dict[str, Any] = candidates[0]
    media_type = chosen.get("mediaType")
    if media_type is not None and not isinstance(media_type, str):
        kind = type(media_type).__name__
        raise ImageFormatError(f"{where}: a manifest's media type is a {kind}, not a string")
    if media_type in INDEX_TYPES:
        digest = str(chosen["digest"])
        nested = read_json(store, blob_path(digest), "image index", digest)
        found = _select(store, nested, f"index {digest}", platform, None, depth + 1)
        # The name is on the outer descriptor (index.json names the index); keep it.
        outer = chosen.get("annotations")
        inner = found.get("annotations")
        if (
            isinstance(outer, dict)
            and REF_NAME in outer
            and not (isinstance(inner, dict) and REF_NAME in inner)
        ):
            found = {**found, "annotations": {**(inner or {}), REF_NAME: outer[REF_NAME]}}
        return found
    if media_type not in MANIFEST_TYPES and media_type is not None:
        raise ImageFormatError(f"{where}: unsupported manifest media type {media_type!r}")
    return chosen


def open_oci_layout(
    path: Path, reference: str, platform: Platform | None, ref_name: str | None
) -> Image:
    return open_oci(DirBlobStore(path), "oci-layout", reference, platform, ref_name)


def open_oci_archive(
    path: Path, reference: str, platform: Platform | None, ref_name: str | None
) -> Image:
    return open_oci(TarBlobStore(path), "oci-archive", reference, platform, ref_name)
