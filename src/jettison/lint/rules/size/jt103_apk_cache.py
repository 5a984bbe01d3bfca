"""JT103: ``apk add`` without ``--no-cache``.

Why it matters: without ``--no-cache`` apk stores the repository indexes it fetched in
``/var/cache/apk`` and they stay in the layer. ``--no-cache`` fetches them to a temporary
place instead (and makes a separate ``apk update`` unnecessary).
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.caches import APK
from jettison.lint.helpers import cache_findings
from jettison.lint.model import Finding, LintContext, Rule, Severity

FIX = "Use `apk add --no-cache ...`."


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, ctx, APK, FIX)


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
