"""The health route a service's code declares, for the services whose Dockerfile and compose
file name no health check.

Discovery reads the ``HEALTHCHECK`` and compose's ``healthcheck``; many services have
neither but serve ``GET /healthz`` all the same. With the route known, ``plan --measure``
probes it over HTTP (a server command never exits, so a smoke run can only time out) and the
generated Dockerfiles get a ``HEALTHCHECK`` that asks it. The route is looked for in the
Python files the service ships and imports (:class:`~jettison.plan.model.ServiceImports`,
shared code included) with :mod:`jettison.imports.routes`; a port no ``EXPOSE``, compose
file or command names is taken from a literal ``port=`` of the server call in that code.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from jettison.imports.routes import health_route, routes_in_files, served_ports
from jettison.plan.model import Discovery, Service, ServiceImports


def with_code_health(discovery: Discovery, imports: Sequence[ServiceImports]) -> Discovery:
    """``discovery`` with each service that names no health path given its code's health
    route (and its port, when nothing else named one)."""
    files = {found.service: found.files for found in imports}
    services = tuple(
        _with_route(service, files.get(service.name, ()), discovery.root)
        for service in discovery.services
    )
    return replace(discovery, services=services)


def _with_route(service: Service, files: Sequence[Path], root: Path) -> Service:
    if service.health_path is not None or not files:
        return service
    route = health_route(routes_in_files(files))
    if route is None:
        return service
    port = service.port
    if port is None:
        ports = served_ports(files)
        port = ports[0] if ports else None
    where = f"{Path(os.path.relpath(route.file, root)).as_posix()}:{route.line}"
    return replace(service, health_path=route.path, health_source=where, port=port)


__all__ = ["with_code_health"]
