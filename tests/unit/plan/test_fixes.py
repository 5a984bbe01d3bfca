"""Lint's requirement fixes in the files a plan writes: headless OpenCV (JT304), CPU torch
(JT302) and CPU TensorFlow (JT305), only where no service installing the file needs the
GUI or a GPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.plan.generate import generate_with_problems
from jettison.plan.model import Group, ServiceImports
from unit.plan.test_generate import Case, discovery, pin, plan, service, split, write_tree

VISION = """\
FROM python:3.11
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \\
    && rm -rf /var/lib/apt/lists/*
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app.py .
CMD ["uvicorn", "app:app"]
"""


def _case(tmp_path: Path, requirements: list[str], dockerfile: str = VISION) -> Case:
    write_tree(
        tmp_path,
        {
            "svc/Dockerfile": dockerfile,
            "svc/requirements.txt": "\n".join(requirements) + "\n",
            "svc/app.py": "import cv2\n",
        },
    )
    pins = tuple(
        pin(tmp_path, "svc/requirements.txt", line, n) for n, line in enumerate(requirements, 1)
    )
    svc = service(tmp_path, "svc", "svc/Dockerfile", requirements=("svc/requirements.txt",))
    base = Group("base", pins, ("svc",), "")
    return Case(
        discovery(tmp_path, svc), split((base,), (plan("svc", needed=tuple(p.name for p in pins)),))
    )


def _imports(tmp_path: Path, *, gpu: str | None = None, gui: str | None = None) -> ServiceImports:
    return ServiceImports(
        "svc", frozenset({"cv2"}), frozenset(), (tmp_path / "svc/app.py",), (), gpu, gui
    )


def _files(case: Case, tmp_path: Path, imports: tuple[ServiceImports, ...]) -> dict[str, str]:
    generated, _ = generate_with_problems(
        case.discovery,
        case.split,
        out_dir=tmp_path / "jettison-plan",
        tag_prefix="localhost/x",
        imports=imports,
    )
    return {p.as_posix(): t for p, t in zip(generated.files, generated.contents, strict=True)}


def test_opencv_goes_headless_and_its_gui_libraries_go(tmp_path: Path) -> None:
    case = _case(tmp_path, ["numpy==2.1.0", "opencv-python==4.10.0.84"])
    files = _files(case, tmp_path, (_imports(tmp_path),))
    assert (
        "# jettison: JT304 opencv-python -> opencv-python-headless (no GUI libraries in a "
        "service)\nopencv-python-headless==4.10.0.84\n"
    ) in files["requirements/base.txt"]
    dockerfile = files["services/svc/Dockerfile"]
    assert "# jettison: JT304 libgl1 not installed: its OpenCV is the -headless build" in dockerfile
    assert "apt-get install -y --no-install-recommends libglib2.0-0 \\\n" in dockerfile


def test_a_gui_call_keeps_opencv_and_its_libraries(tmp_path: Path) -> None:
    case = _case(tmp_path, ["opencv-python==4.10.0.84"])
    files = _files(case, tmp_path, (_imports(tmp_path, gui="app.py calls imshow"),))
    assert "opencv-python==4.10.0.84\n" in files["requirements/base.txt"]
    assert "headless" not in files["requirements/base.txt"]
    assert "libgl1 libglib2.0-0" in files["services/svc/Dockerfile"]


def test_a_package_that_loads_opengl_keeps_libgl1(tmp_path: Path) -> None:
    case = _case(tmp_path, ["opencv-python==4.10.0.84", "open3d==0.18.0"])
    files = _files(case, tmp_path, (_imports(tmp_path),))
    assert "opencv-python-headless==4.10.0.84" in files["requirements/base.txt"]
    assert "libgl1 libglib2.0-0" in files["services/svc/Dockerfile"]


def test_torch_gets_its_cpu_build_where_no_gpu_is_used(tmp_path: Path) -> None:
    case = _case(tmp_path, ["torch==2.5.1", "torchvision==0.20.1 ; sys_platform == 'linux'"])
    text = _files(case, tmp_path, (_imports(tmp_path),))["requirements/base.txt"]
    assert "--extra-index-url https://download.pytorch.org/whl/cpu\n" in text
    assert "\ntorch==2.5.1+cpu\n" in text
    assert "\ntorchvision==0.20.1+cpu ; sys_platform == 'linux'\n" in text
    assert "# jettison: JT302 torch -> its CPU build torch==2.5.1+cpu from" in text


@pytest.mark.parametrize(
    ("imports", "dockerfile"),
    [
        ("gpu", VISION),
        ("none", VISION),
        (
            "plain",
            VISION.replace("FROM python:3.11\n", "FROM python:3.11\nENV CUDA_VISIBLE_DEVICES=0\n"),
        ),
        (
            "plain",
            VISION.replace(
                "pip install -r", "pip install --index-url https://pypi.example/simple -r"
            ),
        ),
    ],
)
def test_torch_stays_when_a_gpu_may_be_used(imports: str, dockerfile: str, tmp_path: Path) -> None:
    case = _case(tmp_path, ["torch==2.5.1", "tensorflow==2.18.0"], dockerfile)
    given = {
        "gpu": (_imports(tmp_path, gpu="app.py mentions 'cuda'"),),
        "none": (),
        "plain": (_imports(tmp_path),),
    }[imports]
    text = _files(case, tmp_path, given)["requirements/base.txt"]
    assert "\ntorch==2.5.1\n" in text
    assert "\ntensorflow==2.18.0\n" in text
    assert "download.pytorch.org" not in text


def test_tensorflow_goes_cpu_and_a_torch_range_is_left_with_a_notice(tmp_path: Path) -> None:
    case = _case(tmp_path, ["tensorflow==2.18.0", "torch>=2.4"])
    generated, problems = generate_with_problems(
        case.discovery,
        case.split,
        out_dir=tmp_path / "jettison-plan",
        tag_prefix="localhost/x",
        imports=(_imports(tmp_path),),
    )
    text = dict(zip(generated.files, generated.contents, strict=True))[
        Path("requirements/base.txt")
    ]
    assert "\ntensorflow-cpu==2.18.0\n" in text
    assert "\ntorch>=2.4\n" in text
    (notice,) = [p for p in problems if p.kind == "lint-fix-skipped"]
    assert notice.message.startswith("JT302 not applied: `torch>=2.4` is not pinned to one")
