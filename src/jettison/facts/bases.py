"""What a base image ships, read from its name and tag: CUDA, its own torch, the heavy
framework images, and when its distribution or runtime reaches end of life.

Read by lint's base-image and dependency rules, by ``fix`` when it picks a runtime base and
by ``plan`` when it writes shared bases. Everything is decided from the reference alone; no
image is pulled.

End-of-life dates
-----------------
Each date is the last day of free security support as its project publishes it (checked
November 2026); a cycle is end-of-life the day after. Where a project gives only a month,
the last day of that month is used.

- Python: https://devguide.python.org/versions/ (PEPs 373, 478, 494, 537, 569, 596, 619,
  664, 693, 719, 745).
- Debian: the end of Debian LTS, the last security updates the Debian project itself
  publishes (https://wiki.debian.org/LTS); Docker Hub's ``debian`` and ``python:*-<codename>``
  images follow it.
- Ubuntu: the end of standard support (https://ubuntu.com/about/release-cycle); Expanded
  Security Maintenance needs an Ubuntu Pro subscription that public images do not carry.
- Node.js: https://nodejs.org/en/about/previous-releases
- Alpine: https://alpinelinux.org/releases/
- CentOS Linux: https://www.centos.org/centos-linux-eol/
- Amazon Linux: https://aws.amazon.com/amazon-linux-2/faqs/ (AL2),
  https://aws.amazon.com/amazon-linux-ami/faqs/ (AL1), and the AWS Lambda runtime table
  (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html) for which Amazon Linux
  each ``public.ecr.aws/lambda/python`` image is built on.
- CUDA: NVIDIA publishes container images for the two newest CUDA majors only and deletes
  end-of-life tags (https://gitlab.com/nvidia/container-images/cuda/-/blob/master/doc/support-policy.md);
  the driver branches for CUDA 11 reached end of life in July 2024
  (https://docs.nvidia.com/datacenter/tesla/drivers/), and the CUDA 10 images were deleted
  at the end of June 2023 (conda-forge-pinning-feedstock#1708, #7404).
- Framework lines without releases: TensorFlow 1.x (1.15.5, January 2021, was the last),
  PyTorch 1.x (ended by 2.0.0, 2023-03-15), PaddlePaddle 2.x (its security fixes ship in
  3.x only, e.g. PYSEC-2026-1754; 3.0.0 came out in March 2025).
- NVIDIA NGC monthly containers (``nvcr.io/nvidia/*:YY.MM-*``) have no end-of-life date;
  only the newest releases get fixes (https://docs.nvidia.com/ai-enterprise/lifecycle/latest/),
  so a release more than :data:`NGC_SUPPORT_MONTHS` old is reported as likely unpatched,
  never as certain.

What a tag does not say is sometimes known from when it was built: a ``python:X.Y.Z`` tag
without a codename was last built when X.Y.(Z+1) came out, on the Debian that was
Docker's default then (bookworm from June 2023: :data:`PYTHON_FIRST_BOOKWORM_PATCH`), and
``mambaorg/micromamba`` version tags follow that project's change log.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from jettison.imageref import ImageRef

# -- CUDA --------------------------------------------------------------------------------------

NVIDIA_CUDA = frozenset({"nvidia/cuda", "nvcr.io/nvidia/cuda"})
"""NVIDIA's CUDA images (``base``, ``runtime`` and ``devel`` flavours)."""
NVIDIA_CUDAGL = frozenset({"nvidia/cudagl", "nvcr.io/nvidia/cudagl"})
"""NVIDIA's CUDA images with OpenGL (discontinued; same flavours)."""
PYTORCH = "pytorch/pytorch"
"""PyTorch's images: conda's Python at ``/opt/conda`` with torch and its CUDA libraries."""
_CUDA_REPOSITORIES = re.compile(
    r"^(?:nvcr\.io/)?nvidia/(?:cuda|cudagl)$|^nvcr\.io/nvidia/|^rapidsai/",
)
_GPU_TAG = re.compile(r"(?:^|[-_.])(?:cuda|cu\d{2,3}|gpu|cudnn\d*)(?:[-_.\d]|$)")


def is_cuda_base(ref: ImageRef) -> bool:
    """Whether the image brings CUDA libraries (NVIDIA's images, GPU-tagged framework
    images such as ``pytorch/pytorch:*-cuda12.1-*`` or ``tensorflow/tensorflow:*-gpu``)."""
    if _CUDA_REPOSITORIES.search(ref.name):
        return True
    if ref.name == PYTORCH:
        return not ref.tag.lower().endswith("cpu")  # every published tag but CPU ones has CUDA
    if ref.name.startswith("huggingface/") and "gpu" in ref.name:
        return True
    return _GPU_TAG.search(ref.tag.lower()) is not None


_CUDA_FLAVOUR = re.compile(r"(?:^|-)(base|runtime|devel)(?:-|$)")
_CUDA_VERSION = re.compile(r"^(\d+)\.\d+")


def cuda_libraries(ref: ImageRef) -> str | None:
    """What CUDA user-space libraries (beyond the driver shim and cudart) the image ships,
    for messages, or None: NVIDIA's ``-runtime``/``-devel``/cuDNN images (not ``-base``,
    which holds cudart and the compat libraries only), NGC's containers, TensorFlow's GPU
    images and RAPIDS. A PyPI CUDA wheel (torch's nvidia-* dependencies, cupy-cuda) brings
    a second copy of these."""
    tag = ref.tag.lower()
    if ref.name in NVIDIA_CUDA or ref.name in NVIDIA_CUDAGL:
        flavour = _CUDA_FLAVOUR.search(tag)
        if flavour is None or flavour.group(1) == "base":
            return None
        what = "cuBLAS, cuFFT, cuSPARSE, NCCL" + (", cuDNN" if "cudnn" in tag else "")
        return f"CUDA's {flavour.group(1)} libraries ({what})"
    if ref.name.startswith("nvcr.io/nvidia/"):
        return "NGC's CUDA stack (CUDA libraries, cuDNN, NCCL)"
    if ref.name == "tensorflow/tensorflow" and "gpu" in tag:
        return "the CUDA and cuDNN libraries TensorFlow's GPU image installs"
    if ref.name.startswith("rapidsai/"):
        return "the CUDA libraries of the RAPIDS image"
    return None


# -- torch and the framework images ------------------------------------------------------------

_TAG_VERSION = re.compile(r"^(\d+\.\d+(?:\.\d+)?)(?:-|$)")


def base_torch(ref: ImageRef) -> tuple[bool, Version | None]:
    """(the image ships torch, its version when the tag tells): ``pytorch/pytorch:2.1.0-...``
    ships 2.1.0; NGC's PyTorch and Hugging Face's PyTorch images ship one of unknown
    version."""
    if ref.name == PYTORCH:
        match = _TAG_VERSION.match(ref.tag)
        try:
            return True, Version(match.group(1)) if match else None
        except InvalidVersion:
            return True, None
    if ref.name == "nvcr.io/nvidia/pytorch" or ref.name.startswith(
        "huggingface/transformers-pytorch"
    ):
        return True, None
    return False, None


TENSORFLOW_NAMES = frozenset(
    {"tensorflow", "tensorflow-gpu", "tensorflow-cpu", "tensorflow-intel", "tf-nightly"}
)
"""Distributions that install the ``tensorflow`` module."""


def base_tensorflow(ref: ImageRef) -> tuple[str, Version | None] | None:
    """(the distribution, its version when the tag tells) of the TensorFlow an image ships,
    or None: ``tensorflow/tensorflow:1.13.1-gpu-py3`` ships tensorflow-gpu 1.13.1 (before
    2.1 the GPU build was a distribution of its own), ``:2.15.0`` tensorflow 2.15.0; NGC's
    TensorFlow containers ship one of unknown version."""
    if ref.name == "tensorflow/tensorflow":
        match = _TAG_VERSION.match(ref.tag)
        try:
            version = Version(match.group(1)) if match else None
        except InvalidVersion:
            version = None
        gpu = "gpu" in ref.tag.lower()
        old_gpu = gpu and version is not None and version < Version("2.1")
        return ("tensorflow-gpu" if old_gpu else "tensorflow"), version
    if ref.name == "nvcr.io/nvidia/tensorflow":
        return "tensorflow", None
    return None


@dataclass(frozen=True, slots=True)
class FrameworkImage:
    """What a heavy framework image is, and what a service must use to need it."""

    what: str
    full: bool
    """A whole development environment (compilers, notebooks, every extra), not a runtime:
    a service that needs a few packages gets them on a slim base."""
    uses: frozenset[str] = frozenset()
    """The distributions the image exists to provide (canonical names)."""
    certain: bool = True
    """False when a reviewer could reasonably keep the image (reported at ``info``)."""


FRAMEWORK_IMAGES: tuple[tuple[re.Pattern[str], re.Pattern[str], FrameworkImage], ...] = (
    (
        re.compile(r"^nvcr\.io/nvidia/pytorch$"),
        re.compile(""),
        FrameworkImage("NGC's PyTorch container", True, frozenset({"torch"})),
    ),
    (
        re.compile(r"^nvcr\.io/nvidia/tensorflow$"),
        re.compile(""),
        FrameworkImage("NGC's TensorFlow container", True, frozenset({"tensorflow"})),
    ),
    (
        re.compile(r"^nvcr\.io/nvidia/nemo$"),
        re.compile(""),
        FrameworkImage("NGC's NeMo container", True, frozenset({"nemo-toolkit"})),
    ),
    (
        re.compile(r"^nvcr\.io/nvidia/tritonserver$"),
        re.compile(r"sdk"),
        FrameworkImage("the Triton SDK image (clients, perf tools, examples)", True),
    ),
    (
        re.compile(r"^nvcr\.io/nvidia/tritonserver$"),
        re.compile(r"(?:^|-)min(?:-|$)"),
        FrameworkImage(
            "the Triton build base (the CUDA toolkit and Triton's build dependencies)",
            True,
            certain=False,
        ),
    ),
    (
        re.compile(r"^pytorch/pytorch$"),
        re.compile(""),
        FrameworkImage("the PyTorch image (conda, CUDA, cuDNN)", False, frozenset({"torch"})),
    ),
    (
        re.compile(r"^tensorflow/tensorflow$"),
        re.compile(r"jupyter"),
        FrameworkImage("TensorFlow's Jupyter image", True, frozenset({"tensorflow"})),
    ),
    (
        re.compile(r"^tensorflow/tensorflow$"),
        re.compile(r"gpu"),
        FrameworkImage(
            "TensorFlow's GPU image", False, frozenset({"tensorflow", "tensorflow-gpu"})
        ),
    ),
    (
        re.compile(r"^huggingface/transformers-"),
        re.compile(""),
        FrameworkImage("a Hugging Face CI image", True, frozenset({"transformers"})),
    ),
    (
        re.compile(r"^(?:quay\.io/)?jupyter/"),
        re.compile(""),
        FrameworkImage("a Jupyter notebook stack", True, frozenset({"jupyterlab", "notebook"})),
    ),
    (
        re.compile(r"^continuumio/anaconda\d*$"),
        re.compile(""),
        FrameworkImage("the full Anaconda distribution", True),
    ),
    (
        re.compile(r"^ultralytics/ultralytics$"),
        re.compile(""),
        FrameworkImage(
            "the Ultralytics image (a checkout of the repository with its development and "
            "export extras, compilers and notebook tools)",
            True,
            frozenset({"ultralytics"}),
        ),
    ),
    (
        re.compile(r"^(?:registry\.baidubce\.com/)?paddlepaddle/paddle$"),
        re.compile(""),
        FrameworkImage(
            "a PaddlePaddle development image (compilers, build tools and several Pythons)",
            True,
            frozenset({"paddlepaddle", "paddlepaddle-gpu"}),
        ),
    ),
)
"""(repository, tag, what it is) of the multi-GB framework images. Sources: the images'
own Dockerfiles (NGC support matrix, github.com/ultralytics/ultralytics/tree/main/docker,
github.com/PaddlePaddle/Paddle/tree/develop/tools/dockerfile, pytorch/pytorch's
Dockerfile, tensorflow/tools/dockerfiles)."""


def framework_image(ref: ImageRef) -> FrameworkImage | None:
    """What the heavy image is, when ``ref`` names one."""
    for name, tag, found in FRAMEWORK_IMAGES:
        if name.search(ref.name) and tag.search(ref.tag.lower()):
            return found
    return None


# -- toolchains ---------------------------------------------------------------------------------

_TOOLCHAIN_IMAGES = (
    (re.compile(r"^python$"), re.compile(r"^(?!.*(?:slim|alpine|windowsservercore|nanoserver))")),
    (re.compile(r"^buildpack-deps$"), re.compile(r"^(?!.*(?:curl|scm))")),
    (re.compile(r"^pytorch/pytorch$"), re.compile(r"(?:^|-)devel(?:-|$)")),
    (re.compile(r"^nvcr\.io/nvidia/pytorch$"), re.compile("")),
    (re.compile(r"^(?:quay\.io/sclorg|registry\.access\.redhat\.com/ubi\d+)/python-\d+"),
     re.compile("")),
)  # fmt: skip
"""(repository, tag) of images that ship a C compiler toolchain and ``-dev`` headers: the
full ``python:X`` (built on ``buildpack-deps``), PyTorch's ``-devel`` images, NGC's PyTorch
and the source-to-image Python images of sclorg/UBI."""


def ships_toolchain(ref: ImageRef) -> bool:
    """The image already has gcc, make and development headers."""
    return any(
        name.search(ref.name) and tag.search(ref.tag.lower()) for name, tag in _TOOLCHAIN_IMAGES
    )


# -- end of life -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cycle:
    product: str
    """Display name: ``Python``, ``Debian``..."""
    cycle: str
    """``3.9``, ``10 (buster)``..."""
    end: dt.date
    """Last day of security support."""
    source: str
    firm: bool = True
    """False when the end is a judgement rather than a published date (NGC releases)."""
    reason: str | None = None
    """What ended, when the plain "reached end of life on" would mislead."""

    def describe(self) -> str:
        """``Python 3.9 reached end of life on 2025-10-31 (https://...)``."""
        if self.reason is not None:
            return f"{self.reason} ({self.source})"
        ended = self.end.isoformat()
        return f"{self.product} {self.cycle} reached end of life on {ended} ({self.source})"


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


_PYTHON = "https://devguide.python.org/versions/"
_DEBIAN = "https://wiki.debian.org/LTS"
_UBUNTU = "https://ubuntu.com/about/release-cycle"
_NODE = "https://nodejs.org/en/about/previous-releases"
_ALPINE = "https://alpinelinux.org/releases/"
_CENTOS = "https://www.centos.org/centos-linux-eol/"
_AMAZON = "https://aws.amazon.com/amazon-linux-2/faqs/"
_LAMBDA = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html"
_CUDA = "https://gitlab.com/nvidia/container-images/cuda/-/blob/master/doc/support-policy.md"
_NGC = "https://docs.nvidia.com/ai-enterprise/lifecycle/latest/"
_TENSORFLOW = "https://github.com/tensorflow/tensorflow/releases/tag/v1.15.5"
_PYTORCH = "https://github.com/pytorch/pytorch/releases/tag/v2.0.0"
_PADDLE = "https://github.com/PaddlePaddle/Paddle/releases"
_MICROMAMBA = "https://github.com/mamba-org/micromamba-docker/blob/main/CHANGELOG.md"
_DOCKER_PYTHON = "https://github.com/docker-library/python"
_TENSORFLOW_DOCKERFILES = (
    "https://github.com/tensorflow/tensorflow/tree/r1.15/tensorflow/tools/dockerfiles"
)

PYTHON = {
    "2.6": _d("2013-10-29"),
    "2.7": _d("2020-01-01"),
    "3.0": _d("2009-06-27"),
    "3.1": _d("2012-04-09"),
    "3.2": _d("2016-02-20"),
    "3.3": _d("2017-09-29"),
    "3.4": _d("2019-03-18"),
    "3.5": _d("2020-09-30"),
    "3.6": _d("2021-12-23"),
    "3.7": _d("2023-06-27"),
    "3.8": _d("2024-10-07"),
    "3.9": _d("2025-10-31"),
    "3.10": _d("2026-10-31"),
    "3.11": _d("2027-10-31"),
    "3.12": _d("2028-10-31"),
    "3.13": _d("2029-10-31"),
    "3.14": _d("2030-10-31"),
}
DEBIAN = {  # codename -> (version, end of LTS)
    "wheezy": ("7", _d("2018-05-31")),
    "jessie": ("8", _d("2020-06-30")),
    "stretch": ("9", _d("2022-06-30")),
    "buster": ("10", _d("2024-06-30")),
    "bullseye": ("11", _d("2026-08-31")),
    "bookworm": ("12", _d("2028-06-30")),
    "trixie": ("13", _d("2030-06-30")),
}
UBUNTU = {  # version -> (codename, end of standard support)
    "14.04": ("trusty", _d("2019-04-30")),
    "16.04": ("xenial", _d("2021-04-30")),
    "18.04": ("bionic", _d("2023-05-31")),
    "20.04": ("focal", _d("2025-05-31")),
    "22.04": ("jammy", _d("2027-06-30")),
    "24.04": ("noble", _d("2029-06-30")),
}
DISTRO_PYTHON = {
    ("Debian", "9"): "3.5",
    ("Debian", "10"): "3.7",
    ("Debian", "11"): "3.9",
    ("Debian", "12"): "3.11",
    ("Debian", "13"): "3.13",
    ("Ubuntu", "16.04"): "3.5",
    ("Ubuntu", "18.04"): "3.6",
    ("Ubuntu", "20.04"): "3.8",
    ("Ubuntu", "22.04"): "3.10",
    ("Ubuntu", "24.04"): "3.12",
}
"""The ``python3`` each release ships (packages.debian.org, packages.ubuntu.com): the
distribution patches it for as long as the release is supported."""
NODE = {
    "10": _d("2021-04-30"),
    "12": _d("2022-04-30"),
    "14": _d("2023-04-30"),
    "16": _d("2023-09-11"),
    "17": _d("2022-06-01"),
    "18": _d("2025-04-30"),
    "19": _d("2023-06-01"),
    "20": _d("2026-04-30"),
    "21": _d("2024-06-01"),
    "22": _d("2027-04-30"),
    "23": _d("2025-06-01"),
    "24": _d("2028-04-30"),
}
ALPINE = {
    "3.12": _d("2022-05-01"),
    "3.13": _d("2022-11-01"),
    "3.14": _d("2023-05-01"),
    "3.15": _d("2023-11-01"),
    "3.16": _d("2024-05-23"),
    "3.17": _d("2024-11-22"),
    "3.18": _d("2025-05-09"),
    "3.19": _d("2025-11-01"),
    "3.20": _d("2026-04-01"),
    "3.21": _d("2026-11-01"),
    "3.22": _d("2027-05-01"),
}
CENTOS = {
    "6": _d("2020-11-30"),
    "7": _d("2024-06-30"),
    "8": _d("2021-12-31"),
}
AMAZON_LINUX = {
    "1": _d("2023-12-31"),  # Amazon Linux AMI 2018.03
    "2": _d("2026-06-30"),
    "2023": _d("2029-06-30"),
}
LAMBDA_PYTHON_AL2 = frozenset({"3.7", "3.8", "3.9", "3.10", "3.11"})
"""The ``public.ecr.aws/lambda/python`` tags built on Amazon Linux 2 (3.12 and later are
on Amazon Linux 2023)."""
CUDA = {
    "10": _d("2023-06-30"),
    "11": _d("2024-07-31"),
    "12": _d("2099-12-31"),  # supported while it is one of the two newest majors
    "13": _d("2099-12-31"),
}
"""CUDA major -> the end of its container images' support (older majors ended earlier)."""
FRAMEWORK_LINES: tuple[tuple[frozenset[str], str, int, dt.date, str], ...] = (
    (frozenset({"tensorflow/tensorflow"}), "TensorFlow", 1, _d("2021-01-06"), _TENSORFLOW),
    (frozenset({"pytorch/pytorch"}), "PyTorch", 1, _d("2023-03-15"), _PYTORCH),
    (
        frozenset({"paddlepaddle/paddle", "registry.baidubce.com/paddlepaddle/paddle"}),
        "PaddlePaddle",
        2,
        _d("2025-03-31"),
        _PADDLE,
    ),
)
"""(images, framework, last ended major, end, source): a framework line that gets no
releases any more, read from the image's version tag (this major and older)."""
NGC_SUPPORT_MONTHS = 12
"""How old an NGC monthly release may be before it is reported as likely unpatched."""
PYTHON_FIRST_BOOKWORM_PATCH = {"3.7": 17, "3.8": 17, "3.9": 17, "3.10": 12, "3.11": 4}
"""The first patch release of each Python minor whose ``python:X.Y.Z`` tag was built on
Debian 12 (bookworm); the earlier tags stayed on bullseye or older. Minors from 3.12 on
were bookworm or newer from the start, 3.6 and older never were."""
PYTHON_LAST_PATCH = {"3.5": 10, "3.6": 15, "3.7": 17, "3.8": 20}
"""The last release of an ended minor, which its ``python:X.Y`` tag names for good."""
TENSORFLOW_1_UBUNTU = ("18.04 (bionic) or older", _d("2023-05-31"))
"""``tensorflow/tensorflow:1.*`` images are built on Ubuntu 16.04 (1.x up to 1.14) or
18.04."""
MICROMAMBA_DEBIAN = ((Version("0.16.0"), "buster"), (Version("1.5.0"), "bullseye"))
"""``mambaorg/micromamba:X.Y.Z`` (no variant suffix): Debian buster-slim before 0.16.0,
bullseye-slim before 1.5.0 (the change log's 18 September 2021 and 24 August 2023
entries), bookworm-slim after."""
MICROMAMBA_NONROOT_SINCE = Version("0.15.0")
"""The first micromamba release after the image's user became ``micromamba`` (later
``mambauser``): change log, 30 June 2021."""

_MINOR = re.compile(r"^(\d+)\.(\d+)")
_MAJOR = re.compile(r"^(\d+)(?:\.|$)")


def _version_key(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split("."))


def _lookup(table: dict[str, dt.date], version: str) -> dt.date | None:
    """The end of ``version``; cycles older than the table's oldest count as ended then."""
    if version in table:
        return table[version]
    oldest = min(table, key=_version_key)
    if _version_key(version) < _version_key(oldest):
        return table[oldest]
    return None


def cycles_of(ref: ImageRef) -> list[Cycle]:
    """The dated cycles ``ref``'s name and tag reveal (``python:3.9-slim-buster``: Python 3.9
    and Debian 10), in a fixed order: runtime first, then the distribution."""
    out: list[Cycle] = []
    parts = ref.tag_parts
    first = parts[0] if parts else ""
    version = _tagged_python(ref)
    end = _lookup(PYTHON, version) if version is not None else None
    if version is not None and end is not None:
        out.append(Cycle("Python", version, end, _PYTHON))
    if ref.name == "node":
        match = _MAJOR.match(first)
        if match:
            end = _lookup(NODE, match.group(1))
            if end is not None:
                out.append(Cycle("Node.js", match.group(1), end, _NODE))
    out.extend(_lambda_python(ref))
    out.extend(_framework_line(ref))
    out.extend(_cuda(ref))
    out.extend(_ngc(ref))
    out.extend(_debian(ref) or _implied_debian(ref))
    out.extend(_ubuntu(ref) or _implied_ubuntu(ref))
    out.extend(_alpine(ref))
    out.extend(_centos(ref))
    out.extend(_amazon_linux(ref))
    return out


_PYTHON_PART = re.compile(r"^(?:python|py)-?(\d)\.?(\d{1,2})$")
"""A tag part naming the image's Python: ``python3.8``, ``py38``, ``py3.10``, ``python-3.9``."""


def _tagged_python(ref: ImageRef) -> str | None:
    """The Python a tag says the image runs: ``python:3.9-slim``, and any image tagged
    ``python3.8``/``py38`` (``tiangolo/uvicorn-gunicorn-fastapi:python3.8``,
    ``rayproject/ray:2.9.0-py38``). Lambda's Python images are read on their own."""
    if ref.name in {"public.ecr.aws/lambda/python", "amazon/aws-lambda-python"}:
        return None
    parts = ref.tag_parts
    if ref.name == "python":
        match = _MINOR.match(parts[0]) if parts else None
        return f"{match.group(1)}.{match.group(2)}" if match else None
    joined = [f"{a}-{b}" for a, b in itertools.pairwise(parts) if a == "python"]
    for part in (*parts, *joined):
        match = _PYTHON_PART.match(part)
        if match and match.group(1) in {"2", "3"}:
            return f"{match.group(1)}.{match.group(2)}"
    return None


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _lambda_python(ref: ImageRef) -> list[Cycle]:
    """AWS Lambda's Python images: their Python, and Amazon Linux 2 under 3.7-3.11."""
    if ref.name not in {"public.ecr.aws/lambda/python", "amazon/aws-lambda-python"}:
        return []
    match = _MINOR.match(ref.tag_parts[0]) if ref.tag_parts else None
    if match is None:
        return []
    version = f"{match.group(1)}.{match.group(2)}"
    out = []
    end = _lookup(PYTHON, version)
    if end is not None:
        out.append(Cycle("Python", version, end, _PYTHON))
    if version in LAMBDA_PYTHON_AL2:
        end = AMAZON_LINUX["2"]
        reason = (
            f"Lambda's Python {version} image is built on Amazon Linux 2, whose support ended "
            f"on {end.isoformat()}"
        )
        out.append(Cycle("Amazon Linux", "2", end, _LAMBDA, reason=reason))
    return out


def _framework_line(ref: ImageRef) -> list[Cycle]:
    for names, framework, last_major, end, source in FRAMEWORK_LINES:
        if ref.name not in names or not ref.tag_parts:
            continue
        match = _MAJOR.match(ref.tag_parts[0])
        if match and int(match.group(1)) <= last_major:
            line = f"{match.group(1)}.x"
            return [Cycle(framework, line, end, source)]
    return []


_CUDA_PART = re.compile(r"^(?:cuda-?(\d+)(?:\.\d+)*|cu(1\d|[7-9])\d)$")


def cuda_major(ref: ImageRef) -> str | None:
    """The CUDA major a tag names: ``nvidia/cuda:11.8.0-...``, ``...-cuda11.6-...``,
    ``...-cu118``; None when the tag does not say."""
    if ref.name in NVIDIA_CUDA | NVIDIA_CUDAGL and ref.tag_parts:
        match = _MAJOR.match(ref.tag_parts[0])
        return match.group(1) if match else None
    for part in ref.tag.lower().replace("_", "-").split("-"):
        match = _CUDA_PART.match(part)
        if match:
            return match.group(1) or match.group(2)
    return None


def _cuda(ref: ImageRef) -> list[Cycle]:
    major = cuda_major(ref)
    end = _lookup(CUDA, major) if major is not None else None
    if major is None or end is None:
        return []
    return [Cycle("CUDA", major, end, _CUDA)]


_NGC_RELEASE = re.compile(r"^(\d{2})\.(\d{2})$")


def _ngc(ref: ImageRef) -> list[Cycle]:
    """An NGC monthly release (``nvcr.io/nvidia/pytorch:24.02-py3``), reported as likely
    unpatched once it is :data:`NGC_SUPPORT_MONTHS` old."""
    if not ref.name.startswith("nvcr.io/nvidia/") or ref.name in NVIDIA_CUDA:
        return []
    match = _NGC_RELEASE.match(ref.tag_parts[0]) if ref.tag_parts else None
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return []
    year, month = 2000 + int(match.group(1)), int(match.group(2))
    months = month + NGC_SUPPORT_MONTHS
    end = dt.date(year + (months - 1) // 12, (months - 1) % 12 + 1, 1) - dt.timedelta(days=1)
    release = f"{match.group(1)}.{match.group(2)}"
    reason = (
        f"NGC release {release} is more than {NGC_SUPPORT_MONTHS} months old: NVIDIA ships "
        "fixes only in newer monthly releases"
    )
    return [Cycle("NGC", release, end, _NGC, firm=False, reason=reason)]


def _implied_debian(ref: ImageRef) -> list[Cycle]:
    """The Debian a tag without a codename was built on, where its version tells:
    ``python:3.11.1`` (bullseye or older), ``mambaorg/micromamba:0.17.0`` (bullseye)."""
    if not ref.tag_parts or any(p.startswith(_NOT_DEBIAN) for p in ref.tag_parts):
        return []
    first = ref.tag_parts[0]
    if ref.name == "python":
        return _python_debian(ref.tag, first)
    if (
        ref.name in {"mambaorg/micromamba", "ghcr.io/mamba-org/micromamba"}
        and len(ref.tag_parts) == 1
    ):
        version = _version(first)
        if version is None:
            return []
        codename = next((c for v, c in MICROMAMBA_DEBIAN if version < v), None)
        if codename is None:
            return []
        number, end = DEBIAN[codename]
        reason = (
            f"micromamba {first} images are built on Debian {number} ({codename}), whose "
            f"support ended on {end.isoformat()}"
        )
        return [Cycle("Debian", f"{number} ({codename})", end, _MICROMAMBA, reason=reason)]
    return []


_NOT_DEBIAN = ("alpine", "windowsservercore", "nanoserver")
_PATCH = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")


def _python_debian(tag: str, first: str) -> list[Cycle]:
    match = _PATCH.match(first)
    if match is None:
        return []
    minor = f"{match.group(1)}.{match.group(2)}"
    patch = int(match.group(3)) if match.group(3) else PYTHON_LAST_PATCH.get(minor)
    if _version_key(minor) >= (3, 12) or patch is None:
        return []  # bookworm or newer, or a tag that still moves
    first_bookworm = PYTHON_FIRST_BOOKWORM_PATCH.get(minor)
    if first_bookworm is not None and patch >= first_bookworm:
        return []
    if _version_key(minor) < (3, 5):
        return []  # older than the table: its Python is the finding
    _, end = DEBIAN["bullseye"]
    reason = (
        f"python:{tag} was last built on Debian 11 (bullseye) or older, whose support ended "
        f"on {end.isoformat()}"
    )
    return [Cycle("Debian", "11 (bullseye) or older", end, _DOCKER_PYTHON, reason=reason)]


def _implied_ubuntu(ref: ImageRef) -> list[Cycle]:
    if ref.name != "tensorflow/tensorflow" or not ref.tag_parts:
        return []
    match = _MAJOR.match(ref.tag_parts[0])
    if match is None or match.group(1) != "1":
        return []
    cycle, end = TENSORFLOW_1_UBUNTU
    reason = (
        f"TensorFlow 1.x images are built on Ubuntu {cycle}, whose standard support ended "
        f"on {end.isoformat()}"
    )
    return [Cycle("Ubuntu", cycle, end, _TENSORFLOW_DOCKERFILES, reason=reason)]


def _amazon_linux(ref: ImageRef) -> list[Cycle]:
    if ref.name not in {"amazonlinux", "public.ecr.aws/amazonlinux/amazonlinux"}:
        return []
    first = ref.tag_parts[0] if ref.tag_parts else ""
    release = "1" if first.startswith("2018.03") or first == "1" else first.split(".")[0]
    end = AMAZON_LINUX.get(release)
    return [Cycle("Amazon Linux", release, end, _AMAZON)] if end is not None else []


def _debian(ref: ImageRef) -> list[Cycle]:
    codename = next((p for p in ref.tag_parts if p in DEBIAN), None)
    if codename is None and ref.name == "debian" and ref.tag_parts:
        match = _MAJOR.match(ref.tag_parts[0])
        number = match.group(1) if match else None
        codename = next((c for c, (v, _) in DEBIAN.items() if v == number), None)
    if codename is None:
        return []
    version, end = DEBIAN[codename]
    return [Cycle("Debian", f"{version} ({codename})", end, _DEBIAN)]


def _ubuntu(ref: ImageRef) -> list[Cycle]:
    version: str | None = None
    for part in ref.tag_parts:
        if part.startswith("ubuntu") and part[6:] in UBUNTU:
            version = part[6:]
        for number, (codename, _) in UBUNTU.items():
            if part == codename:
                version = number
    if version is None and ref.name == "ubuntu" and ref.tag_parts:
        match = _MINOR.match(ref.tag_parts[0])
        if match and f"{match.group(1)}.{match.group(2)}" in UBUNTU:
            version = f"{match.group(1)}.{match.group(2)}"
    if version is None:
        return []
    codename, end = UBUNTU[version]
    return [Cycle("Ubuntu", f"{version} ({codename})", end, _UBUNTU)]


def _alpine(ref: ImageRef) -> list[Cycle]:
    version: str | None = None
    for part in ref.tag_parts:
        match = _MINOR.match(part[6:]) if part.startswith("alpine") else None
        if match:
            version = f"{match.group(1)}.{match.group(2)}"
    if version is None and ref.name == "alpine" and ref.tag_parts:
        match = _MINOR.match(ref.tag_parts[0])
        if match:
            version = f"{match.group(1)}.{match.group(2)}"
    end = _lookup(ALPINE, version) if version is not None else None
    if version is None or end is None:
        return []
    return [Cycle("Alpine", version, end, _ALPINE)]


def _centos(ref: ImageRef) -> list[Cycle]:
    if ref.name not in {"centos", "quay.io/centos/centos"}:
        return []
    match = _MAJOR.match(ref.tag_parts[0].removeprefix("centos")) if ref.tag_parts else None
    if not match or match.group(1) not in CENTOS:
        return []
    return [Cycle("CentOS Linux", match.group(1), CENTOS[match.group(1)], _CENTOS)]


def oldest_supported(table: dict[str, dt.date], today: dt.date) -> str | None:
    """The oldest cycle still supported on ``today`` (the smallest upgrade), if any."""
    alive = [v for v, end in table.items() if end >= today]
    return min(alive, key=_version_key) if alive else None


def distro_release(ref: ImageRef) -> tuple[str, str] | None:
    """(``Debian``/``Ubuntu``, version) of the distribution a tag names or implies."""
    for cycle in (*_debian(ref), *_ubuntu(ref)):
        version = cycle.cycle.split(" ", 1)[0]
        return cycle.product, version
    return None


def distro_python(ref: ImageRef) -> str | None:
    """The ``X.Y`` of the distribution's own ``python3`` under ``ref``, when known."""
    release = distro_release(ref)
    return DISTRO_PYTHON.get(release) if release is not None else None


# -- the user a base runs as -------------------------------------------------------------------

NONROOT_BASES: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(r"^(?:quay\.io/)?jupyter/"),
        "Jupyter Docker Stacks run as jovyan (uid 1000)",
        "https://jupyter-docker-stacks.readthedocs.io/en/latest/using/common.html",
    ),
    (
        re.compile(r"^(?:docker\.io/)?(?:bitnami|bitnamilegacy)/(?!minideb$)"),
        "Bitnami's application images run as uid 1001",
        "https://docs.bitnami.com/tutorials/work-with-non-root-containers",
    ),
    (
        re.compile(r"^(?:public\.ecr\.aws/lambda/|amazon/aws-lambda-)"),
        "AWS Lambda runs the handler of its base images as an unprivileged user",
        "https://docs.aws.amazon.com/lambda/latest/dg/images-create.html",
    ),
    (
        re.compile(
            r"^quay\.io/sclorg/|^registry\.(?:access\.)?redhat\.(?:io|com)/ubi\d+/"
            r"(?:python|nodejs|ruby|php|perl)-"
        ),
        "the Software Collections (s2i) images run as uid 1001",
        "https://github.com/sclorg/s2i-python-container",
    ),
    (
        re.compile(r"^(?:nginxinc/nginx-unprivileged|apache/airflow)$"),
        "the image sets an unprivileged USER (nginx, airflow)",
        "https://hub.docker.com/r/nginxinc/nginx-unprivileged",
    ),
)
"""(repository, what, source) of the image families that set a non-root ``USER``."""


def nonroot_base(ref: ImageRef) -> str | None:
    """Why ``ref`` is known to run as a non-root user (with its source), None when it is
    not known to (most images run as root)."""
    if ref.name.startswith("gcr.io/distroless/"):
        if "nonroot" in ref.tag_parts:
            return "distroless :nonroot images run as uid 65532 (https://github.com/GoogleContainerTools/distroless)"
        return None
    if ref.name.startswith("cgr.dev/chainguard/"):
        if "dev" in ref.tag_parts:
            return None
        return "Chainguard images run as nonroot (https://edu.chainguard.dev/chainguard/chainguard-images/overview/)"
    if ref.name in {"mambaorg/micromamba", "ghcr.io/mamba-org/micromamba"}:
        version = _version(ref.tag_parts[0]) if ref.tag_parts else None
        if version is not None and version < MICROMAMBA_NONROOT_SINCE:
            return None
        return f"micromamba images run as mambauser since 0.15.0 ({_MICROMAMBA})"
    for pattern, what, source in NONROOT_BASES:
        if pattern.search(ref.name):
            return f"{what} ({source})"
    return None
