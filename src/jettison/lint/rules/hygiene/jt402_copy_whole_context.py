"""JT402: ``COPY . .`` (the whole build context) with no ``.dockerignore``, or with one that
lets Git history, virtualenvs, bytecode caches, notebooks, data directories or the test
suite through.

Why it matters: ``COPY .`` ships everything the context holds. ``.git`` alone is often
larger than the application; a local ``.venv`` duplicates (and can shadow) the image's own
packages; ``.env`` files leak credentials; notebooks and data directories are not code.
Only what the context actually contains is reported, matched with BuildKit's own
``.dockerignore`` rules (``**``, ``!`` exceptions, parent directories).
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.context import Junk, find_junk
from jettison.dockerfile.copies import whole_context
from jettison.dockerfile.ignore import DockerIgnore
from jettison.dockerfile.steps import all_steps
from jettison.lint.helpers import human, scoped_severity, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity

SHOWN = 6
DEFAULT_PATTERNS = (".git", ".venv", "**/__pycache__", "**/*.ipynb", ".env")


def _listing(junk: list[Junk]) -> str:
    """The largest items first, at most ``SHOWN`` of them."""
    largest = sorted(junk, key=lambda j: (-j.size_bytes, j.path))
    shown = [f"{j.path} ({j.what}, {human(j.size_bytes)})" for j in largest[:SHOWN]]
    if len(junk) > SHOWN:
        shown.append(f"{len(junk) - SHOWN} more")
    return ", ".join(shown)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    copies = [s for s in all_steps(ctx.dockerfile) if whole_context(s.instruction)]
    if not copies:
        return
    ignore = DockerIgnore(ctx.dockerignore) if ctx.dockerignore is not None else None
    scan = find_junk(ctx.context_dir, ignore)
    if ignore is not None and not scan.junk:
        return
    patterns = sorted({j.pattern for j in scan.junk}) or list(DEFAULT_PATTERNS)
    total = sum(j.size_bytes for j in scan.junk)
    saving = Saving(total, "bytes in the build context") if total and scan.complete else None
    for step in copies:
        written = f"`{step.instruction.keyword} {' '.join(step.instruction.args)}`"
        where = stage_label(step.stage)
        if ignore is None:
            message = f"{written} in {where} sends the whole build context and there is no "
            message += ".dockerignore" + (f": it ships {_listing(scan.junk)}" if scan.junk else "")
        else:
            message = (
                f"{written} in {where} ships {_listing(scan.junk)}: .dockerignore does not "
                "exclude them"
            )
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            message,
            fix=(
                f"List {', '.join(patterns[:SHOWN])} in .dockerignore, or COPY only what the "
                "service runs (`COPY app/ ./app/`)."
            ),
            saving=saving if step.runtime else None,
            severity=scoped_severity(RULE, step.runtime),
        )
        if step.runtime:
            saving = None  # counted once


RULE = Rule(
    code="JT402",
    name="copy-whole-context",
    severity=Severity.WARNING,
    summary="`COPY . .` without a .dockerignore that keeps .git, venvs, caches and data out.",
    check=check,
    example="COPY . .    # no .dockerignore; the context has .git/, .venv/ and data/",
    fix_example=(
        "# .dockerignore\n.git\n.venv\n**/__pycache__\n**/*.ipynb\ndata/\n\n# Dockerfile\nCOPY . ."
    ),
)
