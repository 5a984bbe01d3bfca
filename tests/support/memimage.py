"""Build small in-memory images from a declarative spec, for analyzer unit tests.

``scan([[File("usr/bin/x", b"..."), Dir("etc"), Symlink("lib", "usr/lib")], [...]])`` streams
real tar bytes through the real layer reader and merged filesystem, with every file
captured, so analyzers see exactly what they would see in a real image.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from jettison.image.model import Image, ImageConfig, Layer
from jettison.image.scan import ScannedImage, scan_image


@dataclass(frozen=True)
class File:
    path: str
    content: bytes = b""
    mode: int = 0o644


@dataclass(frozen=True)
class Dir:
    path: str


@dataclass(frozen=True)
class Symlink:
    path: str
    target: str


@dataclass(frozen=True)
class Hardlink:
    path: str
    target: str


@dataclass(frozen=True)
class Whiteout:
    path: str
    """The path to delete; written as ``dir/.wh.name``."""


@dataclass(frozen=True)
class Opaque:
    path: str
    """The directory to make opaque; written as ``dir/.wh..wh..opq``."""


Spec = File | Dir | Symlink | Hardlink | Whiteout | Opaque


def layer_tar(entries: Sequence[Spec]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for spec in entries:
            info = tarfile.TarInfo()
            data = None
            if isinstance(spec, File):
                info.name, info.size, info.mode = spec.path, len(spec.content), spec.mode
                data = io.BytesIO(spec.content)
            elif isinstance(spec, Dir):
                info.name, info.type, info.mode = spec.path, tarfile.DIRTYPE, 0o755
            elif isinstance(spec, Symlink):
                info.name, info.type, info.linkname = spec.path, tarfile.SYMTYPE, spec.target
            elif isinstance(spec, Hardlink):
                info.name, info.type, info.linkname = spec.path, tarfile.LNKTYPE, spec.target
            elif isinstance(spec, Whiteout):
                head, _, name = spec.path.rpartition("/")
                info.name = f"{head}/.wh.{name}" if head else f".wh.{name}"
            else:
                info.name = f"{spec.path}/.wh..wh..opq" if spec.path else ".wh..wh..opq"
            tar.addfile(info, data)
    return buf.getvalue()


class MemoryStore:
    def __init__(self, blobs: dict[str, bytes]) -> None:
        self.blobs = blobs

    def open_blob(self, ref: str) -> BinaryIO:
        return io.BytesIO(self.blobs[ref])

    def blob_size(self, ref: str) -> int:
        return len(self.blobs[ref])

    def close(self) -> None:
        pass


def image(layers: Sequence[Sequence[Spec]], config: ImageConfig | None = None) -> Image:
    store = MemoryStore({f"layer{i}": layer_tar(entries) for i, entries in enumerate(layers)})
    return Image(
        reference="memory",
        source_kind="memory",
        config=config or ImageConfig(),
        layers=tuple(
            Layer(
                index=i,
                blob_ref=f"layer{i}",
                store=store,
                stored_size_bytes=store.blob_size(f"layer{i}"),
            )
            for i in range(len(layers))
        ),
        history=(),
    )


def scan(layers: Sequence[Sequence[Spec]], config: ImageConfig | None = None) -> ScannedImage:
    """Scan an in-memory image, capturing every file's content."""
    return scan_image(image(layers, config), capture=lambda _path, _size: True)
