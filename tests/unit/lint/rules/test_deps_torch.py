"""JT302 (CUDA torch on CPU), JT303 (unused torchvision/torchaudio), JT307 (torch over the
base image's torch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jettison.inspect.report import CudaFamilyBytes, OwnerBytes
from jettison.lint.model import CodeView, LintContext, Saving, Severity
from jettison.lint.rules.deps import (
    jt302_cuda_torch_on_cpu,
    jt303_unused_torch_addons,
    jt307_torch_over_base,
)

from ._stack_helpers import (
    FakeSizes,
    PlainSizes,
    make_ctx,
    make_image,
    requirements_file,
    run,
    source,
)

JT302 = jt302_cuda_torch_on_cpu.RULE
JT303 = jt303_unused_torch_addons.RULE
JT307 = jt307_torch_over_base.RULE
SLIM = "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n"
CPU_CODE = "import torch\n\nmodel = torch.nn.Linear(2, 2)\nprint(model(torch.ones(2)))\n"
TORCH_REQS = "torch==2.7.0\ntorchvision==0.22.0\ntorchaudio==2.7.0\n"


# -- JT302 -----------------------------------------------------------------------------------


def _ctx(tmp_path: Path, dockerfile: str, *, code: str = CPU_CODE, **kwargs: Any) -> LintContext:
    """A context whose shipped code (``app/main.py``) imports torch."""
    imports = source(tmp_path, "app/main.py", code, "torch")
    return make_ctx(tmp_path, dockerfile, imports=imports, used={"torch"}, **kwargs)


def test_jt302_cuda_torch_in_a_cpu_service(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "flask==3.0.3\n" + TORCH_REQS)
    ctx = _ctx(tmp_path, SLIM, requirements=reqs)
    (finding,) = run(JT302, ctx)
    assert finding.line == 2  # the torch line
    assert finding.message.startswith("torch, torchvision and torchaudio from the default index")
    assert "several GB" in finding.message
    assert finding.fix is not None
    assert "--index-url https://download.pytorch.org/whl/cpu torch==2.7.0" in finding.fix
    assert "torchvision==0.22.0 torchaudio==2.7.0" in finding.fix
    assert finding.saving is None  # no image, no sizes provider


def test_jt302_one_finding_per_location_saving_once(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch==2.7.0\n")
    text = SLIM + "RUN pip install torchvision==0.22.0\n"
    image = make_image(cuda=[CudaFamilyBytes("cublas", 700_000_000, 3)])
    ctx = _ctx(tmp_path, text, requirements=reqs, image=image)
    findings = run(JT302, ctx)
    assert [(f.file.name, f.line) for f in findings] == [("Dockerfile", 4), ("requirements.txt", 1)]
    savings = [f.saving for f in findings if f.saving is not None]
    assert savings == [Saving(700_000_000, "measured in image build/app.tar")]


def test_jt302_saving_from_the_wheels_torch_depends_on(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch==2.7.0\n")
    sizes = FakeSizes({"torch": 1_700_000_000}, with_deps={"torch": 5_000_000_000})
    ctx = _ctx(tmp_path, SLIM, requirements=reqs, sizes=sizes)
    (finding,) = run(JT302, ctx)
    assert finding.saving == Saving(
        3_300_000_000,
        "installed size of the nvidia-* and triton wheels torch==2.7.0 depends on (package index)",
    )
    plain = _ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        sizes=PlainSizes({"torch": 1}),
    )
    assert run(JT302, plain)[0].saving is None


def test_jt302_bound_method_sizes_provider(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch==2.7.0\n")
    provider = FakeSizes({"torch": 1_000}, with_deps={"torch": 3_000})
    ctx = _ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        sizes=provider.__call__,
    )
    saving = run(JT302, ctx)[0].saving
    assert saving is not None and saving.size_bytes == 2_000


@pytest.mark.parametrize(
    ("dockerfile", "requirements", "index_urls", "code"),
    [
        # a CUDA base image
        ("FROM nvidia/cuda:12.1.0-runtime-ubuntu22.04\n", "torch==2.7.0\n", (), CPU_CODE),
        # the code asks for the GPU
        (SLIM, "torch==2.7.0\n", (), "import torch\ndevice = 'cuda'\n"),
        (SLIM, "torch==2.7.0\n", (), "import torch\nmodel = model.cuda()\n"),
        (
            SLIM,
            "torch==2.7.0\n",
            (),
            "from transformers import AutoModel\n"
            "m = AutoModel.from_pretrained('x', device_map='auto')\n",
        ),
        # the Dockerfile mentions the GPU
        (SLIM + "ENV NVIDIA_VISIBLE_DEVICES=all\n", "torch==2.7.0\n", (), CPU_CODE),
        # CPU builds: a +cpu pin, a CPU index in the file, on the command line, in ENV
        (SLIM, "torch==2.7.0+cpu\n", (), CPU_CODE),
        (SLIM, "torch==2.7.0\n", ("https://download.pytorch.org/whl/cpu",), CPU_CODE),
        (
            "FROM python:3.11-slim\nRUN pip install --index-url "
            "https://download.pytorch.org/whl/cpu -r requirements.txt\n",
            "torch==2.7.0\n",
            (),
            CPU_CODE,
        ),
        (
            "FROM python:3.11-slim\nENV PIP_EXTRA_INDEX_URL=https://download.pytorch.org/whl/cpu\n"
            "RUN pip install -r requirements.txt\n",
            "torch==2.7.0\n",
            (),
            CPU_CODE,
        ),
        (
            "FROM python:3.11-slim\nRUN uv pip install --torch-backend=cpu -r requirements.txt\n",
            "torch==2.7.0\n",
            (),
            CPU_CODE,
        ),
        # an explicit CUDA index is a deliberate choice
        (SLIM, "torch==2.7.0\n", ("https://download.pytorch.org/whl/cu121",), CPU_CODE),
        # no torch at all
        (SLIM, "flask==3.0.3\n", (), CPU_CODE),
    ],
)
def test_jt302_negative(
    tmp_path: Path, dockerfile: str, requirements: str, index_urls: tuple[str, ...], code: str
) -> None:
    reqs = requirements_file(tmp_path, requirements)
    ctx = _ctx(tmp_path, dockerfile, requirements=reqs, index_urls=index_urls, code=code)
    assert run(JT302, ctx) == []


def test_jt302_cpu_index_on_the_requirement(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path, "torch==2.7.0\n", index_url="https://download.pytorch.org/whl/cpu"
    )
    assert run(JT302, _ctx(tmp_path, SLIM, requirements=reqs)) == []


def test_jt302_pip_install_line_with_cpu_index(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "RUN pip install --extra-index-url https://download.pytorch.org/whl/cpu torch==2.7.0\n"
        "RUN pip install torchaudio\n"
    )
    (finding,) = run(JT302, _ctx(tmp_path, text))
    assert finding.line == 3
    assert finding.message.startswith("torchaudio from the default index")


def test_jt302_without_the_code_says_what_is_known(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch==2.7.0\n")
    (finding,) = run(JT302, make_ctx(tmp_path, SLIM, requirements=reqs))
    assert finding.severity is Severity.INFO and finding.saving is None
    assert finding.message.endswith(
        "yet nothing in the image suggests a GPU (no CUDA base, no GPU setting); the "
        "service's code is not in the build context, so whether it uses a GPU is unknown"
    )
    forced = make_ctx(tmp_path, SLIM, requirements=reqs, options={"JT302": {"gpu": False}})
    (finding,) = run(JT302, forced)
    assert finding.severity is Severity.WARNING
    assert "the image is meant for CPUs (the gpu option is false)" in finding.message


def test_jt302_gpu_optional_or_partial_code_is_info(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch==2.7.0\n")
    code = "import torch\ndevice = 'cuda' if torch.cuda.is_available() else 'cpu'\n"
    (finding,) = run(JT302, _ctx(tmp_path, SLIM, requirements=reqs, code=code))
    assert finding.severity is Severity.INFO
    assert "the code uses CUDA only when available (main.py mentions 'cuda')" in finding.message
    view = CodeView(1, ("the image copies src, which the build context does not hold",))
    (finding,) = run(JT302, _ctx(tmp_path, SLIM, requirements=reqs, code_view=view))
    assert finding.severity is Severity.INFO
    assert "the code here never mentions one, but the build context holds only part" in (
        finding.message
    )


@pytest.mark.parametrize(
    ("dockerfile", "why"),
    [
        ("FROM python:3.11-slim AS cpu\n", 'the final stage is named "cpu"'),
        ("FROM ultralytics/ultralytics:8.3.0-cpu\n", "ultralytics/ultralytics:8.3.0-cpu"),
        ("FROM public.ecr.aws/lambda/python:3.12\n", "AWS Lambda, which has no GPUs"),
    ],
)
def test_jt302_an_image_meant_for_cpus_warns_whatever_the_code(
    tmp_path: Path, dockerfile: str, why: str
) -> None:
    reqs = requirements_file(tmp_path, "torch==2.7.0\n")
    code = "import torch\nok = torch.cuda.is_available()\n"
    text = dockerfile + "COPY requirements.txt .\nRUN pip install -r requirements.txt\n"
    (finding,) = run(JT302, _ctx(tmp_path, text, requirements=reqs, code=code))
    assert finding.severity is Severity.WARNING
    assert why in finding.message


def test_jt302_cuda_only_wheels(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path,
        "onnxruntime-gpu==1.19.2\nxgboost==2.1.1\nxgboost<2\nfaiss-gpu-cu12==1.8.0\n"
        "onnxruntime==1.19.2; sys_platform == 'darwin'\n",
    )
    text = "FROM python:3.11-slim\nRUN pip install -r requirements.txt\nRUN pip install xgboost\n"
    loose, ort, xgb, faiss = run(JT302, _ctx(tmp_path, text, requirements=reqs))
    assert (loose.file.name, loose.line, loose.severity) == ("Dockerfile", 3, Severity.INFO)
    assert ort.message.startswith("onnxruntime-gpu==1.19.2 is the CUDA/TensorRT build")
    assert ort.fix == "Install onnxruntime instead for a CPU-only image."
    assert xgb.message.startswith("xgboost==2.1.1 is xgboost's Linux x86_64 wheel, which depends")
    assert xgb.fix == "Install xgboost-cpu (2.1 and later) instead for a CPU-only image."
    assert faiss.line == 4
    assert {f.severity for f in (ort, xgb, faiss)} == {Severity.WARNING}


def test_jt302_torch_pulled_in_by_another_package(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "sentence-transformers==3.0.1\nopenai-whisper\n")
    (finding,) = run(JT302, _ctx(tmp_path, SLIM, requirements=reqs))
    assert finding.severity is Severity.INFO
    assert finding.message.startswith("sentence-transformers and openai-whisper require torch")
    assert finding.fix is not None and "before sentence-transformers" in finding.fix
    reqs = requirements_file(tmp_path, "torch==2.7.0+cpu\nsentence-transformers==3.0.1\n")
    assert run(JT302, _ctx(tmp_path, SLIM, requirements=reqs)) == []


def test_jt302_a_cpu_torch_installed_first_meets_later_requirements(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch>=2.0\ntransformers==4.44.0\n")
    text = (
        "FROM python:3.11-slim\nRUN pip install torch==2.7.0 --index-url "
        "https://download.pytorch.org/whl/cpu && pip install -r requirements.txt\n"
    )
    assert run(JT302, _ctx(tmp_path, text, requirements=reqs)) == []
    # an upgrade, or a pin the CPU build does not meet, installs PyPI's build after all
    text = text.replace("pip install -r", "pip install -U -r")
    assert len(run(JT302, _ctx(tmp_path, text, requirements=reqs))) == 1
    reqs = requirements_file(tmp_path, "torch==2.5.1\n")
    text = text.replace("pip install -U -r", "pip install -r")
    assert len(run(JT302, _ctx(tmp_path, text, requirements=reqs))) == 1


def test_jt302_gpu_option_silences(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch==2.7.0\n")
    ctx = _ctx(tmp_path, SLIM, requirements=reqs, options={"JT302": {"gpu": True}})
    assert run(JT302, ctx) == []


# -- JT303 -----------------------------------------------------------------------------------


def test_jt303_addons_never_imported(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, TORCH_REQS)
    image = make_image(owners=[OwnerBytes("python", "torchvision", 30_000_000, 100)])
    ctx = _ctx(tmp_path, SLIM, requirements=reqs, image=image)
    findings = run(JT303, ctx)
    assert [(f.line, f.message) for f in findings] == [
        (2, "torchvision is installed but the shipped code never imports torchvision"),
        (3, "torchaudio is installed but the shipped code never imports torchaudio"),
    ]
    assert findings[0].saving == Saving(30_000_000, "measured in image build/app.tar")
    assert findings[1].saving == Saving(0, "measured in image build/app.tar")


def test_jt303_negative(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, TORCH_REQS)
    used = make_ctx(
        tmp_path,
        SLIM,
        requirements=reqs,
        imports=source(tmp_path, "app.py", "import torchvision, torchaudio\n", "torchvision"),
        used={"torch", "torchvision", "torchaudio"},
    )
    assert run(JT303, used) == []
    # no source scanned: silent rather than call everything unused
    assert run(JT303, make_ctx(tmp_path, SLIM, requirements=reqs)) == []


# -- JT307 -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "requirement", "why"),
    [
        (
            "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime",
            "torch==2.3.1",
            "asks for ==2.3.1, not the base's 2.1.0",
        ),
        (
            "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime",
            "torch>=2.2",
            "asks for >=2.2, not the base's 2.1.0",
        ),
        (
            "pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime",
            "torch==2.1.0+cpu",
            "asks for a build from another index",
        ),
        (
            "nvcr.io/nvidia/pytorch:24.01-py3",
            "torch==2.2.0",
            "pins ==2.2.0, while NGC ships a pre-release build",
        ),
    ],
)
def test_jt307_second_torch(tmp_path: Path, base: str, requirement: str, why: str) -> None:
    reqs = requirements_file(tmp_path, f"fastapi==0.115.0\n{requirement}\n")
    sizes = PlainSizes({"torch": 900_000_000})
    ctx = make_ctx(tmp_path, f"FROM {base}\n", requirements=reqs, sizes=sizes)
    (finding,) = run(JT307, ctx)
    assert finding.line == 2
    assert why in finding.message
    assert finding.message.startswith(f"{base} already ships torch")
    assert finding.saving is not None and finding.saving.size_bytes == 900_000_000


def test_jt307_upgrade_on_the_command_line(tmp_path: Path) -> None:
    text = "FROM pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime\nRUN pip install -U torch\n"
    (finding,) = run(JT307, make_ctx(tmp_path, text))
    assert "upgrades it (pip install -U)" in finding.message
    assert finding.line == 2


@pytest.mark.parametrize(
    ("base", "requirement"),
    [
        ("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", "torch==2.1.0"),
        ("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", "torch"),
        ("pytorch/pytorch:2.1.0-cuda12.1-cudnn8-runtime", "torch>=2.0,<2.2"),
        ("pytorch/pytorch:latest", "torch==2.3.1"),  # unknown version: no claim
        ("nvcr.io/nvidia/pytorch:24.01-py3", "torch>=2.0"),  # satisfied by the pre-release
        ("python:3.11-slim", "torch==2.3.1"),
    ],
)
def test_jt307_negative(tmp_path: Path, base: str, requirement: str) -> None:
    reqs = requirements_file(tmp_path, f"{requirement}\n")
    assert run(JT307, make_ctx(tmp_path, f"FROM {base}\n", requirements=reqs)) == []


def test_jt303_partial_code_is_a_mention(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, TORCH_REQS)
    view = CodeView(1, ("the image copies src, which the build context does not hold",))
    ctx = _ctx(tmp_path, SLIM, requirements=reqs, code_view=view)
    first, second = run(JT303, ctx)
    assert first.message == (
        "torchvision is installed but the Python files scanned never import torchvision; the "
        "build context holds only part of the shipped code: the image copies src, which the "
        "build context does not hold, so it may be imported there"
    )
    assert [f.severity for f in (first, second)] == [Severity.INFO, Severity.INFO]
    assert first.saving is None


@pytest.mark.parametrize(
    ("base", "run_line", "why"),
    [
        (
            "tensorflow/tensorflow:1.15.5-gpu-py3",
            "pip install tensorflow==2.*",
            "tensorflow==2.* is another distribution of the same module (pip keeps "
            "tensorflow-gpu too)",
        ),
        (
            "tensorflow/tensorflow:2.15.0-gpu",
            "pip install tensorflow==2.16.1",
            "asks for another version than the base's 2.15.0",
        ),
        (
            "tensorflow/tensorflow:2.15.0",
            "pip install --ignore-installed tensorflow",
            "is installed with --ignore-installed, over the base's copy",
        ),
    ],
)
def test_jt307_a_second_tensorflow(tmp_path: Path, base: str, run_line: str, why: str) -> None:
    (finding,) = run(JT307, make_ctx(tmp_path, f"FROM {base}\nRUN {run_line}\n"))
    assert finding.line == 2
    assert finding.message.startswith(f"{base} already ships tensorflow")
    assert why in finding.message


def test_jt307_tensorflow_from_a_project_installed_over_the_base(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "tensorflow==2.*\n", name="setup.py", source_kind="setup.py")
    text = "FROM tensorflow/tensorflow:1.13.1-gpu-py3\nCOPY . /app\nRUN pip install -I -e /app\n"
    (finding,) = run(JT307, make_ctx(tmp_path, text, requirements=reqs))
    assert (finding.file.name, finding.line) == ("setup.py", 1)
    assert "tensorflow-gpu 1.13.1" in finding.message and "--ignore-installed" in finding.message
    # the same TensorFlow, no --ignore-installed: pip keeps the base's
    text = "FROM tensorflow/tensorflow:2.15.0\nRUN pip install tensorflow==2.15.*\n"
    assert run(JT307, make_ctx(tmp_path, text)) == []
