"""EntryTable: a layer's entries as columns, and its byte form for the scan cache."""

from __future__ import annotations

import pytest

from jettison.image.model import EntryKind, FileEntry
from jettison.image.table import EntryTable, TableFormatError

ENTRIES = [
    FileEntry("usr", EntryKind.DIR, 0, 3, mode=0o755),
    FileEntry("usr/bin/x", EntryKind.FILE, 12, 3, mode=0o755, uid=1000, gid=50, data_offset=1536),
    FileEntry("usr/bin/y", EntryKind.HARDLINK, 0, 3, link_target="usr/bin/x", header_size_bytes=7),
    FileEntry("lib", EntryKind.SYMLINK, 0, 3, link_target="usr/lib"),
    FileEntry("etc/gone", EntryKind.WHITEOUT, 0, 3),
    FileEntry("var/cache", EntryKind.OPAQUE, 0, 3),
    FileEntry("caf\udce9", EntryKind.FILE, 0, 3, data_offset=4096),
]


def test_entries_round_trip_through_the_columns() -> None:
    table = EntryTable.from_entries(3, ENTRIES)
    assert len(table) == len(ENTRIES)
    assert table.entries() == tuple(ENTRIES)
    assert table.kind(2) is EntryKind.HARDLINK
    assert table.header_size(2) == 7  # dive sums the raw size field
    assert table.header_size(1) == 12
    assert table.content_bytes() == 12


def test_byte_form_round_trips_with_digests() -> None:
    table = EntryTable.from_entries(3, ENTRIES)
    table.digests[1] = bytes(range(8))
    again = EntryTable.from_bytes(table.to_bytes())
    assert again.entries() == tuple(ENTRIES)
    assert again.digests == {1: bytes(range(8))}
    assert again.layer_index == 3


def test_empty_table_round_trips() -> None:
    assert len(EntryTable.from_bytes(EntryTable(0).to_bytes())) == 0


@pytest.mark.parametrize("cut", [0, 5, 20, 60, -1])
def test_truncated_or_foreign_bytes_are_refused(cut: int) -> None:
    data = EntryTable.from_entries(0, ENTRIES).to_bytes()
    with pytest.raises(TableFormatError):
        EntryTable.from_bytes(data[:cut])


def test_trailing_bytes_are_refused() -> None:
    data = EntryTable.from_entries(0, ENTRIES).to_bytes()
    with pytest.raises(TableFormatError):
        EntryTable.from_bytes(data + b"x")
