"""``inspect``: open an image without a daemon, read each layer once, report where its bytes are."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TypeVar

from jettison.errors import ConfigError
from jettison.image.blobs import DigestChecker
from jettison.image.distribution.transport import Transport
from jettison.image.model import Layer, Platform
from jettison.image.pull_size import estimate_gzip_sizes
from jettison.image.scan import ScannedImage, glob_filter, scan_image
from jettison.image.scan_cache import ScanCache, capture_key
from jettison.image.sources import open_image
from jettison.inspect.analyze import CAPTURE_GLOBS, analyze, analyze_with_files
from jettison.inspect.budgets import Budgets
from jettison.inspect.files import ImageFiles
from jettison.inspect.report import InspectReport
from jettison.inspect.tree import byte_tree
from jettison.progress import NullProgress, Progress

VERIFY_MODES = ("auto", "all", "none")

T = TypeVar("T")
Analyzer = Callable[[ScannedImage, Budgets | None, Mapping[int, int] | None], T]


@dataclass(frozen=True)
class Inspection:
    """An inspect report with the per-file facts it was summed from (for diff and the
    treemap: :mod:`jettison.inspect.files`)."""

    report: InspectReport
    files: ImageFiles


def inspect(
    reference: str,
    *,
    platform: Platform | None = None,
    budgets: Budgets | None = None,
    progress: Progress | None = None,
    verify: str = "auto",
    estimate_pull: bool = False,
    tree: bool = False,
    cache: bool = True,
    tls_verify: bool = True,
) -> InspectReport:
    """Open an image without a daemon, read each layer once, and report where its bytes are.

    ``verify``: ``auto`` checks every digest whose bytes are read anyway (configs, manifests,
    compressed or streamed layers) and notes the uncompressed layers whose contents were
    seeked over; ``all`` also hashes those (in the background, while parsing and analysis
    run); ``none`` checks nothing.

    ``estimate_pull`` gzips the layers stored uncompressed (as a push would) to report a
    pull size for docker-archives and store images; it costs a full compression pass.

    ``tree`` adds the report's byte tree (:mod:`jettison.inspect.tree`), for the treemap.

    ``cache``: take layers scanned before from the per-layer scan cache (keyed by digest,
    under the cache directory; see :mod:`jettison.image.scan_cache`) and keep the new ones.

    ``tls_verify=False`` reads a registry whose certificate is not trusted, or that serves
    plain HTTP (``registry://`` references).
    """
    read = _Read(platform, budgets, progress, verify, estimate_pull, cache, tls_verify)
    if not tree:
        return _inspect(reference, read, analyze)
    report, files = _inspect(reference, read, analyze_with_files)
    return replace(report, tree=byte_tree(files, report.layers))


def inspect_files(
    reference: str,
    *,
    platform: Platform | None = None,
    budgets: Budgets | None = None,
    progress: Progress | None = None,
    verify: str = "auto",
    estimate_pull: bool = False,
    cache: bool = True,
    tls_verify: bool = True,
) -> Inspection:
    """:func:`inspect`, keeping every file of the final filesystem with its bytes, layer,
    owner and removable cause (memory: a few hundred bytes per file)."""
    read = _Read(platform, budgets, progress, verify, estimate_pull, cache, tls_verify)
    report, files = _inspect(reference, read, analyze_with_files)
    return Inspection(report, files)


@dataclass(frozen=True)
class _Read:
    """How an image is read (see :func:`inspect`)."""

    platform: Platform | None
    budgets: Budgets | None
    progress: Progress | None
    verify: str
    estimate_pull: bool
    cache: bool
    tls_verify: bool = True


def _inspect(reference: str, read: _Read, analyzer: Analyzer[T]) -> T:
    verify, progress = read.verify, read.progress
    with open_image(reference, read.platform, Transport(tls_verify=read.tls_verify)) as image:
        # Digests of uncompressed layers are hashed in the background while the layers are
        # parsed and the image analysed; the report is returned only once they all match.
        if verify not in VERIFY_MODES:
            raise ConfigError(f"unknown verify mode {verify!r}", hint="auto, all or none")
        checker = DigestChecker() if verify == "all" else None
        try:
            scanned = scan_image(
                image,
                glob_filter(CAPTURE_GLOBS),
                progress,
                verify=verify != "none",
                checker=checker,
                every_byte=verify == "all",
                cache=ScanCache(capture=capture_key(CAPTURE_GLOBS)) if read.cache else None,
            )
            estimates = None
            if read.estimate_pull:
                plain = [
                    listing.layer
                    for listing in scanned.listings
                    if listing.compressed_bytes is None
                ]
                estimates = _estimate(plain, progress)
            report = analyzer(scanned, read.budgets, estimates)
        except BaseException:
            if checker is not None:
                checker.cancel()
            raise
        if checker is not None:
            checker.finish()
        return report


def _estimate(layers: list[Layer], progress: Progress | None) -> dict[int, int]:
    sink = progress or NullProgress()
    sink.begin(
        f"gzip estimate of {len(layers)} layers", sum(layer.stored_size_bytes for layer in layers)
    )
    try:
        return estimate_gzip_sizes(layers, sink.advance)
    finally:
        sink.end()
