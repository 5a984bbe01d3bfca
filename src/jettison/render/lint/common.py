"""Wording shared by the lint renderers."""

from __future__ import annotations

from jettison.lint.report import LintReport
from jettison.notices import SEVERITIES_WORST_FIRST, Severity
from jettison.units import plural


def summary_counts(report: LintReport) -> str:
    """``1 error, 9 warnings, 2 info`` (severities with no finding left out)."""
    parts = []
    for severity in SEVERITIES_WORST_FIRST:
        n = report.count(severity)
        if n:
            name = severity.label
            parts.append(f"{n:,} {name}" if severity is Severity.INFO else plural(n, name))
    return ", ".join(parts) or "none"
