"""The facade: one function per verb, each returning a report object.

Only the CLI prints or exits; these functions raise :class:`jettison.errors.JettisonError`
subclasses on bad input.
"""

from __future__ import annotations

from jettison.image.model import Platform
from jettison.image.scan import glob_filter, scan_image
from jettison.image.sources import open_image
from jettison.inspect.analyze import CAPTURE_GLOBS, analyze
from jettison.inspect.budgets import Budgets
from jettison.inspect.report import InspectReport
from jettison.progress import Progress


def inspect(
    reference: str,
    *,
    platform: Platform | None = None,
    budgets: Budgets | None = None,
    progress: Progress | None = None,
    verify_digests: bool = True,
) -> InspectReport:
    """Open an image without a daemon, read each layer once, and report where its bytes are."""
    with open_image(reference, platform) as image:
        scanned = scan_image(image, glob_filter(CAPTURE_GLOBS), progress, verify_digests)
        return analyze(scanned, budgets)
