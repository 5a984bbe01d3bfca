"""JT105: ``zypper install`` without ``zypper clean`` in the same RUN.

Why it matters: zypper keeps repository metadata and downloaded packages in
``/var/cache/zypp``; unless the same RUN cleans them they ship in the layer.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import Command
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.size._caches import CacheSpec, Env, cache_findings
from jettison.lint.rules.size._packages import is_zypper


def _installs(command: Command) -> bool:
    return is_zypper(command, "install", "in")


def _cleans(command: Command) -> bool:
    return is_zypper(command, "clean", "cc")


def _dirs(_: Env) -> tuple[str, ...]:
    return ("/var/cache/zypp",)


SPEC = CacheSpec(
    cache="zypper's cache (/var/cache/zypp)",
    fix="End the same RUN with `&& zypper clean --all` (or use "
    "`--mount=type=cache,target=/var/cache/zypp`).",
    installs=_installs,
    cleans=_cleans,
    cache_dirs=_dirs,
    image_rows=lambda path: path == "var/cache/zypp",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, SPEC, ctx)


RULE = Rule(
    code="JT105",
    name="zypper-cache",
    severity=Severity.WARNING,
    summary="`zypper install` without `zypper clean` in the same RUN keeps zypper's cache.",
    check=check,
    example="RUN zypper install -y gcc",
    fix_example="RUN zypper install -y gcc && zypper clean --all",
    peer="DL3036",
)
