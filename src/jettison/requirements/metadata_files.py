"""The files a project's packaging metadata names, which a build of the project reads.

``pip install .`` builds the project, and its build backend opens the files the metadata
names: hatchling and setuptools refuse a ``readme``, ``license = {file = ...}`` or
``long_description = file: README.md`` that is not there, and a ``setup.py`` that runs
``open("README.md")`` fails with it. Read, never run:

* ``pyproject.toml``: ``[project]`` ``readme`` (a path or ``{file = ...}``), ``license =
  {file = ...}``, ``license-files`` (a list, or the older ``{paths = [...]}``);
  ``[tool.poetry]`` ``readme`` (a path or a list); ``[tool.setuptools]`` ``license-files``
  and every ``{file = ...}`` of ``[tool.setuptools.dynamic]``;
* ``setup.cfg``: every ``file:`` value of ``[metadata]`` and ``[options]``, ``license_file``
  and ``license_files``;
* ``setup.py``: the ``license_file(s)`` keywords of ``setup()`` and the files it opens by a
  literal path (``open("README.md")``, ``open(os.path.join(here, "README.md"))``,
  ``(here / "README.md").read_text()``, ``Path("README.md").read_text()``).

Patterns (``LICEN[CS]E*``), absolute paths and paths leaving the project are not files of it
and are left out.
"""

from __future__ import annotations

import ast
import configparser
import posixpath
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from jettison.requirements.setup_py import called_name, is_setup_call

_MAGIC = re.compile(r"[*?[]")
_OPENERS = frozenset({"open"})
"""Functions (``open``, ``io.open``, ``codecs.open``) whose first argument is a file read."""
_PATH_READERS = frozenset({"read_text", "read_bytes", "open"})
"""Methods of a ``pathlib.Path`` that read the file."""
_JOINERS = frozenset({"join"})
_PATH_TYPES = frozenset({"Path", "PurePath", "PosixPath"})
_LICENSE_KEYS = frozenset({"license_file", "license_files"})
"""setuptools' keys naming license files: ``setup()`` keywords and ``[metadata]`` keys of
setup.cfg alike."""


def metadata_files(project: Path) -> list[str]:
    """The files, relative to ``project`` (``/``-separated, in the order named, once each),
    that the packaging files of ``project`` name."""
    found: list[str] = []
    readers = (
        ("pyproject.toml", _pyproject),
        ("setup.cfg", _setup_cfg),
        ("setup.py", _setup_py),
    )
    for name, reader in readers:
        path = project / name
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        found.extend(p for named in reader(text) if (p := _relative(named)) is not None)
    return list(dict.fromkeys(found))


def _relative(named: str) -> str | None:
    """``named`` as a path inside the project, or None for a pattern, an absolute path or
    one leaving the project."""
    named = named.strip()
    if not named or _MAGIC.search(named) or named.startswith(("/", "~")):
        return None
    clean = posixpath.normpath(named)
    return None if clean == "." or clean.startswith("..") else clean


# -- pyproject.toml ----------------------------------------------------------------------------


def _pyproject(text: str) -> Iterator[str]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return
    project = _table(data.get("project"))
    yield from _file_or_path(project.get("readme"))
    license_ = project.get("license")
    if isinstance(license_, dict):
        yield from _strings(license_.get("file"))
    yield from _license_files(project.get("license-files"))
    tool = _table(data.get("tool"))
    yield from _strings(_table(tool.get("poetry")).get("readme"))
    setuptools = _table(tool.get("setuptools"))
    yield from _license_files(setuptools.get("license-files"))
    yield from _dynamic_files(_table(setuptools.get("dynamic")))


def _table(value: object) -> dict[str, object]:
    return value if isinstance(value, dict) else {}


def _strings(value: object) -> list[str]:
    """A string, or the strings of a list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _file_or_path(value: object) -> list[str]:
    """``readme = "README.md"`` or ``readme = {file = "README.rst", ...}``."""
    if isinstance(value, dict):
        return _strings(value.get("file"))
    return _strings(value)


def _license_files(value: object) -> list[str]:
    """PEP 639's list of paths, or the older ``{paths = [...], globs = [...]}``."""
    if isinstance(value, dict):
        return _strings(value.get("paths"))
    return _strings(value)


def _dynamic_files(dynamic: dict[str, object]) -> Iterator[str]:
    """``version = {file = "VERSION"}``, ``dependencies = {file = ["requirements.txt"]}``,
    ``optional-dependencies.gpu = {file = [...]}``."""
    for value in dynamic.values():
        if isinstance(value, dict) and "file" in value:
            yield from _strings(value["file"])
        elif isinstance(value, dict):
            yield from _dynamic_files(value)


# -- setup.cfg ---------------------------------------------------------------------------------


def _setup_cfg(text: str) -> Iterator[str]:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    for section in ("metadata", "options"):
        if not parser.has_section(section):
            continue
        for key, value in parser.items(section):
            if value.strip().startswith("file:"):
                yield from _cfg_list(value.strip().removeprefix("file:"))
            elif section == "metadata" and key in _LICENSE_KEYS:
                yield from _cfg_list(value)


def _cfg_list(value: str) -> list[str]:
    """setuptools' lists: comma- or line-separated."""
    return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]


# -- setup.py ----------------------------------------------------------------------------------


def _setup_py(text: str) -> Iterator[str]:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func, name = node.func, called_name(node)
        on_path = _literal_path(func.value) if isinstance(func, ast.Attribute) else None
        if name in _PATH_READERS and on_path is not None:  # Path("README.md").read_text()
            yield from _one(None if _writes(node, 0) else on_path)
        elif name in _OPENERS and node.args:  # open("README.md"), io.open(...)
            yield from _one(None if _writes(node, 1) else _literal_path(node.args[0]))
        if is_setup_call(node):
            for keyword in node.keywords:
                if keyword.arg in _LICENSE_KEYS:
                    yield from _literal_strings(keyword.value)


def _writes(call: ast.Call, mode_at: int) -> bool:
    """Whether an ``open`` call opens for writing (its mode, positional at ``mode_at`` or
    by keyword, is a literal with ``w``, ``a`` or ``x``)."""
    mode = call.args[mode_at] if len(call.args) > mode_at else None
    mode = next((k.value for k in call.keywords if k.arg == "mode"), mode)
    return (
        isinstance(mode, ast.Constant)
        and isinstance(mode.value, str)
        and bool(set(mode.value) & set("wax"))
    )


def _one(path: str | None) -> list[str]:
    return [path] if path is not None else []


def _literal_path(node: ast.expr) -> str | None:
    """The project-relative path an expression names by literals: ``"README.md"``,
    ``os.path.join(here, "docs", "README.md")``, ``here / "README.md"``,
    ``Path("README.md")``; the folder of ``setup.py`` itself (``here``,
    ``os.path.dirname(__file__)``) is where the literals start."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        right = _literal_path(node.right)
        left = _literal_path(node.left)
        if right is None:
            return None
        return posixpath.join(left, right) if left is not None else right
    if isinstance(node, ast.Call):
        name = called_name(node)
        if name in _JOINERS or name in _PATH_TYPES:
            parts = _trailing_literals(node.args)
            return posixpath.join(*parts) if parts else None
    return None


def _trailing_literals(args: list[ast.expr]) -> list[str]:
    """The string literals at the end of a call's arguments (after ``here``)."""
    parts: list[str] = []
    for arg in reversed(args):
        if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
            break
        parts.insert(0, arg.value)
    return parts


def _literal_strings(node: ast.expr) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.List | ast.Tuple):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []
