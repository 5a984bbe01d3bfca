"""JT106: ``dnf``/``microdnf install`` without ``dnf clean all`` in the same RUN.

Why it matters: dnf and microdnf keep repository metadata (often 100 MB and more) and
packages in ``/var/cache/dnf`` (``/var/cache/yum`` for microdnf, ``/var/cache/libdnf5`` for
dnf5); unless the same RUN cleans them they ship in the layer.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import Command
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.size._caches import CacheSpec, Env, cache_findings
from jettison.lint.rules.size._packages import RPM_VALUED, is_rpm_tool, packages

DNF = frozenset({"dnf", "dnf5", "microdnf"})
INSTALLS = ("install", "reinstall", "upgrade", "update")
CACHE_DIRS = ("/var/cache/dnf", "/var/cache/yum", "/var/cache/libdnf5")


def _installs(command: Command) -> bool:
    return is_rpm_tool(command, DNF, *INSTALLS)


def _cleans(command: Command) -> bool:
    return is_rpm_tool(command, DNF, "clean") and "all" in packages(command, RPM_VALUED)


def _dirs(_: Env) -> tuple[str, ...]:
    return CACHE_DIRS


SPEC = CacheSpec(
    cache="dnf's metadata and package cache (/var/cache/dnf)",
    fix="End the same RUN with `&& dnf clean all` (`microdnf clean all`), or use "
    "`--mount=type=cache,target=/var/cache/dnf`.",
    installs=_installs,
    cleans=_cleans,
    cache_dirs=_dirs,
    image_rows=lambda path: path in ("var/cache/dnf", "var/cache/yum"),
    mount_suffixes=(".cache/libdnf5",),
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, SPEC, ctx)


RULE = Rule(
    code="JT106",
    name="dnf-cache",
    severity=Severity.WARNING,
    summary="`dnf`/`microdnf install` without `dnf clean all` in the same RUN keeps the cache.",
    check=check,
    example="RUN microdnf install -y python3",
    fix_example="RUN microdnf install -y python3 && microdnf clean all",
    peer="DL3040",
)
