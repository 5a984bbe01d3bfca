"""Turn a scanned image into an :class:`InspectReport` by running every analyzer."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import partial

from jettison.image.scan import ScannedImage
from jettison.inspect import attribution, removable
from jettison.inspect.budgets import Budgets, check_budgets
from jettison.inspect.dive import DiveMetrics, dive_metrics
from jettison.inspect.files import ImageFiles, image_files
from jettison.inspect.forked import Forked, cores
from jettison.inspect.layers import summarize_layers
from jettison.inspect.report import InspectReport
from jettison.inspect.shadowed import find_shadowed

FORK_MIN_ENTRIES = 200_000
"""Entries (all layers) from which a forked child groups files by content and computes
dive's figures: below it they take well under a second, and the child's memory would add to
the parent's."""

CAPTURE_GLOBS: tuple[str, ...] = (*attribution.CAPTURE_GLOBS, *removable.CAPTURE_GLOBS)
"""Every file whose content some analyzer reads; the scan keeps only these in memory."""


def analyze(
    scanned: ScannedImage,
    budgets: Budgets | None = None,
    gzip_estimates: Mapping[int, int] | None = None,
) -> InspectReport:
    """``gzip_estimates``: layer index -> estimated gzip bytes of uncompressed layers."""
    return _analyze(scanned, budgets, gzip_estimates, with_files=False)[0]


def analyze_with_files(
    scanned: ScannedImage,
    budgets: Budgets | None = None,
    gzip_estimates: Mapping[int, int] | None = None,
) -> tuple[InspectReport, ImageFiles]:
    """:func:`analyze`, and every file with the owner and cause the report counted it under."""
    report, files = _analyze(scanned, budgets, gzip_estimates, with_files=True)
    assert files is not None
    return report, files


def _analyze(
    scanned: ScannedImage,
    budgets: Budgets | None,
    gzip_estimates: Mapping[int, int] | None,
    *,
    with_files: bool,
) -> tuple[InspectReport, ImageFiles | None]:
    with _collector_paused():
        return _analyze_all(scanned, budgets, gzip_estimates, with_files=with_files)


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while the analyzers run: they build millions of
    objects (claims, rows, trees) that live until the report is made and form no cycles, and
    each full collection walked them all for nothing (the synthetic 500,000-entry image: 7
    full and 1,225 young collections, 0.77 s of a 6.7 s analysis). Reference counting still
    frees everything as usual; the collector is back as it was on leaving."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _analyze_all(
    scanned: ScannedImage,
    budgets: Budgets | None,
    gzip_estimates: Mapping[int, int] | None,
    *,
    with_files: bool,
) -> tuple[InspectReport, ImageFiles | None]:
    image = scanned.image
    tables = [listing.table for listing in scanned.listings]

    def figures() -> DiveMetrics:
        return dive_metrics(tables)

    def every_identical() -> list[list[str]]:
        return scanned.resolver.identical_files()

    # dive's figures come from the layer tables alone. On a large image a forked child
    # groups the image's files by content (for duplicates, the last cause) and then computes
    # them, beside attribution and the causes (the synthetic image's 500,000 entries: 0.5 s
    # and 1.0-1.2 s of Python on the other core); the merged filesystem is built first, for
    # both (each building its own cost 0.8 s more CPU and gained nothing: this process's
    # chain from attribution through the causes to their rows is the longer one). Otherwise
    # dive's figures come first, in this process: their trees are freed before the merged
    # filesystem is built and attribution and the causes hold theirs, so the peak is the
    # larger of the two, not the sum (BERT's docker-archive: 87 -> 68 MB resident while
    # dive's trees are held); a child holds them while the parent holds the rest, so its
    # memory adds to the parent's.
    beside = sum(len(table) for table in tables) >= FORK_MIN_ENTRIES and cores() >= 2
    if beside:
        scanned.resolver  # noqa: B018 - builds the merged filesystem the child shares
    works = (every_identical, figures) if beside else (figures,)
    with Forked(*works, fork=beside) as child:
        resolver = scanned.resolver
        owners, ownership = attribution.attribute(resolver)
        identical = partial(child.result, every_identical) if beside else None
        claimed = removable.claim_files(resolver, ownership, identical)
        estimates = gzip_estimates or {}
        layers = summarize_layers(image, scanned.listings, estimates)
        # Everything else the report needs before waiting on the child's last result.
        rows = removable.summarize(claimed, resolver)
        shadowed = find_shadowed(scanned.fs)
        final_bytes = scanned.fs.total_bytes()
        dive = child.result(figures)
    compressed = [
        listing.compressed_bytes
        if listing.compressed_bytes is not None
        else estimates.get(listing.layer.index)
        for listing in scanned.listings
    ]
    config = image.config
    platform = "/".join(p for p in (config.os, config.architecture, config.variant) if p) or None
    report = InspectReport(
        reference=image.reference,
        source_kind=image.source_kind,
        platform=platform,
        tags=image.tags,
        cmd=config.cmd,
        entrypoint=config.entrypoint,
        user=config.user,
        layers=layers,
        size_bytes=sum(listing.content_bytes for listing in scanned.listings),
        pull_bytes=None if None in compressed else sum(c or 0 for c in compressed),
        final_bytes=final_bytes,
        dive=dive,
        shadowed=shadowed,
        removable=rows,
        attribution=owners,
        skipped=scanned.skipped,
        pull_bytes_estimated=bool(estimates) and None not in compressed,
        notes=image.notes,
    )
    if budgets is not None:
        report = replace(report, budgets=check_budgets(report, budgets))
    return report, image_files(resolver, ownership, claimed) if with_files else None
