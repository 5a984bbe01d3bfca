"""Renderers of the fix report: the diff and the changes for a terminal, or JSON.

``render_text`` is the diff (what ``jettison fix`` prints on stdout); :func:`changes_text`
is the list of changes with their estimated savings (stderr). ``render_json`` is
``schema/fix-report.schema.json``; the conventions and the versioning rule are
:mod:`jettison.render.jsonout`'s.
"""

from __future__ import annotations

from collections.abc import Sequence

from jettison.fix.changes import Change
from jettison.fix.report import FixReport
from jettison.render.jsonout import (
    JsonObject,
    header,
    json_text,
    notice,
    path_text,
    read_schema,
)
from jettison.render.look import Look
from jettison.render.text import printable
from jettison.units import human_bytes

SCHEMA_VERSION = "1.1"
"""1.1: ``notices``: the fixes not made, and why."""
SCHEMA_RESOURCE = "schema/fix-report.schema.json"


def saving_text(change: Change) -> str:
    """``~4.05 GB`` for a change with an estimated saving, else empty."""
    return f"~{human_bytes(change.saving_bytes)}" if change.saving_bytes is not None else ""


def changes_text(changes: Sequence[Change], target: str) -> str:
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


def render_text(report: FixReport, look: Look) -> str:
    """The unified diff of the Dockerfile (the changes go to stderr: :func:`changes_text`)."""
    del look
    return report.diff


def change_json(change: Change) -> JsonObject:
    """A change, as the fix and the optimize report encode it."""
    return {
        "code": change.code,
        "description": printable(change.description),
        "saving_bytes": change.saving_bytes,
    }


def to_json_model(report: FixReport) -> JsonObject:
    """The JSON model of ``report`` (plain dicts, lists and scalars)."""
    return {
        **header(SCHEMA_VERSION),
        "target": report.target,
        "written": report.written,
        "files": [{"path": path_text(f.path), "text": f.text} for f in report.files],
        "changes": [change_json(c) for c in report.changes],
        "diff": report.diff,
        "mounts": [{"host": path_text(m.host), "target": m.target} for m in report.mounts],
        "restructured": report.restructured,
        "notices": [notice(n) for n in report.notices],
    }


def render_json(report: FixReport, look: Look) -> str:
    """``report`` as deterministic JSON text (sorted keys, indent 2, UTF-8 kept)."""
    del look
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    """The JSON Schema of :func:`to_json_model`'s output, as shipped in the package."""
    return read_schema(SCHEMA_RESOURCE)
