"""Which third-party modules the shipped code imports: an AST walk, nothing executed.

Counted: ``import a.b`` and ``from a.b import c`` (as ``a``; under namespace packages the
dotted prefix that names a distribution, see :func:`~jettison.imports.mapping.significant_module`),
and ``importlib.import_module("x")`` / ``__import__("x")`` with a literal string. Imports
inside functions, ``try``/``except ImportError`` and ``if TYPE_CHECKING`` count too: a
package that may be imported is not dead weight. Not counted: relative imports, the
standard library (``sys.stdlib_module_names`` of the running Python), and local modules.

Local modules are the names the code itself provides: the first component of every scanned
file's path (``app`` for ``app/main.py``, ``main`` for ``main.py``), and, for every file,
the top-level name it has when its directory (or the directory above its top package) is
on ``sys.path`` — what ``python app/predictor.py`` or a ``src/`` layout do. ``import
predictor`` next to ``app/predictor.py`` is therefore local, not the ``predictor`` package.

Tests are scanned like any other code: what the image ships is what matters, and the
``exclude`` patterns leave out what should not count. The default skips only virtualenvs
(any directory holding a ``pyvenv.cfg``, always), installed packages and caches.

A file that cannot be read or parsed (a syntax error, Python 2 code, NUL bytes) is skipped
and reported in :attr:`ImportScan.skipped`; it never stops the scan.
"""

from __future__ import annotations

import ast
import fnmatch
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from jettison.imports.mapping import significant_module
from jettison.imports.model import ImportedName

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "site-packages",
    "dist-packages",
    "node_modules",
    ".git",
    ".hg",
    ".svn",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".eggs",
)
"""Directory names (or glob patterns on names or relative paths) not scanned by default."""

_STDLIB = frozenset(sys.stdlib_module_names)
_IMPORT_FUNCTIONS = frozenset({"import_module", "__import__"})


@dataclass(frozen=True, slots=True)
class ImportScan:
    imports: tuple[ImportedName, ...]
    """Third-party modules, one per (file, module) at its first line, sorted by file and line."""
    skipped: tuple[tuple[Path, int, str], ...]
    """(file, line, reason) for files that could not be read or parsed."""
    local_modules: frozenset[str]
    """Top-level names the scanned code provides itself."""
    files_scanned: int


def scan_imports(src: Path, exclude: Iterable[str] = DEFAULT_EXCLUDE) -> tuple[ImportedName, ...]:
    """Third-party modules imported by the ``*.py`` files under ``src`` (or ``src`` itself).

    ``exclude``: glob patterns matched against each directory's and file's name and its
    path relative to ``src``; it replaces :data:`DEFAULT_EXCLUDE` (extend that to keep it).
    """
    return scan_source_tree(src, exclude).imports


def scan_source_tree(src: Path, exclude: Iterable[str] = DEFAULT_EXCLUDE) -> ImportScan:
    """:func:`scan_imports` with what was skipped and which names are local."""
    patterns = tuple(exclude)
    files = sorted(_python_files(src, patterns))
    base = src if src.is_dir() else src.parent
    local = _local_modules(base, files)
    found: dict[tuple[Path, str], ImportedName] = {}
    skipped: list[tuple[Path, int, str]] = []
    if not src.exists():
        skipped.append((src, 1, "source path does not exist"))
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            skipped.append((path, 1, f"cannot read: {exc.strerror or exc}"))
            continue
        try:
            modules = imports_in_source(data, path)
        except SyntaxError as exc:
            skipped.append((path, exc.lineno or 1, f"cannot parse: {exc.msg}"))
            continue
        except (ValueError, RecursionError, MemoryError) as exc:
            skipped.append((path, 1, f"cannot parse: {exc}"))
            continue
        for module, line in modules:
            top = module.split(".", 1)[0]
            if top in _STDLIB or top in local:
                continue
            found.setdefault((path, module), ImportedName(module=module, file=path, line=line))
    imports = sorted(found.values(), key=lambda i: (str(i.file), i.line, i.module))
    return ImportScan(
        imports=tuple(imports),
        skipped=tuple(skipped),
        local_modules=frozenset(local),
        files_scanned=len(files),
    )


def parse_python(source: str | bytes, path: Path | str = "<string>") -> ast.Module:
    r"""The syntax tree of ``source``, quietly: the shipped code's own warnings (a
    ``SyntaxWarning`` for ``"\d"`` and the like) are not ours to show.

    Raises :class:`SyntaxError` (or ``ValueError`` for NUL bytes) when it does not parse.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(source, filename=str(path))


def imports_in_source(source: str | bytes, path: Path | str = "<string>") -> list[tuple[str, int]]:
    """``(module, line)`` for every absolute import in ``source``, in line order.

    ``module`` is :func:`~jettison.imports.mapping.significant_module` of the import path.
    Raises :class:`SyntaxError` (or ``ValueError`` for NUL bytes) when it does not parse.
    """
    return imports_in_tree(parse_python(source, path))


def imports_in_tree(tree: ast.AST) -> list[tuple[str, int]]:
    """:func:`imports_in_source` of a tree already parsed (by :func:`parse_python`)."""
    out: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((significant_module(alias.name), node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level or not node.module:
                continue
            module = significant_module(node.module)
            if module == node.module:  # a namespace package: the imported names tell more
                for alias in node.names:
                    if alias.name != "*":
                        deeper = significant_module(f"{node.module}.{alias.name}")
                        out.append((deeper, node.lineno))
            else:
                out.append((module, node.lineno))
        elif isinstance(node, ast.Call):
            name = dynamic_import(node)
            if name:
                out.append((significant_module(name), node.lineno))
    return sorted(((m, line) for m, line in out if m), key=lambda item: item[1])


def dynamic_import(call: ast.Call) -> str | None:
    """The literal module of ``importlib.import_module("x")`` or ``__import__("x")`` (None
    for any other call, a computed name or a relative one): code that loads a module by name
    imports it as surely as an import statement does."""
    func = call.func
    name = (
        func.id
        if isinstance(func, ast.Name)
        else func.attr
        if isinstance(func, ast.Attribute)
        else None
    )
    if name not in _IMPORT_FUNCTIONS or not call.args:
        return None
    first = call.args[0]
    if isinstance(first, ast.Constant) and isinstance(first.value, str):
        text = first.value.strip()
        if text and not text.startswith("."):
            return text
    return None


def _python_files(src: Path, patterns: tuple[str, ...]) -> Iterator[Path]:
    if src.is_file():
        if src.suffix == ".py":
            yield src
        return
    excluded = partial(_excluded, src, patterns=patterns)
    yield from walk_python_files(src, skip_dir=excluded, skip_file=excluded)


def walk_python_files(
    root: Path, *, skip_dir: Callable[[Path], bool], skip_file: Callable[[Path], bool]
) -> Iterator[Path]:
    """The ``.py`` files below the folder ``root``, folder by folder in sorted order.

    Folders holding a virtualenv (a ``pyvenv.cfg``) are never code of the project; the
    caller leaves out the other folders and files it does not want (``skip_dir``,
    ``skip_file``). Symlinked folders are not entered.
    """
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        dirnames[:] = sorted(
            d for d in dirnames if not skip_dir(here / d) and not (here / d / "pyvenv.cfg").exists()
        )
        for filename in sorted(filenames):
            path = here / filename
            if filename.endswith(".py") and not skip_file(path):
                yield path


def _excluded(src: Path, path: Path, patterns: tuple[str, ...]) -> bool:
    relative = path.relative_to(src).as_posix()
    return any(
        fnmatch.fnmatchcase(path.name, p) or fnmatch.fnmatchcase(relative, p) for p in patterns
    )


def _local_modules(base: Path, files: list[Path]) -> set[str]:
    local: set[str] = set()
    packages = {path.parent for path in files if path.name == "__init__.py"}
    for path in files:
        relative = path.relative_to(base)
        local.add(relative.parts[0] if len(relative.parts) > 1 else path.stem)
        # The name the file has when the directory above its top package is on sys.path.
        top, name = path.parent, path.stem
        while top in packages and top != base:
            top, name = top.parent, top.name
        local.add(name)
    return local
