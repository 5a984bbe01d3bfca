"""Which image each stage of the rewrite runs on, and which Python builds the virtualenv.

The builder stage always runs on the original base (it has the compilers, when there are
any); the runtime stage on a slimmer image that must run the *same interpreter at the same
path*, since the copied virtualenv's ``bin/python`` is a symlink to the interpreter that
created it. Three kinds of base are understood:

``python:X`` (Debian)
    ``/usr/local/bin/python`` in both ``python:X`` and ``python:X-slim``: the runtime stage
    runs on the slim variant.

``nvidia/cuda:<ver>-[cudnn[N]-]{devel,runtime,base}-ubuntu<release>``
    No Python: ``apt`` installs ``python3 python3-venv`` in the builder (a ``python3.N``
    the Dockerfile names instead, if any) and ``python3`` in the runtime stage, from the
    same Ubuntu release, so ``/usr/bin/python3`` is the same interpreter in both. Other
    distributions (``ubi``, ``rockylinux``) have no apt and are refused.

``pytorch/pytorch:<ver>-cuda<X>-cudnn<Y>-{devel,runtime}``
    conda's Python at ``/opt/conda`` with torch (and its CUDA libraries) installed. The
    ``-runtime`` image of the same tag has the same conda environment without the CUDA
    compiler, so the virtualenv is created with ``/opt/conda/bin/python -m venv
    --system-site-packages``: it holds only the service's other packages and imports the
    base's torch. ``torch`` lines leave the runtime requirements for the development file
    (JT307), a requirement the base's torch does not satisfy is refused (fix would
    otherwise change the service's torch), and pip in the builder is constrained to the
    base's torch, so a dependency asking for another one fails the build instead of
    installing a second torch. A CPU target is refused: the base's torch is a CUDA build.

One CUDA stack
--------------
An image should carry one copy of the CUDA libraries. ``pip install torch`` from PyPI
installs the CUDA build, whose ``nvidia-*`` wheels (cuDNN, cuBLAS, cuFFT, NCCL, ...) torch
loads through its own RPATH; on ``nvidia/cuda:*-cudnn-runtime`` the base's cuDNN and
cuBLAS then ship a second time, unused. So on an ``nvidia/cuda`` base with a GPU target:

- torch among the packages installed, and nothing that loads the system's CUDA libraries
  (:data:`SYSTEM_CUDA_USERS`: onnxruntime-gpu, TensorFlow, CuPy, ...): the runtime stage
  is ``nvidia/cuda:<ver>-base-<os>``, which keeps only what the NVIDIA container runtime
  needs (the CUDA runtime, its ``NVIDIA_*`` settings); the wheels win;
- otherwise the matching ``-runtime`` image (``-cudnn-devel-`` -> ``-cudnn-runtime-``,
  ``-devel-`` -> ``-runtime-``): the base's libraries win, since something loads them.
  With torch *and* such a package both stacks stay, and the change says so: removing
  either would break one of them;
- code that compiles at run time (``torch.compile``, C++/CUDA extensions, numba) keeps the
  ``-devel`` image, compiler included.

With a CPU target the runtime stage is ``ubuntu:<release>``: the same apt Python, no CUDA
(torch from the CPU index, as on any base). On a ``python:X`` base a GPU target keeps
PyPI's CUDA torch, whose wheels are then the only CUDA stack. ``--runtime-base`` replaces
the runtime image in every case; it must run the builder's interpreter at the same path.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from jettison.dockerfile.commands.system import package_name
from jettison.dockerfile.model import Dockerfile, Stage
from jettison.facts import packages
from jettison.facts.bases import NVIDIA_CUDA, PYTORCH, base_torch
from jettison.facts.system import PYTHON_INTERPRETER
from jettison.fix.changes import Change
from jettison.fix.errors import refuse
from jettison.imageref import ImageRef, parse_image
from jettison.requirements.model import Requirement

BaseKind = Literal["python", "cuda", "pytorch"]
TORCH_FAMILY = frozenset(packages.TORCH_FAMILY)
CUDA_REPOSITORIES = NVIDIA_CUDA
"""The CUDA images fix rewrites (their tags say the CUDA version, flavour and OS)."""
PYTORCH_REPOSITORY = PYTORCH
CONDA_PYTHON = "/opt/conda/bin/python"
SYSTEM_CUDA_USERS = frozenset(
    {
        "onnxruntime-gpu",
        "tensorflow",
        "tensorflow-gpu",
        "tf-nightly",
        "paddlepaddle-gpu",
        "pycuda",
        "tensorrt",
        "cupy",
    }
)
"""Packages whose GPU code loads CUDA libraries (cuDNN, cuBLAS, NVRTC...) installed on the
system rather than only from ``nvidia-*`` wheels; names starting with
:data:`SYSTEM_CUDA_PREFIXES` too. Deliberately broad: a false positive only keeps the
base's ``-runtime`` image."""
SYSTEM_CUDA_PREFIXES = ("cupy-cuda", "mxnet-cu", "jax-cuda")
_VERSION = re.compile(r"^\d+(?:\.\d+)*$")
_CUDA_TAG = re.compile(
    r"^(?P<version>\d+\.\d+(?:\.\d+)?)-(?:(?P<cudnn>cudnn\d*)-)?"
    r"(?P<flavor>base|runtime|devel)-(?P<os>[a-z]+)(?P<release>\d+(?:\.\d+)?)$"
)
_PYTORCH_FLAVOR = re.compile(r"-(?P<flavor>devel|runtime)$")


@dataclass(frozen=True, slots=True)
class CudaTag:
    """An ``nvidia/cuda`` tag: ``12.1.1-cudnn8-devel-ubuntu22.04``."""

    version: str
    cudnn: str | None
    """``cudnn8``, or ``cudnn`` in newer tags; None without cuDNN."""
    flavor: str
    """``base`` (CUDA runtime only), ``runtime`` (+ cuBLAS, cuFFT, NCCL...), ``devel``
    (+ compiler and headers)."""
    os: str
    release: str

    @classmethod
    def parse(cls, tag: str) -> CudaTag | None:
        match = _CUDA_TAG.match(tag.lower())
        if match is None:
            return None
        return cls(match["version"], match["cudnn"], match["flavor"], match["os"], match["release"])

    def with_flavor(self, flavor: str) -> str:
        """This tag in another flavour (``base`` images come without cuDNN)."""
        cudnn = [self.cudnn] if self.cudnn and flavor != "base" else []
        return "-".join([self.version, *cudnn, flavor, f"{self.os}{self.release}"])


def is_cuda_image(ref: ImageRef) -> bool:
    """NVIDIA's CUDA images, behind any registry host or mirror."""
    return ref.name in CUDA_REPOSITORIES or ref.repository == "nvidia/cuda"


def runtime_variant(ref: ImageRef) -> str | None:
    """The ``-runtime`` image of a CUDA ``-devel`` one: ``nvidia/cuda:<v>-cudnn8-devel-<os>``
    -> ``nvidia/cuda:<v>-cudnn8-runtime-<os>``, ``pytorch/pytorch:<v>-cuda<x>-cudnn<y>-devel``
    -> ``...-runtime``; other flavours unchanged; None for an image this module does not
    read (another repository, an ``nvidia/cuda`` tag of another shape)."""
    if is_cuda_image(ref):
        tag = CudaTag.parse(ref.tag)
        if tag is None:
            return None
        return f"{ref.name}:{tag.with_flavor('runtime') if tag.flavor == 'devel' else ref.tag}"
    if ref.repository == PYTORCH_REPOSITORY and ref.tag:
        return f"{ref.name}:{_PYTORCH_FLAVOR.sub('-runtime', ref.tag)}"
    return None


def cuda_base_variant(ref: ImageRef) -> str | None:
    """``nvidia/cuda:<v>-[cudnn-]<flavor>-<os>`` -> ``nvidia/cuda:<v>-base-<os>`` (the CUDA
    runtime only); None for other images."""
    tag = CudaTag.parse(ref.tag) if is_cuda_image(ref) else None
    return f"{ref.name}:{tag.with_flavor('base')}" if tag is not None else None


def os_image(ref: ImageRef) -> str | None:
    """The distribution image an ``nvidia/cuda`` tag is built on: ``...-ubuntu22.04`` ->
    ``ubuntu:22.04``; None for other images."""
    tag = CudaTag.parse(ref.tag) if is_cuda_image(ref) else None
    return f"{tag.os}:{tag.release}" if tag is not None else None


def slim_variant(ref: ImageRef) -> str:
    """``python:3.10`` -> ``python:3.10-slim``; ``python:3.11-bookworm`` ->
    ``python:3.11-slim-bookworm``; slim tags unchanged (digests dropped: they pin the
    full image)."""
    parts = list(ref.tag_parts)
    if "slim" in parts:
        return f"{ref.name}:{ref.tag}"
    if not parts or parts == ["latest"]:
        return f"{ref.name}:slim"
    if _VERSION.match(parts[0]):
        parts.insert(1, "slim")
    else:
        parts.insert(0, "slim")
    return f"{ref.name}:{'-'.join(parts)}"


def system_cuda_users(packages: Collection[str]) -> list[str]:
    """The packages among ``packages`` (canonical names) that load the system's CUDA."""
    return sorted(
        p for p in packages if p in SYSTEM_CUDA_USERS or p.startswith(SYSTEM_CUDA_PREFIXES)
    )


def single_stage(dockerfile: Dockerfile) -> Stage:
    if len(dockerfile.stages) != 1:
        raise refuse(
            dockerfile.path,
            f"{len(dockerfile.stages) or 'no'} build stages; fix rewrites single-stage "
            "Dockerfiles only",
            "a multi-stage Dockerfile is already split: run `jettison lint` on it instead",
        )
    return dockerfile.stages[0]


def image_kind(ref: ImageRef) -> BaseKind | None:
    """The kind of base ``ref`` is, behind any registry host or mirror; None for an image
    this module does not read (another repository, an ``nvidia/cuda`` tag of another
    shape, a distribution without apt)."""
    if ref.repository == "python" and "alpine" not in ref.tag_parts:
        return "python"
    if is_cuda_image(ref):
        tag = CudaTag.parse(ref.tag)
        return "cuda" if tag is not None and tag.os == "ubuntu" else None
    if ref.repository == PYTORCH_REPOSITORY:
        return "pytorch"
    return None


def supported_base(dockerfile: Dockerfile) -> tuple[BaseKind, ImageRef]:
    """The kind and image of the base, or a refusal for a base fix cannot rewrite."""
    stage = single_stage(dockerfile)
    ref = parse_image(stage.base_expanded)
    kind = image_kind(ref) if ref is not None else None
    if kind is not None and ref is not None:
        return kind, ref
    if ref is not None and is_cuda_image(ref):
        raise refuse(
            dockerfile.path,
            f"base image {stage.base!r}: fix reads nvidia/cuda tags of the form "
            "<version>-[cudnn-]devel|runtime|base-ubuntu<release> (it installs Python "
            "with apt)",
            "use an Ubuntu tag of nvidia/cuda, or rewrite this Dockerfile by hand "
            "(jettison lint lists what to change)",
        )
    raise refuse(
        dockerfile.path,
        f"base image {stage.base!r} is not one fix can rewrite (a Debian-based python "
        "image, nvidia/cuda on Ubuntu, pytorch/pytorch)",
        "fix knows where those bases keep Python; rewrite other bases by hand "
        "(jettison lint lists what to change)",
    )


def torch_from_base(
    dockerfile: Dockerfile, requirements: Sequence[Requirement]
) -> Mapping[str, tuple[str, str]]:
    """On a base that ships torch: ``{"torch": (code, reason)}`` to move the torch
    requirement to the development file; refused when that would change the torch the
    service gets (a pin the base's version does not satisfy, a direct URL). Empty on other
    bases."""
    kind, ref = supported_base(dockerfile)
    if kind != "pytorch":
        return {}
    _ships, version = base_torch(ref)
    shipped = f"torch {version}" if version is not None else "torch"
    for requirement in requirements:
        if requirement.name != "torch":
            continue
        wanted = f"torch{requirement.specifier}" if requirement.specifier else "torch"
        if requirement.url is not None:
            conflict = f"{requirement.raw.strip()} is a torch from a URL"
        elif (
            version is not None
            and requirement.specifier
            and not _contains(requirement.specifier, str(version))
        ):
            conflict = f"{wanted} is not the {shipped} it ships"
        else:
            continue
        raise refuse(
            dockerfile.path,
            f"{ref.text} ships {shipped} and {conflict} (line {requirement.line} of "
            f"{requirement.file.name}); fix would have to install a second torch over it "
            "(JT307)",
            "use the pytorch/pytorch tag of the torch the service needs, or loosen the pin, "
            "then run fix again",
        )
    return {"torch": ("JT307", f"{ref.text} ships {shipped}: the image uses it, not a second copy")}


def _contains(specifier: str, version: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return False


@dataclass(frozen=True, slots=True)
class BasePlan:
    """The images of both stages and the interpreter the virtualenv is created with."""

    kind: BaseKind
    image: ImageRef
    """The original base (the builder stage runs on it, as written)."""
    runtime: str
    """The runtime stage's image."""
    python: str = "python"
    """The interpreter that creates the virtualenv (the runtime stage has it at this path)."""
    system_site_packages: bool = False
    """The virtualenv also sees the base's packages (pytorch/pytorch: its torch)."""
    builder_apt: tuple[str, ...] = ()
    """apt packages that put :attr:`python` (with venv) into the builder stage."""
    runtime_apt: tuple[str, ...] = ()
    """apt packages that put :attr:`python` into the runtime stage."""
    python_comment: str | None = None
    """Why this interpreter, written above the line that creates the virtualenv."""
    runtime_note: Change | None = None
    """The change the runtime image makes, written above its ``FROM``."""
    torch_note: Change | None = None
    """Which CUDA stack torch brings, written above the builder's install."""
    base_torch: bool = False
    """torch comes with the base: pip in the builder is constrained to it."""


def plan_base(
    dockerfile: Dockerfile,
    *,
    target: str | None = None,
    runtime_base: str | None = None,
    packages: Collection[str] = (),
    apt_packages: Sequence[str] = (),
    keep_compiler: bool = False,
) -> BasePlan:
    """Choose both stages' images (see the module docstring).

    ``target`` is ``cpu`` or ``gpu`` (None: GPU on a CUDA base, else CPU); ``packages``
    are the canonical names of what the image pip-installs (after the requirements split);
    ``apt_packages`` what the Dockerfile installs with apt (a ``python3.N`` there is the
    interpreter on an nvidia/cuda base); ``keep_compiler`` says the code compiles at run
    time.
    """
    kind, ref = supported_base(dockerfile)
    return plan_image(
        dockerfile.path,
        ref,
        kind,
        target=target,
        runtime_base=runtime_base,
        packages=packages,
        apt_packages=apt_packages,
        keep_compiler=keep_compiler,
    )


def plan_image(
    path: Path,
    ref: ImageRef,
    kind: BaseKind,
    *,
    target: str | None = None,
    runtime_base: str | None = None,
    packages: Collection[str] = (),
    apt_packages: Sequence[str] = (),
    keep_compiler: bool = False,
) -> BasePlan:
    """:func:`plan_base` for the base image ``ref`` of kind ``kind`` (``path``: the
    Dockerfile, for a refusal)."""
    if kind == "python":
        return _python_plan(ref, target or "cpu", runtime_base, packages)
    if kind == "cuda":
        return _cuda_plan(ref, target or "gpu", runtime_base, packages, apt_packages, keep_compiler)
    return _pytorch_plan(path, ref, target or "gpu", runtime_base, keep_compiler)


def _python_plan(
    ref: ImageRef, target: str, runtime_base: str | None, packages: Collection[str]
) -> BasePlan:
    # an image already slim stays as written, its digest with it
    slim = runtime_base or (ref.text if "slim" in ref.tag_parts else slim_variant(ref))
    note = None
    if runtime_base is not None:
        note = Change("JT201", f"runtime stage on {slim} (--runtime-base)")
    elif slim == ref.text:
        pass
    elif ref.digest is not None:
        note = Change(
            "JT201",
            f"runtime stage on {slim}: unpinned, where the base is pinned by digest; pin "
            f"{slim}@sha256:... (jettison cannot look its digest up without a registry)",
        )
    elif slim != ref.text:
        note = Change("JT201", f"runtime stage on {slim}: no compilers, headers or VCS tools")
    torch_note = None
    if target == "gpu" and TORCH_FAMILY & set(packages):
        torch_note = Change(
            "cuda",
            "GPU target: torch stays PyPI's CUDA build, whose nvidia-* wheels bring cuDNN, "
            f"cuBLAS and the CUDA runtime; {slim} adds no CUDA library: one CUDA stack",
        )
    return BasePlan("python", ref, slim, runtime_note=note, torch_note=torch_note)


def _cuda_plan(
    ref: ImageRef,
    target: str,
    runtime_base: str | None,
    packages: Collection[str],
    apt_packages: Sequence[str],
    keep_compiler: bool,
) -> BasePlan:
    tag = CudaTag.parse(ref.tag)
    assert tag is not None  # supported_base refused other tags
    named = [n for n in map(package_name, apt_packages) if PYTHON_INTERPRETER.match(n)]
    python = named[0] if named else "python3"
    devel = tag.flavor == "devel"
    code = "JT202" if devel else "cuda"
    without = ", and not the -devel image's compiler and headers" if devel else ""
    torch = bool(TORCH_FAMILY & set(packages))
    system = system_cuda_users(packages)
    torch_note = None
    note: Change | None
    if runtime_base is not None:
        runtime = runtime_base
        note = Change(code, f"runtime stage on {runtime} (--runtime-base)")
    elif target == "cpu":
        runtime = f"{tag.os}:{tag.release}"
        note = Change(
            code,
            f"CPU target: runtime stage on {runtime}, the same {tag.os} release without "
            f"CUDA: the service runs on the CPU{without}",
        )
    elif keep_compiler and devel:
        runtime, note = _devel_kept(ref, "torch.compile, C++/CUDA extensions, numba")
    elif torch and not system:
        runtime = f"{ref.name}:{tag.with_flavor('base')}"
        note = Change(
            code,
            f"runtime stage on {runtime}, only the CUDA runtime the driver needs{without}: "
            "torch's nvidia-* wheels bring cuDNN, cuBLAS and the other CUDA libraries, so "
            "the base's copies would be a second CUDA stack",
        )
    else:
        runtime, note = _devel_dropped(
            ref, "the base's CUDA libraries without the compiler and headers"
        )
        if torch and system:
            torch_note = Change(
                "cuda",
                f"two CUDA stacks stay: {' and '.join(system)} "
                f"load{'s' if len(system) == 1 else ''} the base's CUDA libraries and torch "
                "its own nvidia-* wheels; dropping either would break one of them (one GPU "
                "framework, or torch from the CPU index, would leave one stack)",
            )
    return BasePlan(
        "cuda",
        ref,
        runtime,
        python=f"/usr/bin/{python}",
        builder_apt=(python, f"{python}-venv"),
        runtime_apt=(python,),
        python_comment=(
            f"apt's {python} in both stages (same {tag.os} release): the virtualenv's "
            f"interpreter, /usr/bin/{python}, is at the same path in the runtime stage"
        ),
        runtime_note=note,
        torch_note=torch_note,
    )


def _devel_kept(ref: ImageRef, compiles: str) -> tuple[str, Change]:
    """The runtime stage kept on the ``-devel`` image ``ref``: the shipped code compiles at
    run time (``compiles`` says how), so the compiler and headers must ship."""
    return ref.text, Change(
        "cuda",
        f"runtime stage stays on {ref.text}: the shipped code compiles at run time "
        f"({compiles}) and needs its compiler and headers",
    )


def _devel_dropped(ref: ImageRef, keeps: str) -> tuple[str, Change | None]:
    """The runtime stage on ``ref``'s variant without the compiler (JT202's choice; ``ref``
    itself when it has none), and the change saying what the variant ``keeps``."""
    runtime = runtime_variant(ref) or ref.text
    if runtime == ref.text:
        return runtime, None
    return runtime, Change("JT202", f"runtime stage on {runtime}: {keeps}")


def _pytorch_plan(
    path: Path,
    ref: ImageRef,
    target: str,
    runtime_base: str | None,
    keep_compiler: bool,
) -> BasePlan:
    if target == "cpu":
        raise refuse(
            path,
            f"--target cpu on {ref.text}: the base's torch is a CUDA build and its conda "
            "Python is what the virtualenv runs on, so no CPU runtime image fits",
            "keep the GPU image with --target gpu, or start FROM python:3.X-slim (fix then "
            "installs CPU torch) and run fix again",
        )
    devel = ref.tag.lower().endswith("-devel")
    if runtime_base is not None:
        runtime = runtime_base
        note: Change | None = Change(
            "JT202" if devel else "cuda", f"runtime stage on {runtime} (--runtime-base)"
        )
    elif keep_compiler and devel:
        runtime, note = _devel_kept(ref, "torch.compile, C++/CUDA extensions")
    else:
        runtime, note = _devel_dropped(
            ref,
            "the same conda Python, torch and CUDA libraries, without the CUDA compiler and "
            "headers",
        )
    return BasePlan(
        "pytorch",
        ref,
        runtime,
        python=CONDA_PYTHON,
        system_site_packages=True,
        python_comment=(
            "conda's Python in both stages (/opt/conda): the virtualenv sees the base's "
            "torch (--system-site-packages) and pip is held to it: one torch, one CUDA stack"
        ),
        runtime_note=note,
        base_torch=True,
    )
