"""``duplicates``: identical regular files at different paths, among what no other cause took.

Candidates are regular files (not hard links, which already share their data) with at least
one byte. They are grouped by size first; only files sharing a size with another candidate
are hashed (``FileResolver.hash_files`` re-reads only the layers that hold them). In each
group of identical contents one copy is kept, the representative, and the others are claimed:
(copies - 1) x size bytes. The representative is the copy other names are hard-linked to, if
any (removing it would free nothing), else the one from the lowest layer, then by path.

Rolls up by group: one row per group, its path the representative and its owner
``copies:N`` (N identical files, N - 1 of them removable).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from jettison.image.model import FileEntry
from jettison.inspect.removable._cause import Cause, Claim, Unclaimed


def find(unclaimed: Unclaimed) -> Iterator[Claim]:
    resolver = unclaimed.resolver
    linked: set[str] = set()
    for path in resolver.hard_links():
        entry = resolver.get(path)
        if entry is not None and entry.link_target:
            linked.add(entry.link_target)
    by_size: dict[int, list[str]] = defaultdict(list)
    held = unclaimed.by_path
    for path, size, _ in resolver.sized_files():
        if size > 0 and path in held and not resolver.is_hardlink(path):
            by_size[size].append(path)
    candidates = [resolver.get(p) for group in by_size.values() if len(group) > 1 for p in group]
    if not candidates:
        return
    entries = [e for e in candidates if e is not None]
    digests = resolver.hash_files(entries)
    identical: dict[tuple[int, str], list[FileEntry]] = defaultdict(list)
    for entry in entries:
        digest = digests.get(entry.path)
        if digest is not None:
            identical[(entry.size_bytes, digest)].append(entry)
    for copies in identical.values():
        if len(copies) < 2:
            continue
        copies.sort(key=lambda e: (e.path not in linked, e.layer_index, e.path))
        keep, *extra = copies
        owner = f"copies:{len(copies)}"
        yield from (Claim(e.path, keep.path, owner) for e in extra)


CAUSE = Cause(
    code="duplicates",
    title="Duplicate files",
    advice=(
        "The same bytes are stored at several paths (a file COPY'd twice, a library vendored "
        "by two packages, two Python environments). Install or copy it once; where both paths "
        "are needed, make one a symlink or hard link to the other in the same RUN that creates "
        "them (e.g. `hardlink` from util-linux, or `rdfind -makehardlinks true`)."
    ),
    find=find,
)
