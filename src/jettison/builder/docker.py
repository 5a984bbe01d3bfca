"""The docker backend: builds through a ``docker`` CLI with BuildKit, when an engine answers.

CLIs: a current one builds with BuildKit through its buildx plugin; one older than 23 has
BuildKit built in (``DOCKER_BUILDKIT=1``); one from 23 on without buildx cannot use BuildKit
at all ("BuildKit is enabled but the buildx component is missing"). Machines may have more
than one (here: 28.2.2 first on PATH without buildx, Debian's 20.10 in /usr/bin), so every
``docker`` on PATH is probed (``--version``, ``buildx version``) and the first that can
build with BuildKit builds, the build log saying which when it is not the first. When none
can, the classic builder builds a Dockerfile that needs no BuildKit feature (saying so), and
anything else fails with what is missing and how to get it (:mod:`._buildkit` lists the
features).

The engine is the CLI's: ``DOCKER_HOST`` and Docker contexts (``DOCKER_CONTEXT``, ``docker
context use``) are honoured, so builds can run on a remote engine. Builds use ``--network
host`` (containers here have no bridge network) and ``--progress plain`` (one line per event).

The CA bundle is passed as a BuildKit secret (``--secret id=ca,src=FILE``). A secret reaches
only the RUN steps that mount it, so the build uses a copy of the Dockerfile, in a temporary
folder, whose every RUN mounts it at ``/run/host-ca.crt``, as buildah's bind mount shows it
to every RUN; the user's Dockerfile is not changed, and the image holds nothing of it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from jettison.builder import _buildkit, _config, _process
from jettison.builder.backend import (
    CA_MOUNT_TARGET,
    ArchiveFormat,
    BuildRequest,
    BuildResult,
    Network,
    RunResult,
    request_flags,
)
from jettison.builder.errors import BuildError

CA_SECRET_ID = _buildkit.CA_SECRET_ID
EXTRA_CLIS = ("/usr/bin/docker", "/usr/local/bin/docker")
"""Looked at after PATH: where distributions and Docker's packages put the CLI."""
BUILDX_HINT = (
    "install the buildx plugin (Docker's docker-buildx-plugin package, or the docker-buildx "
    "binary in ~/.docker/cli-plugins/), or use a docker CLI older than 23 (BuildKit built "
    "in: Debian's docker.io), or build with --builder buildah"
)
_VERSION = re.compile(r"version v?(\d+)\.(\d+)[^\s,]*", re.IGNORECASE)


@dataclass(frozen=True)
class DockerCli:
    """A docker CLI, and how it builds with BuildKit (None: it cannot)."""

    path: str
    version: str
    buildkit: str | None
    """``buildx plugin``, ``built in``, or None."""

    @property
    def label(self) -> str:
        return f"docker {self.version} ({self.path})"


def probe_cli(path: str, env: Mapping[str, str]) -> DockerCli | None:
    """What the CLI at ``path`` is (None when it does not run)."""
    done = _process.run([path, "--version"], env, timeout_s=30)
    match = _VERSION.search(done.stdout)
    if done.exit_code != 0 or match is None:
        return None
    version = done.stdout.split("version", 1)[1].split(",")[0].strip()
    buildx = _process.run([path, "buildx", "version"], env, timeout_s=30).exit_code == 0
    built_in = int(match.group(1)) < 23
    return DockerCli(path, version, "buildx plugin" if buildx else "built in" if built_in else None)


def find_clis(binary: str, env: Mapping[str, str]) -> list[DockerCli]:
    """Every docker CLI here, in the order the shell would find them, then the usual places
    (``binary`` with a ``/``: only that one)."""
    if "/" in binary:
        paths = [binary]
    else:
        dirs = (env.get("PATH") or os.defpath).split(os.pathsep)
        paths = [os.path.join(d, binary) for d in dirs if d]  # noqa: PTH118
        paths += list(EXTRA_CLIS) if binary == "docker" else []
    seen: set[str] = set()
    found = []
    for path in paths:
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):  # noqa: PTH113
            continue
        real = os.path.realpath(path)
        if real in seen:
            continue
        seen.add(real)
        cli = probe_cli(path, env)
        if cli is not None:
            found.append(cli)
    return found


def build_argv(request: BuildRequest, iidfile: Path | None = None) -> list[str]:
    """The ``docker build`` arguments for ``request`` with BuildKit (after ``docker``)."""
    _refuse_mounts(request)
    argv = ["build", "--network", "host", "--progress", "plain"]
    argv += _cache_flags(request)
    ca_secret = []
    if request.options.ca_bundle is not None:
        ca_secret.append(f"id={CA_SECRET_ID},src={request.options.ca_bundle.resolve()}")
    argv += request_flags(request, iidfile, extra_secrets=ca_secret)
    argv.append(str(request.context))
    return argv


def classic_argv(request: BuildRequest, iidfile: Path | None = None) -> list[str]:
    """The ``docker build`` arguments for the classic builder (no BuildKit: no
    ``--progress``, no secrets; :func:`jettison.builder._buildkit.needs` said none are used)."""
    _refuse_mounts(request)
    argv = ["build", "--network", "host", *_cache_flags(request)]
    argv += request_flags(request, iidfile)
    argv.append(str(request.context))
    return argv


def _cache_flags(request: BuildRequest) -> list[str]:
    return (["--pull"] if request.options.pull else []) + (
        ["--no-cache"] if request.options.no_cache else []
    )


def _refuse_mounts(request: BuildRequest) -> None:
    if request.options.mounts:
        raise BuildError(
            "local wheel folders need buildah (docker build cannot bind-mount host directories)",
            hint="build with --builder buildah, or give --torch-index an index URL",
        )


class DockerBuilder:
    def __init__(self, *, binary: str = "docker", env: Mapping[str, str] | None = None) -> None:
        self._binary_name = binary
        self._env = dict(os.environ if env is None else env)

    @property
    def name(self) -> str:
        return "docker"

    @cached_property
    def clis(self) -> tuple[DockerCli, ...]:
        """The docker CLIs here (probed once)."""
        return tuple(find_clis(self._binary_name, self._env))

    @property
    def _binary(self) -> str:
        """The CLI for everything but builds (any does): the one that builds, else the first."""
        chosen = self._buildkit_cli() or (self.clis[0] if self.clis else None)
        return chosen.path if chosen is not None else self._binary_name

    def _buildkit_cli(self) -> DockerCli | None:
        return next((cli for cli in self.clis if cli.buildkit), None)

    def available(self) -> bool:
        if not self.clis:
            return False
        return _process.run([self._binary, "info"], self._env, timeout_s=15).exit_code == 0

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        if not self.clis:
            raise BuildError(
                f"no {self._binary_name} CLI found on PATH",
                hint="install Docker (apt-get install -y docker.io), or use --builder buildah",
            )
        kit = self._buildkit_cli()
        if kit is None:
            return self._classic(request, on_line)
        if kit is not self.clis[0]:
            on_line(
                f"jettison: {self.clis[0].label} cannot build with BuildKit (no buildx "
                f"plugin); {kit.label} builds (BuildKit {kit.buildkit})"
            )
        with tempfile.TemporaryDirectory(prefix="jettison-docker-") as tmp:
            built = _with_ca_mounts(request, Path(tmp))
            try:
                return _process.build_image(
                    "docker",
                    request.tag,
                    lambda iidfile: [kit.path, *build_argv(built, iidfile)],
                    {**self._env, "DOCKER_BUILDKIT": "1"},
                    on_line,
                )
            except BuildError as exc:
                frontend = _syntax(request.dockerfile)
                if frontend and _buildkit.syntax_failure(exc.log_tail, frontend):
                    raise BuildError(
                        str(exc), hint=_buildkit.SYNTAX_HINT, step=exc.step, log_tail=exc.log_tail
                    ) from exc
                raise

    def _classic(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        """No CLI here has BuildKit: the classic builder, when the build needs no BuildKit."""
        cli = self.clis[0]
        options = request.options
        reasons = _buildkit.needs(
            request.dockerfile,
            secrets=bool(options.secrets),
            ca_bundle=options.ca_bundle is not None,
        )
        if reasons:
            raise BuildError(
                f"cannot build {request.tag} with docker: {_none_builds(self.clis)}, and the "
                f"build needs BuildKit for {'; '.join(reasons)}",
                hint=BUILDX_HINT,
            )
        on_line(
            f"jettison: {_none_builds(self.clis)}; the Dockerfile needs no BuildKit feature, so "
            "Docker's classic builder builds it"
        )
        return _process.build_image(
            "docker",
            request.tag,
            lambda iidfile: [cli.path, *classic_argv(request, iidfile)],
            {**self._env, "DOCKER_BUILDKIT": "0"},
            on_line,
        )

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        if fmt != "docker-archive":
            raise BuildError(
                f"docker save writes docker-archives only, not {fmt}",
                hint="use --format docker-archive, or --builder buildah",
            )
        return _process.write_archive(
            dest,
            lambda tmp: [self._binary, "save", "-o", str(tmp), image],
            self._env,
            f"docker save {image}",
        )

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network = "none"
    ) -> RunResult:
        def run_argv(name: str) -> list[str]:
            cmd = [self._binary, "run", "--rm", "--name", name, "--network", network]
            return cmd + (["--entrypoint", argv[0], image, *argv[1:]] if argv else [image])

        return _process.run_container(
            run_argv,
            lambda name: [self._binary, "rm", "--force", name],
            self._env,
            timeout_s=timeout_s,
        )

    def _config(self, image: str) -> dict[str, Any]:
        out = _process.check(
            [self._binary, "image", "inspect", "--format", "{{json .Config}}", image],
            self._env,
            f"docker image inspect {image}",
        )
        return _config.parse(out, image)

    def image_command(self, image: str) -> tuple[str, ...]:
        return _config.command(self._config(image))

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return _config.exposed_ports(self._config(image))

    def image_reference(self, image: str, scratch: Path) -> str:
        """A docker-archive of ``image`` in ``scratch`` (the daemon's store is not readable
        from here); named after the image, so asking twice rewrites one file."""
        digest = hashlib.sha256(image.encode()).hexdigest()[:16]
        return str(self.export(image, scratch / f"image-{digest}.tar", "docker-archive"))

    def push(self, image: str, destination: str, *, tls_verify: bool = True) -> str:
        """``docker tag IMAGE DESTINATION`` and ``docker push DESTINATION``. The engine
        decides about TLS: it speaks plain HTTP to registries on 127.0.0.0/8 and to its
        ``insecure-registries``, so ``tls_verify`` cannot be passed on."""
        del tls_verify
        _process.check([self._binary, "tag", image, destination], self._env, "docker tag")
        out = _process.check(
            [self._binary, "push", destination], self._env, f"docker push {destination}"
        )
        found = re.search(r"digest: (sha256:[0-9a-f]{64})", out)
        if found is None:
            raise BuildError(f"docker push {destination} printed no digest", log_tail=(out,))
        return found.group(1)

    def remove_image(self, image: str) -> None:
        _process.run([self._binary, "rmi", image], self._env, timeout_s=60)


def _none_builds(clis: Sequence[DockerCli]) -> str:
    """``docker 28.2.2 (/usr/local/bin/docker) has no BuildKit (no buildx plugin)``."""
    names = ", ".join(cli.label for cli in clis)
    verb = "has" if len(clis) == 1 else "have"
    return f"{names} {verb} no BuildKit (no buildx plugin)"


def _syntax(dockerfile: Path) -> str | None:
    """The frontend image a ``# syntax=`` directive names, if there is one."""
    try:
        head = dockerfile.read_text(encoding="utf-8", errors="replace")[:4096]
    except OSError:
        return None
    found = re.search(r"^\s*#\s*syntax\s*=\s*(\S+)", head, re.MULTILINE | re.IGNORECASE)
    return found.group(1) if found else None


def _with_ca_mounts(request: BuildRequest, folder: Path) -> BuildRequest:
    """``request`` building a copy of its Dockerfile whose every RUN mounts the CA secret,
    when there is a CA bundle (else ``request`` itself). The copy's .dockerignore is the
    original's (``NAME.dockerignore`` beside it, which BuildKit prefers to the context's)."""
    if request.options.ca_bundle is None:
        return request
    copy = folder / "Dockerfile"
    copy.write_text(_buildkit.with_ca_mounts(request.dockerfile, CA_MOUNT_TARGET), "utf-8")
    ignore = request.dockerfile.with_name(request.dockerfile.name + ".dockerignore")
    if ignore.is_file():
        shutil.copyfile(ignore, folder / "Dockerfile.dockerignore")
    return dataclasses.replace(request, dockerfile=copy)
