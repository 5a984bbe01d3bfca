"""The facade for ``build`` and ``verify``: one function per verb, each returning a report.

Raises :class:`jettison.build.errors.BuildError` (or another ``JettisonError``) on failure;
never prints.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.build.backend import ArchiveFormat, Builder, BuildRequest, RunResult
from jettison.build.errors import BuildError
from jettison.build.select import choose_builder
from jettison.build.verify import Verdict, check, compare, smoke
from jettison.errors import ConfigError

DOCKERFILE_NAMES = ("Dockerfile", "Containerfile")


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
    """The command given, or None when the image's own ENTRYPOINT/CMD ran."""
    result: RunResult


@dataclass(frozen=True)
class VerifyReport:
    builder: str
    runs: tuple[SmokeRun, ...]
    """One run per image, in the order given (before, after)."""
    expect: str | None
    verdict: Verdict


def resolve_dockerfile(path: Path, context: Path | None) -> tuple[Path, Path]:
    """``(dockerfile, context)`` for a Dockerfile or a directory holding one."""
    if path.is_dir():
        found = next((path / n for n in DOCKERFILE_NAMES if (path / n).is_file()), None)
        if found is None:
            raise ConfigError(f"{path} holds no Dockerfile or Containerfile", hint="give its path")
        dockerfile = found
    elif path.is_file():
        dockerfile = path
    else:
        raise ConfigError(f"{path}: no such file or directory")
    ctx = context if context is not None else dockerfile.parent
    if not ctx.is_dir():
        raise ConfigError(f"build context {ctx} is not a directory")
    return dockerfile, ctx


def default_tag(context: Path) -> str:
    name = "".join(c if c.isalnum() or c in "._-" else "-" for c in context.resolve().name.lower())
    return f"localhost/{name.strip('.-_') or 'image'}:latest"


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
    mounts: Sequence[tuple[Path, str]] = (),
    output: Path | None = None,
    archive_format: ArchiveFormat = "docker-archive",
    on_line: Callable[[str], None] = lambda _line: None,
) -> BuildReport:
    """Build the Dockerfile at ``path`` (or in the directory ``path``), optionally export it."""
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


def verify(
    images: Sequence[str],
    *,
    smoke_command: str | Sequence[str] | None = None,
    timeout_s: float = 60,
    expect: str | None = None,
    builder: str | Builder = "auto",
) -> VerifyReport:
    """Run the smoke command in one image (it must pass) or two (they must agree)."""
    if len(images) not in (1, 2):
        raise ConfigError("verify takes one image, or two to compare")
    if timeout_s <= 0:
        raise ConfigError("--timeout must be positive")
    argv: tuple[str, ...] | None
    if isinstance(smoke_command, str):
        try:
            argv = tuple(shlex.split(smoke_command))
        except ValueError as exc:
            raise ConfigError(f"--smoke {smoke_command!r}: {exc}") from exc
        if not argv:
            raise ConfigError("--smoke is empty")
    else:
        argv = tuple(smoke_command) if smoke_command is not None else None
    if expect is not None:
        try:
            re.compile(expect)
        except re.error as exc:
            raise ConfigError(f"--expect {expect!r} is not a regular expression: {exc}") from exc
    chosen = choose_builder(builder) if isinstance(builder, str) else builder
    runs = tuple(SmokeRun(i, argv, smoke(chosen, i, argv, timeout_s)) for i in images)
    if len(runs) == 1:
        verdict = check(runs[0].result, expect)
    else:
        verdict = compare(runs[0].result, runs[1].result, expect)
    return VerifyReport(chosen.name, runs, expect, verdict)


__all__ = ["BuildError", "BuildReport", "SmokeRun", "VerifyReport", "build", "verify"]
