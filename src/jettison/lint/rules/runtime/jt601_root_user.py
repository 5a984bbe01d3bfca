"""JT601: the image runs as root (no ``USER`` in the final stage, or ``USER root`` last).

Why it matters: a process running as root in the container is root on the files it can
reach; a code-execution bug in a model server (pickle loading, a template, a dependency)
then owns the container and whatever is mounted into it. Create an unprivileged user and
switch to it at the end of the final stage.

Not reported: bases known to set a non-root ``USER`` themselves (distroless ``:nonroot``,
Chainguard, Jupyter stacks, micromamba from 0.15.0, Bitnami, the s2i images; the table with
its sources is :func:`jettison.facts.bases.nonroot_base`), AWS Lambda base images (Lambda
runs the handler unprivileged), an ``--image`` whose configured user is not root, and an
image whose command, or the entrypoint script it runs from the build context, drops
privileges (``exec gosu app "$@"``, ``su-exec``, ``setpriv``, ``runuser``). A ``USER``
that is root in effect through ``NOPASSWD`` sudo is JT609's.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.launch import dropped_to, launches
from jettison.dockerfile.model import Dockerfile, Instruction
from jettison.dockerfile.run_commands import launched_script, script_commands
from jettison.dockerfile.steps import chain, expand, runtime_steps
from jettison.facts.bases import nonroot_base
from jettison.imageref import parse_image
from jettison.lint.helpers import context_excludes
from jettison.lint.model import Finding, LintContext, Rule, Severity

ROOT = frozenset({"root", "0"})


def is_root(user: str) -> bool:
    """``root``, ``0``, ``root:root``, ``0:0`` (the group does not matter)."""
    return user.split(":", 1)[0].strip().lower() in ROOT


def base_runs_unprivileged(dockerfile: Dockerfile) -> bool:
    """The image the final stage is ultimately built on is known to set a non-root user."""
    final = dockerfile.final_stage
    if final is None:
        return False
    ref = parse_image(chain(dockerfile, final)[0].base_expanded)
    return ref is not None and nonroot_base(ref) is not None


def _shown_base(written: str, expanded: str) -> str:
    """``$BASE_IMAGE = python:3.10-slim`` when an ARG decides the base."""
    if written == expanded or not expanded.strip() or "$" in expanded:
        return written
    return f"{written} = {expanded}"


def drops_privileges(ctx: LintContext, dockerfile: Dockerfile) -> bool:
    """The image's command switches to a non-root user, itself or in the entrypoint script
    it runs from the build context."""
    final_steps = runtime_steps(dockerfile)
    cwd = final_steps[-1].cwd if final_steps else "/"
    excluded = context_excludes(ctx)
    for launch in launches(dockerfile):
        if dropped_to(launch.command) is not None:
            return True
        script = launched_script(dockerfile, launch.command, cwd, ctx.context_dir, excluded)
        if script is not None and any(dropped_to(c) for c in script_commands(script)):
            return True
    return False


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None or dockerfile.final_stage is None:
        return
    last: Instruction | None = None
    user = ""
    for step in runtime_steps(dockerfile):
        if step.instruction.keyword == "USER" and step.instruction.args:
            last, user = step.instruction, expand(step.instruction.args[0], step.env)
    final = dockerfile.final_stage
    if last is None:
        if ctx.image is not None and ctx.image.user and not is_root(ctx.image.user):
            return
        if base_runs_unprivileged(dockerfile) or drops_privileges(ctx, dockerfile):
            return
        yield RULE.finding(
            dockerfile.path,
            final.from_instruction,
            f"the final stage (FROM {_shown_base(final.base, final.base_expanded)}) never sets "
            "USER: the service runs as root",
            fix=(
                "Add `RUN useradd --create-home --uid 10001 app` (Alpine: `adduser -D app`) "
                "and end the final stage with `USER app`."
            ),
        )
    elif is_root(user):
        yield RULE.finding(
            dockerfile.path,
            last,
            f"`USER {last.args[0]}` is the last USER of the final stage: the service runs as root",
            fix="Switch back to an unprivileged user (`USER app`) after the steps that need root.",
        )


RULE = Rule(
    code="JT601",
    name="runs-as-root",
    severity=Severity.WARNING,
    summary="No USER in the final stage (or USER root last): the service runs as root.",
    check=check,
    example='FROM python:3.11-slim\nCOPY app /app\nCMD ["python", "/app/main.py"]',
    fix_example=(
        "FROM python:3.11-slim\n"
        "RUN useradd --create-home --uid 10001 app\n"
        "COPY --chown=app:app app /app\n"
        "USER app\n"
        'CMD ["python", "/app/main.py"]'
    ),
)
