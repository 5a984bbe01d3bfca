"""What ``jettison plan`` works with: services found in a repository, what they import, how
their requirements split into shared groups, the files generated, and what was measured.

Every stage of the plan is a pure function from the previous stage's values to the next
(frozen dataclasses), except discovery (reads the repository), the PyPI metadata lookup and
measuring (builds images). Whatever goes wrong with one service is a :class:`Notice` in the
report, never an exception that stops the whole plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from jettison.diff.model import DiffReport
from jettison.dockerfile.model import Dockerfile
from jettison.notices import Notice, Severity

ProblemKind = Literal[
    "unparsable-dockerfile",  # the service's Dockerfile cannot be read or parsed
    "unsupported-dockerfile",  # parsed, but plan cannot rewrite it safely (service left as is)
    "unreadable-requirements",  # a requirements file or line could not be understood
    "conflicting-pins",  # the same package pinned differently for different services
    "import-cycle",  # shared code modules import each other in a cycle (informational)
    "unparsable-source",  # a Python file of the shipped code does not parse
    "undeclared-import",  # the code imports a third-party module no requirement declares
    "no-metadata",  # dependency metadata for a package could not be fetched (offline?)
    "no-services",  # nothing to plan
    "compose",  # a compose file that could not be read or names a missing Dockerfile
    "lint-fix-skipped",  # a lint fix the plan's requirement files could not take (why)
]
SeverityName = Literal["error", "warning", "info"]


def problem(
    kind: ProblemKind,
    severity: SeverityName,
    message: str,
    service: str | None = None,
    path: Path | None = None,
    line: int | None = None,
) -> Notice:
    """A notice of the plan: something it could not do or wants the user to know, about
    ``service`` (None: the repository or its shared code) and where it is."""
    return Notice(Severity.parse(severity), message, kind, service, path, line)


def problem_key(problem: Notice) -> tuple[str, str, int, str, str]:
    """Sort key of a stage's problems: service, path, line, then kind and message (the
    report's own order, worst first, is :func:`jettison.plan.core.sort_problems`)."""
    return (
        problem.subject or "",
        str(problem.path or ""),
        problem.line or 0,
        problem.kind,
        problem.message,
    )


# -- discovery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """One image to build: a Dockerfile and its build context.

    Paths are absolute. ``code_paths`` are the local sources the final image copies (files
    or directories, requirement files excluded), resolved against ``context``; ``shared``
    marks those that several services copy (a ``libs/`` folder).
    """

    name: str
    """Compose service name, else the Dockerfile's directory name (``svc-ocr``); unique."""
    dockerfile: Path
    context: Path
    parsed: Dockerfile | None
    """None when the Dockerfile could not be parsed (a Notice says why)."""
    requirement_files: tuple[Path, ...]
    """The requirement files the image installs (copied by name), in the order copied."""
    code_paths: tuple[Path, ...]
    shared_paths: tuple[Path, ...]
    """The subset of ``code_paths`` that at least one other service copies too."""
    base_image: str | None
    """The final stage's ``FROM`` (after ARG substitution), e.g. ``python:3.11-slim``."""
    port: int | None
    """The port the service listens on (EXPOSE, compose ports, ``--port`` in CMD)."""
    health_path: str | None
    """The HTTP path its health check probes (HEALTHCHECK URL, compose healthcheck), else
    the health route its code declares."""
    health_source: str | None = None
    """Where ``health_path`` comes from: ``HEALTHCHECK``, ``compose``, or the code's route
    as ``<file relative to the root>:<line>``."""


@dataclass(frozen=True)
class Discovery:
    root: Path
    services: tuple[Service, ...]
    """Sorted by name."""
    shared_paths: tuple[Path, ...]
    """Every local source copied by two or more services, sorted."""
    compose_files: tuple[Path, ...]
    problems: tuple[Notice, ...]


# -- imports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceImports:
    """What one service's shipped code imports, following its imports into shared code."""

    service: str
    modules: frozenset[str]
    """Third-party modules (significant names, e.g. ``sklearn``, ``google.protobuf``)."""
    via_shared: frozenset[str]
    """The subset of ``modules`` only reached through shared code."""
    files: tuple[Path, ...]
    """The Python files reached: the service's own code and the shared modules it imports."""
    problems: tuple[Notice, ...]
    gpu: str | None = None
    """What in that code says it uses a GPU (``app.py mentions 'cuda'``), as lint's JT302
    reads it; None when nothing does."""
    opencv_gui: str | None = None
    """An OpenCV window call in that code (``app.py calls imshow``): the GUI build of
    OpenCV is needed (JT304); None when there is none."""


# -- requirements split ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pin:
    """One requirement line as written (pins, markers, extras and hashes kept verbatim)."""

    name: str
    """Canonical (PEP 503)."""
    line: str
    """The logical line as written, continuations joined with ``\\n``."""
    source: Path
    lineno: int


@dataclass(frozen=True, slots=True)
class Dropped:
    """A declared requirement a service does not install any more, and why."""

    name: str
    reason: str
    """``dev``: a development/test tool; ``unused``: never imported by the code it ships."""
    detail: str


@dataclass(frozen=True)
class Group:
    """A set of requirements installed in one layer of a shared base image.

    ``base`` is installed by every planned service; a family group (``ml``, ``pdf``, ``rdf``,
    ``nlp``, ``cv``...) sits on top of ``base`` in its own base image, for the services that
    need that family.
    """

    name: str
    pins: tuple[Pin, ...]
    services: tuple[str, ...]
    """The services whose image is built on this group's base image."""
    reason: str


@dataclass(frozen=True)
class ServicePlan:
    service: str
    base_group: str
    """The group whose base image the service's Dockerfile starts ``FROM``."""
    own: tuple[Pin, ...]
    """Requirements only this service installs, in its own layer."""
    needed: frozenset[str]
    """Every canonical name the service needs at run time (imports, servers, dependencies)."""
    dropped: tuple[Dropped, ...]
    unused_shared: tuple[str, ...]
    """Packages a shared base gives the service that it does not need (the price of sharing)."""


@dataclass(frozen=True)
class Split:
    groups: tuple[Group, ...]
    """``base`` first, then family groups in a fixed order."""
    services: tuple[ServicePlan, ...]
    dev: tuple[tuple[Pin, Dropped], ...]
    """Declared requirements no image installs, with why (the ``dev`` file)."""
    options: tuple[str, ...]
    """pip option lines (``--extra-index-url``, ``--find-links``...) from the source files,
    written at the top of every generated requirements file that needs them."""
    problems: tuple[Notice, ...]


# -- generated files ------------------------------------------------------------------------


@dataclass(frozen=True)
class BuildStep:
    """One image of the plan's build order: built from ``dockerfile`` with ``context``."""

    tag: str
    dockerfile: Path
    context: Path
    service: str | None
    """None for a shared base image."""
    group: str | None
    """The group a base image installs; None for a service image."""


@dataclass(frozen=True)
class Generated:
    out_dir: Path
    files: tuple[Path, ...]
    """Every file written (or to be written), relative paths under ``out_dir``."""
    contents: tuple[str, ...]
    """Text of each file of ``files``, same order."""
    build_order: tuple[BuildStep, ...]
    """Bases first (parents before children), then services."""
    kept_original: tuple[str, ...]
    """Services planned as they are (their Dockerfile could not be rewritten)."""


# -- measurement ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LayerRef:
    diff_id: str
    size_bytes: int
    """Uncompressed size of the layer's tar."""


@dataclass(frozen=True)
class ImageMeasure:
    tag: str
    image_id: str
    layers: tuple[LayerRef, ...]
    build_seconds: float
    pushed: str | None = None
    """``REGISTRY/REPO:TAG@sha256:...`` where ``--push`` put it (None without)."""

    @property
    def size_bytes(self) -> int:
        return sum(layer.size_bytes for layer in self.layers)


@dataclass(frozen=True)
class Check:
    """A service's smoke command or HTTP probe, run in one image."""

    passed: bool
    kind: Literal["probe", "smoke", "none"]
    detail: str


@dataclass(frozen=True)
class ServiceMeasure:
    service: str
    before: ImageMeasure | None
    after: ImageMeasure | None
    """None when that build failed (``error`` says why)."""
    check_before: Check
    check_after: Check
    ships_torch_before: bool
    ships_torch_after: bool
    error: str | None = None
    diff: DiffReport | None = None
    """What changed from the before to the after image (``jettison diff``, with byte trees);
    None when either was not built or could not be inspected."""

    def failures(self) -> tuple[tuple[str | None, str | None, str], ...]:
        """What failed, as ``(image, check kind, detail)``: ``(None, None, error)`` for a
        build, ``("before" | "after", "probe" | "smoke", detail)`` for the check of an image
        that was built."""
        out: list[tuple[str | None, str | None, str]] = []
        if self.error:
            out.append((None, None, self.error))
        for label, check, built in (
            ("before", self.check_before, self.before),
            ("after", self.check_after, self.after),
        ):
            if not check.passed and built is not None:
                out.append((label, check.kind, check.detail))
        return tuple(out)


@dataclass(frozen=True)
class Totals:
    """Sums over a set of images."""

    images: int
    sum_bytes: int
    """Per-image sizes added up: what ``docker images`` suggests, shared layers counted again."""
    distinct_layers: int
    distinct_bytes: int
    """Registry storage, and what a node pulls to run them all: each distinct layer once."""
    registry_layers: int | None = None
    registry_bytes: int | None = None
    """With ``--push``: what the registry holds for these images, read from their manifests
    there: each distinct layer blob (by digest) once, as stored (compressed)."""


@dataclass(frozen=True)
class Measurement:
    services: tuple[ServiceMeasure, ...]
    bases: tuple[ImageMeasure, ...]
    before: Totals
    after: Totals

    def storage(self) -> tuple[int, int, bool]:
        """The registry storage before and after, and whether it is what the registry holds
        after ``--push`` (``registry_bytes``, compressed) rather than each distinct layer's
        tar once (both sides need registry figures for the former)."""
        before, after = self.before.registry_bytes, self.after.registry_bytes
        if before is None or after is None:
            return self.before.distinct_bytes, self.after.distinct_bytes, False
        return before, after, True

    @property
    def storage_ratio(self) -> float | None:
        """``after / before`` of :meth:`storage`."""
        before, after, _pushed = self.storage()
        if before <= 0:
            return None
        return after / before


@dataclass(frozen=True)
class PlanReport:
    root: Path
    discovery: Discovery
    imports: tuple[ServiceImports, ...]
    split: Split
    generated: Generated
    written: bool
    """Whether the generated files were written (False on a dry run)."""
    measurement: Measurement | None
    problems: tuple[Notice, ...]
    """Every problem of every stage, sorted (service, path, line)."""
