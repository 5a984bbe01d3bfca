"""``docker://`` against a real Docker Engine (Debian's dockerd, the session's own): an image read
from the engine's export as it streams reports what ``docker save``'s archive of it reports,
number for number; the engine is found through DOCKER_HOST or a docker context.
"""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import pytest

from integration.conftest import BuiltImage
from jettison.inspect.core import inspect
from jettison.inspect.report import InspectReport
from support import engines

pytestmark = pytest.mark.integration


@pytest.fixture
def engine(docker_engine: engines.Engine) -> engines.Engine:
    """The session's own dockerd (conftest's ``docker_engine``), which holds the stand-in
    python:3.11-slim."""
    return docker_engine


def comparable(report: InspectReport) -> dict[str, object]:
    fields = dataclasses.asdict(report)
    for key in ("reference", "source_kind", "notes"):
        fields.pop(key)
    return fields


def same_as_saved(engine: engines.Engine, name: str, tmp_path: Path) -> InspectReport:
    saved = tmp_path / f"{name.replace('/', '_').replace(':', '_')}.tar"
    engine.docker("save", "-o", str(saved), name)
    before = set(tmp_path.iterdir())
    streamed = inspect(f"docker://{name}", verify="all", cache=False)
    assert set(tmp_path.iterdir()) == before  # nothing written beside the saved archive
    assert comparable(streamed) == comparable(inspect(str(saved), verify="all", cache=False))
    return streamed


def test_a_base_image(
    engine: engines.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DOCKER_HOST", engine.host)
    report = same_as_saved(engine, "python:3.11-slim", tmp_path)
    assert report.source_kind == "docker-daemon"
    assert report.notes[0].message.startswith(
        "python:3.11-slim is docker.io/library/python:3.11-slim (Docker's normalisation), image "
    )
    assert report.notes[0].message.endswith(f"in the Docker Engine at {engine.host} (DOCKER_HOST)")


def test_a_real_image_built_with_buildah(
    engine: engines.Engine,
    real_images: dict[str, BuiltImage],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DOCKER_HOST", engine.host)
    built = real_images["python"]
    engine.docker("load", "-i", str(built.docker_archive))
    report = same_as_saved(engine, built.name, tmp_path)
    assert report.size_bytes == built.report("docker-archive").size_bytes


def test_through_a_docker_context(
    engine: engines.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "docker-config"
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    monkeypatch.delenv("DOCKER_HOST", raising=False)
    subprocess.run(
        [engines.DEBIAN_CLI, "context", "create", "it-engine", "--docker", f"host={engine.host}"],
        env={**engine.env(), "DOCKER_CONFIG": str(config)} | {"DOCKER_HOST": ""},
        check=True, capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("DOCKER_CONTEXT", "it-engine")
    report = inspect("docker-daemon:python:3.11-slim", cache=False)
    assert report.notes[0].message.endswith(f"at {engine.host} (context it-engine)")
