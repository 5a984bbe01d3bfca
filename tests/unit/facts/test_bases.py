"""What a base image ships, read from its reference: CUDA, torch, end-of-life cycles."""

from __future__ import annotations

import pytest

from jettison.facts.bases import (
    base_torch,
    cuda_libraries,
    cuda_major,
    cycles_of,
    framework_image,
    is_cuda_base,
)
from jettison.imageref import parse_image


@pytest.mark.parametrize(
    ("text", "cuda"),
    [
        ("nvidia/cuda:12.1.0-runtime-ubuntu22.04", True),
        ("nvcr.io/nvidia/tritonserver:24.01-py3", True),
        ("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", True),
        ("tensorflow/tensorflow:2.14.0-gpu", True),
        ("python:3.11-slim", False),
        ("tensorflow/tensorflow:2.14.0", False),
    ],
)
def test_is_cuda_base(text: str, cuda: bool) -> None:
    ref = parse_image(text)
    assert ref is not None
    assert is_cuda_base(ref) is cuda


def test_eol_cycles_in_fixed_order() -> None:
    ref = parse_image("python:3.9-slim-buster")
    assert ref is not None
    assert [c.product for c in cycles_of(ref)] == ["Python", "Debian"]


@pytest.mark.parametrize(
    ("text", "ships", "version"),
    [
        ("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", True, "2.1.0"),
        ("pytorch/pytorch:latest", True, None),
        ("nvcr.io/nvidia/pytorch:24.01-py3", True, None),
        ("huggingface/transformers-pytorch-gpu:latest", True, None),
        ("python:3.11-slim", False, None),
    ],
)
def test_base_torch(text: str, ships: bool, version: str | None) -> None:
    ref = parse_image(text)
    assert ref is not None
    found, found_version = base_torch(ref)
    assert found is ships
    assert (str(found_version) if found_version else None) == version


def test_framework_image() -> None:
    heavy = parse_image("tensorflow/tensorflow:2.14.0-gpu")
    light = parse_image("tensorflow/tensorflow:2.14.0")
    assert heavy is not None and light is not None
    assert framework_image(heavy) == "TensorFlow's GPU/Jupyter image"
    assert framework_image(light) is None


@pytest.mark.parametrize(
    ("image", "ships", "major"),
    [
        ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "CUDA's runtime libraries", 12),
        ("nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04", "NCCL, cuDNN)", 11),
        ("nvidia/cuda:12.4.1-base-ubuntu22.04", None, 12),
        ("nvcr.io/nvidia/tritonserver:24.04-py3-min", "NGC's CUDA stack", None),
        ("tensorflow/tensorflow:2.15.0-gpu", "TensorFlow's GPU image", None),
        ("python:3.12-slim", None, None),
    ],
)
def test_cuda_libraries(image: str, ships: str | None, major: int | None) -> None:
    ref = parse_image(image)
    assert ref is not None
    found = cuda_libraries(ref)
    assert (found is None) == (ships is None)
    if ships is not None:
        assert found is not None and ships in found
    assert cuda_major(ref) == major
