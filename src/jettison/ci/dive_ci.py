"""dive's CI rules (``.dive-ci``), kept as gates for teams moving from dive.

dive reads three rules, each a number or ``disabled``::

    rules:
      lowestEfficiency: 0.95          # dive's efficiency score must be at least this
      highestWastedBytes: 20MB        # dive's wasted bytes must be at most this
      highestUserWastedPercent: 0.20  # wasted bytes / bytes above the first layer, at most

jettison computes dive's figures byte-exactly (``inspect``'s ``dive`` section), so the first
two become inspect budgets (``min-efficiency``, ``max-wasted``) and the third is checked on
inspect's JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_RULES = {
    "lowestEfficiency": "min-efficiency",
    "highestWastedBytes": "max-wasted",
    "highestUserWastedPercent": None,
}


@dataclass(frozen=True)
class DiveRule:
    name: str
    value: str
    budget: str | None
    """The inspect budget it maps to; None when checked here (:meth:`broken_by`)."""

    def broken_by(self, report: dict[str, Any]) -> str | None:
        """For ``highestUserWastedPercent``: a message when inspect's JSON breaks it."""
        if self.budget is not None:
            return None
        dive = report["dive"]
        user = dive["user_size_bytes"]
        share = dive["wasted_bytes"] / user if user else 0.0
        limit = float(self.value)
        if share > limit:
            return f"dive user wasted percent is {share:.4f}, limit {limit:.4f} (.dive-ci)"
        return None


def read_dive_ci(path: Path) -> list[DiveRule]:
    """The enabled rules of a ``.dive-ci`` file; ValueError for a file dive would refuse."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read dive's CI rules ({exc})") from None
    rules = data.get("rules") or {} if isinstance(data, dict) else None
    if not isinstance(rules, dict):
        raise ValueError(f"{path}: expected a 'rules:' mapping")
    out = []
    for name, value in rules.items():
        if name not in _RULES:
            raise ValueError(f"{path}: unknown dive rule {name!r}; known: {', '.join(_RULES)}")
        text = str(value).strip()
        if text.lower() == "disabled":
            continue
        if name == "highestUserWastedPercent":
            try:
                float(text)
            except ValueError:
                raise ValueError(f"{path}: {name}: not a ratio: {text!r}") from None
        out.append(DiveRule(name, text, _RULES[name]))
    return out
