"""JT310: two CUDA user-space stacks in one image."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.lint.model import Severity
from jettison.lint.rules.deps import jt310_duplicate_cuda

from ._stack_helpers import make_ctx, requirements_file, run

JT310 = jt310_duplicate_cuda.RULE
RUNTIME = "FROM nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04\n"


def test_pypi_torch_on_a_cuda_runtime_base(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "fastapi==0.115.0\ntorch==2.5.1\ntorchvision==0.20.1\n")
    text = RUNTIME + "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    (finding,) = run(JT310, make_ctx(tmp_path, text, requirements=reqs))
    assert (finding.file.name, finding.line, finding.severity) == (
        "requirements.txt",
        2,
        Severity.WARNING,
    )
    assert finding.message == (
        "torch and torchvision from PyPI's default index are CUDA builds that bring the "
        "nvidia-* CUDA wheels, on top of CUDA's runtime libraries (cuBLAS, cuFFT, cuSPARSE, "
        "NCCL, cuDNN), which nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04 already ships: two "
        "CUDA stacks in one image, and each library loads only its own"
    )
    assert finding.fix is not None and "-base-" in finding.fix


def test_cuda_index_builds_and_nvidia_wheels(tmp_path: Path) -> None:
    text = (
        "FROM nvcr.io/nvidia/tritonserver:24.04-py3-min\n"
        "RUN pip install torch==2.4.0 --index-url https://download.pytorch.org/whl/cu124\n"
        "RUN pip install nvidia-nccl-cu12==2.25.1\n"
    )
    torch, nccl = run(JT310, make_ctx(tmp_path, text))
    assert torch.message.startswith("torch from a CUDA index brings its own CUDA libraries")
    assert nccl.message.startswith("nvidia-nccl-cu12 is a CUDA library wheel, on top of NGC's")
    assert "NGC's CUDA stack" in nccl.message


def test_torch_pulled_in_by_another_package_is_info(tmp_path: Path) -> None:
    text = RUNTIME + "RUN pip install bitsandbytes==0.44.1 peft==0.13.0\n"
    (finding,) = run(JT310, make_ctx(tmp_path, text))
    assert finding.severity is Severity.INFO
    assert finding.message.startswith("bitsandbytes and peft require torch, which pip takes")


def test_pip_cuda_wheels_next_to_conda_cudatoolkit(tmp_path: Path) -> None:
    conda = [
        r.__class__(**{**{s: getattr(r, s) for s in r.__slots__}, "source_kind": "conda"})
        for r in requirements_file(tmp_path, "cudatoolkit==11.8\n", name="environment.yml")
    ]
    text = (
        "FROM continuumio/miniconda3:24.7.1-0\nRUN conda env create -f environment.yml\n"
        "RUN pip install torch==2.5.1\n"
    )
    (finding,) = run(JT310, make_ctx(tmp_path, text, requirements=conda))
    assert "on top of conda's cudatoolkit (environment.yml:1)" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        # NVIDIA's -base images hold cudart and the compat libraries only
        "FROM nvidia/cuda:12.4.1-base-ubuntu22.04\nRUN pip install torch==2.5.1\n",
        # a CPU build brings no CUDA
        RUNTIME + "RUN pip install torch --index-url https://download.pytorch.org/whl/cpu\n",
        # a base that ships torch: a second torch is JT307's
        "FROM pytorch/pytorch:2.4.0-cuda12.1-cudnn9-runtime\nRUN pip install torch==2.5.1\n",
        # no CUDA in the base
        "FROM python:3.12-slim\nRUN pip install torch==2.5.1\n",
    ],
)
def test_negative(tmp_path: Path, text: str) -> None:
    assert run(JT310, make_ctx(tmp_path, text)) == []
