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
"""

from __future__ import annotations

import datetime as dt
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


def cuda_major(ref: ImageRef) -> int | None:
    """The CUDA major version of an NVIDIA CUDA image (``nvidia/cuda:12.4.1-...``: 12)."""
    if ref.name not in NVIDIA_CUDA and ref.name not in NVIDIA_CUDAGL:
        return None
    match = _CUDA_VERSION.match(ref.tag)
    return int(match.group(1)) if match else None


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


FRAMEWORK_IMAGES: tuple[tuple[re.Pattern[str], re.Pattern[str], str], ...] = (
    (re.compile(r"^nvcr\.io/nvidia/pytorch$"), re.compile(""), "NGC's PyTorch container"),
    (re.compile(r"^nvcr\.io/nvidia/tensorflow$"), re.compile(""), "NGC's TensorFlow container"),
    (re.compile(r"^nvcr\.io/nvidia/nemo$"), re.compile(""), "NGC's NeMo container"),
    (
        re.compile(r"^nvcr\.io/nvidia/tritonserver$"),
        re.compile(r"sdk"),
        "the Triton SDK image (clients, perf tools, examples)",
    ),
    (re.compile(r"^pytorch/pytorch$"), re.compile(""), "the PyTorch image (conda, CUDA, cuDNN)"),
    (
        re.compile(r"^tensorflow/tensorflow$"),
        re.compile(r"gpu|jupyter"),
        "TensorFlow's GPU/Jupyter image",
    ),
    (re.compile(r"^huggingface/transformers-"), re.compile(""), "a Hugging Face CI image"),
    (
        re.compile(r"^(?:quay\.io/)?jupyter/|^jupyter/"),
        re.compile(""),
        "a Jupyter notebook stack",
    ),
    (re.compile(r"^continuumio/anaconda\d*$"), re.compile(""), "the full Anaconda distribution"),
)
"""(repository, tag, what it is) of the multi-GB framework images: a whole development
environment (conda or hundreds of packages, CUDA, compilers, often notebooks)."""


def framework_image(ref: ImageRef) -> str | None:
    """What the heavy image is, when ``ref`` names one."""
    for name, tag, what in FRAMEWORK_IMAGES:
        if name.search(ref.name) and tag.search(ref.tag.lower()):
            return what
    return None


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


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


_PYTHON = "https://devguide.python.org/versions/"
_DEBIAN = "https://wiki.debian.org/LTS"
_UBUNTU = "https://ubuntu.com/about/release-cycle"
_NODE = "https://nodejs.org/en/about/previous-releases"
_ALPINE = "https://alpinelinux.org/releases/"
_CENTOS = "https://www.centos.org/centos-linux-eol/"

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
    if ref.name == "python":
        match = _MINOR.match(first)
        if match:
            version = f"{match.group(1)}.{match.group(2)}"
            end = _lookup(PYTHON, version)
            if end is not None:
                out.append(Cycle("Python", version, end, _PYTHON))
    if ref.name == "node":
        match = _MAJOR.match(first)
        if match:
            end = _lookup(NODE, match.group(1))
            if end is not None:
                out.append(Cycle("Node.js", match.group(1), end, _NODE))
    out.extend(_debian(ref))
    out.extend(_ubuntu(ref))
    out.extend(_alpine(ref))
    out.extend(_centos(ref))
    return out


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
