"""JT001: an instruction Docker does not know (``docker build`` stops at it)."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from jettison.dockerfile.model import KEYWORDS
from jettison.lint.model import Finding, LintContext, Rule, Severity


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for instruction in ctx.dockerfile.instructions():
        if instruction.keyword in KEYWORDS:
            continue
        close = difflib.get_close_matches(instruction.keyword, KEYWORDS, n=1)
        hint = f"Did you mean {close[0]}?" if close else "Check the spelling."
        yield RULE.finding(
            ctx.dockerfile.path,
            instruction,
            f"unknown instruction {instruction.keyword}: docker build fails here",
            fix=f"{hint} Known instructions: {', '.join(KEYWORDS)}.",
        )


RULE = Rule(
    code="JT001",
    name="unknown-instruction",
    severity=Severity.ERROR,
    summary="An instruction Docker does not know; the build fails at it.",
    check=check,
    example="FROM python:3.11-slim\nCOPPY app.py /app/\n",
    fix_example="FROM python:3.11-slim\nCOPY app.py /app/\n",
)
