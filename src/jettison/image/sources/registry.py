"""``registry://HOST/REPO[:TAG][@DIGEST]``: an image read from a registry, as it arrives.

Nothing is pulled to disk first. The manifest (or the index, resolved by platform as in an
OCI layout: :mod:`._manifest`) and the config are small and read whole, their digests
checked. Each layer is a :class:`~jettison.image.distribution.client.BlobStream`: the scan
reads it once, inflating and parsing while it downloads, and checks its digest (and its
diff_id) on the bytes that arrived. A layer whose connection drops is resumed where it
stopped; a layer scanned before (same digests, :mod:`jettison.image.scan_cache`) is not
downloaded at all.

Names are Docker's: no host means Docker Hub and a one-word repository there an official
image (``registry://python:3.11`` is ``docker.io/library/python:3.11``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO

from jettison.errors import ImageFormatError, ImageNotFoundError, RegistryError
from jettison.image.distribution.client import BlobStream, RegistryClient
from jettison.image.distribution.transport import Transport
from jettison.image.model import Image, ImageConfig, Layer, Platform, source_note
from jettison.image.sources._common import (
    MAX_METADATA_BYTES,
    map_history,
    other_platform,
    parse_config,
)
from jettison.image.sources._manifest import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    INDEX_TYPES,
    OCI_ARTIFACT_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    check_image_manifest,
    select_manifest,
)
from jettison.imageref import FullName, full_name

SOURCE_KIND = "registry"
PREFIX = "registry://"
ACCEPT = ", ".join((OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST, OCI_ARTIFACT_MANIFEST))
MAX_MANIFEST_BYTES = 4 << 20
"""Distribution's own limit on a manifest's size."""


class RegistryBlobStore:
    """The blobs of one repository, each streamed on its own connection when opened."""

    def __init__(self, client: RegistryClient, sizes: Mapping[str, int]) -> None:
        self.client = client
        self._sizes = dict(sizes)

    def open_blob(self, ref: str) -> BinaryIO:
        return BlobStream(self.client, ref, self.blob_size(ref))  # type: ignore[return-value]

    def blob_size(self, ref: str) -> int:
        try:
            return self._sizes[ref]
        except KeyError:
            raise ImageFormatError(f"blob {ref} is not part of this image") from None

    def close(self) -> None:
        """Each stream closes its own connection."""


@dataclass(frozen=True)
class Manifest:
    document: Any
    media_type: str | None
    digest: str


def parse_reference(text: str) -> FullName:
    """``HOST/REPO[:TAG][@DIGEST]`` (after ``registry://``), normalised as Docker does."""
    try:
        return full_name(text)
    except ValueError as exc:
        raise ImageNotFoundError(
            f"{PREFIX}{text}: {exc}",
            hint="write registry://HOST[:PORT]/REPOSITORY[:TAG|@sha256:DIGEST]",
        ) from exc


def fetch_manifest(client: RegistryClient, ref: str, what: str) -> Manifest:
    """The manifest or index ``ref`` (a tag or a digest) names, its digest checked: against
    ``ref`` when it is one, and against the registry's ``Docker-Content-Digest``."""
    response = client.get(f"manifests/{ref}", {"Accept": ACCEPT}, what=what)
    try:
        body = response.read(MAX_MANIFEST_BYTES)
        said = response.headers.get("Docker-Content-Digest")
        content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip()
    finally:
        response.close()
    client.count(len(body))
    digest = "sha256:" + hashlib.sha256(body).hexdigest()
    for expected, by in ((ref, "its reference"), (said, "the registry")):
        if expected and expected.startswith("sha256:") and expected != digest:
            raise RegistryError(
                f"{client.display}: {what}: digest mismatch: {by} says {expected}, the "
                f"content hashes to {digest}",
                hint="the registry served a damaged or altered manifest",
            )
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImageFormatError(f"{client.display}: {what} is not valid JSON ({exc})") from exc
    media_type = document.get("mediaType") if isinstance(document, dict) else None
    return Manifest(document, media_type or content_type or None, digest)


def fetch_blob(client: RegistryClient, digest: str, size: int, what: str) -> bytes:
    """A small blob (a config), read whole and checked against ``digest``."""
    if size > MAX_METADATA_BYTES:
        raise ImageFormatError(f"{client.display}: {what} {digest} is implausibly large")
    with BlobStream(client, digest, size) as blob:
        data = blob.read()
    algorithm, _, expected = digest.partition(":")
    if algorithm == "sha256" and hashlib.sha256(data).hexdigest() != expected:
        raise RegistryError(
            f"{client.display}: {what} {digest}: digest mismatch (the content hashes to "
            f"sha256:{hashlib.sha256(data).hexdigest()})",
            hint="the registry served a damaged blob",
        )
    return data


def open_registry(
    text: str, reference: str, platform: Platform | None, transport: Transport | None = None
) -> Image:
    """Open ``text`` (``HOST/REPO[:TAG][@DIGEST]``) from its registry."""
    name = parse_reference(text)
    client = RegistryClient(name.host, name.repository, transport)
    where = name.text
    top = fetch_manifest(client, name.reference, f"manifest {name.reference}")
    notes: tuple[str, ...] = ()
    manifest = top
    if top.media_type in INDEX_TYPES:

        def fetch(digest: str, what: str) -> Any:
            return fetch_manifest(client, digest, f"{what} {digest}").document

        selected = select_manifest(top.document, where, platform, None, fetch)
        notes = selected.notes
        digest = str(selected.descriptor["digest"])
        manifest = fetch_manifest(client, digest, f"manifest {digest}")
    document = check_image_manifest(manifest.document, f"{where} (manifest {manifest.digest})")
    config_desc = document["config"]
    config_digest = str(config_desc.get("digest"))
    size = config_desc.get("size")
    if not isinstance(size, int):
        raise ImageFormatError(f"{where}: the manifest gives no size for the config")
    raw = fetch_blob(client, config_digest, size, "config")
    what = f"{where}: config {config_digest}"
    try:
        config_doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImageFormatError(f"{what} is not valid JSON ({exc})") from exc
    config, history = parse_config(config_doc, what)
    _check_platform(config, platform, where, top)
    layers = _layers(client, document["layers"], config.diff_ids, where)
    return Image(
        reference=reference,
        source_kind=SOURCE_KIND,
        config=config,
        layers=layers,
        history=map_history(history, len(layers)),
        manifest_digest=manifest.digest,
        config_digest=config_digest,
        tags=(f"{name.name}:{name.tag}",) if name.tag else (),
        notes=tuple(source_note(note) for note in notes),
    )


def _check_platform(
    config: ImageConfig, platform: Platform | None, where: str, top: Manifest
) -> None:
    """A tag naming one image (no index) has one platform: refuse another one asked for."""
    if top.media_type in INDEX_TYPES:
        return
    built_for = other_platform(config, platform)
    if built_for is not None:
        raise ImageFormatError(
            f"{where} is an image for {built_for}, not {platform} (no index of platforms)",
            hint="leave out --platform, or name the tag of the other platform's image",
        )


def _layers(
    client: RegistryClient, descriptors: list[Any], diff_ids: tuple[str, ...], where: str
) -> tuple[Layer, ...]:
    descs = [d for d in descriptors if isinstance(d, dict)]
    if len(descs) != len(diff_ids):
        raise ImageFormatError(
            f"{where}: the manifest lists {len(descs)} layers but the config {len(diff_ids)}"
        )
    sizes = dict(_blob(desc, i, where) for i, desc in enumerate(descs))
    store = RegistryBlobStore(client, sizes)
    return tuple(
        Layer(
            index=i,
            blob_ref=str(desc["digest"]),
            store=store,
            stored_size_bytes=int(desc["size"]),
            media_type=desc.get("mediaType"),
            digest=str(desc["digest"]),
            diff_id=diff_ids[i],
        )
        for i, desc in enumerate(descs)
    )


def layer_blobs(text: str, transport: Transport | None = None) -> tuple[tuple[str, int], ...]:
    """``(digest, size)`` of each layer blob the registry's manifest of ``text``
    (``HOST/REPO[:TAG|@DIGEST]``) lists, as stored there (an index: its linux/amd64 image,
    or its only one)."""
    name = parse_reference(text)
    client = RegistryClient(name.host, name.repository, transport)
    top = fetch_manifest(client, name.reference, f"manifest {name.reference}")
    manifest = top
    if top.media_type in INDEX_TYPES:

        def fetch(digest: str, what: str) -> Any:
            return fetch_manifest(client, digest, f"{what} {digest}").document

        chosen = select_manifest(top.document, name.text, None, None, fetch).descriptor
        manifest = fetch_manifest(client, str(chosen["digest"]), "manifest")
    where = f"{name.text} (manifest {manifest.digest})"
    document = check_image_manifest(manifest.document, where)
    descs = [d for d in document["layers"] if isinstance(d, dict)]
    return tuple(_blob(desc, i, where) for i, desc in enumerate(descs))


def _blob(desc: dict[str, Any], i: int, where: str) -> tuple[str, int]:
    """A layer descriptor's ``(digest, size)``; :class:`ImageFormatError` when either is
    missing or is not what it says (a size that is no count of bytes: text, a float, a bool)."""
    digest, size = desc.get("digest"), desc.get("size")
    if not isinstance(digest, str) or type(size) is not int or size < 0:
        raise ImageFormatError(f"{where}: layer {i}'s descriptor has no digest or size")
    return digest, size
