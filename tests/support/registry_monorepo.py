"""``tests/fixtures/plan/registry_monorepo`` copied, with the wheels its Dockerfiles hand to
pip written into ``wheels/`` (see the fixture's README)."""

from __future__ import annotations

import shutil
from pathlib import Path

from support.wheels import write_wheel

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "plan" / "registry_monorepo"

ACME_HEALTH = '''\
"""The health payload every service of the repository returns."""

import os


def status(service: str, **details: object) -> dict[str, object]:
    return {"status": "ok", "service": service, "pid": os.getpid(), **details}
'''

_OPENCV = '''\
"""Stand-in for OpenCV ({build} build), small enough for tests."""
{load}
__version__ = "0.1.0"


def mean(values: list[float]) -> float:
    return sum(values) / len(values)
'''
GUI_LOAD = """
import ctypes

try:  # like the real GUI wheel, which links X11/OpenGL libraries a slim image lacks
    ctypes.CDLL("libXext.so.6")
except OSError as exc:
    raise ImportError(str(exc)) from None
"""


def registry_monorepo(dest: Path) -> Path:
    """The fixture at ``dest`` (created), its ``wheels/`` written; ``dest``."""
    shutil.copytree(FIXTURE, dest)
    wheels = dest / "wheels"
    write_wheel(wheels, "acme-health", "0.1.0", {"acme_health/__init__.py": ACME_HEALTH})
    write_wheel(
        wheels,
        "opencv-python",
        "0.1.0",
        {"cv2/__init__.py": _OPENCV.format(build="GUI", load=GUI_LOAD)},
    )
    write_wheel(
        wheels,
        "opencv-python-headless",
        "0.1.0",
        {"cv2/__init__.py": _OPENCV.format(build="headless", load="")},
    )
    return dest
