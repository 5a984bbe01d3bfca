"""JT107: ``pip install`` without ``--no-cache-dir`` (``uv pip install`` without
``--no-cache``).

Why it matters: pip keeps every wheel it downloads or builds in ``~/.cache/pip``, and uv's
pip interface in ``~/.cache/uv``. For an ML service that is the second copy of torch, CUDA
libraries and friends (gigabytes) left in the layer next to the installed packages. A cache
mount, ``PIP_NO_CACHE_DIR`` (``UV_NO_CACHE``) set by ``ENV``/``ARG`` in the stage, or a
``pip cache purge`` (``uv cache clean``) in the same RUN all avoid it. pip is pip however
it is run: ``pip3.11``, ``python3 -m pip``, a virtualenv's ``pip``.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.caches import PIP, UV
from jettison.lint.helpers import cache_findings
from jettison.lint.model import Finding, LintContext, Rule, Severity

FIX = (
    "Use `pip install --no-cache-dir ...` (or `ENV PIP_NO_CACHE_DIR=1`, or "
    "`RUN --mount=type=cache,target=/root/.cache/pip`)."
)
UV_FIX = (
    "Use `uv pip install --no-cache ...` (or `ENV UV_NO_CACHE=1`, or "
    "`RUN --mount=type=cache,target=/root/.cache/uv`)."
)


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from cache_findings(RULE, ctx, PIP, FIX)
    yield from cache_findings(RULE, ctx, UV, UV_FIX)


RULE = Rule(
    code="JT107",
    name="pip-cache",
    severity=Severity.WARNING,
    summary="`pip install` without `--no-cache-dir` keeps downloaded wheels in the image.",
    check=check,
    example="RUN pip install -r requirements.txt",
    fix_example="RUN pip install --no-cache-dir -r requirements.txt",
    peer="DL3042",
)
