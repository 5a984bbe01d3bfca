"""JT301: development and test tools installed in the production image.

Why it matters: pytest, Jupyter, IPython, black, flake8, mypy and their plug-ins are for the
developer's machine and CI. In a service image they add tens to hundreds of MB (Jupyter
pulls a web server, a kernel and their dependencies) and attack surface, and nothing runs
them. The rule reads the production requirements, ``pip install`` lines of the production
stages, project extras such as ``pip install .[dev]``, and ``poetry install``/``uv sync``/
``pdm install``/``pipenv install`` lines that take the dev dependency groups along.
A tool the shipped code imports is left alone.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.python import EnvInstall, env_install
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.shell import split_commands
from jettison.facts.packages import DEV_GROUP_NAMES, dev_tool_kind
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    env_pairs,
    finding_at,
    production_instructions,
    production_packages,
)
from jettison.lint.savings import distributions_saving
from jettison.requirements.model import Requirement

PIP_TOOLS = frozenset({"pip", "uv pip"})
FIXES = {
    "poetry": "poetry install --only main (or --without dev)",
    "uv": "uv sync --no-dev (or UV_NO_DEV=1)",
    "pdm": "pdm install --prod",
    "pipenv": "pipenv install --deploy without --dev",
}


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from _declared_tools(ctx)
    installs = list(_env_installs(ctx))
    yield from _dev_extras(ctx, [(run, i) for run, i in installs if i.tool in PIP_TOOLS])
    yield from _project_managers(ctx, [(run, i) for run, i in installs if i.tool not in PIP_TOOLS])


def _declared_tools(ctx: LintContext) -> Iterator[Finding]:
    for declared in production_packages(ctx):
        kind = dev_tool_kind(declared.name)
        if kind is None or declared.name in ctx.used_distributions:
            continue
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{declared.name} ({kind}) is installed in the production image",
            fix=(
                f"Move {declared.name} to a development requirements file or dependency group "
                "that the Dockerfile does not install."
            ),
            saving=distributions_saving(ctx, [declared.name]),
        )


def _env_installs(ctx: LintContext) -> Iterator[tuple[Instruction, EnvInstall]]:
    """Every environment install of the production stages' RUN lines."""
    if ctx.dockerfile is None:
        return
    env = {"UV_NO_DEV": "1"} if _env_no_dev(ctx) else {}
    for run in production_instructions(ctx, "RUN"):
        for command in split_commands(run.shell_text):
            found = env_install(command, env)
            if found is not None:
                yield run, found


def _dev_extras(
    ctx: LintContext, installs: list[tuple[Instruction, EnvInstall]]
) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for run, install in installs:
        wanted = sorted({g for g in install.groups if g in DEV_GROUP_NAMES})
        if not wanted:
            continue
        yield RULE.finding(
            ctx.dockerfile.path,
            run,
            f"{install.tool} install takes the project's {', '.join(wanted)} "
            f"{'extra' if len(wanted) == 1 else 'extras'} into the production image",
            fix="Install the project without development extras (pip install .).",
        )


def _dev_group_requirements(ctx: LintContext, names: frozenset[str]) -> list[Requirement]:
    return [
        r
        for r in ctx.requirements.requirements
        if r.source_kind == "pyproject" and r.group != "main" and r.group.lower() in names
    ]


def _knows_pyproject(ctx: LintContext) -> bool:
    return any(r.source_kind == "pyproject" for r in ctx.requirements.requirements)


def _env_no_dev(ctx: LintContext) -> bool:
    return any(
        name == "UV_NO_DEV" and value.lower() not in {"", "0", "false", "no"}
        for env in production_instructions(ctx, "ENV")
        for name, value in env_pairs(env)
    )


def _project_managers(
    ctx: LintContext, installs: list[tuple[Instruction, EnvInstall]]
) -> Iterator[Finding]:
    for run, install in installs:
        if install.dev and install.dev_reason is not None:
            finding = _manager_finding(ctx, run, install, install.dev_reason)
            if finding is not None:
                yield finding


def _manager_finding(
    ctx: LintContext, run: Instruction, install: EnvInstall, how: str
) -> Finding | None:
    assert ctx.dockerfile is not None
    groups = frozenset({"dev"}) if install.tool == "uv" else DEV_GROUP_NAMES
    if install.tool == "uv" and install.groups:
        groups = frozenset(install.groups)
    dev = _dev_group_requirements(ctx, groups)
    main = {r.name for r in ctx.requirements.main()}
    dev_only = sorted({r.name for r in dev} - main)
    if _knows_pyproject(ctx) and not dev_only and "without" in how:
        return None  # the project has no dev group: nothing extra gets installed
    listed = (
        f" ({', '.join(dev_only[:6])}{', ...' if len(dev_only) > 6 else ''})" if dev_only else ""
    )
    return RULE.finding(
        ctx.dockerfile.path,
        run,
        f"{how} installs the development dependency groups{listed} into the production image",
        fix=f"Use {FIXES.get(install.tool, 'a production-only install')}.",
        saving=distributions_saving(ctx, dev_only) if dev_only else None,
    )


RULE = Rule(
    code="JT301",
    name="dev-tools-in-production",
    severity=Severity.WARNING,
    summary="Development and test tools (pytest, jupyter, black, mypy...) or dev dependency "
    "groups installed in the production image.",
    check=check,
    example="# requirements.txt\nflask==3.0.3\npytest\njupyter\nblack",
    fix_example=(
        "# requirements.txt\nflask==3.0.3\n\n"
        "# requirements-dev.txt (not installed by the Dockerfile)\n-r requirements.txt\n"
        "pytest\njupyter\nblack"
    ),
)
