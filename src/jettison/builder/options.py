"""What the verbs that build or check images take: two small frozen option objects.

``build``, ``optimize`` and ``plan`` build images with :class:`BuildOptions`; ``verify`` and
``optimize`` check them with :class:`CheckOptions`. Each is validated once, before anything
is built or run, with a :class:`~jettison.errors.ConfigError` that names the flag.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from jettison.builder import probe as probe_script
from jettison.errors import ConfigError

BUILDER_CHOICES = ("auto", "buildah", "podman", "docker")
"""``--builder``'s values: ``auto``, then the builders in the order ``auto`` tries them
(:data:`jettison.builder.select.BUILDERS`); here so the CLI need not import the builders."""

if TYPE_CHECKING:
    from jettison.builder.backend import Builder


class Mount(NamedTuple):
    """A host folder visible read-only to RUN steps at ``target``, never in the image."""

    host: Path
    target: str


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """How images are built, the same for every build of a verb.

    ``ca_bundle`` is visible to RUN steps at ``/run/host-ca.crt`` and never written into the
    image; ``mounts`` are host folders visible read-only to RUN steps (buildah and podman
    only); ``secrets`` are ``id=ID,src=FILE`` specs as ``docker build`` takes them;
    ``pull=False`` uses only base images already in the builder's store; ``no_cache`` runs
    every step again instead of reusing layers of earlier builds.
    """

    builder: str | Builder = "auto"
    """``auto``, ``buildah``, ``podman``, ``docker``, or a backend object."""
    ca_bundle: Path | None = None
    mounts: tuple[Mount, ...] = ()
    build_args: tuple[tuple[str, str], ...] = ()
    secrets: tuple[str, ...] = ()
    platform: str | None = None
    pull: bool = False
    no_cache: bool = False

    @property
    def build_arg_map(self) -> dict[str, str]:
        return dict(self.build_args)

    def validate(self) -> None:
        """ConfigError for a bad CA bundle, secret or mount, before any build."""
        if self.ca_bundle is not None and not self.ca_bundle.is_file():
            raise ConfigError(f"CA bundle {self.ca_bundle} is not a file", hint="give a PEM file")
        for secret in self.secrets:
            if "id=" not in secret:
                raise ConfigError(f"--secret {secret!r} has no id=", hint="e.g. id=pip,src=FILE")
        for host, target in self.mounts:
            if not host.is_dir():
                raise ConfigError(
                    f"--mount {host}:{target}: {host} is not a directory",
                    hint="give an existing folder, e.g. --mount ./wheels:/wheels",
                )
            if not target.startswith("/"):
                raise ConfigError(
                    f"--mount {host}:{target}: the target must be an absolute path",
                    hint="e.g. --mount ./wheels:/wheels",
                )

    def require_mount_support(self, chosen: Builder) -> None:
        """ConfigError when there are mounts and ``chosen`` cannot bind-mount host folders."""
        if self.mounts and chosen.name == "docker":
            raise ConfigError(
                "--mount needs buildah or podman (docker build cannot bind-mount host folders "
                "into RUN steps)",
                hint="build with --builder buildah",
            )


def parse_build_args(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``K=V`` flags as (key, value) pairs; ConfigError for one without ``=``."""
    args: dict[str, str] = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise ConfigError(f"--build-arg {value!r} is not KEY=VALUE")
        args[key] = val
    return tuple(args.items())


def parse_mount(value: str) -> Mount:
    """``HOST:TARGET`` as a :class:`Mount` (the host folder is checked by :meth:`validate`)."""
    host, sep, target = value.rpartition(":")
    if not sep or not host or not target:
        raise ConfigError(
            f"--mount {value!r} is not HOST:TARGET",
            hint="e.g. --mount ./wheels:/wheels (a folder made visible to RUN steps)",
        )
    return Mount(Path(host).expanduser(), target)


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How an image is checked: a smoke command run to its end, or an HTTP probe of the
    service the command starts.

    ``smoke`` is the command as argv (None: the image's ENTRYPOINT + CMD). With ``probe`` (a
    URL path) the command starts a service and ``GET http://127.0.0.1:PORT/PROBE``, sent
    from inside the container, must answer 2xx within ``timeout_s``; ``port`` defaults to
    the image's lowest exposed TCP port. ``expect`` (a regex) replaces the comparison of
    outputs by a match in each.
    """

    smoke: tuple[str, ...] | None = None
    probe: str | None = None
    port: int | None = None
    timeout_s: float = 60.0
    expect: str | None = None

    @classmethod
    def from_text(cls, smoke: str | None = None, **fields: object) -> CheckOptions:
        """Options with ``--smoke "CMD"`` split like a shell would."""
        return cls(smoke=smoke_argv(smoke), **fields)  # type: ignore[arg-type]

    def validate(self) -> None:
        """ConfigError for a bad ``--timeout``, ``--expect``, ``--probe`` or ``--port``,
        before anything is built or run."""
        if self.timeout_s <= 0:
            raise ConfigError("--timeout must be positive")
        if self.smoke is not None and not self.smoke:
            raise ConfigError("--smoke is empty")
        if self.expect is not None:
            try:
                re.compile(self.expect)
            except re.error as exc:
                raise ConfigError(
                    f"--expect {self.expect!r} is not a regular expression: {exc}"
                ) from exc
        if self.probe is not None:
            probe_script.check_path(self.probe)
        if self.port is not None:
            if self.probe is None:
                raise ConfigError("--port needs --probe", hint="e.g. --probe /healthz --port 8000")
            probe_script.check_port(self.port)


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
