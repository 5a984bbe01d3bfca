"""JT1xx: generic size rules, at parity with hadolint's."""

from __future__ import annotations

from jettison.lint.model import Rule

RULES: tuple[Rule, ...] = ()
