"""Dockerfiles fix cannot rewrite safely: a FixError and no file written."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_text
from jettison.fix.core import fix
from jettison.fix.errors import FixError
from jettison.fix.rewrite import rewrite_dockerfile

RESTRUCTURE = ["restructure"]  # the multi-stage rewrite alone, no edit fixes

CASES = {
    "multi_stage": (
        "FROM python:3.11 AS b\nRUN pip install -r r.txt\nFROM python:3.11-slim\n",
        "install no Python environment",
    ),
    "other_base": (
        "FROM alpine:3.19\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n",
        "not one fix knows",
    ),
    "nothing_to_gain": (
        "FROM python:3.11-slim\nCOPY . .\nRUN pip install flask\n",
        "saves nothing",
    ),
    "user_site": (
        "FROM python:3.11\nCOPY . .\nRUN pip install --user flask\n",
        "installs outside an environment",
    ),
    "prefix": (
        "FROM python:3.11\nCOPY . .\nRUN pip install --prefix=/install flask\n",
        "installs outside an environment",
    ),
    "managed_python": (
        "FROM ubuntu:24.04\nRUN apt-get update && apt-get install -y gcc\nCOPY . .\n"
        "RUN uv python install 3.12 && uv sync\n",
        "downloads an interpreter",
    ),
    "conda_by_script": (
        "FROM nvidia/cuda:12.2.0-base-ubuntu22.04\n"
        "RUN wget -O /tmp/m.sh https://repo.anaconda.com/miniconda/Miniconda3-latest-Linux-"
        "x86_64.sh && bash /tmp/m.sh -b -p /opt/conda\nRUN /opt/conda/bin/pip install flask\n",
        "installs conda itself",
    ),
    "install_in_a_construct": (
        "FROM python:3.11\nCOPY . .\n"
        "RUN if [ -f requirements.txt ]; then pip install flask && mkdir /data; fi\n",
        "both installs into the environment and does other work",
    ),
    "two_environments": (
        "FROM python:3.11\nCOPY . .\nRUN python -m venv /a && /a/bin/pip install flask\n"
        "RUN pip install requests\n",
        "more than one environment",
    ),
    "apt_source_before_gathered_apt": (
        "FROM python:3.11\nRUN apt-key adv --recv-keys ABC\n"
        "RUN apt-get update && apt-get install -y gcc libpq5\nCOPY . .\nRUN pip install .\n",
        "sets up an apt source",
    ),
    "stage_outside_built_from_a_changed_stage": (
        "FROM python:3.11 AS base\nCOPY . .\nRUN pip install .\n"
        "FROM base AS tests\nRUN pip install pytest && pytest\n"
        'FROM base\nCMD ["python", "-m", "svc"]\n',
        "a stage of the final image the split changes",
    ),
    "path_replaced": (
        "FROM python:3.11\nCOPY . /app\nRUN pip install /app\n"
        'ENV PATH=/usr/local/bin:/usr/bin:/bin\nCMD ["python", "-m", "app"]\n',
        "replaces the whole PATH",
    ),
    "apt_package_from_an_arg_split": (
        "FROM python:3.11\nARG PGVER=15\n"
        "RUN apt-get update && apt-get install -y gcc postgresql-client-${PGVER}\n"
        "COPY . .\nRUN pip install .\n",
        "names a variable",
    ),
    "apt_package_from_an_env_requirements": (
        "FROM python:3.11\nENV PGVER=15\n"
        "RUN apt-get update && apt-get install -y gcc postgresql-client-$PGVER\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n",
        "names a variable",
    ),
    "unknown_arg_base": ("ARG BASE\nFROM $BASE\nCOPY . .\nRUN pip install .\n", "names no image"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_without_output(case: str, tmp_path: Path) -> None:
    text, expected = CASES[case]
    (tmp_path / "Dockerfile").write_text(text)
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(FixError, match=expected) as caught:
        fix(tmp_path / "Dockerfile", offline=True, select=RESTRUCTURE)
    assert caught.value.hint
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_existing_output_refused_then_forced(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(
        "FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    (tmp_path / "Dockerfile.jettison").write_text("mine\n")
    with pytest.raises(FixError, match="not overwriting"):
        fix(tmp_path / "Dockerfile", offline=True, select=RESTRUCTURE)
    assert (tmp_path / "Dockerfile.jettison").read_text() == "mine\n"
    assert not (tmp_path / "requirements.runtime.txt").exists()
    fix(tmp_path / "Dockerfile", force=True, offline=True, select=RESTRUCTURE)
    assert (tmp_path / "Dockerfile.jettison").read_text().startswith("# Build stage")


def test_write_replaces_with_backup(tmp_path: Path) -> None:
    original = "FROM python:3.11\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    (tmp_path / "Dockerfile").write_text(original)
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    fix(tmp_path / "Dockerfile", write=True, offline=True, select=RESTRUCTURE)
    assert (tmp_path / "Dockerfile.bak").read_text() == original
    assert "AS builder" in (tmp_path / "Dockerfile").read_text()
    assert not (tmp_path / "Dockerfile.jettison").exists()


GPU_APP = "import torch\nprint(torch.cuda.is_available())\n"
GPU_CASES = {
    "cuda_without_apt": (
        "FROM nvidia/cuda:12.1.1-cudnn8-devel-ubi8\nCOPY requirements.txt .\n"
        "RUN pip3 install -r requirements.txt\n",
        "torch==2.7.0\n",
        {},
        "installs Python with apt",
    ),
    "pytorch_on_cpu": (
        "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n",
        "transformers==4.36.2\n",
        {"target": "cpu"},
        "base's torch is a CUDA build",
    ),
    "pytorch_other_torch": (
        "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel\nCOPY requirements.txt .\n"
        "RUN pip install -r requirements.txt\n",
        "torch==2.7.0\n",
        {},
        "torch==2.7.0 is not the torch 2.1.0 it ships",
    ),
    "apt_source": (
        "FROM nvidia/cuda:12.1.1-devel-ubuntu22.04\n"
        "RUN add-apt-repository -y ppa:deadsnakes/ppa\n"
        "RUN apt-get update && apt-get install -y python3.12\n"
        "COPY requirements.txt .\nRUN python3.12 -m pip install -r requirements.txt\n",
        "torch==2.7.0\n",
        {},
        "sets up an apt source",
    ),
}


@pytest.mark.parametrize("case", sorted(GPU_CASES))
def test_gpu_bases_refused_without_output(case: str, tmp_path: Path) -> None:
    dockerfile, requirements, options, expected = GPU_CASES[case]
    (tmp_path / "Dockerfile").write_text(dockerfile)
    (tmp_path / "requirements.txt").write_text(requirements)
    (tmp_path / "main.py").write_text(GPU_APP)
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(FixError, match=expected) as caught:
        fix(tmp_path / "Dockerfile", offline=True, **options, select=RESTRUCTURE)  # type: ignore[arg-type]
    assert caught.value.hint
    assert "--target gpu" in caught.value.hint or case != "pytorch_on_cpu"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_requirements_rewrite_refuses_an_apt_package_named_by_a_variable(tmp_path: Path) -> None:
    """The rewrite gathers apt before the ARG: `client-${PGVER}` would lose its version."""
    text = (
        "FROM python:3.11\nARG PGVER=15\n"
        "RUN apt-get update && apt-get install -y gcc postgresql-client-${PGVER}\n"
        "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    dockerfile = parse_text(text, tmp_path / "Dockerfile")
    with pytest.raises(FixError, match="postgresql-client-\\$\\{PGVER\\}` names a variable"):
        rewrite_dockerfile(dockerfile, runtime_requirements_source="requirements.runtime.txt")
    literal = parse_text(text.replace("${PGVER}", "15"), tmp_path / "Dockerfile")
    assert (
        "postgresql-client-15"
        in rewrite_dockerfile(literal, runtime_requirements_source="requirements.runtime.txt").text
    )
