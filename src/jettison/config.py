"""``[tool.jettison]`` settings from a pyproject.toml (or ``.jettison.toml``)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from jettison.errors import ConfigError

CONFIG_FILES = ("pyproject.toml", ".jettison.toml")


def find_config(start: Path) -> Path | None:
    """The nearest config file in ``start`` or its parents that has a jettison section."""
    for directory in (start, *start.parents):
        for name in CONFIG_FILES:
            candidate = directory / name
            if candidate.is_file() and load_section(candidate):
                return candidate
    return None


def load_section(path: Path) -> dict[str, Any]:
    """The jettison table of ``path``: ``[tool.jettison]`` in pyproject.toml, or the whole
    of ``.jettison.toml``."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc})") from exc
    in_pyproject = path.name == "pyproject.toml"
    section = data.get("tool", {}).get("jettison", {}) if in_pyproject else data
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.jettison] must be a table")
    return section


def inspect_budgets_table(section: dict[str, Any]) -> dict[str, Any]:
    """Budget keys live directly in ``[tool.jettison]``; sub-tables belong to other verbs."""
    return {k: v for k, v in section.items() if not isinstance(v, dict)}
