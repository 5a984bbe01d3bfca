"""Three tiny rules for the functional tests: stable while the real rules change."""

from __future__ import annotations

from collections.abc import Iterator

from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.savings import distributions_saving

DEV_TOOLS = ("pytest", "black")


def _not_slim(ctx: LintContext) -> Iterator[Finding]:
    stage = ctx.dockerfile.final_stage if ctx.dockerfile else None
    if ctx.dockerfile is None or stage is None or "slim" in stage.base_expanded:
        return
    yield NOT_SLIM.finding(
        ctx.dockerfile.path,
        stage.from_instruction,
        f"final stage on {stage.base_expanded}, not a slim image",
        fix="use the -slim variant",
    )


def _dev_tool(ctx: LintContext) -> Iterator[Finding]:
    for requirement in ctx.requirements.requirements:
        if requirement.name in DEV_TOOLS:
            yield DEV_TOOL.finding(
                requirement.file,
                requirement.line,
                f"{requirement.name} in production",
                fix=f"move {requirement.name} to a dev requirements file",
                saving=distributions_saving(ctx, [requirement.name]),
            )


def _no_user(ctx: LintContext) -> Iterator[Finding]:
    stage = ctx.dockerfile.final_stage if ctx.dockerfile else None
    if ctx.dockerfile is None or stage is None or stage.of("USER"):
        return
    yield NO_USER.finding(ctx.dockerfile.path, stage.from_instruction, "runs as root")


NOT_SLIM = Rule("JT901", "not-slim", Severity.WARNING, "Final stage not slim.", _not_slim)
DEV_TOOL = Rule("JT902", "dev-tool", Severity.WARNING, "Dev tool in production.", _dev_tool)
NO_USER = Rule("JT903", "no-user", Severity.INFO, "No USER.", _no_user, peer="DL3002")
TEST_RULES = (NOT_SLIM, DEV_TOOL, NO_USER)
