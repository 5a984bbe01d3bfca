"""JT406: installers and archives left in the image (``get-pip.py``, ``*.deb``,
``Miniconda3-*.sh``, CUDA ``*.run``, downloaded ``*.tar.gz``).

Why it matters: an installer is needed for one command; kept, it ships forever. A
Miniconda or CUDA runfile installer is 100 MB to several GB. A file downloaded with
``wget``/``curl`` must be removed in the same RUN that uses it; a file COPY'd in can never be
removed from its layer, so mount it for the RUN instead (``RUN --mount=type=bind``) or use
it in a builder stage. Only the stages of the final image are checked; a copied installer
measured in the build context at under 1 MB (an install script) is reported as ``info``.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.commands.cleanup import has_glob, removes
from jettison.dockerfile.commands.downloads import url_name
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.steps import runtime_steps
from jettison.hostpaths import is_dir
from jettison.lint.helpers import human, stage_label
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.rules.hygiene._created import copied, run_created

INSTALLER = re.compile(
    r"(?:get-pip\.py|.*\.(?:deb|rpm|apk|whl|run)|"
    r"(?:mini|ana)conda\w*.*\.sh|miniforge\w*.*\.sh|mambaforge\w*.*\.sh|"
    r".*install\w*\.(?:sh|py)|rustup-init(?:\.sh)?)",
    re.IGNORECASE,
)
"""Installer names: kept after use, they are dead weight."""
ARCHIVE = re.compile(r".*\.(?:tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|zip|7z)", re.I)
"""Archives: dead weight once extracted (downloaded ones only: a COPY'd archive may be data)."""


SMALL_BYTES = 1_000_000
"""A copied installer measured below this (an install script) is reported as ``info``."""


def is_installer(name: str) -> bool:
    return INSTALLER.fullmatch(name) is not None


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for step in runtime_steps(ctx.dockerfile):
        instruction = step.instruction
        if instruction.keyword in ("COPY", "ADD"):
            for created in copied(step, ctx):
                name = posixpath.basename(created.path)
                copied_dir = created.source is not None and is_dir(created.source)
                if not copied_dir and not has_glob(name) and is_installer(name):
                    size = created.context_bytes(created.path)
                    yield _copied(ctx.dockerfile.path, instruction, created.path, size)
            continue
        if instruction.keyword != "RUN":
            continue
        commands = step.commands
        left: list[str] = []
        for index, created in run_created(step):
            if created.download is None:
                continue
            names = (posixpath.basename(created.path), url_name(created.download))
            if not any(is_installer(n) or ARCHIVE.fullmatch(n) for n in names):
                continue
            if not removes(commands[index + 1 :], created.path, step.cwd, step.env):
                left.append(created.path)
        if left:
            yield RULE.finding(
                ctx.dockerfile.path,
                instruction,
                f"{', '.join(left)} downloaded in {stage_label(step.stage)} and not removed "
                "in the same RUN: it stays in the layer",
                fix=(
                    f"End the RUN with `&& rm -f {' '.join(left)}` (or download to a "
                    "`--mount=type=tmpfs` directory)."
                ),
            )


def _copied(file: Path, instruction: Instruction, path: str, size: int | None) -> Finding:
    small = size is not None and size < SMALL_BYTES
    return RULE.finding(
        file,
        instruction,
        f"installer {path}"
        + (f" ({human(size)})" if size is not None else "")
        + " copied into the final image: a COPY'd file stays in its layer even when a later "
        "RUN deletes it",
        severity=Severity.INFO if small else None,
        fix=(
            "Mount it only for the RUN that installs it "
            f"(`RUN --mount=type=bind,source={posixpath.basename(path)},target=/tmp/"
            f"{posixpath.basename(path)} ...`), or install it in a builder stage."
        ),
    )


RULE = Rule(
    code="JT406",
    name="installer-left-behind",
    severity=Severity.WARNING,
    summary="Installers (get-pip.py, .deb, Miniconda .sh, archives) are left in the image.",
    check=check,
    example=(
        "RUN wget -q https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh "
        "\\\n    && bash Miniconda3-latest-Linux-x86_64.sh -b -p /opt/conda"
    ),
    fix_example=(
        "RUN wget -q https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-x86_64.sh "
        "\\\n    && bash Miniconda3-latest-Linux-x86_64.sh -b -p /opt/conda \\\n"
        "    && rm Miniconda3-latest-Linux-x86_64.sh"
    ),
)
