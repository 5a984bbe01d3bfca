"""The buildah backend: daemonless builds into a containers/storage store.

Builds run ``buildah bud --layers`` with the flags podman's build takes too
(:class:`~jettison.builder._containers.StoreBuilder`: the CA bundle and the request's
``mounts`` are bind-mounted read-only, never written into a layer).
``STORAGE_DRIVER=overlay`` and ``BUILDAH_ISOLATION=chroot`` are set unless the environment
already chooses. ``root``/``runroot`` select a private store (``buildah --root``).

``buildah run`` with chroot isolation shares the host's network and process namespaces:
``--network none`` still sees the host's loopback (a probed service listens there while it
runs), and what a command leaves running in the background would outlive the container,
so :meth:`BuildahBuilder.run` kills the run's process group when it ends.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import ClassVar

from jettison.builder import _process
from jettison.builder._containers import StoreBuilder
from jettison.builder.backend import ArchiveFormat, Network, RunResult
from jettison.builder.errors import BuildError
from jettison.errors import ImageError
from jettison.image.model import ImageConfig
from jettison.image.sources import open_image

# What `buildah run` itself appends to the command's stderr when the command fails.
_RUN_NOISE = re.compile(r"^(?:subprocess exited with status \d+|Error: exit status \d+)\n?$")


_OUT = "/tmp/.jettison-smoke.out"
_ERR = "/tmp/.jettison-smoke.err"
_CAPTURE = ("/bin/sh", "-c", f'"$@" >{_OUT} 2>{_ERR}', "jettison-smoke")
"""Runs the smoke command with its output sent to files in the container (exit code kept)."""


def _read(path: Path, fallback: str) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return fallback


class BuildahBuilder(StoreBuilder):
    NAME = "buildah"
    BUILD_VERB = "bud"
    INSPECT = ("inspect", "--type", "image")
    ID_TEMPLATE = "{{.FromImageID}}"
    ENV_DEFAULTS: ClassVar[Mapping[str, str]] = {
        "STORAGE_DRIVER": "overlay",
        "BUILDAH_ISOLATION": "chroot",
    }

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        return _process.write_archive(
            dest,
            lambda tmp: self.command("push", "--quiet", image, f"{fmt}:{tmp}:{image}"),
            self._env,
            f"buildah push {image} {fmt}:{dest}",
        )

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
