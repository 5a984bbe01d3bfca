"""JT407 fix (safe): conda's package cache cleaned in the same layer."""

from __future__ import annotations

from jettison.dockerfile.commands.caches import CONDA_CACHE
from jettison.dockerfile.shell import commands_of
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
    # The installer's own clean: `conda install -y micromamba` cleans with conda, whose
    # cache that is (micromamba's clean works on its own root prefix). Where the install is
    # not on the RUN line (a script), the first tool the line names, else conda.
    installers = [c.name for c in commands_of(instruction) if CONDA_CACHE.installs(c)]
    words = instruction.shell_text.replace("/", " ").split()
    tool = next((t for t in [*installers, *_CLEAN] if t in _CLEAN and t in words), "conda")
    return appended(
        fix_input, finding, _CLEAN[tool], f"{tool}'s package cache cleaned in the same layer"
    )


AUTOFIX = Autofix("JT407", True, "End the RUN with `conda clean -afy`.", make)
