"""JT110: a full distribution upgrade (``apt-get upgrade``, ``dist-upgrade``...) in the image.

Why it matters: every package the upgrade touches is written again in the new layer while
the base image's copy stays underneath, hidden: on an older base that is easily hundreds
of MB shipped twice, and the result depends on the day of the build. A newer tag (or
digest) of the base image carries the same fixes once. hadolint dropped its rule for this
(DL3005), so there is no peer; only the stages of the final image are checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.system import system_command, upgrades_all
from jettison.dockerfile.steps import runtime_steps
from jettison.lint.helpers import commands_run, runs, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for step in runs(runtime_steps(ctx.dockerfile)):
        found = next((c for c in commands_run(ctx, step) if upgrades_all(c)), None)
        if found is None:
            continue
        read = system_command(found)
        verb = [read.verb] if read is not None and read.verb else []
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            f"`{found.name} {' '.join(verb)}` in {stage_label(step.stage)} rewrites every "
            "upgraded package in a new layer; the base image's copies stay underneath",
            fix=(
                "Drop the upgrade and use a newer tag or digest of the base image (rebuild "
                "on it regularly); install specific fixed packages by name if needed."
            ),
        )


RULE = Rule(
    code="JT110",
    name="distro-upgrade",
    severity=Severity.INFO,
    summary="`apt-get upgrade`/`dist-upgrade` (or apk/dnf/zypper upgrades) in the image.",
    check=check,
    example="FROM python:3.11-slim\nRUN apt-get update && apt-get upgrade -y",
    fix_example="FROM python:3.11-slim@sha256:...  # a recent digest, rebuilt regularly",
)
