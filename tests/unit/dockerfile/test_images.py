"""Image references as a Dockerfile's FROM names them."""

from __future__ import annotations

import pytest

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
