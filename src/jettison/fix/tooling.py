"""Which installer tools the restructured image's virtualenv may leave out (pure but for
reading the build context's files through lint's context).

``python -m venv`` puts its own pip (and setuptools before Python 3.12) into the virtualenv
the restructure copies, although the runtime base has its own: for a small service they
outweigh what the split saves. Like images whose environment is built by a tool from
outside it (``uv venv``, Poetry's ``no-pip``), the builder takes them out after the installs,
unless the service may need them at run time:

pip
    stays when the image runs pip after the build: a command, health check or kept ``RUN``
    that runs it (other than the installs, which stay in the builder), a start-up script that
    names it, shipped code that names it (``import pip``, ``subprocess.run([... "pip" ...])``),
    or anything lint reports as installed at run time (JT311). Otherwise ``pip`` on ``PATH``
    is the base's own, which installs into the base's site-packages, not the virtualenv,
    and ``python -m pip`` finds no pip: said in the change.
setuptools and wheel
    stay when the shipped code or a start-up script imports them (``pkg_resources``,
    ``setuptools``, ``distutils``, ``wheel``) or the requirements name them; otherwise the
    builder checks the installed packages themselves (a package that requires them or
    imports them) and leaves them in when any does, or when the check cannot run.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from jettison.dockerfile import writer
from jettison.dockerfile.commands.python import parse_install, pip_argv
from jettison.dockerfile.shell import commands_of
from jettison.lint.model import Finding, LintContext
from jettison.lint.packages import launch_scripts, production_instructions, source_texts

_PIP_WORD = re.compile(r"(?<![\w.-])pip(?:3(?:\.\d+)?)?(?![\w-])")
_SETUPTOOLS_WORD = re.compile(
    r"(?<![\w.])(?:pkg_resources|setuptools|distutils)(?!\w)"
    r"|^\s*(?:import|from)\s+wheel(?!\w)",
    re.MULTILINE,
)
_SETUPTOOLS_REQUIREMENTS = frozenset({"setuptools", "wheel", "pkg-resources"})


@dataclass(frozen=True, slots=True)
class Tooling:
    """What the builder takes out of the copied virtualenv."""

    pip: bool = False
    """pip (nothing runs it at run time)."""
    setuptools: bool = False
    """setuptools and wheel, when the builder's check finds no installed package using them."""

    @property
    def any(self) -> bool:
        return self.pip or self.setuptools


KEEP = Tooling()
"""Nothing left out (a caller that does not know what the service runs)."""


def droppable(
    ctx: LintContext, findings: Iterable[Finding], requirement_names: Iterable[str] = ()
) -> Tooling:
    """What the rewrite of ``ctx``'s Dockerfile may leave out of its virtualenv (see the
    module docstring); ``findings``: lint's on ``ctx``; ``requirement_names``: the
    requirements the environment installs."""
    texts = [text for _, text in source_texts(ctx)]
    texts += [text for _, _, text in launch_scripts(ctx)]
    pip = not (
        any(f.code == "JT311" for f in findings)
        or any(_PIP_WORD.search(text) for text in texts)
        or _image_runs_pip(ctx)
    )
    names = {n.lower().replace("_", "-") for n in requirement_names}
    setuptools = not (
        names & _SETUPTOOLS_REQUIREMENTS or any(_SETUPTOOLS_WORD.search(t) for t in texts)
    )
    return Tooling(pip=pip, setuptools=setuptools)


def change_lines(tooling: Tooling, prefix: str) -> tuple[str, list[str]]:
    """(the change's description, the builder's commands) that leave ``tooling`` out of
    the virtualenv at ``prefix``; ("", []) for nothing."""
    if not tooling.any:
        return "", []
    parts: list[str] = []
    if tooling.pip:
        parts.append(
            "its own pip (nothing in the image runs pip after the build): `pip` on PATH is "
            "then the base's, if it has one, and installs into the base's site-packages, not "
            "the virtualenv; `python -m pip` finds no pip unless the virtualenv sees the "
            "base's packages"
        )
    if tooling.setuptools:
        parts.append(
            "setuptools and wheel unless an installed package requires or imports them "
            "(pkg_resources, setuptools, distutils), as the build checks"
        )
    description = "the copied virtualenv leaves out " + "; and ".join(parts)
    commands = writer.drop_installers(prefix, pip=tooling.pip, setuptools=tooling.setuptools)
    return description, commands


def _image_runs_pip(ctx: LintContext) -> bool:
    """A command, health check or ``RUN`` of the final image runs pip other than to install
    (``pip freeze``, ``python -m pip check``): those run in the runtime stage."""
    for instruction in production_instructions(ctx, "CMD", "ENTRYPOINT", "HEALTHCHECK"):
        if _PIP_WORD.search(" ".join(instruction.args)):
            return True
    for run in production_instructions(ctx, "RUN"):
        for command in commands_of(run):
            if pip_argv(command) is not None and parse_install(run, command) is None:
                return True
    return False


__all__ = ["KEEP", "Tooling", "change_lines", "droppable"]
