"""Shadowed bytes: shipped in a lower layer, hidden by a later overwrite or delete.

Unlike dive's "wasted space", which counts a path only when it appears in two layers (and
then counts the surviving copy too), this counts exactly the bytes nobody can see: files
overwritten later, files and whole directories deleted by whiteouts, and everything an
opaque directory hides.
"""

from __future__ import annotations

from collections import Counter

from jettison.image.filesystem import MergedFilesystem
from jettison.image.model import EntryKind
from jettison.inspect.report import HiddenPath, Shadowed

TOP_N = 10


def find_shadowed(fs: MergedFilesystem) -> Shadowed:
    files = [h for h in fs.hidden if h.entry.kind is EntryKind.FILE and not fs.carried(h)]
    per_layer: Counter[int] = Counter()
    for h in files:
        per_layer[h.entry.layer_index] += h.entry.size_bytes
    top = sorted(files, key=lambda h: (-h.entry.size_bytes, h.entry.path, h.entry.layer_index))
    return Shadowed(
        size_bytes=sum(h.entry.size_bytes for h in files),
        file_count=len(files),
        by_layer=tuple(sorted((i, n) for i, n in per_layer.items() if n)),
        top=tuple(
            HiddenPath(h.entry.path, h.entry.size_bytes, h.entry.layer_index, h.by_layer, h.cause)
            for h in top[:TOP_N]
            if h.entry.size_bytes
        ),
    )
