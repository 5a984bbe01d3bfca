"""JT104: ``yum install`` without ``yum clean all`` in the same RUN.

Why it matters: yum keeps the repository metadata it downloaded (often 100 MB and more on
RHEL/CentOS with EPEL) in ``/var/cache/yum``; unless the same RUN cleans it, it ships in
the layer. A later ``yum clean all`` in another RUN only hides it.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.caches import YUM_CACHE
from jettison.lint.helpers import cache_findings
from jettison.lint.model import Finding, LintContext, Rule, Severity

FIX = (
    "End the same RUN with `&& yum clean all` (or use `--mount=type=cache,target=/var/cache/yum`)."
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, ctx, YUM_CACHE, FIX)


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
