"""CUDA/NVIDIA library families over the final files, whoever owns them.

A file belongs to at most one family, decided in this order:

1. its owner is a Python distribution of a family: NVIDIA's wheels ``nvidia-NAME-cuNN``
   (``nvidia-cublas-cu12`` -> ``cublas``, ``nvidia-cuda-runtime-cu12`` -> ``cuda-runtime``;
   the unsuffixed names of newer releases too) take every file of the wheel, headers and
   metadata included; ``triton`` -> ``triton``, ``tensorrt*`` -> ``tensorrt``;
2. else its file name is a CUDA library (``libcudnn_ops.so.9`` -> ``cudnn``), wherever it
   lies: Debian packages, ``/usr/local/cuda``, conda, libraries bundled in torch's wheel;
   PyTorch's own CUDA code (``libtorch_cuda*.so``, ``libc10_cuda.so``) is ``torch-cuda``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from jettison.inspect.report import CudaFamilyBytes

_WHEEL = re.compile(r"nvidia-(?P<family>[a-z0-9-]+?)-cu\d+")
"""NVIDIA's CUDA wheels: ``nvidia-cublas-cu12``, ``nvidia-cuda-nvrtc-cu11``..."""

_UNSUFFIXED_WHEELS = frozenset(
    {
        "cublas", "cuda-cccl", "cuda-cupti", "cuda-nvcc", "cuda-nvrtc", "cuda-runtime",
        "cudnn", "cufft", "cufile", "curand", "cusolver", "cusparse", "cusparselt", "nccl",
        "npp", "nvjitlink", "nvjpeg", "nvshmem", "nvtx", "nvvm",
    }
)  # fmt: skip
"""Families whose wheels may come without the ``-cuNN`` suffix (``nvidia-cublas``)."""

_OTHER_DISTS = (
    (re.compile(r"(pytorch-)?triton"), "triton"),
    (re.compile(r"tensorrt(-cu\d+)?(-libs|-bindings)?"), "tensorrt"),
)
"""(canonical name pattern, family) for distributions not named ``nvidia-*``."""

_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("torch-cuda", r"libtorch_cuda|libc10_cuda|libcaffe2_nvrtc"),
    ("cudnn", r"libcudnn"),
    ("cublas", r"libcublas|libnvblas"),
    ("nccl", r"libnccl"),
    ("cuda-runtime", r"libcudart|libcudadevrt"),
    ("cuda-nvrtc", r"libnvrtc"),
    ("cufft", r"libcufft"),
    ("curand", r"libcurand"),
    ("cusolver", r"libcusolver"),
    ("cusparselt", r"libcusparseLt"),  # before cusparse, whose prefix it shares
    ("cusparse", r"libcusparse"),
    ("nvjitlink", r"libnvJitLink"),
    ("nvtx", r"libnvToolsExt|libnvtx"),
    ("cuda-cupti", r"libcupti|libnvperf_|libpcsamplingutil"),
    ("cufile", r"libcufile"),
    ("nvshmem", r"libnvshmem|nvshmem_bootstrap"),
    ("npp", r"libnpp"),
    ("nvjpeg", r"libnvjpeg"),
    ("nvvm", r"libnvvm"),
    ("tensorrt", r"libnvinfer|libnvonnxparser"),
    ("cuda-driver", r"libcuda\.so|libnvidia-"),  # compat driver libraries (cuda-compat)
)
"""(family, file name prefixes), first match wins."""

_LIBRARY = re.compile(
    "|".join(f"(?P<f{i}>{prefixes})" for i, (_, prefixes) in enumerate(_LIBRARIES))
)


_LIBRARY_SUFFIX = re.compile(r"\.(?:so(?:\.\d+)*|a)$")
"""Shared (``.so``, ``.so.12.1``) and static (``.a``) libraries: not ``libcudnn9.list``."""


@lru_cache(maxsize=4096)
def dist_family(name: str) -> str | None:
    """The family of a Python distribution (canonical name), if it is a CUDA one."""
    match = _WHEEL.fullmatch(name)
    if match:
        return match["family"]
    if name.startswith("nvidia-") and name[len("nvidia-") :] in _UNSUFFIXED_WHEELS:
        return name[len("nvidia-") :]
    for pattern, family in _OTHER_DISTS:
        if pattern.fullmatch(name):
            return family
    return None


def library_family(path: str) -> str | None:
    """The family of a library file from its name alone."""
    name = path.rpartition("/")[2]
    if not name.startswith(("lib", "nvshmem")):
        return None  # most files: skip the regular expressions
    match = _LIBRARY.match(name)
    if match is None or match.lastgroup is None or _LIBRARY_SUFFIX.search(name) is None:
        return None
    return _LIBRARIES[int(match.lastgroup[1:])][0]


def owner_family(owner: str) -> str | None:
    """The family every file of ``owner`` (``kind:name``) belongs to: a CUDA wheel's."""
    kind, _, name = owner.partition(":")
    return dist_family(name) if kind == "python" else None


@dataclass
class _Tally:
    size_bytes: int = 0
    file_count: int = 0
    owners: set[str] = field(default_factory=set)


class FamilyTally:
    """Bytes per CUDA family, fed one file at a time (attribution's one pass over the files)."""

    def __init__(self) -> None:
        self._tallies: dict[str, _Tally] = {}
        self._of_owner: dict[str, str | None] = {}
        """:func:`owner_family` of each owner seen (once per owner, not once per file)."""

    def add(self, path: str, size: int, owner: str) -> None:
        """Count the file at ``path`` under its family, if it has one: its owner's
        (:func:`owner_family`), else its name's (:func:`library_family`)."""
        of_owner = self._of_owner
        if owner in of_owner:
            family = of_owner[owner]
        else:
            family = of_owner[owner] = owner_family(owner)
        if family is None:
            family = library_family(path)
            if family is None:
                return
        tally = self._tallies.get(family)
        if tally is None:
            tally = self._tallies[family] = _Tally()
        tally.size_bytes += size
        tally.file_count += 1
        tally.owners.add(owner)

    def result(self) -> tuple[CudaFamilyBytes, ...]:
        """The families, largest first."""
        result = [
            CudaFamilyBytes(name, t.size_bytes, t.file_count, tuple(sorted(t.owners)))
            for name, t in self._tallies.items()
        ]
        result.sort(key=lambda f: (-f.size_bytes, f.family))
        return tuple(result)
