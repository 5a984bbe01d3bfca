"""``lint``: read a Dockerfile with its requirements and code, run the rules, report.

A requirements file on its own is linted too; several paths (pre-commit passes the changed
files) make one report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from jettison.errors import ConfigError
from jettison.hostpaths import is_dir
from jettison.notices import Notice, Severity
from jettison.progress import Progress

if TYPE_CHECKING:
    from jettison.lint.config import LintConfig
    from jettison.lint.model import Rule
    from jettison.lint.report import LintReport, RulesReport


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
    start = first if is_dir(first) else first.parent
    config = load_lint_config(config_path, start=start, known=known)
    return config.with_flags(select=select, ignore=ignore, fail_on=fail_on, known=known)


def lint(
    paths: Path | Sequence[Path],
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
    """Lint a Dockerfile (or a directory holding one), or several paths into one report
    (pre-commit passes the changed files).

    A requirements file is linted with the Dockerfile of its directory or a parent (up to
    the current directory) when there is one, so each Dockerfile runs once; alone otherwise.
    ``context_dir`` and ``image`` describe one build, so they need a single Dockerfile.
    ``image`` (a reference ``inspect`` reads) gives savings measured in the built image;
    otherwise savings come from the installed sizes of the wheels concerned, looked up on
    the package index (``sizes``: default a cached :class:`~jettison.lint.sizes.WheelSizes`;
    ``offline`` keeps to its cache). ``rules`` defaults to the registry.
    """
    paths = [paths] if isinstance(paths, Path) else list(paths)
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
        _lint_one(
            target,
            context_dir=context_dir,
            src=src,
            image=image,
            requirement_files=requirement_files,
            settings=settings,
            measure=measure,
            rules=rules,
            progress=progress,
        )
        for target in targets.values()
    ]
    return reports[0] if len(reports) == 1 else merge_reports(reports)


def _lint_one(
    path: Path,
    *,
    context_dir: Path | None,
    src: Path | None,
    image: str | None,
    requirement_files: Sequence[Path],
    settings: LintConfig,
    measure: Callable[[str, str], int | None],
    rules: Sequence[Rule] | None,
    progress: Progress | None,
) -> LintReport:
    """Lint one Dockerfile (or a directory holding one, or a requirements file on its own)."""
    from jettison.inspect.core import inspect
    from jettison.lint.context import build_context, input_files
    from jettison.lint.engine import run_rules
    from jettison.lint.sizes import WheelSizes

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
        note = Notice(
            Severity.WARNING,
            "the package index did not answer: savings from wheel sizes are left out",
            kind="index-unreachable",
        )
        report = replace(report, notices=(*report.notices, note))
    return report


def _rules(rules: Sequence[Rule] | None) -> Sequence[Rule]:
    if rules is not None:
        return rules
    from jettison.lint.rules import RULES

    return RULES


def rules(codes: Sequence[str] = ()) -> RulesReport:
    """The registry's rules (``codes``: codes or prefixes such as ``JT3``; all when empty),
    with their family, severity, summary, example and fix; ConfigError for an unknown code."""
    from jettison.lint.config import matches, parse_codes
    from jettison.lint.model import FAMILIES
    from jettison.lint.report import RuleDoc, RulesReport

    registry = _rules(None)
    wanted = parse_codes(list(codes), "CODE", [r.code for r in registry])
    chosen = [r for r in registry if not wanted or matches(r.code, wanted)]
    docs = tuple(RuleDoc.of(r, FAMILIES.get(r.code[:3], "")) for r in chosen)
    return RulesReport(docs, tuple(wanted))
