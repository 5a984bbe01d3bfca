"""JT105: ``zypper install`` without ``zypper clean`` in the same RUN.

Why it matters: zypper keeps repository metadata and downloaded packages in
``/var/cache/zypp``; unless the same RUN cleans them they ship in the layer.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.caches import ZYPPER
from jettison.lint.helpers import cache_findings
from jettison.lint.model import Finding, LintContext, Rule, Severity

FIX = (
    "End the same RUN with `&& zypper clean --all` (or use "
    "`--mount=type=cache,target=/var/cache/zypp`)."
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, ctx, ZYPPER, FIX)


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
