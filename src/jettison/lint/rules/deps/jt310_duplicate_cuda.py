"""JT310: two CUDA user-space stacks in one image.

Why it matters: NVIDIA's ``-runtime``/``-devel``/cuDNN images, NGC's containers and
TensorFlow's GPU images ship the CUDA libraries (cuBLAS, cuFFT, cuSPARSE, NCCL, cuDNN: GBs).
PyPI's torch does not use them: its CUDA builds bring their own, as ``nvidia-*`` wheels
(PyPI's default build, the ``cu1xx`` indexes since torch 2) or inside the wheel (older
``+cuXXX`` builds). Installed on such a base, the image carries two CUDA stacks and torch
loads only its own. The same goes for ``nvidia-*`` wheels installed directly, for packages
that pull PyPI's torch in (vllm, bitsandbytes, sentence-transformers...:
:data:`~jettison.facts.packages.TORCH_DEPENDENTS`), and for pip CUDA wheels next to conda's
``cudatoolkit``.

``warning`` for torch or ``nvidia-*`` wheels the Dockerfile or its requirements name;
``info`` for torch pulled in by another package (it rests on that package's published
requirements). NVIDIA's ``-base`` images hold only cudart and the compat libraries, and
are left alone; so are bases that ship torch themselves (JT307 reports a second torch
there), and CPU builds of torch.
"""

from __future__ import annotations

from collections.abc import Iterator

from jettison.dockerfile.images import runtime_base
from jettison.facts.bases import base_torch, cuda_libraries
from jettison.facts.packages import TORCH_DEPENDENTS, TORCH_FAMILY
from jettison.lint.model import Finding, LintContext, Rule, Severity
from jettison.lint.packages import (
    Declared,
    by_location,
    finding_at,
    met_by_earlier_install,
    names,
    production_packages,
    torch_variant,
)

CONDA_CUDA = frozenset({"cudatoolkit", "pytorch-cuda", "cuda-toolkit", "cuda-runtime"})
"""conda packages that install the CUDA libraries into the environment."""
FIX = (
    "Keep one CUDA stack: start from a base without the CUDA libraries "
    "(nvidia/cuda:<version>-base-<os> or python:3.x-slim; the driver comes from the host) "
    "and let the wheels bring theirs, or use an image that ships torch with its CUDA "
    "(pytorch/pytorch) and install no second torch."
)


def _variant_words(ctx: LintContext, group: list[Declared]) -> str:
    variants = {torch_variant(ctx, d) for d in group if d.name in TORCH_FAMILY}
    one = len({d.name for d in group}) == 1
    if variants == {"cuda"}:
        return (
            f"from a CUDA index {'brings its' if one else 'bring their'} own CUDA libraries "
            "(nvidia-* wheels or bundled)"
        )
    builds = "is a CUDA build that brings" if one else "are CUDA builds that bring"
    return f"from PyPI's default index {builds} the nvidia-* CUDA wheels"


def check(ctx: LintContext) -> Iterator[Finding]:
    packages = production_packages(ctx)
    stack = _first_stack(ctx, packages)
    if stack is None:
        return
    torch_shipped = _base_ships_torch(ctx)
    cuda = [
        d
        for d in packages
        if d.name in TORCH_FAMILY
        and not torch_shipped
        and torch_variant(ctx, d) != "cpu"
        and not met_by_earlier_install(ctx, d)
    ]
    wheels = [d for d in packages if d.name.startswith("nvidia-") and d.name[-5:-2] == "-cu"]
    for group in by_location([*cuda, *wheels]):
        torch = [d for d in group if d.name in TORCH_FAMILY]
        what = (
            f"{names(torch)} {_variant_words(ctx, torch)}"
            if torch
            else f"{names(group)} {'is a' if len(group) == 1 else 'are'} CUDA library wheel"
            f"{'' if len(group) == 1 else 's'}"
        )
        yield finding_at(
            RULE,
            ctx,
            group[0],
            f"{what}, on top of {stack}: two CUDA stacks in one image, and each library "
            "loads only its own",
            fix=FIX,
        )
    if not cuda and not torch_shipped and not any(d.name == "torch" for d in packages):
        pulled = [d for d in packages if d.name in TORCH_DEPENDENTS]
        if pulled:
            yield finding_at(
                RULE,
                ctx,
                pulled[0],
                f"{names(pulled)} {'requires' if len(pulled) == 1 else 'require'} torch, which "
                "pip takes from PyPI with its nvidia-* CUDA wheels, on top of "
                f"{stack}: two CUDA stacks in one image",
                fix=FIX,
                severity=Severity.INFO,
            )


def _first_stack(ctx: LintContext, packages: list[Declared]) -> str | None:
    """The CUDA libraries already in the image before pip adds its own: the base's, or
    conda's cudatoolkit."""
    base = runtime_base(ctx.dockerfile)
    if base is not None:
        libraries = cuda_libraries(base.ref)
        if libraries is not None:
            return f"{libraries}, which {base.ref.text} already ships"
    conda = next((d for d in packages if d.name in CONDA_CUDA and _from_conda(d)), None)
    if conda is not None:
        return f"conda's {conda.name} ({conda.where(ctx)})"
    return None


def _from_conda(declared: Declared) -> bool:
    return declared.requirement is not None and declared.requirement.source_kind == "conda"


def _base_ships_torch(ctx: LintContext) -> bool:
    base = runtime_base(ctx.dockerfile)
    return base is not None and base_torch(base.ref)[0]


RULE = Rule(
    code="JT310",
    name="duplicate-cuda-stack",
    severity=Severity.WARNING,
    summary="PyPI CUDA wheels (torch's nvidia-* wheels, cu1xx builds) on a base or conda "
    "environment that already ships the CUDA libraries: two CUDA stacks.",
    check=check,
    example=(
        "FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04\n"
        "RUN pip install --no-cache-dir torch==2.5.1"
    ),
    fix_example=(
        "FROM nvidia/cuda:12.4.1-base-ubuntu22.04\n"
        "# torch's nvidia-* wheels are the only CUDA libraries in the image\n"
        "RUN pip install --no-cache-dir torch==2.5.1"
    ),
)
