"""The facade: one function per verb, each returning a report object.

Only the CLI prints or exits; these functions raise :class:`jettison.errors.JettisonError`
subclasses on bad input.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

# The builder verbs live with their backends; re-exported so the facade has every verb.
from jettison.builder.api import build, verify
from jettison.errors import ConfigError
from jettison.image.blobs import DigestChecker
from jettison.image.model import Layer, Platform
from jettison.image.pull_size import estimate_gzip_sizes
from jettison.image.scan import glob_filter, scan_image
from jettison.image.scan_cache import ScanCache, capture_key
from jettison.image.sources import open_image
from jettison.inspect.analyze import CAPTURE_GLOBS, analyze
from jettison.inspect.budgets import Budgets
from jettison.inspect.report import InspectReport
from jettison.plan.api import plan
from jettison.progress import NullProgress, Progress

if TYPE_CHECKING:
    from jettison.lint.config import LintConfig
    from jettison.lint.model import Rule
    from jettison.lint.report import LintReport

VERIFY_MODES = ("auto", "all", "none")


def inspect(
    reference: str,
    *,
    platform: Platform | None = None,
    budgets: Budgets | None = None,
    progress: Progress | None = None,
    verify: str = "auto",
    estimate_pull: bool = False,
    cache: bool = True,
) -> InspectReport:
    """Open an image without a daemon, read each layer once, and report where its bytes are.

    ``verify``: ``auto`` checks every digest whose bytes are read anyway (configs, manifests,
    compressed or streamed layers) and notes the uncompressed layers whose contents were
    seeked over; ``all`` also hashes those (in the background, while parsing and analysis
    run); ``none`` checks nothing.

    ``estimate_pull`` gzips the layers stored uncompressed (as a push would) to report a
    pull size for docker-archives and store images; it costs a full compression pass.

    ``cache``: take layers scanned before from the per-layer scan cache (keyed by digest,
    under the cache directory; see :mod:`jettison.image.scan_cache`) and keep the new ones.
    """
    with open_image(reference, platform) as image:
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
                hash_seekable=verify == "all",
                cache=ScanCache(capture=capture_key(CAPTURE_GLOBS)) if cache else None,
            )
            estimates = None
            if estimate_pull:
                plain = [
                    listing.layer
                    for listing in scanned.listings
                    if listing.compressed_bytes is None
                ]
                estimates = _estimate(plain, progress)
            report = analyze(scanned, budgets, estimates)
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


def lint_config(
    paths: Sequence[Path] = (),
    *,
    config_path: Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] = (),
    fail_on: str | None = None,
    rules: Sequence[Rule] | None = None,
) -> LintConfig:
    """Lint settings: ``config_path``, else the nearest ``[tool.jettison.lint]`` (or
    ``.jettison.toml``) from the first path's directory up, else from the current directory
    up; then the flags over them. Codes are checked against ``rules`` (default: the registry).
    """
    from jettison.lint.config import load_lint_config

    known = [rule.code for rule in _rules(rules)]
    first = paths[0] if paths else Path()
    start = first if first.is_dir() else first.parent
    config = load_lint_config(config_path, start=start, known=known)
    return config.with_flags(select=select, ignore=ignore, fail_on=fail_on, known=known)


def lint(
    path: Path,
    *,
    context_dir: Path | None = None,
    src: Path | None = None,
    image: str | None = None,
    requirement_files: Sequence[Path] = (),
    config: LintConfig | None = None,
    offline: bool = False,
    sizes: Callable[[str, str], int | None] | None = None,
    rules: Sequence[Rule] | None = None,
    progress: Progress | None = None,
) -> LintReport:
    """Lint one Dockerfile (or a directory holding one, or a requirements file on its own).

    ``image`` (a reference ``inspect`` reads) gives savings measured in the built image;
    otherwise savings come from the installed sizes of the wheels concerned, looked up on
    the package index (``sizes``: default a cached :class:`~jettison.lint.sizes.WheelSizes`;
    ``offline`` keeps to its cache). ``rules`` defaults to the registry.
    """
    from jettison.lint.context import build_context, input_files
    from jettison.lint.engine import run_rules
    from jettison.lint.sizes import WheelSizes

    settings = config if config is not None else lint_config([path], rules=rules)
    measure = sizes if sizes is not None else WheelSizes(offline=offline)
    inspected = inspect(image, progress=progress) if image is not None else None
    ctx = build_context(
        path,
        src=src,
        image=inspected,
        sizes=measure,
        requirement_files=requirement_files,
        context_dir=context_dir,
        options=settings.options,
    )
    report = run_rules(ctx, _rules(rules), settings, files=input_files(ctx))
    if isinstance(measure, WheelSizes) and measure.unreachable:
        note = "the package index did not answer: savings from wheel sizes are left out"
        report = replace(report, notes=(*report.notes, note))
    return report


def lint_paths(
    paths: Sequence[Path],
    *,
    context_dir: Path | None = None,
    src: Path | None = None,
    image: str | None = None,
    requirement_files: Sequence[Path] = (),
    config: LintConfig | None = None,
    offline: bool = False,
    sizes: Callable[[str, str], int | None] | None = None,
    rules: Sequence[Rule] | None = None,
    progress: Progress | None = None,
) -> LintReport:
    """Lint several paths (pre-commit passes the changed files) into one report.

    A requirements file is linted with the Dockerfile of its directory or a parent (up to
    the current directory) when there is one, so each Dockerfile runs once; alone otherwise.
    ``context_dir`` and ``image`` describe one build, so they need a single Dockerfile.
    """
    from jettison.lint.context import owning_dockerfile
    from jettison.lint.report import merge_reports
    from jettison.lint.sizes import WheelSizes

    targets: dict[Path, Path] = {}
    for path in paths or [Path()]:
        target = owning_dockerfile(path, Path.cwd())
        targets.setdefault(target.absolute(), target)
    if len(targets) > 1 and (context_dir is not None or image is not None):
        raise ConfigError(
            "--context and --image describe one build, but several Dockerfiles were given",
            hint="lint one Dockerfile at a time with them",
        )
    settings = config if config is not None else lint_config(list(paths), rules=rules)
    measure = sizes if sizes is not None else WheelSizes(offline=offline)
    reports = [
        lint(
            target,
            context_dir=context_dir,
            src=src,
            image=image,
            requirement_files=requirement_files,
            config=settings,
            offline=offline,
            sizes=measure,
            rules=rules,
            progress=progress,
        )
        for target in targets.values()
    ]
    return reports[0] if len(reports) == 1 else merge_reports(reports)


def _rules(rules: Sequence[Rule] | None) -> Sequence[Rule]:
    if rules is not None:
        return rules
    from jettison.lint.rules import RULES

    return RULES


__all__ = [
    "VERIFY_MODES",
    "build",
    "inspect",
    "lint",
    "lint_config",
    "lint_paths",
    "plan",
    "verify",
]
