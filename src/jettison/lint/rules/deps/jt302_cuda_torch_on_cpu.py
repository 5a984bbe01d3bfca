"""JT302: PyPI's CUDA build of torch in a service that does not use a GPU.

Why it matters: on Linux x86_64, ``pip install torch`` from the default index installs the
CUDA build, which depends on the ``nvidia-*`` wheels (cuBLAS, cuDNN, cuFFT, cuSPARSE, NCCL,
...) and triton: several GB installed, for code that runs on the CPU. The CPU build from
``https://download.pytorch.org/whl/cpu`` behaves the same on a CPU.

The rule fires only when nothing suggests a GPU: no CUDA base image, no CUDA/GPU mention in
the production stages' ENV/LABEL/CMD/ENTRYPOINT, and no ``cuda``/``gpu``/``device_map``
in the shipped code. It needs the code: when the import scan found no source, it stays
silent. ``options = { JT302 = { gpu = false } }`` asserts a CPU-only service (``true``
silences the rule). Installs from the CPU index (requirement-file or command-line
``--index-url``/``--extra-index-url``, ``PIP_INDEX_URL``, ``+cpu`` versions, uv's
``--torch-backend cpu``) and explicit CUDA indexes (``/whl/cu121``) are left alone.

Saving: with ``--image``, the CUDA libraries measured in the image; otherwise the measured
installed size of the ``nvidia-*`` and triton wheels the pinned torch pulls in (when the
sizes provider can follow dependencies); the torch wheel's own CUDA kernels come on top.
One finding per file or RUN line; the saving goes on the first only.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.facts.packages import TORCH_CPU_INDEX, TORCH_FAMILY
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.packages import (
    Declared,
    by_location,
    finding_at,
    gpu_evidence,
    names,
    production_packages,
    torch_variant,
)
from jettison.lint.savings import cuda_saving


def cuda_wheels_saving(ctx: LintContext, torch: Declared | None) -> Saving | None:
    """Bytes of the CUDA wheels: measured in the image, else the ``nvidia-*``/triton wheels
    the pinned torch depends on, from the sizes provider when it can follow dependencies."""
    measured = cuda_saving(ctx)
    if measured is not None or torch is None or ctx.sizes is None:
        return measured
    owner = getattr(ctx.sizes, "__self__", ctx.sizes)
    with_deps = getattr(owner, "installed_bytes_with_deps", None)
    if not callable(with_deps):
        return None
    total = with_deps(torch.name, torch.specifier)
    alone = ctx.sizes(torch.name, torch.specifier)
    if not isinstance(total, int) or not isinstance(alone, int) or total <= alone:
        return None
    spec = f"{torch.name}{torch.specifier}"
    return Saving(
        total - alone,
        f"installed size of the nvidia-* and triton wheels {spec} depends on (package index)",
    )


def _fix(family: list[Declared]) -> str:
    pins = " ".join(f"{d.name}{d.specifier}" if d.specifier else d.name for d in family)
    return (
        f"Install the CPU build: pip install --index-url {TORCH_CPU_INDEX} {pins} (or put "
        f"--extra-index-url {TORCH_CPU_INDEX} in the requirements file and pin "
        "torch==<version>+cpu)."
    )


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.imports and ctx.option("JT302", "gpu") is not False:
        return  # no code to tell GPU use from
    family = [
        d
        for d in production_packages(ctx)
        if d.name in TORCH_FAMILY and torch_variant(ctx, d) == "default"
    ]
    if not family:
        return
    if gpu_evidence(ctx, "JT302") is not None:
        return
    torch = next((d for d in family if d.name == "torch"), None)
    saving = cuda_wheels_saving(ctx, torch)
    for group in by_location(family):
        yield finding_at(
            RULE,
            ctx,
            group[0],
            f"{names(group)} from the default index: PyPI's Linux torch is the CUDA build "
            "and pulls in the nvidia-* CUDA wheels (several GB installed), yet nothing in "
            "the image or the shipped code uses a GPU",
            fix=_fix(group),
            saving=saving,
        )
        saving = None  # the same CUDA wheels: claimed once


RULE = Rule(
    code="JT302",
    name="cuda-torch-on-cpu",
    severity=Severity.WARNING,
    summary="torch/torchvision/torchaudio from PyPI's default index (CUDA build, several GB "
    "of nvidia-* wheels) in a service that does not use a GPU.",
    check=check,
    example="# requirements.txt\ntorch==2.7.0\ntorchvision==0.22.0",
    fix_example=(
        "# requirements.txt\n--extra-index-url https://download.pytorch.org/whl/cpu\n"
        "torch==2.7.0+cpu\ntorchvision==0.22.0+cpu"
    ),
)
