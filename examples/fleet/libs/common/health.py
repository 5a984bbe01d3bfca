"""The ``GET /healthz`` route every service mounts, and the app factory that mounts it.

A service's health check *does* what the service needs (parse a PDF, run the model...)
instead of answering a constant: an image that lost a package it uses fails its check.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

from libs.common.config import load_settings
from libs.common.log import configure_logging, get_logger

HealthCheck = Callable[[], Mapping[str, object]]
"""Returns details to report; raises when the service cannot work."""


def health_router(service: str, check: HealthCheck) -> APIRouter:
    router = APIRouter()
    log = get_logger(service)

    @router.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            details = dict(check())
        except Exception as exc:  # report any failure as unhealthy, never crash the route
            log.error("health check failed", error=repr(exc))
            return JSONResponse(
                {"status": "error", "service": service, "error": repr(exc)}, status_code=503
            )
        return JSONResponse({"status": "ok", "service": service, **details})

    return router


def create_service(service: str, check: HealthCheck) -> FastAPI:
    """A FastAPI app with logging configured and ``/healthz`` mounted."""
    settings = load_settings()
    configure_logging(settings.log_level)
    app = FastAPI(title=service)
    app.include_router(health_router(service, check))
    get_logger(service).info("service created", environment=settings.environment)
    return app
