"""``jettison plan --measure`` for real on the registry-host monorepo (issue 15).

``tests/fixtures/plan/registry_monorepo`` has three FastAPI services on bases named with a
registry host (``localhost/python:3.11``, ``localhost/python:3.11-slim``), which hand pip a
wheel folder and a constraints file on the RUN line, and declare their health routes only
in code. Here those names are the stand-in bases, tagged in a private buildah store. Every
original and plan image is built and probed on its route: all pass, including ``vision``,
whose plan image runs OpenCV's headless build without the X11 library its original needed
(the tiny OpenCV stand-ins make a missing library an ImportError, as the real wheels do).
The web stack comes from PyPI through the host CA bundle (skipped when PyPI does not
answer); our own packages come from the wheels the test writes. A few minutes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration.conftest import HOST_CA_BUNDLE, Store, _base_images, _cleanup, _run
from integration.conftest import missing_requirements as _missing
from integration.test_optimize import _pypi_unreachable
from jettison.builder.buildah import BuildahBuilder
from jettison.builder.options import BuildOptions
from jettison.plan.core import plan
from jettison.plan.model import PlanReport
from support.registry_monorepo import registry_monorepo
from support.render import renderer_for

render = renderer_for("plan")

pytestmark = pytest.mark.integration

STAND_INS = {
    "docker.io/library/python:3.11": "localhost/python:3.11",
    "docker.io/library/python:3.11-slim": "localhost/python:3.11-slim",
}


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    reason = _missing() or _pypi_unreachable()
    if reason is not None:
        pytest.skip(reason)
    _base_images()
    top = Path(tempfile.mkdtemp(prefix="jettison-plan-registry-it-"))
    private = Store(top / "store" / "root", top / "store" / "run")
    try:
        for stand_in, name in STAND_INS.items():
            target = f"containers-storage:{private.spec}{name}"
            _run(["buildah", "push", "--quiet", stand_in, target])
        yield private
    finally:
        _cleanup(private, [], top)


@pytest.fixture(scope="module")
def report(store: Store, tmp_path_factory: pytest.TempPathFactory) -> PlanReport:
    root = registry_monorepo(tmp_path_factory.mktemp("plan-registry-it") / "fleet")
    builder = BuildahBuilder(root=store.root, runroot=store.runroot)
    build = BuildOptions(builder=builder, ca_bundle=HOST_CA_BUNDLE)
    return plan(root, measure=True, build=build, timeout_s=90)


def test_every_service_is_planned_and_passes_its_checks(report: PlanReport) -> None:
    assert report.generated.kept_original == ()
    measured = report.measurement
    assert measured is not None
    assert [s.service for s in measured.services] == ["orders", "search", "vision"]
    for service in measured.services:
        assert service.error is None, service.error
        for check in (service.check_before, service.check_after):
            assert check.kind == "probe", (service.service, check)
            assert check.passed, (service.service, check.detail)
    assert {b.tag.rsplit("/", 1)[1] for b in measured.bases} == {"base:plan", "base-cv:plan"}
    assert measured.after.distinct_bytes < measured.before.distinct_bytes


def test_the_report_says_every_check_passed(report: PlanReport) -> None:
    text = render(report, "tty", width=120)
    assert "FAILED" not in text
    assert "timed out" not in text


def _python(store: Store, image_id: str, code: str) -> bool:
    """Whether ``python -c code`` succeeds in the image."""
    container = store.buildah("from", "--pull=never", image_id)
    try:
        store.buildah("run", container, "--", "python", "-c", code, timeout=120)
    except RuntimeError:
        return False
    finally:
        store.buildah("rm", container)
    return True


def test_vision_passes_on_headless_opencv_without_the_x11_library(
    report: PlanReport, store: Store
) -> None:
    """The check after passes because the fix holds: the GUI build is gone with its library."""
    measured = report.measurement
    assert measured is not None
    (vision,) = [s for s in measured.services if s.service == "vision"]
    assert vision.before is not None and vision.after is not None
    load = "import ctypes; ctypes.CDLL('libXext.so.6')"
    headless = "from importlib.metadata import version; version('opencv-python-headless')"
    assert _python(store, vision.before.image_id, load)
    assert not _python(store, vision.before.image_id, headless)
    assert not _python(store, vision.after.image_id, load)
    assert _python(store, vision.after.image_id, headless)
