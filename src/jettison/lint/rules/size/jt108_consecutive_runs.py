"""JT108: consecutive RUN instructions that could be one.

Why it matters: every RUN is a layer. Files a later RUN changes or deletes still ship in
the earlier layer, and each layer adds its own metadata and pull round-trip. hadolint's
DL3059 condition is kept exactly: two RUNs in a row (comments between them allowed) with
the same flags, each running a single command; a RUN that already chains commands is
taken as a deliberate split, and so is a heredoc script followed by another RUN.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.model import Instruction
from jettison.dockerfile.shell import commands_of
from jettison.lint.model import Finding, LintContext, Rule, Severity

_CONDITIONS = frozenset({"[", "[["})
"""Test brackets are shell syntax, not commands, for the count."""


def command_count(instruction: Instruction) -> int:
    return sum(1 for c in commands_of(instruction) if c.argv[0] not in _CONDITIONS)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for stage in ctx.dockerfile.stages:
        previous: Instruction | None = None
        for instruction in stage.instructions:
            if instruction.keyword != "RUN":
                previous = None
                continue
            if (
                previous is not None
                and sorted(previous.flags) == sorted(instruction.flags)
                and command_count(previous) <= 1
                and command_count(instruction) <= 1
            ):
                yield RULE.finding(
                    ctx.dockerfile.path,
                    instruction,
                    f"this RUN follows the RUN on line {previous.position.line} with one "
                    "command each: two layers where one would do",
                    fix="Join them into one RUN with `&&`.",
                )
            previous = None if instruction.heredocs else instruction


RULE = Rule(
    code="JT108",
    name="consecutive-runs",
    severity=Severity.INFO,
    summary="Consecutive single-command RUN instructions that should be one.",
    check=check,
    example="RUN python -m venv /opt/venv\nRUN /opt/venv/bin/pip install --no-cache-dir .",
    fix_example=(
        "RUN python -m venv /opt/venv \\\n    && /opt/venv/bin/pip install --no-cache-dir ."
    ),
    peer="DL3059",
)
