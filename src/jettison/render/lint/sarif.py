"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``).

One run, one ``reportingDescriptor`` per rule that ran, one result per finding. Locations
are relative URIs with forward slashes (GitHub resolves them against the repository root,
so run jettison from there); files outside the working directory get ``file://`` URIs.
``partialFingerprints`` hash the code, file and message (not the line), so an alert
survives edits that move it; identical findings in one file are told apart by rank.
"""

from __future__ import annotations

import hashlib
from collections import Counter

import jettison
from jettison.lint.model import FAMILIES, Finding, Severity
from jettison.lint.report import LintReport, RuleInfo
from jettison.render.jsonout import JsonObject, JsonValue, json_text
from jettison.render.look import Look
from jettison.render.text import printable

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
FINGERPRINT_KEY = "jettisonFinding/v1"
LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def artifact_uri(finding: Finding) -> str:
    """A relative, forward-slash URI (``file://`` for absolute paths)."""
    if finding.file.is_absolute():
        return finding.file.as_uri()
    return "/".join(part for part in finding.file.as_posix().split("/") if part not in ("", "."))


def _tags(rule: RuleInfo) -> list[JsonValue]:
    family = FAMILIES.get(rule.code[:3], "")
    tags: list[JsonValue] = ["container", "dockerfile"]
    if family:
        tags.append(family.split(" (")[0].lower())
    if rule.peer:
        tags.append(f"hadolint:{rule.peer}")
    return tags


def _rule(rule: RuleInfo, docs_url: str | None) -> JsonObject:
    full = rule.summary + (f" (hadolint {rule.peer})" if rule.peer else "")
    out: JsonObject = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": printable(rule.summary)},
        "fullDescription": {"text": printable(full)},
        "help": {"text": printable(f"{rule.code} {rule.name}: {full}")},
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": _tags(rule)},
    }
    if docs_url:
        out["helpUri"] = f"{docs_url}#{rule.code.lower()}"
    return out


def _fingerprint(finding: Finding, rank: int) -> str:
    text = "\0".join((finding.code, artifact_uri(finding), finding.message, str(rank)))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:32]


def _result(finding: Finding, index: int, rank: int) -> JsonObject:
    region: JsonObject = {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)}
    if finding.end_line is not None and finding.end_line >= finding.line:
        region["endLine"] = finding.end_line
    text = finding.message
    if finding.fix:
        text += f" Fix: {finding.fix}"
    properties: JsonObject = {}
    if finding.saving is not None:
        text += f" Saves up to {finding.saving.size_bytes:,} bytes ({finding.saving.source})."
        properties = {
            "savingBytes": finding.saving.size_bytes,
            "savingSource": printable(finding.saving.source),
        }
    result: JsonObject = {
        "ruleId": finding.code,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": printable(text)},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": printable(artifact_uri(finding))},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: _fingerprint(finding, rank)},
    }
    if properties:
        result["properties"] = properties
    return result


def to_sarif(report: LintReport, *, docs_url: str | None = None) -> JsonObject:
    rules = list(report.rules_run)
    known = {r.code for r in rules}
    # A finding whose code did not come from a rule of the run (a rule reporting under
    # another code) still needs a descriptor: GitHub rejects dangling ruleIds.
    for finding in report.findings:
        if finding.code not in known:
            known.add(finding.code)
            rules.append(RuleInfo(finding.code, finding.code.lower(), finding.severity, ""))
    index = {rule.code: i for i, rule in enumerate(rules)}
    seen: Counter[tuple[str, str, str]] = Counter()
    results: list[JsonValue] = []
    for finding in report.findings:
        key = (finding.code, artifact_uri(finding), finding.message)
        results.append(_result(finding, index[finding.code], seen[key]))
        seen[key] += 1
    driver: JsonObject = {
        "name": "jettison",
        "version": jettison.__version__,
        "rules": [_rule(rule, docs_url) for rule in rules],
    }
    if docs_url:
        driver["informationUri"] = docs_url
    notifications: list[JsonValue] = [
        {"level": LEVELS[notice.severity], "message": {"text": printable(notice.message)}}
        for notice in report.notices
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render_lint_sarif(report: LintReport, look: Look) -> str:
    """``report`` as a SARIF 2.1.0 log; ``look.docs_url`` (the rules page) fills help links."""
    return json_text(to_sarif(report, docs_url=look.docs_url))
