"""JT403: the application source is copied before ``pip install -r requirements.txt``.

Why it matters: a layer is rebuilt when anything copied before it changes. With ``COPY . .``
(or ``COPY app/ ...``) ahead of the dependency install, every code edit re-runs
``pip install`` and produces a new multi-GB layer to build, push and pull, instead of
reusing the cached one. Copy the requirement files alone, install, then copy the source.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.commands.python import requirements_without_project
from jettison.dockerfile.copies import whole_context
from jettison.dockerfile.steps import Step, steps
from jettison.lint.helpers import stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity

_MANIFEST = re.compile(
    r"(?:.*requirements.*\.(?:txt|in)|.*constraints.*\.txt|pyproject\.toml|setup\.cfg|"
    r"poetry\.lock|uv\.lock|pdm\.lock|Pipfile(?:\.lock)?|environment\.ya?ml|pip\.conf)",
    re.IGNORECASE,
)
MAX_FILES = 2_000


def _source_dir(ctx: LintContext, source: str) -> bool:
    """``source`` is a context directory holding more than requirement files."""
    path = ctx.context_dir / source.lstrip("/")
    try:
        if not path.is_dir():
            return source.endswith("/") and not (ctx.context_dir / source.lstrip("/")).exists()
        for count, file in enumerate(p for p in path.rglob("*") if p.is_file()):
            if count > MAX_FILES or not _MANIFEST.fullmatch(file.name):
                return True
    except OSError:
        return False
    return False


def _brings_source(step: Step, ctx: LintContext) -> bool:
    instruction = step.instruction
    if instruction.keyword not in ("COPY", "ADD") or instruction.flag("from") is not None:
        return False
    if whole_context(instruction):
        return True
    return any(_source_dir(ctx, s) for s in instruction.args[:-1] if "://" not in s)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for stage in ctx.dockerfile.stages:
        pending: list[Step] = []
        for step in steps(ctx.dockerfile, stage):
            if _brings_source(step, ctx):
                pending.append(step)
                continue
            if step.instruction.keyword != "RUN" or not pending:
                continue
            files = next(
                (f for c in step.commands if (f := requirements_without_project(c)) is not None),
                None,
            )
            if files is None:
                continue
            for copy in pending:
                written = f"{copy.instruction.keyword} {' '.join(copy.instruction.args)}"
                yield RULE.finding(
                    ctx.dockerfile.path,
                    copy.instruction,
                    f"`{written}` in {stage_label(stage)} comes before the install of "
                    f"{', '.join(Path(f).name for f in files)} on line "
                    f"{step.instruction.position.line}: every source change re-runs it",
                    fix=(
                        f"Copy {', '.join(files)} alone first, run the install, and copy the "
                        "source after it."
                    ),
                )
            pending = []


RULE = Rule(
    code="JT403",
    name="requirements-after-source",
    severity=Severity.WARNING,
    summary="The source is copied before `pip install -r`, so every edit re-installs.",
    check=check,
    example="COPY . .\nRUN pip install --no-cache-dir -r requirements.txt",
    fix_example=(
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . ."
    ),
)
