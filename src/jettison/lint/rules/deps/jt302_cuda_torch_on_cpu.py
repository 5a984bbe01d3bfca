"""JT302: CUDA-only wheels (PyPI's CUDA build of torch first) in a service without a GPU.

Why it matters: on Linux x86_64, ``pip install torch`` from the default index installs the
CUDA build, which depends on the ``nvidia-*`` wheels (cuBLAS, cuDNN, cuFFT, cuSPARSE, NCCL,
...) and triton: several GB installed, for code that runs on the CPU. The CPU build from
``https://download.pytorch.org/whl/cpu`` behaves the same on a CPU. Other wheels only do
their job with CUDA too (:data:`~jettison.facts.packages.CUDA_WHEELS`): ``onnxruntime-gpu``,
``faiss-gpu``, CuPy, ``nvidia-*`` libraries, and xgboost from 2.0 on, whose Linux wheel
depends on ``nvidia-nccl-cu12`` (``xgboost-cpu`` does not). Packages that require torch
(sentence-transformers, openai-whisper, easyocr...: :data:`~jettison.facts.packages.
TORCH_DEPENDENTS`) pull the CUDA build in when no CPU torch is installed first.

Nothing in the image may suggest a GPU: no CUDA base, no CUDA/GPU mention in the production
stages' ENV/LABEL/CMD/ENTRYPOINT. Then:

* ``warning`` when the image is meant for CPUs (a Dockerfile, stage or base tag named for
  the CPU, torch from the CPU index elsewhere, an AWS Lambda base, or the option
  ``options = { JT302 = { gpu = false } }``), or when all of the shipped code is in the
  build context and it never mentions ``cuda``/``gpu``/``device_map``;
* ``info`` when the code is not there, or only part of it (:mod:`jettison.lint.codeview`),
  or it uses CUDA only when available (``"cuda" if torch.cuda.is_available() else
  "cpu"``: CPU deployments carry the CUDA wheels for nothing, GPU ones need them), and for
  torch pulled in by another package or an unpinned xgboost (they rest on published
  metadata). The message says what is known;
* nothing when the code asks for the GPU outright and nothing says CPU, or with
  ``gpu = true``.

Installs from the CPU index (requirement-file or command-line ``--index-url``/
``--extra-index-url``, ``PIP_INDEX_URL``, ``+cpu`` versions, uv's ``--torch-backend cpu``)
and explicit CUDA indexes (``/whl/cu121``, a deliberate choice) are left alone, and so is a
torch requirement that a CPU torch installed by an earlier command already meets.

Saving: with ``--image``, the CUDA libraries measured in the image; otherwise the measured
installed size of the ``nvidia-*`` and triton wheels the pinned torch pulls in (when the
sizes provider can follow dependencies); the torch wheel's own CUDA kernels come on top.
One finding per file or RUN line; the saving goes on the first only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from jettison.facts.packages import (
    TORCH_CPU_INDEX,
    TORCH_DEPENDENTS,
    TORCH_FAMILY,
    CudaWheel,
    cuda_wheel,
)
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.lint.packages import (
    Declared,
    by_location,
    code_gpu_use,
    cpu_evidence,
    finding_at,
    gpu_evidence,
    met_by_earlier_cpu_torch,
    names,
    partial_code,
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


@dataclass(frozen=True, slots=True)
class _Verdict:
    severity: Severity
    why: str
    """What is known about GPU use, for the message."""


def _verdict(ctx: LintContext) -> _Verdict | None:
    """How sure the rule is that the service runs without a GPU; None when it does use one
    (or may well: the code asks for it and nothing says CPU)."""
    if gpu_evidence(ctx, "JT302", in_code=False) is not None:
        return None
    cpu = cpu_evidence(ctx, "JT302")
    if cpu is not None:
        return _Verdict(Severity.WARNING, f"the image is meant for CPUs ({cpu})")
    code = code_gpu_use(ctx)
    if code is not None and not code.optional:
        return None
    nothing = "nothing in the image suggests a GPU (no CUDA base, no GPU setting)"
    if code is not None:
        return _Verdict(
            Severity.INFO,
            f"{nothing}, and the code uses CUDA only when available ({code.where}): CPU "
            "deployments carry the CUDA libraries for nothing, GPU ones need them",
        )
    if not ctx.imports:
        return _Verdict(
            Severity.INFO,
            f"{nothing}; the service's code is not in the build context, so whether it "
            "uses a GPU is unknown",
        )
    partial = partial_code(ctx)
    if partial is not None:
        return _Verdict(
            Severity.INFO,
            f"{nothing}, and the code here never mentions one, but {partial}",
        )
    return _Verdict(Severity.WARNING, f"{nothing} or the shipped code uses a GPU")


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.option("JT302", "gpu") is True:
        return
    packages = production_packages(ctx)
    family = [
        d
        for d in packages
        if d.name in TORCH_FAMILY
        and torch_variant(ctx, d) == "default"
        and not met_by_earlier_cpu_torch(ctx, d)
    ]
    wheels = [(d, w) for d in packages if (w := _cuda_only(d)) is not None]
    pulled = _torch_pulled_in(ctx, packages)
    if not (family or wheels or pulled):
        return
    verdict = _verdict(ctx)
    if verdict is None:
        return
    yield from _torch_findings(ctx, family, verdict)
    yield from _wheel_findings(ctx, wheels, verdict)
    if pulled:
        yield _pulled_finding(ctx, pulled, verdict)


def _torch_findings(
    ctx: LintContext, family: list[Declared], verdict: _Verdict
) -> Iterator[Finding]:
    torch = next((d for d in family if d.name == "torch"), None)
    saving = cuda_wheels_saving(ctx, torch) if verdict.severity is Severity.WARNING else None
    for group in by_location(family):
        yield finding_at(
            RULE,
            ctx,
            group[0],
            f"{names(group)} from the default index: PyPI's Linux torch is the CUDA build "
            f"and pulls in the nvidia-* CUDA wheels (several GB installed), yet {verdict.why}",
            fix=_fix(group),
            saving=saving,
            severity=verdict.severity,
        )
        saving = None  # the same CUDA wheels: claimed once


def _cuda_only(declared: Declared) -> CudaWheel | None:
    """The CUDA-only wheel ``declared`` is (at its version), or None."""
    wheel = cuda_wheel(declared.name)
    if wheel is None or wheel.since is None:
        return wheel
    return wheel if _may_be_at_least(declared.specifier, wheel.since) else None


def _may_be_at_least(specifier: str, version: str) -> bool:
    """Whether ``specifier`` allows a version >= ``version`` (an unreadable one may)."""
    if not specifier:
        return True
    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return True
    floor = Version(version)
    probes = [floor, Version("9999")]
    for clause in spec:
        try:
            probes.append(Version(clause.version.removesuffix(".*")))
        except InvalidVersion:
            return True
    return any(v >= floor and spec.contains(v, prereleases=True) for v in probes)


def _wheel_findings(
    ctx: LintContext, wheels: list[tuple[Declared, CudaWheel]], verdict: _Verdict
) -> Iterator[Finding]:
    for declared, wheel in wheels:
        severity = verdict.severity
        if wheel.since is not None and not declared.pinned:
            severity = Severity.INFO  # the version (and so the dependency) is not known
        instead = f"Install {wheel.instead} instead" if wheel.instead else "Remove it"
        yield finding_at(
            RULE,
            ctx,
            declared,
            f"{declared.name}{declared.specifier} is {wheel.what}, yet {verdict.why}",
            fix=f"{instead} for a CPU-only image.",
            severity=severity,
        )


def _torch_pulled_in(ctx: LintContext, packages: list[Declared]) -> list[Declared]:
    """Packages that require torch, when no torch is declared: pip resolves PyPI's CUDA
    build for them."""
    if any(d.name == "torch" for d in packages):
        return []
    return [d for d in packages if d.name in TORCH_DEPENDENTS and d.name not in TORCH_FAMILY]


def _pulled_finding(ctx: LintContext, pulled: list[Declared], verdict: _Verdict) -> Finding:
    who = names(pulled)
    return finding_at(
        RULE,
        ctx,
        pulled[0],
        f"{who} {'requires' if len(pulled) == 1 else 'require'} torch, and with no CPU torch "
        "installed first pip takes PyPI's CUDA build and its nvidia-* wheels (several GB), "
        f"yet {verdict.why}",
        fix=(
            f"Install torch from {TORCH_CPU_INDEX} before {who} (pip install --index-url "
            f"{TORCH_CPU_INDEX} torch), so the requirement is already met."
        ),
        severity=Severity.INFO,
    )


RULE = Rule(
    code="JT302",
    name="cuda-torch-on-cpu",
    severity=Severity.WARNING,
    summary="PyPI's CUDA torch (several GB of nvidia-* wheels) or another CUDA-only wheel "
    "(onnxruntime-gpu, xgboost's NCCL, faiss-gpu...) in a service that does not use a GPU.",
    check=check,
    example="# requirements.txt\ntorch==2.7.0\ntorchvision==0.22.0",
    fix_example=(
        "# requirements.txt\n--extra-index-url https://download.pytorch.org/whl/cpu\n"
        "torch==2.7.0+cpu\ntorchvision==0.22.0+cpu"
    ),
)
