"""What could not be analysed is a value in the result, not an exception: a notice."""

from __future__ import annotations

from jettison.notices import Notice, Severity

KIND = "skipped"


def skipped_item(what: str, reason: str, layer_index: int | None = None) -> Notice:
    """An item of the image left out of the analysis (``what``: a path, a digest...), why,
    and the layer it is in."""
    return Notice(Severity.WARNING, reason, KIND, subject=what, layer=layer_index)
