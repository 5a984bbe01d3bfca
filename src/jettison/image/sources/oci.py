"""OCI image layouts, as a directory (``oci:DIR``) or packed in a tar (``oci-archive:FILE``).

``index.json`` names manifests or image indexes; an index is resolved to one manifest by
platform (default linux/amd64, or the only image there is) and, when several images are
stored, by the ``org.opencontainers.image.ref.name`` annotation (see ``_manifest``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jettison.errors import ImageFormatError
from jettison.image.model import Image, Layer, Platform, source_note
from jettison.image.sources._common import (
    DirBlobStore,
    TarBlobStore,
    blob_path,
    map_history,
    parse_config,
    read_json,
    text_or_none,
)
from jettison.image.sources._manifest import REF_NAME, check_image_manifest, select_manifest


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

    def fetch(digest: str, what: str) -> Any:
        return read_json(store, blob_path(digest), what, digest)

    selected = select_manifest(index, "index.json", platform, ref_name, fetch)
    descriptor = selected.descriptor
    manifest_digest = str(descriptor["digest"])
    manifest = check_image_manifest(
        fetch(manifest_digest, "manifest"), f"{reference}: manifest {manifest_digest}"
    )
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
        notes=tuple(source_note(note) for note in selected.notes),
    )


def open_oci_layout(
    path: Path, reference: str, platform: Platform | None, ref_name: str | None
) -> Image:
    return open_oci(DirBlobStore(path), "oci-layout", reference, platform, ref_name)


def open_oci_archive(
    path: Path, reference: str, platform: Platform | None, ref_name: str | None
) -> Image:
    return open_oci(TarBlobStore(path), "oci-archive", reference, platform, ref_name)
