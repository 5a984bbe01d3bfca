"""JT301: development and test tools installed in the production image.

Why it matters: pytest, Jupyter, IPython, black, flake8, mypy and their plug-ins are for the
developer's machine and CI. In a service image they add tens to hundreds of MB (Jupyter
pulls a web server, a kernel and their dependencies) and attack surface, and nothing runs
them. The rule reads the production requirements, ``pip install`` lines of the production
stages, project extras such as ``pip install .[dev]``, and ``poetry install``/``uv sync``/
``pdm install``/``pipenv install`` lines that take the dev dependency groups along.
A tool the shipped code imports is left alone.

Reported at ``info`` instead: type stubs (a few hundred kB, read only by type checkers); a
tool whose requirement line says why it is needed (``pytest  # sam2 requires this``); and
notebook tools in an image that starts a notebook server or no service at all (a notebook
or development environment, where they may be the point).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from jettison.dockerfile.commands.python import EnvInstall, env_install
from jettison.dockerfile.launch import runs_notebook, starts_no_service
from jettison.dockerfile.model import Instruction
from jettison.facts.packages import DEV_GROUP_NAMES, dev_tool_kind
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    env_pairs,
    finding_at,
    production_commands,
    production_instructions,
    production_packages,
)
from jettison.lint.savings import distributions_saving
from jettison.requirements.model import Requirement

PIP_TOOLS = frozenset({"pip", "uv pip"})
EXTRAS = "project.optional-dependencies"
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
    environment = _environment_image(ctx)
    for declared in production_packages(ctx):
        kind = dev_tool_kind(declared.name)
        if kind is None or declared.name in ctx.used_distributions:
            continue
        message = f"{declared.name} ({kind}) is installed in the production image"
        severity: Severity | None = None
        reason = _kept_on_purpose(declared)
        if reason is not None:
            message += f"; its line says why it is there ({reason})"
            severity = Severity.INFO
        elif kind == "type stubs":
            message += "; stubs are only read by type checkers (a few hundred kB)"
            severity = Severity.INFO
        elif kind == "notebook tool" and environment is not None:
            message += f"; {environment}, where notebook tools may be its purpose"
            severity = Severity.INFO
        yield finding_at(
            RULE,
            ctx,
            declared,
            message,
            fix=(
                f"Move {declared.name} to a development requirements file or dependency group "
                "that the Dockerfile does not install."
            ),
            saving=distributions_saving(ctx, [declared.name]) if severity is None else None,
            severity=severity,
        )


_ON_PURPOSE = re.compile(r"\b(?:requires?|required|needs?|needed|runtime|run time|used by)\b", re.I)


def _kept_on_purpose(declared: Declared) -> str | None:
    """The comment of a requirement line that explains it is needed (``pytest  # sam2
    requires this at run time``), cut short for the message."""
    raw = declared.requirement.raw if declared.requirement is not None else ""
    comment = raw.split("#", 1)[1].strip() if "#" in raw else ""
    if not _ON_PURPOSE.search(comment):
        return None
    return comment if len(comment) <= 60 else comment[:57] + "..."


def _environment_image(ctx: LintContext) -> str | None:
    """Why the image looks like a notebook or interactive environment rather than a
    service, or None."""
    if ctx.dockerfile is None:
        return None
    if runs_notebook(ctx.dockerfile):
        return "the image starts a notebook server"
    if starts_no_service(ctx.dockerfile):
        return "the image starts no service of its own (an interactive environment)"
    return None


def _env_installs(ctx: LintContext) -> Iterator[tuple[Instruction, EnvInstall]]:
    """Every environment install a default build runs in the production stages."""
    env = {"UV_NO_DEV": "1"} if _env_no_dev(ctx) else {}
    for run, command in production_commands(ctx):
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
    """Requirements of the dependency groups ``names`` (never of extras of those names:
    poetry, uv and pdm install groups by default, extras only when asked)."""
    return [
        r
        for r in ctx.requirements.requirements
        if r.source_kind == "pyproject"
        and r.group != "main"
        and r.group.lower() in names
        and r.section != EXTRAS
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
