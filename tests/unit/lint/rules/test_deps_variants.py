"""JT304 (OpenCV with GUI), JT305 (full tensorflow without CUDA), JT306 (two packages for the
same stack)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.inspect.report import OwnerBytes
from jettison.lint.model import Saving, Severity
from jettison.lint.packages import applies_in_image
from jettison.lint.rules.deps import (
    jt304_opencv_gui,
    jt305_tensorflow_full,
    jt306_duplicate_stacks,
)

from ._stack_helpers import PlainSizes, make_ctx, make_image, requirements_file, run, source

JT304 = jt304_opencv_gui.RULE
JT305 = jt305_tensorflow_full.RULE
JT306 = jt306_duplicate_stacks.RULE
SLIM = "FROM python:3.11-slim\nRUN pip install -r requirements.txt\n"


# -- JT304 -----------------------------------------------------------------------------------


def test_jt304_opencv_python(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "numpy==1.26.4\nopencv-python==4.10.0.84\n")
    sizes = PlainSizes({"opencv-python": 90_000_000, "opencv-python-headless": 60_000_000})
    (finding,) = run(JT304, make_ctx(tmp_path, SLIM, requirements=reqs, sizes=sizes))
    assert finding.line == 2
    assert "opencv-python bundles Qt" in finding.message
    assert finding.fix == "Replace opencv-python with opencv-python-headless==4.10.0.84."
    assert finding.saving == Saving(
        30_000_000,
        "installed size of opencv-python==4.10.0.84 minus opencv-python-headless==4.10.0.84 "
        "wheels (package index)",
    )


def test_jt304_contrib_on_a_pip_line_and_gui_apt_packages(tmp_path: Path) -> None:
    text = (
        "FROM python:3.11-slim\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 "
        "&& rm -rf /var/lib/apt/lists/*\n"
        "RUN pip install opencv-contrib-python\n"
    )
    (finding,) = run(JT304, make_ctx(tmp_path, text))
    assert finding.line == 3
    assert finding.fix == (
        "Replace opencv-contrib-python with opencv-contrib-python-headless, and drop libgl1 "
        "from apt-get install."
    )
    assert finding.saving is None


def test_jt304_negative(tmp_path: Path) -> None:
    headless = requirements_file(tmp_path, "opencv-python-headless==4.10.0.84\n")
    assert run(JT304, make_ctx(tmp_path, SLIM, requirements=headless)) == []
    gui = requirements_file(tmp_path, "opencv-python==4.10.0.84\n")
    imports = source(tmp_path, "show.py", "import cv2\ncv2.imshow('x', img)\n", "cv2")
    ctx = make_ctx(tmp_path, SLIM, requirements=gui, imports=imports, used={"opencv-python"})
    assert run(JT304, ctx) == []


# -- JT305 -----------------------------------------------------------------------------------


def test_jt305_tensorflow_without_cuda(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "tensorflow==2.16.1\n")
    sizes = PlainSizes({"tensorflow": 590_000_000, "tensorflow-cpu": 230_000_000})
    imports = source(
        tmp_path, "app.py", "import tensorflow as tf\ntf.keras.Model()\n", "tensorflow"
    )
    ctx = make_ctx(tmp_path, SLIM, requirements=reqs, sizes=sizes, imports=imports)
    (finding,) = run(JT305, ctx)
    assert "tensorflow-cpu is the same library" in finding.message
    assert finding.fix == "Replace tensorflow with tensorflow-cpu==2.16.1."
    assert finding.saving is not None and finding.saving.size_bytes == 360_000_000


def test_jt305_lite_only_code(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "tensorflow==2.16.1\n")
    code = "import tensorflow as tf\ninterp = tf.lite.Interpreter(model_path='m.tflite')\n"
    imports = source(tmp_path, "app.py", code, "tensorflow")
    (finding,) = run(JT305, make_ctx(tmp_path, SLIM, requirements=reqs, imports=imports))
    assert "only uses tf.lite" in finding.message
    assert finding.fix == "Replace tensorflow with ai-edge-litert and use its Interpreter."


@pytest.mark.parametrize(
    ("dockerfile", "requirements", "options"),
    [
        ("FROM tensorflow/tensorflow:2.16.1-gpu\n", "tensorflow==2.16.1\n", {}),
        ("FROM nvidia/cuda:12.3.2-cudnn9-runtime-ubuntu22.04\n", "tensorflow==2.16.1\n", {}),
        (SLIM, "tensorflow[and-cuda]==2.16.1\n", {}),
        (SLIM, "tensorflow==2.16.1\nnvidia-cudnn-cu12==8.9.7.29\n", {}),
        (SLIM, "tensorflow==2.16.1\n", {"JT305": {"gpu": True}}),
        (SLIM, "tensorflow-cpu==2.16.1\n", {}),
    ],
)
def test_jt305_negative(
    tmp_path: Path, dockerfile: str, requirements: str, options: dict[str, object]
) -> None:
    reqs = requirements_file(tmp_path, requirements)
    assert run(JT305, make_ctx(tmp_path, dockerfile, requirements=reqs, options=options)) == []


# -- JT306 -----------------------------------------------------------------------------------


def test_jt306_opencv_twice(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path, "opencv-python==4.10.0.84\nflask==3.0.3\nopencv-python-headless==4.10.0.84\n"
    )
    image = make_image(owners=[OwnerBytes("python", "opencv-python", 80_000_000, 10)])
    (finding,) = run(JT306, make_ctx(tmp_path, SLIM, requirements=reqs, image=image))
    assert finding.line == 3  # at the later one
    assert finding.message.startswith(
        "opencv-python (requirements.txt:1) and opencv-python-headless (requirements.txt:3) "
        "both install the cv2 module"
    )
    assert finding.fix == "Keep opencv-python-headless only; remove opencv-python."
    assert finding.saving == Saving(80_000_000, "measured in image build/app.tar")


@pytest.mark.parametrize(
    ("requirements", "gpu", "keep"),
    [
        ("tensorflow==2.16.1\ntensorflow-cpu==2.16.1\n", False, "tensorflow-cpu"),
        ("tensorflow==2.16.1\ntensorflow-cpu==2.16.1\n", True, "tensorflow"),
        ("onnxruntime==1.18.0\nonnxruntime-gpu==1.18.0\n", False, "onnxruntime"),
        ("onnxruntime==1.18.0\nonnxruntime-gpu==1.18.0\n", True, "onnxruntime-gpu"),
        ("faiss-gpu==1.7.2\nfaiss-cpu==1.8.0\n", False, "faiss-cpu"),
        ("psycopg2-binary==2.9.9\npsycopg2==2.9.9\n", False, "psycopg2"),
        ("pillow==10.4.0\npillow-simd==9.5.0\n", False, "pillow"),
    ],
)
def test_jt306_stacks(tmp_path: Path, requirements: str, gpu: bool, keep: str) -> None:
    reqs = requirements_file(tmp_path, requirements)
    ctx = make_ctx(tmp_path, SLIM, requirements=reqs, options={"JT306": {"gpu": gpu}})
    (finding,) = run(JT306, ctx)
    assert finding.fix is not None and finding.fix.startswith(f"Keep {keep} only;")


def test_jt306_requirement_and_pip_line(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "onnxruntime-gpu==1.18.0\n")
    text = SLIM + "RUN pip install onnxruntime==1.18.0\n"
    (finding,) = run(JT306, make_ctx(tmp_path, text, requirements=reqs))
    assert (finding.file.name, finding.line) == ("Dockerfile", 3)
    assert "onnxruntime-gpu (requirements.txt:1) and onnxruntime (Dockerfile:3)" in finding.message


def test_jt306_torch_with_two_builds(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path, "torch==2.7.0+cpu\n", index_url="https://download.pytorch.org/whl/cpu"
    )
    text = SLIM + "RUN pip install --force-reinstall torch==2.7.0\n"
    (finding,) = run(JT306, make_ctx(tmp_path, text, requirements=reqs))
    assert finding.line == 3
    assert finding.message.startswith(
        "torch is installed twice with different builds: the CPU build at requirements.txt:1 "
        "(installed at line 2) and PyPI's CUDA build at Dockerfile:3"
    )
    # without --force-reinstall (or -U), pip finds torch==2.7.0 met by 2.7.0+cpu
    text = SLIM + "RUN pip install torch==2.7.0\n"
    assert run(JT306, make_ctx(tmp_path, text, requirements=reqs)) == []


def test_jt306_a_later_layer_reinstalls_torch_from_a_lock(tmp_path: Path) -> None:
    """The venv of a builder (PyPI's torch) is copied in; ``uv sync`` then installs the
    project's CUDA-index torch over it: reported at the RUN that does it."""
    reqs = requirements_file(
        tmp_path,
        "torch==2.7.0\n",
        name="pyproject.toml",
        source_kind="pyproject",
        index_url="https://download.pytorch.org/whl/cu128",
    )
    text = (
        "FROM python:3.12 AS torch\nRUN uv venv /opt/venv && uv pip install torch==2.7.0\n"
        "FROM python:3.12-slim\nCOPY --from=torch /opt/venv /opt/venv\nCOPY . /app\n"
        "RUN cd /app && uv sync --frozen --no-dev\n"
    )
    (finding,) = run(JT306, make_ctx(tmp_path, text, requirements=reqs))
    assert (finding.file.name, finding.line) == ("Dockerfile", 6)
    assert finding.message.startswith(
        "torch is installed twice with different builds: PyPI's CUDA build at Dockerfile:2 and "
        "an explicit CUDA build at pyproject.toml:1 (installed at line 6)"
    )


@pytest.mark.parametrize(
    ("requirements", "run_line"),
    [
        ("opencv-python-headless==4.10.0.84\n", ""),
        ("torch==2.7.0\n", "RUN pip install torch==2.7.0\n"),  # same build twice: a no-op
        ("tensorflow==2.16.1\nkeras==3.4.1\n", ""),
        ("flask==3.0.3\n", ""),
    ],
)
def test_jt306_negative(tmp_path: Path, requirements: str, run_line: str) -> None:
    reqs = requirements_file(tmp_path, requirements)
    assert run(JT306, make_ctx(tmp_path, SLIM + run_line, requirements=reqs)) == []


def test_jt304_matplotlib_imshow_and_leftover_calls_are_no_gui(tmp_path: Path) -> None:
    gui = requirements_file(tmp_path, "opencv-python==4.10.0.84\nmatplotlib==3.9.2\n")
    code = (
        "import cv2\nimport matplotlib.pyplot as plt\nplt.imshow(img)\nax.imshow(mask)\n"
        "cv2.destroyAllWindows()\ncv2.waitKey(1)\n"
    )
    imports = source(tmp_path, "plot.py", code, "cv2", "matplotlib")
    ctx = make_ctx(tmp_path, SLIM, requirements=gui, imports=imports, used={"opencv-python"})
    (finding,) = run(JT304, ctx)
    assert finding.severity is Severity.WARNING
    imports = source(tmp_path, "show.py", "from cv2 import imshow, waitKey\n", "cv2")
    ctx = make_ctx(tmp_path, SLIM, requirements=gui, imports=imports, used={"opencv-python"})
    assert run(JT304, ctx) == []


def test_jt304_gui_build_pulled_in_by_a_dependency(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "python-doctr==0.10.0\nultralytics==8.3.0\n")
    text = SLIM + "RUN apt-get install -y libgl1\nRUN pip install mediapipe==0.10.14\n"
    contrib, pulled = run(JT304, make_ctx(tmp_path, text, requirements=reqs))
    assert (contrib.file.name, contrib.line) == ("Dockerfile", 4)
    assert contrib.message.startswith("mediapipe requires opencv-contrib-python (per its")
    assert pulled.message.startswith(
        "python-doctr and ultralytics require opencv-python (per their published requirements)"
    )
    assert pulled.severity is Severity.INFO
    assert pulled.fix == (
        "After installing python-doctr and ultralytics, swap the wheel: pip uninstall -y "
        "opencv-python && pip install opencv-python-headless (or override the dependency: uv's "
        "override-dependencies, pip constraints), and drop libgl1 from apt-get install."
    )
    # declared directly too: one finding, the direct one
    reqs = requirements_file(tmp_path, "python-doctr==0.10.0\nopencv-python==4.10.0.84\n")
    (direct,) = run(JT304, make_ctx(tmp_path, SLIM, requirements=reqs))
    assert direct.severity is Severity.WARNING and direct.line == 2


def test_jt306_platform_markers_pick_one(tmp_path: Path) -> None:
    reqs = requirements_file(
        tmp_path,
        "onnxruntime-gpu==1.16.0; sys_platform == 'linux'\n"
        "onnxruntime==1.16.0; sys_platform == 'darwin' or sys_platform == 'win32'\n",
    )
    assert run(JT306, make_ctx(tmp_path, SLIM, requirements=reqs)) == []
    assert applies_in_image("sys_platform == 'linux' and python_version >= '3.10'")
    assert applies_in_image("platform_machine != 'aarch64'")
    assert not applies_in_image("platform_system == 'Windows'")
    assert applies_in_image("extra == 'gpu'") is False  # an extra nobody asked for
    assert applies_in_image("not a marker")


def test_jt306_a_cpu_torch_installed_first_is_not_replaced(tmp_path: Path) -> None:
    reqs = requirements_file(tmp_path, "torch>=2.0\n")
    text = (
        "FROM python:3.11-slim\nRUN pip install torch --index-url "
        "https://download.pytorch.org/whl/cpu\nRUN pip install -r requirements.txt\n"
    )
    assert run(JT306, make_ctx(tmp_path, text, requirements=reqs)) == []
