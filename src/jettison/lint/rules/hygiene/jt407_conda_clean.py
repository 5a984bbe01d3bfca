"""JT407: ``conda``/``mamba``/``micromamba`` installs without ``conda clean -afy`` in the
same RUN.

Why it matters: conda keeps every package tarball it downloaded and an extracted copy of
it in ``<prefix>/pkgs``: for a PyTorch or CUDA environment that is gigabytes next to the
environment itself. ``conda clean -afy`` (``micromamba clean -afy``) in the same RUN removes
them; in a later RUN it only hides them.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.shell import Command
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.size._caches import CacheSpec, Env, cache_findings
from jettison.lint.rules.size._scripts import has_option, positionals

CONDA = frozenset({"conda", "mamba", "micromamba"})
CONDA_VALUED = frozenset(
    {"-n", "--name", "-p", "--prefix", "-c", "--channel", "-f", "--file", "--repodata-fn",
     "--platform", "--subdir", "-r", "--root-prefix"}
)  # fmt: skip
INSTALLS = frozenset({"install", "create", "update", "upgrade"})


def _installs(command: Command) -> bool:
    if command.name not in CONDA:
        return False
    words = positionals(command, CONDA_VALUED)
    if words[:1] == ["env"]:
        return words[1:2] in (["create"], ["update"])
    return bool(words) and words[0] in INSTALLS


def _cleans(command: Command) -> bool:
    if command.name not in CONDA or positionals(command, CONDA_VALUED)[:1] != ["clean"]:
        return False
    if has_option(command, "--all", "a"):
        return True
    return has_option(command, "--tarballs", "t") and has_option(command, "--packages", "p")


def _dirs(env: Env) -> tuple[str, ...]:
    dirs = ["/opt/conda/pkgs", "/root/.conda/pkgs", "/root/micromamba/pkgs"]
    for name in ("CONDA_DIR", "CONDA_PREFIX", "MAMBA_ROOT_PREFIX"):
        if env.get(name, "").startswith("/"):
            dirs.append(env[name].rstrip("/") + "/pkgs")
    dirs.extend(d for d in env.get("CONDA_PKGS_DIRS", "").split(",") if d.startswith("/"))
    return tuple(dirs)


SPEC = CacheSpec(
    cache="conda's package cache (<prefix>/pkgs)",
    fix="End the same RUN with `&& conda clean -afy` (`micromamba clean -afy`).",
    installs=_installs,
    cleans=_cleans,
    cache_dirs=_dirs,
    image_rows=lambda path: path == "pkgs" or path.endswith("/pkgs"),
    mount_suffixes=("/pkgs",),
)


def check(ctx: LintContext) -> Iterator[Finding]:
    return cache_findings(RULE, SPEC, ctx)


RULE = Rule(
    code="JT407",
    name="conda-clean",
    severity=Severity.WARNING,
    summary="`conda install`/`create` without `conda clean -afy` in the same RUN.",
    check=check,
    example="RUN conda install -y -c pytorch pytorch cpuonly",
    fix_example="RUN conda install -y -c pytorch pytorch cpuonly && conda clean -afy",
)
