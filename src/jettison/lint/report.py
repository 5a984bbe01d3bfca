"""The lint report: frozen dataclasses, no I/O.

Renderers (``jettison.render.lint``) turn a :class:`LintReport` into text; the JSON
encoding is a separate, versioned model (``jettison.render.lint.json_model``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jettison.lint.model import Finding, Rule, Severity
from jettison.notices import Notice


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a report says about a rule it ran (its check function stays out of the report)."""

    code: str
    name: str
    severity: Severity
    """The default severity (config may override it per finding)."""
    summary: str
    peer: str | None = None
    """The equivalent hadolint code, when there is one."""

    @classmethod
    def of(cls, rule: Rule) -> RuleInfo:
        return cls(rule.code, rule.name, rule.severity, rule.summary, rule.peer)


@dataclass(frozen=True, slots=True)
class LintReport:
    findings: tuple[Finding, ...]
    """What is left after ignores, sorted by :meth:`Finding.sort_key`."""
    ignored_count: int
    """Findings silenced per path or inline (rules ignored by code are not run at all)."""
    files: tuple[Path, ...]
    """The inputs read: Dockerfiles, requirement files, ``.dockerignore``."""
    rules_run: tuple[RuleInfo, ...]
    saving_bytes: int
    """Sum of the findings' savings. Savings may overlap (two findings about the same
    packages), so this is an upper bound: show it as "up to"."""
    notices: tuple[Notice, ...] = ()
    """What could not be done, as values: a rule that crashed, sizes left unmeasured..."""

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)

    def at_or_above(self, threshold: Severity | None) -> tuple[Finding, ...]:
        """Findings at ``threshold`` or worse; none when the threshold is None (never fail)."""
        if threshold is None:
            return ()
        return tuple(f for f in self.findings if f.severity >= threshold)

    @property
    def saving_count(self) -> int:
        """Findings that carry a saving."""
        return sum(1 for f in self.findings if f.saving is not None)


def merge_reports(reports: Iterable[LintReport]) -> LintReport:
    """One report of several runs (several Dockerfiles): findings deduplicated and re-sorted."""
    items = list(reports)
    findings = sorted({f for r in items for f in r.findings}, key=Finding.sort_key)
    files = tuple(dict.fromkeys(p for r in items for p in r.files))
    rules = sorted({rule for r in items for rule in r.rules_run}, key=lambda rule: rule.code)
    return LintReport(
        findings=tuple(findings),
        ignored_count=sum(r.ignored_count for r in items),
        files=files,
        rules_run=tuple(rules),
        saving_bytes=sum(f.saving.size_bytes for f in findings if f.saving is not None),
        notices=tuple(dict.fromkeys(n for r in items for n in r.notices)),
    )


@dataclass(frozen=True, slots=True)
class RuleDoc:
    """A rule as ``jettison rules`` shows it: what it finds, an example and its fix."""

    code: str
    name: str
    family: str
    severity: Severity
    summary: str
    example: str
    fix_example: str
    peer: str | None
    """The equivalent hadolint code, when there is one."""

    @classmethod
    def of(cls, rule: Rule, family: str) -> RuleDoc:
        return cls(
            rule.code,
            rule.name,
            family,
            rule.severity,
            rule.summary,
            rule.example,
            rule.fix_example,
            rule.peer,
        )


@dataclass(frozen=True, slots=True)
class RulesReport:
    """The rules ``jettison rules`` lists, by code."""

    rules: tuple[RuleDoc, ...]
    asked: tuple[str, ...] = ()
    """The codes or prefixes asked for (empty: every rule, listed rather than explained)."""
