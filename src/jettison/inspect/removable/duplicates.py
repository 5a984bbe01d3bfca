"""``duplicates``: identical regular files at different paths, among what no other cause took.

Candidates are regular files (not hard links, which already share their data) with at least
one byte. They are grouped by size first; only files sharing a size with another candidate
are hashed (``FileResolver.identical_files``; ``hash_files`` re-reads only the layers that
hold them). In each group of identical contents one copy is kept, the representative, and
the others are claimed: (copies - 1) x size bytes. The representative is the copy other
names are hard-linked to, if any (removing it would free nothing), else the one from the
lowest layer, then by path.

Rolls up by group: one row per group, its path the representative and its owner
``copies:N`` (N identical files, N - 1 of them removable).
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.inspect.removable._cause import Cause, Claim, Unclaimed


def find(unclaimed: Unclaimed) -> Iterator[Claim]:
    resolver = unclaimed.resolver
    linked = resolver.hard_link_targets()  # the regular files other names share data with
    for copies in unclaimed.identical_files():
        # The copy kept: hard-linked first, then the lowest layer, then the path. Each group
        # comes with its lowest layer's copy first (found in the forked child, when there is
        # one), so only a group holding a hard link's target needs more.
        keep = copies[0]
        if linked and keep not in linked and (targets := [p for p in copies if p in linked]):
            keep = resolver.lowest_first(targets)[0]
        others = copies[1:] if keep is copies[0] else [p for p in copies if p != keep]
        yield Claim(others, keep, f"copies:{len(copies)}")


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
