"""Bytes of the final filesystem that could go, grouped by why (one module per cause).

Causes run in the priority order of :data:`CAUSES`; a file claimed by one cause is invisible
to the later ones, so each byte is counted at most once and the causes add up honestly. The
order puts the broadest fix first: a cache that should never have been written, weights that
belong in a volume, whole distributions and packages that need not be installed; then file
patterns (tests, docs, bytecode) inside what stays; duplicates last, among what is left.

Hard links: removing one name of a file frees nothing while another name stays. A regular
file is therefore claimed only when every hard link to it is claimed too (by this cause or an
earlier one); otherwise it stays unclaimed. This under-counts rather than over-counts, e.g. a
uv or conda cache whose files are hard-linked into an environment frees nothing and is not
reported. ``file_count`` counts the paths a cause claims, hard links included.

``top`` holds at most :data:`TOP_ROWS` rows with bytes, by size then path; each row names the
layer that supplied most of its bytes. How a cause rolls files up into rows is in its module.

Adding a cause: write a module exposing ``CAUSE`` (a :class:`~._cause.Cause`) and list it in
:data:`CAUSES`; nothing else changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from types import MappingProxyType

from jettison.image.scan import FileResolver
from jettison.inspect.attribution.model import Ownership
from jettison.inspect.removable import (
    bundled_tests,
    bytecode,
    dev_tools,
    docs,
    duplicates,
    model_weights,
    package_cache,
    toolchain,
)
from jettison.inspect.removable._cause import Cause, Claim, Unclaimed
from jettison.inspect.report import PathBytes, RemovableCause

__all__ = ["CAPTURE_GLOBS", "CAUSES", "TOP_ROWS", "find_removable"]

CAUSES: tuple[Cause, ...] = (
    package_cache.CAUSE,
    model_weights.CAUSE,
    dev_tools.CAUSE,
    toolchain.CAUSE,
    bundled_tests.CAUSE,
    docs.CAUSE,
    bytecode.CAUSE,
    duplicates.CAUSE,
)
"""Every cause, highest priority first; the report lists them in this order."""

CAPTURE_GLOBS: tuple[str, ...] = tuple(sorted({g for c in CAUSES for g in c.capture_globs}))
"""File contents the causes read; the scan must capture them."""

TOP_ROWS = 10


Claimed = tuple[tuple[Cause, Mapping[str, Claim]], ...]
"""Each cause, in registry order, with the files it claims (path -> claim)."""


def find_removable(resolver: FileResolver, ownership: Ownership) -> tuple[RemovableCause, ...]:
    """One :class:`RemovableCause` per registered cause (zero-byte ones included), in order."""
    return summarize(claim_files(resolver, ownership), resolver)


def claim_files(
    resolver: FileResolver,
    ownership: Ownership,
    identical: Callable[[], Sequence[Sequence[str]]] | None = None,
) -> Claimed:
    """Run every cause in priority order; a path goes to the first cause that claims it.

    ``identical``: the image's groups of identical files (``resolver.identical_files()``),
    when something computes them beside the first causes; asked for only by the cause that
    needs them."""
    remaining: dict[str, None] = dict.fromkeys(resolver.paths())
    links = resolver.hard_link_targets()
    results = []
    for cause in CAUSES:
        unclaimed = Unclaimed(resolver, ownership, MappingProxyType(remaining), identical)
        claims = cause.find(unclaimed)
        accepted = _accept(claims, remaining, links)
        for path in accepted:
            del remaining[path]
        results.append((cause, MappingProxyType(accepted)))
    return tuple(results)


def summarize(claimed: Claimed, resolver: FileResolver) -> tuple[RemovableCause, ...]:
    """The report's rows: bytes, files and the largest items of each cause."""
    return tuple(_summarize(cause, claims, resolver) for cause, claims in claimed)


def _accept(
    claims: Iterable[Claim], remaining: Collection[str], links: Mapping[str, list[str]]
) -> dict[str, Claim]:
    """The claims that count, by path: unclaimed so far, the first claim of a path, hard
    links all claimed."""
    accepted: dict[str, Claim] = {}
    for claim in claims:
        for path in claim.paths:
            if path in remaining and path not in accepted:
                accepted[path] = claim
    if not links:  # no hard links in the image: no claim to take back
        return accepted
    for path in [p for p in accepted if links.get(p)]:
        # Another name that nobody claims keeps the data alive: removing this one frees nothing.
        if any(link in remaining and link not in accepted for link in links[path]):
            del accepted[path]
    return accepted


def _summarize(cause: Cause, claims: Mapping[str, Claim], resolver: FileResolver) -> RemovableCause:
    total = 0
    rows: dict[tuple[str, str | None], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    claim: Claim | None = None
    by_layer: dict[int, int] = {}
    # One batch lookup of every path's size and layer; a claim's paths come one after the
    # other, so its row is looked up once per claim, not once per file.
    for path_claim, (size, layer) in zip(claims.values(), resolver.sized_each(claims), strict=True):
        if path_claim is not claim:
            claim = path_claim
            by_layer = rows[(claim.group, claim.owner)]
        by_layer[layer] += size
        total += size
    top = []
    for (path, owner), by_layer in rows.items():
        size = sum(by_layer.values())
        if size:
            # The layer that supplied most of the row's bytes (the lowest index on a tie).
            layer = min(by_layer, key=lambda index: (-by_layer[index], index))
            top.append(PathBytes(path, size, layer, owner))
    top.sort(key=lambda row: (-row.size_bytes, row.path, row.owner or ""))
    return RemovableCause(
        cause=cause.code,
        title=cause.title,
        advice=cause.advice,
        size_bytes=total,
        file_count=len(claims),
        top=tuple(top[:TOP_ROWS]),
    )
