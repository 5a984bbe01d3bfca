"""``jettison plan``: a standalone click command (the group in :mod:`jettison.cli.main`
registers it). Parses flags, calls :func:`jettison.plan.core.plan`, writes the report (stdout
or ``--output``) and the steps and builder output (stderr), and maps the outcome to an exit
code: 0 planned (and every measured check passed), 1 a measured build or check failed, 2 bad
input."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from jettison import api
from jettison.builder.options import parse_build_args, parse_mount
from jettison.cli.exits import EXIT_FAILED, EXIT_OK, exit_with
from jettison.cli.output import (
    CONTEXT_SETTINGS,
    Narration,
    builder_option,
    ca_bundle_option,
    format_option,
    output_option,
    progress_bars,
    quiet_option,
    refuse_overwrite,
    terminal_look,
    terminal_options,
    tls_verify_option,
    write_report,
)
from jettison.plan.model import Measurement, PlanReport
from jettison.render import Look, formats, render
from jettison.units import human_bytes


def failures(report: PlanReport) -> list[str]:
    """One line per measured build or check that failed (empty when nothing was measured)."""
    if report.measurement is None:
        return []
    return [
        f"{s.service} ({label}): {kind} failed: {detail}" if label else f"{s.service}: {detail}"
        for s in report.measurement.services
        for label, kind, detail in s.failures()
    ]


def storage_line(measurement: Measurement) -> str | None:
    """``registry storage A -> B (R of before)``, all three from the same figures: what the
    registry holds after ``--push`` (compressed), else each distinct layer's tar once."""
    ratio = measurement.storage_ratio
    if ratio is None:
        return None
    before, after, pushed = measurement.storage()
    where = " (what the registry holds, compressed)" if pushed else ""
    return (
        f"registry storage{where} {human_bytes(before)} -> {human_bytes(after)} "
        f"({ratio:.1%} of before)"
    )


@click.command("plan", context_settings=CONTEXT_SETTINGS)
@click.argument("repo", metavar="REPO", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    type=click.Path(path_type=Path),
    default=None,
    help="Where to write the plan; must be inside REPO (its images build with REPO as "
    "context).  [default: REPO/jettison-plan]",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an earlier plan in --out, and an existing --output file.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan, write nothing.")
@click.option(
    "--tag-prefix",
    metavar="PREFIX",
    default=None,
    help="Image names: PREFIX/base-GROUP:plan and PREFIX/SERVICE:plan.  "
    "[default: localhost/REPO-DIR-NAME]",
)
@click.option(
    "--share-threshold",
    metavar="FLOAT",
    type=float,
    default=0.5,
    show_default=True,
    help="A package goes into the shared base when at least this share of the services "
    "need it (0 < x <= 1; 1: only what every service needs).",
)
@click.option(
    "--offline",
    is_flag=True,
    help="Do not ask PyPI for dependency metadata (use the cache, then jettison's tables).",
)
@click.option(
    "--measure",
    is_flag=True,
    help="Build every service from its original Dockerfile and from the plan (no layer "
    "cache), check each one, and report sizes and distinct layers. The images stay in the "
    "builder's store.",
)
@click.option(
    "--push",
    "push_to",
    metavar="REGISTRY",
    default=None,
    help="With --measure: push every image built to REGISTRY (HOST[:PORT][/PATH]), so the "
    "shared bases are shared there, and read the registry storage from what it holds.",
)
@tls_verify_option("With --push: check the registry's TLS certificate.")
@builder_option
@ca_bundle_option()
@click.option(
    "--mount",
    "mounts",
    multiple=True,
    metavar="HOST:TARGET",
    help="A local folder (e.g. of wheels) visible read-only to RUN steps at TARGET, never "
    "copied into an image; buildah or podman only. Repeatable.",
)
@click.option(
    "--build-arg", "build_args", multiple=True, metavar="K=V", help="For every build. Repeatable."
)
@click.option(
    "--timeout",
    "timeout_s",
    type=float,
    default=120,
    show_default=True,
    help="Seconds a service's check may take (HTTP probe or smoke command).",
)
@format_option(
    formats("plan"),
    "Report format: terminal, JSON (versioned schema) or Markdown (for a pull request).",
)
@output_option
@terminal_options
@quiet_option
def plan_cmd(
    repo: Path,
    out_dir: Path | None,
    force: bool,
    dry_run: bool,
    tag_prefix: str | None,
    share_threshold: float,
    offline: bool,
    measure: bool,
    push_to: str | None,
    tls_verify: bool,
    builder: str,
    ca_bundle: Path | None,
    mounts: tuple[str, ...],
    build_args: tuple[str, ...],
    timeout_s: float,
    fmt: str,
    output: Path | None,
    color: bool | None,
    width: int | None,
    quiet: bool,
) -> None:
    """Plan shared base images and split requirements for the services of the monorepo REPO.

    Finds the services (Dockerfiles, compose files), what each one's code imports (following
    shared code such as libs/), and splits their requirements: a base set that most services
    share, heavy families (ML, CV, NLP, PDF, RDF) only for the services that import them,
    each service's own packages, and a dev file that no image installs. Pins are kept as
    written; the repository's own files are never changed.

    Writes requirements/*.txt, bases/GROUP/Dockerfile, services/SERVICE/Dockerfile (each
    FROM its shared base) and build.sh (bases first) under --out.

    With --measure, reports every service's size before and after, whether its check passes
    in both images (HTTP probe on its health path: the HEALTHCHECK's, compose's, or the
    health route its code declares; else its CMD), the registry storage with each distinct
    layer counted once, and what a node pulls to run them all.

    \b
    Examples:
      jettison plan . --dry-run
      jettison plan ~/src/fleet --measure --builder buildah \\
          --ca-bundle /etc/ssl/certs/ca-certificates.crt -f markdown -o plan.md

    Exit 0 when planned (and every measured check passes), 1 when a measured build or check
    fails, 2 on bad input.
    """
    narration = Narration(quiet)

    def run() -> int:
        refuse_overwrite(output, force)
        options = api.BuildOptions(
            builder=builder,
            ca_bundle=ca_bundle,
            mounts=tuple(parse_mount(value) for value in mounts),
            build_args=parse_build_args(build_args),
        )
        with progress_bars(measure and not quiet and sys.stderr.isatty()) as sink:
            report = api.plan(
                repo,
                out_dir=out_dir,
                tag_prefix=tag_prefix,
                share_threshold=share_threshold,
                offline=offline,
                write=not dry_run,
                force=force,
                measure=measure,
                build=options,
                timeout_s=timeout_s,
                progress=sink,
                on_step=narration.step,
                on_line=narration.line,
                push_to=push_to,
                tls_verify=tls_verify,
            )
        columns, use_color = terminal_look(output, color, width)
        text = render("plan", report, fmt, Look(columns, use_color))
        write_report(text, output, color=use_color)
        generated = report.generated
        if report.written:
            click.echo(
                f"jettison: wrote {len(generated.files)} files to {generated.out_dir}", err=True
            )
        else:
            click.echo(
                f"jettison: dry run: nothing written ({len(generated.files)} files planned "
                f"for {generated.out_dir})",
                err=True,
            )
        if report.measurement is not None:
            summary = storage_line(report.measurement)
            if summary is not None:
                click.echo(f"jettison: {summary}", err=True)
        failed = failures(report)
        for text in failed:
            click.echo(f"jettison: failed: {text}", err=True)
        return EXIT_FAILED if failed else EXIT_OK

    exit_with(run)
