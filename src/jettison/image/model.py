"""The image model: small frozen types that every source yields and every analyzer reads.

An :class:`Image` is a config plus an ordered tuple of :class:`Layer`. A layer knows how to open
its blob (through the :class:`BlobStore` of the source it came from) but holds no file data: the
file listing is produced by streaming the layer once (see :mod:`jettison.image.layer_reader`).

Paths of :class:`FileEntry` are normalised: relative to the image root, no leading ``./`` or
``/``, no trailing ``/``, no ``.`` or ``..`` components (the root directory itself is ``""``).
Whiteout markers are decoded: ``usr/.wh.foo`` becomes an entry of kind ``WHITEOUT`` at path
``usr/foo``, and ``usr/.wh..wh..opq`` becomes an entry of kind ``OPAQUE`` at path ``usr``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from jettison.notices import Notice, Severity


class EntryKind(enum.Enum):
    FILE = "file"
    DIR = "dir"
    SYMLINK = "symlink"
    HARDLINK = "hardlink"
    DEVICE = "device"
    FIFO = "fifo"
    WHITEOUT = "whiteout"
    """Deletes ``path`` (and everything below it) from the layers underneath."""
    OPAQUE = "opaque"
    """Hides everything the layers underneath have below the directory ``path``."""


@dataclass(frozen=True, slots=True)
class FileEntry:
    """One tar entry of one layer."""

    path: str
    kind: EntryKind
    size_bytes: int
    """Content bytes stored for this entry (0 for anything but a regular file)."""
    layer_index: int
    mode: int = 0o644
    uid: int = 0
    gid: int = 0
    link_target: str | None = None
    """Symlink target as written in the tar (may be relative or absolute), or the normalised
    path of a hard link's target."""
    data_offset: int | None = None
    """Offset of the content in the uncompressed layer stream (regular files only)."""
    header_size_bytes: int = 0
    """The size field of the tar header as written. Equal to ``size_bytes`` for regular files;
    some writers put a size on hard links or directories that carry no data. Only the
    dive-compatible metrics read it, because dive sums it."""

    def __post_init__(self) -> None:
        if self.kind is EntryKind.FILE and not self.header_size_bytes:
            object.__setattr__(self, "header_size_bytes", self.size_bytes)

    @property
    def is_file(self) -> bool:
        return self.kind is EntryKind.FILE


@dataclass(frozen=True, slots=True)
class Location:
    """Where a file lives: its path and the layer that supplied it."""

    path: str
    layer_index: int


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One entry of the image config's ``history``; ``layer_index`` is None for empty layers."""

    created_by: str
    created: str | None = None
    comment: str | None = None
    empty_layer: bool = False
    layer_index: int | None = None


@dataclass(frozen=True, slots=True)
class Platform:
    os: str
    architecture: str
    variant: str | None = None

    @classmethod
    def parse(cls, text: str) -> Platform:
        """Parse ``os/arch[/variant]`` such as ``linux/amd64`` or ``linux/arm64/v8``."""
        parts = text.strip().split("/")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"platform must look like os/arch[/variant], got {text!r}")
        return cls(parts[0], parts[1], parts[2] if len(parts) == 3 else None)

    def matches(self, os: str | None, architecture: str | None, variant: str | None) -> bool:
        if self.os != os or self.architecture != architecture:
            return False
        return self.variant is None or variant is None or self.variant == variant

    def __str__(self) -> str:
        base = f"{self.os}/{self.architecture}"
        return f"{base}/{self.variant}" if self.variant else base


DEFAULT_PLATFORM = Platform("linux", "amd64")

SOURCE_NOTE = "image-source"
"""The kind of the notes a source adds to an image."""


def source_note(message: str, subject: str | None = None) -> Notice:
    """A note saying which image was read (a short name resolved, an index's image picked)."""
    return Notice(Severity.INFO, message, SOURCE_NOTE, subject=subject)


@dataclass(frozen=True, slots=True)
class ImageConfig:
    """The parts of the OCI/Docker image config that analyzers use."""

    os: str | None = None
    architecture: str | None = None
    variant: str | None = None
    cmd: tuple[str, ...] | None = None
    entrypoint: tuple[str, ...] | None = None
    env: tuple[str, ...] = ()
    user: str | None = None
    working_dir: str | None = None
    exposed_ports: tuple[str, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)
    diff_ids: tuple[str, ...] = ()


class BlobStore(Protocol):
    """Gives access to the blobs of one source (a tar archive, a directory, a store)."""

    def open_blob(self, ref: str) -> BinaryIO:
        """Open the blob named ``ref`` (a path inside the source) for binary reading."""
        ...

    def blob_size(self, ref: str) -> int:
        """Stored size of the blob ``ref`` in bytes."""
        ...

    def close(self) -> None:
        """Release open files (a no-op for stores that hold none)."""
        ...


@dataclass(frozen=True)
class Layer:
    """One filesystem layer, as stored by its source.

    ``stored_size_bytes`` is the size of the blob as shipped (compressed when the blob is
    compressed); ``compression`` is known only once the blob's first bytes were sniffed, so it
    is filled in by the reader, not the source (see ``layer_reader.LayerListing``).
    """

    index: int
    blob_ref: str
    store: BlobStore = field(compare=False, repr=False)
    stored_size_bytes: int
    media_type: str | None = None
    digest: str | None = None
    """Digest of the stored blob (``sha256:...``), when the source names it."""
    diff_id: str | None = None
    """Digest of the uncompressed tar stream, from the image config."""

    def open_blob(self) -> BinaryIO:
        return self.store.open_blob(self.blob_ref)


class OnePass(Protocol):
    """Layers that can be read only once, in the order one stream delivers them.

    A Docker Engine's export is such a stream: a tar whose members come in the order of
    their names, layers and config mixed, ``manifest.json`` last. So which layer is which is
    known only at the end; the scan reads each as it arrives and places it afterwards.
    """

    def layers(self) -> Iterator[Layer]:
        """Each layer as it arrives: ``index`` in arrival order, ``blob_ref`` its name in the
        stream, no digests; its blob can be read until the next layer is asked for."""
        ...

    def finish(self) -> Image:
        """After the last layer: the image, with its layers in order, each ``blob_ref``
        naming the streamed layer it is (several may name one)."""
        ...

    @property
    def expected_bytes(self) -> int:
        """About how many bytes the stream holds (for progress)."""
        ...


@dataclass(frozen=True)
class Image:
    """A container image: config, layers (bottom first) and history."""

    reference: str
    source_kind: str
    """``docker-archive``, ``oci-layout``, ``oci-archive``, ``containers-storage``,
    ``registry`` or ``docker-daemon``."""
    config: ImageConfig
    layers: tuple[Layer, ...]
    history: tuple[HistoryEntry, ...]
    manifest_digest: str | None = None
    config_digest: str | None = None
    tags: tuple[str, ...] = ()
    closer: Callable[[], None] | None = field(default=None, compare=False, repr=False)
    """Releases what the source opened beyond the layers' stores (e.g. an empty image's
    archive)."""
    notes: tuple[Notice, ...] = ()
    """What the source decided that the user should know: which image a short name or an
    index resolved to (:func:`source_note`)."""
    one_pass: OnePass | None = field(default=None, compare=False, repr=False)
    """Set when the layers can be read only in one pass (:class:`OnePass`); ``layers`` is
    then empty until the scan has placed them (it returns the finished image)."""

    def close(self) -> None:
        """Close the stores the layers read from (an archive's open file)."""
        for store in {id(layer.store): layer.store for layer in self.layers}.values():
            store.close()
        if self.closer is not None:
            self.closer()

    def __enter__(self) -> Image:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def created_by(self, layer_index: int) -> str | None:
        """The instruction that created a layer, from the history (None when unknown)."""
        for entry in self.history:
            if entry.layer_index == layer_index:
                return entry.created_by
        return None
