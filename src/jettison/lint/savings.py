"""Savings of a finding, from measurements only.

Preference: bytes measured in the built image (``--image``: inspect's attribution), else
the measured installed size of the distribution's wheel (``LintContext.sizes``, backed by
the package index's file metadata and a cache). When neither is known, no saving is
claimed: a finding without a number beats a number without a source.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jettison.dockerfile.paths import covers
from jettison.lint.model import LintContext, Saving


def image_owner_bytes(ctx: LintContext, kind: str, names: Iterable[str]) -> int | None:
    """Bytes the image attributes to owners ``kind:name`` (None without ``--image``)."""
    if ctx.image is None:
        return None
    wanted = set(names)
    return sum(
        o.size_bytes for o in ctx.image.attribution.owners if o.kind == kind and o.name in wanted
    )


def distributions_saving(ctx: LintContext, names: Iterable[str]) -> Saving | None:
    """What removing these Python distributions would save."""
    wanted = sorted(set(names))
    if not wanted:
        return None
    measured = image_owner_bytes(ctx, "python", wanted)
    if measured is not None and ctx.image is not None:
        return Saving(measured, f"measured in image {ctx.image.reference}")
    if ctx.sizes is None:
        return None
    total = 0
    for name in wanted:
        req = ctx.requirement_for(name)
        size = ctx.sizes(name, req.specifier if req else "")
        if size is None:
            return None  # a partial sum would understate without saying so
        total += size
    return Saving(total, f"installed size of {', '.join(wanted)} wheels (package index)")


def saving_once(ctx: LintContext, claimed: set[str], name: str) -> Saving | None:
    """What removing ``name`` saves, the first time a rule asks (``claimed`` remembers):
    a distribution declared twice is counted once."""
    if name in claimed:
        return None
    claimed.add(name)
    return distributions_saving(ctx, [name])


def cuda_saving(ctx: LintContext) -> Saving | None:
    """Bytes of CUDA/NVIDIA libraries in the image (``--image`` only)."""
    if ctx.image is None or not ctx.image.attribution.cuda:
        return None
    return Saving(ctx.image.attribution.cuda_bytes, f"measured in image {ctx.image.reference}")


def cache_saving(ctx: LintContext, wanted: Callable[[str], bool]) -> Saving | None:
    """Bytes of the package caches ``wanted`` selects (by directory, e.g.
    ``var/lib/apt/lists``), measured in the image given with ``--image``."""
    if ctx.image is None:
        return None
    rows = [
        row
        for cause in ctx.image.removable
        if cause.cause == "package-cache"
        for row in cause.top
        if wanted(row.path.strip("/"))
    ]
    total = sum(row.size_bytes for row in rows)
    if not total:
        return None
    paths = ", ".join(sorted({"/" + row.path.strip("/") for row in rows}))
    return Saving(total, f"measured in image {ctx.image.reference} ({paths})")


def hidden_saving(ctx: LintContext, targets: Iterable[str]) -> Saving | None:
    """Bytes under ``targets`` that later layers hide (shipped, yet invisible), measured in
    the image given with ``--image``; only its largest hidden paths are listed there, so
    this is a lower bound, and says so."""
    if ctx.image is None:
        return None
    wanted = list(targets)
    rows = [
        row
        for row in ctx.image.shadowed.top
        if any(covers(t, "/" + row.path.strip("/")) for t in wanted)
    ]
    total = sum(row.size_bytes for row in rows)
    if not total:
        return None
    return Saving(total, f"measured in image {ctx.image.reference} (largest hidden files under it)")
