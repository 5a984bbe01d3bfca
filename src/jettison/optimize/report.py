"""The optimize report: frozen dataclasses, units in field names, no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jettison.builder.core import HttpProbe
from jettison.diff.model import DiffReport
from jettison.fix.changes import Change
from jettison.notices import Notice


@dataclass(frozen=True, slots=True)
class SmokeFacts:
    """The smoke command's run in one image (or the probe's). ``exit_code`` is -1 when it
    timed out."""

    exit_code: int
    timed_out: bool
    seconds: float
    stdout_tail: tuple[str, ...]
    """Its last lines of output (at most five). A probe's: ``HTTP <status>`` and the body."""
    stderr_tail: tuple[str, ...]
    http_status: int | None = None
    """What the probe's service answered; None without a probe, or when it never answered."""


@dataclass(frozen=True, slots=True)
class ImageFacts:
    image: str
    size_bytes: int
    """Uncompressed: the layers' content bytes (what ``docker images`` shows)."""
    pull_bytes: int | None
    """Compressed layer blobs, when the image's store knows them (None for a local store
    that keeps layers uncompressed)."""
    layer_count: int
    build_seconds: float
    smoke: SmokeFacts


@dataclass(frozen=True, slots=True)
class CauseSaving:
    """Bytes of one removable cause (inspect's codes, plus ``shadowed``) in each image."""

    cause: str
    title: str
    before_bytes: int
    after_bytes: int

    @property
    def saved_bytes(self) -> int:
        return self.before_bytes - self.after_bytes


@dataclass(frozen=True, slots=True)
class CodeCount:
    code: str
    count: int


@dataclass(frozen=True, slots=True)
class LintSummary:
    finding_count: int
    codes: tuple[CodeCount, ...]
    """Findings per code, sorted by code."""
    saving_bytes: int
    """Lint's own estimate of what its findings would save (offline: from cached sizes)."""


@dataclass(frozen=True)
class OptimizeReport:
    dockerfile: Path
    context_dir: Path
    optimized_dockerfile: Path
    target: str
    builder: str
    original: ImageFacts
    optimized: ImageFacts
    smoke_command: tuple[str, ...]
    """The command run in both images: the one given, else the original's ENTRYPOINT + CMD."""
    expect: str | None
    verified: bool
    verdict: str
    """Why verification failed (verify's reason), or a short confirmation."""
    causes: tuple[CauseSaving, ...]
    changes: tuple[Change, ...]
    """What fix changed, each with lint's estimated saving when it measured one."""
    lint: LintSummary
    files_written: tuple[Path, ...]
    images_kept: bool
    repairs: tuple[Notice, ...] = ()
    """What was done when the first optimized image failed the check (a fix left out, a
    directory given to the non-root user)."""
    probe: HttpProbe | None = None
    """The HTTP check (``smoke_command`` then started the service), or None."""
    diff: DiffReport | None = None
    """What changed from the original to the optimized image (``jettison diff``), with both
    images' byte trees; None only when a caller built the report without inspections."""

    @property
    def probe_path(self) -> str | None:
        return self.probe.path if self.probe is not None else None

    @property
    def probe_port(self) -> int | None:
        return self.probe.port if self.probe is not None else None

    @property
    def saved_bytes(self) -> int:
        return self.original.size_bytes - self.optimized.size_bytes

    @property
    def saved_fraction(self) -> float:
        """Share of the original's uncompressed size saved (0 for an empty original)."""
        return self.saved_bytes / self.original.size_bytes if self.original.size_bytes else 0.0
