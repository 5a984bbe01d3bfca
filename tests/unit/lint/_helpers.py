"""Helpers for the lint engine, config, context, sizes and renderer tests."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from jettison.lint.model import Finding, LintContext, Rule, Severity


def make_rule(
    code: str,
    check: Callable[[LintContext], Iterable[Finding]],
    severity: Severity = Severity.WARNING,
    name: str | None = None,
    peer: str | None = None,
) -> Rule:
    return Rule(
        code=code,
        name=name or f"test-rule-{code.lower()}",
        severity=severity,
        summary=f"Test rule {code}.",
        check=check,
        example="FROM python:3.11\n",
        fix_example="FROM python:3.11-slim\n",
        peer=peer,
    )
