"""Shadowed bytes: shipped in a lower layer, hidden by a later overwrite or delete.

Unlike dive's "wasted space", which counts a path only when it appears in two layers (and
then counts the surviving copy too), this counts exactly the bytes nobody can see: files
overwritten later, files and whole directories deleted by whiteouts, and everything an
opaque directory hides.
"""

from __future__ import annotations

import heapq
from collections import Counter

from jettison.image.filesystem import MergedFilesystem, ref_kind, ref_layer, ref_row
from jettison.image.table import FILE
from jettison.inspect.report import HiddenPath, Shadowed

TOP_N = 10


def find_shadowed(fs: MergedFilesystem) -> Shadowed:
    """Read from the hidden entries' references: a ``chown -R`` layer hides every file
    of the layer below, and no entry object is built for them."""
    tables = fs.tables
    files: list[tuple[int, str, int, int, str]] = []  # size, path, layer, by layer, cause
    for ref, by_layer, cause in fs.hidden_refs():
        if ref_kind(ref) != FILE or fs.carried_ref(ref):
            continue
        table, row = tables[ref_layer(ref)], ref_row(ref)
        files.append((table.sizes[row], table.paths[row], ref_layer(ref), by_layer, cause))
    per_layer: Counter[int] = Counter()
    for size, _, layer, _, _ in files:
        per_layer[layer] += size
    top = heapq.nsmallest(TOP_N, files, key=lambda h: (-h[0], h[1], h[2]))
    return Shadowed(
        size_bytes=sum(h[0] for h in files),
        file_count=len(files),
        by_layer=tuple(sorted((i, n) for i, n in per_layer.items() if n)),
        top=tuple(
            HiddenPath(path, size, layer, by, cause) for size, path, layer, by, cause in top if size
        ),
    )
