"""JT002: an instruction other than ``ARG`` before the first ``FROM``."""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.model import KEYWORDS
from jettison.lint.model import Finding, LintContext, Rule, Severity


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for instruction in ctx.dockerfile.global_args:
        if instruction.keyword == "ARG" or instruction.keyword not in KEYWORDS:
            continue  # unknown instructions are JT001's
        yield RULE.finding(
            ctx.dockerfile.path,
            instruction,
            f"{instruction.keyword} before the first FROM: only ARG may come before it",
            fix="Move it after a FROM line (or make it an ARG).",
        )


RULE = Rule(
    code="JT002",
    name="instruction-before-from",
    severity=Severity.ERROR,
    summary="Only ARG may come before the first FROM; anything else fails the build.",
    check=check,
    example="RUN pip install -r requirements.txt\nFROM python:3.11-slim\n",
    fix_example="FROM python:3.11-slim\nRUN pip install -r requirements.txt\n",
)
