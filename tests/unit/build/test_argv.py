"""The command lines each backend builds from a BuildRequest."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.build.backend import BuildRequest
from jettison.build.buildah import BuildahBuilder, bud_argv
from jettison.build.docker import build_argv
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
        "bud", "--layers", "--force-rm", "--pull=never", "--iidfile", "/tmp/iid",
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
        "bud", "--layers", "--force-rm", "--pull=missing", "-f", f"{tmp_path}/Dockerfile",
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
        "bud", "--layers", "--force-rm", "--pull=never", "-f", f"{tmp_path}/Dockerfile",
        "-t", "t", "-v", f"{wheels}:/wheels:ro", str(tmp_path),
    ]  # fmt: skip


def test_docker_refuses_mounts(tmp_path: Path) -> None:
    request = _request(tmp_path, mounts=((tmp_path, "/wheels"),))
    with pytest.raises(BuildError, match="need buildah") as caught:
        build_argv(request)
    assert caught.value.hint
