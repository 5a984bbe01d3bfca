"""Docker's normalisation of image names (``full_name``): what a registry client is asked."""

from __future__ import annotations

import pytest

from jettison.imageref import full_name


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("python", "docker.io/library/python:latest"),
        ("python:3.11-slim", "docker.io/library/python:3.11-slim"),
        ("nvidia/cuda:12.4.1-runtime", "docker.io/nvidia/cuda:12.4.1-runtime"),
        ("index.docker.io/library/python:3", "docker.io/library/python:3"),
        ("localhost/app", "localhost/app:latest"),
        ("127.0.0.1:5000/fx:1", "127.0.0.1:5000/fx:1"),
        ("ghcr.io/org/team/app:v1", "ghcr.io/org/team/app:v1"),
        ("localhost:5000/app@sha256:" + "a" * 64, "localhost:5000/app@sha256:" + "a" * 64),
        ("reg.io/app:v1@sha256:" + "b" * 64, "reg.io/app:v1@sha256:" + "b" * 64),
    ],
)
def test_full_names(text: str, expected: str) -> None:
    assert full_name(text).text == expected


def test_parts() -> None:
    name = full_name("127.0.0.1:5000/team/fx:1")
    assert (name.host, name.repository, name.tag, name.reference) == (
        "127.0.0.1:5000",
        "team/fx",
        "1",
        "1",
    )
    assert full_name("python@sha256:" + "c" * 64).reference == "sha256:" + "c" * 64


@pytest.mark.parametrize(
    "text", ["Python", "reg.io/App:1", "reg.io/app:bad tag", "app@sha256:short", "", "a//b"]
)
def test_not_references(text: str) -> None:
    with pytest.raises(ValueError, match="is not an image reference"):
        full_name(text)
