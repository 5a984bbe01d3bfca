"""JT201: the final stage runs on the full ``python:X`` image.

Why it matters: ``python:3.11`` is built on ``buildpack-deps``: gcc, make, the ``-dev``
headers of dozens of libraries, git, mercurial and subversion, close to a gigabyte more than
``python:3.11-slim`` for the same interpreter. A service needs the compilers only while
``pip`` builds wheels, which belongs in a builder stage whose virtualenv the slim final
stage copies.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.images import shipped_base
from jettison.imageref import ImageRef
from jettison.lint.model import Finding, LintContext, Rule, Severity

_NOT_FULL = ("slim", "alpine", "windowsservercore", "nanoserver")


def slim_tag(ref: ImageRef) -> str:
    """``python:3.11`` -> ``python:3.11-slim``; ``python:3.11-bookworm`` ->
    ``python:3.11-slim-bookworm``; ``python`` -> ``python:slim``."""
    parts = list(ref.tag_parts)
    if not parts or parts == ["latest"]:
        return "python:slim"
    if parts[0][:1].isdigit():
        return "python:" + "-".join([parts[0], "slim", *parts[1:]])
    return "python:" + "-".join(["slim", *parts])


def check(ctx: LintContext) -> Iterator[Finding]:
    base = shipped_base(ctx.dockerfile)
    if ctx.dockerfile is None or base is None or base.ref.name != "python":
        return
    if any(p.startswith(_NOT_FULL) for p in base.ref.tag_parts):
        return
    slim = slim_tag(base.ref)
    yield RULE.finding(
        ctx.dockerfile.path,
        base.at,
        f"the final stage runs on {base.ref.text}, the full image with compilers, -dev "
        "headers and version-control tools the service does not use at run time",
        fix=(
            f"Use {slim} for the final stage; if packages must be compiled, do it in a "
            f"builder stage FROM {base.ref.text} and COPY its virtualenv into the {slim} stage."
        ),
    )


RULE = Rule(
    code="JT201",
    name="full-python-base",
    severity=Severity.WARNING,
    summary="The final stage is built on the full python:X image instead of python:X-slim.",
    check=check,
    example=(
        "FROM python:3.11\nCOPY . /app\nRUN pip install --no-cache-dir -r /app/requirements.txt"
    ),
    fix_example=(
        "FROM python:3.11 AS builder\n"
        "RUN python -m venv /opt/venv\n"
        "COPY requirements.txt .\n"
        "RUN /opt/venv/bin/pip install --no-cache-dir -r requirements.txt\n\n"
        "FROM python:3.11-slim\n"
        "COPY --from=builder /opt/venv /opt/venv\n"
        "COPY . /app"
    ),
)
