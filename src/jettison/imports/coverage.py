"""Whether the scanned code is all of the code: local imports that find no file.

A build context often holds part of a service's code only (a sparse checkout, generated
modules, a package fetched during the build, a sample of files). Rules that conclude from
what the code does *not* import need to know when the code they read refers to local
modules that are not there: then "never imported" means "not imported by what is visible".

A local import is one whose first component the scanned tree provides (a ``pkg/`` folder
holding Python files, or ``pkg.py``), looked up from the importing file's folder, from the
folder above its top package and from the scanned root, the way ``sys.path`` would find
it; relative imports (``from .x import y``) are looked up from the importing file's package.
It is *missing* when a component after that finds neither a folder of Python files, a
``.py``/``.pyi`` file nor a compiled extension (``x.cpython-311-x86_64-linux-gnu.so``).
``from a.b import c`` checks ``a.b`` only (``c`` may be a name defined in ``a/b.py``).

Imports guarded by ``try``/``except ImportError`` (or a bare or ``Exception`` handler) are
optional by intent and not counted.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from jettison.imports.scan import DEFAULT_EXCLUDE, _excluded, parse_python, walk_python_files

_OPTIONAL_HANDLERS = frozenset({"ImportError", "ModuleNotFoundError", "Exception"})
_EXTENSION_SUFFIXES = (".so", ".pyd", ".pyi", ".pyx")


@dataclass(frozen=True, slots=True)
class MissingModule:
    """A local module the code imports that the scanned tree does not hold."""

    module: str
    """As written: ``chromadb.config``, ``.utils`` (relative)."""
    file: Path
    line: int


@dataclass(frozen=True, slots=True)
class _Import:
    parts: tuple[str, ...]
    level: int
    """0 for absolute imports; the number of leading dots otherwise."""
    names: tuple[str, ...]
    """``from . import a, b``: the imported names (only looked at when ``parts`` is empty)."""
    line: int

    @property
    def written(self) -> str:
        return "." * self.level + ".".join(self.parts)


def python_files(src: Path, exclude: Iterable[str] = DEFAULT_EXCLUDE) -> list[Path]:
    """The ``*.py`` files under the folder ``src`` that the import scan reads, sorted."""
    if not src.is_dir():
        return [src] if src.suffix == ".py" and src.is_file() else []
    excluded = partial(_excluded, src, patterns=tuple(exclude))
    return sorted(walk_python_files(src, skip_dir=excluded, skip_file=excluded))


def missing_local_modules(
    src: Path, files: Sequence[Path] | None = None
) -> tuple[MissingModule, ...]:
    """The local imports of the ``*.py`` files under ``src`` (``files``: those of
    :func:`python_files`, listed again when not given) that resolve to no file there, one per
    (file, module), sorted by file and line. Files that do not parse are skipped."""
    if not src.is_dir():
        return ()
    files = sorted(files) if files is not None else python_files(src)
    tree = _Tree(src, files)
    found: dict[tuple[Path, str], MissingModule] = {}
    for path in files:
        for item in _imports(path):
            if not tree.resolves(path, item):
                found.setdefault((path, item.written), MissingModule(item.written, path, item.line))
    return tuple(sorted(found.values(), key=lambda m: (str(m.file), m.line, m.module)))


class _Tree:
    """The scanned files, and the folders that hold Python code below them."""

    def __init__(self, root: Path, files: Sequence[Path]) -> None:
        self.root = root
        self.files = frozenset(files)
        self.folders: set[Path] = set()
        for path in files:
            for parent in path.parents:
                if parent in self.folders or not parent.is_relative_to(root):
                    break
                self.folders.add(parent)
        self.packages = frozenset(p.parent for p in files if p.name == "__init__.py")

    def resolves(self, path: Path, item: _Import) -> bool:
        if item.level:
            base = path.parent
            for _ in range(item.level - 1):
                base = base.parent
            if not item.parts:
                return base in self.packages or all(self._has(base, n) for n in item.names)
            return self._walk(base, item.parts)
        first = item.parts[0]
        roots = [r for r in self._roots(path) if self._has(r, first)]
        if any(self._walk(root, item.parts) for root in roots):
            return True
        # Missing only when the name is surely local: found at the scanned root, or beside
        # a script. A package reaching itself through the folder above it (a folder the
        # context may hold without its __init__.py) is no proof: it may be a third-party
        # package of the same name.
        return not any(r == self.root or not path.is_relative_to(r / first) for r in roots)

    def _roots(self, path: Path) -> Iterator[Path]:
        yield path.parent
        top = path.parent
        while top in self.packages and top != self.root:
            top = top.parent
        yield top
        yield self.root

    def _has(self, folder: Path, name: str) -> bool:
        return (folder / name) in self.folders or (folder / f"{name}.py") in self.files

    def _walk(self, folder: Path, parts: tuple[str, ...]) -> bool:
        for part in parts:
            if (folder / part) in self.folders:
                folder = folder / part
                continue
            return (folder / f"{part}.py") in self.files or _extension(folder, part)
        return True


def _extension(folder: Path, name: str) -> bool:
    """A compiled or stub module ``name`` in ``folder`` (``name.pyi``, ``name.*.so``...)."""
    try:
        return any(
            entry.name.startswith(f"{name}.") and entry.name.endswith(_EXTENSION_SUFFIXES)
            for entry in folder.iterdir()
        )
    except OSError:
        return False


def _imports(path: Path) -> list[_Import]:
    try:
        tree = parse_python(path.read_bytes(), path)
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    out: list[_Import] = []
    _collect(tree, out, optional=False)
    return out


def _collect(node: ast.AST, out: list[_Import], *, optional: bool) -> None:
    if isinstance(node, ast.Try | ast.TryStar):
        guarded = optional or any(_catches_import_error(h) for h in node.handlers)
        for statement in node.body:
            _collect(statement, out, optional=guarded)
        for other in [*node.handlers, *node.orelse, *node.finalbody]:
            _collect(other, out, optional=optional)
        return
    if not optional:
        if isinstance(node, ast.Import):
            out.extend(_Import(tuple(a.name.split(".")), 0, (), node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = tuple(node.module.split(".")) if node.module else ()
            names = tuple(a.name for a in node.names if a.name != "*")
            if parts or node.level:
                out.append(_Import(parts, node.level, names, node.lineno))
    for child in ast.iter_child_nodes(node):
        _collect(child, out, optional=optional)


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    kinds = handler.type
    if kinds is None:
        return True
    elements = kinds.elts if isinstance(kinds, ast.Tuple) else [kinds]
    return any(
        (isinstance(e, ast.Name) and e.id in _OPTIONAL_HANDLERS)
        or (isinstance(e, ast.Attribute) and e.attr in _OPTIONAL_HANDLERS)
        for e in elements
    )
