"""JT6xx: runtime and security."""

from __future__ import annotations

from jettison.lint.model import Rule

RULES: tuple[Rule, ...] = ()
