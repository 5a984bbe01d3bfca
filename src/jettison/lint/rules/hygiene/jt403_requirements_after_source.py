"""JT403: dependencies installed after the application source is copied in.

Why it matters: a layer is rebuilt when anything copied before it changes. With ``COPY . .``
(or ``COPY app/ ...``, or the service's script and model files) ahead of the dependency
install, every code edit re-runs the install and produces a new multi-GB layer to build,
push and pull, instead of reusing the cached one. This holds for every installer: ``pip
install -r``, ``pip install .``, ``poetry install``, ``uv sync``, ``pdm``, ``pipenv``,
``conda env create``, ``apt-get install``. Copy what the install reads (requirement files,
``pyproject.toml`` and its lock file) alone, install, then copy the source.

One finding per stage, at the first install that follows the source copy (the copy may be
in a stage this one is built ``FROM``). Not reported: an install of the project alone once
its dependencies were installed before the source arrived (``poetry install --only-root``,
``pip install --no-deps .``, or ``uv sync``/``poetry install``/``pip install .`` after an
install from the manifests), and installs of the packaging tools themselves (pip,
setuptools, poetry...). Stages outside the final image are reported as ``info``: the cost is
build time only.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass

from packaging.utils import canonicalize_name

from jettison.dockerfile.commands.python import CONDA, EnvInstall, env_install, setup_py_install
from jettison.dockerfile.commands.system import INSTALL, packages_if
from jettison.dockerfile.copies import local_sources, whole_context
from jettison.dockerfile.model import Stage
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, steps
from jettison.facts.packages import INSTALLER_TOOLS
from jettison.facts.weights import named_like_weights
from jettison.lint.helpers import commands_run, scoped_severity, shown, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity

_MANIFEST = re.compile(
    r"(?:.*requirements.*\.(?:txt|in)|.*constraints.*\.txt|pyproject\.toml|setup\.(?:cfg|py)|"
    r"poetry\.(?:lock|toml)|uv\.(?:lock|toml)|pdm\.lock|Pipfile(?:\.lock)?|"
    r"(?:environment|env|conda)[\w.-]*\.ya?ml|pip\.conf|MANIFEST\.in|README.*|LICEN[CS]E.*|"
    r"Makefile|\.python-version|package(?:-lock)?\.json|yarn\.lock)",
    re.IGNORECASE,
)
"""What an install reads: copying these first is the point."""
_CODE = frozenset(
    {".py", ".pyx", ".pxd", ".ipynb", ".js", ".mjs", ".ts", ".tsx", ".jsx", ".go", ".rs",
     ".java", ".kt", ".scala", ".c", ".cc", ".cpp", ".h", ".hpp", ".cu", ".cuh", ".r", ".jl",
     ".rb", ".php", ".html", ".htm", ".css", ".vue", ".svelte", ".sql", ".proto"}
)  # fmt: skip
"""Source code."""
_DATA = frozenset(
    {".pkl", ".pickle", ".joblib", ".h5", ".hdf5", ".keras", ".pb", ".npy", ".npz", ".model",
     ".csv", ".tsv", ".parquet", ".arrow", ".feather", ".jsonl", ".wav", ".flac", ".mp3",
     ".jpg", ".jpeg", ".png", ".mp4", ".db", ".sqlite"}
)  # fmt: skip
"""Data and model artifacts (weight formats: :func:`jettison.facts.weights.named_like_weights`)."""
_TOOLS = INSTALLER_TOOLS | {"packaging"}
"""Installing only these is not installing the service's dependencies: the installer tools,
and ``packaging``, which a build step installs beside them to read versions."""
_INSTALL_DIR = re.compile(r"requirement|constraint|wheel|deps|dependenc|lock", re.IGNORECASE)
"""Directory names of what an install reads rather than the source."""
MAX_FILES = 2_000


def _source_file(name: str) -> bool:
    suffix = posixpath.splitext(name.lower())[1]
    if _MANIFEST.fullmatch(name):
        return False
    return suffix in _CODE or suffix in _DATA or named_like_weights(name)


def _source_path(ctx: LintContext, source: str) -> bool:
    """``source`` (a COPY source) brings code, data or model files, not only what an
    install reads or configuration."""
    path = ctx.context_dir / source.lstrip("/")
    name = posixpath.basename(source.rstrip("/"))
    try:
        if path.is_file():
            return _source_file(path.name)
        if path.is_dir():
            files = (p for p in path.rglob("*") if p.is_file())
            return any(_source_file(p.name) for _, p in zip(range(MAX_FILES), files, strict=False))
    except OSError:
        return False
    if any(c in name for c in "*?["):
        return _source_file(name)
    # not in the context as given: a file judged by its name; a directory unless its name
    # says it holds what installs read (``requirements/``, ``wheels/``)
    if "." in name.lstrip("."):
        return _source_file(name)
    return not (_MANIFEST.fullmatch(name) or _INSTALL_DIR.search(name))


def _brings_source(step: Step, ctx: LintContext) -> bool:
    instruction = step.instruction
    if whole_context(instruction):
        return True
    return any(_source_path(ctx, s) for s in local_sources(instruction))


@dataclass(frozen=True, slots=True)
class _Install:
    command: Command
    reads_manifest: bool
    """It installs from requirement files, an environment file or a lock file."""
    project_only: bool
    """It installs the project itself and nothing named besides (``pip install .``,
    ``uv sync``, ``poetry install``): cheap once the dependencies are in."""
    no_deps: bool
    """It installs no dependencies at all (``--no-deps``, ``--only-root``)."""


def _install(command: Command, env: dict[str, str]) -> _Install | None:
    """The dependency install ``command`` runs, None for anything else."""
    if packages_if(command, INSTALL):
        return _Install(command, False, False, False)
    if setup_py_install(command):
        return _Install(command, False, True, False)
    found = env_install(command, env)
    if found is None:
        return None
    return _python_install(command, found)


def _python_install(command: Command, found: EnvInstall) -> _Install | None:
    if found.tool in ("pip", "uv pip"):
        if found.packages and not found.files and not found.projects and _tools_only(found):
            return None
        if not (found.packages or found.files or found.projects):
            return None
        no_deps = command.has("--no-deps")
        project_only = bool(found.projects) and not found.packages and not found.files
        return _Install(command, bool(found.files), project_only, no_deps)
    if found.tool in CONDA:
        if not (found.packages or found.files) or _tools_only(found):
            return None
        return _Install(command, bool(found.files), False, False)
    only_root = command.has("--only-root")
    project = not command.has("--no-install-project", "--no-root", "--no-self")
    return _Install(command, True, project and not found.packages, only_root)


def _tools_only(found: EnvInstall) -> bool:
    names = [re.split(r"[\[<>=!~;@ ]", p, maxsplit=1)[0] for p in found.packages]
    return bool(names) and all(canonicalize_name(n) in _TOOLS for n in names if n)


@dataclass(frozen=True, slots=True)
class _Late:
    step: Step
    install: _Install
    copy: Step


def _late_install(ctx: LintContext, stage: Stage) -> _Late | None:
    """The first install of ``stage`` that runs after a source copy in its chain."""
    assert ctx.dockerfile is not None
    copy: Step | None = None
    deps_before = False
    for step in steps(ctx.dockerfile, stage, inherited=True):
        keyword = step.instruction.keyword
        if keyword in ("COPY", "ADD") and copy is None and _brings_source(step, ctx):
            copy = step
            continue
        if keyword != "RUN":
            continue
        for command in commands_run(ctx, step):
            install = _install(command, step.env)
            if install is None:
                continue
            if copy is None:
                deps_before = deps_before or install.reads_manifest
                continue
            if install.no_deps or (install.project_only and deps_before):
                continue
            if step.stage.index != stage.index:
                return None  # the stage it is built on reports it
            return _Late(step, install, copy)
    return None


_FIXES = {
    "poetry": "copy pyproject.toml and poetry.lock, run `poetry install --no-root`, then copy "
    "the source and run `poetry install --only-root`",
    "uv": "copy pyproject.toml and uv.lock, run `uv sync --frozen --no-install-project`, then "
    "copy the source and run `uv sync --frozen`",
    "pdm": "copy pyproject.toml and pdm.lock, run `pdm install --prod --no-self`, then copy the "
    "source and run `pdm install --prod`",
}


def _fix(install: _Install, env: dict[str, str]) -> str:
    found = env_install(install.command, env)
    if found is not None and found.tool in _FIXES:
        return f"Install the dependencies before the source: {_FIXES[found.tool]}."
    return (
        "Copy only what the install reads (requirement or environment files, pyproject.toml "
        "and its lock file) first, run the install, and copy the source after it."
    )


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for stage in ctx.dockerfile.stages:
        late = _late_install(ctx, stage)
        if late is None:
            continue
        copy = late.copy.instruction
        written = f"{copy.keyword} {' '.join(copy.args)}"
        yield RULE.finding(
            ctx.dockerfile.path,
            late.step.instruction,
            f"`{shown(late.install.command)}` in {stage_label(stage)} runs after `{written}` "
            f"(line {copy.position.line}): every source change re-runs the install",
            fix=_fix(late.install, late.step.env),
            severity=scoped_severity(RULE, late.step.runtime),
        )


RULE = Rule(
    code="JT403",
    name="install-after-source",
    severity=Severity.WARNING,
    summary="Dependencies are installed after the source is copied: every edit re-installs.",
    check=check,
    example="COPY . .\nRUN pip install --no-cache-dir -r requirements.txt",
    fix_example=(
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . ."
    ),
)
