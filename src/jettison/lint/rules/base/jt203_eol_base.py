"""JT203: the final stage runs on an end-of-life base.

Why it matters: once a Python release, a distribution or a Node.js line reaches its end of
life, nobody publishes security fixes for it any more; every CVE found later stays in the
image for good. The dates come from one table (:mod:`jettison.facts.bases`) that cites each
project's own schedule; the comparison uses today's date, or
``options = { JT203 = { today = "YYYY-MM-DD" } }`` for reproducible runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from jettison.dockerfile.images import runtime_base
from jettison.facts import bases
from jettison.lint.model import Finding, LintContext, Rule, Severity


def today(ctx: LintContext) -> dt.date:
    value = ctx.option("JT203", "today")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    return dt.date.today()


_UPGRADE_TABLES = {
    "Python": bases.PYTHON,
    "Node.js": bases.NODE,
    "Alpine": bases.ALPINE,
}


def _upgrade(product: str, now: dt.date) -> str:
    if product == "Debian":
        debian = [(int(v), c) for c, (v, end) in bases.DEBIAN.items() if end >= now]
        return f"Debian {min(debian)[1]}" if debian else "a newer Debian"
    if product == "Ubuntu":
        ubuntu = [v for v, (_, end) in bases.UBUNTU.items() if end >= now]
        return f"Ubuntu {min(ubuntu)}" if ubuntu else "a newer Ubuntu"
    table = _UPGRADE_TABLES.get(product)
    version = bases.oldest_supported(table, now) if table is not None else None
    return f"{product} {version}" if version else f"a supported {product}"


def check(ctx: LintContext) -> Iterator[Finding]:
    base = runtime_base(ctx.dockerfile)
    if ctx.dockerfile is None or base is None:
        return
    now = today(ctx)
    ended = [c for c in bases.cycles_of(base.ref) if c.end < now]
    if not ended:
        return
    reasons = "; ".join(
        f"{c.product} {c.cycle} reached end of life on {c.end.isoformat()} ({c.source})"
        for c in ended
    )
    upgrades = " and ".join(dict.fromkeys(f"{_upgrade(c.product, now)} or later" for c in ended))
    yield RULE.finding(
        ctx.dockerfile.path,
        base.at,
        f"the final stage runs on {base.ref.text}, which no longer gets security fixes: {reasons}",
        fix=f"Rebuild on a supported base: {upgrades}.",
    )


RULE = Rule(
    code="JT203",
    name="end-of-life-base",
    severity=Severity.WARNING,
    summary="The final stage's base image carries an end-of-life Python, distribution or runtime.",
    check=check,
    example="FROM python:3.8-slim-buster",
    fix_example="FROM python:3.12-slim-bookworm",
)
