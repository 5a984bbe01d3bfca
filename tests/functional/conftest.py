"""Fixtures for the functional tests: images written by the test image writer, a clean cwd,
and a runner of the real command line (click's runner in-process; a subprocess where the
whole program must be exercised)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from jettison.cli.main import cli
from support.imagewriter import (
    History,
    ImageSpec,
    LayerSpec,
    file,
    sized,
    whiteout,
    write_docker_archive,
    write_oci_archive,
    write_oci_layout,
)

SITE = "usr/local/lib/python3.11/site-packages"
PYTEST_RECORD = (
    "pytest-8.0.0.dist-info/METADATA,,\n"
    "pytest-8.0.0.dist-info/RECORD,,\n"
    "_pytest/__init__.py,,\n"
    "_pytest/main.py,,\n"
)

ML_SPEC = ImageSpec(
    [
        LayerSpec(
            [
                file("etc/os-release", "ID=debian\nVERSION_ID=12\n"),  # 23 bytes
                sized("var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease", 5000),
                sized("usr/bin/tool", 3000),
            ],
            created_by="ADD rootfs.tar /",
        ),
        LayerSpec(
            [
                sized(f"{SITE}/app/__init__.py", 100),
                sized(f"{SITE}/app/__pycache__/__init__.cpython-311.pyc", 400),
                file(f"{SITE}/pytest-8.0.0.dist-info/METADATA", "Name: pytest\nVersion: 8.0.0\n"),
                file(f"{SITE}/pytest-8.0.0.dist-info/RECORD", PYTEST_RECORD),
                sized(f"{SITE}/_pytest/__init__.py", 700),
                sized(f"{SITE}/_pytest/main.py", 1300),
                sized("models/bert/model.safetensors", 20_000),
            ],
            compression="gzip",
            created_by="RUN pip install app pytest",
        ),
        LayerSpec(
            [whiteout("usr/bin/tool"), file("etc/os-release", "ID=custom\n")],  # 10 bytes
            compression="zstd",
            created_by="RUN rm /usr/bin/tool",
        ),
    ],
    history=[
        History("ADD rootfs.tar /"),
        History("ENV PYTHONDONTWRITEBYTECODE=", empty_layer=True),
        History("RUN pip install app pytest"),
        History("RUN rm /usr/bin/tool"),
        History('CMD ["python", "-m", "app"]', empty_layer=True),
    ],
    cmd=["python", "-m", "app"],
    user="1000",
    tag="localhost/ml-service:1.0",
)
"""A small AI/ML service image with one example of each kind of dead weight."""

FORMATS = ("docker-archive", "docker-archive-oci-blobs", "oci-layout", "oci-archive")


def write_image(kind: str, directory: Path, spec: ImageSpec = ML_SPEC, **kwargs: object) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    if kind == "docker-archive":
        return write_docker_archive(directory / "image.tar", spec, "legacy", **kwargs)  # type: ignore[arg-type]
    if kind == "docker-archive-oci-blobs":
        return write_docker_archive(directory / "image.tar", spec, "oci-blobs", **kwargs)  # type: ignore[arg-type]
    if kind == "oci-layout":
        return write_oci_layout(directory / "layout", spec, **kwargs)  # type: ignore[arg-type]
    if kind == "oci-archive":
        return write_oci_archive(directory / "image.oci.tar", spec, **kwargs)  # type: ignore[arg-type]
    raise ValueError(kind)


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def stderr_lines(self) -> list[str]:
        return self.stderr.splitlines()


@pytest.fixture
def images(tmp_path: Path) -> Path:
    """Where tests write their images: outside the working directory."""
    path = tmp_path / "images"
    path.mkdir()
    return path


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty current directory (so no pyproject.toml of this repository is found)."""
    path = tmp_path / "work"
    path.mkdir()
    monkeypatch.chdir(path)
    monkeypatch.delenv("JETTISON_DEBUG", raising=False)
    return path


@pytest.fixture
def run_cli(workdir: Path) -> Callable[..., Run]:
    """Run the real command line in-process: ``run_cli("inspect", path, "-f", "json")``."""

    def run(*args: str | Path) -> Run:
        result = CliRunner().invoke(cli, [str(a) for a in args], prog_name="jettison")
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception  # a crash, not an exit: show its traceback
        return Run(result.exit_code, result.stdout, result.stderr)

    return run


@pytest.fixture
def run_process(workdir: Path) -> Iterator[Callable[..., Run]]:
    """Run ``python -m jettison`` in a subprocess, as a user would."""
    env = {k: v for k, v in os.environ.items() if k != "JETTISON_DEBUG"}
    src = str(Path(__file__).resolve().parents[2] / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)

    def run(*args: str | Path) -> Run:
        proc = subprocess.run(
            [sys.executable, "-m", "jettison", *(str(a) for a in args)],
            capture_output=True,
            cwd=workdir,
            env=env,
            timeout=120,
            check=False,
        )
        return Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))

    yield run
