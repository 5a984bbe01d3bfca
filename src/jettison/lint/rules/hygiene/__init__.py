"""JT4xx: build hygiene."""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules.hygiene import (
    jt401_build_tools_in_final,
    jt402_copy_whole_context,
    jt403_requirements_after_source,
    jt404_deleted_later,
    jt405_recursive_chown,
    jt406_installers_left,
    jt407_conda_clean,
    jt408_second_python,
)

RULES: tuple[Rule, ...] = (
    jt401_build_tools_in_final.RULE,
    jt402_copy_whole_context.RULE,
    jt403_requirements_after_source.RULE,
    jt404_deleted_later.RULE,
    jt405_recursive_chown.RULE,
    jt406_installers_left.RULE,
    jt407_conda_clean.RULE,
    jt408_second_python.RULE,
)
