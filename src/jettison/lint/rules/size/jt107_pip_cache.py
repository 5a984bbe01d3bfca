"""JT107: ``pip install`` without ``--no-cache-dir``.

Why it matters: pip keeps every wheel it downloads or builds in ``~/.cache/pip``. For an ML
service that is the second copy of torch, CUDA libraries and friends (gigabytes) left in
the layer next to the installed packages. A cache mount, ``PIP_NO_CACHE_DIR`` set by
``ENV``/``ARG`` in the stage, or a ``pip cache purge`` in the same RUN all avoid it. pip is
pip however it is run: ``pip3.11``, ``python3 -m pip``, a virtualenv's ``pip``, ``conda run
-n env pip``, and the ``pip:`` section of an ``environment.yml`` that ``conda env create``
installs (``conda clean`` does not touch pip's cache). uv, Poetry and PDM caches are JT112's.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.commands.caches import PIP
from jettison.dockerfile.commands.python import CONDA, env_install
from jettison.dockerfile.context_files import ContextFiles
from jettison.dockerfile.paths import absolute
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import all_steps
from jettison.lint.helpers import cache_findings, commands_run, runs
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.requirements.conda import has_pip_section

FIX = (
    "Use `pip install --no-cache-dir ...` (or `ENV PIP_NO_CACHE_DIR=1`, or "
    "`RUN --mount=type=cache,target=/root/.cache/pip`)."
)


def check(ctx: LintContext) -> Iterator[Finding]:
    by_conda = _conda_runs_pip(ctx)
    if not by_conda:
        yield from cache_findings(RULE, ctx, PIP, FIX)
        return

    def installs(command: Command) -> bool:
        return PIP.installs(command) or command.argv in by_conda

    yield from cache_findings(RULE, ctx, dataclasses.replace(PIP, installs=installs), FIX)


def _conda_runs_pip(ctx: LintContext) -> set[tuple[str, ...]]:
    """conda environment installs (as argv) whose environment file has a ``pip:`` section."""
    out: set[tuple[str, ...]] = set()
    if ctx.dockerfile is None:
        return out
    for step in runs(all_steps(ctx.dockerfile)):
        files: ContextFiles | None = None
        for command in commands_run(ctx, step):
            found = env_install(command, step.env)
            if found is None or found.tool not in CONDA:
                continue
            names = found.files or (("environment.yml",) if found.verb.startswith("env") else ())
            files = files or ContextFiles.before(ctx.dockerfile, step, ctx.context_dir)
            paths = (files.find(absolute(name, step.cwd)) for name in names)
            if any(path is not None and _pip_section(path) for path in paths):
                out.add(command.argv)
    return out


def _pip_section(path: Path) -> bool:
    return path.suffix.lower() in (".yml", ".yaml") and has_pip_section(path)


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
