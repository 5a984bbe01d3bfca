"""JT202: the final stage runs on a CUDA ``-devel`` image.

Why it matters: NVIDIA's ``-devel`` images (and ``pytorch/pytorch:*-devel``) add the CUDA
compiler, headers and static libraries to the ``-runtime`` image: gigabytes a service that
only runs kernels never touches. Compile extensions in a ``-devel`` builder stage and ship
the ``-runtime`` image of the same CUDA version.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.images import shipped_base
from jettison.facts.bases import NVIDIA_CUDA, NVIDIA_CUDAGL, PYTORCH
from jettison.lint.model import Finding, LintContext, Rule, Severity

DEVEL_REPOSITORIES = NVIDIA_CUDA | NVIDIA_CUDAGL | {PYTORCH}
"""Images whose ``-devel`` tags have a ``-runtime`` twin."""


def check(ctx: LintContext) -> Iterator[Finding]:
    base = shipped_base(ctx.dockerfile)
    if ctx.dockerfile is None or base is None:
        return
    ref = base.ref
    if ref.name not in DEVEL_REPOSITORIES:
        return
    if "devel" not in ref.tag_parts:
        return
    runtime_tag = "-".join("runtime" if p == "devel" else p for p in ref.tag.split("-"))
    yield RULE.finding(
        ctx.dockerfile.path,
        base.at,
        f"the final stage runs on {ref.text}: the -devel image adds the CUDA compiler, "
        "headers and static libraries that a service does not use at run time",
        fix=(
            f"Ship {ref.name}:{runtime_tag}; build CUDA extensions in a builder stage FROM "
            f"{ref.text} and copy the results over."
        ),
    )


RULE = Rule(
    code="JT202",
    name="cuda-devel-base",
    severity=Severity.WARNING,
    summary="The final stage is a CUDA -devel image (compiler, headers) instead of -runtime.",
    check=check,
    example="FROM nvidia/cuda:12.1.0-cudnn8-devel-ubuntu22.04\nCOPY app /app",
    fix_example=(
        "FROM nvidia/cuda:12.1.0-cudnn8-devel-ubuntu22.04 AS build\n"
        "RUN ... build extensions ...\n\n"
        "FROM nvidia/cuda:12.1.0-cudnn8-runtime-ubuntu22.04\n"
        "COPY --from=build /opt/venv /opt/venv\n"
        "COPY app /app"
    ),
)
