"""What one service's shipped code imports, following its imports into the shared code it
ships: a shared module the service never imports adds nothing to what it needs.

The entries are every ``.py`` file of the service's own (non-shared) code paths; when all of
its code is shared (two Dockerfiles building the same folder), every shipped file is an
entry. From the entries, imports are followed to local modules, statically (nothing is
executed), the way Python would find them in the image:

* absolute imports (``import libs.ml.model as m``, ``from libs import pdf``) are looked up
  in the build context (the layout an image keeps when it copies ``libs/`` to ``./libs/``),
  each code path's parent and each code-path directory itself, then the importing file's
  own directory (a script's ``sys.path[0]``);
* relative imports (``from .x import y``, ``from .. import z``) from the importing file's
  package;
* importing ``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py`` too, so their imports
  count; ``from a import b`` imports the submodule ``a/b.py`` when there is one;
* imports inside functions, ``try``/``except ImportError`` and ``if TYPE_CHECKING`` count,
  like ``importlib.import_module("x")`` with a literal name: a module that may be imported
  must be installable.

Only files the image really ships are followed: inside a code path, not left out by the
``.dockerignore``, not in a virtualenv or cache. A name found locally but not shipped is
still local (its absence is a bug of the image, not a missing requirement), provided it is
Python: a ``redis/`` folder of configuration files does not hide the ``redis`` package.

Third-party modules are those :func:`~jettison.imports.scan.imports_in_source` reports
that are neither standard library nor local. Import cycles among shared modules are
reported once, as information (Python copes with most); files that do not parse are
reported and skipped. Problems about shared code (a cycle, a shared file that does not
parse) name no service: every service reaching it finds the same problem, and the report,
which drops duplicates, shows it once.
"""

from __future__ import annotations

import ast
import fnmatch
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jettison.dockerfile.ignore import DockerIgnore, dockerignore_path, read_dockerignore
from jettison.errors import DockerfileError
from jettison.hostpaths import is_dir, is_file
from jettison.imports.scan import (
    DEFAULT_EXCLUDE,
    dynamic_import,
    imports_in_tree,
    parse_python,
    walk_python_files,
)
from jettison.lint.packages import gpu_in_code, opencv_gui_call
from jettison.notices import Notice
from jettison.plan.model import (
    Discovery,
    Service,
    ServiceImports,
    problem,
    problem_key,
)

_STDLIB = frozenset(sys.stdlib_module_names)


def service_imports(service: Service, discovery: Discovery) -> ServiceImports:
    """The third-party modules ``service``'s shipped code imports (see the module docstring).

    ``discovery`` is the whole discovery the service belongs to; only its root is read
    here (module search never leaves it).
    """
    shipped = _Shipped.of(service)
    roots = _search_roots(service, discovery.root)
    own = [p for p in service.code_paths if p not in service.shared_paths]
    entries = sorted(set(shipped.python_files(own or service.code_paths)))
    walk = _Walk(service, shipped, roots)
    for path in entries:
        walk.visit(path)
    direct = {module for path in entries for module in walk.third_party.get(path, ())}
    modules = {module for found in walk.third_party.values() for module in found}
    problems = [*walk.problems, *_cycles(walk, service, roots)]
    files = tuple(sorted(walk.order))
    gpu, gui = _code_evidence(files)
    return ServiceImports(
        service=service.name,
        modules=frozenset(modules),
        via_shared=frozenset(modules - direct),
        files=files,
        problems=tuple(sorted(set(problems), key=problem_key)),
        gpu=gpu,
        opencv_gui=gui,
    )


def _code_evidence(files: Sequence[Path]) -> tuple[str | None, str | None]:
    """(GPU use, OpenCV window call) found in ``files``, as lint reads them (JT302, JT304)."""
    gpu: str | None = None
    gui: str | None = None
    for path in files:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if gpu is None and (found := gpu_in_code(text)):
            gpu = f"{path.name} mentions {found!r}"
        if gui is None and (call := opencv_gui_call(text)):
            gui = f"{path.name} calls {call}"
    return gpu, gui


# -- what the image ships -------------------------------------------------------------------


@dataclass(frozen=True)
class _Shipped:
    """Answers "does the image contain this file?" for one service."""

    code_paths: tuple[Path, ...]
    context: Path
    ignore: DockerIgnore | None

    @classmethod
    def of(cls, service: Service) -> _Shipped:
        ignore_file = dockerignore_path(service.dockerfile, service.context)
        ignore = None
        if ignore_file is not None:
            try:
                ignore = DockerIgnore(read_dockerignore(ignore_file))
            except DockerfileError:  # unreadable: the build would fail; ignore nothing here
                ignore = None
        return cls(service.code_paths, service.context, ignore)

    def contains(self, path: Path) -> bool:
        for code_path in self.code_paths:
            if path == code_path or path.is_relative_to(code_path):
                inner = path.relative_to(code_path).parts[:-1]
                return not any(map(_excluded_dir, inner)) and not self._ignored(path)
        return False

    def _ignored(self, path: Path) -> bool:
        if self.ignore is None or not path.is_relative_to(self.context):
            return False
        relative = path.relative_to(self.context).as_posix()
        return relative != "." and self.ignore.excludes(relative)

    def python_files(self, paths: Sequence[Path]) -> Iterator[Path]:
        """The shipped ``.py`` files under ``paths`` (symlinked folders not entered)."""
        for start in paths:
            if is_file(start):
                if start.suffix == ".py" and self.contains(start):
                    yield start
                continue
            yield from walk_python_files(
                start,
                skip_dir=lambda folder: _excluded_dir(folder.name) or self._ignored(folder),
                skip_file=self._ignored,
            )


def _excluded_dir(name: str) -> bool:
    """Virtualenvs, installed packages, caches: never the service's own code."""
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in DEFAULT_EXCLUDE)


def _search_roots(service: Service, root: Path) -> tuple[Path, ...]:
    """Where absolute imports are looked up: the context, each code path's parent, each
    code-path directory; only folders inside the repository (or the context)."""
    candidates = [service.context]
    candidates.extend(p.parent for p in service.code_paths)
    candidates.extend(p for p in service.code_paths if is_dir(p))
    out: list[Path] = []
    for candidate in candidates:
        inside = candidate.is_relative_to(root) or candidate.is_relative_to(service.context)
        if inside and is_dir(candidate) and candidate not in out:
            out.append(candidate)
    return tuple(out)


# -- module resolution ----------------------------------------------------------------------

Accept = Callable[[Path, Path], bool]
"""``accept(found, folder)``: whether a top-level module found in ``folder`` counts."""


@dataclass(frozen=True, slots=True)
class _Found:
    """What importing a dotted name runs, and where its submodules are looked up."""

    files: tuple[Path, ...]
    """``__init__.py`` files from the outermost package in, then the module itself."""
    path: tuple[Path, ...]
    """The ``__path__`` of the package imported last; empty for a plain module (what
    ``from module import name`` names are attributes of) or a name not found all the way."""


def _find(
    search: Sequence[Path], parts: Sequence[str], accept: Accept | None = None
) -> _Found | None:
    """Import ``parts`` from the folders ``search`` (``sys.path``, or a package's
    ``__path__``); None when the first part is not there.

    As in Python, a regular package or a module in an earlier folder wins, and folders
    without ``__init__.py`` are namespace portions, used when nothing else is found.
    ``accept`` (given for top-level lookups) filters what may be found: a namespace portion
    must hold Python code, so a ``redis/`` folder of configuration is not the ``redis``
    package.
    """
    name, rest = parts[0], parts[1:]
    portions: list[Path] = []
    for folder in search:
        package = folder / name
        init = package / "__init__.py"
        module = folder / f"{name}.py"
        if is_file(init) and (accept is None or accept(package, folder)):
            return _then((init,), (package,), rest)
        if is_file(module) and (accept is None or accept(module, folder)):
            return _Found((module,), ())
        if is_dir(package) and (
            accept is None or (accept(package, folder) and _holds_python(package))
        ):
            portions.append(package)
    if not portions:
        return None
    return _then((), tuple(portions), rest)


def _then(files: tuple[Path, ...], path: tuple[Path, ...], rest: Sequence[str]) -> _Found:
    if not rest:
        return _Found(files, path)
    deeper = _find(path, rest)
    if deeper is None:  # a.b where b is an attribute of a, or missing
        return _Found(files, ())
    return _Found(files + deeper.files, deeper.path)


def _holds_python(folder: Path) -> bool:
    """A folder Python code can be imported from: a ``.py`` file or a package in it."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return False
    return any((e.suffix == ".py" and is_file(e)) or is_file(e / "__init__.py") for e in entries)


@dataclass(frozen=True, slots=True)
class _Target:
    """One import statement's module, as found in the source."""

    module: str
    """Dotted module name (empty for ``from . import x``)."""
    level: int
    """Relative import level (0 for absolute)."""
    names: tuple[str, ...] = ()
    """``from module import names``: each may be a submodule."""


def _targets(tree: ast.AST) -> list[_Target]:
    out: list[_Target] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(_Target(alias.name, 0) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names if alias.name != "*")
            out.append(_Target(node.module or "", node.level, names))
        elif isinstance(node, ast.Call):
            name = dynamic_import(node)
            if name:
                out.append(_Target(name, 0))
    return out


# -- the walk ---------------------------------------------------------------------------------


@dataclass
class _Walk:
    """Depth-first over the shipped files a service's entries import (each file once)."""

    service: Service
    shipped: _Shipped
    roots: tuple[Path, ...]
    order: list[Path] = field(default_factory=list)
    edges: dict[Path, set[Path]] = field(default_factory=dict)
    third_party: dict[Path, frozenset[str]] = field(default_factory=dict)
    problems: list[Notice] = field(default_factory=list)
    found: dict[tuple[Path, tuple[str, ...]], _Found | None] = field(default_factory=dict)
    """Absolute lookups by (importing folder, name): a big service asks the same often."""

    def visit(self, start: Path) -> None:
        """Visit ``start`` and everything it imports, without recursion (no depth limit)."""
        pending = [start]
        while pending:
            path = pending.pop()
            if path in self.edges:
                continue
            imported = self._read(path)
            self.order.append(path)
            self.edges[path] = imported
            pending.extend(sorted((p for p in imported if p not in self.edges), reverse=True))

    def _read(self, path: Path) -> set[Path]:
        """The shipped local files ``path`` imports; its third-party modules recorded."""
        try:
            tree = parse_python(path.read_bytes(), path)
            found = imports_in_tree(tree)
        except OSError as exc:
            self._unparsable(path, 1, f"cannot read ({exc.strerror or exc})")
            return set()
        except SyntaxError as exc:
            self._unparsable(path, exc.lineno or 1, f"cannot parse ({exc.msg})")
            return set()
        except (ValueError, RecursionError, MemoryError) as exc:
            self._unparsable(path, 1, f"cannot parse ({exc})")
            return set()
        imported: set[Path] = set()
        for target in _targets(tree):
            files = self._files(path, target)
            imported.update(f for f in files if f != path and self.shipped.contains(f))
        self.third_party[path] = frozenset(
            module for module, _line in found if not self._not_third_party(path, module)
        )
        return imported

    def _not_third_party(self, path: Path, module: str) -> bool:
        top = module.split(".", 1)[0]
        return top in _STDLIB or self._absolute(path, [top]) is not None

    def _absolute(self, path: Path, parts: Sequence[str]) -> _Found | None:
        key = (path.parent, tuple(parts))
        if key not in self.found:
            self.found[key] = _find([*self.roots, path.parent], parts, self._accept)
        return self.found[key]

    def _accept(self, found: Path, folder: Path) -> bool:
        """A top-level name is local when the image ships it (or a code path inside it), or
        when it is in the context itself (not shipped, it is still the project's own: its
        absence is a broken image, not a missing requirement). Other search folders (a code
        path's parent) show only what is shipped from them."""
        if folder == self.service.context or self.shipped.contains(found):
            return True
        return any(c.is_relative_to(found) for c in self.service.code_paths)

    def _files(self, path: Path, target: _Target) -> tuple[Path, ...]:
        """The local files an import of ``target`` from ``path`` runs."""
        parts = [p for p in target.module.split(".") if p]
        if target.level:
            package = path.parent
            for _ in range(target.level - 1):
                package = package.parent
            # the importing module's own packages have already started running
            found = _find([package], parts) if parts else _Found((), (package,))
        else:
            found = self._absolute(path, parts) if parts else None
        if found is None:
            return ()
        files = list(found.files)
        for name in target.names if found.path else ():
            submodule = _find(found.path, [name])
            if submodule is not None:
                files.extend(submodule.files)
        return tuple(files)

    def _unparsable(self, path: Path, line: int, reason: str) -> None:
        shared = any(path.is_relative_to(p) for p in self.service.shared_paths)
        self.problems.append(
            problem(
                kind="unparsable-source",
                severity="warning",
                message=f"{path.name}: {reason}; its imports are not counted",
                service=None if shared else self.service.name,
                path=path,
                line=line,
            )
        )


# -- cycles ---------------------------------------------------------------------------------


def _cycles(walk: _Walk, service: Service, roots: Sequence[Path]) -> list[Notice]:
    """One info problem per import cycle among the shared modules the service reached.

    An import of the package a module belongs to (``from libs import x`` inside
    ``libs/y.py``) is not an edge: that ``__init__.py`` has always started running first.
    """
    shared = {
        path
        for path in walk.edges
        if any(path == p or path.is_relative_to(p) for p in service.shared_paths)
    }
    graph = {
        path: sorted(
            target
            for target in walk.edges[path]
            if target in shared and not _is_own_package(path, target)
        )
        for path in sorted(shared)
    }
    out = []
    for component in _strongly_connected(graph):
        if len(component) < 2:
            continue
        cycle = _cycle_through(min(component), graph, set(component))
        names = " -> ".join(_module_name(p, roots) for p in [*cycle, cycle[0]])
        out.append(
            problem(
                kind="import-cycle",
                severity="info",
                message=f"import cycle in shared code: {names}",
                path=cycle[0],
            )
        )
    return out


def _is_own_package(path: Path, target: Path) -> bool:
    return target.name == "__init__.py" and path.is_relative_to(target.parent)


def _strongly_connected(graph: dict[Path, list[Path]]) -> list[list[Path]]:
    """Tarjan's algorithm, iterative (a long chain of imports must not hit the recursion
    limit); components in a deterministic order."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    stack: list[Path] = []
    on_stack: set[Path] = set()
    out: list[list[Path]] = []
    counter = 0
    for start in graph:
        if start in index:
            continue
        work: list[tuple[Path, int]] = [(start, 0)]
        while work:
            node, child = work.pop()
            if child == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            successors = graph.get(node, [])
            if child < len(successors):
                work.append((node, child + 1))
                nxt = successors[child]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                out.append(sorted(component))
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return sorted(out)


def _cycle_through(start: Path, graph: dict[Path, list[Path]], members: set[Path]) -> list[Path]:
    """A shortest import chain from ``start`` back to itself inside one component."""
    previous: dict[Path, Path] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for nxt in graph.get(node, []):
                if nxt not in members:
                    continue
                if nxt == start:
                    chain = [node]
                    while chain[-1] != start:
                        chain.append(previous[chain[-1]])
                    return chain[::-1]
                if nxt not in previous:
                    previous[nxt] = node
                    following.append(nxt)
        frontier = following
    return [start]


def _module_name(path: Path, roots: Sequence[Path]) -> str:
    """``libs.pdf.reader`` for ``CONTEXT/libs/pdf/reader.py`` (``__init__`` names the
    package), relative to the first search root holding it."""
    for root in roots:
        if path.is_relative_to(root):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts and parts[-1] == "__init__":
                parts.pop()
            if parts:
                return ".".join(parts)
    return path.stem
