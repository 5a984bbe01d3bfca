"""The JSON encoding of a lint report: an explicit, versioned model.

Its shape is ``schema/lint-report.schema.json``; the conventions and the versioning rule
are :mod:`jettison.render.jsonout`'s.
"""

from __future__ import annotations

from jettison.lint.model import Finding, Saving
from jettison.lint.report import LintReport, RuleInfo
from jettison.notices import SEVERITIES_WORST_FIRST
from jettison.render.jsonout import (
    JsonObject,
    JsonValue,
    header,
    json_text,
    notice,
    opt_text,
    read_schema,
)
from jettison.render.look import Look
from jettison.render.text import printable

SCHEMA_VERSION = "2.0"
"""2.0: ``notes`` (strings) became ``notices`` (objects with a severity, as every report's)."""
SCHEMA_RESOURCE = "schema/lint-report.schema.json"
"""The schema file, relative to the ``jettison.render`` package."""


def _saving(saving: Saving | None) -> JsonObject | None:
    if saving is None:
        return None
    return {"size_bytes": saving.size_bytes, "source": printable(saving.source)}


def _finding(finding: Finding) -> JsonObject:
    return {
        "code": finding.code,
        "severity": finding.severity.label,
        "message": printable(finding.message),
        "file": printable(finding.file.as_posix()),
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "fix": opt_text(finding.fix),
        "saving": _saving(finding.saving),
    }


def _rule(rule: RuleInfo) -> JsonObject:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": rule.severity.label,
        "summary": printable(rule.summary),
        "peer": rule.peer,
    }


def to_json_model(report: LintReport) -> JsonObject:
    """The JSON model of ``report`` (plain dicts, lists and scalars)."""
    counts: dict[str, JsonValue] = {s.label: report.count(s) for s in SEVERITIES_WORST_FIRST}
    return {
        **header(SCHEMA_VERSION),
        "counts": counts,
        "findings": [_finding(f) for f in report.findings],
        "ignored_count": report.ignored_count,
        "saving_bytes": report.saving_bytes,
        "files": [printable(p.as_posix()) for p in report.files],
        "rules_run": [_rule(r) for r in report.rules_run],
        "notices": [notice(n) for n in report.notices],
    }


def render_json(report: LintReport, look: Look) -> str:
    """``report`` as deterministic JSON text (sorted keys, indent 2, UTF-8 kept)."""
    del look  # JSON does not depend on the terminal
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    """The JSON Schema of :func:`to_json_model`'s output, as shipped in the package."""
    return read_schema(SCHEMA_RESOURCE)
