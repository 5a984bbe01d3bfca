"""Put ``tests/`` on ``sys.path`` so ``support.memimage`` imports (pyproject sets no pythonpath)."""

from __future__ import annotations

import sys
from pathlib import Path

TESTS = str(Path(__file__).resolve().parents[2])
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)
