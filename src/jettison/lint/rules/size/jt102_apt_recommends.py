"""JT102: ``apt-get install`` without ``--no-install-recommends``.

Why it matters: by default apt also installs every package the requested ones merely
*recommend*. For a server image that is often more than what was asked for: documentation
tools, X11 libraries, compilers (``python3-pip`` recommends ``build-essential``). Turning
recommendations off installs only the dependencies a package cannot work without.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.system import (
    configures_no_recommends,
    is_apt,
    system_command,
    without_recommends,
)
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import steps
from jettison.lint.helpers import commands_run, runs, scoped_severity, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity


def _offends(command: Command) -> bool:
    return (
        is_apt(command, "install")
        and command.name != "aptitude"
        and not without_recommends(command)
    )


def _packages(command: Command) -> list[str]:
    found = system_command(command)
    return list(found.packages) if found is not None else []


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for stage in ctx.dockerfile.stages:
        configured = False  # by an apt.conf snippet written earlier in the stage's chain
        for step in runs(steps(ctx.dockerfile, stage, inherited=True)):
            offending: list[Command] = []
            for command in commands_run(ctx, step):
                if configures_no_recommends(command):
                    configured = True
                elif _offends(command) and not configured:
                    offending.append(command)
            if not offending or step.stage.index != stage.index:
                continue
            names = [name for c in offending for name in _packages(c)]
            yield RULE.finding(
                ctx.dockerfile.path,
                step.instruction,
                f"`{offending[0].name} install` of {', '.join(names) or 'packages'} in "
                f"{stage_label(step.stage)} also installs every package they recommend",
                fix=(
                    "Add `--no-install-recommends`, and name the recommended packages the "
                    "service really needs."
                ),
                severity=scoped_severity(RULE, step.runtime),
            )


RULE = Rule(
    code="JT102",
    name="apt-install-recommends",
    severity=Severity.INFO,
    summary="`apt-get install` without `--no-install-recommends` pulls in recommended packages.",
    check=check,
    example="RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    fix_example=(
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    ),
    peer="DL3015",
)
