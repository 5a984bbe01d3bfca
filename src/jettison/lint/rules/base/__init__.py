"""JT2xx: base images."""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules.base import (
    jt201_full_python_base,
    jt202_cuda_devel_base,
    jt203_eol_base,
    jt204_framework_base,
    jt205_base_unpinned,
    jt206_eol_python_installed,
)

RULES: tuple[Rule, ...] = (
    jt201_full_python_base.RULE,
    jt202_cuda_devel_base.RULE,
    jt203_eol_base.RULE,
    jt204_framework_base.RULE,
    jt205_base_unpinned.RULE,
    jt206_eol_python_installed.RULE,
)
