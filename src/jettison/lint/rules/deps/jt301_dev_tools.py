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

from jettison.dockerfile.model import Instruction
from jettison.dockerfile.pip import project_extras
from jettison.dockerfile.shell import Command, split_commands
from jettison.facts.packages import DEV_GROUP_NAMES, dev_tool_kind
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    env_pairs,
    finding_at,
    production_installs,
    production_instructions,
    production_packages,
)
from jettison.lint.savings import distributions_saving
from jettison.requirements.model import Requirement


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from _declared_tools(ctx)
    yield from _dev_extras(ctx)
    yield from _project_managers(ctx)


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


def _dev_extras(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for install in production_installs(ctx):
        extras = [e for p in install.local_projects for e in project_extras(p)]
        wanted = sorted({e for e in [*extras, *install.groups] if e.lower() in DEV_GROUP_NAMES})
        if not wanted:
            continue
        yield RULE.finding(
            ctx.dockerfile.path,
            install.instruction,
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


def _has(command: Command, *options: str) -> list[str]:
    """Values of ``options`` (``--only main``, ``--only=main``, repeated), split on commas."""
    out: list[str] = []
    args = command.args
    for index, arg in enumerate(args):
        for option in options:
            if arg == option and index + 1 < len(args):
                out.extend(args[index + 1].split(","))
            elif arg.startswith(option + "="):
                out.extend(arg.split("=", 1)[1].split(","))
    return [v.strip().lower() for v in out if v.strip()]


def _installs_dev(command: Command, env_no_dev: bool) -> str | None:
    """How ``command`` brings dev groups along (for the message), or None."""
    argv = command.argv
    words = command.words()
    if command.name == "poetry" and words[:1] == ["install"]:
        if command.has("--all-groups") or set(_has(command, "--with")) & DEV_GROUP_NAMES:
            return "poetry install --with/--all-groups"
        if command.has("--no-dev", "--only-root"):
            return None
        only = _has(command, "--only")
        if only:
            return None if not set(only) & DEV_GROUP_NAMES else "poetry install --only <dev group>"
        if set(_has(command, "--without")) & DEV_GROUP_NAMES:
            return None
        return "poetry install without --only main"
    if command.name == "uv" and len(argv) > 1 and argv[1] == "sync":
        if command.has("--all-groups", "--only-dev"):
            return "uv sync --all-groups/--only-dev"
        if set(_has(command, "--group")) & DEV_GROUP_NAMES:
            return "uv sync --group <dev group>"
        if env_no_dev or command.has("--no-dev", "--no-default-groups", "--only-group"):
            return None
        return "uv sync without --no-dev"
    if command.name == "pdm" and words[:1] in (["install"], ["sync"]):
        if command.has("--prod", "--production"):
            return None
        return f"pdm {words[0]} without --prod"
    if (
        command.name == "pipenv"
        and words[:1] in (["install"], ["sync"])
        and command.has("--dev", "-d")
    ):
        return f"pipenv {words[0]} --dev"
    return None


def _env_no_dev(ctx: LintContext) -> bool:
    return any(
        name == "UV_NO_DEV" and value.lower() not in {"", "0", "false", "no"}
        for env in production_instructions(ctx, "ENV")
        for name, value in env_pairs(env)
    )


def _project_managers(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    no_dev = _env_no_dev(ctx)
    for run in production_instructions(ctx, "RUN"):
        for command in split_commands(run.shell_text):
            how = _installs_dev(command, no_dev)
            if how is not None:
                finding = _manager_finding(ctx, run, command, how)
                if finding is not None:
                    yield finding


def _manager_finding(
    ctx: LintContext, run: Instruction, command: Command, how: str
) -> Finding | None:
    assert ctx.dockerfile is not None
    groups = frozenset({"dev"}) if command.name == "uv" else DEV_GROUP_NAMES
    if command.name == "uv" and set(_has(command, "--group")):
        groups = frozenset(_has(command, "--group"))
    dev = _dev_group_requirements(ctx, groups)
    main = {r.name for r in ctx.requirements.main()}
    dev_only = sorted({r.name for r in dev} - main)
    if _knows_pyproject(ctx) and not dev_only and "without" in how:
        return None  # the project has no dev group: nothing extra gets installed
    listed = (
        f" ({', '.join(dev_only[:6])}{', ...' if len(dev_only) > 6 else ''})" if dev_only else ""
    )
    fixes = {
        "poetry": "poetry install --only main (or --without dev)",
        "uv": "uv sync --no-dev (or UV_NO_DEV=1)",
        "pdm": "pdm install --prod",
        "pipenv": "pipenv install --deploy without --dev",
    }
    return RULE.finding(
        ctx.dockerfile.path,
        run,
        f"{how} installs the development dependency groups{listed} into the production image",
        fix=f"Use {fixes.get(command.name, 'a production-only install')}.",
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
