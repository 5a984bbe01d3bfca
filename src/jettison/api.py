"""The facade: one function per verb, each returning a report object.

Only the CLI prints or exits; these functions raise :class:`jettison.errors.JettisonError`
subclasses on bad input.
"""

from __future__ import annotations

from jettison.image.model import Layer, Platform
from jettison.image.pull_size import estimate_gzip_sizes
from jettison.image.scan import glob_filter, scan_image
from jettison.image.sources import open_image
from jettison.inspect.analyze import CAPTURE_GLOBS, analyze
from jettison.inspect.budgets import Budgets
from jettison.inspect.report import InspectReport
from jettison.progress import NullProgress, Progress


def inspect(
    reference: str,
    *,
    platform: Platform | None = None,
    budgets: Budgets | None = None,
    progress: Progress | None = None,
    verify_digests: bool = True,
    estimate_pull: bool = False,
) -> InspectReport:
    """Open an image without a daemon, read each layer once, and report where its bytes are.

    ``estimate_pull`` gzips the layers stored uncompressed (as a push would) to report a
    pull size for docker-archives and store images; it costs a full compression pass.
    """
    with open_image(reference, platform) as image:
        scanned = scan_image(image, glob_filter(CAPTURE_GLOBS), progress, verify_digests)
        estimates = None
        if estimate_pull:
            plain = [
                listing.layer for listing in scanned.listings if listing.compressed_bytes is None
            ]
            estimates = _estimate(plain, progress)
        return analyze(scanned, budgets, estimates)


def _estimate(layers: list[Layer], progress: Progress | None) -> dict[int, int]:
    sink = progress or NullProgress()
    sink.begin(
        f"gzip estimate of {len(layers)} layers", sum(layer.stored_size_bytes for layer in layers)
    )
    try:
        return estimate_gzip_sizes(layers, sink.advance)
    finally:
        sink.end()
