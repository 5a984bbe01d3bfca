"""Text of a fix report for the terminal: pure functions returning text (no I/O)."""

from __future__ import annotations

from collections.abc import Sequence

from jettison.fix.changes import Change
from jettison.render.units import human_bytes


def saving_text(change: Change) -> str:
    """``~4.05 GB`` for a change with an estimated saving, else empty."""
    return f"~{human_bytes(change.saving_bytes)}" if change.saving_bytes is not None else ""


def render_changes(changes: Sequence[Change], target: str) -> str:
    """The changes, one a line (code, description, then the estimated saving when lint
    measured one), and the total of the known savings."""
    lines = [f"jettison: target {target}; changes:"]
    for change in changes:
        saving = saving_text(change)
        lines.append(f"  {change.code}: {change.description}" + (f"  {saving}" if saving else ""))
    known = [c.saving_bytes for c in changes if c.saving_bytes is not None]
    if known:
        unknown = len(changes) - len(known)
        lines.append(
            f"jettison: estimated saving up to ~{human_bytes(sum(known))} (lint's figures"
            + (f"; {unknown} change{'s' if unknown > 1 else ''} without one)" if unknown else ")")
        )
    return "\n".join(lines) + "\n"
