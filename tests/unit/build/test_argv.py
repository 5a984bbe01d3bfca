"""The command lines each backend builds from a BuildRequest."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jettison.build import podman
from jettison.build.backend import BuildRequest
from jettison.build.buildah import BuildahBuilder, bud_argv
from jettison.build.docker import DockerBuilder, build_argv
from jettison.build.errors import BuildError


def _request(tmp_path: Path, **extra: object) -> BuildRequest:
    ca = tmp_path / "ca.crt"
    ca.write_text("x")
    fields: dict[str, object] = {
        "context": tmp_path / "ctx",
        "dockerfile": tmp_path / "ctx" / "Dockerfile",
        "tag": "localhost/app:1",
        "build_args": {"A": "1", "B": "x=y"},
        "secrets": ("id=pip,src=/etc/pip.conf",),
        "ca_bundle": ca,
        "platform": "linux/arm64",
        "target": "runtime",
    }
    fields.update(extra)
    return BuildRequest(**fields)  # type: ignore[arg-type]


def test_buildah_bud_argv(tmp_path: Path) -> None:
    argv = bud_argv(_request(tmp_path), iidfile=Path("/tmp/iid"))
    assert argv == [
        "bud", "--layers", "--force-rm", "--format", "docker",
        "--pull=never", "--iidfile", "/tmp/iid",
        "-f", f"{tmp_path}/ctx/Dockerfile", "-t", "localhost/app:1",
        "--build-arg", "A=1", "--build-arg", "B=x=y",
        "--secret", "id=pip,src=/etc/pip.conf",
        "--platform", "linux/arm64", "--target", "runtime",
        "-v", f"{tmp_path}/ca.crt:/run/host-ca.crt:ro",
        f"{tmp_path}/ctx",
    ]  # fmt: skip


def test_buildah_minimal_request_and_pull(tmp_path: Path) -> None:
    request = BuildRequest(tmp_path, tmp_path / "Dockerfile", "t", pull=True)
    assert bud_argv(request) == [
        "bud", "--layers", "--force-rm", "--format", "docker",
        "--pull=missing", "-f", f"{tmp_path}/Dockerfile",
        "-t", "t", str(tmp_path),
    ]  # fmt: skip


def test_buildah_private_store_and_env(tmp_path: Path) -> None:
    builder = BuildahBuilder(root=tmp_path / "r", runroot=tmp_path / "rr", env={"PATH": "/x"})
    assert builder.command("images") == [
        "buildah", "--root", f"{tmp_path}/r", "--runroot", f"{tmp_path}/rr",
        "--storage-driver", "overlay", "images",
    ]  # fmt: skip
    assert builder.store_reference("localhost/a:1") == (
        f"containers-storage:[overlay@{tmp_path}/r+{tmp_path}/rr]localhost/a:1"
    )
    assert BuildahBuilder(env={}).command("images") == ["buildah", "images"]
    assert BuildahBuilder(env={}).store_reference("a") == "containers-storage:a"


def test_buildah_keeps_the_users_storage_driver(tmp_path: Path) -> None:
    builder = BuildahBuilder(root=tmp_path, env={"STORAGE_DRIVER": "vfs"})
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


def test_buildah_mounts_are_read_only(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    request = BuildRequest(tmp_path, tmp_path / "Dockerfile", "t", mounts=((wheels, "/wheels"),))
    assert bud_argv(request) == [
        "bud", "--layers", "--force-rm", "--format", "docker",
        "--pull=never", "-f", f"{tmp_path}/Dockerfile",
        "-t", "t", "-v", f"{wheels}:/wheels:ro", str(tmp_path),
    ]  # fmt: skip


def test_docker_refuses_mounts(tmp_path: Path) -> None:
    request = _request(tmp_path, mounts=((tmp_path, "/wheels"),))
    with pytest.raises(BuildError, match="need buildah") as caught:
        build_argv(request)
    assert caught.value.hint


def test_no_cache(tmp_path: Path) -> None:
    request = BuildRequest(tmp_path, tmp_path / "Dockerfile", "t", no_cache=True)
    assert bud_argv(request)[:7] == [
        "bud",
        "--layers",
        "--force-rm",
        "--format",
        "docker",
        "--pull=never",
        "--no-cache",
    ]
    assert build_argv(request)[:6] == [
        "build", "--network", "host", "--progress", "plain", "--no-cache",
    ]  # fmt: skip
    assert podman.build_argv(request)[:7] == [
        "build", "--layers", "--force-rm", "--format", "docker",
        "--pull=never", "--no-cache",
    ]  # fmt: skip
    plain = BuildRequest(tmp_path, tmp_path / "Dockerfile", "t")
    for argv in (bud_argv(plain), build_argv(plain), podman.build_argv(plain)):
        assert "--no-cache" not in argv


def test_podman_build_argv(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    argv = podman.build_argv(
        _request(tmp_path, pull=True, mounts=((wheels, "/wheels"),)), iidfile=Path("/tmp/iid")
    )
    assert argv == [
        "build", "--layers", "--force-rm", "--format", "docker",
        "--pull=missing", "--iidfile", "/tmp/iid",
        "-f", f"{tmp_path}/ctx/Dockerfile", "-t", "localhost/app:1",
        "--build-arg", "A=1", "--build-arg", "B=x=y",
        "--secret", "id=pip,src=/etc/pip.conf",
        "--platform", "linux/arm64", "--target", "runtime",
        "-v", f"{tmp_path}/ca.crt:/run/host-ca.crt:ro",
        "-v", f"{wheels}:/wheels:ro",
        f"{tmp_path}/ctx",
    ]  # fmt: skip


def test_podman_run_argv() -> None:
    assert podman.run_argv("img", ["/usr/bin/env", "a b"], name="n", network="none") == [
        "run", "--rm", "--pull=never", "--name", "n", "--network", "none",
        "--entrypoint", '["/usr/bin/env"]', "img", "a b",
    ]  # fmt: skip
    assert podman.run_argv("img", [], name="n", network="host")[-3:] == [
        "--network", "host", "img",
    ]  # fmt: skip


def test_podman_private_store(tmp_path: Path) -> None:
    builder = podman.PodmanBuilder(root=tmp_path / "r", runroot=tmp_path / "rr", env={})
    assert builder.command("images") == [
        "podman", "--root", f"{tmp_path}/r", "--runroot", f"{tmp_path}/rr",
        "--storage-driver", "overlay", "images",
    ]  # fmt: skip
    assert builder.store_reference("abc") == (
        f"containers-storage:[overlay@{tmp_path}/r+{tmp_path}/rr]abc"
    )
    assert podman.PodmanBuilder(env={}).command("images") == ["podman", "images"]


# A stand-in for the builder CLIs: logs its arguments, answers inspect, writes save -o.
FAKE_CLI = """#!/bin/sh
echo "$*" >> "$0.log"
case "$*" in
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
    pod = podman.PodmanBuilder(binary=str(podman_cli), env=env)
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
    from jettison.build import _process

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
