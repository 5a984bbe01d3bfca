"""JT203: the final stage runs on an end-of-life base.

Why it matters: once a Python release, a distribution or a Node.js line reaches its end of
life, nobody publishes security fixes for it any more; every CVE found later stays in the
image for good. The dates come from one table (:mod:`jettison.facts.bases`) that cites each
project's own schedule; the comparison uses today's date, or
``options = { JT203 = { today = "YYYY-MM-DD" } }`` for reproducible runs.

Besides the Python, distribution and Node.js a tag names, the table knows what some tags
imply (``python:3.11.1`` was built on bullseye, ``tensorflow/tensorflow:1.*`` on Ubuntu
18.04 or older, Lambda's Python 3.11 on Amazon Linux 2), CUDA majors whose images NVIDIA no
longer supports, framework lines without releases (TensorFlow 1.x, PyTorch 1.x,
PaddlePaddle 2.x) and NGC monthly releases over a year old. The last are a judgement, not a
published date: alone they are reported at ``info``. A final image flattened from another
stage (``FROM scratch`` + ``COPY --from=base / /``) is judged by that stage's base.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from jettison.dockerfile.images import shipped_base
from jettison.facts import bases
from jettison.lint.helpers import today
from jettison.lint.model import Finding, LintContext, Rule, Severity

_UPGRADE_TABLES = {
    "Python": bases.PYTHON,
    "Node.js": bases.NODE,
    "Alpine": bases.ALPINE,
}
_NEXT = {
    "CUDA": "CUDA 12",
    "TensorFlow": "TensorFlow 2",
    "PyTorch": "PyTorch 2",
    "PaddlePaddle": "PaddlePaddle 3",
    "Amazon Linux": "Amazon Linux 2023",
}
"""Upgrades of the products whose cycles the table does not list one by one."""


def _upgrade(product: str, now: dt.date) -> str:
    if product == "NGC":
        return "a current NGC release"
    if product in _NEXT:
        return f"{_NEXT[product]} or later"
    if product == "Debian":
        debian = [(int(v), c) for c, (v, end) in bases.DEBIAN.items() if end >= now]
        return f"Debian {min(debian)[1]} or later" if debian else "a newer Debian"
    if product == "Ubuntu":
        ubuntu = [v for v, (_, end) in bases.UBUNTU.items() if end >= now]
        return f"Ubuntu {min(ubuntu)} or later" if ubuntu else "a newer Ubuntu"
    table = _UPGRADE_TABLES.get(product)
    version = bases.oldest_supported(table, now) if table is not None else None
    return f"{product} {version} or later" if version else f"a supported {product}"


def check(ctx: LintContext) -> Iterator[Finding]:
    base = shipped_base(ctx.dockerfile)
    if ctx.dockerfile is None or base is None:
        return
    now = today(ctx, "JT203")
    ended = [c for c in bases.cycles_of(base.ref) if c.end < now]
    if not ended:
        return
    firm = any(c.firm for c in ended)
    reasons = "; ".join(c.describe() for c in ended)
    upgrades = " and ".join(dict.fromkeys(_upgrade(c.product, now) for c in ended))
    gets = "no longer gets security fixes" if firm else "is likely missing security fixes"
    yield RULE.finding(
        ctx.dockerfile.path,
        base.at,
        f"the final stage runs on {base.ref.text}, which {gets}: {reasons}",
        fix=f"Rebuild on a supported base: {upgrades}.",
        severity=None if firm else Severity.INFO,
    )


RULE = Rule(
    code="JT203",
    name="end-of-life-base",
    severity=Severity.WARNING,
    summary="The final stage's base image carries an end-of-life Python, distribution, CUDA "
    "or framework.",
    check=check,
    example="FROM python:3.8-slim-buster",
    fix_example="FROM python:3.12-slim-bookworm",
)
