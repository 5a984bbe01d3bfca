"""What lint's rules share beyond the Dockerfile layer: how they name a stage, scope a
severity, count sizes in messages, and turn a cache row into findings.

Rules read commands through :mod:`jettison.dockerfile.commands` and facts through
:mod:`jettison.facts`; this module only holds what is lint's own (wording, severities,
where a measured saving goes).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shlex
from collections.abc import Callable, Iterable, Iterator, Sequence

from jettison.dockerfile.commands.caches import Cache, left_by
from jettison.dockerfile.ignore import DockerIgnore
from jettison.dockerfile.model import Stage
from jettison.dockerfile.run_commands import RunCommand, traced_commands
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, all_steps
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.savings import cache_saving
from jettison.units import human_bytes as human_bytes  # sizes as the reports print them

SHOWN_COMMAND = 60
"""A command quoted in a message is cut to this many characters."""


def stage_label(stage: Stage) -> str:
    """``stage "builder"`` or ``stage 2 (python:3.11)`` for messages."""
    if stage.name:
        return f'stage "{stage.name}"'
    return f"stage {stage.index + 1} ({stage.base})"


def scoped_severity(rule: Rule, runtime: bool) -> Severity:
    """The rule's severity in a stage of the final image; ``info`` in other stages, whose
    waste does not reach the image unless copied from."""
    return rule.severity if runtime else Severity.INFO


def runs(step_list: Iterable[Step]) -> Iterator[Step]:
    """The ``RUN`` steps."""
    return (s for s in step_list if s.instruction.keyword == "RUN")


def commands_run(ctx: LintContext, step: Step) -> list[Command]:
    """What a RUN executes: its commands, with those of the scripts and Makefile targets it
    runs from the build context in place (:mod:`jettison.dockerfile.scripts`)."""
    return [r.command for r in commands_traced(ctx, step)]


def commands_traced(ctx: LintContext, step: Step) -> list[RunCommand]:
    """:func:`commands_run`, each with the context script it was read from (``via``)."""
    if ctx.dockerfile is None:
        return [RunCommand(c) for c in step.commands]
    # Every rule asks about every RUN: read each once per run (a third of lint's time).
    # Keyed by the step's objects, kept in the entry so that an id is never reused.
    key = ("traced", id(step.instruction), id(step.stage), step.cwd)
    entry = ctx.memo.get(key)
    if isinstance(entry, tuple) and entry[0] is step.instruction and entry[1] is step.stage:
        return list(entry[2])
    found = traced_commands(ctx.dockerfile, step, ctx.context_dir, context_excludes(ctx))
    ctx.memo[key] = (step.instruction, step.stage, tuple(found))
    return found


def index_of(commands: Sequence[Command], test: Callable[[Command], bool]) -> int | None:
    return next((i for i, c in enumerate(commands) if test(c)), None)


def with_saving(findings: list[Finding], saving: Saving | None) -> list[Finding]:
    """Attach a measured saving to the last finding only, so a total never counts it twice."""
    if saving is None or not findings:
        return findings
    return [*findings[:-1], dataclasses.replace(findings[-1], saving=saving)]


def human(size_bytes: int) -> str:
    """``1.5 MB``: one decimal, decimal units, for sizes measured in a build context."""
    value = float(size_bytes)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size_bytes} B"  # pragma: no cover


def shown(command: Command) -> str:
    """The command as a message quotes it (cut at :data:`SHOWN_COMMAND` characters)."""
    text = shlex.join(command.argv)
    return text if len(text) <= SHOWN_COMMAND else text[: SHOWN_COMMAND - 3] + "..."


def cache_findings(
    rule: Rule,
    ctx: LintContext,
    cache: Cache,
    fix: str,
    severity_of: Callable[[Step, Command], Severity | None] | None = None,
) -> Iterator[Finding]:
    """A finding per RUN that leaves ``cache`` in its layer (stages outside the final image
    at ``info``); the cache's bytes measured in ``--image`` go on the last one of the final
    image. ``severity_of`` (the RUN, the install) replaces the rule's severity in the final
    image's stages; None drops the finding (the install adds nothing worth reporting)."""
    if ctx.dockerfile is None:
        return
    findings: list[tuple[Step, Finding]] = []
    for step in runs(all_steps(ctx.dockerfile)):
        commands = commands_run(ctx, step)
        index = left_by(cache, step.instruction, commands, step.cwd, step.env)
        if index is None:
            continue
        message = (
            f"`{shown(commands[index])}` in {stage_label(step.stage)} leaves {cache.what} "
            "in the layer"
        )
        severity: Severity | None = scoped_severity(rule, step.runtime)
        if severity_of is not None:
            severity = severity_of(step, commands[index])
            if severity is not None and not step.runtime:
                severity = Severity.INFO
        if severity is None:
            continue
        finding = rule.finding(
            ctx.dockerfile.path, step.instruction, message, fix=fix, severity=severity
        )
        findings.append((step, finding))
    saving = cache_saving(ctx, cache.image_rows)
    last_runtime = max((i for i, (s, _) in enumerate(findings) if s.runtime), default=None)
    for index, (_, finding) in enumerate(findings):
        if index == last_runtime and saving is not None:
            finding = dataclasses.replace(finding, saving=saving)
        yield finding


def today(ctx: LintContext, *codes: str) -> dt.date:
    """The date end-of-life rules compare with: the first ``today = "YYYY-MM-DD"`` option of
    ``codes`` (for reproducible runs), else the system's date."""
    for code in codes:
        value = ctx.option(code, "today")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                continue
    return dt.date.today()


def context_excludes(ctx: LintContext) -> Callable[[str], bool]:
    """Whether ``.dockerignore`` leaves a context path (relative, slash-separated) out."""
    if not ctx.dockerignore:
        return lambda _: False
    return DockerIgnore(ctx.dockerignore).excludes
