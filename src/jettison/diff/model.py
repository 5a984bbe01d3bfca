"""The diff report: frozen dataclasses, units in field names, no I/O.

Every view of the change adds up exactly: the owners', the causes', the CUDA families' and
the files' deltas each sum to the change of the final filesystem (``final_delta_bytes``),
the layers' deltas to the change of the image size (``size_delta_bytes``). Where a view
has no name for some bytes it says so with a row of its own: ``unowned`` owners (no package
claims the files: inspect groups them by top-level directory), the ``not-removable``
cause, the ``not-cuda`` family, and the files beyond the largest (``files_rest``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from jettison.inspect.tree import ByteTree

Change = Literal[
    "added", "removed", "upgraded", "downgraded", "changed", "grown", "shrunk", "unchanged"
]
"""How one package (or file) changed: present in one image only, a newer or older version
(``changed``: versions differ in no known order), or the same version with more or fewer
bytes."""
LayerStatus = Literal["shared", "added", "removed"]

NOT_REMOVABLE = "not-removable"
"""Cause code of the bytes no removable cause claims."""
NOT_CUDA = "not-cuda"
"""Family name of the bytes in no CUDA/NVIDIA library family."""


class Delta:
    """What changed from the before image to the after image, in bytes (for the records
    that hold ``before_bytes`` and ``after_bytes``)."""

    __slots__ = ()
    before_bytes: int
    after_bytes: int

    @property
    def delta_bytes(self) -> int:
        return self.after_bytes - self.before_bytes


@dataclass(frozen=True, slots=True)
class ImageSide:
    """One of the two images, as inspect measured it."""

    reference: str
    size_bytes: int
    """The layers' content bytes (what ``docker images`` shows)."""
    final_bytes: int
    """Bytes visible in the final filesystem."""
    shadowed_bytes: int
    removable_bytes: int
    pull_bytes: int | None
    layer_count: int
    file_count: int
    """Regular files and hard links of the final filesystem."""


@dataclass(frozen=True, slots=True)
class OwnerChange(Delta):
    """A Python distribution, Debian package or unowned top-level directory that changed."""

    kind: str
    """``python``, ``debian`` or ``unowned`` (``name`` is then a directory, e.g. ``/app``)."""
    name: str
    change: Change
    before_version: str | None
    after_version: str | None
    before_bytes: int
    after_bytes: int
    before_files: int
    after_files: int


@dataclass(frozen=True, slots=True)
class CauseChange(Delta):
    """Bytes of one removable cause (inspect's code) in each image; the ``not-removable``
    row holds the rest of the final filesystem."""

    cause: str
    title: str
    before_bytes: int
    after_bytes: int
    before_files: int
    after_files: int


@dataclass(frozen=True, slots=True)
class CudaChange(Delta):
    """Bytes of one CUDA/NVIDIA library family in each image (``not-cuda``: the rest)."""

    family: str
    before_bytes: int
    after_bytes: int


@dataclass(frozen=True, slots=True)
class LayerChange:
    """A layer of either image. Layers are matched by content (``diff_id``, else digest):
    a ``shared`` layer is the same bytes in both images and changes nothing."""

    status: LayerStatus
    before_index: int | None
    after_index: int | None
    diff_id: str | None
    created_by: str
    size_bytes: int
    file_count: int

    @property
    def delta_bytes(self) -> int:
        if self.status == "added":
            return self.size_bytes
        if self.status == "removed":
            return -self.size_bytes
        return 0


@dataclass(frozen=True, slots=True)
class FileChange(Delta):
    """A file added, removed, or of another size; owner and cause are the after image's,
    or the before image's for a removed file."""

    path: str
    change: Change
    before_bytes: int
    after_bytes: int
    owner: str
    """Owner key, ``kind:name`` (``unowned:/app`` when no package claims it)."""
    cause: str | None
    """The removable cause that claimed it, if any."""


@dataclass(frozen=True, slots=True)
class FileRest(Delta):
    """The changed files beyond the largest ones listed, summed."""

    file_count: int
    before_bytes: int
    after_bytes: int


@dataclass(frozen=True, slots=True)
class GrowthGate:
    """``--fail-if-grown``: the image size may grow by at most this much."""

    limit: str
    """As the user wrote it (``50MB``, ``5%``)."""
    max_growth_bytes: int
    actual_growth_bytes: int
    ok: bool


@dataclass(frozen=True)
class DiffReport:
    before: ImageSide
    after: ImageSide
    owners: tuple[OwnerChange, ...]
    """The owners that changed, largest change first."""
    unchanged_owner_count: int
    causes: tuple[CauseChange, ...]
    """Every removable cause in inspect's order, then ``not-removable``."""
    cuda: tuple[CudaChange, ...]
    """Families present in either image, largest change first, then ``not-cuda``; empty
    when neither image holds a CUDA library."""
    layers: tuple[LayerChange, ...]
    """The after image's layers in order (shared or added), then the before image's that
    are gone."""
    files: tuple[FileChange, ...]
    """The largest changed files, largest change first."""
    files_rest: FileRest
    gate: GrowthGate | None = None
    before_tree: ByteTree | None = None
    after_tree: ByteTree | None = None
    """Where the bytes of each image are (layer -> owner -> directory -> file, aggregated),
    for the HTML treemap; None unless asked for."""

    @property
    def size_delta_bytes(self) -> int:
        return self.after.size_bytes - self.before.size_bytes

    @property
    def final_delta_bytes(self) -> int:
        return self.after.final_bytes - self.before.final_bytes

    @property
    def changed_file_count(self) -> int:
        return len(self.files) + self.files_rest.file_count

    @property
    def identical(self) -> bool:
        """Nothing changed: every layer shared (or no byte, package or file moved)."""
        return all(layer.status == "shared" for layer in self.layers) or (
            not self.owners and self.changed_file_count == 0 and not self.size_delta_bytes
        )

    @property
    def gate_ok(self) -> bool:
        return self.gate is None or self.gate.ok
