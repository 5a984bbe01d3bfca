"""The HTTP routes a service's code declares, and which of them is its health check: an AST
walk, nothing executed.

A service without a ``HEALTHCHECK`` often has a health route all the same
(``@app.get("/healthz")``); knowing it, a check can ask the running service over HTTP
instead of guessing from its command. Read, for each framework:

- FastAPI and Starlette: ``@app.get(path)``, ``@app.api_route(path, methods=[...])``,
  ``@app.route(path)``, ``app.add_route(path, fn, methods=[...])`` and
  ``app.add_api_route(...)`` on an app or an ``APIRouter(prefix=...)``, and
  ``Route(path, endpoint, methods=[...])`` objects (not those inside a ``Mount``, whose
  prefix this does not follow);
- Flask (and Quart): ``@app.route(path, methods=[...])`` (GET by default), ``@app.get(path)``,
  ``app.add_url_rule(path, ...)``, on the app or a ``Blueprint(url_prefix=...)``;
- aiohttp: ``web.get(path, handler)``, ``app.router.add_get(path, handler)``,
  ``add_route("GET", path, handler)`` and ``@routes.get(path)`` on a ``RouteTableDef``.

A router's prefix counts: its own (``APIRouter(prefix="/ops")``, ``Blueprint(...,
url_prefix="/ops")``) and the one it is included with (``app.include_router(router,
prefix="/v1")``, ``app.register_blueprint(bp, url_prefix="/v1")``), also when the router is
defined in another module (``include_router(ops.router)`` names the module ``ops``). Only
literal paths count; a path with parameters (``/items/{id}``, ``/<name>``) is never a
health route. A decorator on an object of unknown type (an app a factory returns) counts
when the module imports a web framework.

:func:`health_route` picks the health route among them by its last path segment
(``healthz``, ``health``, ``livez``, ``readyz``, ``ping``, ``status``...; the order of
:data:`HEALTH_NAMES` is the preference).
"""

from __future__ import annotations

import ast
import posixpath
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from jettison.imports.entry import imports_of, resolve

HEALTH_NAMES = (
    "healthz",
    "health",
    "healthcheck",
    "health-check",
    "health_check",
    "healthy",
    "livez",
    "liveness",
    "live",
    "alive",
    "readyz",
    "readiness",
    "ready",
    "ping",
    "status",
    "heartbeat",
)
"""Last path segments that name a health route, preferred first."""
WEB_FRAMEWORKS = frozenset({"fastapi", "starlette", "flask", "quart", "aiohttp"})

_APP_TYPES = {
    "fastapi.FastAPI": "fastapi",
    "fastapi.applications.FastAPI": "fastapi",
    "fastapi.APIRouter": "fastapi",
    "fastapi.routing.APIRouter": "fastapi",
    "starlette.applications.Starlette": "starlette",
    "starlette.routing.Router": "starlette",
    "flask.Flask": "flask",
    "flask.Blueprint": "flask",
    "quart.Quart": "flask",
    "quart.Blueprint": "flask",
    "aiohttp.web.Application": "aiohttp",
    "aiohttp.web.RouteTableDef": "aiohttp",
    "aiohttp.web_app.Application": "aiohttp",
}
_PREFIX_KEYWORDS = ("prefix", "url_prefix")
_VERB_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options"})
_AIOHTTP_ADDERS = {f"add_{verb}": verb for verb in _VERB_METHODS}
_PARAMETER = re.compile(r"[{<:*]")


@dataclass(frozen=True, slots=True)
class Route:
    """One HTTP route the code declares."""

    path: str
    """The full path, prefixes included (``/ops/health``)."""
    methods: tuple[str, ...]
    """Upper case (``GET``); ``("GET",)`` when the framework's default applies."""
    framework: str
    """``fastapi``, ``starlette``, ``flask``, ``aiohttp``."""
    file: Path
    line: int

    @property
    def answers_get(self) -> bool:
        return "GET" in self.methods


@dataclass(frozen=True, slots=True)
class _Declared:
    """A route as one module writes it: on which object, with the object's own prefix."""

    owner: str
    """The name of the app or router it is declared on (``router``, ``app``, ``bp``)."""
    path: str
    methods: tuple[str, ...]
    framework: str
    line: int


@dataclass(frozen=True, slots=True)
class _Include:
    """``app.include_router(ops.router, prefix="/v1")``: where a router is mounted."""

    module: str | None
    """The module the router comes from (``ops``), None when it is this module's own."""
    name: str
    prefix: str


@dataclass(frozen=True)
class _Module:
    file: Path
    routes: tuple[_Declared, ...]
    prefixes: dict[str, str]
    """Router name -> its own prefix."""
    includes: tuple[_Include, ...]


def routes_in_files(files: Iterable[Path]) -> list[Route]:
    """Every route the Python ``files`` declare, prefixes resolved across them; files that
    cannot be read or parsed are skipped."""
    return _routes([m for f in files if (m := _read(f)) is not None])


def routes_in_source(source: str | bytes, file: Path) -> list[Route]:
    """The routes one module declares."""
    module = _parse_module(source, file)
    return _routes([module]) if module is not None else []


def _routes(modules: Sequence[_Module]) -> list[Route]:
    includes = [(m, i) for m in modules for i in m.includes]
    out: list[Route] = []
    for module in modules:
        for declared in module.routes:
            prefix = module.prefixes.get(declared.owner, "")
            outer = _included_prefix(module, declared.owner, includes)
            path = _join(outer, prefix, declared.path)
            out.append(
                Route(path, declared.methods, declared.framework, module.file, declared.line)
            )
    return sorted(out, key=lambda r: (r.file, r.line, r.path))


def health_route(routes: Iterable[Route]) -> Route | None:
    """The route that looks like a health check (see :data:`HEALTH_NAMES`), GET only."""
    ranked = []
    for route in routes:
        if not route.answers_get or _PARAMETER.search(route.path):
            continue
        name = posixpath.basename(route.path.rstrip("/")).lower().lstrip("_-")
        if name in HEALTH_NAMES:
            ranked.append(
                (HEALTH_NAMES.index(name), len(route.path), route.file, route.line, route)
            )
    return min(ranked)[-1] if ranked else None


_SERVER_CALLS = frozenset(
    {"uvicorn.run", "aiohttp.web.run_app", "waitress.serve", "werkzeug.serving.run_simple"}
)


def served_ports(files: Iterable[Path]) -> list[int]:
    """Ports the code starts a server on with a literal ``port=`` (``uvicorn.run(app,
    port=8000)``, ``web.run_app(app, port=8081)``, Flask's ``app.run(port=5000)``), in file
    order."""
    out: list[int] = []
    for file in files:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(file.read_bytes())
        except (OSError, SyntaxError, ValueError, RecursionError):
            continue
        names = imports_of(tree)
        flask = {n for n, (f, _p) in _framework_objects(tree, names).items() if f == "flask"}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            server = resolve(node.func, names) in _SERVER_CALLS or (
                isinstance(node.func, ast.Attribute)
                and node.func.attr == "run"
                and ast.unparse(node.func.value) in flask
            )
            port = next((k.value for k in node.keywords if k.arg == "port"), None)
            value = port.value if isinstance(port, ast.Constant) else None
            if server and type(value) is int and 0 < value < 65536:
                out.append(value)
    return out


# -- one module -------------------------------------------------------------------------------


def _read(file: Path) -> _Module | None:
    try:
        source = file.read_bytes()
    except OSError:
        return None
    return _parse_module(source, file)


def _parse_module(source: str | bytes, file: Path) -> _Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None
    names = imports_of(tree)
    frameworks = {full.split(".")[0] for full in names.values()} & WEB_FRAMEWORKS
    if not frameworks:
        return None
    objects = _framework_objects(tree, names)
    mounted = _inside_mounts(tree, names)
    routes: list[_Declared] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                found = _decorated(decorator, objects, frameworks)
                if found is not None:
                    routes.append(found)
        elif isinstance(node, ast.Call) and id(node) not in mounted:
            found = _registered(node, names, objects, frameworks)
            if found is not None:
                routes.append(found)
    return _Module(
        file,
        tuple(routes),
        {name: prefix for name, (_, prefix) in objects.items() if prefix},
        tuple(_includes(tree)),
    )


def _framework_objects(tree: ast.Module, names: dict[str, str]) -> dict[str, tuple[str, str]]:
    """Name -> (framework, own prefix) of every app or router the module creates."""
    out: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign | ast.AnnAssign) or not isinstance(node.value, ast.Call):
            continue
        framework = _APP_TYPES.get(resolve(node.value.func, names))
        if framework is None:
            continue
        prefix = next(
            (v for k in _PREFIX_KEYWORDS if (v := _keyword_text(node.value, k)) is not None), ""
        )
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            out[ast.unparse(target)] = (framework, prefix)
    return out


def _inside_mounts(tree: ast.Module, names: dict[str, str]) -> set[int]:
    """Calls inside a Starlette ``Mount(...)``: their paths are relative to its prefix."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and resolve(node.func, names).endswith(".Mount"):
            out.update(id(inner) for inner in ast.walk(node) if inner is not node)
    return out


def _decorated(
    decorator: ast.expr, objects: dict[str, tuple[str, str]], frameworks: set[str]
) -> _Declared | None:
    """``@app.get("/x")``, ``@app.route("/x", methods=[...])``, ``@routes.get("/x")``."""
    if not isinstance(decorator, ast.Call) or not isinstance(decorator.func, ast.Attribute):
        return None
    owner = ast.unparse(decorator.func.value)
    method = decorator.func.attr
    framework = objects.get(owner, (_guess(frameworks), ""))[0]
    path = _first_text(decorator)
    if path is None:
        return None
    if method in _VERB_METHODS:
        return _Declared(owner, path, (method.upper(),), framework, decorator.lineno)
    if method in {"route", "api_route"}:
        return _Declared(owner, path, _methods(decorator), framework, decorator.lineno)
    return None


def _registered(
    call: ast.Call,
    names: dict[str, str],
    objects: dict[str, tuple[str, str]],
    frameworks: set[str],
) -> _Declared | None:
    """``web.get("/x", h)``, ``app.router.add_get("/x", h)``, ``Route("/x", h)``,
    ``app.add_url_rule("/x", ...)``, ``app.add_api_route("/x", h)``."""
    full = resolve(call.func, names)
    if full.startswith("aiohttp.web.") and full.rsplit(".", 1)[-1] in _VERB_METHODS:
        path = _first_text(call)
        verb = full.rsplit(".", 1)[-1].upper()
        return _Declared("", path, (verb,), "aiohttp", call.lineno) if path else None
    if full in ("starlette.routing.Route", "fastapi.routing.APIRoute"):
        path = _first_text(call)
        return _Declared("", path, _methods(call), "starlette", call.lineno) if path else None
    if not isinstance(call.func, ast.Attribute):
        return None
    method = call.func.attr
    target = ast.unparse(call.func.value)
    owner = target.removesuffix(".router")
    framework = objects.get(owner, (_guess(frameworks), ""))[0]
    if method in _AIOHTTP_ADDERS:
        path = _first_text(call)
        verb = _AIOHTTP_ADDERS[method].upper()
        methods = ("GET", "HEAD") if verb == "GET" else (verb,)
        return _Declared(owner, path, methods, "aiohttp", call.lineno) if path else None
    if method == "add_route" and framework == "aiohttp":
        given = _text(call.args[0]) if call.args else None
        path = _text(call.args[1]) if len(call.args) > 1 else None
        if given is None or path is None:
            return None
        return _Declared(owner, path, (given.upper(),), "aiohttp", call.lineno)
    if method in {"add_url_rule", "add_route", "add_api_route"}:
        path = _first_text(call)
        return _Declared(owner, path, _methods(call), framework, call.lineno) if path else None
    return None


def _includes(tree: ast.Module) -> Iterator[_Include]:
    """``include_router``/``register_blueprint`` calls with the router they mount."""
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in {"include_router", "register_blueprint"}
            and node.args
        ):
            continue
        router = node.args[0]
        prefix = next((v for k in _PREFIX_KEYWORDS if (v := _keyword_text(node, k))), "")
        if isinstance(router, ast.Name):
            yield _Include(None, router.id, prefix)
        elif isinstance(router, ast.Attribute):
            yield _Include(ast.unparse(router.value).rsplit(".", 1)[-1], router.attr, prefix)


def _included_prefix(
    module: _Module, owner: str, includes: Sequence[tuple[_Module, _Include]]
) -> str:
    """The prefix the router ``owner`` of ``module`` is included with (the first found)."""
    for where, include in includes:
        if include.name != owner:
            continue
        if include.module is None and where.file == module.file:
            return include.prefix
        if include.module is not None and include.module in (
            module.file.stem,
            module.file.parent.name if module.file.name == "__init__.py" else None,
        ):
            return include.prefix
    return ""


# -- small helpers ---------------------------------------------------------------------------


def _guess(frameworks: set[str]) -> str:
    return sorted(frameworks)[0] if len(frameworks) == 1 else "unknown"


def _methods(call: ast.Call) -> tuple[str, ...]:
    """The ``methods=[...]`` of a route (GET when not given; unknown entries dropped)."""
    node = next((k.value for k in call.keywords if k.arg == "methods"), None)
    if node is None:
        return ("GET",)
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return tuple(t.upper() for e in node.elts if (t := _text(e)) is not None)
    return ()


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _first_text(call: ast.Call) -> str | None:
    if call.args:
        return _text(call.args[0])
    found = next((k.value for k in call.keywords if k.arg in {"path", "rule"}), None)
    return _text(found) if found is not None else None


def _keyword_text(call: ast.Call, name: str) -> str | None:
    found = next((k.value for k in call.keywords if k.arg == name), None)
    return _text(found) if found is not None else None


def _join(*parts: str) -> str:
    """Prefixes and a path as one path (``/v1`` + ``/ops`` + ``/health``); a trailing slash
    of the path is kept, as frameworks tell ``/x/`` from ``/x``."""
    joined = "/" + "/".join(p.strip("/") for p in parts if p.strip("/"))
    return joined + "/" if parts and parts[-1].endswith("/") and joined != "/" else joined


__all__ = [
    "HEALTH_NAMES",
    "Route",
    "health_route",
    "routes_in_files",
    "routes_in_source",
    "served_ports",
]
