"""JT401: compilers or ``-dev`` packages installed in the image's own stages.

Why it matters: a compiler toolchain (``build-essential``, ``gcc``, ``g++``, ``cmake``)
and development headers (``python3-dev``, ``libpq-dev``, ``*-devel``) are only needed to
build wheels and extensions; at run time they are hundreds of MB of dead weight and
attack surface. Build in a builder stage and copy the results (a venv, wheels) into a
final stage that never installs them. Builder stages are not checked; an install that the
same RUN purges again (``apt-get purge``, ``apk del .build-deps``) is not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.system import (
    INSTALL,
    REMOVE,
    apk_virtual,
    package_name,
    packages_if,
)
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, runtime_steps
from jettison.facts.system import is_build_tool
from jettison.lint.helpers import runs, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity


def _installed(command: Command) -> list[str]:
    return packages_if(command, INSTALL) or []


def _removed(command: Command) -> list[str]:
    return packages_if(command, REMOVE) or []


def left_installed(step: Step) -> list[str]:
    """Build tools this RUN installs and does not remove again."""
    kept: dict[str, str] = {}
    virtual: dict[str, list[str]] = {}
    for command in step.commands:
        tools = [p for p in _installed(command) if is_build_tool(package_name(p))]
        group = apk_virtual(command)
        for package in tools:
            kept[package_name(package)] = package_name(package)
        if group:
            virtual.setdefault(group, []).extend(package_name(p) for p in tools)
        for package in _removed(command):
            kept.pop(package_name(package), None)
            for member in virtual.pop(package, []):
                kept.pop(member, None)
    return sorted(kept)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    single = len(ctx.dockerfile.stages) == 1
    for step in runs(runtime_steps(ctx.dockerfile)):
        tools = left_installed(step)
        if not tools:
            continue
        where = (
            "this single-stage image" if single else f"{stage_label(step.stage)} of the final image"
        )
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            f"{', '.join(tools)} installed in {where}: build tools and headers ship to production",
            fix=(
                "Install them in a builder stage, build wheels or a venv there, and "
                "`COPY --from=builder` only the result into a final stage without them."
            ),
        )


RULE = Rule(
    code="JT401",
    name="build-tools-in-final-image",
    severity=Severity.WARNING,
    summary="Compilers or -dev packages are installed in the final image.",
    check=check,
    example=(
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends build-essential "
        "python3-dev && rm -rf /var/lib/apt/lists/*\n"
        "RUN pip install --no-cache-dir -r requirements.txt"
    ),
    fix_example=(
        "FROM python:3.11-slim AS builder\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends build-essential "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "RUN python -m venv /opt/venv && /opt/venv/bin/pip install --no-cache-dir -r "
        "requirements.txt\n\n"
        "FROM python:3.11-slim\n"
        "COPY --from=builder /opt/venv /opt/venv"
    ),
)
