"""``jettison optimize``: a standalone click command (the group in :mod:`jettison.cli.main`
registers it). Parses flags, calls :func:`jettison.optimize.api.optimize`, writes the report
(stdout or ``--output``) and the steps (stderr)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal, cast

import click

from jettison.cli.output import (
    CONTEXT_SETTINGS,
    builder_option,
    runtime_base_option,
    target_option,
)
from jettison.optimize.render import FORMATS

EXIT_OK, EXIT_NOT_VERIFIED = 0, 1


@click.command(
    "optimize",
    context_settings=CONTEXT_SETTINGS,
)
@click.argument("path", metavar="PATH", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--context",
    "context_dir",
    metavar="DIR",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="The build context.  [default: the Dockerfile's directory]",
)
@click.option(
    "--smoke",
    metavar='"CMD"',
    default=None,
    help="Command run in both images (split like a shell would).  "
    "[default: the original image's ENTRYPOINT + CMD]",
)
@click.option(
    "--expect",
    metavar="REGEX",
    default=None,
    help="Instead of identical output, require both outputs to match REGEX.",
)
@click.option(
    "--probe",
    metavar="PATH",
    default=None,
    help="Start the command as a service and GET http://127.0.0.1:PORT/PATH from inside "
    "each container: both must answer 2xx with the same status and body (or match --expect).",
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port --probe asks.  [default: the original image's lowest exposed TCP port]",
)
@click.option(
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=0, min_open=True),
    default=120,
    show_default=True,
    help="Seconds before the smoke command is killed (with --probe: to wait for an answer).",
)
@target_option
@click.option(
    "--torch-index",
    metavar="URL|DIR",
    default=None,
    help="Where the CPU target gets torch: an index URL, or a local folder of wheels "
    "(absolute path or file:// URL; mounted read-only at /wheels during the build, never "
    "copied into the image; buildah only).  [default: PyTorch's CPU index]",
)
@runtime_base_option
@builder_option
@click.option(
    "--ca-bundle",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="CA bundle visible to RUN steps at /run/host-ca.crt (e.g. for pip behind a "
    "TLS-intercepting proxy), never written into the images.",
)
@click.option("--keep-images", is_flag=True, help="Keep both images in the builder's store.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="tty",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to FILE instead of stdout.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace an existing --output file, and the files of an earlier fix.",
)
@click.option("--quiet", "-q", is_flag=True, help="Do not show the steps and the builder output.")
def optimize_cmd(
    path: Path,
    context_dir: Path | None,
    smoke: str | None,
    expect: str | None,
    probe: str | None,
    port: int | None,
    timeout_s: float,
    target: str,
    torch_index: str | None,
    runtime_base: str | None,
    builder: str,
    ca_bundle: Path | None,
    keep_images: bool,
    fmt: str,
    output: Path | None,
    force: bool,
    quiet: bool,
) -> None:
    """Rewrite the Dockerfile PATH (or the one in directory PATH), build the original and
    the optimized image, inspect both and verify that the smoke command behaves the same.

    The optimized files are written next to the original (Dockerfile.jettison,
    requirements.runtime.txt, requirements-dev.txt); the original is never changed.
    Exit 0 when optimized and verified, 1 when verification fails, 2 on bad input or a
    failed build.
    """
    from jettison.cli.main import run_guarded
    from jettison.cli.output import refuse_overwrite
    from jettison.optimize.api import optimize
    from jettison.optimize.render import render

    color = sys.stderr.isatty()

    def step(message: str) -> None:
        if not quiet:
            click.echo(f"jettison: {message}", err=True)

    def line(text: str) -> None:
        if not quiet:
            click.echo(click.style(text, dim=True), err=True, color=color)

    def run() -> int:
        refuse_overwrite(output, force)
        report = optimize(
            path,
            context_dir=context_dir,
            smoke=smoke,
            expect=expect,
            timeout_s=timeout_s,
            probe=probe,
            port=port,
            target=cast(Literal["cpu", "gpu", "auto"], target),
            torch_index=torch_index,
            runtime_base=runtime_base,
            builder=builder,
            ca_bundle=ca_bundle,
            keep_images=keep_images,
            force=force,
            on_step=step,
            on_line=line,
        )
        text = render(report, fmt)
        if output is None:
            click.echo(text, nl=False)
        else:
            output.write_text(text, encoding="utf-8")
            click.echo(f"jettison: wrote {output}", err=True)
        if not report.verified:
            click.echo(f"jettison: the optimized image failed: {report.verdict}", err=True)
            return EXIT_NOT_VERIFIED
        return EXIT_OK

    sys.exit(run_guarded(run))
