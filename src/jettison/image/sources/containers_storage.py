"""containers-storage: images in the local store of buildah and podman, read in place.

No daemon, no ``buildah``/``skopeo`` process, nothing copied or extracted. The store
(github.com/containers/storage) keeps, under its graph root and for a driver such as
``overlay`` or ``vfs``::

    <driver>-images/images.json            id, names, digest, top layer id, big-data names
    <driver>-images/<image id>/<key file>  "big data": the manifest, the config (keyed by
                                           its digest), signatures; see _big_data_file_name
    <driver>-layers/layers.json            id, parent, diff-digest, diff-size per layer
    <driver>-layers/<layer id>.tar-split.gz
    overlay/<layer id>/diff/               overlay: the files this layer added or changed
    vfs/dir/<layer id>/                    vfs: the whole tree as of this layer

A layer's original tar is not kept. What is kept is its *tar-split* (github.com/vbatts/tar-split):
the tar's headers and padding verbatim, with each file body replaced by a reference to a
path. Replaying it with the bodies read from the layer's directory gives back the tar
byte for byte; that is how ``buildah push`` produces a layer, and why its digest equals
the ``diff-digest`` recorded at commit or pull time. :class:`TarSplitStream` does the same,
lazily, so the layer reader verifies every layer against the config's ``diff_ids``.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import gzip
import hashlib
import io
import json
import os
import re
import stat
import tomllib
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from jettison.errors import ImageFormatError, ImageNotFoundError
from jettison.image.blobs import CHUNK_BYTES
from jettison.image.model import Image, Layer, Platform, source_note
from jettison.image.sources import _shortnames
from jettison.image.sources._common import (
    MAX_METADATA_BYTES,
    check_digest,
    map_history,
    other_platform,
    parse_config,
)

STORAGE_ROOT_ENV = "JETTISON_STORAGE_ROOT"
"""Overrides the graph root (tests point it at a throw-away store)."""
STORAGE_CONF_ENV = "CONTAINERS_STORAGE_CONF"
STORAGE_DRIVER_ENV = "STORAGE_DRIVER"
"""Honoured by containers/storage itself, so buildah and jettison agree on the driver."""
SYSTEM_STORAGE_CONFS = (
    Path("/etc/containers/storage.conf"),
    Path("/usr/share/containers/storage.conf"),
)
ROOT_GRAPH_ROOT = Path("/var/lib/containers/storage")
SOURCE_KIND = "containers-storage"
LAYER_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar"

# Where each driver keeps the files of a layer, relative to the graph root. overlay keeps
# only the layer's own changes; vfs and btrfs keep the full tree as of that layer, which
# still holds every body the layer's tar-split names, at the same paths.
_LAYER_FILES: Mapping[str, str] = {
    "overlay": "overlay/{id}/diff",
    "vfs": "vfs/dir/{id}",
    "btrfs": "btrfs/subvolumes/{id}",
}
_DRIVER_ALIASES: Mapping[str, str] = {"overlay2": "overlay"}
# Probe order when neither STORAGE_DRIVER nor storage.conf names a driver (as c/storage does).
_DRIVER_PRIORITY = ("overlay", "btrfs", "vfs")

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_HEX_ID = re.compile(r"^(?:sha256:)?([0-9a-f]{3,64})$")
# containers-storage:[driver@graphroot+runroot:options]NAME, as in c/image's transport.
_STORE_SPEC = re.compile(r"^\[(?:(?P<driver>[\w.-]+)@)?(?P<root>[^+\]:]*)[^\]]*\](?P<name>.*)$")
_SHORT_NAME_PREFIXES = ("localhost/", "docker.io/library/", "docker.io/")
_DOCKER_PREFIXES = ("docker.io/library/", "docker.io/")

_TAR_SPLIT_FILE = 1
"""A tar-split entry naming a file body (``name``/``name_raw``, ``size``, crc64 ``payload``)."""
_TAR_SPLIT_SEGMENT = 2
"""A tar-split entry with raw tar bytes (headers, padding) in ``payload``, base64."""

NOT_IN_STORE_HINT = (
    "give a docker-archive tar or an OCI layout instead (`buildah push IMAGE docker-archive:FILE`)"
)


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """A containers/storage graph root and the driver whose metadata we read."""

    graph_root: Path
    driver: str

    @property
    def images_dir(self) -> Path:
        return self.graph_root / f"{self.driver}-images"

    @property
    def layers_dir(self) -> Path:
        return self.graph_root / f"{self.driver}-layers"

    def layer_files(self, layer_id: str) -> Path:
        return self.graph_root / _LAYER_FILES[self.driver].format(id=layer_id)


# --------------------------------------------------------------------------- locating


def _storage_conf() -> tuple[Path | None, str | None]:
    """``(graphroot, driver)`` from the first storage.conf found, either possibly None.

    Root reads ``graphroot``. Other users read ``graphroot`` from their own file, but from
    the system-wide file only ``rootless_storage_path``: its graphroot is root's store.
    """
    rootless = os.geteuid() != 0
    env = os.environ.get(STORAGE_CONF_ENV)
    candidates: list[tuple[Path, str]] = []
    if env:
        candidates.append((Path(env), "graphroot"))
    else:
        if rootless:
            config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
            candidates.append((Path(config_home) / "containers" / "storage.conf", "graphroot"))
        system_key = "rootless_storage_path" if rootless else "graphroot"
        candidates.extend((path, system_key) for path in SYSTEM_STORAGE_CONFS)
    for path, root_key in candidates:
        try:
            with path.open("rb") as fh:
                doc = tomllib.load(fh)
        except FileNotFoundError:
            continue
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ImageNotFoundError(
                f"cannot read the containers storage configuration {path} ({exc})",
                hint=f"fix it, or point {STORAGE_ROOT_ENV} at the store's graph root",
            ) from exc
        section = doc.get("storage")
        if not isinstance(section, dict):
            return None, None
        root = section.get(root_key)
        driver = section.get("driver")
        return (
            Path(os.path.expandvars(str(root))).expanduser() if root else None,
            str(driver) if driver else None,
        )
    return None, None


def _default_graph_root() -> Path:
    if os.geteuid() == 0:
        return ROOT_GRAPH_ROOT
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "containers" / "storage"


def locate_store(graph_root: Path | None = None, driver: str | None = None) -> StoreLocation:
    """Find the store the way buildah would: explicit, then env, then storage.conf, then default.

    The driver need not be configured: a store holds ``<driver>-images`` for the driver
    that wrote it, so we take the configured one when its metadata exists, else probe.
    """
    conf_root, conf_driver = _storage_conf()
    env_root = os.environ.get(STORAGE_ROOT_ENV)
    root = (
        graph_root or (Path(env_root) if env_root else None) or conf_root or _default_graph_root()
    )
    wanted = driver or os.environ.get(STORAGE_DRIVER_ENV) or conf_driver
    if wanted:
        wanted = _DRIVER_ALIASES.get(wanted, wanted)
    probe = [d for d in (wanted, *_DRIVER_PRIORITY) if d]
    for name in dict.fromkeys(probe):
        if (root / f"{name}-images" / "images.json").is_file():
            if name not in _LAYER_FILES:
                raise ImageFormatError(
                    f"the store at {root} uses the {name!r} storage driver, which jettison "
                    "cannot read in place",
                    hint=NOT_IN_STORE_HINT,
                )
            return StoreLocation(root, name)
    if not root.is_dir():
        raise ImageNotFoundError(f"no local buildah/podman store at {root}", hint=NOT_IN_STORE_HINT)
    if not os.access(root, os.R_OK | os.X_OK):
        raise ImageNotFoundError(
            f"the local buildah/podman store at {root} is not readable by this user",
            hint="run as the user that owns it (root for /var/lib/containers), or "
            + NOT_IN_STORE_HINT,
        )
    raise ImageNotFoundError(
        f"the local buildah/podman store at {root} holds no images"
        + (f" for the {wanted!r} driver" if wanted else ""),
        hint=NOT_IN_STORE_HINT,
    )


# --------------------------------------------------------------------------- metadata


def _load_json_list(path: Path, what: str, *, missing_ok: bool = False) -> list[dict[str, Any]]:
    """Read images.json or layers.json (c/storage replaces them atomically, so no lock)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return []
        raise ImageNotFoundError(f"no {what} at {path}", hint=NOT_IN_STORE_HINT) from None
    except OSError as exc:
        raise ImageNotFoundError(
            f"cannot read the store's {what} {path} ({exc.strerror or exc})",
            hint="run as the user that owns the store, or " + NOT_IN_STORE_HINT,
        ) from exc
    try:
        doc = json.loads(data) if data.strip() else []
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImageFormatError(f"the store's {what} {path} is not valid JSON ({exc})") from exc
    if not isinstance(doc, list):
        raise ImageFormatError(f"the store's {what} {path} is not a JSON list")
    return [d for d in doc if isinstance(d, dict) and isinstance(d.get("id"), str)]


def _big_data_file_name(key: str) -> str:
    """The file c/storage stores a big-data item under (``makeBigDataBaseName``).

    Keys made only of ``[a-z0-9.]`` are used as they are (``manifest``); any other key, such
    as ``sha256:<hex>`` or ``manifest-sha256:<hex>``, becomes ``=`` + base64 of the key.
    """
    if re.fullmatch(r"[a-z0-9.]*", key) and key:
        return key
    return "=" + base64.b64encode(key.encode("utf-8")).decode("ascii")


def _read_big_data(store: StoreLocation, image: Mapping[str, Any], key: str) -> bytes | None:
    """One big-data item of ``image``, or None when it does not have that key."""
    names = image.get("big-data-names") or []
    if key not in names:
        return None
    path = store.images_dir / str(image["id"]) / _big_data_file_name(key)
    try:
        if path.stat().st_size > MAX_METADATA_BYTES:
            raise ImageFormatError(f"{path}: implausibly large for image metadata")
        data = path.read_bytes()
    except OSError as exc:
        raise ImageFormatError(
            f"image {str(image['id'])[:12]}: its {key!r} is listed but unreadable ({exc})",
            hint="the store is damaged; rebuild or re-pull the image",
        ) from exc
    digests = image.get("big-data-digests") or {}
    if isinstance(digests, dict) and isinstance(digests.get(key), str):
        check_digest(data, digests[key], f"image {str(image['id'])[:12]} {key}")
    return data


def _json(data: bytes, what: str) -> Any:
    try:
        return json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImageFormatError(f"{what} is not valid JSON ({exc})") from exc


def _manifest_and_config(
    store: StoreLocation, image: Mapping[str, Any], reference: str
) -> tuple[str | None, str, bytes]:
    """``(manifest digest, config digest, config bytes)`` of a stored image.

    The image's ``manifest`` item is usually its image manifest. An image pulled through a
    manifest list may keep the list there and the instance under ``manifest-<digest>``, so
    we take the first image manifest whose config is stored. Images without any manifest
    (written by old tools) still have their config under ``sha256:<image id>``.
    """
    keys = [str(k) for k in image.get("big-data-names") or []]
    manifest_keys = [k for k in keys if k == "manifest"] + [
        k for k in keys if k.startswith("manifest-")
    ]
    for key in manifest_keys:
        data = _read_big_data(store, image, key)
        if data is None:
            continue
        manifest = _json(data, f"{reference}: stored {key}")
        if not isinstance(manifest, dict) or not isinstance(manifest.get("config"), dict):
            continue  # a manifest list, or a schema 1 manifest: try the next one
        config_digest = str(manifest["config"].get("digest"))
        config = _read_big_data(store, image, config_digest)
        if config is None:
            continue
        check_digest(config, config_digest, f"{reference}: config")
        manifest_digest = "sha256:" + hashlib.sha256(data).hexdigest()
        return manifest_digest, config_digest, config
    config_digest = "sha256:" + str(image["id"])
    config = _read_big_data(store, image, config_digest)
    if config is None:
        raise ImageFormatError(
            f"{reference}: image {str(image['id'])[:12]} has no stored config",
            hint="the store is damaged or the image is incomplete; rebuild or re-pull it",
        )
    digest = image.get("digest")
    return (str(digest) if digest else None), config_digest, config


# --------------------------------------------------------------------------- names


def _names(image: Mapping[str, Any]) -> list[str]:
    return [str(n) for n in image.get("names") or []]


def _has_tag_or_digest(name: str) -> bool:
    return "@" in name or ":" in name.rsplit("/", 1)[-1]


def _repository(name: str) -> str:
    """``registry/repo`` without ``:tag`` or ``@digest``."""
    name = name.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    last = last.split(":", 1)[0]
    return f"{head}/{last}" if head else last


def _unique(images: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return list({str(img["id"]): img for img in images}.values())


def find_image(
    images: Sequence[Mapping[str, Any]],
    name: str,
    where: str,
    settings: _shortnames.ShortNames | None = None,
) -> tuple[Mapping[str, Any], str | None]:
    """Resolve ``name`` as buildah and podman do for local images; the image, and a note
    saying which name was read when ``name`` was not one stored as it is.

    In order: an exact stored name; the name with ``:latest``; a short name's candidates
    (its short-name alias, then ``localhost/``, then the search registries: see
    :mod:`._shortnames`); Docker's ``docker.io/library/`` normalisation; any stored name
    ending in ``/NAME`` (when that is unambiguous); ``NAME@digest`` by repository and
    digest; and last an image ID or a prefix of one, with or without ``sha256:``.
    """
    by_name: dict[str, Mapping[str, Any]] = {}
    for img in images:
        for n in _names(img):
            by_name.setdefault(n, img)
    wanted = name if _has_tag_or_digest(name) else f"{name}:latest"
    for exact in (name, wanted):
        if exact in by_name:
            return by_name[exact], None
    for candidate in _shortnames.candidates(name, settings or _shortnames.load()):
        if candidate.name in by_name:
            how = f"{candidate.why}, as buildah and podman resolve it"
            return by_name[candidate.name], f"{name} is {candidate.name} ({how})"
    for prefix in _DOCKER_PREFIXES:
        if prefix + wanted in by_name:
            return by_name[prefix + wanted], (
                f"{name} is {prefix + wanted} (Docker's docker.io/library/ normalisation)"
            )
    suffixed = _unique([img for n, img in by_name.items() if n.endswith("/" + wanted)])
    ending = sorted(n for n in by_name if n.endswith("/" + wanted))
    if len(suffixed) > 1:
        raise ImageNotFoundError(
            f"{name}: several images in {where} match this short name",
            hint=f"give the full name: {', '.join(ending)}",
        )
    if suffixed:
        return suffixed[0], f"{name} is {ending[0]} (the only stored name ending in /{wanted})"
    if "@" in name:
        repo, _, digest = name.partition("@")
        for img in images:
            digests = {str(d) for d in img.get("digests") or []} | {str(img.get("digest"))}
            repos = {_repository(n) for n in _names(img)}
            if digest in digests and any(r == repo or r.endswith("/" + repo) for r in repos):
                return img, None
    match = _HEX_ID.match(name)
    if match:
        by_id = [img for img in images if str(img["id"]).startswith(match.group(1))]
        if len(by_id) == 1:
            return by_id[0], None
        if len(by_id) > 1:
            raise ImageNotFoundError(
                f"{name}: the ID prefix is ambiguous in {where}",
                hint="give more characters of the image ID",
            )
    raise ImageNotFoundError(
        f"{name}: no such image in {where}", hint=_close_names_hint(name, by_name)
    )


def _close_names_hint(name: str, by_name: Mapping[str, Any]) -> str:
    if not by_name:
        return "the store holds no named images; " + NOT_IN_STORE_HINT
    # Compare short forms too, so `text-servce` finds `localhost/text-service:latest`.
    forms: dict[str, str] = {}
    for full in by_name:
        forms[full] = full
        for prefix in _SHORT_NAME_PREFIXES:
            if full.startswith(prefix):
                short = full[len(prefix) :]
                forms.setdefault(short, full)
                forms.setdefault(_repository(short), full)
    close = difflib.get_close_matches(name, list(forms), n=8, cutoff=0.5)
    suggestions = list(dict.fromkeys(forms[c] for c in close))[:5]
    if suggestions:
        return f"close names in the store: {', '.join(suggestions)}"
    some = sorted(by_name)[:5]
    return f"names in the store include: {', '.join(some)}" + (", ..." if len(by_name) > 5 else "")


# --------------------------------------------------------------------------- layers


@dataclass(frozen=True, slots=True)
class StoredLayer:
    """Where one layer's tar-split and file bodies are."""

    layer_id: str
    tar_split: Path
    file_roots: tuple[Path, ...]
    """Directories searched in order for the bodies the tar-split names."""
    size_bytes: int
    composefs_marker: Path | None = None


class StoreBlobStore:
    """A :class:`~jettison.image.model.BlobStore` whose blobs are the layers' reconstructed tars.

    ``ref`` is a storage layer ID; the blob is the layer's uncompressed tar stream.
    """

    def __init__(self, location: StoreLocation, layers: Mapping[str, StoredLayer]) -> None:
        self.location = location
        self._layers = dict(layers)

    def close(self) -> None:
        """Nothing stays open between blobs: each stream closes its own files."""

    def _layer(self, ref: str) -> StoredLayer:
        layer = self._layers.get(ref)
        if layer is None:
            raise ImageFormatError(f"layer {ref!r} is not part of this image")
        return layer

    def open_blob(self, ref: str) -> BinaryIO:
        layer = self._layer(ref)
        label = f"layer {ref[:12]}"
        if layer.composefs_marker is not None and layer.composefs_marker.exists():
            raise ImageFormatError(
                f"{label} is stored with composefs, which jettison cannot read in place",
                hint=NOT_IN_STORE_HINT,
            )
        if not layer.tar_split.is_file():
            raise ImageFormatError(
                f"{label}: the store has no tar-split for it ({layer.tar_split} is missing), "
                "so its original tar cannot be rebuilt",
                hint=NOT_IN_STORE_HINT,
            )
        if not layer.file_roots[0].is_dir():
            raise ImageFormatError(
                f"{label}: its files are missing from the store ({layer.file_roots[0]})",
                hint="the store is damaged; rebuild or re-pull the image",
            )
        return io.BufferedReader(
            TarSplitStream(layer.tar_split, layer.file_roots, label), CHUNK_BYTES
        )

    def blob_size(self, ref: str) -> int:
        return self._layer(ref).size_bytes


def _layer_chain(
    top: str | None, layers: Mapping[str, Mapping[str, Any]], reference: str
) -> list[Mapping[str, Any]]:
    """The layers of an image, bottom first, by walking ``parent`` links from the top layer."""
    chain: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    current = top
    while current:
        if current in seen:
            raise ImageFormatError(
                f"{reference}: the store's layer parents form a loop at {current[:12]}"
            )
        seen.add(current)
        layer = layers.get(current)
        if layer is None:
            raise ImageFormatError(
                f"{reference}: layer {current[:12]} is missing from the store's layers.json",
                hint="the store is damaged; rebuild or re-pull the image",
            )
        chain.append(layer)
        parent = layer.get("parent")
        current = str(parent) if parent else None
    chain.reverse()
    return chain


def _tar_split_size(path: Path) -> int:
    """Length of the tar a tar-split rebuilds, for layers whose ``diff-size`` is not recorded."""
    total = 0
    for entry in _tar_split_entries(path, f"tar-split {path.name}"):
        if entry.get("type") == _TAR_SPLIT_SEGMENT:
            total += len(_payload(entry, path.name))
        else:
            total += int(entry.get("size") or 0)
    return total


def _stored_layers(
    location: StoreLocation, chain: Sequence[Mapping[str, Any]], reference: str
) -> dict[str, StoredLayer]:
    result: dict[str, StoredLayer] = {}
    roots_below: list[Path] = []  # file roots of the layers underneath, nearest last
    for layer in chain:
        layer_id = str(layer["id"])
        if not _SAFE_ID.match(layer_id):
            raise ImageFormatError(f"{reference}: the store names a layer {layer_id!r}, not an ID")
        tar_split = location.layers_dir / f"{layer_id}.tar-split.gz"
        own = location.layer_files(layer_id)
        # overlay's DiffGetter also looks in the lower layers' diff dirs (for layers made
        # from a template); the full-tree drivers never need to.
        roots = (own, *reversed(roots_below)) if location.driver == "overlay" else (own,)
        size = layer.get("diff-size")
        if not isinstance(size, int) or size <= 0:
            size = _tar_split_size(tar_split) if tar_split.is_file() else 0
        marker = own.parent / "composefs-data" if location.driver == "overlay" else None
        result[layer_id] = StoredLayer(layer_id, tar_split, roots, size, marker)
        roots_below.append(own)
    return result


# --------------------------------------------------------------------------- tar-split


def _tar_split_entries(path: Path, label: str) -> Iterator[dict[str, Any]]:
    """The JSON lines of a tar-split file, one dict each."""
    try:
        with gzip.open(path, "rb") as fh:
            for line in fh:
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise ImageFormatError(f"{label}: corrupt tar-split ({exc})") from exc
                if not isinstance(entry, dict):
                    raise ImageFormatError(f"{label}: corrupt tar-split (an entry is no object)")
                yield entry
    except (OSError, EOFError, zlib.error) as exc:
        raise ImageFormatError(f"{label}: unreadable tar-split {path} ({exc})") from exc


def _payload(entry: Mapping[str, Any], label: str) -> bytes:
    payload = entry.get("payload")
    if not payload:
        return b""
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, TypeError, ValueError) as exc:
        raise ImageFormatError(f"{label}: corrupt tar-split segment ({exc})") from exc


def _entry_name(entry: Mapping[str, Any], label: str) -> bytes:
    """The tar name of a file entry as bytes; ``name_raw`` (base64) holds non-UTF-8 names."""
    raw = entry.get("name_raw")
    if raw:
        try:
            return base64.b64decode(raw, validate=True)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise ImageFormatError(f"{label}: corrupt tar-split name ({exc})") from exc
    return str(entry.get("name") or "").encode("utf-8", "surrogateescape")


def _relative(name: bytes) -> bytes | None:
    """A tar name as a path below the layer's root; None when it would escape it."""
    parts: list[bytes] = []
    for part in name.split(b"/"):
        if part in (b"", b"."):
            continue
        if part == b"..":
            return None
        parts.append(part)
    return b"/".join(parts) or None


class TarSplitStream(io.RawIOBase):
    """Forward-only reader of a layer's original tar, rebuilt from its tar-split.

    Segments are copied out of the tar-split; each file body is opened only when the reader
    gets to it and read straight into the caller's buffer, so skipping a body (reading
    through it in large chunks) costs one ``read`` syscall per chunk and no extra copy.
    The tar-split's crc64 of each body is not checked: the reader verifies the whole
    stream against the config's diff_id, which is stronger.
    """

    def __init__(self, tar_split: Path, file_roots: Sequence[Path], label: str) -> None:
        super().__init__()
        self._tar_split = tar_split
        self._roots = [os.fsencode(r) for r in file_roots]
        self._real_roots = [os.path.realpath(r) for r in self._roots]
        self._label = label
        self._entries: Iterator[dict[str, Any]] | None = None
        self._segment = memoryview(b"")
        self._body: io.FileIO | None = None
        self._body_name = b""
        self._body_left = 0
        self._at_end = False
        self._safe_dirs: dict[bytes, bool] = {}

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.closed:
            raise ValueError("read from a closed layer stream")
        out = memoryview(buffer).cast("B")
        filled = 0
        # Fill the whole buffer: tar headers come as many 512-byte segments, and returning
        # after each would cost a round trip through every wrapper above us.
        while filled < len(out):
            if self._segment:
                n = min(len(self._segment), len(out) - filled)
                out[filled : filled + n] = self._segment[:n]
                self._segment = self._segment[n:]
                filled += n
            elif self._body is not None:
                filled += self._read_body(out[filled:])
            elif not self._next_entry():
                break
        return filled

    def _read_body(self, out: memoryview) -> int:
        assert self._body is not None
        want = min(len(out), self._body_left)
        try:
            n = self._body.readinto(out[:want]) or 0
        except OSError as exc:
            raise ImageFormatError(
                f"{self._label}: cannot read {self._display(self._body_name)} ({exc})"
            ) from exc
        if n == 0:
            raise ImageFormatError(
                f"{self._label}: {self._display(self._body_name)} in the store is shorter than "
                "the layer recorded; the file was changed after the layer was committed",
                hint="the store is damaged; rebuild or re-pull the image",
            )
        self._body_left -= n
        if self._body_left == 0:
            self._body.close()
            self._body = None
        return n

    def _next_entry(self) -> bool:
        """Advance to the next segment or non-empty body; False at the end of the tar-split."""
        if self._at_end:
            return False
        if self._entries is None:
            self._entries = _tar_split_entries(self._tar_split, self._label)
        for entry in self._entries:
            kind = entry.get("type")
            if kind == _TAR_SPLIT_SEGMENT:
                data = _payload(entry, self._label)
                if data:
                    self._segment = memoryview(data)
                    return True
            elif kind == _TAR_SPLIT_FILE:
                size = entry.get("size") or 0
                if not isinstance(size, int) or size < 0:
                    raise ImageFormatError(f"{self._label}: corrupt tar-split (bad size {size!r})")
                if size:  # directories, links, whiteouts and empty files have no body
                    self._open_body(_entry_name(entry, self._label), size)
                    return True
            else:
                raise ImageFormatError(f"{self._label}: corrupt tar-split (entry type {kind!r})")
        self._at_end = True
        return False

    def _open_body(self, name: bytes, size: int) -> None:
        rel = _relative(name)
        if rel is None:
            raise ImageFormatError(
                f"{self._label}: the tar-split names {self._display(name)}, outside the layer"
            )
        for root, real_root in zip(self._roots, self._real_roots, strict=True):
            # bytes paths (names need not be UTF-8) through os.path: this runs once per body.
            path = os.path.join(root, rel)  # noqa: PTH118
            if not self._inside(os.path.dirname(path), real_root):  # noqa: PTH120
                continue
            try:
                # O_NOFOLLOW: a body is a regular file; never follow a symlink in its place.
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
            except (FileNotFoundError, NotADirectoryError):
                continue
            except OSError as exc:
                raise ImageFormatError(
                    f"{self._label}: cannot open {self._display(name)} ({exc.strerror})",
                    hint="run as the user that owns the store",
                ) from exc
            body = io.FileIO(fd, "rb", closefd=True)
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                body.close()
                raise ImageFormatError(
                    f"{self._label}: {self._display(name)} is not a regular file in the store"
                )
            self._body, self._body_name, self._body_left = body, name, size
            return
        raise ImageFormatError(
            f"{self._label}: {self._display(name)} is in the layer's tar-split but missing from "
            f"{self._roots[0].decode(errors='replace')}",
            hint="the store is damaged; rebuild or re-pull the image",
        )

    def _inside(self, directory: bytes, real_root: str | bytes) -> bool:
        """Whether ``directory`` resolves to a place under the layer root (no symlink escape)."""
        known = self._safe_dirs.get(directory)
        if known is None:
            real = os.path.realpath(directory)
            root = os.fsencode(real_root)
            known = real == root or real.startswith(root + b"/")
            self._safe_dirs[directory] = known
        return known

    @staticmethod
    def _display(name: bytes) -> str:
        return name.decode("utf-8", "backslashreplace")

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
        if self._entries is not None:
            close = getattr(self._entries, "close", None)
            if close is not None:
                close()  # closes the gzip file inside the generator
            self._entries = None
        super().close()


# --------------------------------------------------------------------------- opening


def _split_store_spec(name: str) -> tuple[Path | None, str | None, str]:
    """Take c/image's ``[driver@graphroot+runroot]`` prefix off a name, if there is one."""
    match = _STORE_SPEC.match(name)
    if not match:
        return None, None, name
    root = match.group("root")
    return (Path(root) if root else None), match.group("driver"), match.group("name")


def open_from_store(name: str, reference: str, platform: Platform | None) -> Image:
    """Open the image ``name`` from the local buildah/podman store, reading it in place.

    ``name`` is a stored name (``localhost/app:1``), a short one (``app``, ``python:3.11``),
    ``NAME@sha256:...``, or an image ID or ID prefix; it may start with c/image's
    ``[driver@graphroot]`` store specifier.
    """
    spec_root, spec_driver, name = _split_store_spec(name.strip())
    if not name:
        raise ImageNotFoundError(f"{reference}: no image name given")
    try:
        location = locate_store(spec_root, spec_driver)
    except ImageNotFoundError as exc:  # say which name sent us looking
        raise ImageNotFoundError(f"{reference}: {exc}", hint=exc.hint) from exc
    where = f"the local store {location.graph_root}"
    images = _load_json_list(location.images_dir / "images.json", "image list")
    image, resolved = find_image(images, name, where)
    image_id = str(image["id"])
    if not _SAFE_ID.match(image_id):
        raise ImageFormatError(f"{reference}: the store names an image {image_id!r}, not an ID")

    manifest_digest, config_digest, raw_config = _manifest_and_config(location, image, reference)
    what = f"{reference}: config {config_digest}"
    config, history = parse_config(_json(raw_config, what), what)
    built_for = other_platform(config, platform)
    if built_for is not None:
        raise ImageFormatError(
            f"{reference}: the stored image is for {built_for}, not {platform}",
            hint="a local store keeps one platform per image name: build or pull it for "
            f"{platform} under another name, or leave out --platform",
        )

    all_layers = {
        str(layer["id"]): layer
        for layer in (
            *_load_json_list(location.layers_dir / "layers.json", "layer list"),
            *_load_json_list(
                location.layers_dir / "volatile-layers.json", "layer list", missing_ok=True
            ),
        )
    }
    top = image.get("layer")
    chain = _layer_chain(str(top) if top else None, all_layers, reference)
    if len(chain) != len(config.diff_ids):
        raise ImageFormatError(
            f"{reference}: the store has {len(chain)} layers for this image but its config "
            f"lists {len(config.diff_ids)}",
            hint=NOT_IN_STORE_HINT,
        )
    for i, (layer, diff_id) in enumerate(zip(chain, config.diff_ids, strict=True)):
        recorded = layer.get("diff-digest")
        if recorded and recorded != diff_id:
            raise ImageFormatError(
                f"{reference}: layer {i} in the store has digest {recorded}, "
                f"the config says {diff_id}",
                hint="the store is inconsistent; rebuild or re-pull the image",
            )
    stored = _stored_layers(location, chain, reference)
    blobs = StoreBlobStore(location, stored)
    layers = tuple(
        Layer(
            index=i,
            blob_ref=str(layer["id"]),
            store=blobs,
            stored_size_bytes=stored[str(layer["id"])].size_bytes,
            media_type=LAYER_MEDIA_TYPE,
            digest=None,  # the store keeps no compressed blob; the diff_id is what we verify
            diff_id=config.diff_ids[i],
        )
        for i, layer in enumerate(chain)
    )
    return Image(
        reference=reference,
        source_kind=SOURCE_KIND,
        config=config,
        layers=layers,
        history=map_history(history, len(layers)),
        manifest_digest=manifest_digest,
        config_digest=config_digest,
        tags=tuple(_names(image)),
        notes=(source_note(resolved),) if resolved else (),
    )
