"""JT204: a multi-GB framework image as the base of a service that needs a few packages.

Why it matters: NGC containers (``nvcr.io/nvidia/pytorch``, the Triton SDK image),
``pytorch/pytorch``, ``tensorflow/tensorflow:*-gpu`` and the Hugging Face GPU images ship a
whole development environment: conda or a full Python with hundreds of packages, CUDA,
cuDNN, NCCL, compilers, profilers, often notebooks. A service that declares or imports a
handful of packages gets the same behaviour from a slim Python base (or ``nvidia/cuda:*-runtime``
when it needs a GPU) plus ``pip install`` of what it uses, at a fraction of the size.

"A few" is at most ``max_packages`` distributions (default 15) among the production
requirements and the distributions the shipped code imports:
``options = { JT204 = { max_packages = 30 } }``.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.images import runtime_base
from jettison.facts.bases import framework_image
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import production_packages

DEFAULT_MAX_PACKAGES = 15


def _limit(ctx: LintContext) -> int:
    value = ctx.option("JT204", "max_packages")
    return value if isinstance(value, int) and not isinstance(value, bool) else DEFAULT_MAX_PACKAGES


def check(ctx: LintContext) -> Iterator[Finding]:
    base = runtime_base(ctx.dockerfile)
    if ctx.dockerfile is None or base is None:
        return
    what = framework_image(base.ref)
    if what is None:
        return
    needed = sorted({d.name for d in production_packages(ctx)} | set(ctx.used_distributions))
    if len(needed) > _limit(ctx):
        return
    if needed:
        shown = ", ".join(needed[:8]) + (", ..." if len(needed) > 8 else "")
        need = f"a service that declares or imports {len(needed)} packages ({shown})"
    else:
        need = "a service that declares and imports no third-party package"
    yield RULE.finding(
        ctx.dockerfile.path,
        base.at,
        f"the final stage runs on {base.ref.text}, {what}: a multi-GB framework image for {need}",
        fix=(
            "Start from python:3.X-slim (CPU) or nvidia/cuda:<version>-runtime (GPU) and "
            "pip install only what the service uses (torch from "
            "https://download.pytorch.org/whl/cpu when it runs on CPU)."
        ),
    )


RULE = Rule(
    code="JT204",
    name="framework-base-image",
    severity=Severity.WARNING,
    summary="A multi-GB framework image (NGC, pytorch/pytorch, TF GPU) for a service that "
    "needs a few packages.",
    check=check,
    example=(
        "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\n"
        "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt"
    ),
    fix_example=(
        "FROM python:3.11-slim\n"
        "COPY requirements.txt .\n"
        "RUN pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu torch \\\n"
        "    && pip install --no-cache-dir -r requirements.txt"
    ),
)
