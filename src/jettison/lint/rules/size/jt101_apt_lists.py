"""JT101: ``apt-get update`` without removing ``/var/lib/apt/lists`` in the same RUN.

Why it matters: ``apt-get update`` downloads the package indexes of every configured
repository (tens of MB on Debian and Ubuntu, more with extra repositories such as CUDA's).
They are only needed to install, yet stay in the layer unless the same RUN deletes them:
an ``rm`` in a later RUN hides them but does not free a byte. Only the stages the final
image is built from are checked, as hadolint does for DL3009.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.cleanup import mounted_over, removes
from jettison.dockerfile.commands.system import LISTS, is_apt
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import runtime_steps
from jettison.lint.helpers import commands_run, index_of, runs, stage_label, with_saving
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.savings import cache_saving


def _updates(command: Command) -> bool:
    return is_apt(command, "update")


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    findings = []
    for step in runs(runtime_steps(ctx.dockerfile)):
        commands = commands_run(ctx, step)
        first = index_of(commands, _updates)
        if first is None or mounted_over(step.instruction, LISTS, step.cwd, step.env):
            continue
        last = max(i for i, c in enumerate(commands) if _updates(c))
        after = commands[last + 1 :]
        if removes(after, LISTS, step.cwd, step.env) or any(is_apt(c, "distclean") for c in after):
            continue
        findings.append(
            RULE.finding(
                ctx.dockerfile.path,
                step.instruction,
                f"`{commands[first].name} update` in {stage_label(step.stage)} leaves the "
                f"package lists in {LISTS} in the image: this RUN does not remove them",
                fix=(
                    "End the same RUN with `&& rm -rf /var/lib/apt/lists/*` (or use "
                    "`--mount=type=cache,target=/var/lib/apt/lists`)."
                ),
            )
        )
    yield from with_saving(findings, cache_saving(ctx, lambda path: path == LISTS.strip("/")))


RULE = Rule(
    code="JT101",
    name="apt-lists-not-removed",
    severity=Severity.WARNING,
    summary="`apt-get update` without `rm -rf /var/lib/apt/lists/*` in the same RUN.",
    check=check,
    example="RUN apt-get update && apt-get install -y --no-install-recommends curl",
    fix_example=(
        "RUN apt-get update \\\n"
        "    && apt-get install -y --no-install-recommends curl \\\n"
        "    && rm -rf /var/lib/apt/lists/*"
    ),
    peer="DL3009",
)
