"""JT307: a second torch installed over the one the base image ships.

Why it matters: ``pytorch/pytorch`` and NGC's ``nvcr.io/nvidia/pytorch`` come with torch
installed. When the requirements ask for a version the base does not have (another pin, a
``+cpu``/``+cuXXX`` build, an index of its own, or ``pip install -U``), pip installs a
second torch in a new layer; the base's copy stays in the layer below, hidden but shipped.
Gigabytes twice over.

The base's version is read from the tag (``pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime``
ships 2.1.0). NGC images ship pre-release builds (``2.2.0a0+81ea7a4``), which no ``==X``
pin matches; an unpinned or range requirement is satisfied by them and left alone.

TensorFlow images (``tensorflow/tensorflow``, NGC's) get the same check: a TensorFlow
distribution of another name (``tensorflow`` on an image whose 1.x GPU build is
``tensorflow-gpu``: pip sees two packages and keeps both), a version the base does not
have, or ``pip install --ignore-installed``, which installs over the base's copy without
removing it.
"""

from __future__ import annotations

from collections.abc import Iterator

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from jettison.dockerfile.images import runtime_base
from jettison.facts.bases import TENSORFLOW_NAMES, base_tensorflow, base_torch
from jettison.imageref import ImageRef
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    finding_at,
    ignores_installed,
    install_of,
    production_packages,
    torch_variant,
)
from jettison.lint.savings import distributions_saving


def _replaces(
    ctx: LintContext, declared: Declared, ref: ImageRef, version: Version | None
) -> str | None:
    """Why pip would install another torch over the base's, or None."""
    if torch_variant(ctx, declared) != "default" or "+" in declared.specifier:
        return "asks for a build from another index"
    if declared.install is not None and declared.install.upgrade and not declared.specifier:
        return "upgrades it (pip install -U)"
    if not declared.specifier:
        return None
    try:
        spec = SpecifierSet(declared.specifier)
    except InvalidSpecifier:
        return None
    if version is not None:
        if spec.contains(version, prereleases=True):
            return None
        return f"asks for {declared.specifier}, not the base's {version}"
    if ref.name == "nvcr.io/nvidia/pytorch" and declared.pinned:
        return f"pins {declared.specifier}, while NGC ships a pre-release build"
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    base = runtime_base(ctx.dockerfile)
    if base is None:
        return
    yield from _tensorflow(ctx, base.ref)
    ships, version = base_torch(base.ref)
    if not ships:
        return
    claimed = False
    for declared in production_packages(ctx):
        if declared.name != "torch":
            continue
        why = _replaces(ctx, declared, base.ref, version)
        if why is None:
            continue
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{base.ref.text} already ships torch{f' {version}' if version else ''}; this "
            f"requirement {why}, so pip installs a second torch over it and both ship",
            fix=(
                "Drop torch from the requirements and use the base's (or start from a slim "
                "base and install the torch you need once)."
            ),
            saving=None if claimed else distributions_saving(ctx, ["torch"]),
        )
        claimed = True


def _tensorflow(ctx: LintContext, ref: ImageRef) -> Iterator[Finding]:
    shipped = base_tensorflow(ref)
    if shipped is None:
        return
    dist, version = shipped
    what = f"{dist}{f' {version}' if version else ''}"
    for declared in production_packages(ctx):
        if declared.name not in TENSORFLOW_NAMES:
            continue
        why = _tf_replaces(ctx, declared, dist, version)
        if why is not None:
            yield finding_at(
                RULE,
                ctx,
                declared,
                f"{ref.text} already ships {what}; {declared.name}{declared.specifier} {why}, "
                "so a second TensorFlow lands over it and both ship",
                fix=(
                    "Use a base with the TensorFlow the service needs (or a slim base and "
                    "one TensorFlow), and do not install it again."
                ),
            )


def _tf_replaces(
    ctx: LintContext, declared: Declared, dist: str, version: Version | None
) -> str | None:
    install = install_of(ctx, declared)
    if install is not None and ignores_installed(install):
        return "is installed with --ignore-installed, over the base's copy"
    if declared.name != dist:
        return f"is another distribution of the same module (pip keeps {dist} too)"
    if version is None or not declared.specifier:
        return None
    try:
        if SpecifierSet(declared.specifier).contains(version, prereleases=True):
            return None
    except InvalidSpecifier:
        return None
    return f"asks for another version than the base's {version}"


RULE = Rule(
    code="JT307",
    name="torch-over-base-torch",
    severity=Severity.WARNING,
    summary="torch or TensorFlow installed again over the one a pytorch/pytorch, tensorflow or "
    "NGC base already ships.",
    check=check,
    example=(
        "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\n"
        "RUN pip install --no-cache-dir torch==2.3.1"
    ),
    fix_example=(
        "FROM pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime\n"
        "# torch comes with the base: not in requirements.txt"
    ),
)
