"""docker-archive: the tar that ``docker save`` and ``buildah push docker-archive:`` write.

Two layouts exist: the legacy one (``<id>/layer.tar``, ``<hex>.json``) and Docker >= 25's,
which stores OCI blobs (``blobs/sha256/<hex>``) next to the same ``manifest.json``. Both are
read through ``manifest.json``, so one reader serves them.
"""

from __future__ import annotations

from pathlib import Path

from jettison.errors import ImageFormatError
from jettison.image.model import Image, Layer
from jettison.image.sources._common import (
    NamedBlobs,
    TarBlobStore,
    map_history,
    parse_config,
    read_json,
)


def _digest_from_name(ref: str) -> str | None:
    """``blobs/sha256/<hex>`` names its digest; legacy names do not (``<hex>.json`` does)."""
    parts = ref.split("/")
    if len(parts) == 3 and parts[0] == "blobs":
        return f"{parts[1]}:{parts[2]}"
    if len(parts) == 1 and parts[0].endswith(".json") and len(parts[0]) == 69:
        return f"sha256:{parts[0][:-5]}"
    return None


def open_docker_archive(path: Path, reference: str, tag: str | None = None) -> Image:
    store = TarBlobStore(path)
    try:
        return read_archive(store, path, reference, tag)
    except BaseException:
        store.close()
        raise


def read_archive(
    store: NamedBlobs,
    path: Path | str,
    reference: str,
    tag: str | None,
    source_kind: str = "docker-archive",
) -> Image:
    """The image a ``docker save`` file set describes, its blobs in ``store``; ``path``
    names it in messages."""
    if not store.has("manifest.json"):
        raise ImageFormatError(f"{path}: no manifest.json, not a docker-archive")
    manifest = read_json(store, "manifest.json", "manifest")
    if not isinstance(manifest, list) or not manifest:
        raise ImageFormatError(f"{path}: manifest.json lists no image (an empty archive)")
    entry = _choose(manifest, path, tag)
    config_ref = entry.get("Config")
    layer_refs = entry.get("Layers")
    if not isinstance(config_ref, str) or not isinstance(layer_refs, list):
        raise ImageFormatError(f"{path}: manifest.json entry lacks Config or Layers")
    config_digest = _digest_from_name(config_ref)
    raw_config = read_json(store, config_ref, "image config", config_digest)
    config, history = parse_config(raw_config, f"{path}: {config_ref}")
    if len(config.diff_ids) != len(layer_refs):
        raise ImageFormatError(
            f"{path}: the config lists {len(config.diff_ids)} layers but the manifest "
            f"{len(layer_refs)}"
        )
    layers = tuple(
        Layer(
            index=i,
            blob_ref=str(ref),
            store=store,
            stored_size_bytes=store.blob_size(str(ref)),
            digest=_digest_from_name(str(ref)),
            diff_id=config.diff_ids[i],
        )
        for i, ref in enumerate(layer_refs)
    )
    tags = entry.get("RepoTags") or []
    return Image(
        reference=reference,
        source_kind=source_kind,
        config=config,
        layers=layers,
        history=map_history(history, len(layers)),
        config_digest=config_digest,
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        closer=store.close,
    )


def _choose(manifest: list[object], path: Path | str, tag: str | None) -> dict[str, object]:
    entries = [e for e in manifest if isinstance(e, dict)]
    if not entries:
        raise ImageFormatError(f"{path}: manifest.json lists no image")
    if tag is None:
        if len(entries) > 1:
            names = ", ".join(str(t) for e in entries for t in _tags(e))
            raise ImageFormatError(
                f"{path} holds {len(entries)} images",
                hint=f"choose one with docker-archive:{path}:TAG (tags: {names or 'none'})",
            )
        return entries[0]
    for e in entries:
        tags = _tags(e)
        if tag in tags or any(t.endswith("/" + tag) for t in tags):
            return e
    raise ImageFormatError(f"{path}: no image tagged {tag!r} in the archive")


def _tags(entry: dict[str, object]) -> list[str]:
    tags = entry.get("RepoTags")
    return [str(t) for t in tags] if isinstance(tags, list) else []
