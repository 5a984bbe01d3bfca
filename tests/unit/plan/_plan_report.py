"""Hand-built plan reports for the render, schema and CLI tests (no discovery, no builds).

``full_report`` is a fleet of three services under ``/repo`` that fills every tuple of the
model (the schema drift test needs every array filled to check its items): an API on the
``base`` group, an ML service on ``ml``, a worker whose Dockerfile is kept as it is, and a
measurement where everything passed. ``dry_run_report`` is the plain case: written False, no
measurement, no problems. ``failed_report`` has a failed build and a failing check.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from jettison.diff.core import check_growth, compare, parse_growth
from jettison.dockerfile.model import Dockerfile
from jettison.plan.core import sort_problems
from jettison.plan.measure import totals
from jettison.plan.model import (
    BuildStep,
    Check,
    Discovery,
    Dropped,
    Generated,
    Group,
    ImageMeasure,
    LayerRef,
    Measurement,
    Pin,
    PlanReport,
    Service,
    ServiceImports,
    ServiceMeasure,
    ServicePlan,
    Split,
    problem,
)
from support.diffimages import inspection, naive_layers, slim_layers

ROOT = Path("/repo")
OUT = ROOT / "jettison-plan"
REQS = ROOT / "libs" / "requirements.txt"
MB = 1_000_000


def _digest(n: int) -> str:
    return "sha256:" + f"{n:02x}" * 32


def pin(name: str, version: str, lineno: int) -> Pin:
    return Pin(name, f"{name}=={version}", REQS, lineno)


FASTAPI, UVICORN, NUMPY = (
    pin("fastapi", "0.110.0", 1),
    pin("uvicorn", "0.29.0", 2),
    pin("numpy", "1.26.4", 3),
)
TORCH, TRANSFORMERS = pin("torch", "2.2.2", 4), pin("transformers", "4.40.0", 5)
PYTEST, BLACK, REDIS = (
    pin("pytest", "8.1.1", 6),
    pin("black", "24.3.0", 7),
    pin("redis", "5.0.3", 8),
)

DEV_PYTEST = Dropped("pytest", "dev", "a test runner")
DEV_BLACK = Dropped("black", "dev", "a formatter")
UNUSED_TORCH = Dropped("torch", "unused", "never imported by svc-api's code")


def service(name: str, *, port: int | None, health: str | None, parsed: bool = True) -> Service:
    folder = ROOT / "services" / name
    return Service(
        name=name,
        dockerfile=folder / "Dockerfile",
        context=ROOT,
        parsed=None if not parsed else _parsed(folder / "Dockerfile"),
        requirement_files=(REQS,),
        code_paths=(folder / "app", ROOT / "libs" / "common"),
        shared_paths=(ROOT / "libs" / "common",),
        base_image="python:3.11",
        port=port,
        health_path=health,
    )


def _parsed(path: Path) -> Dockerfile:
    return Dockerfile(path=path, stages=())


SERVICES = (
    service("svc-api", port=8000, health="/health"),
    service("svc-ml", port=8001, health="/healthz"),
    service("svc-worker", port=None, health=None),
)

PROBLEMS = (
    problem(
        "conflicting-pins",
        "warning",
        "numpy pinned 1.26.4 here and 1.24.0 in svc-ml",
        service="svc-api",
        path=REQS,
        line=3,
    ),
    problem("import-cycle", "info", "libs.common.a -> libs.common.b -> libs.common.a"),
    problem(
        "unsupported-dockerfile",
        "warning",
        "RUN mixes pip with other commands",
        service="svc-worker",
        path=ROOT / "services" / "svc-worker" / "Dockerfile",
        line=4,
    ),
)


def _imports(name: str, modules: frozenset[str]) -> ServiceImports:
    return ServiceImports(
        service=name,
        modules=modules,
        via_shared=frozenset({"numpy"}),
        files=(ROOT / "services" / name / "app" / "main.py", ROOT / "libs" / "common" / "io.py"),
        problems=(PROBLEMS[1],),
    )


IMPORTS = (
    _imports("svc-api", frozenset({"fastapi", "numpy", "uvicorn"})),
    _imports("svc-ml", frozenset({"fastapi", "numpy", "torch", "transformers", "uvicorn"})),
    _imports("svc-worker", frozenset({"numpy", "redis"})),
)

SPLIT = Split(
    groups=(
        Group("base", (FASTAPI, UVICORN, NUMPY), ("svc-api", "svc-worker"), "needed by 2 of 3"),
        Group("ml", (TORCH, TRANSFORMERS), ("svc-ml",), "ml family: svc-ml imports it"),
    ),
    services=(
        ServicePlan(
            "svc-api",
            "base",
            (REDIS,),
            frozenset({"fastapi", "uvicorn", "numpy", "redis"}),
            (DEV_PYTEST, DEV_BLACK, UNUSED_TORCH),
            ("numpy",),
        ),
        ServicePlan(
            "svc-ml",
            "ml",
            (REDIS,),
            frozenset({"fastapi", "uvicorn", "numpy", "torch", "transformers", "redis"}),
            (DEV_PYTEST,),
            ("uvicorn",),
        ),
        ServicePlan(
            "svc-worker",
            "base",
            (REDIS,),
            frozenset({"numpy", "redis"}),
            (DEV_BLACK,),
            ("fastapi", "uvicorn"),
        ),
    ),
    dev=((PYTEST, DEV_PYTEST), (BLACK, DEV_BLACK)),
    options=("--extra-index-url https://download.pytorch.org/whl/cpu",),
    problems=(PROBLEMS[0],),
)

FILES = (
    Path("requirements/base.txt"),
    Path("requirements/ml.txt"),
    Path("requirements/dev.txt"),
    Path("bases/base/Dockerfile"),
    Path("bases/ml/Dockerfile"),
    Path("services/svc-api/Dockerfile"),
    Path("services/svc-ml/Dockerfile"),
    Path("build.sh"),
)
BUILD_ORDER = (
    BuildStep("localhost/repo/base-base:plan", OUT / "bases/base/Dockerfile", ROOT, None, "base"),
    BuildStep("localhost/repo/base-ml:plan", OUT / "bases/ml/Dockerfile", ROOT, None, "ml"),
    BuildStep(
        "localhost/repo/svc-api:plan", OUT / "services/svc-api/Dockerfile", ROOT, "svc-api", None
    ),
    BuildStep(
        "localhost/repo/svc-ml:plan", OUT / "services/svc-ml/Dockerfile", ROOT, "svc-ml", None
    ),
    BuildStep(
        "localhost/repo/svc-worker:plan",
        ROOT / "services/svc-worker/Dockerfile",
        ROOT,
        "svc-worker",
        None,
    ),
)
GENERATED = Generated(
    out_dir=OUT,
    files=FILES,
    contents=tuple(f"# {p.as_posix()}\n" for p in FILES),
    build_order=BUILD_ORDER,
    kept_original=("svc-worker",),
)

# -- measurement: upstream python layers shared by everything, the plan's base layers shared
# by the services built on them.
PY = (LayerRef(_digest(1), 120 * MB), LayerRef(_digest(2), 380 * MB))
BASE = (*PY, LayerRef(_digest(3), 90 * MB))
ML = (*BASE, LayerRef(_digest(4), 900 * MB))


def image(tag: str, layers: tuple[LayerRef, ...], seconds: float = 30.5) -> ImageMeasure:
    return ImageMeasure(tag, _digest(len(tag)), layers, seconds)


def _fat(n: int) -> tuple[LayerRef, ...]:
    """An original image: python + everything of the big requirements file, own copy."""
    return (*PY, LayerRef(_digest(10 + n), 1100 * MB), LayerRef(_digest(20 + n), 2 * MB))


BEFORE = {
    name: image(f"localhost/repo/{name}:before", _fat(i))
    for i, name in enumerate(("svc-api", "svc-ml", "svc-worker"))
}
AFTER = {
    "svc-api": image("localhost/repo/svc-api:plan", (*BASE, LayerRef(_digest(31), 3 * MB))),
    "svc-ml": image("localhost/repo/svc-ml:plan", (*ML, LayerRef(_digest(32), 3 * MB))),
    "svc-worker": image("localhost/repo/svc-worker:plan", _fat(9)),
}
PROBE_OK = Check(True, "probe", "GET /health: HTTP 200")
SMOKE_OK = Check(True, "smoke", "exit code 0")


def _measured(name: str, torch_before: bool, torch_after: bool) -> ServiceMeasure:
    ok = SMOKE_OK if name == "svc-worker" else PROBE_OK
    diff = SAMPLE_DIFF if name == "svc-api" else None
    return ServiceMeasure(
        name, BEFORE[name], AFTER[name], ok, ok, torch_before, torch_after, diff=diff
    )


_DIFF = compare(inspection(naive_layers()), inspection(slim_layers()))
SAMPLE_DIFF = dataclasses.replace(_DIFF, gate=check_growth(_DIFF, *parse_growth("0")))
"""A before/after diff (made from in-memory images: every array filled)."""


def _measurement(services: tuple[ServiceMeasure, ...]) -> Measurement:
    both = [s for s in services if s.before is not None and s.after is not None]
    return Measurement(
        services=services,
        bases=(
            image("localhost/repo/base-base:plan", BASE),
            image("localhost/repo/base-ml:plan", ML),
        ),
        before=totals([s.before for s in both if s.before is not None]),
        after=totals([s.after for s in both if s.after is not None]),
    )


MEASUREMENT = _measurement(
    (
        _measured("svc-api", True, False),
        _measured("svc-ml", True, True),
        _measured("svc-worker", True, True),
    )
)


def full_report() -> PlanReport:
    discovery = Discovery(
        root=ROOT,
        services=SERVICES,
        shared_paths=(ROOT / "libs" / "common",),
        compose_files=(ROOT / "docker-compose.yml",),
        problems=(PROBLEMS[2],),
    )
    return PlanReport(
        root=ROOT,
        discovery=discovery,
        imports=IMPORTS,
        split=SPLIT,
        generated=GENERATED,
        written=True,
        measurement=MEASUREMENT,
        problems=sort_problems(PROBLEMS),
    )


def dry_run_report() -> PlanReport:
    """Two services, nothing written, nothing measured, no problems."""
    services = SERVICES[:2]
    discovery = Discovery(ROOT, services, (ROOT / "libs" / "common",), (), ())
    split = dataclasses.replace(SPLIT, services=SPLIT.services[:2], problems=(), dev=(), options=())
    generated = dataclasses.replace(GENERATED, build_order=BUILD_ORDER[:4], kept_original=())
    return PlanReport(ROOT, discovery, IMPORTS[:2], split, generated, False, None, ())


def failed_report() -> PlanReport:
    """svc-ml's plan image failed to build; svc-worker's check fails after the plan."""
    failed_ml = ServiceMeasure(
        "svc-ml",
        BEFORE["svc-ml"],
        None,
        PROBE_OK,
        Check(False, "none", "not checked: the image was not built"),
        True,
        False,
        error="after: not built: its base localhost/repo/base-ml:plan failed",
    )
    broken_worker = ServiceMeasure(
        "svc-worker",
        BEFORE["svc-worker"],
        AFTER["svc-worker"],
        SMOKE_OK,
        Check(False, "smoke", "exit code 1: ModuleNotFoundError: No module named 'redis'"),
        True,
        True,
    )
    measurement = _measurement((_measured("svc-api", True, False), failed_ml, broken_worker))
    measurement = dataclasses.replace(measurement, bases=measurement.bases[:1])
    return dataclasses.replace(full_report(), measurement=measurement)
