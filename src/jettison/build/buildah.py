"""The buildah backend: daemonless builds into a containers/storage store.

Builds run ``buildah bud --layers``; ``STORAGE_DRIVER=overlay`` and
``BUILDAH_ISOLATION=chroot`` are set unless the environment already chooses. The CA bundle
is bind-mounted read-only for RUN steps (``-v FILE:/run/host-ca.crt:ro``), so it never
lands in a layer; so are the request's ``mounts`` (``-v DIR:TARGET:ro``).
``root``/``runroot`` select a private store (``buildah --root``).

``buildah run`` with chroot isolation shares the host's network and process namespaces:
``--network none`` still sees the host's loopback (a probed service listens there while it
runs), and what a command leaves running in the background would outlive the container,
so :meth:`BuildahBuilder.run` kills the run's process group when it ends.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from jettison.build import _process
from jettison.build._store import Store
from jettison.build.backend import (
    CA_MOUNT_TARGET,
    ArchiveFormat,
    BuildRequest,
    BuildResult,
    Network,
    RunResult,
)
from jettison.build.errors import BuildError
from jettison.errors import ImageError
from jettison.image.model import ImageConfig
from jettison.image.sources import open_image

# What `buildah run` itself appends to the command's stderr when the command fails.
_RUN_NOISE = re.compile(r"^(?:subprocess exited with status \d+|Error: exit status \d+)\n?$")
_DEFAULT_ENV = {"STORAGE_DRIVER": "overlay", "BUILDAH_ISOLATION": "chroot"}


def bud_argv(request: BuildRequest, iidfile: Path | None = None) -> list[str]:
    """The ``bud`` arguments for ``request`` (after ``buildah`` and its global options)."""
    # --force-rm: a failed build leaves no working container behind.
    # --format docker: the OCI image format has no HEALTHCHECK, which buildah would drop.
    argv = ["bud", "--layers", "--force-rm", "--format", "docker"]
    argv.append(f"--pull={'missing' if request.pull else 'never'}")
    if request.no_cache:
        argv.append("--no-cache")
    if iidfile is not None:
        argv += ["--iidfile", str(iidfile)]
    argv += ["-f", str(request.dockerfile), "-t", request.tag]
    for key, value in request.build_args.items():
        argv += ["--build-arg", f"{key}={value}"]
    for secret in request.secrets:
        argv += ["--secret", secret]
    if request.platform:
        argv += ["--platform", request.platform]
    if request.target:
        argv += ["--target", request.target]
    if request.ca_bundle is not None:
        argv += ["-v", f"{request.ca_bundle.resolve()}:{CA_MOUNT_TARGET}:ro"]
    for host, target in request.mounts:
        argv += ["-v", f"{host.resolve()}:{target}:ro"]
    argv.append(str(request.context))
    return argv


_OUT = "/tmp/.jettison-smoke.out"
_ERR = "/tmp/.jettison-smoke.err"
_CAPTURE = ("/bin/sh", "-c", f'"$@" >{_OUT} 2>{_ERR}', "jettison-smoke")
"""Runs the smoke command with its output sent to files in the container (exit code kept)."""


def _read(path: Path, fallback: str) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fallback


class BuildahBuilder:
    def __init__(
        self,
        *,
        binary: str = "buildah",
        root: Path | None = None,
        runroot: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self._binary = binary
        base = dict(os.environ if env is None else env)
        self._env = {**_DEFAULT_ENV, **base}
        self._store = Store(root, runroot, self._env["STORAGE_DRIVER"])

    @property
    def name(self) -> str:
        return "buildah"

    def available(self) -> bool:
        return shutil.which(self._binary, path=self._env.get("PATH")) is not None

    def command(self, *rest: str) -> list[str]:
        """``buildah [--root R --runroot RR --storage-driver D] REST...``."""
        return [self._binary, *self._store.global_args(), *rest]

    def store_reference(self, image: str) -> str:
        """``image`` as a containers-storage reference that jettison's reader opens."""
        return self._store.reference(image)

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        return _process.build_image(
            "buildah",
            request.tag,
            lambda iidfile: self.command(*bud_argv(request, iidfile)),
            self._env,
            on_line,
        )

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        dest = dest.resolve()
        tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex[:8]}.tmp")
        try:
            _process.check(
                self.command("push", "--quiet", image, f"{fmt}:{tmp}:{image}"),
                self._env,
                f"buildah push {image} {fmt}:{dest}",
            )
            tmp.replace(dest)
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network = "none"
    ) -> RunResult:
        ctr = _process.check(
            self.command("from", "--pull=never", image), self._env, f"buildah from {image}"
        ).strip()

        removed: list[bool] = []

        def remove() -> None:  # on timeout too: removing the container stops what it runs
            if not removed:
                removed.append(True)
                _process.run(self.command("rm", ctr), self._env, timeout_s=60)

        try:
            mount = self._mount(ctr)
            # With chroot isolation, buildah run can lose the output of a short-lived process
            # (seen here: an empty stdout from a program that printed a line). When the image
            # has a shell, the command writes its output to files in the container, read
            # back through the container's mount; otherwise its stdout is taken as it comes.
            wrapped = mount is not None and (mount / "bin" / "sh").exists()
            command = [*_CAPTURE, *argv] if wrapped else list(argv)
            done = _process.run(
                self.command("run", "--network", network, ctr, "--", *command),
                self._env,
                timeout_s=timeout_s,
                on_timeout=remove,
                kill_leftovers=True,
            )
            stdout, stderr = done.stdout, done.stderr
            if wrapped and mount is not None and not done.timed_out:
                stdout = _read(mount / _OUT.lstrip("/"), stdout)
                stderr = _read(mount / _ERR.lstrip("/"), stderr)
        finally:
            if not removed:
                _process.run(self.command("umount", ctr), self._env, timeout_s=60)
            remove()
        stderr = "".join(
            line for line in stderr.splitlines(keepends=True) if not _RUN_NOISE.match(line)
        )
        return RunResult(done.exit_code, stdout, stderr, done.seconds, done.timed_out)

    def _mount(self, ctr: str) -> Path | None:
        """The container's root on the host (``buildah mount``), or None when it fails."""
        done = _process.run(self.command("mount", ctr), self._env, timeout_s=60)
        path = Path(done.stdout.strip()) if done.exit_code == 0 else None
        return path if path is not None and path.is_dir() else None

    def _config(self, image: str) -> ImageConfig:
        try:
            with open_image(self.store_reference(image)) as opened:
                return opened.config
        except ImageError as exc:
            raise BuildError(f"cannot read the config of {image}: {exc}") from exc

    def image_command(self, image: str) -> tuple[str, ...]:
        config = self._config(image)
        return (*(config.entrypoint or ()), *(config.cmd or ()))

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return self._config(image).exposed_ports

    def image_id(self, image: str) -> str:
        """The full ID of ``image`` (a name or an ID) in the store."""
        found = _process.check(
            self.command("inspect", "--type", "image", "--format", "{{.FromImageID}}", image),
            self._env,
            f"buildah inspect {image}",
        ).strip()
        if not found:
            raise BuildError(f"buildah inspect {image} gave no image ID")
        return found

    def image_reference(self, image: str, scratch: Path) -> str:
        """``containers-storage:<id>`` in this builder's store (``scratch`` is not used)."""
        return self.store_reference(self.image_id(image))

    def remove_image(self, image: str) -> None:
        _process.run(self.command("rmi", image), self._env)
