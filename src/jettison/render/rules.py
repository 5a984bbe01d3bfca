"""Renderers of ``jettison rules``: a list of the rules, or the rules asked for explained.

``render_json`` is ``schema/rules-report.schema.json``; the conventions and the versioning
rule are :mod:`jettison.render.jsonout`'s.
"""

from __future__ import annotations

from jettison.lint.report import RuleDoc, RulesReport
from jettison.render.jsonout import JsonObject, header, json_text, read_schema
from jettison.render.look import Look

SCHEMA_VERSION = "1.0"
SCHEMA_RESOURCE = "schema/rules-report.schema.json"


def _listed(rule: RuleDoc) -> str:
    return f"{rule.code}  {rule.severity.label:<7}  {rule.name}: {rule.summary}"


def _explained(rule: RuleDoc) -> list[str]:
    peer = f"hadolint {rule.peer}" if rule.peer else "no hadolint equivalent"
    lines = [
        f"{rule.code} {rule.name} ({rule.severity.label}; {rule.family}; {peer})",
        f"  {rule.summary}",
    ]
    for title, snippet in (("example", rule.example), ("fixed", rule.fix_example)):
        if snippet.strip():
            lines.append(f"  {title}:")
            lines.extend(f"    {line}" for line in snippet.rstrip().splitlines())
    return lines


def render_text(report: RulesReport, look: Look) -> str:
    """One line per rule; each rule explained (example and fix) when some were asked for."""
    del look
    if not report.asked:
        return "".join(_listed(rule) + "\n" for rule in report.rules)
    blocks = ["\n".join(_explained(rule)) for rule in report.rules]
    return "\n\n".join(blocks) + "\n"


def _rule(rule: RuleDoc) -> JsonObject:
    return {
        "code": rule.code,
        "name": rule.name,
        "family": rule.family,
        "severity": rule.severity.label,
        "summary": rule.summary,
        "example": rule.example,
        "fix_example": rule.fix_example,
        "peer": rule.peer,
    }


def to_json_model(report: RulesReport) -> JsonObject:
    return {
        **header(SCHEMA_VERSION),
        "asked": list(report.asked),
        "rules": [_rule(rule) for rule in report.rules],
    }


def render_json(report: RulesReport, look: Look) -> str:
    del look
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    return read_schema(SCHEMA_RESOURCE)
