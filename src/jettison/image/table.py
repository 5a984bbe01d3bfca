"""A layer's entries as columns: one list of paths and a few flat arrays, no object per entry.

A layer of the naive BERT image holds 78,000 tar entries; 500,000 are not rare in large
images. As :class:`~jettison.image.model.FileEntry` objects they cost about 2 µs and 100
bytes each to build, before anything reads them. An :class:`EntryTable` keeps the same facts
in columns (row ``i`` of every column is entry ``i``, in tar order):

- ``paths``: normalised paths (whiteouts decoded, as in ``FileEntry.path``);
- ``kinds``: one byte per entry, the index of its :class:`EntryKind` in :data:`KINDS`;
- ``sizes``: content bytes (0 for anything but a regular file);
- ``offsets``: offset of the content in the uncompressed layer stream (-1: none);
- ``ids``: the 24 raw header bytes of mode, uid and gid per entry, parsed only for the
  entries someone builds a ``FileEntry`` of (``id_values`` holds the numbers where pax
  records or a caller gave them);
- sparse maps for what few entries have: link targets, a header size field that differs
  from the content size (dive sums it), a fingerprint of a file's content when the scan
  hashed it.

:meth:`entry` builds the ``FileEntry`` of one row when a caller wants one. The table also
serialises to bytes (:meth:`to_bytes`) for the per-layer scan cache.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections.abc import Iterable

from jettison.image.model import EntryKind, FileEntry
from jettison.image.tarstream import Ids, parse_ids

KINDS: tuple[EntryKind, ...] = tuple(EntryKind)
"""Kind codes: ``kinds[i]`` of a table is an index into this tuple."""
KIND_CODE: dict[EntryKind, int] = {kind: code for code, kind in enumerate(KINDS)}
FILE = KIND_CODE[EntryKind.FILE]
DIR = KIND_CODE[EntryKind.DIR]
SYMLINK = KIND_CODE[EntryKind.SYMLINK]
HARDLINK = KIND_CODE[EntryKind.HARDLINK]
WHITEOUT = KIND_CODE[EntryKind.WHITEOUT]
OPAQUE = KIND_CODE[EntryKind.OPAQUE]

_MAGIC = b"JTTB3\n"
_COUNTS = struct.Struct("<QQQQQQ")
"""rows, bytes of the path blob, link rows, header-size rows, digest rows, id rows."""
DIGEST_BYTES = 8
"""Size of a content fingerprint in ``digests``."""
_DEFAULT_IDS = (0o644, 0, 0)
_NO_IDS = bytes(24)
"""``ids`` of a row whose numbers are in ``id_values``."""


class TableFormatError(ValueError):
    """Bytes that are not a serialised table (truncated, foreign, another version)."""


class EntryTable:
    """The entries of one layer, in tar order, as columns."""

    __slots__ = (
        "digests",
        "header_sizes",
        "id_values",
        "ids",
        "kinds",
        "layer_index",
        "links",
        "offsets",
        "paths",
        "sizes",
    )

    def __init__(self, layer_index: int) -> None:
        self.layer_index = layer_index
        self.paths: list[str] = []
        self.kinds = bytearray()
        self.sizes = array("q")
        self.offsets = array("q")
        self.ids = bytearray()
        self.id_values: dict[int, tuple[int, int, int]] = {}
        """Row -> (mode, uid, gid) where ``ids`` does not hold them."""
        self.links: dict[int, str] = {}
        """Row -> link target (symlink target as written; hard link target normalised)."""
        self.header_sizes: dict[int, int] = {}
        """Row -> the tar header's size field, where it differs from ``sizes``."""
        self.digests: dict[int, bytes] = {}
        """Row -> fingerprint of the content (:class:`~jettison.image.blobs.Fingerprint`), for
        files whose content the scan hashed."""

    def append(
        self,
        path: str,
        kind: int,
        size: int,
        offset: int = -1,
        ids: Ids = _DEFAULT_IDS,
        link: str | None = None,
        header_size: int | None = None,
    ) -> int:
        """Add one entry; returns its row. ``ids``: the raw mode/uid/gid header bytes or
        the numbers; ``header_size``: the raw size field, if it differs from ``size``."""
        row = len(self.paths)
        self.paths.append(path)
        self.kinds.append(kind)
        self.sizes.append(size)
        self.offsets.append(offset)
        if isinstance(ids, tuple):
            self.ids += _NO_IDS
            self.id_values[row] = ids
        else:
            self.ids += ids
        if link is not None:
            self.links[row] = link
        if header_size is not None and header_size != size:
            self.header_sizes[row] = header_size
        return row

    @classmethod
    def from_entries(
        cls,
        layer_index: int,
        entries: Iterable[FileEntry],
    ) -> EntryTable:
        """A table holding ``entries`` (for callers and tests that build entries by hand)."""
        table = cls(layer_index)
        for e in entries:
            table.append(
                e.path,
                KIND_CODE[e.kind],
                e.size_bytes,
                -1 if e.data_offset is None else e.data_offset,
                (e.mode, e.uid, e.gid),
                e.link_target,
                e.header_size_bytes,
            )
        return table

    def at_layer(self, layer_index: int) -> EntryTable:
        """The same entries as the layer ``layer_index`` (columns shared, not copied): for a
        layer read before its place in the image was known."""
        table = EntryTable(layer_index)
        for name in self.__slots__:
            if name != "layer_index":
                setattr(table, name, getattr(self, name))
        return table

    def __len__(self) -> int:
        return len(self.paths)

    def kind(self, row: int) -> EntryKind:
        return KINDS[self.kinds[row]]

    def header_size(self, row: int) -> int:
        """dive's view: the size field of the tar header as written."""
        return self.header_sizes.get(row, self.sizes[row])

    def entry(self, row: int) -> FileEntry:
        """The :class:`FileEntry` of one row (built on demand)."""
        kind = KINDS[self.kinds[row]]
        offset = self.offsets[row]
        mode, uid, gid = self.mode_uid_gid(row)
        return FileEntry(
            path=self.paths[row],
            kind=kind,
            size_bytes=self.sizes[row],
            layer_index=self.layer_index,
            mode=mode,
            uid=uid,
            gid=gid,
            link_target=self.links.get(row),
            data_offset=None if offset < 0 else offset,
            header_size_bytes=self.header_sizes.get(row, self.sizes[row]),
        )

    def mode_uid_gid(self, row: int) -> tuple[int, int, int]:
        values = self.id_values.get(row)
        if values is not None:
            return values
        return parse_ids(bytes(self.ids[24 * row : 24 * row + 24]))

    def entries(self) -> tuple[FileEntry, ...]:
        return tuple(self.entry(row) for row in range(len(self.paths)))

    def content_bytes(self) -> int:
        """Sum of regular file contents (``sizes`` is 0 for every other kind)."""
        return sum(self.sizes)

    def count(self, *kinds: int) -> int:
        return sum(self.kinds.count(k) for k in kinds)

    # -- serialisation (the scan cache) ---------------------------------------------------

    def to_bytes(self) -> bytes:
        """A compact, versioned byte form; :meth:`from_bytes` reads it back."""
        blob = "\0".join(self.paths).encode("utf-8", "surrogateescape")
        links = sorted(self.links.items())
        link_blob = "\0".join(t for _, t in links).encode("utf-8", "surrogateescape")
        heads = sorted(self.header_sizes.items())
        digests = sorted(self.digests.items())
        id_values = sorted(self.id_values.items())
        parts = [
            _MAGIC,
            _COUNTS.pack(
                len(self.paths), len(blob), len(links), len(heads), len(digests), len(id_values)
            ),
            struct.pack("<q", self.layer_index),
            blob,
            bytes(self.kinds),
            _le(self.sizes),
            _le(self.offsets),
            bytes(self.ids),
            _le(array("Q", (r for r, _ in id_values))),
            _le(array("q", (v for _, vs in id_values for v in vs))),
            _le(array("Q", (r for r, _ in links))),
            struct.pack("<Q", len(link_blob)),
            link_blob,
            _le(array("Q", (r for r, _ in heads))),
            _le(array("q", (s for _, s in heads))),
            _le(array("Q", (r for r, _ in digests))),
            b"".join(d[:DIGEST_BYTES].ljust(DIGEST_BYTES, b"\0") for _, d in digests),
        ]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> EntryTable:
        """Read :meth:`to_bytes` output; :class:`TableFormatError` for anything else."""
        view = memoryview(data)
        reader = _Reader(view)
        if reader.take(len(_MAGIC)) != _MAGIC:
            raise TableFormatError("not an entry table (or another version)")
        counts = _COUNTS.unpack(reader.take(_COUNTS.size))
        rows, blob_len, n_links, n_heads, n_digests, n_ids = counts
        (layer_index,) = struct.unpack("<q", reader.take(8))
        table = cls(layer_index)
        blob = reader.take(blob_len).decode("utf-8", "surrogateescape")
        table.paths = blob.split("\0") if rows else []
        if len(table.paths) != rows:
            raise TableFormatError("path count does not match")
        table.kinds = bytearray(reader.take(rows))
        if rows and max(table.kinds) >= len(KINDS):
            raise TableFormatError("unknown entry kind")
        table.sizes = reader.array("q", rows)
        table.offsets = reader.array("q", rows)
        table.ids = bytearray(reader.take(24 * rows))
        id_rows = reader.array("Q", n_ids)
        id_numbers = reader.array("q", 3 * n_ids)
        table.id_values = {
            row: (id_numbers[3 * i], id_numbers[3 * i + 1], id_numbers[3 * i + 2])
            for i, row in enumerate(id_rows)
        }
        link_rows = reader.array("Q", n_links)
        (link_len,) = struct.unpack("<Q", reader.take(8))
        targets = reader.take(link_len).decode("utf-8", "surrogateescape").split("\0")
        if n_links and len(targets) != n_links:
            raise TableFormatError("link count does not match")
        table.links = dict(zip(link_rows, targets, strict=False)) if n_links else {}
        head_rows = reader.array("Q", n_heads)
        head_sizes = reader.array("q", n_heads)
        table.header_sizes = dict(zip(head_rows, head_sizes, strict=True))
        digest_rows = reader.array("Q", n_digests)
        size = DIGEST_BYTES
        digest_blob = reader.take(size * n_digests)
        table.digests = {
            row: digest_blob[size * i : size * i + size] for i, row in enumerate(digest_rows)
        }
        if not reader.at_end():
            raise TableFormatError("trailing bytes")
        sparse = (*table.links, *table.header_sizes, *table.digests, *table.id_values)
        if any(r >= rows for r in sparse):
            raise TableFormatError("row out of range")
        return table


def _le(values: array[int]) -> bytes:
    """Array bytes in little-endian order, whatever the machine's."""
    if sys.byteorder == "big":
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


class _Reader:
    def __init__(self, view: memoryview) -> None:
        self._view = view
        self._pos = 0

    def take(self, n: int) -> bytes:
        end = self._pos + n
        if n < 0 or end > len(self._view):
            raise TableFormatError("truncated")
        data = self._view[self._pos : end].tobytes()
        self._pos = end
        return data

    def array(self, typecode: str, count: int) -> array[int]:
        values = array(typecode)
        values.frombytes(self.take(values.itemsize * count))
        if sys.byteorder == "big":
            values.byteswap()
        return values

    def at_end(self) -> bool:
        return self._pos == len(self._view)
