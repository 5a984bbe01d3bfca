"""One check for every "install left its cache in the layer" rule, driven by a table row.

A RUN is fine when, for the last install in it that does not disable the cache itself:
a later command in the same RUN cleans the cache, or removes its directory, or a ``cache``/
``tmpfs`` mount holds the directory, or the environment turns the cache off. Stages outside
the final image are reported at ``info``: their caches only reach the image when copied.
"""

from __future__ import annotations

import dataclasses
import re
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, all_steps
from jettison.lint.model import Finding, LintContext, Rule
from jettison.lint.rules.size._scripts import (
    cache_saving,
    removes,
    runs,
    scoped_severity,
    stage_label,
    volatile_targets,
)

Env = Mapping[str, str]


def _never(_: Command) -> bool:
    return False


def _no_env(_: Env) -> bool:
    return False


@dataclass(frozen=True)
class CacheSpec:
    """What one package manager's cache rule looks for."""

    cache: str
    """What is left behind, for messages: ``pip's download cache``."""
    fix: str
    installs: Callable[[Command], bool]
    cache_dirs: Callable[[Env], tuple[str, ...]]
    """Absolute directories of the cache (removing or mounting over one of them is a fix)."""
    image_rows: Callable[[str], bool]
    """Selects the cache's rows in inspect's ``package-cache`` (``var/cache/apk``)."""
    disables: Callable[[Command], bool] = _never
    """The install's own option turns the cache off (``--no-cache-dir``)."""
    cleans: Callable[[Command], bool] = _never
    """A command that empties the cache (``yum clean all``)."""
    env_disables: Callable[[Env], bool] = _no_env
    script_disables: re.Pattern[str] | None = None
    """Matches the RUN's text when it sets the cache off inline (``PIP_NO_CACHE_DIR=1 pip``)."""
    mount_suffixes: tuple[str, ...] = ()
    """Mount targets ending like this hold the cache whatever the user's home is."""


def cache_findings(rule: Rule, spec: CacheSpec, ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    findings: list[tuple[Step, Finding]] = []
    for step in runs(all_steps(ctx.dockerfile)):
        commands = step.commands
        last = None
        for index, command in enumerate(commands):
            if spec.installs(command) and not spec.disables(command):
                last = index
        if last is None or _fine(spec, step, commands[last + 1 :]):
            continue
        shown = shlex.join(commands[last].argv)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        findings.append(
            (
                step,
                rule.finding(
                    ctx.dockerfile.path,
                    step.instruction,
                    f"`{shown}` in {stage_label(step.stage)} leaves {spec.cache} in the layer",
                    fix=spec.fix,
                    severity=scoped_severity(rule, step.runtime),
                ),
            )
        )
    saving = cache_saving(ctx, spec.image_rows)
    last_runtime = max((i for i, (s, _) in enumerate(findings) if s.runtime), default=None)
    for index, (_, finding) in enumerate(findings):
        if index == last_runtime and saving is not None:
            finding = dataclasses.replace(finding, saving=saving)
        yield finding


def _fine(spec: CacheSpec, step: Step, after: list[Command]) -> bool:
    if spec.env_disables(step.env):
        return True
    if spec.script_disables is not None and spec.script_disables.search(
        step.instruction.shell_text
    ):
        return True
    dirs = [absolute(d, step.cwd) for d in spec.cache_dirs(step.env)]
    for target in volatile_targets(step.instruction, step.cwd):
        if any(covers(target, d) for d in dirs):
            return True
        if any(target.endswith(suffix) for suffix in spec.mount_suffixes):
            return True
    if any(spec.cleans(c) for c in after):
        return True
    return any(removes(after, d, step.cwd, step.env) for d in dirs)


def home_dirs(env: Env, *relative: str) -> tuple[str, ...]:
    """``relative`` under root's home and under ``$HOME`` when the Dockerfile sets it."""
    homes = ["/root"]
    if env.get("HOME", "").startswith("/"):
        homes.append(env["HOME"])
    return tuple(f"{home}/{rel}" for home in homes for rel in relative)
