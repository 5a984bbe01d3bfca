"""JT111: ``apt-get install`` in a RUN that relies on an ``apt-get update`` of an earlier one.

Why it matters: the build cache reuses the ``apt-get update`` layer for as long as its line
does not change, so the package lists a later install reads can be weeks old: the install
then fails (the mirror no longer has those versions) or quietly gets old ones. And when
the earlier RUN removed the lists (as it should), the later install finds no package at
all. ``apt-get update`` belongs in the same RUN as every ``apt-get install`` that needs it,
followed by ``rm -rf /var/lib/apt/lists/*``. Every stage is checked: a builder's install
fails the build just the same.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.system import INSTALL, is_apt, packages_if, system_command
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, steps
from jettison.lint.helpers import commands_run, runs, shown
from jettison.lint.model import Finding, LintContext, Rule, Severity


def _apt_install(command: Command) -> bool:
    found = system_command(command)
    return (
        found is not None and found.manager == "apt" and packages_if(command, INSTALL) is not None
    )


def _unprepared_install(commands: list[Command]) -> Command | None:
    """The first apt install of a RUN that runs no ``apt update`` before it."""
    for command in commands:
        if is_apt(command, "update"):
            return None
        if _apt_install(command):
            return command
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for stage in ctx.dockerfile.stages:
        updated: Step | None = None
        for step in runs(steps(ctx.dockerfile, stage, inherited=True)):
            commands = commands_run(ctx, step)
            install = _unprepared_install(commands)
            if install is not None and updated is not None and step.stage.index == stage.index:
                yield RULE.finding(
                    ctx.dockerfile.path,
                    step.instruction,
                    f"`{shown(install)}` relies on the `apt-get update` of line "
                    f"{updated.instruction.position.line}: from the build cache those package "
                    "lists are stale (or already removed)",
                    fix=(
                        "Run `apt-get update` in the same RUN: `apt-get update && apt-get "
                        "install -y --no-install-recommends ... && rm -rf /var/lib/apt/lists/*`."
                    ),
                )
            if any(is_apt(c, "update") for c in commands):
                updated = step


RULE = Rule(
    code="JT111",
    name="apt-update-separate",
    severity=Severity.WARNING,
    summary="`apt-get install` relies on an `apt-get update` run in an earlier layer.",
    check=check,
    example="RUN apt-get update\nRUN apt-get install -y --no-install-recommends gcc",
    fix_example=(
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends gcc \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    ),
)
