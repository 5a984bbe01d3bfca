"""The shape of the imports (ARCHITECTURE.md, "Rules that keep the shape"), checked on the
source with ``ast``:

- lint's rules are imported by their registry only: no module outside ``lint/rules/``
  imports ``jettison.lint.rules.<family>.<module>`` (``from jettison.lint.rules import
  RULES`` is the registry);
- a rule module imports no other rule module, nor another family's private module, and
  otherwise only the Dockerfile layer, the facts, requirements, imports and lint's own
  non-rule modules;
- ``facts/`` imports nothing from lint, fix, plan or inspect; ``dockerfile/`` nothing from
  lint, fix, plan, inspect or builder.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
PACKAGE = SRC / "jettison"
RULES = PACKAGE / "lint" / "rules"
RULE_ALLOWED = (
    "jettison.dockerfile",
    "jettison.facts",
    "jettison.imageref",
    "jettison.hostpaths",
    "jettison.requirements",
    "jettison.imports",
    "jettison.lint.model",
    "jettison.lint.helpers",
    "jettison.lint.packages",
    "jettison.lint.savings",
)


def _module(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    path = SRC.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports: ``from a import b`` is ``a.b`` when ``b`` is a module,
    else ``a``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                yield full if _is_module(full) else node.module


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _is_rule_module(path: Path) -> bool:
    return path.parent.parent == RULES and path.name.startswith("jt")


def _rule_module_name(name: str) -> bool:
    """``jettison.lint.rules.<family>.<module>`` (or below)."""
    parts = name.split(".")
    return parts[:3] == ["jettison", "lint", "rules"] and len(parts) >= 5


def test_only_the_registry_imports_rule_modules() -> None:
    wrong = [
        f"{_module(path)} imports {name}"
        for path in _sources()
        if not path.is_relative_to(RULES)
        for name in _imports(path)
        if _rule_module_name(name)
    ]
    assert wrong == []


def test_rule_modules_import_the_shared_layers_only() -> None:
    wrong = []
    for path in filter(_is_rule_module, _sources()):
        own_private = f"jettison.lint.rules.{path.parent.name}._"
        wrong.extend(
            f"{_module(path)} imports {name}"
            for name in _imports(path)
            if name.startswith("jettison.") and not name.startswith((*RULE_ALLOWED, own_private))
        )
    assert wrong == []


def test_facts_and_the_dockerfile_layer_stay_below_their_users() -> None:
    below = {
        PACKAGE / "facts": ("jettison.lint", "jettison.fix", "jettison.plan", "jettison.inspect"),
        PACKAGE / "dockerfile": (
            "jettison.lint",
            "jettison.fix",
            "jettison.plan",
            "jettison.inspect",
            "jettison.builder",
        ),
    }
    wrong = [
        f"{_module(path)} imports {name}"
        for folder, forbidden in below.items()
        for path in sorted(folder.rglob("*.py"))
        for name in _imports(path)
        if name.startswith(forbidden)
    ]
    assert wrong == []


def test_the_walk_reads_modules() -> None:
    """Guards the tests above against passing on empty lists."""
    rules = [p for p in _sources() if _is_rule_module(p)]
    assert len(rules) >= 40
    jt503 = RULES / "models" / "jt503_hf_cache_baked.py"
    found = set(_imports(jt503))
    assert "jettison.lint.rules.models._weights" in found
    assert "jettison.dockerfile.copies" in found
    registry = set(_imports(RULES / "base" / "__init__.py"))
    assert "jettison.lint.rules.base.jt201_full_python_base" in registry
    assert _rule_module_name("jettison.lint.rules.size.jt107_pip_cache")
    assert not _rule_module_name("jettison.lint.rules")
