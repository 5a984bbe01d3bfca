"""JT103 fix (safe): ``apk add`` without keeping the package index."""

from __future__ import annotations

import re

from jettison.fix.autofix.model import Autofix, Fixed, FixInput, Skip, inserted
from jettison.lint.model import Finding

_APK_ADD = re.compile(r"(?<![\w./-])apk(?:\s+--?[\w-]+)*\s+add\b(?![^&|;\n]*--no-cache)")


def make(fix_input: FixInput, finding: Finding) -> Fixed | Skip:
    return inserted(
        fix_input, finding, ((_APK_ADD, " --no-cache"),), "apk add without its index cache"
    )


AUTOFIX = Autofix("JT103", True, "Add --no-cache to apk add.", make)
