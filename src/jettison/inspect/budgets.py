"""Size budgets for CI: limits on an inspect report, from flags or ``[tool.jettison]``."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

from jettison.errors import ConfigError

if TYPE_CHECKING:
    from jettison.inspect.report import BudgetResult, InspectReport

_UNITS = {
    "": 1,
    "b": 1,
    "kb": 1000,
    "mb": 1000**2,
    "gb": 1000**3,
    "tb": 1000**4,
    "k": 1000,
    "m": 1000**2,
    "g": 1000**3,
    "t": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str | int) -> int:
    """``2GB`` -> 2_000_000_000 (decimal units, as docker prints sizes); ``1GiB`` is binary."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ConfigError(f"size must not be negative, got {text}")
        return text
    match = _SIZE.match(str(text))
    unit = match.group(2).lower() if match else None
    if match is None or unit not in _UNITS:
        raise ConfigError(
            f"not a size: {text!r}", hint="write sizes like 2GB, 300MB, 1.5GiB or a byte count"
        )
    return int(float(match.group(1)) * _UNITS[unit])


def parse_ratio(text: str | float) -> float:
    """``0.95`` or ``95%`` -> 0.95."""
    raw = str(text).strip()
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError as exc:
        raise ConfigError(f"not a ratio: {text!r}", hint="write 0.95 or 95%") from exc
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"ratio must be between 0 and 1 (or 0% and 100%), got {text!r}")
    return value


@dataclass(frozen=True)
class Budgets:
    """Limits; None means no limit. Config keys are the field names with ``-`` and without
    the ``_bytes`` suffix (``max-size``, ``min-efficiency``...)."""

    max_size_bytes: int | None = None
    max_pull_size_bytes: int | None = None
    min_efficiency: float | None = None
    max_removable_bytes: int | None = None
    max_shadowed_bytes: int | None = None
    max_wasted_bytes: int | None = None

    @staticmethod
    def config_keys() -> dict[str, str]:
        return {f.name.removesuffix("_bytes").replace("_", "-"): f.name for f in fields(Budgets)}

    @classmethod
    def from_mapping(cls, values: Mapping[str, object], where: str) -> Budgets:
        keys = cls.config_keys()
        parsed: dict[str, object] = {}
        for key, value in values.items():
            name = keys.get(key)
            if name is None:
                raise ConfigError(
                    f"{where}: unknown budget {key!r}", hint=f"known: {', '.join(sorted(keys))}"
                )
            try:
                parsed[name] = parse_ratio(value) if name == "min_efficiency" else parse_size(value)  # type: ignore[arg-type]
            except ConfigError as exc:
                raise ConfigError(f"{where}: {key}: {exc}", hint=exc.hint) from exc
        return cls(**parsed)  # type: ignore[arg-type]

    def overridden_by(self, other: Budgets) -> Budgets:
        """Values set in ``other`` (e.g. command-line flags) win over ours (config file)."""
        return replace(
            self, **{f.name: v for f in fields(other) if (v := getattr(other, f.name)) is not None}
        )


def _size(n: int) -> str:
    return f"{n:,} B"


_CHECKS: tuple[tuple[str, str, Callable[[InspectReport], float | None], bool], ...] = (
    ("max_size_bytes", "size", lambda r: r.size_bytes, True),
    ("max_pull_size_bytes", "pull size", lambda r: r.pull_bytes, True),
    ("max_removable_bytes", "removable", lambda r: r.removable_bytes, True),
    ("max_shadowed_bytes", "shadowed", lambda r: r.shadowed.size_bytes, True),
    ("max_wasted_bytes", "dive wasted", lambda r: r.dive.wasted_bytes, True),
    ("min_efficiency", "dive efficiency", lambda r: r.dive.efficiency_score, False),
)


def check_budgets(report: InspectReport, budgets: Budgets) -> tuple[BudgetResult, ...]:
    from jettison.inspect.report import BudgetResult

    results = []
    for field_name, label, measure, is_max in _CHECKS:
        limit = getattr(budgets, field_name)
        if limit is None:
            continue
        actual = measure(report)
        if actual is None:
            results.append(BudgetResult(label, f"<= {_size(limit)}", "unknown", False))
            continue
        if is_max:
            results.append(
                BudgetResult(label, f"<= {_size(limit)}", _size(int(actual)), actual <= limit)
            )
        else:
            results.append(BudgetResult(label, f">= {limit:.4f}", f"{actual:.4f}", actual >= limit))
    return tuple(results)
