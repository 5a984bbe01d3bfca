"""The inspect report: frozen dataclasses, units in field names, no I/O.

Renderers (``jettison.render``) turn an :class:`InspectReport` into text; the JSON encoding
is a separate, versioned model (``jettison.render.inspect.json_model``).
"""

from __future__ import annotations

from dataclasses import dataclass

from jettison.inspect.dive import DiveMetrics
from jettison.inspect.tree import ByteTree
from jettison.notices import Notice


@dataclass(frozen=True, slots=True)
class LayerSummary:
    """One history step. Empty steps (ENV, CMD, ...) have ``index`` None and no bytes."""

    index: int | None
    created_by: str
    size_bytes: int
    """Regular file content bytes in the layer, as ``docker history`` counts them."""
    tar_bytes: int
    """Length of the uncompressed tar stream (headers and padding included)."""
    compressed_bytes: int | None
    """Size of the stored blob when it is compressed, else None."""
    file_count: int
    """Regular files and hard links in the layer."""
    digest: str | None = None
    diff_id: str | None = None
    compression: str = "none"
    media_type: str | None = None
    estimated_gzip_bytes: int | None = None
    """For a layer stored uncompressed, its size once gzipped as a push would (only when an
    estimate was asked for)."""


@dataclass(frozen=True, slots=True)
class OwnerBytes:
    """Bytes of the final filesystem that one owner accounts for.

    ``kind`` is ``python`` (a distribution), ``debian`` (a dpkg package) or ``unowned``
    (then ``name`` is the top-level directory, e.g. ``/app``).
    """

    kind: str
    name: str
    size_bytes: int
    file_count: int
    version: str | None = None
    layer_bytes: tuple[tuple[int, int], ...] = ()
    """(layer index, bytes) pairs: which layers supplied this owner's files."""


@dataclass(frozen=True, slots=True)
class CudaFamilyBytes:
    """Bytes of one CUDA/NVIDIA library family (cublas, cudnn, nccl, triton, torch-cuda...)."""

    family: str
    size_bytes: int
    file_count: int
    owners: tuple[str, ...] = ()
    """Owner names (``python:nvidia-cublas-cu12``, ``debian:libcudnn9``...) holding them."""


@dataclass(frozen=True, slots=True)
class Attribution:
    owners: tuple[OwnerBytes, ...]
    """Every owner, largest first; their sizes add up to ``total_bytes``."""
    cuda: tuple[CudaFamilyBytes, ...]
    total_bytes: int
    """Bytes of the final filesystem."""

    @property
    def cuda_bytes(self) -> int:
        return sum(f.size_bytes for f in self.cuda)


@dataclass(frozen=True, slots=True)
class PathBytes:
    path: str
    size_bytes: int
    layer_index: int
    owner: str | None = None
    """``kind:name`` of the owner, when attribution knows it."""


@dataclass(frozen=True, slots=True)
class RemovableCause:
    """Bytes in the final filesystem that could go, grouped by why."""

    cause: str
    """Stable code: ``package-cache``, ``bytecode``, ``toolchain``, ``docs``, ``tests``,
    ``dev-tools``, ``model-weights``, ``duplicates``."""
    title: str
    advice: str
    size_bytes: int
    file_count: int
    top: tuple[PathBytes, ...] = ()
    """The largest items (files, or owners/directories rolled up), at most ten."""


@dataclass(frozen=True, slots=True)
class HiddenPath:
    path: str
    size_bytes: int
    layer_index: int
    by_layer: int
    cause: str


@dataclass(frozen=True, slots=True)
class Shadowed:
    """Bytes shipped in a layer but hidden by a later overwrite, delete or opaque directory."""

    size_bytes: int
    file_count: int
    by_layer: tuple[tuple[int, int], ...]
    """(layer index that shipped them, bytes)."""
    top: tuple[HiddenPath, ...] = ()


@dataclass(frozen=True, slots=True)
class BudgetResult:
    name: str
    limit: str
    actual: str
    ok: bool


@dataclass(frozen=True, slots=True)
class InspectReport:
    reference: str
    source_kind: str
    platform: str | None
    tags: tuple[str, ...]
    cmd: tuple[str, ...] | None
    entrypoint: tuple[str, ...] | None
    user: str | None
    layers: tuple[LayerSummary, ...]
    size_bytes: int
    """Sum of the layers' content bytes (what ``docker images`` shows)."""
    pull_bytes: int | None
    """Sum of the compressed layer blobs (estimated for uncompressed ones when asked); None when
    some layer is stored uncompressed and no estimate was made."""
    final_bytes: int
    """Bytes visible in the final filesystem (``size_bytes`` minus what is hidden)."""
    dive: DiveMetrics
    shadowed: Shadowed
    removable: tuple[RemovableCause, ...]
    attribution: Attribution
    budgets: tuple[BudgetResult, ...] = ()
    skipped: tuple[Notice, ...] = ()
    pull_bytes_estimated: bool = False
    """True when ``pull_bytes`` includes gzip estimates of uncompressed layers."""
    tree: ByteTree | None = None
    """Where the bytes are, layer -> owner -> directory -> file (for the HTML treemap);
    None unless asked for."""
    notes: tuple[Notice, ...] = ()
    """Which image the reference was read as, where the source had to choose (a short name
    resolved, the image of an index picked)."""

    @property
    def removable_bytes(self) -> int:
        return sum(c.size_bytes for c in self.removable)

    @property
    def budgets_ok(self) -> bool:
        return all(b.ok for b in self.budgets)
