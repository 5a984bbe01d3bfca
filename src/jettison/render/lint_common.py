"""Wording shared by the lint renderers."""

from __future__ import annotations

from jettison.lint.model import Severity
from jettison.lint.report import LintReport
from jettison.render.units import plural

SEVERITIES_WORST_FIRST = (Severity.ERROR, Severity.WARNING, Severity.INFO)


def severity_name(severity: Severity) -> str:
    """``error``, ``warning`` or ``info``: the spelling config files and flags use."""
    return severity.name.lower()


def summary_counts(report: LintReport) -> str:
    """``1 error, 9 warnings, 2 info`` (severities with no finding left out)."""
    parts = []
    for severity in SEVERITIES_WORST_FIRST:
        n = report.count(severity)
        if n:
            name = severity_name(severity)
            parts.append(f"{n:,} {name}" if severity is Severity.INFO else plural(n, name))
    return ", ".join(parts) or "none"
