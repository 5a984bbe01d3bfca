"""The command lines each backend builds from a BuildRequest."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from jettison.builder import podman
from jettison.builder._containers import StoreBuilder
from jettison.builder.backend import ARCHIVE_FORMATS, BuildRequest, RunResult
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.docker import DockerBuilder, build_argv
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions, Mount
from jettison.builder.podman import PodmanBuilder


def _request(tmp_path: Path, **extra: object) -> BuildRequest:
    ca = tmp_path / "ca.crt"
    ca.write_text("x")
    options: dict[str, object] = {
        "build_args": (("A", "1"), ("B", "x=y")),
        "secrets": ("id=pip,src=/etc/pip.conf",),
        "ca_bundle": ca,
        "platform": "linux/arm64",
    }
    options.update(extra)
    return BuildRequest(
        tmp_path / "ctx",
        tmp_path / "ctx" / "Dockerfile",
        "localhost/app:1",
        "runtime",
        BuildOptions(**options),  # type: ignore[arg-type]
    )


STORE_BUILDERS = pytest.mark.parametrize(
    ("make", "verb"),
    [(BuildahBuilder, "bud"), (PodmanBuilder, "build")],
    ids=["buildah", "podman"],
)
"""buildah and podman build alike (podman's build is buildah's): the same flags after the verb."""


@STORE_BUILDERS
def test_store_build_argv(make: type[StoreBuilder], verb: str, tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    request = _request(tmp_path, pull=True, mounts=(Mount(wheels, "/wheels"),))
    assert make(env={}).build_argv(request, iidfile=Path("/tmp/iid")) == [
        verb, "--layers", "--force-rm", "--format", "docker",
        "--pull=missing", "--iidfile", "/tmp/iid",
        "-f", f"{tmp_path}/ctx/Dockerfile", "-t", "localhost/app:1",
        "--build-arg", "A=1", "--build-arg", "B=x=y",
        "--secret", "id=pip,src=/etc/pip.conf",
        "--platform", "linux/arm64", "--target", "runtime",
        "-v", f"{tmp_path}/ca.crt:/run/host-ca.crt:ro",
        "-v", f"{wheels}:/wheels:ro",
        f"{tmp_path}/ctx",
    ]  # fmt: skip


@STORE_BUILDERS
def test_store_minimal_request(make: type[StoreBuilder], verb: str, tmp_path: Path) -> None:
    request = BuildRequest(tmp_path, tmp_path / "Dockerfile", "t")
    assert make(env={}).build_argv(request) == [
        verb, "--layers", "--force-rm", "--format", "docker",
        "--pull=never", "-f", f"{tmp_path}/Dockerfile",
        "-t", "t", str(tmp_path),
    ]  # fmt: skip


@STORE_BUILDERS
def test_private_store_and_env(make: type[StoreBuilder], verb: str, tmp_path: Path) -> None:
    builder = make(root=tmp_path / "r", runroot=tmp_path / "rr", env={"PATH": "/x"})
    assert builder.command("images") == [
        builder.name, "--root", f"{tmp_path}/r", "--runroot", f"{tmp_path}/rr",
        "--storage-driver", "overlay", "images",
    ]  # fmt: skip
    assert builder.store_reference("localhost/a:1") == (
        f"containers-storage:[overlay@{tmp_path}/r+{tmp_path}/rr]localhost/a:1"
    )
    assert make(env={}).command("images") == [builder.name, "images"]
    assert make(env={}).store_reference("a") == "containers-storage:a"


@STORE_BUILDERS
def test_keeps_the_users_storage_driver(
    make: type[StoreBuilder], verb: str, tmp_path: Path
) -> None:
    builder = make(root=tmp_path, env={"STORAGE_DRIVER": "vfs"})
    assert builder.command()[-2:] == ["--storage-driver", "vfs"]
    assert builder.store_reference("a") == f"containers-storage:[vfs@{tmp_path}]a"


def test_docker_build_argv(tmp_path: Path) -> None:
    argv = build_argv(_request(tmp_path, pull=True))
    assert argv == [
        "build", "--network", "host", "--progress", "plain", "--pull",
        "-f", f"{tmp_path}/ctx/Dockerfile", "-t", "localhost/app:1",
        "--build-arg", "A=1", "--build-arg", "B=x=y",
        "--secret", "id=pip,src=/etc/pip.conf",
        "--secret", f"id=ca,src={tmp_path}/ca.crt",
        "--platform", "linux/arm64", "--target", "runtime",
        f"{tmp_path}/ctx",
    ]  # fmt: skip


def test_docker_refuses_mounts(tmp_path: Path) -> None:
    request = _request(tmp_path, mounts=(Mount(tmp_path, "/wheels"),))
    with pytest.raises(BuildError, match="need buildah") as caught:
        build_argv(request)
    assert caught.value.hint


def test_no_cache(tmp_path: Path) -> None:
    request = BuildRequest(
        tmp_path, tmp_path / "Dockerfile", "t", options=BuildOptions(no_cache=True)
    )
    plain = BuildRequest(tmp_path, tmp_path / "Dockerfile", "t")
    assert build_argv(request)[:6] == [
        "build", "--network", "host", "--progress", "plain", "--no-cache",
    ]  # fmt: skip
    assert "--no-cache" not in build_argv(plain)
    for make in (BuildahBuilder, PodmanBuilder):
        assert make(env={}).build_argv(request)[5:7] == ["--pull=never", "--no-cache"]
        assert "--no-cache" not in make(env={}).build_argv(plain)


def test_podman_run_argv() -> None:
    assert podman.run_argv("img", ["/usr/bin/env", "a b"], name="n", network="none") == [
        "run", "--rm", "--pull=never", "--name", "n", "--network", "none",
        "--entrypoint", '["/usr/bin/env"]', "img", "a b",
    ]  # fmt: skip
    assert podman.run_argv("img", [], name="n", network="host")[-3:] == [
        "--network", "host", "img",
    ]  # fmt: skip


# A stand-in for the builder CLIs: logs its arguments, answers inspect, writes the image ID
# to --iidfile, and an archive where save -o or push names one.
FAKE_CLI = """#!/bin/sh
echo "$*" >> "$0.log"
case "$*" in
  *--iidfile*)
    while [ "$#" -gt 0 ]; do
      if [ "$1" = --iidfile ]; then echo 89abcdef > "$2"; fi
      shift
    done ;;
  *push*)
    for arg in "$@"; do
      case "$arg" in *-archive:*) dest=${arg#*-archive:}; echo archive > "${dest%%:*}" ;; esac
    done ;;
  *"--format {{.FromImageID}}"*) echo 0123abcd ;;
  *"--format {{.Id}}"*) echo 4567ef01 ;;
  *"--format {{json .Config}}"*)
    echo '{"Entrypoint":["tini","--"],"Cmd":["serve"],'\
'"ExposedPorts":{"8000/tcp":{},"53/udp":{}}}' ;;
  *save*)
    while [ "$#" -gt 0 ]; do
      if [ "$1" = -o ]; then echo archive > "$2"; fi
      shift
    done ;;
esac
"""


def _fake_cli(tmp_path: Path, name: str) -> Path:
    cli = tmp_path / name
    cli.write_text(FAKE_CLI)
    cli.chmod(0o755)
    return cli


def _log(cli: Path) -> list[str]:
    return cli.with_name(cli.name + ".log").read_text().splitlines()


@STORE_BUILDERS
def test_store_builds_exports_and_removes(
    make: type[StoreBuilder], verb: str, tmp_path: Path
) -> None:
    cli = _fake_cli(tmp_path, "cli")
    builder = make(binary=str(cli), env={"PATH": "/usr/bin:/bin"})
    request = BuildRequest(tmp_path, tmp_path / "Dockerfile", "localhost/a:1")
    result = builder.build(request, lambda _line: None)
    assert (result.image, result.image_id) == ("localhost/a:1", "89abcdef")
    assert _log(cli)[0].startswith(f"{verb} --layers --force-rm ")
    for fmt in ARCHIVE_FORMATS:
        dest = builder.export("localhost/a:1", tmp_path / f"{fmt}.tar", fmt)
        assert dest == (tmp_path / f"{fmt}.tar").resolve()
        assert dest.read_text() == "archive\n"
    assert not list(tmp_path.glob(".*.tmp"))  # written under a temporary name, then moved
    builder.remove_image("localhost/a:1")
    assert _log(cli)[-1] == "rmi localhost/a:1"


def test_image_reference_reads_stores_in_place_and_exports_from_docker(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    buildah = _fake_cli(tmp_path, "buildah")
    store = (tmp_path / "r", tmp_path / "rr")
    builder = BuildahBuilder(binary=str(buildah), root=store[0], runroot=store[1], env=env)
    assert builder.image_reference("localhost/a:1", tmp_path) == (
        f"containers-storage:[overlay@{tmp_path}/r+{tmp_path}/rr]0123abcd"
    )
    assert _log(buildah)[-1].endswith(
        "inspect --type image --format {{.FromImageID}} localhost/a:1"
    )

    podman_cli = _fake_cli(tmp_path, "podman")
    pod = PodmanBuilder(binary=str(podman_cli), env=env)
    assert pod.image_reference("localhost/a:1", tmp_path) == "containers-storage:4567ef01"
    assert pod.image_command("localhost/a:1") == ("tini", "--", "serve")
    assert pod.exposed_ports("localhost/a:1") == ("53/udp", "8000/tcp")

    docker_cli = _fake_cli(tmp_path, "docker")
    dock = DockerBuilder(binary=str(docker_cli), env=env)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    reference = dock.image_reference("localhost/a:1", scratch)
    assert Path(reference).parent == scratch.resolve()
    assert Path(reference).read_text() == "archive\n"
    assert dock.image_reference("localhost/a:1", scratch) == reference  # one file per image
    assert [p.name for p in scratch.iterdir()] == [Path(reference).name]
    assert dock.exposed_ports("localhost/a:1") == ("53/udp", "8000/tcp")
    assert dock.image_command("localhost/a:1") == ("tini", "--", "serve")


def test_kill_leftovers_stops_what_the_command_left_running() -> None:
    from jettison.builder import _process

    done = _process.run(
        ["/bin/sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $!"], {}, kill_leftovers=True
    )
    pid = int(done.stdout)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    assert not _alive(pid)


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie is dead, just not reaped


def test_run_container_removes_the_container_only_on_timeout(tmp_path: Path) -> None:
    from jettison.builder import _process

    removed = tmp_path / "removed"

    def run(script: str, timeout_s: float) -> RunResult:
        return _process.run_container(
            lambda name: ["/bin/sh", "-c", script, "sh", name],
            lambda name: ["/bin/sh", "-c", f'echo "$1" >> {removed}', "sh", name],
            {},
            timeout_s=timeout_s,
        )

    done = run('echo "$1"', 10)
    assert (done.exit_code, done.timed_out) == (0, False)
    assert done.stdout.startswith("jettison-verify-")
    assert not removed.exists()
    late = run("sleep 10", 0.5)
    assert (late.exit_code, late.timed_out) == (-1, True)
    assert removed.read_text().startswith("jettison-verify-")  # the name the run was given


def test_run_container_removes_the_container_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jettison.builder import _process

    removed = tmp_path / "removed"
    real_run = _process.run
    calls: list[str] = []

    def interrupted_run(argv: Sequence[str], *args: Any, **kwargs: Any) -> _process.Finished:
        calls.append(argv[2])
        if len(calls) == 1:  # Ctrl-C while the container runs: the CLI dies, it does not
            raise KeyboardInterrupt
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(_process, "run", interrupted_run)
    with pytest.raises(KeyboardInterrupt):
        _process.run_container(
            lambda name: ["/bin/sh", "-c", "sleep 10", "sh", name],
            lambda name: ["/bin/sh", "-c", f'echo "$1" >> {removed}', "sh", name],
            {},
            timeout_s=10,
        )
    assert removed.read_text().startswith("jettison-verify-")
