"""The registry: every lint rule, one module per stable code, grouped by family.

Each family package lists its rules in ``RULES``; adding a rule means adding its module and
naming it in its family's tuple, nothing else.
"""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules import base, deps, hygiene, inputs, models, runtime, size

RULES: tuple[Rule, ...] = (
    *inputs.RULES,
    *size.RULES,
    *base.RULES,
    *deps.RULES,
    *hygiene.RULES,
    *models.RULES,
    *runtime.RULES,
)
