"""The parsed Dockerfile: stages, and how COPY --from names them."""

from __future__ import annotations

from pathlib import Path

from jettison.dockerfile.parser import parse_dockerfile
from support.files import write


def test_stage_ref_names_a_stage_by_index_or_name(tmp_path: Path) -> None:
    path = write(
        tmp_path, "Dockerfile", "FROM python:3.11 AS Builder\nFROM python:3.11-slim\nRUN true\n"
    )
    dockerfile = parse_dockerfile(path)
    builder, final = dockerfile.stages
    assert dockerfile.stage_ref("0") is builder
    assert dockerfile.stage_ref("builder") is builder  # names are case-insensitive
    assert dockerfile.stage_ref("1") is final
    assert dockerfile.stage_ref("2") is None  # past the last stage
    assert dockerfile.stage_ref("ghcr.io/org/image:1") is None  # an image, not a stage
