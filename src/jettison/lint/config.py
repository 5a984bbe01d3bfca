"""Lint settings: ``[tool.jettison.lint]`` in pyproject.toml, or ``[lint]`` in .jettison.toml.

.. code-block:: toml

    [tool.jettison.lint]
    select = ["JT1", "JT3"]        # codes or code prefixes to run (default: every rule)
    ignore = ["JT108"]             # codes or prefixes never run
    per-path-ignores = { "docker/dev.Dockerfile" = ["JT601"], "requirements-*.txt" = ["JT3"] }
    severity = { JT108 = "info" }  # override a rule's severity
    fail-on = "warning"            # info | warning | error | never
    options = { JT302 = { gpu = true } }  # per-rule options (see each rule in docs/rules.md)

Codes may be a full code (``JT301``) or a prefix (``JT3``: the family). Unknown keys, codes
and severities are a :class:`~jettison.errors.ConfigError` whose hint lists what is known.
Command-line flags (``--select``, ``--ignore``, ``--fail-on``) override the file.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from jettison.config import find_config, load_section
from jettison.errors import ConfigError
from jettison.lint.model import Severity

KEYS = ("select", "ignore", "per-path-ignores", "severity", "fail-on", "options")
FAIL_ON = ("info", "warning", "error", "never")
DEFAULT_FAIL_ON = Severity.WARNING
_CODE = re.compile(r"^JT\d{0,3}$")


@dataclass(frozen=True)
class LintConfig:
    select: tuple[str, ...] | None = None
    """Codes or prefixes to run; None runs every rule."""
    ignore: tuple[str, ...] = ()
    per_path_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(glob, codes or prefixes): findings in files matching the glob are dropped."""
    severity: Mapping[str, Severity] = field(default_factory=dict)
    """Code -> severity to report its findings at."""
    fail_on: Severity | None = DEFAULT_FAIL_ON
    """Exit 1 when a finding is at this severity or worse; None: never."""
    options: Mapping[str, object] = field(default_factory=dict)
    source: Path | None = None
    """The file these settings came from (per-path globs are relative to its directory)."""

    def runs(self, code: str) -> bool:
        """Whether the rule ``code`` is selected and not ignored."""
        if self.select is not None and not matches(code, self.select):
            return False
        return not matches(code, self.ignore)

    def ignored_at(self, code: str, paths: Iterable[str]) -> bool:
        """Whether a per-path ignore silences ``code`` in a file known by any of ``paths``."""
        candidates = list(paths)
        return any(
            matches(code, codes) and any(glob_match(pattern, p) for p in candidates)
            for pattern, codes in self.per_path_ignores
        )

    def with_flags(
        self,
        *,
        select: Sequence[str] | None = None,
        ignore: Sequence[str] = (),
        fail_on: str | None = None,
        known: Iterable[str] = (),
    ) -> LintConfig:
        """These settings overridden by command-line flags (validated like the file)."""
        known_codes = sorted(set(known))
        out = self
        if select is not None:
            out = replace(out, select=parse_codes(select, "--select", known_codes))
        if ignore:
            out = replace(out, ignore=(*out.ignore, *parse_codes(ignore, "--ignore", known_codes)))
        if fail_on is not None:
            out = replace(out, fail_on=parse_fail_on(fail_on, "--fail-on"))
        return out


def matches(code: str, patterns: Iterable[str]) -> bool:
    """``code`` is one of ``patterns`` or starts with one of them (``JT3`` covers ``JT301``)."""
    return any(code == p or code.startswith(p) for p in patterns)


def glob_match(pattern: str, path: str) -> bool:
    """Gitignore-like glob on a forward-slash path: ``*`` and ``?`` stay within a directory,
    ``**`` spans directories; a pattern without a slash matches the file name anywhere."""
    if "/" not in pattern.strip("/"):
        return fnmatch.fnmatchcase(PurePosixPath(path).name, pattern)
    return _glob_regex(pattern.strip("/")).fullmatch(path.removeprefix("./")) is not None


def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def parse_fail_on(text: str, where: str) -> Severity | None:
    value = text.strip().lower()
    if value == "never":
        return None
    if value not in FAIL_ON:
        raise ConfigError(f"{where}: unknown level {text!r}", hint=f"one of {', '.join(FAIL_ON)}")
    return Severity.parse(value)


def load_lint_config(config_path: Path | None, *, start: Path, known: Iterable[str]) -> LintConfig:
    """Settings from ``config_path``, else from the nearest config file from ``start`` up,
    else from the current directory up (the defaults when there is none).

    ``known`` are the codes of the registry; any other code in the file is an error.
    """
    path = config_path or find_config(start.absolute()) or find_config(Path.cwd())
    if path is None:
        return LintConfig()
    if config_path is None and path.is_relative_to(Path.cwd()):
        path = path.relative_to(Path.cwd())  # shorter in messages
    section = load_section(path)
    table = section.get("lint", {})
    where = f"{path}: [{'tool.jettison.lint' if path.name == 'pyproject.toml' else 'lint'}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    return parse_lint_table(table, where, known, source=path)


def parse_lint_table(
    table: Mapping[str, Any], where: str, known: Iterable[str], *, source: Path | None = None
) -> LintConfig:
    known_codes = sorted(set(known))
    unknown = sorted(set(table) - set(KEYS))
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}", hint=f"known keys: {', '.join(KEYS)}"
        )
    config = LintConfig(source=source)
    if "select" in table:
        config = replace(
            config, select=parse_codes(table["select"], f"{where} select", known_codes)
        )
    if "ignore" in table:
        config = replace(
            config, ignore=parse_codes(table["ignore"], f"{where} ignore", known_codes)
        )
    if "per-path-ignores" in table:
        config = replace(
            config, per_path_ignores=_per_path(table["per-path-ignores"], where, known_codes)
        )
    if "severity" in table:
        config = replace(config, severity=_severities(table["severity"], where, known_codes))
    if "fail-on" in table:
        value = table["fail-on"]
        if not isinstance(value, str):
            raise ConfigError(f"{where} fail-on: expected a string", hint=", ".join(FAIL_ON))
        config = replace(config, fail_on=parse_fail_on(value, f"{where} fail-on"))
    if "options" in table:
        config = replace(config, options=_options(table["options"], where, known_codes))
    return config


def parse_codes(value: object, where: str, known: Sequence[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = [v for v in re.split(r"[,\s]+", value) if v]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        raise ConfigError(f"{where}: expected a list of codes", hint='e.g. ["JT108", "JT3"]')
    codes: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise ConfigError(f"{where}: {item!r} is not a code", hint='e.g. ["JT108", "JT3"]')
        for part in (p for p in re.split(r"[,\s]+", item) if p):
            codes.append(_code(part, where, known))
    return tuple(codes)


def _code(text: str, where: str, known: Sequence[str]) -> str:
    code = text.strip().upper()
    if _CODE.match(code) and any(k.startswith(code) for k in known):
        return code
    raise ConfigError(
        f"{where}: unknown rule code {text!r}",
        hint=f"known codes: {', '.join(known) or 'none'} (or a prefix such as JT3)",
    )


def _per_path(
    value: object, where: str, known: Sequence[str]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where} per-path-ignores: expected a table of glob = [codes]",
            hint='per-path-ignores = { "docker/dev.Dockerfile" = ["JT601"] }',
        )
    out = []
    for pattern, codes in value.items():
        out.append(
            (str(pattern), parse_codes(codes, f"{where} per-path-ignores {pattern!r}", known))
        )
    return tuple(out)


def _options(value: object, where: str, known: Sequence[str]) -> dict[str, object]:
    """``{ JT302 = { gpu = true } }``: a table of options per rule code."""
    example = "options = { JT302 = { gpu = true } }"
    if not isinstance(value, dict):
        raise ConfigError(f"{where} options: expected a table", hint=example)
    out: dict[str, object] = {}
    for raw_code, table in value.items():
        code = str(raw_code).strip().upper()
        if code not in known:
            raise ConfigError(
                f"{where} options: unknown rule code {raw_code!r}",
                hint=f"options are per rule code; known codes: {', '.join(known) or 'none'}",
            )
        if not isinstance(table, dict):
            raise ConfigError(
                f"{where} options: {raw_code} must be a table of option = value", hint=example
            )
        out[code] = dict(table)
    return out


def _severities(value: object, where: str, known: Sequence[str]) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(
            f"{where} severity: expected a table of code = level", hint='{ JT108 = "info" }'
        )
    out: dict[str, Severity] = {}
    for raw_code, level in value.items():
        code = _code(str(raw_code), f"{where} severity", known)
        if not isinstance(level, str) or level.strip().lower() not in FAIL_ON[:3]:
            raise ConfigError(
                f"{where} severity: {raw_code} = {level!r} is not a level",
                hint="info, warning or error",
            )
        out[code] = Severity.parse(level)
    return out


def severity_for(code: str, overrides: Mapping[str, Severity]) -> Severity | None:
    """The override that applies to ``code``: an exact code beats the longest prefix."""
    best: tuple[int, Severity] | None = None
    for pattern, level in overrides.items():
        applies = code == pattern or code.startswith(pattern)
        if applies and (best is None or len(pattern) > best[0]):
            best = (len(pattern), level)
    return best[1] if best else None
