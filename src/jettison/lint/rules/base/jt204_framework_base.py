"""JT204: a multi-GB framework image as the base of a service that needs a few packages.

Why it matters: NGC containers (``nvcr.io/nvidia/pytorch``, the Triton SDK image), the
Hugging Face CI images, Jupyter stacks, Anaconda, the Ultralytics and PaddlePaddle
development images ship a whole development environment: conda or a full Python with
hundreds of packages, CUDA, cuDNN, NCCL, compilers, profilers, often notebooks. A service
that declares or imports a handful of packages gets the same behaviour from a slim Python
base (or ``nvidia/cuda:*-runtime`` when it needs a GPU) plus ``pip install`` of what it
uses, at a fraction of the size.

"A few" is at most ``max_packages`` distributions (default 15) among the production
requirements and the distributions the shipped code imports:
``options = { JT204 = { max_packages = 30 } }``.

A framework *runtime* image the service runs on is fine: ``pytorch/pytorch:*-runtime`` for a
torch service, ``tensorflow/tensorflow:*-gpu`` for a TensorFlow one. Such an image is
reported (at ``info``) only when the service visibly uses nothing it provides, since the
framework may come in through a dependency the linter cannot see. A base that is a
judgement call (the Triton build base used for its CUDA) is ``info`` too.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.images import shipped_base
from jettison.facts.bases import FrameworkImage, framework_image
from jettison.facts.packages import INSTALLER_TOOLS
from jettison.imports.mapping import candidate_distributions
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import production_packages

DEFAULT_MAX_PACKAGES = 15


def _limit(ctx: LintContext) -> int:
    value = ctx.option("JT204", "max_packages")
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_MAX_PACKAGES


def _severity(image: FrameworkImage, needed: list[str], imported: set[str]) -> Severity | None:
    """WARNING for a development image under a small service, INFO for judgement calls and
    for a runtime image whose framework the service visibly does not use (neither declares
    nor imports)."""
    if image.full:
        return Severity.WARNING if image.certain else Severity.INFO
    if needed and not image.uses & (set(needed) | imported):
        return Severity.INFO
    return None


def check(ctx: LintContext) -> Iterator[Finding]:
    base = shipped_base(ctx.dockerfile)
    if ctx.dockerfile is None or base is None:
        return
    image = framework_image(base.ref)
    if image is None:
        return
    declared = {d.name for d in production_packages(ctx)} | set(ctx.used_distributions)
    needed = sorted(declared - INSTALLER_TOOLS)
    if len(needed) > _limit(ctx):
        return
    imported = {d for i in ctx.imports for d in candidate_distributions(i.module)}
    severity = _severity(image, needed, imported)
    if severity is None:
        return
    if needed:
        shown = ", ".join(needed[:8]) + (", ..." if len(needed) > 8 else "")
        plural = "s" if len(needed) != 1 else ""
        need = f"a service that declares or imports {len(needed)} package{plural} ({shown})"
    else:
        need = "a service that declares and imports no third-party package"
    if not image.full:
        need += f", without {' or '.join(sorted(image.uses))}"
    yield RULE.finding(
        ctx.dockerfile.path,
        base.at,
        f"the final stage runs on {base.ref.text}, {image.what}: a multi-GB framework image "
        f"for {need}",
        fix=(
            "Start from python:3.X-slim (CPU) or nvidia/cuda:<version>-runtime (GPU) and "
            "pip install only what the service uses (torch from "
            "https://download.pytorch.org/whl/cpu when it runs on CPU)."
        ),
        severity=severity,
    )


RULE = Rule(
    code="JT204",
    name="framework-base-image",
    severity=Severity.WARNING,
    summary="A multi-GB framework image (NGC, Ultralytics, PaddlePaddle, a CI or notebook "
    "image) for a service that needs a few packages.",
    check=check,
    example=(
        "FROM nvcr.io/nvidia/pytorch:24.05-py3\n"
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt"
    ),
    fix_example=(
        "FROM nvidia/cuda:12.4.1-runtime-ubuntu22.04\n"
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt"
    ),
)
