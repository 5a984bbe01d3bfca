"""``docker://NAME`` (or ``docker-daemon:NAME``): an image in a Docker Engine, read from the
engine's export as it streams; no copy is written.

The export (``GET /images/NAME/get``, what ``docker save`` writes) is the engine's one way to
hand out an image, local or remote. It is a tar whose members come in the order of their
names: the layers (``<id>/layer.tar``, or ``blobs/sha256/<hex>`` from Docker 25 on) mixed
with the config, ``manifest.json`` last. So the scan reads each layer as it arrives, knowing
only its name, and places it once ``manifest.json`` says which layer it is
(:class:`~jettison.image.model.OnePass`); its digests are checked there, on the bytes that
streamed. The image is then read exactly as the archive ``docker save`` would write
(:func:`~jettison.image.sources.docker_archive.read_archive`), so both report the same.

The engine resolves NAME itself (Docker's ``docker.io/library/`` normalisation, image IDs);
the engine is found as the docker CLI finds it (:mod:`jettison.image.docker_engine`). A
note says which image, in which engine, was read.
"""

from __future__ import annotations

import dataclasses
import io
import re
import urllib.parse
from collections.abc import Iterator
from typing import Any, BinaryIO

from jettison.errors import EngineError, ImageFormatError, ImageNotFoundError
from jettison.image.blobs import STREAM_CHUNK_BYTES
from jettison.image.docker_engine import EngineClient
from jettison.image.layer_reader import normalize_path
from jettison.image.model import Image, Layer, Platform, source_note
from jettison.image.sources._common import MAX_METADATA_BYTES, other_platform, parse_config
from jettison.image.sources._shortnames import is_short
from jettison.image.sources.docker_archive import read_archive
from jettison.image.tarstream import HARDLINK, REGULAR, SYMLINK, ChunkReader, iter_headers
from jettison.imageref import full_name

SOURCE_KIND = "docker-daemon"
_IMAGE_ID = re.compile(r"[0-9a-f]{6,64}")
PREFIXES = ("docker://", "docker-daemon:")


class _Member(io.RawIOBase):
    """The body of the export's current member, read straight from the stream."""

    def __init__(self, reader: ChunkReader, size: int, head: bytes) -> None:
        super().__init__()
        self._reader = reader
        self._head = head
        self._left = size - len(head)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self._head:
            n = min(len(view), len(self._head))
            view[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        if self._left <= 0:
            return 0
        data = self._reader.read(min(len(view), self._left))
        if not data:
            raise ImageFormatError("the Docker Engine's export ended inside a layer")
        view[: len(data)] = data
        self._left -= len(data)
        return len(data)


class _Current:
    """The store of the layer being streamed: its one blob, opened once."""

    def __init__(self, member: _Member) -> None:
        self._member: _Member | None = member

    def open_blob(self, ref: str) -> BinaryIO:
        member, self._member = self._member, None
        if member is None:
            raise ImageFormatError(f"layer {ref} of a Docker Engine's export was read already")
        return member  # type: ignore[return-value]

    def blob_size(self, ref: str) -> int:
        raise ImageFormatError(f"layer {ref} is being streamed; its size is the member's")

    def close(self) -> None:
        """The stream belongs to the export."""


class _Streamed:
    """The export's blobs once streamed: metadata kept, layers only sized (read once)."""

    def __init__(self, metadata: dict[str, bytes], sizes: dict[str, int], links: dict[str, str]):
        self._metadata = metadata
        self._sizes = sizes
        self._links = links

    def resolve(self, ref: str) -> str:
        name = normalize_path(ref) or ""
        for _ in range(8):  # docker save links repeated layers to their first copy
            if name not in self._links:
                break
            name = self._links[name]
        return name

    def has(self, ref: str) -> bool:
        name = self.resolve(ref)
        return name in self._metadata or name in self._sizes

    def open_blob(self, ref: str) -> BinaryIO:
        name = self.resolve(ref)
        if name in self._metadata:
            return io.BytesIO(self._metadata[name])
        raise ImageFormatError(
            f"layer {ref} of a Docker Engine's export was read as it streamed and cannot be "
            "read again",
            hint="save the image (`docker save IMAGE -o FILE`) to read it more than once",
        )

    def blob_size(self, ref: str) -> int:
        name = self.resolve(ref)
        if name in self._metadata:
            return len(self._metadata[name])
        if name in self._sizes:
            return self._sizes[name]
        raise ImageFormatError(f"the Docker Engine's export has no {ref!r}")

    def close(self) -> None:
        """Nothing is held open."""


class ExportStream:
    """One pass over an engine's export of ``name`` (see :class:`OnePass`)."""

    def __init__(self, client: EngineClient, name: str, reference: str, size: int) -> None:
        self._client = client
        self._name = name
        self._reference = reference
        self._size = size
        self._metadata: dict[str, bytes] = {}
        self._sizes: dict[str, int] = {}
        self._links: dict[str, str] = {}
        self._response: Any = None
        self._finished = False

    @property
    def expected_bytes(self) -> int:
        return self._size

    def layers(self) -> Iterator[Layer]:
        url = f"/images/{urllib.parse.quote(self._name, safe='/:@')}/get"
        self._response = response = self._client.get(url)
        if response.status != 200:
            body = response.read(1 << 16)
            response.close()
            raise EngineError(
                f"{self._reference}: the Docker Engine at {self._client.endpoint} refused the "
                f"export ({response.status}: {body[:200].decode(errors='replace').strip()})"
            )
        chunks = iter(lambda: response.read(STREAM_CHUNK_BYTES), b"")
        reader = ChunkReader(chunks)
        label = f"{self._reference}: the engine's export"
        index = 0
        for member, typeflag, size, _ids, link, _offset in iter_headers(reader, label):
            path = normalize_path(member)
            if path is None:
                continue
            if typeflag in (SYMLINK, HARDLINK):
                base = path.rpartition("/")[0] if typeflag == SYMLINK else ""
                target = normalize_path(f"{base}/{link}" if base else link)
                if target is not None:
                    self._links[path] = target
                continue
            if typeflag != REGULAR:
                continue
            head = reader.read(min(size, 1))
            if self._is_layer(path, head, size):
                self._sizes[path] = size
                yield Layer(index, path, _Current(_Member(reader, size, head)), size)
                index += 1
                continue
            if size > MAX_METADATA_BYTES:
                raise ImageFormatError(f"{label}: {path} is implausibly large for metadata")
            self._metadata[path] = head + reader.read(size - len(head))
        self._finished = True

    def _is_layer(self, path: str, head: bytes, size: int) -> bool:
        if path.endswith("/layer.tar"):
            return True
        return path.startswith("blobs/") and not (head == b"{" and size <= MAX_METADATA_BYTES)

    def finish(self) -> Image:
        if not self._finished:
            raise ImageFormatError(
                f"{self._reference}: the engine's export was not read to its end"
            )
        self.close()
        store = _Streamed(self._metadata, self._sizes, self._links)
        image = read_archive(store, self._reference, self._reference, None, SOURCE_KIND)
        layers = tuple(
            dataclasses.replace(layer, blob_ref=store.resolve(layer.blob_ref))
            for layer in image.layers
        )
        return dataclasses.replace(image, layers=layers)

    def close(self) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None


def open_daemon(name: str, reference: str, platform: Platform | None) -> Image:
    """Open ``name`` in the Docker Engine the docker CLI would use."""
    if not name:
        raise ImageNotFoundError(f"{reference}: no image name given")
    client = EngineClient()
    path = f"/images/{urllib.parse.quote(name, safe='/:@')}/json"
    info = client.get_json(path, f"image {name}")
    if not isinstance(info, dict):
        raise ImageNotFoundError(
            f"{reference}: no such image in the Docker Engine at {client.endpoint}",
            hint="`docker images` lists them; `docker load -i FILE` adds one",
        )
    config = _config(info, reference)
    built_for = other_platform(config, platform)
    if built_for is not None:
        raise ImageFormatError(
            f"{reference}: the engine's image is for {built_for}, not {platform}",
            hint="an engine keeps one platform per image name: pull or build it for "
            f"{platform} under another name, or leave out --platform",
        )
    image_id = str(info.get("Id") or "")
    stream = ExportStream(client, name, reference, int(info.get("Size") or 0))
    tags = tuple(str(t) for t in info.get("RepoTags") or [])
    return Image(
        reference=reference,
        source_kind=SOURCE_KIND,
        config=config,
        layers=(),
        history=(),
        config_digest=image_id or None,
        tags=tags,
        closer=stream.close,
        notes=(source_note(_note(name, image_id, client)),),
        one_pass=stream,
    )


def _config(info: dict[str, Any], reference: str) -> Any:
    rootfs = info.get("RootFS") if isinstance(info.get("RootFS"), dict) else {}
    doc = {
        "os": info.get("Os"),
        "architecture": info.get("Architecture"),
        "variant": info.get("Variant"),
        "config": info.get("Config") or {},
        "rootfs": {"diff_ids": (rootfs or {}).get("Layers") or []},
    }
    return parse_config(doc, f"{reference}: the engine's image")[0]


def _note(name: str, image_id: str, client: EngineClient) -> str:
    short_id = image_id.removeprefix("sha256:")[:12]
    where = f"image {short_id} in the Docker Engine at {client.endpoint}"
    if is_short(name) and "@" not in name and not _IMAGE_ID.fullmatch(name.removeprefix("sha256:")):
        try:
            full = full_name(name).text
        except ValueError:
            return where
        if full != name:
            return f"{name} is {full} (Docker's normalisation), {where}"
    return where
