"""Build every service before and after the plan, count the layers they share, check them.

Why each build runs with ``no_cache``: the question is what a fleet costs when CI builds each
image on its own. With the builder's layer cache, two original Dockerfiles that start with the
same ``COPY requirements.txt`` + ``RUN pip install`` would get one shared layer by accident of
having been built on the same machine, and the "before" storage would look better than it is
anywhere else. Without it, layers are shared only where images really share them: the base
images they start ``FROM`` (upstream ones before, the plan's shared bases after).

Accounting is by layer ``diff_id`` (the digest of the uncompressed tar): a registry stores a
blob once however many images list it, and a node pulls it once for all the services it runs.
Sizes are the uncompressed tar lengths, as the builder's store keeps them.

With ``push_to`` (``plan --push REGISTRY``) every image built is pushed there too, so the
fleet's shared bases are shared in a real registry, and each side's storage is also read from
what the registry then holds: the layer blobs its manifests list, each digest once, at their
stored (compressed) size (``Totals.registry_bytes``, which the storage ratio then uses).

A service whose build, layer read or check goes wrong is recorded (``ServiceMeasure.error``,
a failed :class:`Check`) and the others go on; only a bug raises.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from jettison.builder.backend import Builder
from jettison.builder.core import build as build_image
from jettison.builder.options import BuildOptions
from jettison.builder.verify import check, probe, smoke
from jettison.diff.core import compare
from jettison.diff.model import DiffReport
from jettison.dockerfile.parser import parse_dockerfile
from jettison.errors import ConfigError, JettisonError
from jettison.image.distribution.transport import Transport
from jettison.image.filesystem import MergedFilesystem
from jettison.image.layer_reader import read_layer
from jettison.image.model import EntryKind, FileEntry, Layer
from jettison.image.sources import open_image
from jettison.image.sources.registry import layer_blobs
from jettison.imageref import has_host, name_component
from jettison.inspect.core import Inspection, inspect_files
from jettison.plan.model import (
    BuildStep,
    Check,
    Discovery,
    Generated,
    ImageMeasure,
    LayerRef,
    Measurement,
    Service,
    ServiceMeasure,
    Totals,
)
from jettison.progress import NullProgress, Progress

BEFORE_TAG = "before"
"""Tag of the image built from a service's original Dockerfile (``<prefix>/<svc>:before``)."""

_TORCH = re.compile(r"(?:^|/)(?:site|dist)-packages/torch/")
"""A file of the torch package, wherever the interpreter's packages live."""
_KEEP_KINDS = frozenset({EntryKind.WHITEOUT, EntryKind.OPAQUE})
_FILE_KINDS = frozenset({EntryKind.FILE, EntryKind.HARDLINK, EntryKind.SYMLINK})


def _ignore(_text: str) -> None:
    pass


def totals(images: Sequence[ImageMeasure]) -> Totals:
    """Sizes of ``images`` added up, and with each distinct layer (by ``diff_id``) once."""
    distinct: dict[str, int] = {}
    for image in images:
        for layer in image.layers:
            distinct.setdefault(layer.diff_id, layer.size_bytes)
    return Totals(
        images=len(images),
        sum_bytes=sum(image.size_bytes for image in images),
        distinct_layers=len(distinct),
        distinct_bytes=sum(distinct.values()),
    )


@dataclass(frozen=True)
class _LayerFacts:
    size_bytes: int
    entries: tuple[FileEntry, ...]
    """Only what decides whether torch is shipped: torch files, whiteouts, opaque markers."""


@dataclass(frozen=True)
class _Built:
    """One image built and read, or why not."""

    image: ImageMeasure | None
    ships_torch: bool
    error: str | None
    inspection: Inspection | None = None
    """The image read as inspect reads it, for the before/after diff (None: not built, or
    not readable)."""


class _Measurer:
    """The settings shared by every build, and the layers already read (keyed by diff_id:
    a base image's layers are read once however many services start from it)."""

    def __init__(
        self,
        builder: Builder,
        *,
        options: BuildOptions,
        timeout_s: float,
        progress: Progress,
        on_line: Callable[[str], None],
        on_step: Callable[[str], None],
        push_to: str | None = None,
        transport: Transport | None = None,
    ) -> None:
        self.builder = builder
        self.push_to = push_to
        self.transport = transport or Transport()
        # every image on its own, as on a fresh CI machine: no layer cache
        self.options = replace(options, builder=builder, no_cache=True)
        self.timeout_s = timeout_s
        self.progress = progress
        self.on_line = on_line
        self.on_step = on_step
        self._layers: dict[str, _LayerFacts] = {}

    def build(self, dockerfile: Path, context: Path, tag: str, what: str) -> _Built:
        self.on_step(f"build {tag} ({what})")
        self.progress.begin(f"build {tag}", None)
        try:
            report = build_image(
                dockerfile,
                context_dir=context,
                tag=tag,
                options=self.options,
                on_line=self.on_line,
            )
        except JettisonError as exc:
            return _Built(None, False, _build_error(tag, exc))
        finally:
            self.progress.end()
        try:
            layers, torch = self._read(report.image_id, tag)
        except JettisonError as exc:
            return _Built(None, False, f"cannot read the layers of {tag}: {exc}")
        measured = ImageMeasure(tag, report.image_id, layers, report.build_seconds)
        if self.push_to is not None:
            try:
                measured = replace(measured, pushed=self._push(report.image, tag))
            except JettisonError as exc:
                return _Built(None, False, f"push of {tag} failed: {exc}")
        return _Built(measured, torch, None, self._inspect(report.image_id, tag))

    def _push(self, image: str, tag: str) -> str:
        """Push ``image`` as ``REGISTRY/<its repository and tag>``; ``...@digest``."""
        assert self.push_to is not None
        destination = pushed_name(self.push_to, tag)
        self.on_step(f"push {tag} to {destination}")
        digest = self.builder.push(image, destination, tls_verify=self.transport.tls_verify)
        return f"{destination}@{digest}"

    def registry_totals(self, base: Totals, images: Sequence[ImageMeasure]) -> Totals:
        """``base`` with what the registry holds for ``images`` (read from their manifests
        there: each layer blob once, by digest, at its stored size)."""
        blobs: dict[str, int] = {}
        for image in images:
            if image.pushed is None:
                return base
            for digest, size in layer_blobs(image.pushed, self.transport):
                blobs.setdefault(digest, size)
        return replace(base, registry_layers=len(blobs), registry_bytes=sum(blobs.values()))

    def _inspect(self, image_id: str, tag: str) -> Inspection | None:
        """The image as ``jettison inspect`` reads it; None when that fails (the diff is then
        left out, the measurement stands)."""
        self.on_step(f"inspect {tag}")
        with tempfile.TemporaryDirectory(prefix="jettison-plan-") as scratch:
            reference = self.builder.image_reference(image_id, Path(scratch))
            try:
                return inspect_files(reference, progress=self.progress)
            except JettisonError:
                return None

    def _read(self, image_id: str, tag: str) -> tuple[tuple[LayerRef, ...], bool]:
        """The image's layers (diff_id, uncompressed size) and whether it ships torch."""
        with tempfile.TemporaryDirectory(prefix="jettison-plan-") as scratch:
            reference = self.builder.image_reference(image_id, Path(scratch))
            with open_image(reference) as image:
                fresh = [
                    layer
                    for layer in image.layers
                    if _layer_key(image_id, layer) not in self._layers
                ]
                self.progress.begin(f"layers of {tag}", sum(x.stored_size_bytes for x in fresh))
                try:
                    for layer in fresh:
                        listing = read_layer(layer, verify=False, on_bytes=self.progress.advance)
                        kept = tuple(e for e in listing.entries if _decides_torch(e))
                        self._layers[_layer_key(image_id, layer)] = _LayerFacts(
                            listing.tar_size_bytes, kept
                        )
                finally:
                    self.progress.end()
                keys = [_layer_key(image_id, layer) for layer in image.layers]
        facts = [self._layers[key] for key in keys]
        merged = MergedFilesystem([f.entries for f in facts])
        torch = any(
            entry.kind in _FILE_KINDS and _TORCH.search(entry.path) for entry in merged.entries()
        )
        refs = tuple(LayerRef(key, f.size_bytes) for key, f in zip(keys, facts, strict=True))
        return refs, torch

    def check(self, service: Service, built: _Built) -> Check:
        """Probe the service's health path when its port and path are known, else run the
        image's command; a failure is a failed Check, never an exception."""
        if built.image is None:
            return Check(False, "none", "not checked: the image was not built")
        tag = built.image.tag
        self.progress.begin(f"check {tag}", None)
        try:
            if service.port is not None and service.health_path is not None:
                self.on_step(f"probe {tag}: GET {service.health_path} on port {service.port}")
                result = probe(
                    self.builder,
                    tag,
                    path=service.health_path,
                    port=service.port,
                    timeout_s=self.timeout_s,
                )
                verdict = check(result, None, probe=True)
                return Check(verdict.ok, "probe", f"GET {service.health_path}: {verdict.reason}")
            self.on_step(f"smoke-run {tag} (its CMD)")
            verdict = check(smoke(self.builder, tag, None, self.timeout_s), None)
            return Check(verdict.ok, "smoke", verdict.reason)
        except JettisonError as exc:  # no command to run, or the builder could not run it
            return Check(False, "none", f"not checked: {exc}")
        finally:
            self.progress.end()


def _layer_key(image_id: str, layer: Layer) -> str:
    """The layer's diff_id; a source that does not name one gets a key of its own."""
    return layer.diff_id or f"{image_id}#{layer.index}"


def _decides_torch(entry: FileEntry) -> bool:
    return entry.kind in _KEEP_KINDS or (
        entry.kind in _FILE_KINDS and _TORCH.search(entry.path) is not None
    )


def _build_error(tag: str, exc: JettisonError) -> str:
    message = f"build of {tag} failed: {exc}"
    step = getattr(exc, "step", None)
    if step and step not in message:
        message += f" (at {step})"
    return message


def _prefix(generated: Generated, root: Path) -> str:
    """The tag prefix the plan's images use (``<prefix>/<name>:plan``)."""
    for step in generated.build_order:
        repo = step.tag.rsplit(":", 1)[0]
        if "/" in repo:
            return repo.rsplit("/", 1)[0]
    return f"localhost/{_slug(root.resolve().name)}"


def _slug(name: str) -> str:
    return name_component(name, "service")


def before_tag(service: str, generated: Generated, root: Path) -> str:
    """``<repo>:before``: the repository of the service's plan image, tagged ``before``."""
    step = next((s for s in generated.build_order if s.service == service), None)
    repo = step.tag.rsplit(":", 1)[0] if step else f"{_prefix(generated, root)}/{_slug(service)}"
    return f"{repo}:{BEFORE_TAG}"


def _parents(step: BuildStep) -> frozenset[str]:
    """The images a step's Dockerfile starts from (empty when it cannot be read)."""
    try:
        parsed = parse_dockerfile(step.dockerfile)
    except JettisonError:
        return frozenset()
    return frozenset(stage.base_expanded for stage in parsed.stages)


def measure(
    discovery: Discovery,
    generated: Generated,
    *,
    builder: Builder,
    options: BuildOptions | None = None,
    timeout_s: float = 120.0,
    progress: Progress | None = None,
    on_line: Callable[[str], None] = _ignore,
    on_step: Callable[[str], None] = _ignore,
    push_to: str | None = None,
    transport: Transport | None = None,
) -> Measurement:
    """Build each service's original Dockerfile, then the plan's images in build order
    (bases first), read their layers, and check every service in both images; with
    ``push_to``, push each image there and count what the registry holds.

    The generated files must be on disk (``plan`` writes them first). Images stay in the
    builder's store: the ``:plan`` tags are what ``build.sh`` would have built.
    """
    run = _Measurer(
        builder,
        options=options or BuildOptions(),
        timeout_s=timeout_s,
        progress=progress or NullProgress(),
        on_line=on_line,
        on_step=on_step,
        push_to=push_to,
        transport=transport,
    )
    started = time.monotonic()
    services = discovery.services
    count = len(services)
    before: dict[str, _Built] = {}
    checks_before: dict[str, Check] = {}
    for number, service in enumerate(services, start=1):
        tag = before_tag(service.name, generated, discovery.root)
        built = run.build(service.dockerfile, service.context, tag, f"original, {number}/{count}")
        before[service.name] = built
        checks_before[service.name] = run.check(service, built)

    by_name = {service.name: service for service in services}
    after: dict[str, _Built] = {}
    checks_after: dict[str, Check] = {}
    bases: list[ImageMeasure] = []
    failed: dict[str, str] = {}
    steps = generated.build_order
    for number, step in enumerate(steps, start=1):
        blocked = sorted(_parents(step) & failed.keys())
        if blocked:
            built = _Built(None, False, f"not built: its base {blocked[0]} failed")
        else:
            what = f"plan, {number}/{len(steps)}"
            built = run.build(step.dockerfile, step.context, step.tag, what)
        if built.error is not None:
            failed[step.tag] = built.error
        if step.service is not None:
            after[step.service] = built
            owner = by_name.get(step.service)
            if owner is not None:
                checks_after[step.service] = run.check(owner, built)
        elif built.image is not None:
            bases.append(built.image)

    missing = _Built(None, False, "no image in the plan's build order")
    measures = []
    for service in services:
        old = before[service.name]
        new = after.get(service.name, missing)
        measures.append(
            ServiceMeasure(
                service=service.name,
                before=old.image,
                after=new.image,
                check_before=checks_before[service.name],
                check_after=checks_after.get(service.name) or run.check(service, new),
                ships_torch_before=old.ships_torch,
                ships_torch_after=new.ships_torch,
                error=_errors(old, new),
                diff=_diff(old, new),
            )
        )
    on_step(f"measured {count} services in {time.monotonic() - started:.0f}s")
    measured = _measurement(tuple(measures), tuple(bases))
    if push_to is None:
        return measured
    on_step(f"read what {push_to} holds for the images pushed there")
    both = [s for s in measured.services if s.before is not None and s.after is not None]
    return replace(
        measured,
        before=run.registry_totals(measured.before, [s.before for s in both if s.before]),
        after=run.registry_totals(measured.after, [s.after for s in both if s.after]),
    )


def pushed_name(registry: str, tag: str) -> str:
    """Where ``--push REGISTRY`` puts the image tagged ``tag``: its repository and tag below
    ``REGISTRY`` (``localhost/mini/svc:plan`` -> ``REGISTRY/mini/svc:plan``)."""
    first, sep, rest = tag.partition("/")
    path = rest if sep and has_host(first) else tag
    return f"{registry.rstrip('/')}/{path}"


def check_registry(registry: str) -> None:
    """ConfigError unless ``registry`` is ``HOST[:PORT][/PATH]`` with a real host."""
    first = registry.partition("/")[0]
    if not first or not has_host(first) or first == "localhost" or "://" in registry:
        raise ConfigError(
            f"--push {registry!r}: give a registry as HOST[:PORT][/PATH]",
            hint="e.g. --push registry.example.com/team or --push 127.0.0.1:5000",
        )


def _diff(before: _Built, after: _Built) -> DiffReport | None:
    if before.inspection is None or after.inspection is None:
        return None
    return compare(before.inspection, after.inspection, trees=True)


def _errors(before: _Built, after: _Built) -> str | None:
    parts = [
        f"{label}: {b.error}" for label, b in (("before", before), ("after", after)) if b.error
    ]
    return "; ".join(parts) or None


def _measurement(
    services: tuple[ServiceMeasure, ...], bases: tuple[ImageMeasure, ...]
) -> Measurement:
    """Totals over the services built both ways, so that a failed build never reads as a
    saving (the other services' figures still compare like with like)."""
    both = [s for s in services if s.before is not None and s.after is not None]
    return Measurement(
        services=services,
        bases=bases,
        before=totals([s.before for s in both if s.before is not None]),
        after=totals([s.after for s in both if s.after is not None]),
    )


__all__ = ["BEFORE_TAG", "before_tag", "check_registry", "measure", "pushed_name", "totals"]
