"""The runtime image of the multi-stage split, for every base family jettison knows by name
(behind any registry host or mirror: :attr:`jettison.imageref.ImageRef.repository`).

The split keeps the user's install steps as written in a builder stage on the original
base and copies the environment they fill into a runtime stage; this module says which
image that stage runs on and what it must add so the environment runs there:

``python:X`` (Debian), ``nvidia/cuda:*-ubuntu*``, ``pytorch/pytorch``
    as :mod:`jettison.fix.bases` decides for the requirements rewrite: ``python:X-slim``;
    the CUDA ``-base``/``-runtime`` variant (or ``ubuntu:<release>`` for a CPU target) with
    apt's ``python3``; PyTorch's ``-runtime`` image with its conda Python and torch.
``debian:*``, ``ubuntu:*``
    apt's Python: ``debian:<tag>-slim`` (the same release without documentation and
    locales), and ``ubuntu:<tag>`` itself (Ubuntu publishes no slimmer image); the runtime
    stage installs ``python3`` (or the ``python3.N`` the Dockerfile names) from the same
    release, so the environment's interpreter is at the same path.
NGC (``nvcr.io/nvidia/pytorch``, ``tensorflow``, ``tritonserver``), ``tensorflow/tensorflow``
    framework images whose stack the service runs on (CUDA, cuDNN, the framework itself)
    and that have no slimmer variant with it: the runtime stage stays on the same image;
    the virtualenv sees the image's packages (``--system-site-packages``). What the split
    saves is what the builder needs only: compilers, headers, build leftovers.
``continuumio/miniconda3``
    conda environments are self-contained (their own Python and libraries, glibc from
    the system): the runtime stage is ``debian:bookworm-slim``, the release the
    miniconda3 images are built on, with the environment's prefix copied.
``mambaorg/micromamba``, ``condaforge/miniforge3``, ``continuumio/anaconda3``
    already what a runtime needs (micromamba's image is ``debian:*-slim`` and one binary)
    or of unknown release: the runtime stage stays on the same image.

A base pinned by digest keeps its digest where the runtime stage runs on the same image;
a different runtime image gets a note saying it is unpinned (jettison cannot look a digest
up without a registry). A base set by a build argument is read from the argument's
default; the note says the runtime stage does not follow a ``--build-arg``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jettison.dockerfile.commands.system import package_name
from jettison.facts.system import PYTHON_INTERPRETER
from jettison.fix.bases import BasePlan, image_kind, is_cuda_image, plan_image
from jettison.fix.changes import Change
from jettison.fix.errors import refuse
from jettison.fix.learn import BaseFacts
from jettison.imageref import ImageRef

Family = Literal["python", "cuda", "pytorch", "apt", "framework", "conda", "micromamba", "learnt"]

FRAMEWORK_REPOSITORIES = {
    "nvcr.io/nvidia/pytorch": "NGC's PyTorch container (its torch, CUDA, cuDNN, NCCL)",
    "nvcr.io/nvidia/tensorflow": "NGC's TensorFlow container (its TensorFlow, CUDA, cuDNN)",
    "nvcr.io/nvidia/tritonserver": "NGC's Triton image (the server and its CUDA stack)",
    "nvcr.io/nvidia/nemo": "NGC's NeMo container (NeMo, torch, CUDA)",
    "tensorflow/tensorflow": "TensorFlow's image (its TensorFlow build and, on -gpu tags, CUDA)",
}
"""Images whose stack the service runs on and that have no slimmer variant with it."""
CONDA_REPOSITORIES = {
    "continuumio/miniconda3": "debian:bookworm-slim",
    "continuumio/miniconda": "debian:bookworm-slim",
}
"""conda images and the slim image of the release they are built on."""
SAME_CONDA_REPOSITORIES = frozenset(
    {"mambaorg/micromamba", "condaforge/miniforge3", "condaforge/mambaforge",
     "continuumio/anaconda3"}
)  # fmt: skip
"""conda images the runtime stage keeps (already slim, or their release is not known)."""
MICROMAMBA_USER = "$MAMBA_USER"


@dataclass(frozen=True)
class RuntimePlan:
    """Both stages' images and what the environment needs in the runtime stage."""

    family: Family
    image: ImageRef
    """The original base, as the build resolves it (the builder stays on it)."""
    runtime: str
    """The runtime stage's image."""
    python: str = "python"
    """The interpreter a virtualenv made by the split is created with (at the same path in
    the runtime image)."""
    system_site_packages: bool = False
    venv_apt: tuple[str, ...] = ()
    """apt packages the builder needs to create that virtualenv (``python3-venv``)."""
    interpreter_apt: tuple[str, ...] = ()
    """apt packages that put the interpreter into the runtime image."""
    notes: tuple[Change, ...] = ()
    image_user: str | None = None
    """The image's own unprivileged user (micromamba's): the runtime stage keeps it."""
    runtime_path: str | None = None
    """``PATH`` entries the runtime image lacks that the base set (``/opt/conda/bin``)."""
    system_python_bins: tuple[str, ...] = field(default=("/usr/local/bin",))
    """Where the base's own interpreter and pip's scripts live (what a relocation into the
    virtualenv rewrites)."""

    @property
    def slimmer(self) -> bool:
        """The runtime image is not the base itself."""
        return self.runtime != self.image.text


def family_of(ref: ImageRef) -> Family | None:
    """The family of ``ref`` (see the module docstring), None for an unknown image."""
    kind = image_kind(ref)
    if kind is not None:
        return kind
    repository = ref.repository
    if repository in ("debian", "ubuntu"):
        return "apt"
    if ref.name in FRAMEWORK_REPOSITORIES or repository == "tensorflow/tensorflow":
        return "framework"
    if repository in CONDA_REPOSITORIES:
        return "conda"
    if repository in SAME_CONDA_REPOSITORIES:
        return "micromamba" if repository == "mambaorg/micromamba" else "conda"
    return None


def plan_runtime(
    path: Path,
    ref: ImageRef,
    *,
    written: str,
    target: str | None = None,
    runtime_base: str | None = None,
    packages: Collection[str] = (),
    apt_packages: Sequence[str] = (),
    keep_compiler: bool = False,
    facts: BaseFacts | None = None,
) -> RuntimePlan:
    """The runtime plan for the base ``ref`` (``written``: the base as the Dockerfile writes
    it, ``${BASE_IMAGE}`` included), or a refusal naming the base. ``facts``: the base as
    read from the image, when it is at hand (:mod:`jettison.fix.learn`): a base no name
    says is planned from them, a known one is checked against them."""
    family = family_of(ref)
    if facts is not None:
        plan = _learnt(path, ref, written, family, facts, runtime_base)
        if plan is not None:
            return plan
    if family is None and is_cuda_image(ref):
        raise refuse(
            path,
            f"base image {written!r}: fix reads nvidia/cuda tags of the form "
            "<version>-[cudnn-]devel|runtime|base-ubuntu<release> (it installs Python with apt)",
            "use an Ubuntu tag of nvidia/cuda, or rewrite this Dockerfile by hand "
            "(jettison lint lists what to change)",
        )
    if family is None:
        resolved = f" ({ref.text})" if "$" in written else ""
        raise refuse(
            path,
            f"base image {written!r}{resolved} is not one fix knows (python, debian, ubuntu, "
            "nvidia/cuda, pytorch/pytorch, NGC, tensorflow/tensorflow, miniconda3, "
            "micromamba) and is not in the builder's local image store: where it keeps "
            "Python and what a slimmer runtime would be are unknown",
            "pull or build the base so fix reads it from the store, give --base-image (a "
            "`docker save` archive), use one of those bases, give --runtime-base, or rewrite "
            "this Dockerfile by hand (jettison lint lists what to change)",
        )
    plan = _plan(path, ref, family, target, runtime_base, packages, apt_packages, keep_compiler)
    notes = list(plan.notes)
    if facts is not None:
        notes.append(
            Change("restructure", f"{ref.text} checked against the image: {facts.describe()}")
        )
        if facts.user and not plan.slimmer and plan.image_user is None:
            plan = dataclasses.replace(plan, image_user=facts.user)
    if "$" in written:
        notes.append(
            Change(
                "restructure",
                f"the base {written} is read from its default ({ref.text}); the runtime stage "
                f"is written for it and does not follow a --build-arg",
            )
        )
    return dataclasses.replace(plan, notes=tuple(notes))


def _learnt(
    path: Path,
    ref: ImageRef,
    written: str,
    family: Family | None,
    facts: BaseFacts,
    runtime_base: str | None,
) -> RuntimePlan | None:
    """The plan of a base read from the image: the runtime stage stays on it (the split
    then leaves out what only the build needs), its own user kept; None to plan a known
    family by name (then only checked)."""
    if family is None and facts.python is None:
        raise refuse(
            path,
            f"base image {written!r} has no Python fix can find ({facts.describe()}): "
            "nothing to make a virtualenv with",
            "install Python in the base, then run fix again",
        )
    if family is not None:
        if facts.python is None and family in ("python", "pytorch", "framework"):
            raise refuse(
                path,
                f"base image {written!r} is named like a Python image but has no Python "
                f"({facts.describe()})",
                "check the base image, then run fix again",
            )
        return None
    assert facts.python is not None
    if not facts.venv and not facts.apt:
        raise refuse(
            path,
            f"base image {written!r}: its Python ({facts.python}) cannot make a virtualenv "
            "(no ensurepip) and the image has no apt to add one",
            "install the venv module in the base, then run fix again",
        )
    folder = facts.python.rsplit("/", 1)[0]
    site = facts.packages - {"pip", "setuptools", "wheel"}
    runtime = runtime_base or ref.text
    return RuntimePlan(
        "learnt",
        ref,
        runtime,
        python=facts.python,
        system_site_packages=bool(site),
        venv_apt=() if facts.venv else (f"python{facts.python_version}-venv",),
        notes=(
            Change(
                "restructure",
                f"runtime stage stays on {runtime}, as read from the image ({facts.describe()}"
                "): no slimmer image of it is known; the split leaves out what only the build "
                "needs",
            ),
        ),
        image_user=facts.user,
        system_python_bins=tuple(dict.fromkeys((folder, "/usr/local/bin"))),
    )


def _plan(
    path: Path,
    ref: ImageRef,
    family: Family,
    target: str | None,
    runtime_base: str | None,
    packages: Collection[str],
    apt_packages: Sequence[str],
    keep_compiler: bool,
) -> RuntimePlan:
    if family in ("python", "cuda", "pytorch"):
        base = plan_image(
            path,
            ref,
            family,
            target=target,
            runtime_base=runtime_base,
            packages=packages,
            apt_packages=apt_packages,
            keep_compiler=keep_compiler,
        )
        return _from_base_plan(family, base)
    if family == "apt":
        return _apt_plan(ref, runtime_base, apt_packages)
    if family == "framework":
        return _framework_plan(ref, runtime_base)
    if family == "micromamba":
        return _micromamba_plan(ref, runtime_base)
    return _conda_plan(family, ref, runtime_base)


def _framework_plan(ref: ImageRef, runtime_base: str | None) -> RuntimePlan:
    """A framework image (NGC, tensorflow/tensorflow): the runtime stage stays on it."""
    return _same_image(
        "framework",
        ref,
        runtime_base,
        f"runtime stage stays on {ref.text}: {_framework(ref)} has no slimmer variant "
        "with the stack the service runs on; the split leaves out what only the build "
        "needs",
        python="python3",
        venv_apt=("python3-venv",),
        system_site_packages=True,
        bins=("/usr/local/bin", "/usr/bin"),
    )


def _micromamba_plan(ref: ImageRef, runtime_base: str | None) -> RuntimePlan:
    """mambaorg/micromamba: already slim; the runtime stage stays on it, as its user."""
    plan = _same_image(
        "micromamba",
        ref,
        runtime_base,
        f"runtime stage stays on {ref.text}: micromamba's image is already a slim "
        "Debian with one binary",
    )
    return dataclasses.replace(plan, image_user=MICROMAMBA_USER)


def _conda_plan(family: Family, ref: ImageRef, runtime_base: str | None) -> RuntimePlan:
    """A conda image: the runtime stage on the Debian release it is built on (the conda
    environment brings its own Python), or on the image itself when the release is not
    known from the name or a runtime base is given."""
    slim = CONDA_REPOSITORIES.get(ref.repository)
    if slim is None or runtime_base is not None:
        return _same_image(
            family,
            ref,
            runtime_base,
            f"runtime stage stays on {ref.text}: its release is not known from the name",
        )
    return RuntimePlan(
        family,
        ref,
        slim,
        notes=(
            _pinned(
                ref,
                slim,
                f"runtime stage on {slim}: the conda environment brings its own Python and "
                f"libraries; {ref.repository} images are built on that release, without "
                "conda itself and its package cache",
            ),
        ),
        runtime_path="/opt/conda/bin",
        system_python_bins=(),
    )


def _from_base_plan(family: Family, base: BasePlan) -> RuntimePlan:
    # the split installs torch as the Dockerfile does: on python:X, no note on its source
    torch_note = base.torch_note if family != "python" else None
    notes = tuple(n for n in (base.runtime_note, torch_note) if n is not None)
    venv_apt = tuple(p for p in base.builder_apt if p.endswith("-venv"))
    bins = ("/usr/local/bin", "/usr/bin") if family == "cuda" else ("/usr/local/bin",)
    if family == "pytorch":
        bins = ("/opt/conda/bin",)
    return RuntimePlan(
        family,
        base.image,
        base.runtime,
        python=base.python,
        system_site_packages=base.system_site_packages,
        venv_apt=venv_apt,
        interpreter_apt=base.runtime_apt,
        notes=notes,
        system_python_bins=bins,
    )


def _apt_plan(ref: ImageRef, runtime_base: str | None, apt_packages: Sequence[str]) -> RuntimePlan:
    named = [n for n in map(package_name, apt_packages) if PYTHON_INTERPRETER.match(n)]
    python = named[0] if named else "python3"
    if runtime_base is not None:
        runtime = runtime_base
        note = Change("JT201", f"runtime stage on {runtime} (--runtime-base)")
    elif ref.repository == "debian" and "slim" not in ref.tag_parts:
        tag = "stable-slim" if ref.tag in ("", "latest") else f"{ref.tag}-slim"
        runtime = f"{ref.name}:{tag}"
        note = _pinned(
            ref, runtime, f"runtime stage on {runtime}: the same release without documentation"
        )
    else:
        runtime = ref.text
        note = Change(
            "restructure",
            f"runtime stage stays on {ref.text} (no slimmer image of it); the split leaves out "
            "what only the build needs",
        )
    return RuntimePlan(
        "apt",
        ref,
        runtime,
        python=f"/usr/bin/{python}",
        venv_apt=(f"{python}-venv",),
        interpreter_apt=(python,),
        notes=(note,),
        system_python_bins=("/usr/local/bin", "/usr/bin"),
    )


def _same_image(
    family: Family,
    ref: ImageRef,
    runtime_base: str | None,
    why: str,
    *,
    python: str = "python",
    venv_apt: tuple[str, ...] = (),
    system_site_packages: bool = False,
    bins: tuple[str, ...] = (),
) -> RuntimePlan:
    runtime = runtime_base or ref.text
    note = Change("restructure", why if runtime_base is None else f"runtime stage on {runtime}")
    return RuntimePlan(
        family,
        ref,
        runtime,
        python=python,
        system_site_packages=system_site_packages,
        venv_apt=venv_apt,
        notes=(note,),
        system_python_bins=bins,
    )


def _pinned(ref: ImageRef, runtime: str, description: str) -> Change:
    """The runtime note, saying so when the base is pinned by digest and the runtime not."""
    code = "JT201"
    if ref.digest is None:
        return Change(code, description)
    return Change(
        code,
        f"{description}; unpinned, where the base is pinned by digest: pin {runtime}@sha256:... "
        "(jettison cannot look its digest up without a registry)",
    )


def _framework(ref: ImageRef) -> str:
    return FRAMEWORK_REPOSITORIES.get(ref.name) or FRAMEWORK_REPOSITORIES.get(
        ref.repository, ref.repository
    )


def interpreter_named(apt_packages: Sequence[str]) -> str | None:
    """The ``python3.N`` an apt install names, if any."""
    named = [n for n in map(package_name, apt_packages) if PYTHON_INTERPRETER.match(n)]
    return named[0] if named else None
