"""JT003: a requirements line (or file) that could not be understood."""

from __future__ import annotations

from collections.abc import Iterator

from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.requirements.requirements_txt import UNNAMED


def check(ctx: LintContext) -> Iterator[Finding]:
    for file, line, message in ctx.requirements.problems:
        if message.startswith(UNNAMED):  # pip installs it; only the name is unknown here
            yield RULE.finding(
                file,
                max(line, 1),
                message,
                severity=Severity.INFO,
                fix="Name the package ('name @ URL' or '#egg=name') so that the dependency "
                "rules can check it; pip learns the name only by building the project.",
            )
            continue
        yield RULE.finding(
            file,
            max(line, 1),
            message,
            fix="Fix the line so that pip can read it (the other rules skip what they cannot "
            "read, so they may miss problems there).",
        )


RULE = Rule(
    code="JT003",
    name="unreadable-requirement",
    severity=Severity.WARNING,
    summary="A requirements line or file that could not be read; rules cannot check it.",
    check=check,
    example="# requirements.txt\ntorch=2.3.1\n",
    fix_example="# requirements.txt\ntorch==2.3.1\n",
)
