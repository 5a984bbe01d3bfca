"""``optimize``: lint -> fix -> build the original and the optimized image -> inspect both ->
verify both -> one report.

Order of the steps, and why:

1. ``lint`` the original (offline: wheel sizes from the cache only), for the report;
2. ``fix`` with ``dry_run``: a Dockerfile fix cannot rewrite is refused *before* minutes of
   building, and nothing is written;
3. build the original, *before* fix writes anything: fix may add a ``.dockerignore`` to the
   build context, which would change what the original build sees;
4. ``fix`` again, writing its files next to the original (it never overwrites one, unless
   ``force``; the original Dockerfile and requirements are never touched);
5. build the optimized image, inspect both, run the smoke command in both and compare.

Images are read where the builder keeps them when it can say how (buildah's
``containers-storage``: no copy at all); otherwise each is exported to a temporary
docker-archive first, which costs a full write of the image.
"""

from __future__ import annotations

import shlex
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from jettison.builder import probe as probe_script
from jettison.builder.backend import Builder, RunResult
from jettison.builder.core import (
    BuildReport,
    VerifyReport,
    backend,
    default_port,
    default_tag,
    resolve_dockerfile,
)
from jettison.builder.core import build as build_image
from jettison.builder.core import verify as verify_images
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions, CheckOptions
from jettison.builder.verify import check as check_run
from jettison.diff.core import compare
from jettison.diff.model import DiffReport
from jettison.notices import Notice, Severity
from jettison.optimize.repair import Attempt, Outcome, repair, suspects
from jettison.optimize.report import (
    CauseSaving,
    CodeCount,
    ImageFacts,
    LintSummary,
    OptimizeReport,
    SmokeFacts,
)
from jettison.progress import Progress

if TYPE_CHECKING:
    from jettison.fix.report import FixReport
    from jettison.inspect.core import Inspection
    from jettison.inspect.report import InspectReport
    from jettison.lint.report import LintReport

Target = Literal["cpu", "gpu", "auto"]
FIRST = Attempt()
"""Every fix, as fix makes them (what a repair changes comes after)."""
DEFAULT_TIMEOUT_S = 120.0


class FixFn(Protocol):
    def __call__(
        self,
        path: Path,
        *,
        context_dir: Path | None,
        target: Target,
        torch_index: str,
        runtime_base: str | None,
        force: bool,
        dry_run: bool,
        skip: Sequence[str] = (),
        writable: Sequence[str] = (),
    ) -> FixReport: ...


class LintFn(Protocol):
    def __call__(self, path: Path, *, context_dir: Path | None, offline: bool) -> LintReport: ...


class InspectFn(Protocol):
    def __call__(self, reference: str, *, progress: Progress | None) -> Inspection: ...


def _default_fix(
    path: Path,
    *,
    context_dir: Path | None,
    target: Target,
    torch_index: str,
    runtime_base: str | None,
    force: bool,
    dry_run: bool,
    skip: Sequence[str] = (),
    writable: Sequence[str] = (),
) -> FixReport:
    from jettison.fix.core import fix

    # offline, as the lint step: the changes' savings come from cached wheel sizes; every
    # fix, the unsafe ones too: optimize builds and verifies what they make
    return fix(
        path,
        context_dir=context_dir,
        target=target,
        torch_index=torch_index,
        runtime_base=runtime_base,
        unsafe=True,
        skip=skip,
        writable=writable,
        force=force,
        dry_run=dry_run,
        offline=True,
    )


def _default_lint(path: Path, *, context_dir: Path | None, offline: bool) -> LintReport:
    from jettison.lint.core import lint

    return lint(path, context_dir=context_dir, offline=offline)


def _default_inspect(reference: str, *, progress: Progress | None) -> Inspection:
    from jettison.inspect.core import inspect_files

    return inspect_files(reference, progress=progress)


@dataclass(frozen=True)
class Steps:
    """The verbs optimize calls (tests substitute fakes)."""

    lint: LintFn = _default_lint
    fix: FixFn = _default_fix
    inspect: InspectFn = _default_inspect


def optimize(
    path: Path,
    *,
    context_dir: Path | None = None,
    check: CheckOptions | None = None,
    build: BuildOptions | None = None,
    target: Target = "auto",
    torch_index: str | None = None,
    runtime_base: str | None = None,
    keep_images: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    on_step: Callable[[str], None] = lambda _msg: None,
    on_line: Callable[[str], None] = lambda _line: None,
    steps: Steps | None = None,
) -> OptimizeReport:
    """Optimize the Dockerfile ``path`` (or the one in directory ``path``) and prove it.

    ``check``'s smoke command (default: the original image's ENTRYPOINT + CMD) runs in both
    images, without network, within its timeout (default here: 120 s); both must exit alike
    and print the same (or, with ``expect``, both match the regex). With a probe (a URL
    path) the command starts a service in each image instead, and ``GET /PROBE`` on the port
    (default: the original's lowest exposed TCP port), sent from inside the container, must
    answer 2xx in time, with the same status and body in both images (or both matching
    ``expect``). Both images are built with ``build``'s options. ``keep_images=False`` removes
    both images from the builder's store at the end. ``force`` lets fix replace its own
    earlier outputs; ``target``, ``torch_index`` and ``runtime_base`` are fix's. Raises
    ``JettisonError`` subclasses on bad input or a failed build; a failed verification is a
    report with ``verified`` False.
    """
    from jettison.facts.packages import TORCH_CPU_INDEX

    dockerfile, ctx = resolve_dockerfile(path, context_dir, verb="optimize")
    check = check or CheckOptions(timeout_s=DEFAULT_TIMEOUT_S)
    check.validate()
    build = build or BuildOptions()
    build.validate()
    run = _Run(
        verbs=steps or Steps(),
        dockerfile=dockerfile,
        ctx=ctx,
        fix_options=_FixOptions(target, torch_index or TORCH_CPU_INDEX, runtime_base, force),
        build=replace(build, builder=backend(build.builder)),
        on_step=on_step,
        on_line=on_line,
    )
    on_step(f"lint {dockerfile}")
    linted = run.verbs.lint(dockerfile, context_dir=ctx, offline=True)
    on_step("fix (dry run): can it be rewritten?")
    if run.fix(FIRST, dry_run=True).mounts and run.builder.name == "docker":
        raise BuildError(
            "local wheel folders need buildah (docker build cannot bind-mount host directories)",
            hint="build with --builder buildah, or give --torch-index an index URL",
        )
    on_step(f"build {run.tags[0]} from {dockerfile}")
    before = build_image(
        dockerfile, context_dir=ctx, tag=run.tags[0], options=run.build, on_line=on_line
    )
    try:
        check = run.resolve(check)
        fixed, after, verified = run.make(check, FIRST, again=False)
        repairs: tuple[Notice, ...] = ()
        original_ok = check_run(verified.runs[0].result, check.expect, probe=bool(check.probe))
        if not verified.verdict.ok and original_ok.ok:
            fixed, after, verified, repairs = _repaired(
                lambda attempt, again: run.make(check, attempt, again),
                (fixed, after, verified),
                on_step,
            )
        reports, diff = run.inspect_both(progress)
    finally:
        if not keep_images:
            for tag in run.tags:
                run.builder.remove_image(tag)
    runs, probed = verified.runs, verified.probe is not None
    return OptimizeReport(
        dockerfile=dockerfile,
        context_dir=ctx,
        optimized_dockerfile=fixed.files[0].path,
        target=fixed.target,
        builder=run.builder.name,
        original=_facts(run.tags[0], reports[0], before.build_seconds, runs[0].result, probed),
        optimized=_facts(run.tags[1], reports[1], after.build_seconds, runs[1].result, probed),
        smoke_command=check.smoke or (),
        expect=check.expect,
        verified=verified.verdict.ok,
        verdict=verified.verdict.reason,
        probe=verified.probe,
        causes=_causes(reports[0], reports[1]),
        changes=fixed.changes,
        lint=_lint_summary(linted),
        files_written=tuple(f.path for f in fixed.files),
        images_kept=keep_images,
        diff=diff,
        repairs=repairs,
    )


@dataclass(frozen=True)
class _FixOptions:
    target: Target
    torch_index: str
    runtime_base: str | None
    force: bool


@dataclass(frozen=True)
class _Run:
    """What one optimize run holds while it fixes, builds, checks and inspects."""

    verbs: Steps
    dockerfile: Path
    ctx: Path
    fix_options: _FixOptions
    build: BuildOptions
    """With the chosen backend as its builder."""
    on_step: Callable[[str], None]
    on_line: Callable[[str], None]

    @property
    def builder(self) -> Builder:
        assert not isinstance(self.build.builder, str)
        return self.build.builder

    @property
    def tags(self) -> tuple[str, str]:
        name = default_tag(self.ctx).rsplit(":", 1)[0]
        return f"{name}:original", f"{name}:optimized"

    def fix(self, attempt: Attempt, *, dry_run: bool, again: bool = False) -> FixReport:
        options = self.fix_options
        return self.verbs.fix(
            self.dockerfile,
            context_dir=self.ctx,
            target=options.target,
            torch_index=options.torch_index,
            runtime_base=options.runtime_base,
            force=options.force or again,  # a repair replaces what the first fix wrote
            dry_run=dry_run,
            skip=attempt.skipped,
            writable=attempt.writable,
        )

    def resolve(self, check: CheckOptions) -> CheckOptions:
        """The check both images get: the original's command unless one was given, the
        original's lowest exposed port unless one was given."""
        original = self.tags[0]
        command = check.smoke if check.smoke is not None else self.builder.image_command(original)
        if not command:
            raise BuildError(
                f"{original} has no CMD or ENTRYPOINT to run",
                hint='give the smoke command with --smoke "CMD"',
            )
        if check.probe is not None and check.port is None:
            check = replace(check, port=default_port(self.builder, original))
        return replace(check, smoke=command)

    def make(
        self, check: CheckOptions, attempt: Attempt, again: bool
    ) -> tuple[FixReport, BuildReport, VerifyReport]:
        """Fix with ``attempt``, build the optimized image, check both images."""
        self.on_step("fix: write the optimized files" + _attempt_text(attempt))
        fixed = self.fix(attempt, dry_run=False, again=again)
        written = fixed.files[0].path
        self.on_step(f"build {self.tags[1]} from {written}")
        after = build_image(
            written,
            context_dir=self.ctx,
            tag=self.tags[1],
            options=replace(self.build, mounts=(*self.build.mounts, *fixed.mounts)),
            on_line=self.on_line,
        )
        command = shlex.join(check.smoke or ())
        if check.probe is None:
            self.on_step(f"verify: smoke-run {command} in both images")
        else:
            self.on_step(f"verify: start {command}, GET {check.probe} on port {check.port}")
        return fixed, after, verify_images(self.tags, check, builder=self.builder)

    def inspect_both(self, progress: Progress | None) -> tuple[list[InspectReport], DiffReport]:
        inspections = []
        for tag in self.tags:
            self.on_step(f"inspect {tag}")
            inspections.append(_inspect(self.verbs.inspect, self.builder, tag, progress))
        diff = compare(inspections[0], inspections[1], trees=True)
        return [inspection.report for inspection in inspections], diff


Make = Callable[[Attempt, bool], tuple["FixReport", BuildReport, VerifyReport]]


def _repaired(
    make: Make,
    first: tuple[FixReport, BuildReport, VerifyReport],
    on_step: Callable[[str], None],
) -> tuple[FixReport, BuildReport, VerifyReport, tuple[Notice, ...]]:
    """The optimized image rebuilt without the unsafe fix that breaks it (or with the
    remedy that keeps it), and what was done, as a notice."""
    fixed, _after, verified = first
    unsafe = suspects(fixed.changes, fixed.restructured)
    reason = verified.verdict.reason
    if not unsafe:
        return (*first, (_notice(f"no unsafe fix to leave out; the check failed: {reason}"),))
    failing = verified.runs[1].result
    built: dict[Attempt, tuple[FixReport, BuildReport, VerifyReport]] = {}

    def attempt(candidate: Attempt) -> Outcome:
        built[candidate] = make(candidate, True)
        result = built[candidate][2].verdict
        return Outcome(candidate, result.ok, "" if result.ok else result.reason)

    on_step(f"verify failed ({reason}): looking for the fix that breaks it")
    said = f"{failing.stderr}\n{failing.stdout}"
    final = repair(Outcome(Attempt(), False, reason), said, unsafe, attempt)[-1]
    result = built[final.attempt]
    total, applied = len(fixed.changes), len(result[0].changes)
    if final.passed and final.attempt.writable:
        owned = ", ".join(final.attempt.writable)
        text = f"kept the non-root user: {owned} made its own (the service writes there: {reason})"
    elif final.passed:
        left = ", ".join(final.attempt.skipped)
        text = f"applied {applied} of {total} fixes; {left} broke the check: {reason}"
    else:
        text = f"every unsafe fix left out ({', '.join(unsafe)}), the check still fails"
    return (*result, (_notice(text),))


def _notice(message: str) -> Notice:
    return Notice(Severity.WARNING, message, kind="fix-repaired")


def _attempt_text(attempt: Attempt) -> str:
    if attempt.writable:
        return f" (the non-root user owns {', '.join(attempt.writable)})"
    if attempt.skipped:
        return f" (without {', '.join(attempt.skipped)})"
    return ""


def _inspect(
    inspect: InspectFn, builder: Builder, tag: str, progress: Progress | None
) -> Inspection:
    """Read ``tag`` where the builder says it can be read: in place in buildah's or podman's
    store, else an export into a temporary folder, removed when read."""
    with tempfile.TemporaryDirectory(prefix="jettison-optimize-") as tmp:
        return inspect(builder.image_reference(tag, Path(tmp)), progress=progress)


def _facts(
    tag: str, report: InspectReport, build_seconds: float, run: RunResult, probed: bool
) -> ImageFacts:
    return ImageFacts(
        image=tag,
        size_bytes=report.size_bytes,
        pull_bytes=report.pull_bytes,
        layer_count=sum(1 for layer in report.layers if layer.index is not None),
        build_seconds=build_seconds,
        smoke=SmokeFacts(
            exit_code=run.exit_code,
            timed_out=run.timed_out,
            seconds=run.seconds,
            stdout_tail=tuple(run.stdout.splitlines()[-5:]),
            stderr_tail=tuple(run.stderr.splitlines()[-5:]),
            http_status=probe_script.http_status(run.stdout) if probed else None,
        ),
    )


SHADOWED = ("shadowed", "Shadowed: deleted or overwritten in a later layer")


def _causes(before: InspectReport, after: InspectReport) -> tuple[CauseSaving, ...]:
    """Removable bytes by cause (and shadowed bytes) in each image; largest saving first."""
    titles: dict[str, str] = {}
    sizes: tuple[dict[str, int], dict[str, int]] = ({}, {})
    for report, size in zip((before, after), sizes, strict=True):
        for cause in report.removable:
            titles.setdefault(cause.cause, cause.title)
            size[cause.cause] = cause.size_bytes
        titles.setdefault(*SHADOWED)
        size[SHADOWED[0]] = report.shadowed.size_bytes
    causes = [
        CauseSaving(cause, title, sizes[0].get(cause, 0), sizes[1].get(cause, 0))
        for cause, title in titles.items()
        if sizes[0].get(cause, 0) or sizes[1].get(cause, 0)
    ]
    return tuple(sorted(causes, key=lambda c: (c.after_bytes - c.before_bytes, c.cause)))


def _lint_summary(report: LintReport) -> LintSummary:
    counts: dict[str, int] = {}
    for finding in report.findings:
        counts[finding.code] = counts.get(finding.code, 0) + 1
    return LintSummary(
        finding_count=len(report.findings),
        codes=tuple(CodeCount(code, n) for code, n in sorted(counts.items())),
        saving_bytes=report.saving_bytes,
    )


__all__ = ["DEFAULT_TIMEOUT_S", "Steps", "optimize"]
