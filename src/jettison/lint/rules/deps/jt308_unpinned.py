"""JT308: production requirements without an exact version.

Why it matters: ``pandas`` or ``torch>=2`` resolve to whatever is newest on the day of the
build, so two builds of the same commit can ship different libraries (and sizes), and a
release that drops a wheel for your platform turns into a source build. Pin with ``==`` (or
install from a lock file or constraints).

One finding per requirement file (at its first unpinned line, naming them all) and one per
``RUN pip install`` line; a name pinned anywhere in the requirement set (a constraints file)
counts as pinned, and so do ``pyproject.toml`` ranges when a lock file sits next to it.
pip, setuptools and wheel upgrades on the command line are not reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.hostpaths import is_file
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    by_location,
    finding_at,
    names,
    production_packages,
)

LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock", "Pipfile.lock", "pylock.toml")
BOOTSTRAP = frozenset({"pip", "setuptools", "wheel", "uv"})


def _locked(ctx: LintContext, declared: Declared) -> bool:
    requirement = declared.requirement
    if requirement is None:
        install = declared.install
        return install is not None and (
            bool(install.constraint_files) or declared.name in BOOTSTRAP
        )
    if any(r.pinned for r in ctx.requirements.named(declared.name)):
        return True
    if requirement.source_kind == "pyproject":
        folders = {requirement.file.parent, ctx.context_dir}
        return any(is_file(folder / name) for folder in folders for name in LOCK_FILES)
    return False


def check(ctx: LintContext) -> Iterator[Finding]:
    loose = [d for d in production_packages(ctx) if not d.pinned and not _locked(ctx, d)]
    for group in by_location(loose):
        count = len({d.name for d in group})
        what = "requirement" if count == 1 else "requirements"
        yield finding_at(
            RULE,
            ctx,
            group[0],
            f"{count} production {what} without an exact version: {names(group)}; each "
            "build may install different releases",
            fix="Pin each with == (pip freeze or pip-compile can write the list), or install "
            "from a lock file or a constraints file.",
        )


RULE = Rule(
    code="JT308",
    name="unpinned-requirement",
    severity=Severity.INFO,
    summary="Production requirements without an exact (==) version.",
    check=check,
    example="# requirements.txt\npandas\ntorch>=2",
    fix_example="# requirements.txt\npandas==2.2.3\ntorch==2.7.0",
)
