"""Health routes found in the services' code, for the services that name no health check."""

from __future__ import annotations

import shutil
from pathlib import Path

from jettison.plan.discover import discover
from jettison.plan.graph import service_imports
from jettison.plan.health import with_code_health
from jettison.plan.model import Discovery
from support.files import write_file as write

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "plan"


def _health(root: Path) -> Discovery:
    found = discover(root)
    return with_code_health(found, [service_imports(s, found) for s in found.services])


def test_the_wheelhouse_services_get_their_code_routes() -> None:
    found = _health(FIXTURES / "wheelhouse")
    assert {s.name: (s.port, s.health_path, s.health_source) for s in found.services} == {
        "events": (8081, "/healthz", "services/events/events/server.py:20"),
        "gateway": (8000, "/healthz", "services/gateway/main.py:14"),
        "thumbnails": (5000, "/health", "services/thumbnails/app.py:12"),
        "vision": (8080, "/ops/health", "services/vision/app/ops.py:11"),
    }


def test_a_healthcheck_wins_over_the_code() -> None:
    found = _health(FIXTURES / "mini")
    assert {(s.health_path, s.health_source) for s in found.services} == {
        ("/healthz", "HEALTHCHECK")
    }


def test_the_port_comes_from_the_code_when_nothing_else_names_it(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "wheelhouse" / "services" / "events", tmp_path / "events")
    dockerfile = tmp_path / "events" / "Dockerfile"
    write(
        dockerfile,
        "FROM python:3.11-slim\nCOPY events/ /app/events/\nWORKDIR /app\n"
        'CMD ["python", "-m", "events.server"]\n',
    )
    (service,) = _health(tmp_path / "events").services
    assert (service.port, service.health_path) == (8081, "/healthz")


def test_a_service_without_a_health_route_is_left_alone(tmp_path: Path) -> None:
    write(tmp_path / "svc" / "Dockerfile", 'FROM python:3.11-slim\nCOPY app.py .\nCMD ["x"]\n')
    write(tmp_path / "svc" / "app.py", "from fastapi import FastAPI\napp = FastAPI()\n")
    (service,) = _health(tmp_path).services
    assert (service.health_path, service.health_source) == (None, None)
