"""JT2xx: base images."""

from __future__ import annotations

from jettison.lint.model import Rule

RULES: tuple[Rule, ...] = ()
