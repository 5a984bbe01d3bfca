"""JT112 fix (safe): uv, Poetry and PDM without their download caches in the layer."""

from __future__ import annotations

import re

from jettison.fix.autofix.model import (
    Autofix,
    Fixed,
    FixInput,
    Skip,
    appended,
    inserted,
    run_instruction,
)
from jettison.lint.model import Finding

_UV = re.compile(r"(?<![\w./-])uv(?:\s+pip)?\s+(?:install|sync)\b(?![^&|;\n]*--no-cache)")
_CLEAN = {
    "poetry": 'rm -rf "$(poetry config cache-dir)"',
    "pdm": "pdm cache clear",
}


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    instruction = run_instruction(fix_input, finding)
    if isinstance(instruction, Skip):
        return instruction
    words = instruction.shell_text.split()
    if "uv" in words:
        return inserted(
            fix_input, finding, ((_UV, " --no-cache"),), "uv installs without its cache"
        )
    tool = next((t for t in _CLEAN if t in words), None)
    if tool is None:
        return Skip(f"line {finding.line}: the install runs in a script")
    return appended(fix_input, finding, _CLEAN[tool], f"{tool}'s cache cleaned in the same layer")


AUTOFIX = Autofix(
    "JT112",
    True,
    "uv with --no-cache; Poetry's and PDM's caches cleaned in the same RUN.",
    make,
)
