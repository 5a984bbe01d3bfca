"""Dependencies a ``setup.py`` declares as literals, read from its syntax tree (never run).

``setup(install_requires=[...], extras_require={...})`` (or ``setuptools.setup``): the
``install_requires`` strings are group ``main``, each ``extras_require`` key a group of
that name (section ``setup.extras_require``, like pyproject's optional dependencies). A
value held in a module-level name (``REQUIRED = [...]``) is followed; anything computed
(``open("requirements.txt").read().splitlines()``) cannot be read statically and is left
out without a problem: the requirements file it opens is read on its own when the image
installs it.
"""

from __future__ import annotations

import ast
from pathlib import Path

from jettison.requirements._collect import Collector
from jettison.requirements._text import read_bytes
from jettison.requirements.model import Requirement, RequirementSet
from jettison.requirements.requirements_txt import UnparsableRequirement, parse_requirement

EXTRAS_SECTION = "setup.extras_require"


def parse_setup_py(path: Path, *, root: Path | None = None) -> RequirementSet:
    """Dependencies of one ``setup.py``; raises only when the file cannot be read."""
    out = Collector(root=root if root is not None else path.parent)
    read_setup_py(path, out)
    return out.build()


def read_setup_py(path: Path, out: Collector) -> None:
    data = read_bytes(path)
    if not out.first_read(path, "setup.py"):
        return
    text = out.text_of(path, data)
    if text is None:
        return
    try:
        tree = ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError) as exc:
        out.problem(path, getattr(exc, "lineno", None) or 1, f"setup.py does not parse: {exc}")
        return
    names = _module_literals(tree)
    for call in _setup_calls(tree):
        for keyword in call.keywords:
            value = _resolve(keyword.value, names)
            if keyword.arg == "install_requires":
                _add_all(path, value, "main", "setup", out)
            elif keyword.arg == "extras_require" and isinstance(value, ast.Dict):
                for key, items in zip(value.keys, value.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        extra = key.value.lower()
                        _add_all(path, _resolve(items, names), extra, EXTRAS_SECTION, out)


def _setup_calls(tree: ast.AST) -> list[ast.Call]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and is_setup_call(node)]


def called_name(call: ast.Call) -> str | None:
    """The name a call calls: ``f`` of ``f(...)`` and of ``x.f(...)``; None for anything else
    (``fs[0](...)``)."""
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def is_setup_call(call: ast.Call) -> bool:
    """``setup(...)`` or ``setuptools.setup(...)`` (any ``x.setup``)."""
    return called_name(call) == "setup"


def _module_literals(tree: ast.Module) -> dict[str, ast.expr]:
    """``NAME = <list or dict literal>`` at module level."""
    out: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Dict):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node.value
    return out


def _resolve(value: ast.expr, names: dict[str, ast.expr]) -> ast.expr:
    return names.get(value.id, value) if isinstance(value, ast.Name) else value


def _add_all(path: Path, value: ast.expr, group: str, section: str, out: Collector) -> None:
    if not isinstance(value, ast.List | ast.Tuple):
        return
    for item in value.elts:
        if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
            continue
        try:
            parsed = parse_requirement(item.value, base=path.parent, out=out)
        except UnparsableRequirement as exc:
            out.problem(path, item.lineno, str(exc))
            continue
        out.requirements.append(
            Requirement(
                name=parsed.name,
                specifier=parsed.specifier,
                file=path,
                line=item.lineno,
                raw=item.value,
                extras=parsed.extras,
                marker=parsed.marker,
                url=parsed.url,
                group=group,
                source_kind="setup.py",
                section=section,
            )
        )
