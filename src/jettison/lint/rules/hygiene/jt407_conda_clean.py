"""JT407: ``conda``/``mamba``/``micromamba`` installs without ``conda clean -afy`` in the
same RUN.

Why it matters: conda keeps every package tarball it downloaded and an extracted copy of
it in ``<prefix>/pkgs``: for a PyTorch or CUDA environment that is gigabytes next to the
environment itself. ``conda clean -afy`` (``micromamba clean -afy``) in the same RUN removes
them; in a later RUN it only hides them.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.caches import CONDA_CACHE
from jettison.lint.helpers import cache_findings
from jettison.lint.model import Finding, LintContext, Rule, Severity

FIX = "End the same RUN with `&& conda clean -afy` (`micromamba clean -afy`)."


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, ctx, CONDA_CACHE, FIX)


RULE = Rule(
    code="JT407",
    name="conda-clean",
    severity=Severity.WARNING,
    summary="`conda install`/`create` without `conda clean -afy` in the same RUN.",
    check=check,
    example="RUN conda install -y -c pytorch pytorch cpuonly",
    fix_example="RUN conda install -y -c pytorch pytorch cpuonly && conda clean -afy",
)
