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
