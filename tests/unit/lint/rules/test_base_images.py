"""JT201-JT204: the base the shipped image is built on."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.lint.rules.base import (
    jt201_full_python_base,
    jt202_cuda_devel_base,
    jt203_eol_base,
    jt204_framework_base,
)

from ._stack_helpers import make_ctx, requirements_file, run

JT201 = jt201_full_python_base.RULE
JT202 = jt202_cuda_devel_base.RULE
JT203 = jt203_eol_base.RULE
JT204 = jt204_framework_base.RULE


# -- JT201 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "suggested"),
    [
        ("python:3.10", "python:3.10-slim"),
        ("python:3.11-bookworm", "python:3.11-slim-bookworm"),
        ("python", "python:slim"),
        ("docker.io/library/python:3.12.4", "python:3.12.4-slim"),
    ],
)
def test_jt201_full_python_in_final_stage(tmp_path: Path, base: str, suggested: str) -> None:
    ctx = make_ctx(tmp_path, f"FROM {base}\nRUN echo hi\n")
    (finding,) = run(JT201, ctx)
    assert finding.line == 1
    assert finding.file == tmp_path / "Dockerfile"
    assert "full image" in finding.message
    assert finding.fix is not None and suggested in finding.fix
    assert finding.saving is None


def test_jt201_follows_final_stage_built_from_a_stage(tmp_path: Path) -> None:
    text = 'FROM python:3.11 AS base\nRUN echo\nFROM base\nCMD ["python"]\n'
    (finding,) = run(JT201, make_ctx(tmp_path, text))
    assert finding.line == 1


@pytest.mark.parametrize(
    "text",
    [
        "FROM python:3.11-slim\n",
        "FROM python:3.11-alpine3.20\n",
        "FROM python:slim-bookworm\n",
        "FROM python:3.11 AS build\nRUN pip wheel x\n"
        "FROM python:3.11-slim\nCOPY --from=build /w /w\n",
        "FROM debian:bookworm\n",
        "FROM scratch\n",
        "ARG BASE\nFROM ${BASE}\n",
        "FROM python:3.11-windowsservercore-ltsc2022\n",
    ],
)
def test_jt201_negative(tmp_path: Path, text: str) -> None:
    assert run(JT201, make_ctx(tmp_path, text)) == []


def test_jt201_without_dockerfile(tmp_path: Path) -> None:
    assert run(JT201, make_ctx(tmp_path)) == []


# -- JT202 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "runtime"),
    [
        (
            "nvidia/cuda:12.1.0-cudnn8-devel-ubuntu22.04",
            "nvidia/cuda:12.1.0-cudnn8-runtime-ubuntu22.04",
        ),
        ("nvidia/cuda:11.8.0-devel-ubuntu20.04", "nvidia/cuda:11.8.0-runtime-ubuntu20.04"),
        (
            "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel",
            "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime",
        ),
        ("nvcr.io/nvidia/cuda:12.4.1-devel-ubi9", "nvcr.io/nvidia/cuda:12.4.1-runtime-ubi9"),
    ],
)
def test_jt202_devel_in_final_stage(tmp_path: Path, base: str, runtime: str) -> None:
    (finding,) = run(JT202, make_ctx(tmp_path, f"# a comment\nFROM {base}\nCOPY app /app\n"))
    assert finding.line == 2
    assert "-devel" in finding.message
    assert finding.fix is not None and runtime in finding.fix


@pytest.mark.parametrize(
    "text",
    [
        "FROM nvidia/cuda:12.1.0-cudnn8-runtime-ubuntu22.04\n",
        "FROM nvidia/cuda:12.1.0-devel-ubuntu22.04 AS build\nRUN make\n"
        "FROM nvidia/cuda:12.1.0-runtime-ubuntu22.04\nCOPY --from=build /o /o\n",
        "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\n",
        "FROM someone/devel:latest\n",
    ],
)
def test_jt202_negative(tmp_path: Path, text: str) -> None:
    assert run(JT202, make_ctx(tmp_path, text)) == []


# -- JT203 -----------------------------------------------------------------------------------


def _eol(tmp_path: Path, base: str, today: str) -> list[str]:
    ctx = make_ctx(tmp_path, f"FROM {base}\n", options={"JT203": {"today": today}})
    return [f.message for f in run(JT203, ctx)]


def test_jt203_python_and_debian_both_ended(tmp_path: Path) -> None:
    (message,) = _eol(tmp_path, "python:3.9-slim-buster", "2025-12-01")
    assert "Python 3.9 reached end of life on 2025-10-31" in message
    assert "Debian 10 (buster) reached end of life on 2024-06-30" in message
    assert "https://devguide.python.org/versions/" in message
    assert "https://wiki.debian.org/LTS" in message


def test_jt203_fix_names_the_smallest_supported_upgrade(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, "FROM python:3.8-slim\n", options={"JT203": {"today": "2025-01-01"}})
    (finding,) = run(JT203, ctx)
    assert finding.fix == "Rebuild on a supported base: Python 3.9 or later."


@pytest.mark.parametrize(
    ("base", "today", "expected"),
    [
        ("nvidia/cuda:11.8.0-runtime-ubuntu20.04", "2025-06-01", "Ubuntu 20.04 (focal)"),
        ("ubuntu:18.04", "2024-01-01", "Ubuntu 18.04 (bionic)"),
        ("ubuntu:bionic", "2024-01-01", "Ubuntu 18.04 (bionic)"),
        ("node:16-alpine3.15", "2024-01-01", "Node.js 16"),
        ("node:16-alpine3.15", "2024-01-01", "Alpine 3.15"),
        ("python:3.11-alpine3.17", "2025-01-01", "Alpine 3.17"),
        ("debian:10-slim", "2024-07-01", "Debian 10 (buster)"),
        ("debian:stretch", "2024-07-01", "Debian 9 (stretch)"),
        ("python:2.7", "2024-07-01", "Python 2.7"),
        ("python:3.4-slim", "2024-07-01", "Python 3.4"),
        ("centos:7", "2024-07-01", "CentOS Linux 7"),
        ("python:3.10", "2026-11-22", "Python 3.10"),
    ],
)
def test_jt203_positive(tmp_path: Path, base: str, today: str, expected: str) -> None:
    (message,) = _eol(tmp_path, base, today)
    assert expected in message


@pytest.mark.parametrize(
    ("base", "today"),
    [
        ("python:3.8-slim", "2024-10-07"),  # the last day of support
        ("python:3.12-slim-bookworm", "2026-11-22"),
        ("nvidia/cuda:12.4.1-runtime-ubuntu22.04", "2026-11-22"),
        ("node:22-slim", "2026-11-22"),
        ("python:3", "2026-11-22"),
        ("alpine:3.99", "2026-11-22"),  # not in the table: no claim
        ("busybox:1.36", "2026-11-22"),
    ],
)
def test_jt203_negative(tmp_path: Path, base: str, today: str) -> None:
    assert _eol(tmp_path, base, today) == []


def test_jt203_only_the_final_stage_counts(tmp_path: Path) -> None:
    text = "FROM python:3.7 AS build\nRUN x\nFROM python:3.12-slim\n"
    ctx = make_ctx(tmp_path, text, options={"JT203": {"today": "2026-01-01"}})
    assert run(JT203, ctx) == []


def test_jt203_uses_todays_date_without_the_option(tmp_path: Path) -> None:
    (finding,) = run(JT203, make_ctx(tmp_path, "FROM python:2.7\n"))
    assert "Python 2.7" in finding.message


def test_jt203_bad_today_option_falls_back_to_today(tmp_path: Path) -> None:
    ctx = make_ctx(tmp_path, "FROM python:2.7\n", options={"JT203": {"today": "someday"}})
    assert len(run(JT203, ctx)) == 1


# -- JT204 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "base",
    [
        "nvcr.io/nvidia/pytorch:24.01-py3",
        "nvcr.io/nvidia/tritonserver:24.01-py3-sdk",
        "huggingface/transformers-pytorch-gpu:latest",
        "ultralytics/ultralytics:8.3.0-cpu",
        "paddlepaddle/paddle:2.6.1",
        "tensorflow/tensorflow:2.14.0-jupyter",
    ],
)
def test_jt204_heavy_base_for_a_small_service(tmp_path: Path, base: str) -> None:
    reqs = requirements_file(tmp_path, "fastapi==0.115.0\ntorch==2.1.0\n")
    ctx = make_ctx(tmp_path, f"FROM {base}\nCOPY . /app\n", requirements=reqs, used={"numpy"})
    (finding,) = run(JT204, ctx)
    assert finding.line == 1
    assert finding.severity.label == "warning"
    assert "3 packages (fastapi, numpy, torch)" in finding.message
    assert "multi-GB" in finding.message


def test_jt204_nothing_known_about_the_service(tmp_path: Path) -> None:
    (finding,) = run(JT204, make_ctx(tmp_path, "FROM nvcr.io/nvidia/pytorch:24.01-py3\n"))
    assert "no third-party package" in finding.message


def test_jt204_counts_pip_install_lines_but_not_packaging_tools(tmp_path: Path) -> None:
    text = (
        "FROM nvcr.io/nvidia/pytorch:24.01-py3\n"
        "RUN pip install -U pip setuptools && pip install --no-cache-dir flask==3.0.3 gunicorn\n"
    )
    (finding,) = run(JT204, make_ctx(tmp_path, text))
    assert "2 packages (flask, gunicorn)" in finding.message


@pytest.mark.parametrize(
    "base",
    ["pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", "tensorflow/tensorflow:2.14.0-gpu"],
)
def test_jt204_a_framework_runtime_the_service_runs_on(tmp_path: Path, base: str) -> None:
    """The pytorch runtime image for a torch service is what it is for (the seed's old
    expectation, a warning here, was a false alarm by the issue's standard)."""
    reqs = requirements_file(tmp_path, "fastapi==0.115.0\ntorch==2.1.0\ntensorflow==2.14.0\n")
    ctx = make_ctx(tmp_path, f"FROM {base}\nCOPY . /app\n", requirements=reqs)
    assert run(JT204, ctx) == []


def test_jt204_a_framework_runtime_the_service_visibly_does_not_use(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "flask==3.0.3\n")
    text = "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\nCOPY . /app\n"
    (finding,) = run(JT204, make_ctx(tmp_path, text, requirements=reqs))
    assert finding.severity.label == "info"
    assert "1 package (flask), without torch" in finding.message
    assert run(JT204, make_ctx(tmp_path, text)) == []  # nothing known: no claim


def test_jt204_the_triton_build_base_is_a_judgement_call(tmp_path: Path) -> None:
    text = "FROM nvcr.io/nvidia/tritonserver:24.04-py3-min\nRUN pip install flask\n"
    (finding,) = run(JT204, make_ctx(tmp_path, text))
    assert finding.severity.label == "info"


@pytest.mark.parametrize(
    "text",
    [
        "FROM nvcr.io/nvidia/tritonserver:24.01-py3\n",  # the server itself, not the SDK
        "FROM tensorflow/tensorflow:2.14.0\n",
        "FROM python:3.11-slim\n",
        "FROM nvcr.io/nvidia/pytorch:24.01-py3 AS train\nRUN x\nFROM python:3.11-slim\n",
    ],
)
def test_jt204_negative(tmp_path: Path, text: str) -> None:
    assert run(JT204, make_ctx(tmp_path, text)) == []


def test_jt204_many_packages_use_the_stack(tmp_path: Path) -> None:
    names = [f"pkg{i}" for i in range(16)]
    reqs = requirements_file(tmp_path, "".join(f"{n}==1.0\n" for n in names))
    ctx = make_ctx(tmp_path, "FROM nvcr.io/nvidia/pytorch:24.01-py3\n", requirements=reqs)
    assert run(JT204, ctx) == []
    raised = make_ctx(
        tmp_path,
        "FROM nvcr.io/nvidia/pytorch:24.01-py3\n",
        requirements=reqs,
        options={"JT204": {"max_packages": 20}},
    )
    assert len(run(JT204, raised)) == 1


@pytest.mark.parametrize(
    ("base", "expected", "upgrade"),
    [
        ("nvidia/cuda:11.8.0-runtime-ubuntu22.04", "CUDA 11 reached end of life", "CUDA 12"),
        ("tensorflow/tensorflow:1.14.0-gpu-py3", "Ubuntu 18.04 (bionic) or older", "TensorFlow 2"),
        ("pytorch/pytorch:1.11.0-cuda11.3-cudnn8-runtime", "PyTorch 1.x", "PyTorch 2"),
        ("python:3.11.2-slim", "python:3.11.2-slim was last built on Debian 11", "bookworm"),
        ("mambaorg/micromamba:1.3.1", "built on Debian 11 (bullseye)", "bookworm"),
        ("public.ecr.aws/lambda/python:3.11", "built on Amazon Linux 2", "Amazon Linux 2023"),
    ],
)
def test_jt203_what_a_tag_implies(tmp_path: Path, base: str, expected: str, upgrade: str) -> None:
    ctx = make_ctx(tmp_path, f"FROM {base}\n", options={"JT203": {"today": "2026-12-07"}})
    (finding,) = run(JT203, ctx)
    assert expected in finding.message
    assert finding.fix is not None and upgrade in finding.fix
    assert finding.severity.label == "warning"


def test_jt203_an_old_ngc_release_alone_is_info(tmp_path: Path) -> None:
    ctx = make_ctx(
        tmp_path,
        "FROM nvcr.io/nvidia/pytorch:24.02-py3\n",
        options={"JT203": {"today": "2026-12-07"}},
    )
    (finding,) = run(JT203, ctx)
    assert finding.severity.label == "info"
    assert "likely missing security fixes" in finding.message
    recent = make_ctx(
        tmp_path,
        "FROM nvcr.io/nvidia/pytorch:26.10-py3\n",
        options={"JT203": {"today": "2026-12-07"}},
    )
    assert run(JT203, recent) == []


def test_jt203_judges_a_flattened_image_by_the_stage_it_copies(tmp_path: Path) -> None:
    text = "FROM python:3.9-slim AS base\nRUN pip install x\nFROM scratch\nCOPY --from=base / /\n"
    ctx = make_ctx(tmp_path, text, options={"JT203": {"today": "2026-12-07"}})
    (finding,) = run(JT203, ctx)
    assert finding.line == 1
    assert "Python 3.9" in finding.message


def test_jt201_a_full_base_flattened_into_scratch(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-bookworm AS base\nRUN pip install x\nFROM scratch\nCOPY --from=base / /\n"
    )
    (finding,) = run(JT201, make_ctx(tmp_path, text))
    assert finding.line == 1
