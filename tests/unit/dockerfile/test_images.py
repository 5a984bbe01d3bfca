"""Image references as a Dockerfile's FROM names them."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.images import copied_trees, feeding_stages, runtime_base, shipped_base
from jettison.dockerfile.parser import parse_dockerfile
from jettison.imageref import ImageRef, parse_image


@pytest.mark.parametrize(
    ("text", "name", "tag", "digest"),
    [
        ("python:3.11", "python", "3.11", None),
        ("docker.io/library/python:3.11-slim", "python", "3.11-slim", None),
        ("python", "python", "latest", None),
        ("localhost:5000/team/app:1.2", "localhost:5000/team/app", "1.2", None),
        ("nvcr.io/nvidia/pytorch:24.01-py3", "nvcr.io/nvidia/pytorch", "24.01-py3", None),
        ("python@sha256:abc", "python", "", "sha256:abc"),
        ("Python:3.11", "python", "3.11", None),
    ],
)
def test_parse_image(text: str, name: str, tag: str, digest: str | None) -> None:
    assert parse_image(text) == ImageRef(name, tag, digest)


@pytest.mark.parametrize("text", ["scratch", "${BASE}", "", "  "])
def test_parse_image_gives_up_on_unknowable_bases(text: str) -> None:
    assert parse_image(text) is None


@pytest.mark.parametrize(
    ("text", "repository"),
    [
        ("python:3.11", "python"),
        ("docker.io/library/python:3.11", "python"),
        ("mirror.gcr.io/library/python:3.11", "python"),
        ("public.ecr.aws/docker/library/python:3.11", "python"),
        ("localhost/python:3.11", "python"),
        ("registry.example.com:5000/python:3.11-slim", "python"),
        ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "nvidia/cuda"),
        ("ghcr.io/org/app:1", "org/app"),
        ("library/python", "python"),
    ],
)
def test_the_repository_behind_a_registry_host_or_mirror(text: str, repository: str) -> None:
    ref = parse_image(text)
    assert ref is not None and ref.repository == repository


def test_shipped_base_follows_a_flattened_scratch_stage(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM python:3.11-bookworm AS base\nRUN pip install x\n"
        "FROM base AS more\nRUN echo\n"
        'FROM scratch\nCOPY --from=more / /\nCMD ["python"]\n',
        encoding="utf-8",
    )
    dockerfile = parse_dockerfile(path)
    assert runtime_base(dockerfile) is None
    found = shipped_base(dockerfile)
    assert found is not None
    assert found.ref.text == "python:3.11-bookworm"
    assert found.at.position.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "FROM scratch\nCOPY app /app\n",
        "FROM python:3.11 AS b\nFROM scratch\nCOPY --from=b /usr/local/bin/x /x\n",
        "FROM scratch\nCOPY --from=other:latest / /\n",
    ],
)
def test_shipped_base_not_flattened(tmp_path: Path, text: str) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(text, encoding="utf-8")
    assert shipped_base(parse_dockerfile(path)) is None


def test_copied_trees(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM continuumio/miniconda3:24.7.1-0 AS env\n"
        "FROM python:3.12 AS venv\n"
        "FROM debian:bookworm-slim\n"
        "COPY --from=env /opt/conda /opt/conda\n"
        "COPY --from=venv /app/.venv /app/.venv\n"
        "COPY --from=venv /usr/local/bin/uv /bin/uv\n"
        "COPY --from=env /opt/notes.txt /notes.txt\n",
        encoding="utf-8",
    )
    trees = copied_trees(parse_dockerfile(path))
    assert [(t.source.name, t.path) for t in trees] == [
        ("env", "/opt/conda"),
        ("venv", "/app/.venv"),
    ]


def test_feeding_stages(tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(
        "FROM python:3.12 AS deps\n"
        "FROM deps AS build\n"
        "FROM node:22 AS web\n"
        "FROM alpine:3.20 AS unused\n"
        "FROM python:3.12 AS tools\n"
        "FROM python:3.12-slim\n"
        "COPY --from=build /venv /venv\n"
        "RUN --mount=type=bind,from=tools,source=/x,target=/x true\n"
        "COPY --from=web /dist /dist\n",
        encoding="utf-8",
    )
    assert feeding_stages(parse_dockerfile(path)) == frozenset({0, 1, 2, 4, 5})
