"""What a base image ships, read from its reference: CUDA, torch, end-of-life cycles."""

from __future__ import annotations

import datetime as dt

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
    found = framework_image(heavy)
    assert found is not None and found.what == "TensorFlow's GPU image" and not found.full
    assert framework_image(light) is None


def _cycles(text: str) -> list[tuple[str, str, bool]]:
    ref = parse_image(text)
    assert ref is not None
    return [(c.product, c.cycle, c.firm) for c in cycles_of(ref)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nvidia/cuda:11.8.0-runtime-ubuntu22.04", ("CUDA", "11", True)),
        ("pytorch/pytorch:2.0.1-cuda11.7-cudnn8-runtime", ("CUDA", "11", True)),
        ("someone/serving:2.3-cu118", ("CUDA", "11", True)),
        ("nvidia/cuda:10.2-base", ("CUDA", "10", True)),
        ("tensorflow/tensorflow:1.15.5-gpu", ("TensorFlow", "1.x", True)),
        ("tensorflow/tensorflow:1.15.5-gpu", ("Ubuntu", "18.04 (bionic) or older", True)),
        ("pytorch/pytorch:1.12.1-cuda11.3-cudnn8-runtime", ("PyTorch", "1.x", True)),
        ("paddlepaddle/paddle:2.4.2", ("PaddlePaddle", "2.x", True)),
        ("nvcr.io/nvidia/pytorch:23.10-py3", ("NGC", "23.10", False)),
        ("public.ecr.aws/lambda/python:3.10", ("Amazon Linux", "2", True)),
        ("public.ecr.aws/lambda/python:3.9", ("Python", "3.9", True)),
        ("amazonlinux:2", ("Amazon Linux", "2", True)),
        ("python:3.11.3-slim", ("Debian", "11 (bullseye) or older", True)),
        ("python:3.6", ("Debian", "11 (bullseye) or older", True)),
        ("mambaorg/micromamba:0.15.3", ("Debian", "10 (buster)", True)),
        ("mambaorg/micromamba:1.4.2", ("Debian", "11 (bullseye)", True)),
        ("tiangolo/uvicorn-gunicorn-fastapi:python3.8-slim", ("Python", "3.8", True)),
        ("rayproject/ray:2.9.0-py39", ("Python", "3.9", True)),
        ("jupyter/scipy-notebook:python-3.10", ("Python", "3.10", True)),
    ],
)
def test_cycles_a_tag_implies(text: str, expected: tuple[str, str, bool]) -> None:
    assert expected in _cycles(text)


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "CUDA"),
        ("pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime", "PyTorch"),
        ("tensorflow/tensorflow:2.15.0-gpu", "Ubuntu"),
        ("python:3.11.4-slim", "Debian"),  # rebuilt on bookworm
        ("python:3.7", "Debian"),  # its last build was on bookworm
        ("python:3.11-alpine", "Debian"),
        ("python:3.11.1-alpine3.17", "Debian"),
        ("mambaorg/micromamba:1.5.8", "Debian"),
        ("mambaorg/micromamba:1.4.2-jammy", "Debian"),
        ("public.ecr.aws/lambda/python:3.12", "Amazon Linux"),
        ("nvcr.io/nvidia/cuda:12.4.1-runtime-ubi9", "NGC"),
        ("someone/image:cudnn8", "CUDA"),
    ],
)
def test_cycles_not_implied(text: str, product: str) -> None:
    ref = parse_image(text)
    assert ref is not None
    ended = {c.product for c in cycles_of(ref) if c.end < dt.date(2026, 12, 7)}
    assert product not in ended


@pytest.mark.parametrize(
    ("image", "ships", "major"),
    [
        ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "CUDA's runtime libraries", "12"),
        ("nvidia/cuda:11.8.0-cudnn8-devel-ubuntu22.04", "NCCL, cuDNN)", "11"),
        ("nvidia/cuda:12.4.1-base-ubuntu22.04", None, "12"),
        ("nvcr.io/nvidia/tritonserver:24.04-py3-min", "NGC's CUDA stack", None),
        ("tensorflow/tensorflow:2.15.0-gpu", "TensorFlow's GPU image", None),
        ("python:3.12-slim", None, None),
    ],
)
def test_cuda_libraries(image: str, ships: str | None, major: str | None) -> None:
    ref = parse_image(image)
    assert ref is not None
    found = cuda_libraries(ref)
    assert (found is None) == (ships is None)
    if ships is not None:
        assert found is not None and ships in found
    assert cuda_major(ref) == major
