"""JT112 fix (safe): uv, Poetry and PDM without their download caches in the layer."""

from __future__ import annotations

import re

from jettison.dockerfile.commands.caches import PDM, POETRY, UV
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


_TOOLS = ((UV, "uv"), (POETRY, "poetry"), (PDM, "pdm"))
"""Each tool's cache, as JT112's message names it (``leaves PDM's cache ... in the layer``)."""


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    instruction = run_instruction(fix_input, finding)
    if isinstance(instruction, Skip):
        return instruction
    # The tool whose cache the finding is about, not any tool the RUN names: in `pdm install
    # poetry` the cache left is PDM's, and cleaning Poetry's fixed nothing (each pass
    # appended the cleanup again).
    tool = next(
        (name for cache, name in _TOOLS if f"leaves {cache.what} in" in finding.message), None
    )
    if tool is None or tool not in instruction.shell_text.split():
        return Skip(f"line {finding.line}: the install runs in a script")
    if tool == "uv":
        return inserted(
            fix_input, finding, ((_UV, " --no-cache"),), "uv installs without its cache"
        )
    return appended(fix_input, finding, _CLEAN[tool], f"{tool}'s cache cleaned in the same layer")


AUTOFIX = Autofix(
    "JT112",
    True,
    "uv with --no-cache; Poetry's and PDM's caches cleaned in the same RUN.",
    make,
)
