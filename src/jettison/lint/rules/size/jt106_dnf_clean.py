"""JT106: ``dnf``/``microdnf install`` without ``dnf clean all`` in the same RUN.

Why it matters: dnf and microdnf keep repository metadata (often 100 MB and more) and
packages in ``/var/cache/dnf`` (``/var/cache/yum`` for microdnf, ``/var/cache/libdnf5`` for
dnf5); unless the same RUN cleans them they ship in the layer.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.caches import DNF_CACHE
from jettison.lint.helpers import cache_findings
from jettison.lint.model import Finding, LintContext, Rule, Severity

FIX = (
    "End the same RUN with `&& dnf clean all` (`microdnf clean all`), or use "
    "`--mount=type=cache,target=/var/cache/dnf`."
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, ctx, DNF_CACHE, FIX)


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
