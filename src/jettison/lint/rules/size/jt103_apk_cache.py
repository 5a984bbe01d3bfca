"""JT103: ``apk add`` without ``--no-cache``.

Why it matters: without ``--no-cache`` apk stores the repository indexes it fetched in
``/var/cache/apk`` and they stay in the layer. ``--no-cache`` fetches them to a temporary
place instead (and makes a separate ``apk update`` unnecessary).
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import Command
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.size._caches import CacheSpec, Env, cache_findings
from jettison.lint.rules.size._packages import is_apk

CACHE_DIRS = ("/var/cache/apk", "/etc/apk/cache")


def _installs(command: Command) -> bool:
    return is_apk(command, "add")


def _disables(command: Command) -> bool:
    return command.has("--no-cache")


def _dirs(_: Env) -> tuple[str, ...]:
    return CACHE_DIRS


SPEC = CacheSpec(
    cache="apk's index cache (/var/cache/apk)",
    fix="Use `apk add --no-cache ...`.",
    installs=_installs,
    disables=_disables,
    cache_dirs=_dirs,
    image_rows=lambda path: path == "var/cache/apk",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, SPEC, ctx)


RULE = Rule(
    code="JT103",
    name="apk-cache",
    severity=Severity.WARNING,
    summary="`apk add` without `--no-cache` keeps the package index cache.",
    check=check,
    example="RUN apk update && apk add curl",
    fix_example="RUN apk add --no-cache curl",
    peer="DL3019",
)
