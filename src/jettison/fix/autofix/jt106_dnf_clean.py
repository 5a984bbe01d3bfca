"""JT106 fix (safe): dnf's cache cleaned in the same layer."""

from __future__ import annotations

from jettison.fix.autofix.model import (
    Autofix,
    Fixed,
    FixInput,
    Skip,
    appended,
    run_instruction,
)
from jettison.lint.model import Finding


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    instruction = run_instruction(fix_input, finding)
    if isinstance(instruction, Skip):
        return instruction
    tool = next(
        (t for t in ("microdnf", "dnf5", "dnf") if t in instruction.shell_text.split()), "dnf"
    )
    return appended(
        fix_input, finding, f"{tool} clean all", f"{tool}'s cache cleaned in the same layer"
    )


AUTOFIX = Autofix("JT106", True, "End the RUN with `dnf clean all`.", make)
