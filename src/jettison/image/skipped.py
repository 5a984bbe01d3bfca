"""What could not be analysed is a value in the result, not an exception."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Skipped:
    """An item left out of the analysis, and why."""

    what: str
    reason: str
    layer_index: int | None = None
