"""``jettison plan --dry-run`` on a monorepo whose services hand pip their options on the RUN
line (a wheel folder with ``--find-links``, a constraints file with ``-c``) and name their
base with a registry host (``tests/fixtures/plan/registry_monorepo``, issue 15): every
service is planned, pip's inputs are mounted into the generated installs, the health routes
come from the code and OpenCV goes headless (JT304) without the X11 library it needed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support.registry_monorepo import registry_monorepo

from .conftest import Run

RunCli = Callable[..., Run]


def _instructions(dockerfile: str) -> str:
    """The Dockerfile without its comments (which quote the lines they replace)."""
    return "\n".join(line for line in dockerfile.splitlines() if not line.startswith("#"))


@pytest.fixture
def planned(run_cli: RunCli, tmp_path: Path) -> tuple[dict[str, object], dict[str, str]]:
    root = registry_monorepo(tmp_path / "fleet")
    done = run_cli("plan", root, "--offline", "--dry-run", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert not (root / "jettison-plan").exists()
    report = json.loads(done.stdout)
    generated = report["generated"]
    return report, dict(zip(generated["files"], generated["contents"], strict=True))


def test_every_service_is_planned_on_the_slim_variant_of_its_registry_base(
    planned: tuple[dict[str, object], dict[str, str]],
) -> None:
    report, files = planned
    generated = report["generated"]
    assert isinstance(generated, dict)
    assert generated["kept_original"] == []
    assert [p for p in report["problems"] if p["severity"] != "info"] == []  # type: ignore[attr-defined]
    for service in ("orders", "search", "vision"):
        assert f"services/{service}/Dockerfile" in files
    assert "\nFROM localhost/python:3.11-slim\n" in files["bases/base/Dockerfile"]
    assert "FROM localhost/fleet/base-cv:plan" in files["services/vision/Dockerfile"]


def test_the_wheel_folder_and_constraints_are_mounted_into_the_base_installs(
    planned: tuple[dict[str, object], dict[str, str]],
) -> None:
    _, files = planned
    for base in ("base", "cv"):
        text = files[f"bases/{base}/Dockerfile"]
        assert "--mount=type=bind,source=wheels,target=/run/pip-inputs/wheels" in text
        assert "--mount=type=bind,source=constraints.txt," in text
        assert (
            f"--find-links /run/pip-inputs/wheels -c /run/pip-inputs/constraints.txt "
            f"-r /opt/requirements/{base}.txt"
        ) in text
        assert "COPY wheels" not in _instructions(text)
    assert "acme-health==0.1.0" in files["requirements/base.txt"]
    assert "COPY wheels" not in _instructions(files["services/search/Dockerfile"])


def test_health_checks_come_from_the_routes_in_the_code(
    planned: tuple[dict[str, object], dict[str, str]],
) -> None:
    _, files = planned
    for service, url in (
        ("orders", "http://127.0.0.1:8710/healthz"),
        ("search", "http://127.0.0.1:8711/ops/health"),
        ("vision", "http://127.0.0.1:8712/health"),
    ):
        assert f"urlopen('{url}'" in files[f"services/{service}/Dockerfile"], service


def test_opencv_goes_headless_and_the_x11_library_goes_with_it(
    planned: tuple[dict[str, object], dict[str, str]],
) -> None:
    _, files = planned
    requirements = files["requirements/cv.txt"]
    assert (
        "# jettison: JT304 opencv-python -> opencv-python-headless (no GUI libraries in a "
        "service)\nopencv-python-headless==0.1.0\n"
    ) in requirements
    assert "opencv-python==" not in requirements
    vision = files["services/vision/Dockerfile"]
    assert "# jettison: JT304 libxext6 not installed (so no apt layer at all)" in vision
    assert "apt-get" not in _instructions(vision)
