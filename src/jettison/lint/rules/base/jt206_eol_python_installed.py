"""JT206: the image installs an end-of-life Python on top of its base.

Why it matters: JT203 judges the Python a base image ships; many ML images bring their own
instead: ``conda create -n app python=3.9``, an ``environment.yml`` that pins
``python=3.8``, ``uv python install 3.9``, ``pyenv install``, a python.org tarball, or a
deadsnakes build from apt. Once that Python's line ends (https://devguide.python.org/versions/),
nobody fixes its CVEs, whatever the base.

The distribution's own ``python3`` (``apt-get install python3.10`` on Ubuntu 22.04) is not
reported: the distribution patches it while the release is supported, and JT203 reports
the release when it is not. An apt ``pythonX.Y`` counts when a deadsnakes PPA was added or
the distribution ships another version. The dates are JT203's;
``options = { JT206 = { today = "YYYY-MM-DD" } }`` (or JT203's) fixes the comparison date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jettison.dockerfile.commands.python import CONDA, env_install, interpreter_installs
from jettison.dockerfile.commands.system import added_ppa, apt_installs, package_name
from jettison.dockerfile.context_files import context_file
from jettison.dockerfile.images import copied_trees, shipped_base
from jettison.dockerfile.model import Dockerfile
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import Step, expand, runtime_steps, steps
from jettison.facts import bases
from jettison.lint.helpers import commands_traced, context_excludes, shown, today
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.requirements.conda import conda_python_minor, environment_python

_APT_PYTHON = re.compile(r"^python(\d)\.(\d+)(?:-[a-z]+)?$")
ENVIRONMENT_FILE = "environment.yml"
"""What ``conda env create`` reads when no ``-f`` is given."""


@dataclass(frozen=True, slots=True)
class Install:
    version: str
    how: str


def check(ctx: LintContext) -> Iterator[Finding]:
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    now = today(ctx, "JT206", "JT203")
    base = shipped_base(dockerfile)
    distro = bases.distro_python(base.ref) if base is not None else None
    excluded = context_excludes(ctx)
    ppas: set[str] = set()
    for step in _shipped_runs(dockerfile):
        found: dict[str, Install] = {}
        for executed in commands_traced(ctx, step):
            command = executed.command
            ppa = added_ppa(command)
            if ppa is not None:
                ppas.add(ppa.lower())
            via = f" (in {executed.via})" if executed.via else ""
            read = _reader(dockerfile, step, ctx.context_dir, excluded)
            for install in _installs(command, step, read, distro, ppas):
                found.setdefault(install.version, Install(install.version, install.how + via))
        ended = [(i, end) for i in found.values() if (end := _end(i.version)) and end < now]
        if not ended:
            continue
        reasons = "; ".join(
            f"{i.how} installs Python {i.version}, which reached end of life on {end.isoformat()}"
            for i, end in ended
        )
        upgrade = bases.oldest_supported(bases.PYTHON, now)
        yield RULE.finding(
            dockerfile.path,
            step.instruction,
            f"{reasons} (https://devguide.python.org/versions/): no security fixes any more",
            fix=f"Install Python {upgrade} or later." if upgrade else "Install a supported Python.",
        )


def _end(version: str) -> dt.date | None:
    return bases.PYTHON.get(version) or _older_than_table(version)


def _older_than_table(version: str) -> dt.date | None:
    try:
        key = tuple(int(p) for p in version.split("."))
    except ValueError:
        return None
    return bases.PYTHON["2.6"] if key < (2, 6) else None


def _shipped_runs(dockerfile: Dockerfile) -> Iterator[Step]:
    """The RUNs of the final image's stages, then of the stages whose trees it copies."""
    seen: set[int] = set()
    for step in runtime_steps(dockerfile):
        if step.instruction.keyword == "RUN":
            yield step
    for tree in copied_trees(dockerfile):
        if tree.source.index in seen:
            continue
        seen.add(tree.source.index)
        for step in steps(dockerfile, tree.source, inherited=True):
            if step.instruction.keyword == "RUN":
                yield step


def _reader(
    dockerfile: Dockerfile, step: Step, context_dir: Path, excluded: Callable[[str], bool]
) -> Callable[[str], tuple[str, Path] | None]:
    def read(image_path: str) -> tuple[str, Path] | None:
        found = context_file(dockerfile, step, image_path, context_dir, excluded)
        return (image_path, found) if found is not None else None

    return read


def _installs(
    command: Command,
    step: Step,
    read: Callable[[str], tuple[str, Path] | None],
    distro: str | None,
    ppas: set[str],
) -> list[Install]:
    out = [Install(v, f"`{shown(command)}` ({how})") for v, how in interpreter_installs(command)]
    out.extend(_conda(command, step, read))
    for word in apt_installs(command):
        match = _APT_PYTHON.match(package_name(word))
        if match is None:
            continue
        version = f"{match.group(1)}.{match.group(2)}"
        deadsnakes = any("deadsnakes" in p for p in ppas)
        if version != distro and (deadsnakes or distro is not None):
            source = "deadsnakes" if deadsnakes else f"not the distribution's python{distro}"
            out.append(Install(version, f"`{shown(command)}` ({source})"))
    return out


def _conda(
    command: Command, step: Step, read: Callable[[str], tuple[str, Path] | None]
) -> list[Install]:
    found = env_install(command, step.env)
    if found is None or found.tool not in CONDA:
        return []
    out: list[Install] = []
    for package in found.packages:
        minor = conda_python_minor(expand(package, step.env))
        if minor is not None:
            out.append(Install(minor, f"`{shown(command)}`"))
    files = list(found.files)
    if not files and found.verb in {"env create", "env update"}:
        files = [ENVIRONMENT_FILE]
    for name in files:
        located = read(expand(name, step.env))
        pinned = environment_python(located[1]) if located is not None else None
        if located is not None and pinned is not None:
            minor, line = pinned
            out.append(Install(minor, f"{located[1].name}:{line} (read by `{shown(command)}`)"))
    return out


RULE = Rule(
    code="JT206",
    name="end-of-life-python-installed",
    severity=Severity.WARNING,
    summary="The image installs an end-of-life Python (conda, environment.yml, uv, pyenv, "
    "deadsnakes).",
    check=check,
    example=(
        "FROM continuumio/miniconda3:24.7.1-0\n"
        "RUN conda create -y -n app python=3.8 && conda clean -afy"
    ),
    fix_example=(
        "FROM continuumio/miniconda3:24.7.1-0\n"
        "RUN conda create -y -n app python=3.12 && conda clean -afy"
    ),
)
