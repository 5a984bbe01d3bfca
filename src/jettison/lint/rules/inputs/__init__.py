"""JT0xx: input problems (unparsable files, unknown instructions, unreadable requirements).

A file that cannot be read at all (binary, not UTF-8, an unterminated heredoc, an empty
Dockerfile) is an error of the command, not a finding: there is nothing to lint.
"""

from __future__ import annotations

from jettison.lint.model import Rule
from jettison.lint.rules.inputs import (
    jt001_unknown_instruction,
    jt002_instruction_before_from,
    jt003_unreadable_requirement,
    jt004_no_build_stage,
    jt005_malformed_instruction,
)

RULES: tuple[Rule, ...] = (
    jt001_unknown_instruction.RULE,
    jt002_instruction_before_from.RULE,
    jt003_unreadable_requirement.RULE,
    jt004_no_build_stage.RULE,
    jt005_malformed_instruction.RULE,
)
