"""JT104: ``yum install`` without ``yum clean all`` in the same RUN.

Why it matters: yum keeps the repository metadata it downloaded (often 100 MB and more on
RHEL/CentOS with EPEL) in ``/var/cache/yum``; unless the same RUN cleans it, it ships in
the layer. A later ``yum clean all`` in another RUN only hides it.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import Command
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.size._caches import CacheSpec, Env, cache_findings
from jettison.lint.rules.size._packages import RPM_VALUED, is_rpm_tool, packages

YUM = frozenset({"yum"})
INSTALLS = ("install", "groupinstall", "localinstall", "reinstall")


def _installs(command: Command) -> bool:
    return is_rpm_tool(command, YUM, *INSTALLS)


def _cleans(command: Command) -> bool:
    return is_rpm_tool(command, YUM, "clean") and "all" in packages(command, RPM_VALUED)


def _dirs(_: Env) -> tuple[str, ...]:
    return ("/var/cache/yum",)


SPEC = CacheSpec(
    cache="yum's metadata and package cache (/var/cache/yum)",
    fix="End the same RUN with `&& yum clean all` (or use "
    "`--mount=type=cache,target=/var/cache/yum`).",
    installs=_installs,
    cleans=_cleans,
    cache_dirs=_dirs,
    image_rows=lambda path: path == "var/cache/yum",
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, SPEC, ctx)


RULE = Rule(
    code="JT104",
    name="yum-cache",
    severity=Severity.WARNING,
    summary="`yum install` without `yum clean all` in the same RUN keeps yum's cache.",
    check=check,
    example="RUN yum install -y gcc",
    fix_example="RUN yum install -y gcc && yum clean all",
    peer="DL3032",
)
