"""JT408: the distribution's ``python3`` installed on an official ``python`` image.

Why it matters: the ``python:X`` images build their interpreter into ``/usr/local``. An
``apt-get install`` of ``python3-pip``, ``python3-dev``, ``python3.11`` (or of a package that
depends on Debian's ``python3``: ``software-properties-common``, the Debian ``uvicorn``) adds
a second interpreter in ``/usr/bin`` with its own standard library and ``dist-packages``:
tens of MB, and a ``pip3``/``python3`` that may not be the interpreter the service runs, so
packages land in the wrong one. The image already has ``pip``: use it, and drop the apt
packages. Only the stages the final image is made of are checked.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.commands.system import INSTALL, REMOVE, package_name, packages_if
from jettison.dockerfile.model import Dockerfile, Stage
from jettison.dockerfile.steps import Step, chain, expand, shipped_steps
from jettison.facts.system import brings_distro_python
from jettison.imageref import parse_image
from jettison.lint.helpers import commands_run, runs
from jettison.lint.model import Finding, LintContext, Rule, Severity


def _official_python(dockerfile: Dockerfile, stage: Stage) -> str | None:
    """The ``python:X`` image under ``stage`` (following ``FROM <stage>``), None for others."""
    root = chain(dockerfile, stage)[0]
    ref = parse_image(root.base_expanded)
    return ref.text if ref is not None and ref.name == "python" else None


def _left(ctx: LintContext, step: Step) -> list[str]:
    """Packages of this RUN that bring the distribution's python3 and stay installed."""
    kept: dict[str, None] = {}
    for command in commands_run(ctx, step):
        for word in packages_if(command, INSTALL) or []:
            name = package_name(expand(word, step.env))
            if brings_distro_python(name):
                kept[name] = None
        for word in packages_if(command, REMOVE) or []:
            kept.pop(package_name(expand(word, step.env)), None)
    return list(kept)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for step in runs(shipped_steps(ctx.dockerfile)):
        base = _official_python(ctx.dockerfile, step.stage)
        if base is None:
            continue
        packages = _left(ctx, step)
        if not packages:
            continue
        yield RULE.finding(
            ctx.dockerfile.path,
            step.instruction,
            f"{', '.join(packages)} on {base} installs the distribution's python3 in /usr/bin "
            "next to the image's own Python in /usr/local: a second interpreter and "
            "standard library, and a pip3 that may install into the wrong one",
            fix=(
                "Drop these packages: the image's `python` and `pip` are already there (use "
                "`pip install` for Python packages, and the `-dev` headers of libraries, not "
                "python3-dev, to build extensions)."
            ),
        )


RULE = Rule(
    code="JT408",
    name="second-python-interpreter",
    severity=Severity.WARNING,
    summary="apt installs Debian's python3 on a python:X image that has its own Python.",
    check=check,
    example=(
        "FROM python:3.12-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends python3-pip "
        "&& rm -rf /var/lib/apt/lists/*"
    ),
    fix_example="FROM python:3.12-slim\nRUN pip install --no-cache-dir -r requirements.txt",
)
