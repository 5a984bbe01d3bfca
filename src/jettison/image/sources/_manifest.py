"""Manifests and indexes wherever they are stored: an OCI layout's blobs or a registry.

What both share: the media types; walking an image index down to one image manifest by
platform (and, in a layout, by ref name); telling an image's manifest from an artifact's
(model weights, a Helm chart, a signature pushed beside an image); and the notes that say
which image of an index was read.

An index is resolved the way ``docker pull`` and ``skopeo copy`` resolve it, with one
difference: an index that holds a single image (BuildKit's for one platform, with or
without its attestation manifest) gives that image whatever the platform, and the note
says which it was, where they would refuse without ``--platform``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from jettison.errors import ImageFormatError, NotAnImageError
from jettison.image.model import DEFAULT_PLATFORM, Platform
from jettison.units import human_bytes

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_SCHEMA1 = (
    "application/vnd.docker.distribution.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v1+prettyjws",
)
OCI_ARTIFACT_MANIFEST = "application/vnd.oci.artifact.manifest.v1+json"
"""The artifact manifest of OCI 1.1's drafts (dropped from the final spec, still pushed)."""
INDEX_TYPES = frozenset({OCI_INDEX, DOCKER_LIST})
MANIFEST_TYPES = frozenset({OCI_MANIFEST, DOCKER_MANIFEST})
IMAGE_CONFIG_TYPES = frozenset(
    {
        "application/vnd.oci.image.config.v1+json",
        "application/vnd.docker.container.image.v1+json",
    }
)
REF_NAME = "org.opencontainers.image.ref.name"
TITLE = "org.opencontainers.image.title"
REFERENCE_TYPE = "vnd.docker.reference.type"
"""BuildKit's annotation on the attestation manifests it adds to an index."""
MAX_INDEX_DEPTH = 4

ARTIFACT_KINDS: tuple[tuple[str, str], ...] = (
    ("application/vnd.cncf.helm.", "a Helm chart"),
    ("application/vnd.cnai.model.", "a model (CNCF ModelPack)"),
    ("application/vnd.docker.ai.", "a model (Docker Model Runner)"),
    ("application/vnd.dev.cosign.", "a cosign signature or attestation"),
    ("application/vnd.in-toto", "an in-toto attestation"),
    ("application/spdx", "an SPDX SBOM"),
    ("application/vnd.cyclonedx", "a CycloneDX SBOM"),
    ("application/vnd.wasm.", "a WebAssembly module"),
    ("application/vnd.sylabs.sif.", "a Singularity image"),
    ("application/vnd.oci.empty.", "an OCI artifact"),
)
"""Prefixes of an artifact's ``artifactType`` or config media type -> what it is."""

FetchJson = Callable[[str, str], Any]
"""``(digest, what) -> document``: a blob read as JSON, its digest checked."""


@dataclass(frozen=True)
class Selected:
    """The image manifest descriptor an index resolved to, and what was decided on the way."""

    descriptor: Mapping[str, Any]
    notes: tuple[str, ...] = ()


def platform_of(desc: Mapping[str, Any]) -> tuple[str | None, str | None, str | None]:
    """A descriptor's platform; a field that is not text is absent (hostile documents)."""
    p = desc.get("platform") or {}
    if not isinstance(p, dict):
        return None, None, None
    return _text(p.get("os")), _text(p.get("architecture")), _text(p.get("variant"))


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _ref_name(desc: Mapping[str, Any]) -> object:
    annotations = desc.get("annotations")
    return annotations.get(REF_NAME) if isinstance(annotations, dict) else None


def _platform_text(desc: Mapping[str, Any]) -> str:
    return "/".join(p for p in platform_of(desc) if p)


def _is_attestation(desc: Mapping[str, Any]) -> bool:
    """BuildKit's provenance/SBOM manifests: platform unknown/unknown, marked by annotation."""
    annotations = desc.get("annotations") or {}
    marked = isinstance(annotations, dict) and REFERENCE_TYPE in annotations
    return marked or platform_of(desc)[:2] == ("unknown", "unknown")


def _names(candidates: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted(str(_ref_name(d)) for d in candidates if _ref_name(d))


def select_manifest(
    index: Any,
    where: str,
    platform: Platform | None,
    ref_name: str | None,
    fetch: FetchJson,
    depth: int = 0,
) -> Selected:
    """Walk (possibly nested) indexes down to one image manifest descriptor.

    ``platform`` None: linux/amd64 where the index has it, else the index's only image.
    ``ref_name`` (a layout's ``oci:DIR:NAME``) picks among the top level's descriptors.
    """
    if depth > MAX_INDEX_DEPTH:
        raise ImageFormatError(f"{where}: image indexes nest too deeply (a loop?)")
    if not isinstance(index, dict) or not isinstance(index.get("manifests"), list):
        raise ImageFormatError(f"{where} is not an image index (no manifests list)")
    candidates = [d for d in index["manifests"] if isinstance(d, dict) and d.get("digest")]
    if ref_name is not None and depth == 0:
        named = [d for d in candidates if _ref_name(d) == ref_name]
        if not named:
            raise ImageFormatError(
                f"{where}: no image named {ref_name!r}",
                hint=f"names in this layout: {', '.join(_names(candidates)) or 'none'}",
            )
        candidates = named
    images = [d for d in candidates if not _is_attestation(d)]
    if not images:
        if candidates:
            _refuse_artifact_index(candidates, where)
        raise ImageFormatError(f"{where} lists no manifest (an empty index)")
    chosen, notes = _pick(images, where, platform, ref_name, depth)
    media_type = chosen.get("mediaType")
    if media_type is not None and not isinstance(media_type, str):
        kind = type(media_type).__name__
        raise ImageFormatError(f"{where}: a manifest's media type is a {kind}, not a string")
    if media_type in INDEX_TYPES:
        digest = str(chosen["digest"])
        nested = fetch(digest, "image index")
        found = select_manifest(nested, f"index {digest}", platform, None, fetch, depth + 1)
        return Selected(_keep_name(chosen, found.descriptor), notes + found.notes)
    if media_type in DOCKER_SCHEMA1:
        raise_schema1(where)
    if media_type not in MANIFEST_TYPES and media_type not in (None, OCI_ARTIFACT_MANIFEST):
        raise ImageFormatError(f"{where}: unsupported manifest media type {media_type!r}")
    return Selected(chosen, notes)


def _pick(
    images: list[dict[str, Any]],
    where: str,
    platform: Platform | None,
    ref_name: str | None,
    depth: int,
) -> tuple[dict[str, Any], tuple[str, ...]]:
    """One of an index's images, by platform; and the note saying which, where it chose."""
    with_platform = [d for d in images if platform_of(d) != (None, None, None)]
    if not with_platform:
        if len(images) > 1 and ref_name is None and depth == 0:
            raise ImageFormatError(
                f"{where} holds {len(images)} images without platform information",
                hint="name one: oci:DIR:NAME (the org.opencontainers.image.ref.name annotation)",
            )
        return images[0], ()
    wanted = platform or DEFAULT_PLATFORM
    matching = [d for d in with_platform if wanted.matches(*platform_of(d))]
    available = ", ".join(_platform_text(d) for d in with_platform)
    if matching:
        chosen = matching[0]
        if len(with_platform) == 1:
            return chosen, ()
        return chosen, (
            f"the index holds {len(with_platform)} images ({available}): read {wanted}",
        )
    if platform is None and len(with_platform) == 1:
        chosen = with_platform[0]
        return chosen, (
            f"the index holds one image, for {_platform_text(chosen)} (not {DEFAULT_PLATFORM}): "
            "read it",
        )
    raise ImageFormatError(
        f"{where}: no image for platform {wanted}",
        hint=f"available: {available}; choose with --platform",
    )


def _keep_name(outer: Mapping[str, Any], found: Mapping[str, Any]) -> Mapping[str, Any]:
    """The ref name is on the outer descriptor (index.json names the index): keep it."""
    names = outer.get("annotations")
    inner = found.get("annotations")
    if (
        isinstance(names, dict)
        and REF_NAME in names
        and not (isinstance(inner, dict) and REF_NAME in inner)
    ):
        kept = inner if isinstance(inner, dict) else {}
        return {**found, "annotations": {**kept, REF_NAME: names[REF_NAME]}}
    return found


def raise_schema1(where: str) -> None:
    raise ImageFormatError(
        f"{where} is a Docker schema 1 manifest, which jettison does not read",
        hint="copy the image again with a current tool (`skopeo copy` writes schema 2)",
    )


def check_image_manifest(manifest: Any, where: str) -> dict[str, Any]:
    """``manifest`` when it is an image's; :class:`NotAnImageError` listing what it holds
    when it is an artifact's, :class:`ImageFormatError` when it is neither."""
    if not isinstance(manifest, dict):
        raise ImageFormatError(f"{where} is not an image manifest (not a JSON object)")
    if manifest.get("mediaType") in DOCKER_SCHEMA1 or manifest.get("schemaVersion") == 1:
        raise_schema1(where)
    config = manifest.get("config")
    # A media type that is not text is absent (hostile documents; found by fuzzing).
    config_type = _text(config.get("mediaType")) if isinstance(config, dict) else None
    artifact_type = _text(manifest.get("artifactType"))
    blobs = manifest.get("layers", manifest.get("blobs"))
    is_artifact = manifest.get("mediaType") == OCI_ARTIFACT_MANIFEST or (
        (config_type is not None and config_type not in IMAGE_CONFIG_TYPES)
        or (artifact_type is not None and config_type not in IMAGE_CONFIG_TYPES)
    )
    if is_artifact:
        raise NotAnImageError(_artifact_line(where, artifact_type or config_type, blobs))
    if not isinstance(config, dict) or not isinstance(blobs, list):
        raise ImageFormatError(f"{where} is not an image manifest (no config or layers)")
    return manifest


def _artifact_kind(media_type: str | None) -> str:
    for prefix, kind in ARTIFACT_KINDS:
        if media_type and media_type.startswith(prefix):
            return kind
    return "an OCI artifact"


def _artifact_line(where: str, media_type: str | None, blobs: object) -> str:
    """``WHERE is not a container image but a Helm chart (TYPE): BLOB (SIZE, TYPE), ...``"""
    items = [b for b in blobs if isinstance(b, dict)] if isinstance(blobs, list) else []
    listed = []
    for blob in items[:5]:
        annotations = blob.get("annotations") or {}
        title = annotations.get(TITLE) if isinstance(annotations, dict) else None
        size = blob.get("size")
        shown = human_bytes(size) if isinstance(size, int) else "size unknown"
        listed.append(f"{title or str(blob.get('digest'))[:19]} ({shown}, {blob.get('mediaType')})")
    more = f" and {len(items) - 5} more" if len(items) > 5 else ""
    holding = f"; it holds {', '.join(listed)}{more}" if listed else "; it holds no blob"
    kind = _artifact_kind(media_type)
    return f"{where} is not a container image but {kind} ({media_type}){holding}"


def _refuse_artifact_index(candidates: Sequence[Mapping[str, Any]], where: str) -> None:
    kinds = sorted({str(d.get("artifactType") or d.get("mediaType")) for d in candidates})
    raise NotAnImageError(
        f"{where} lists only attestations or artifacts ({', '.join(kinds)}), no image"
    )
