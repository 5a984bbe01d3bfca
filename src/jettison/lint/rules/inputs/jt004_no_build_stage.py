"""JT004: a Dockerfile without a ``FROM`` (nothing to build)."""

from __future__ import annotations

from collections.abc import Iterator

from jettison.lint.model import Finding, LintContext, Rule, Severity


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None or dockerfile.stages:
        return
    first = dockerfile.global_args[0] if dockerfile.global_args else 1
    yield RULE.finding(
        dockerfile.path,
        first,
        "no FROM instruction: the Dockerfile has no build stage",
        fix="Start the build with FROM <base image>.",
    )


RULE = Rule(
    code="JT004",
    name="no-build-stage",
    severity=Severity.ERROR,
    summary="A Dockerfile with no FROM instruction, so no stage to build.",
    check=check,
    example="ARG PYTHON=3.11\n",
    fix_example="ARG PYTHON=3.11\nFROM python:${PYTHON}-slim\n",
)
