"""JT107 fix (safe): pip and ``uv pip`` install without a download cache."""

from __future__ import annotations

import re

from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip, inserted
from jettison.lint.model import Finding

_END = r"(?![^&|;\n]*--no-cache)"
"""Not when the same command already turns the cache off."""
_PIP = re.compile(
    r"(?<![\w./-])(?<!uv )(?:pip[\d.]*|python[\d.]*\s+-m\s+pip[\d.]*)(?:\s+--?[\w-]+)*\s+install\b"
    + _END
)
_UV_PIP = re.compile(r"(?<![\w./-])uv\s+pip\s+install\b" + _END)


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    return inserted(
        fix_input,
        finding,
        ((_PIP, " --no-cache-dir"), (_UV_PIP, " --no-cache")),
        "pip installs without a download cache (--no-cache-dir)",
    )


AUTOFIX = Autofix("JT107", True, "Add --no-cache-dir to pip install (--no-cache for uv pip).", make)
