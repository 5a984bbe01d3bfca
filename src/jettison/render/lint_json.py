"""The JSON encoding of a lint report: an explicit, versioned model.

Built field by field (not ``dataclasses.asdict``) so that the domain model can change without
silently changing a published format. Its shape is ``schema/lint-report.schema.json`` (JSON
Schema draft 2020-12); ``tests/unit/render/test_render_lint_json_schema.py`` fails when the
domain model, this module and the schema drift apart. Bump :data:`SCHEMA_VERSION` on any
change: the minor number for added fields, the major number for removed or changed ones.

Conventions as in the inspect JSON: snake_case keys, sizes in bytes with a ``_bytes``
suffix, absent values ``null`` (never missing keys); paths use forward slashes; severities
are ``error``, ``warning`` or ``info``.
"""

from __future__ import annotations

import jettison
from jettison.lint.model import Finding, Saving
from jettison.lint.report import LintReport, RuleInfo
from jettison.render.json_report import JsonObject, JsonValue, json_text, read_schema
from jettison.render.lint_common import SEVERITIES_WORST_FIRST, severity_name
from jettison.render.text import printable

SCHEMA_VERSION = "1.0"
SCHEMA_RESOURCE = "schema/lint-report.schema.json"
"""The schema file, relative to the ``jettison.render`` package."""
TOOL_NAME = "jettison"


def _opt(text: str | None) -> str | None:
    return None if text is None else printable(text)


def _saving(saving: Saving | None) -> JsonObject | None:
    if saving is None:
        return None
    return {"size_bytes": saving.size_bytes, "source": printable(saving.source)}


def _finding(finding: Finding) -> JsonObject:
    return {
        "code": finding.code,
        "severity": severity_name(finding.severity),
        "message": printable(finding.message),
        "file": printable(finding.file.as_posix()),
        "line": finding.line,
        "column": finding.column,
        "end_line": finding.end_line,
        "fix": _opt(finding.fix),
        "saving": _saving(finding.saving),
    }


def _rule(rule: RuleInfo) -> JsonObject:
    return {
        "code": rule.code,
        "name": rule.name,
        "severity": severity_name(rule.severity),
        "summary": printable(rule.summary),
        "peer": rule.peer,
    }


def to_json_model(report: LintReport) -> JsonObject:
    """The JSON model of ``report`` (plain dicts, lists and scalars)."""
    counts: dict[str, JsonValue] = {
        severity_name(s): report.count(s) for s in SEVERITIES_WORST_FIRST
    }
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": TOOL_NAME, "version": jettison.__version__},
        "counts": counts,
        "findings": [_finding(f) for f in report.findings],
        "ignored_count": report.ignored_count,
        "saving_bytes": report.saving_bytes,
        "files": [printable(p.as_posix()) for p in report.files],
        "rules_run": [_rule(r) for r in report.rules_run],
        "notes": [printable(n) for n in report.notes],
    }


def render_lint_json(report: LintReport) -> str:
    """``report`` as deterministic JSON text (sorted keys, indent 2, UTF-8 kept)."""
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    """The JSON Schema of :func:`to_json_model`'s output, as shipped in the package."""
    return read_schema(SCHEMA_RESOURCE)
