"""Which images the builder and runtime stages run on: the tag mappings and the one-CUDA-stack
choice (the golden cases show whole Dockerfiles; these pin each decision)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.fix.bases import (
    CudaTag,
    cuda_base_variant,
    os_image,
    plan_base,
    runtime_variant,
    system_cuda_users,
)
from jettison.fix.core import fix
from jettison.imageref import parse_image


@pytest.mark.parametrize(
    ("image", "runtime"),
    [
        (
            "nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04",
            "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04",
        ),
        (
            "nvidia/cuda:12.4.1-cudnn-devel-ubuntu22.04",
            "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04",
        ),
        ("nvidia/cuda:11.8.0-devel-ubuntu20.04", "nvidia/cuda:11.8.0-runtime-ubuntu20.04"),
        ("docker.io/nvidia/cuda:12.2-devel-ubuntu22.04", "nvidia/cuda:12.2-runtime-ubuntu22.04"),
        (
            "nvcr.io/nvidia/cuda:12.2.0-devel-ubuntu22.04",
            "nvcr.io/nvidia/cuda:12.2.0-runtime-ubuntu22.04",
        ),
        ("nvidia/cuda:12.1.1-runtime-ubuntu22.04", "nvidia/cuda:12.1.1-runtime-ubuntu22.04"),
        ("nvidia/cuda:12.1.1-base-ubuntu22.04", "nvidia/cuda:12.1.1-base-ubuntu22.04"),
        (
            "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel",
            "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime",
        ),
        (
            "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
            "pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
        ),
        ("pytorch/pytorch:latest", "pytorch/pytorch:latest"),
        ("nvidia/cuda:12.1.1-devel-ubi8", "nvidia/cuda:12.1.1-runtime-ubi8"),
        ("nvidia/cuda:latest", None),
        ("python:3.11", None),
        ("ubuntu:22.04", None),
    ],
)
def test_runtime_variant(image: str, runtime: str | None) -> None:
    ref = parse_image(image)
    assert ref is not None
    assert runtime_variant(ref) == runtime


@pytest.mark.parametrize(
    ("image", "base", "distribution"),
    [
        (
            "nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04",
            "nvidia/cuda:12.1.1-base-ubuntu22.04",
            "ubuntu:22.04",
        ),
        (
            "nvidia/cuda:12.4.1-cudnn-runtime-ubuntu24.04",
            "nvidia/cuda:12.4.1-base-ubuntu24.04",
            "ubuntu:24.04",
        ),
        (
            "nvidia/cuda:11.8.0-devel-ubuntu20.04",
            "nvidia/cuda:11.8.0-base-ubuntu20.04",
            "ubuntu:20.04",
        ),
        ("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel", None, None),
        ("python:3.11", None, None),
    ],
)
def test_cuda_base_and_os_image(image: str, base: str | None, distribution: str | None) -> None:
    ref = parse_image(image)
    assert ref is not None
    assert cuda_base_variant(ref) == base
    assert os_image(ref) == distribution


def test_cuda_tag_parts() -> None:
    tag = CudaTag.parse("12.1.1-cudnn8-devel-ubuntu22.04")
    assert tag == CudaTag("12.1.1", "cudnn8", "devel", "ubuntu", "22.04")
    assert tag.with_flavor("runtime") == "12.1.1-cudnn8-runtime-ubuntu22.04"
    assert tag.with_flavor("base") == "12.1.1-base-ubuntu22.04"  # no cuDNN in base images
    assert CudaTag.parse("12.1.1-cudnn8-devel") is None


def test_system_cuda_users() -> None:
    packages = {"torch", "onnxruntime-gpu", "cupy-cuda12x", "numpy", "onnxruntime"}
    assert system_cuda_users(packages) == ["cupy-cuda12x", "onnxruntime-gpu"]


def _dockerfile(tmp_path: Path, base: str, apt: str = "python3 python3-pip") -> Path:
    path = tmp_path / "Dockerfile"
    path.write_text(
        f"FROM {base}\nRUN apt-get update && apt-get install -y {apt}\n"
        "COPY requirements.txt .\nRUN pip3 install -r requirements.txt\n"
    )
    return path


DEVEL = "nvidia/cuda:12.1.1-cudnn8-devel-ubuntu22.04"


@pytest.mark.parametrize(
    ("target", "packages", "keep_compiler", "runtime", "code"),
    [
        # PyPI's torch brings its own cuDNN/cuBLAS: the base keeps only the CUDA runtime
        ("gpu", {"torch", "numpy"}, False, "nvidia/cuda:12.1.1-base-ubuntu22.04", "JT202"),
        # nothing brings CUDA wheels: the base's libraries are needed
        ("gpu", {"numpy"}, False, "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04", "JT202"),
        # onnxruntime-gpu loads the system's cuDNN: it stays, next to torch's wheels
        (
            "gpu",
            {"torch", "onnxruntime-gpu"},
            False,
            "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04",
            "JT202",
        ),
        # code that compiles at run time keeps the compiler
        ("gpu", {"torch"}, True, DEVEL, "cuda"),
        ("cpu", {"torch"}, False, "ubuntu:22.04", "JT202"),
    ],
)
def test_cuda_runtime_choice(
    tmp_path: Path,
    target: str,
    packages: set[str],
    keep_compiler: bool,
    runtime: str,
    code: str,
) -> None:
    plan = plan_base(
        parse_dockerfile(_dockerfile(tmp_path, DEVEL)),
        target=target,
        packages=packages,
        keep_compiler=keep_compiler,
    )
    assert plan.kind == "cuda"
    assert plan.runtime == runtime
    assert plan.runtime_note is not None and plan.runtime_note.code == code
    assert plan.runtime_note.description.startswith(("runtime stage", "CPU target: runtime stage"))
    assert (plan.python, plan.builder_apt, plan.runtime_apt) == (
        "/usr/bin/python3",
        ("python3", "python3-venv"),
        ("python3",),
    )
    two_stacks = {"torch", "onnxruntime-gpu"} <= packages
    assert (plan.torch_note is not None) == two_stacks


def test_a_runtime_cuda_base_with_torch_goes_to_base_without_a_devel_code(tmp_path: Path) -> None:
    image = "nvidia/cuda:12.1.1-cudnn8-runtime-ubuntu22.04"
    plan = plan_base(parse_dockerfile(_dockerfile(tmp_path, image)), packages={"torch"})
    assert plan.runtime == "nvidia/cuda:12.1.1-base-ubuntu22.04"
    assert plan.runtime_note is not None and plan.runtime_note.code == "cuda"
    assert "second CUDA stack" in plan.runtime_note.description


def test_the_apt_python_the_dockerfile_names_is_the_interpreter(tmp_path: Path) -> None:
    path = _dockerfile(tmp_path, DEVEL, apt="python3.11=3.11.0-1 python3.11-venv")
    plan = plan_base(parse_dockerfile(path), apt_packages=["python3.11=3.11.0-1", "gcc"])
    assert plan.python == "/usr/bin/python3.11"
    assert plan.builder_apt == ("python3.11", "python3.11-venv")
    assert plan.runtime_apt == ("python3.11",)


def test_runtime_base_overrides_every_choice(tmp_path: Path) -> None:
    path = parse_dockerfile(_dockerfile(tmp_path, DEVEL))
    plan = plan_base(path, target="cpu", runtime_base="example.com/cuda-py:1", packages={"torch"})
    assert plan.runtime == "example.com/cuda-py:1"
    assert plan.runtime_note is not None
    assert plan.runtime_note.description.endswith("(--runtime-base)")


def test_pytorch_devel_uses_conda_python_and_the_base_torch(tmp_path: Path) -> None:
    path = _dockerfile(tmp_path, "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-devel")
    plan = plan_base(parse_dockerfile(path), packages={"transformers"})
    assert plan.runtime == "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime"
    assert (plan.python, plan.system_site_packages, plan.base_torch) == (
        "/opt/conda/bin/python",
        True,
        True,
    )
    assert plan.builder_apt == plan.runtime_apt == ()


def test_python_base_gpu_target_keeps_pypi_torch_and_says_so(tmp_path: Path) -> None:
    path = _dockerfile(tmp_path, "python:3.11")
    gpu = plan_base(parse_dockerfile(path), target="gpu", packages={"torch"})
    assert gpu.runtime == "python:3.11-slim"
    assert gpu.torch_note is not None and "one CUDA stack" in gpu.torch_note.description
    cpu = plan_base(parse_dockerfile(path), target="cpu", packages={"torch"})
    assert cpu.torch_note is None


@pytest.mark.parametrize(
    "base",
    [
        "localhost/python:3.11",
        "mirror.gcr.io/library/python:3.11",
        "public.ecr.aws/docker/library/python:3.11",
        "registry.example.com:5000/python:3.11",
    ],
)
def test_the_python_image_behind_a_registry_host_or_mirror(base: str, tmp_path: Path) -> None:
    """The official python image, wherever the user pulls it from: the restructure takes
    it, and the runtime stage stays on the same registry."""
    (tmp_path / "Dockerfile").write_text(
        f"FROM {base}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    report = fix(tmp_path / "Dockerfile", offline=True, dry_run=True, select=["restructure"])
    text = report.files[0].text
    assert f"FROM {base} AS builder\n" in text
    assert f"\nFROM {base}-slim\n" in text


def test_a_digest_pinned_base_gets_an_explicit_note(tmp_path: Path) -> None:
    digest = "sha256:" + "b" * 64
    (tmp_path / "Dockerfile").write_text(
        f"FROM python:3.11@{digest}\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    )
    (tmp_path / "requirements.txt").write_text("flask==3.0.3\n")
    report = fix(tmp_path / "Dockerfile", offline=True, dry_run=True, select=["restructure"])
    assert f"FROM python:3.11@{digest} AS builder\n" in report.files[0].text
    [note] = [c for c in report.changes if c.code == "JT201"]
    assert "pinned by digest" in note.description and "python:3.11-slim@sha256:" in note.description
