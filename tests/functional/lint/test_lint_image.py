"""``--image``: savings measured in the built image (inspect's attribution), not estimated."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support.files import write

from ..conftest import Run, write_image
from ..test_inspect import PYTEST_BYTES
from ._rules import TEST_RULES
from .conftest import FakeIndex


@pytest.fixture(autouse=True)
def test_rules(use_rules: Callable[..., None]) -> None:
    use_rules(TEST_RULES)


def test_savings_measured_in_the_image(
    workdir: Path, images: Path, run_cli: Callable[..., Run], fake_index: FakeIndex
) -> None:
    image = write_image("oci-archive", images)
    write(workdir, "Dockerfile", "FROM python:3.11-slim\nRUN pip install app pytest\nUSER 1000\n")
    write(workdir, "requirements.txt", "pytest==8.0.0\n")
    run = run_cli("lint", ".", "--image", image, "-f", "json")
    assert run.exit_code == 1, run.stderr
    (finding,) = json.loads(run.stdout)["findings"]
    assert finding["code"] == "JT902"
    assert finding["saving"] == {
        "size_bytes": PYTEST_BYTES,
        "source": f"measured in image {image}",
    }
    assert fake_index.requests == []  # measured: the index is not asked


def test_a_bad_image_is_a_one_line_error(workdir: Path, run_cli: Callable[..., Run]) -> None:
    write(workdir, "Dockerfile", "FROM python:3.11-slim\n")
    run = run_cli("lint", ".", "--image", "nope.tar", "--offline")
    assert run.exit_code == 2
    assert run.stderr_lines[0].startswith("jettison: error: ")
    assert run.stderr_lines[1].startswith("  hint: ")
