"""The facade for ``build`` and ``verify``: one function per verb, each returning a report.

Raises :class:`jettison.builder.errors.BuildError` (or another ``JettisonError``) on failure;
never prints.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.builder import probe as probe_script
from jettison.builder.backend import ArchiveFormat, Builder, BuildRequest, RunResult
from jettison.builder.errors import BuildError
from jettison.builder.select import choose_builder
from jettison.builder.verify import Verdict, check, compare, smoke
from jettison.builder.verify import probe as probe_run
from jettison.dockerfile.discover import dockerfiles_in, locate
from jettison.dockerfile.images import name_component
from jettison.errors import ConfigError, DockerfileError


@dataclass(frozen=True)
class BuildReport:
    builder: str
    image: str
    image_id: str
    build_seconds: float
    archive: Path | None
    archive_format: ArchiveFormat | None


@dataclass(frozen=True)
class SmokeRun:
    image: str
    command: tuple[str, ...] | None
    """The command given, or None when the image's own ENTRYPOINT/CMD ran (with a probe:
    the service's command)."""
    result: RunResult


@dataclass(frozen=True)
class HttpProbe:
    """``GET http://127.0.0.1:PORT/PATH``, sent from inside the container."""

    path: str
    port: int


@dataclass(frozen=True)
class VerifyReport:
    builder: str
    runs: tuple[SmokeRun, ...]
    """One run per image, in the order given (before, after)."""
    expect: str | None
    verdict: Verdict
    probe: HttpProbe | None = None
    """Set when the runs probed an HTTP service instead of running a command to its end."""


def resolve_dockerfile(
    path: Path, context: Path | None, *, verb: str = "build"
) -> tuple[Path, Path]:
    """``(dockerfile, context)`` for a Dockerfile or a directory holding one, found and
    inferred as ``jettison lint`` finds them (:mod:`jettison.dockerfile.discover`); the
    builder's errors are configuration errors."""
    if path.is_dir() and not dockerfiles_in(path):
        raise ConfigError(
            f"{path} holds no Dockerfile or Containerfile",
            hint="give its path (any name), e.g. docker/app.Dockerfile",
        )
    try:
        return locate(path, context, verb=verb)
    except DockerfileError as exc:
        raise ConfigError(str(exc), hint=exc.hint) from exc


def default_tag(context: Path) -> str:
    return f"localhost/{name_component(context.resolve().name, 'image')}:latest"


def parse_build_args(values: Sequence[str]) -> dict[str, str]:
    args: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise ConfigError(f"--build-arg {value!r} is not KEY=VALUE")
        args[key] = val
    return args


def build(
    path: Path,
    *,
    context: Path | None = None,
    tag: str | None = None,
    builder: str | Builder = "auto",
    build_args: Mapping[str, str] | None = None,
    secrets: Sequence[str] = (),
    ca_bundle: Path | None = None,
    platform: str | None = None,
    target: str | None = None,
    pull: bool = False,
    no_cache: bool = False,
    mounts: Sequence[tuple[Path, str]] = (),
    output: Path | None = None,
    archive_format: ArchiveFormat = "docker-archive",
    on_line: Callable[[str], None] = lambda _line: None,
) -> BuildReport:
    """Build the Dockerfile at ``path`` (or in the directory ``path``), optionally export it.

    ``no_cache`` runs every step again instead of reusing layers of earlier builds.
    """
    dockerfile, ctx = resolve_dockerfile(path, context)
    if ca_bundle is not None and not ca_bundle.is_file():
        raise ConfigError(f"CA bundle {ca_bundle} is not a file")
    for secret in secrets:
        if "id=" not in secret:
            raise ConfigError(f"--secret {secret!r} has no id=", hint="e.g. id=pip,src=FILE")
    for host, _target in mounts:
        if not host.is_dir():
            raise ConfigError(f"build mount {host} is not a directory")
    chosen = choose_builder(builder) if isinstance(builder, str) else builder
    request = BuildRequest(
        context=ctx,
        dockerfile=dockerfile,
        tag=tag or default_tag(ctx),
        build_args=dict(build_args or {}),
        secrets=tuple(secrets),
        ca_bundle=ca_bundle,
        platform=platform,
        target=target,
        pull=pull,
        mounts=tuple(mounts),
        no_cache=no_cache,
    )
    result = chosen.build(request, on_line)
    archive = chosen.export(result.image, output, archive_format) if output else None
    return BuildReport(
        chosen.name,
        result.image,
        result.image_id,
        result.seconds,
        archive,
        archive_format if archive else None,
    )


def smoke_argv(smoke_command: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """``--smoke`` as argv: a string split like a shell would (into at least one word), a
    sequence as it is; None (run the image's own command) stays None."""
    if smoke_command is None:
        return None
    if not isinstance(smoke_command, str):
        return tuple(smoke_command)
    try:
        argv = tuple(shlex.split(smoke_command))
    except ValueError as exc:
        raise ConfigError(f"--smoke {smoke_command!r}: {exc}") from exc
    if not argv:
        raise ConfigError("--smoke is empty")
    return argv


def validate_check_options(
    *, timeout_s: float, expect: str | None, probe: str | None, port: int | None
) -> None:
    """Refuse a bad ``--timeout``, ``--expect``, ``--probe`` or ``--port`` with a
    ConfigError, before anything is built or run (verify, optimize)."""
    if timeout_s <= 0:
        raise ConfigError("--timeout must be positive")
    if expect is not None:
        try:
            re.compile(expect)
        except re.error as exc:
            raise ConfigError(f"--expect {expect!r} is not a regular expression: {exc}") from exc
    if probe is not None:
        probe_script.check_path(probe)
    if port is not None:
        if probe is None:
            raise ConfigError("--port needs --probe", hint="e.g. --probe /healthz --port 8000")
        probe_script.check_port(port)


def verify(
    images: Sequence[str],
    *,
    smoke_command: str | Sequence[str] | None = None,
    timeout_s: float = 60,
    expect: str | None = None,
    builder: str | Builder = "auto",
    probe: str | None = None,
    port: int | None = None,
) -> VerifyReport:
    """Run the smoke command in one image (it must pass) or two (they must agree).

    With ``probe`` (a URL path), the command (default: the image's ENTRYPOINT + CMD)
    starts a service instead, and ``GET http://127.0.0.1:PORT/PROBE`` must answer 2xx
    within ``timeout_s`` (two images: with the same status and body). ``port`` defaults to
    the first image's lowest exposed TCP port.
    """
    if len(images) not in (1, 2):
        raise ConfigError("verify takes one image, or two to compare")
    validate_check_options(timeout_s=timeout_s, expect=expect, probe=probe, port=port)
    argv = smoke_argv(smoke_command)
    chosen = choose_builder(builder) if isinstance(builder, str) else builder
    target = None
    if probe is not None:
        target = HttpProbe(probe, port if port is not None else default_port(chosen, images[0]))

    def run(image: str) -> RunResult:
        if target is None:
            return smoke(chosen, image, argv, timeout_s)
        return probe_run(
            chosen, image, path=target.path, port=target.port, command=argv, timeout_s=timeout_s
        )

    runs = tuple(SmokeRun(image, argv, run(image)) for image in images)
    if len(runs) == 1:
        verdict = check(runs[0].result, expect, probe=target is not None)
    else:
        verdict = compare(runs[0].result, runs[1].result, expect, probe=target is not None)
    return VerifyReport(chosen.name, runs, expect, verdict, target)


def default_port(builder: Builder, image: str) -> int:
    """The port a probe of ``image`` asks when none is given: its lowest exposed TCP port."""
    found = probe_script.first_port(builder.exposed_ports(image))
    if found is None:
        raise ConfigError(
            f"{image} exposes no TCP port to probe", hint="give the port with --port N"
        )
    return found


__all__ = [
    "BuildError",
    "BuildReport",
    "HttpProbe",
    "SmokeRun",
    "VerifyReport",
    "build",
    "default_port",
    "smoke_argv",
    "validate_check_options",
    "verify",
]
