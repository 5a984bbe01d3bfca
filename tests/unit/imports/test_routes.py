"""The HTTP routes code declares, prefixes resolved, and which one is the health check."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from jettison.imports.routes import (
    Route,
    health_route,
    routes_in_files,
    routes_in_source,
    served_ports,
)


def _routes(source: str) -> list[tuple[str, tuple[str, ...], str]]:
    found = routes_in_source(textwrap.dedent(source), Path("app.py"))
    return [(r.path, r.methods, r.framework) for r in found]


def _health(source: str) -> str | None:
    found = health_route(routes_in_source(textwrap.dedent(source), Path("app.py")))
    return found.path if found is not None else None


def test_fastapi_app_and_router_with_its_prefix() -> None:
    source = """
        from fastapi import APIRouter, FastAPI

        app = FastAPI()
        router = APIRouter(prefix="/ops")

        @app.get("/items/{item_id}")
        def item(item_id: int): ...

        @router.get("/health")
        async def health(): ...

        @app.api_route("/ping", methods=["GET", "HEAD"])
        def ping(): ...

        @app.post("/healthz")
        def not_a_get(): ...

        app.include_router(router, prefix="/v1")
    """
    assert _routes(source) == [
        ("/items/{item_id}", ("GET",), "fastapi"),
        ("/v1/ops/health", ("GET",), "fastapi"),
        ("/ping", ("GET", "HEAD"), "fastapi"),
        ("/healthz", ("POST",), "fastapi"),
    ]
    assert _health(source) == "/v1/ops/health"


def test_flask_routes_blueprints_and_url_rules() -> None:
    source = """
        import flask

        app = flask.Flask(__name__)
        bp = flask.Blueprint("ops", __name__, url_prefix="/ops")

        @app.route("/upload", methods=["POST"])
        def upload(): ...

        @bp.route("/<name>")
        def named(name): ...

        @bp.route("/livez")
        def livez(): ...

        app.add_url_rule("/readyz", view_func=lambda: "ok")
        app.register_blueprint(bp)
    """
    assert _routes(source) == [
        ("/upload", ("POST",), "flask"),
        ("/ops/<name>", ("GET",), "flask"),
        ("/ops/livez", ("GET",), "flask"),
        ("/readyz", ("GET",), "flask"),
    ]
    assert _health(source) == "/ops/livez"  # livez before readyz; parameters never count


def test_aiohttp_route_tables_and_router_calls() -> None:
    source = """
        from aiohttp import web

        routes = web.RouteTableDef()

        @routes.get("/status")
        async def status(request): ...

        async def ping(request): ...

        app = web.Application()
        app.add_routes([web.get("/ping", ping), web.post("/events", ping)])
        app.router.add_get("/healthz", ping)
        app.router.add_route("GET", "/heartbeat", ping)
    """
    assert sorted(_routes(source)) == [
        ("/events", ("POST",), "aiohttp"),
        ("/healthz", ("GET", "HEAD"), "aiohttp"),
        ("/heartbeat", ("GET",), "aiohttp"),
        ("/ping", ("GET",), "aiohttp"),
        ("/status", ("GET",), "aiohttp"),
    ]
    assert _health(source) == "/healthz"


def test_starlette_routes_outside_mounts() -> None:
    source = """
        from starlette.applications import Starlette
        from starlette.routing import Mount, Route

        async def ok(request): ...

        app = Starlette(routes=[
            Route("/health", ok),
            Mount("/api", routes=[Route("/healthz", ok)]),
        ])
    """
    assert _routes(source) == [("/health", ("GET",), "starlette")]


def test_an_app_of_unknown_origin_counts_in_a_module_importing_a_framework() -> None:
    source = """
        from fastapi import Depends
        from myservice import create_app

        app = create_app()

        @app.get("/healthz")
        def healthz(): ...
    """
    assert _health(source) == "/healthz"
    assert _routes("import requests\n\n@cache.get('/healthz')\ndef f(): ...\n") == []


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["/", "/status", "/health"], "/health"),
        (["/api/v1/healthz", "/healthz"], "/healthz"),
        (["/_health"], "/_health"),
        (["/health/{component}", "/metrics"], None),
        (["/healthy/"], "/healthy/"),
    ],
)
def test_health_route_preference(paths: list[str], expected: str | None) -> None:
    routes = [Route(p, ("GET",), "fastapi", Path("a.py"), n) for n, p in enumerate(paths)]
    found = health_route(routes)
    assert (found.path if found else None) == expected


def test_a_router_included_from_another_module(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "ops.py").write_text(
        "from fastapi import APIRouter\nrouter = APIRouter(prefix='/ops')\n\n"
        "@router.get('/health')\ndef health(): ...\n"
    )
    (tmp_path / "app" / "main.py").write_text(
        "from fastapi import FastAPI\nfrom app import ops\n\napp = FastAPI()\n"
        "app.include_router(ops.router, prefix='/internal')\n"
    )
    (tmp_path / "app" / "broken.py").write_text("def (:\n")
    files = sorted((tmp_path / "app").glob("*.py"))
    (route,) = routes_in_files(files)
    assert (route.path, route.file.name, route.line) == ("/internal/ops/health", "ops.py", 4)


def test_served_ports(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "import uvicorn\nfrom flask import Flask\nfrom aiohttp import web\n"
        "app = Flask(__name__)\n"
        "if __name__ == '__main__':\n"
        "    web.run_app(web.Application(), port=8081)\n"
        "    uvicorn.run('m:app', host='0.0.0.0', port=PORT)\n"
        "    app.run(port=5000)\n"
        "    other.run(port=1)\n"
    )
    assert served_ports([tmp_path / "a.py", tmp_path / "missing.py"]) == [8081, 5000]
