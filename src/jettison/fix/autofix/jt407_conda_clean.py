"""JT407 fix (safe): conda's package cache cleaned in the same layer."""

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

_CLEAN = {
    "micromamba": "micromamba clean --all --yes",
    "mamba": "mamba clean -afy",
    "conda": "conda clean -afy",
}


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    instruction = run_instruction(fix_input, finding)
    if isinstance(instruction, Skip):
        return instruction
    words = instruction.shell_text.replace("/", " ").split()
    tool = next((t for t in _CLEAN if t in words), "conda")
    return appended(
        fix_input, finding, _CLEAN[tool], f"{tool}'s package cache cleaned in the same layer"
    )


AUTOFIX = Autofix("JT407", True, "End the RUN with `conda clean -afy`.", make)
