"""JT109: ``yarn install`` without ``yarn cache clean`` in the same RUN.

Why it matters: yarn (v1) keeps a copy of every package tarball in its global cache
(``/usr/local/share/.cache/yarn`` as root); it ships in the layer next to ``node_modules``
unless the same RUN cleans it or a cache mount holds it. Front-ends bundled into ML
service images (Gradio/Streamlit custom components, admin UIs) are where this shows up.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.caches import YARN
from jettison.lint.helpers import cache_findings
from jettison.lint.model import Finding, LintContext, Rule, Severity

FIX = (
    "End the same RUN with `&& yarn cache clean` (or use "
    "`--mount=type=cache,target=/usr/local/share/.cache/yarn`)."
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, ctx, YARN, FIX)


RULE = Rule(
    code="JT109",
    name="yarn-cache",
    severity=Severity.INFO,
    summary="`yarn install` without `yarn cache clean` in the same RUN keeps yarn's cache.",
    check=check,
    example="RUN yarn install --frozen-lockfile",
    fix_example="RUN yarn install --frozen-lockfile && yarn cache clean",
    peer="DL3060",
)
