"""The layers of the code, checked on every import (go-containerregistry's depcheck, in
Python): a package imports only from lower layers (or itself), so there is no import cycle
between packages; the core never imports the facade, the CLI, the renderers or rich.

Lazy imports inside functions count too: they are how a cycle hides.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "jettison"

LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"errors", "__init__"}),
    frozenset({"notices", "units", "progress", "config", "pypi", "imageref", "hostpaths"}),
    frozenset({"facts"}),
    frozenset({"dockerfile", "requirements", "image"}),
    frozenset({"imports", "inspect", "builder"}),
    frozenset({"lint", "diff"}),
    frozenset({"fix"}),
    frozenset({"plan", "optimize"}),
    frozenset({"render"}),
    frozenset({"api"}),
    frozenset({"cli", "ci"}),
    frozenset({"__main__"}),
)
"""Lowest first. The core is every layer below ``render``."""
PRESENTATION = frozenset({"render", "cli", "ci"})
"""The only packages that may import rich (terminal drawing)."""


def _layer(package: str) -> int:
    for index, members in enumerate(LAYERS):
        if package in members:
            return index
    raise AssertionError(f"jettison.{package} is in no layer; add it to LAYERS")


def _modules(root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root).with_suffix("")
        yield relative.parts[0], path


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            if node.module == "jettison":  # a module, or a name of jettison/__init__.py
                for alias in node.names:
                    known = (SRC / alias.name).is_dir() or (SRC / f"{alias.name}.py").is_file()
                    yield node.lineno, f"jettison.{alias.name if known else '__init__'}"
            else:
                yield node.lineno, node.module


def _violations(root: Path = SRC) -> list[str]:
    out = []
    for package, path in _modules(root):
        own = _layer(package)
        where = path.relative_to(root.parent)
        for line, name in _imports(path):
            parts = name.split(".")
            if parts[0] == "rich" and package not in PRESENTATION:
                out.append(f"{where}:{line}: imports rich outside the presentation layer")
            if parts[0] != "jettison" or len(parts) < 2:
                continue
            target = parts[1]
            if target == package:
                continue
            if _layer(target) >= own:
                out.append(f"{where}:{line}: {package} (layer {own}) imports {name} "
                           f"(layer {_layer(target)})")  # fmt: skip
    return out


def test_every_package_imports_only_lower_layers() -> None:
    assert _violations() == []


def test_every_package_is_in_a_layer() -> None:
    for package, _path in _modules(SRC):
        _layer(package)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("from jettison.cli.main import cli\n", "imports jettison.cli.main"),
        ("from jettison import api\n", "imports jettison.api"),
        ("import rich.console\n", "imports rich outside"),
    ],
)
def test_the_check_catches_a_core_module_reaching_up(
    source: str, message: str, tmp_path: Path
) -> None:
    fake = tmp_path / "jettison"
    (fake / "lint").mkdir(parents=True)
    (fake / "lint" / "bad.py").write_text(source)
    assert any(message in v for v in _violations(fake))
