"""JT112: ``poetry install``, ``uv sync``/``uv pip install`` or ``pdm install`` that leaves
the tool's cache in the layer.

Why it matters: Poetry keeps every wheel and sdist it downloaded in
``~/.cache/pypoetry/artifacts``, PDM in ``~/.cache/pdm``: a second copy of the environment's
packages (gigabytes with torch) shipped next to the installed one. Turn the cache off
(``poetry --no-cache install``, ``UV_NO_CACHE=1``), mount it
(``RUN --mount=type=cache,target=/root/.cache/pypoetry``), or remove it in the same RUN
(``rm -rf $(poetry config cache-dir)/artifacts``, ``uv cache clean``,
``pdm cache clear``). uv hard-links installed files from its cache by default, so its cache
costs little more than the environment and is reported as ``info``; with
``UV_LINK_MODE=copy`` it is a full second copy (``warning``). ``poetry lock`` only fills the
metadata cache (``info``). Stages outside the final image are ``info``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from jettison.dockerfile.commands.caches import PDM, POETRY, UV, poetry_verb, uv_copies
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, steps
from jettison.lint.helpers import cache_findings, commands_run, runs
from jettison.lint.model import Finding, LintContext, Rule, Severity

POETRY_FIX = (
    "Use `poetry install --no-cache` (Poetry 1.2+), mount the cache "
    "(`RUN --mount=type=cache,target=/root/.cache/pypoetry`), or end the RUN with "
    "`&& rm -rf $(poetry config cache-dir)/artifacts $(poetry config cache-dir)/cache`."
)
UV_FIX = (
    "Use `ENV UV_NO_CACHE=1` (or `--no-cache`), or mount the cache "
    "(`RUN --mount=type=cache,target=/root/.cache/uv`)."
)
Severity_of = Callable[[Step, Command], Severity | None]

PDM_FIX = (
    "Mount the cache (`RUN --mount=type=cache,target=/root/.cache/pdm`) or end the RUN with "
    "`&& pdm cache clear`."
)


def _repeated(ctx: LintContext, step: Step, command: Command) -> bool:
    """The same install already ran in an earlier RUN of the stage's chain: this one only
    adds the project, and its downloads are in that earlier layer already."""
    assert ctx.dockerfile is not None
    for earlier in runs(steps(ctx.dockerfile, step.stage, inherited=True)):
        if earlier.instruction is step.instruction:
            return False
        if any(c.argv == command.argv for c in commands_run(ctx, earlier)):
            return True
    return False


def _severity(ctx: LintContext, cheap: Callable[[Step, Command], bool]) -> Severity_of:
    def severity(step: Step, command: Command) -> Severity | None:
        if command.has("--only-root") or _repeated(ctx, step, command):
            return None
        return Severity.INFO if cheap(step, command) else RULE.severity

    return severity


def _poetry_lock(_: Step, command: Command) -> bool:
    return poetry_verb(command) == "lock"


def _uv_links(step: Step, command: Command) -> bool:
    return not uv_copies(command, step.env)


def _never(_: Step, __: Command) -> bool:
    return False


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from cache_findings(RULE, ctx, POETRY, POETRY_FIX, _severity(ctx, _poetry_lock))
    yield from cache_findings(RULE, ctx, UV, UV_FIX, _severity(ctx, _uv_links))
    yield from cache_findings(RULE, ctx, PDM, PDM_FIX, _severity(ctx, _never))


RULE = Rule(
    code="JT112",
    name="uv-poetry-pdm-cache",
    severity=Severity.WARNING,
    summary="`poetry install`, `uv sync` or `pdm install` leaves the tool's cache in the image.",
    check=check,
    example="RUN pip install poetry && poetry install --only main",
    fix_example=(
        "RUN pip install --no-cache-dir poetry \\\n    && poetry install --only main --no-cache"
    ),
)
