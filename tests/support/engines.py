"""Real Docker Engines for tests: Debian's ``dockerd`` (docker.io), started here on a socket
of its own with its data in a temporary folder, stopped by its pid.

As ``/work/shared/ENVIRONMENT.md`` found: no iptables, no bridge (containers run with
``--network none``, builds with ``--network host``); the engine starts its own containerd
under ``--exec-root``, which is kept short (containerd's socket path must fit in 108 bytes).

Two CLIs may be on a machine: a current one with the buildx plugin, or Debian's 20.10 with
BuildKit built in (``/usr/bin/docker``); :func:`docker_cli` finds one that can build.
What is missing raises :class:`~support.registries.Unavailable` (a skip, or a failure in CI).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from support import services
from support.registries import Unavailable

START_TIMEOUT_S = 90
DEBIAN_CLI = "/usr/bin/docker"


@dataclass
class Engine:
    socket: Path
    process: subprocess.Popen[bytes]
    root: Path
    log: Path

    @property
    def host(self) -> str:
        return f"unix://{self.socket}"

    def env(self, cli: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("DOCKER_CONTEXT",)}
        env["DOCKER_HOST"] = self.host
        return env

    def docker(self, *args: str, timeout: float = 600, cli: str | None = None) -> str:
        argv = [cli or docker_cli(), *args]
        done = subprocess.run(
            argv, env=self.env(), capture_output=True, text=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed: {(done.stdout + done.stderr)[-2000:]}")
        return done.stdout

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


def docker_cli() -> str:
    """A docker CLI that can build with BuildKit: one with buildx, else Debian's 20.10."""
    for candidate in (shutil.which("docker"), DEBIAN_CLI):
        if candidate and Path(candidate).is_file() and _can_build(candidate):
            return candidate
    raise Unavailable("no docker CLI that builds with BuildKit (apt-get install -y docker.io)")


def _can_build(cli: str) -> bool:
    has_buildx = subprocess.run(
        [cli, "buildx", "version"], capture_output=True, text=True, check=False
    )
    if has_buildx.returncode == 0:
        return True
    version = subprocess.run(
        [cli, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    major = version.stdout.strip().split(".")[0]
    return major.isdigit() and int(major) < 23  # BuildKit built in until 23.0


def _mounts_under(top: Path) -> list[str]:
    prefix = f"{top}/"
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as fh:
        for line in fh:
            point = line.split(" ")[4]
            if point.startswith(prefix):
                found.append(point)
    return found


@contextlib.contextmanager
def running(name: str = "engine") -> Iterator[Engine]:
    """A dockerd of its own for the block; its data removed afterwards."""
    if shutil.which("dockerd") is None:
        raise Unavailable("dockerd is not installed (apt-get install -y docker.io)")
    if os.geteuid() != 0:
        raise Unavailable("dockerd needs root here")
    top = Path(tempfile.mkdtemp(prefix="jd-"))
    log = top / "dockerd.log"
    argv = [
        "dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none",
        "--data-root", str(top / "data"), "--exec-root", str(top / "x"),
        "--host", f"unix://{top / 'docker.sock'}", "--pidfile", str(top / "docker.pid"),
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    engine = Engine(top / "docker.sock", process, top, log)
    try:
        _wait(engine)
        version = engine.docker("version", "--format", "{{.Server.Version}}", cli=DEBIAN_CLI)
        services.record(f"dockerd {version.strip()} ({name}) on {engine.host} (pid {process.pid})")
        yield engine
    finally:
        engine.stop()
        for point in sorted(_mounts_under(top), key=len, reverse=True):
            subprocess.run(["umount", "-l", point], capture_output=True, check=False)
        shutil.rmtree(top, ignore_errors=True)


def _wait(engine: Engine) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if engine.process.poll() is not None:
            raise Unavailable(f"dockerd exited at start: {engine.log.read_text()[-2000:]}")
        if engine.socket.exists():
            done = subprocess.run(
                [DEBIAN_CLI, "version"], env=engine.env(), capture_output=True, check=False
            )
            if done.returncode == 0:
                return
        time.sleep(0.3)
    raise Unavailable(f"dockerd did not answer on {engine.host} in {START_TIMEOUT_S}s")


def load_from_buildah(engine: Engine, images: tuple[str, ...], scratch: Path) -> None:
    """Copy images from the machine's buildah store into ``engine`` (``buildah push
    docker-archive:``, then ``docker load``): how the stand-in bases reach Docker here."""
    for name in images:
        archive = scratch / (name.replace("/", "_").replace(":", "_") + ".tar")
        done = subprocess.run(
            ["buildah", "push", "--quiet", name, f"docker-archive:{archive}:{name}"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"buildah push {name} failed: {done.stderr[-1000:]}")
        engine.docker("load", "-i", str(archive), cli=DEBIAN_CLI)
        archive.unlink()
