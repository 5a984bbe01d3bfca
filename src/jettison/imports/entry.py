"""What a started Python program does, read from its source: which server it runs (and
whether that is a development server or has the reloader on), and whether it installs
packages while it starts. An AST walk; nothing is executed.

What runs depends on how the program is started (:class:`~jettison.dockerfile.scripts.Script`
says): a file run as a script or a module run with ``-m`` executes its module-level
statements and its ``if __name__ == "__main__":`` block; a console script executes the
module-level statements and the function it names. Functions of the same module called
from there run too, and so does the click (or typer) command the arguments select
(``verba start`` runs the ``start`` command of the ``cli`` group). A server call elsewhere
in the file (in the ``__main__`` block of a module that ``uvicorn mod:app`` imports, for
instance) does not run and is reported as such.

An argument's value is read when the code makes it knowable: a literal, ``not x``, a click
option (``--prod/--no-prod``, ``is_flag``) or an argparse ``store_true`` flag, against the
arguments the program is started with. Anything else is unknown and never guessed.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import re
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from jettison.dockerfile.scripts import Script
from jettison.facts.weights import DATA_PACK_LOADERS, LARGE_DATA_PACKS, MODEL_LOADERS

SERVING_LIBRARIES = frozenset(
    {"uvicorn", "gradio", "flask", "websockets", "aiohttp", "tornado", "waitress", "hypercorn",
     "streamlit", "werkzeug", "sanic", "bottle", "cherrypy", "gunicorn", "granian", "litserve"}
)  # fmt: skip
"""Libraries whose import by the started program says it serves HTTP or websockets."""
_INSTALLER_NAME = re.compile(r"^(?:import|install|ensure|require|lazy_import)_(\w+)$")
_PIP_WORDS = re.compile(r"\bpip3?\b.*\binstall\b|\b(?:apt-get|apt|apk)\b.*\b(?:install|add)\b")


@dataclass(frozen=True, slots=True)
class Serving:
    """A call that starts a server."""

    server: str
    """``uvicorn``, ``flask``, ``gradio``, ``websockets``, ``waitress``, ``aiohttp``..."""
    path: str
    line: int
    runs: bool
    """In the code that runs when the program starts (see the module doc)."""
    dev: str | None = None
    """Why it is a development server (the reloader on, Flask's built-in server), or None."""


@dataclass(frozen=True, slots=True)
class Install:
    """Packages installed while the program runs."""

    path: str
    line: int
    how: str
    runs: bool
    inferred: bool = False
    """Judged from a helper's name (``import_fastapi()``), not from the install itself."""


def parse(script: Script) -> ast.Module | None:
    """The syntax tree of ``script`` (None when it does not parse). Cached by text: rules
    ask about the same started program several times; callers never modify the tree."""
    return _parse(script.text)


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> ast.Module | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return None


# -- the code that runs --------------------------------------------------------------------------


def executed(tree: ast.Module, script: Script, args: Sequence[str]) -> list[ast.AST]:
    """The statements and function bodies that run when ``script`` is started with ``args``."""
    functions = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    }
    roots: list[ast.AST] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if _is_main_block(node) and script.function is not None:
            continue  # a console script does not run the __main__ block
        roots.append(node)
    if script.function is not None:
        entry = functions.get(script.function.split(".")[0])
        if entry is not None:
            roots.append(entry)
    out: list[ast.AST] = []
    queue: list[ast.AST] = list(roots)
    seen: set[int] = set()
    while queue:
        current = queue.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        for name in _called_names(current):
            if name in functions:
                queue.append(functions[name])
        if isinstance(current, ast.FunctionDef | ast.AsyncFunctionDef):
            queue.extend(_selected_commands(current, functions, args))
    return out


def _running(tree: ast.Module, script: Script, args: Sequence[str]) -> set[int]:
    """``id()`` of the calls that run at start for sure: in :func:`executed` code, and
    every ``if`` around them known to take their branch (``if args.debug:`` without
    ``--debug`` does not; a condition that cannot be read is not taken for sure)."""
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    owner = _enclosing_functions(tree)
    out: set[int] = set()
    for node in executed(tree, script, args):
        for call in (c for c in ast.walk(node) if isinstance(c, ast.Call)):
            if _guards_hold(call, parents, owner.get(id(call)), tree, args):
                out.add(id(call))
    return out


def _guards_hold(
    call: ast.Call,
    parents: dict[int, ast.AST],
    function: ast.FunctionDef | ast.AsyncFunctionDef | None,
    tree: ast.Module,
    args: Sequence[str],
) -> bool:
    node: ast.AST = call
    while id(node) in parents:
        parent = parents[id(node)]
        if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef):
            return True
        if isinstance(parent, ast.If) and node is not parent.test and not _is_main_block(parent):
            value = value_of(parent.test, function, tree, args)
            in_body = any(node is statement for statement in parent.body)
            if value is None or bool(value) != in_body:
                return False
        node = parent
    return True


def _is_main_block(node: ast.AST) -> bool:
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    parts = [node.test.left, *node.test.comparators]
    names = {p.id for p in parts if isinstance(p, ast.Name)}
    values = {p.value for p in parts if isinstance(p, ast.Constant)}
    return "__name__" in names and "__main__" in values


def _called_names(node: ast.AST) -> Iterator[str]:
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and isinstance(child.func, ast.Name):
            yield child.func.id


def _decorator_name(decorator: ast.expr) -> str:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(target)


def _selected_commands(
    group: ast.FunctionDef | ast.AsyncFunctionDef,
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
    args: Sequence[str],
) -> list[ast.AST]:
    """The click/typer commands of ``group`` that ``args`` select (``cli start`` -> ``start``)."""
    if not any(_decorator_name(d).endswith(".group") for d in group.decorator_list):
        return []
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return []
    wanted = words[0]
    out: list[ast.AST] = []
    for function in functions.values():
        for decorator in function.decorator_list:
            name = _decorator_name(decorator)
            if name != f"{group.name}.command" and not name.endswith(f"{group.name}.command"):
                continue
            explicit = None
            if isinstance(decorator, ast.Call) and decorator.args:
                first = decorator.args[0]
                explicit = first.value if isinstance(first, ast.Constant) else None
            command = explicit or function.name.replace("_", "-")
            if command in (wanted, wanted.replace("_", "-")):
                out.append(function)
    return out


# -- servers -------------------------------------------------------------------------------------


def imports_of(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted thing it was imported as (``serve`` -> ``websockets.serve``)."""
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                out[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return out


def serving_libraries(tree: ast.Module) -> set[str]:
    """The serving libraries (:data:`SERVING_LIBRARIES`) the module imports."""
    return {full.split(".")[0] for full in imports_of(tree).values()} & SERVING_LIBRARIES


def servers(script: Script, args: Sequence[str] = ()) -> list[Serving]:
    """The server calls in ``script``, each marked with whether it runs when the script is
    started with ``args`` and whether it is a development server."""
    return list(_servers(script, tuple(args)))


@functools.lru_cache(maxsize=256)
def _servers(script: Script, args: tuple[str, ...]) -> tuple[Serving, ...]:
    tree = parse(script)
    if tree is None:
        return ()
    names = imports_of(tree)
    libraries = {full.split(".")[0] for full in names.values()}
    flask_apps = _flask_apps(tree, names)
    running = _running(tree, script, args)
    owner = _enclosing_functions(tree)
    out: list[Serving] = []
    for call in (c for c in ast.walk(tree) if isinstance(c, ast.Call)):
        server = _server_of(call, names, libraries, flask_apps)
        if server is None:
            continue
        runs = id(call) in running
        dev = _dev_reason(server, call, owner.get(id(call)), tree, args) if runs else None
        out.append(Serving(server, script.path, call.lineno, runs, dev))
    return tuple(out)


def resolve(func: ast.expr, names: dict[str, str]) -> str:
    """``uvicorn.run`` for ``uvicorn.run`` and for ``run`` imported from uvicorn."""
    text = ast.unparse(func)
    head, _, rest = text.partition(".")
    if head in names:
        return names[head] + (f".{rest}" if rest else "")
    return text


def _server_of(
    call: ast.Call, names: dict[str, str], libraries: set[str], flask_apps: set[str]
) -> str | None:
    full = resolve(call.func, names)
    if full in ("uvicorn.run", "uvicorn.Server", "uvicorn.main.run", "uvicorn.server.Server"):
        return "uvicorn"
    if full.startswith("websockets.") and full.endswith(".serve"):
        return "websockets"
    if full in ("waitress.serve", "hypercorn.asyncio.serve", "hypercorn.trio.serve"):
        return full.split(".")[0]
    if full in ("aiohttp.web.run_app", "aiohttp.web_runner.run_app"):
        return "aiohttp"
    if full in ("werkzeug.serving.run_simple", "werkzeug.run_simple"):
        return "werkzeug"
    if full.endswith(("HTTPServer", "ThreadingHTTPServer")) and "http.server" in full:
        return "http.server"
    if isinstance(call.func, ast.Attribute):
        target = ast.unparse(call.func.value)
        method = call.func.attr
        if method == "run" and target in flask_apps:
            return "flask"
        if method == "launch" and "gradio" in libraries:
            return "gradio"
        if method == "run" and target.endswith("socketio") and "flask_socketio" in libraries:
            return "flask"
    return None


def _flask_apps(tree: ast.Module, names: dict[str, str]) -> set[str]:
    """Names bound to ``Flask(...)``."""
    out: set[str] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and resolve(node.value.func, names) == "flask.Flask"
        ):
            out.update(ast.unparse(t) for t in node.targets)
    return out


def _enclosing_functions(tree: ast.Module) -> dict[int, ast.FunctionDef | ast.AsyncFunctionDef]:
    out: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            for child in ast.walk(function):
                out[id(child)] = function  # the innermost wins: walked later
    return out


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _dev_reason(
    server: str,
    call: ast.Call,
    function: ast.FunctionDef | ast.AsyncFunctionDef | None,
    tree: ast.Module,
    args: Sequence[str],
) -> str | None:
    if server == "flask":
        debug = _keyword(call, "debug")
        on = value_of(debug, function, tree, args) if debug is not None else False
        extra = " with the debugger on" if on else ""
        return f"`{ast.unparse(call.func)}()` runs Flask's built-in development server{extra}"
    if server == "werkzeug":
        return "`run_simple()` runs Werkzeug's development server"
    if server == "uvicorn":
        reload = _keyword(call, "reload")
        if reload is not None and value_of(reload, function, tree, args) is True:
            how = ast.unparse(reload)
            given = "" if how == "True" else ", on with the arguments the image passes"
            return f"`{ast.unparse(call.func)}(..., reload={how})` runs uvicorn's reloader{given}"
    return None


def value_of(
    expr: ast.expr,
    function: ast.FunctionDef | ast.AsyncFunctionDef | None,
    tree: ast.Module,
    args: Sequence[str],
) -> object | None:
    """The value of ``expr`` when the code makes it knowable (see the module doc), else None."""
    if isinstance(expr, ast.Constant):
        return expr.value
    if isinstance(expr, ast.UnaryOp) and isinstance(expr.op, ast.Not):
        inner = value_of(expr.operand, function, tree, args)
        return None if inner is None else not inner
    if isinstance(expr, ast.Name) and function is not None:
        return _click_flag(function, expr.id, args)
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return _argparse_flag(tree, expr.attr, args)
    return None


def _click_flag(
    function: ast.FunctionDef | ast.AsyncFunctionDef, name: str, args: Sequence[str]
) -> bool | None:
    """The value of boolean option ``name`` of a click/typer command, given ``args``."""
    for decorator in function.decorator_list:
        if not isinstance(decorator, ast.Call) or not _decorator_name(decorator).endswith("option"):
            continue
        decls = [
            a.value
            for a in decorator.args
            if isinstance(a, ast.Constant) and isinstance(a.value, str)
        ]
        on, off = _flag_names(decls, name)
        if on is None:
            continue
        default = _keyword(decorator, "default")
        is_flag = _keyword(decorator, "is_flag")
        if off is None and not (isinstance(is_flag, ast.Constant) and is_flag.value is True):
            return None  # an option that takes a value
        if on in args:
            return True
        if off is not None and off in args:
            return False
        if default is None:
            return False
        return bool(default.value) if isinstance(default, ast.Constant) else None
    return None


def _flag_names(decls: list[str], name: str) -> tuple[str | None, str | None]:
    """(the option that turns ``name`` on, the one that turns it off) from click decls."""
    explicit = next((d for d in decls if d.isidentifier()), None)
    for decl in decls:
        on, _, off = decl.partition("/")
        if not on.startswith("--"):
            continue
        derived = on[2:].replace("-", "_")
        if (explicit or derived) == name:
            return on, off or None
    return None, None


def _argparse_flag(tree: ast.Module, name: str, args: Sequence[str]) -> bool | None:
    for call in (c for c in ast.walk(tree) if isinstance(c, ast.Call)):
        if not (isinstance(call.func, ast.Attribute) and call.func.attr == "add_argument"):
            continue
        flags = [
            a.value
            for a in call.args
            if isinstance(a, ast.Constant) and isinstance(a.value, str) and a.value.startswith("--")
        ]
        dest = _keyword(call, "dest")
        names = {f[2:].replace("-", "_") for f in flags}
        if isinstance(dest, ast.Constant):
            names = {str(dest.value)}
        if name not in names:
            continue
        action = _keyword(call, "action")
        kind = action.value if isinstance(action, ast.Constant) else None
        default = _keyword(call, "default")
        if kind not in ("store_true", "store_false") or (
            default is not None and not isinstance(default, ast.Constant)
        ):
            return None  # a value option, or a default read from elsewhere (the environment)
        given = any(a in flags for a in args)
        return given if kind == "store_true" else not given
    return None


# -- packages installed at start -----------------------------------------------------------------


def installs(script: Script, args: Sequence[str] = ()) -> list[Install]:
    """Package installs in ``script``: ``pip install`` through subprocess/os.system/pip.main,
    and module-level calls of an imported ``import_X()``/``install_X()`` helper followed by
    an import of ``X`` (a lazy installer, judged by its name)."""
    tree = parse(script)
    if tree is None:
        return []
    running = _running(tree, script, args)
    names = imports_of(tree)
    out: list[Install] = []
    for call in (c for c in ast.walk(tree) if isinstance(c, ast.Call)):
        how = _install_call(call, names)
        if how is not None:
            out.append(Install(script.path, call.lineno, how, id(call) in running))
    imported_later = {full.split(".")[0] for full in names.values()}
    for node in tree.body:
        if not isinstance(node, ast.Expr) or not isinstance(node.value, ast.Call):
            continue
        call = node.value
        if not isinstance(call.func, ast.Name):
            continue
        match = _INSTALLER_NAME.match(call.func.id)
        if match is None or call.func.id not in names:
            continue  # defined here, or not a helper of that shape
        if match.group(1) in imported_later:
            out.append(Install(script.path, call.lineno, f"{call.func.id}()", True, inferred=True))
    return out


def _install_call(call: ast.Call, names: dict[str, str]) -> str | None:
    full = resolve(call.func, names)
    words = _strings(call)
    if full in ("pip.main", "pip._internal.main", "pip._internal.cli.main.main"):
        return "pip.main(['install', ...])" if "install" in words else None
    if full.startswith(("subprocess.", "os.system", "os.popen")) or full in ("system", "popen"):
        text = " ".join(words)
        if _PIP_WORDS.search(text) or ("pip" in words and "install" in words):
            return f"{full}({text[:60]!r})"
    return None


def _strings(call: ast.Call) -> list[str]:
    out: list[str] = []
    for node in ast.walk(call):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            out.extend(node.value.split())
    return out


# -- models downloaded --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ModelLoad:
    """A call that downloads a model (when it is not there yet)."""

    call: str
    """``from_pretrained()``, or ``TTS() (melo/api.py line 59: load_or_download_model())``."""
    source: str
    """Where from: ``Hugging Face Hub``, ``spaCy``, ``NLTK``..."""
    path: str
    line: int
    data_pack: bool = False
    """Small language data (NLTK tokenizers), not weights."""


_GENERIC_NAMES = frozenset({"pipeline", "download", "load", "load_model", "Reader", "TTS", "YOLO",
                            "Pipeline", "run", "main"})  # fmt: skip
"""Loader names too common to recognise when the code does not say where they come from."""


def loader_of(full: str) -> str | None:
    """Where a call with dotted name ``full`` downloads models from, or None. A bare name
    the imports do not explain (a star import, a typo'd alias) counts when it is a
    loader's own distinctive name (``snapshot_download``)."""
    for pattern, source in MODEL_LOADERS.items():
        if fnmatch.fnmatchcase(full, pattern):
            return source
        last = pattern.rsplit(".", 1)[-1]
        if "." not in full and "*" not in last and full == last and full not in _GENERIC_NAMES:
            return source
    return None


def model_loads(
    script: Script, modules: Sequence[Script] = (), args: Sequence[str] = ()
) -> list[ModelLoad]:
    """The model downloads the code run by ``script`` makes: calls of a known loader
    (:data:`~jettison.facts.weights.MODEL_LOADERS`, resolved through the imports, aliases
    included), and calls of a function or class of a local module in ``modules`` whose body
    (``__init__`` for a class) downloads."""
    tree = parse(script)
    if tree is None:
        return []
    names = imports_of(tree)
    by_module = {m.module: m for m in modules if m.module}
    out: list[ModelLoad] = []
    for call in _running_calls(tree, script, args):
        full = resolve(call.func, names)
        source = loader_of(full)
        if source is not None:
            written = ast.unparse(call.func)
            last = full.rsplit(".", 1)[-1]
            shown = written if written.endswith(last) else f"{written} ({full})"
            small = full in DATA_PACK_LOADERS and not (set(_strings(call)) & LARGE_DATA_PACKS)
            out.append(ModelLoad(f"{shown}()", source, script.path, call.lineno, small))
            continue
        module, _, name = full.rpartition(".")
        local = by_module.get(module)
        if local is not None:
            inner = _downloads_in(local, name)
            if inner is not None:
                line, what, source = inner
                out.append(
                    ModelLoad(
                        f"{name}() ({local.path} line {line}: {what}())",
                        source,
                        script.path,
                        call.lineno,
                    )
                )
    return out


def _running_calls(tree: ast.Module, script: Script, args: Sequence[str]) -> list[ast.Call]:
    seen: set[int] = set()
    out: list[ast.Call] = []
    for node in executed(tree, script, args):
        for call in ast.walk(node):
            if isinstance(call, ast.Call) and id(call) not in seen:
                seen.add(id(call))
                out.append(call)
    return sorted(out, key=lambda c: (c.lineno, c.col_offset))


def _downloads_in(module: Script, name: str) -> tuple[int, str, str] | None:
    """(line, call, source) of a download in function or class ``name`` of ``module``."""
    tree = parse(module)
    if tree is None:
        return None
    names = imports_of(tree)
    body: list[ast.AST] = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            body = [node]
        elif isinstance(node, ast.ClassDef) and node.name == name:
            body = [n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"]
    for part in body:
        for call in (c for c in ast.walk(part) if isinstance(c, ast.Call)):
            full = resolve(call.func, names)
            short = full.rsplit(".", 1)[-1]
            source = loader_of(full)
            if source is not None or "download" in short.lower():
                return call.lineno, short, source or "a download helper"
    return None
