"""Run lint rules over a context: ignores, severity overrides, deterministic order, totals.

Ignores work at three levels, as in deptry:

1. by code in config or flags (``ignore``/``select``): the rule does not run at all;
2. per path (``per-path-ignores``): a glob on the finding's file, relative to the current
   directory, the build context or the config file's directory;
3. inline: ``# jettison: ignore=JT101,JT102`` (or ``=all``) in the comment lines right above
   a Dockerfile instruction silences those codes on every line of that instruction; in any
   other file (requirements, pyproject.toml, .dockerignore) the comment goes at the end of
   the finding's line, or on a comment line of its own right above it.

A rule that raises is a bug in that rule: the run goes on, and the report carries a note.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from jettison.lint.config import LintConfig, severity_for
from jettison.lint.model import Finding, LintContext, Rule
from jettison.lint.report import LintReport, RuleInfo
from jettison.notices import Notice, Severity

_INLINE = re.compile(r"#\s*jettison:\s*ignore\s*=\s*([\w, ]+)", re.IGNORECASE)
MAX_LINE_FILE_BYTES = 8 << 20
"""Files larger than this are not read for inline ignores."""


def run_rules(
    ctx: LintContext,
    rules: Iterable[Rule],
    config: LintConfig,
    *,
    base: Path | None = None,
    files: Sequence[Path] | None = None,
) -> LintReport:
    """Run the selected ``rules`` on ``ctx`` and report what is left after ignores.

    File paths in the report are relative to ``base`` (default: the current directory) when
    they are below it. ``files`` are the inputs read (default: the Dockerfile and the
    requirement files of ``ctx``).
    """
    root = (base or Path.cwd()).absolute()
    selected = sorted((r for r in rules if config.runs(r.code)), key=lambda r: r.code)
    notices: list[Notice] = []
    raw: list[Finding] = []
    for rule in selected:
        try:
            found = list(rule.check(ctx))
        except Exception as exc:  # a crashing rule must not take the others down
            notices.append(
                Notice(
                    Severity.ERROR,
                    f"internal error: rule {rule.code} ({rule.name}) failed with "
                    f"{type(exc).__name__}: {exc}; its findings are missing (a bug in "
                    "jettison, please report it)",
                    kind="rule-failed",
                    subject=rule.code,
                )
            )
            continue
        raw.extend(found)
    inline = _InlineIgnores(ctx)
    kept: set[Finding] = set()
    ignored = 0
    for finding in raw:
        shown = _display(finding.file, root)
        if config.ignored_at(finding.code, _path_forms(finding.file, shown, ctx, config, root)):
            ignored += 1
            continue
        if inline.silences(finding):
            ignored += 1
            continue
        severity = severity_for(finding.code, config.severity) or finding.severity
        kept.add(dataclasses.replace(finding, file=shown, severity=severity))
    findings = tuple(sorted(kept, key=Finding.sort_key))
    inputs = files if files is not None else default_files(ctx)
    return LintReport(
        findings=findings,
        ignored_count=ignored,
        files=tuple(dict.fromkeys(_display(p, root) for p in inputs)),
        rules_run=tuple(RuleInfo.of(r) for r in selected),
        saving_bytes=sum(f.saving.size_bytes for f in findings if f.saving is not None),
        notices=tuple(notices),
    )


def default_files(ctx: LintContext) -> list[Path]:
    out = [ctx.dockerfile.path] if ctx.dockerfile is not None else []
    out.extend(ctx.requirements.files)
    return out


def _display(path: Path, root: Path) -> Path:
    """``path`` relative to ``root`` when below it, else as given."""
    if not path.is_absolute():
        return path
    try:
        return path.relative_to(root)
    except ValueError:
        return path


def _path_forms(
    path: Path, shown: Path, ctx: LintContext, config: LintConfig, root: Path
) -> list[str]:
    """The forward-slash spellings a per-path glob may match ``path`` by."""
    absolute = path if path.is_absolute() else root / path
    forms = [shown.as_posix()]
    bases = [root, ctx.context_dir.absolute()]
    if config.source is not None:
        bases.append(config.source.absolute().parent)
    bases = [Path(os.path.normpath(base)) for base in bases]
    for base in bases:
        try:
            forms.append(Path(os.path.normpath(absolute)).relative_to(base).as_posix())
        except ValueError:
            continue
    return list(dict.fromkeys(forms))


def _codes(comment: str) -> frozenset[str]:
    match = _INLINE.search(comment)
    if not match:
        return frozenset()
    return frozenset(c.strip().upper() for c in match.group(1).split(",") if c.strip())


class _InlineIgnores:
    """Inline ``# jettison: ignore=...`` comments, read once per file."""

    def __init__(self, ctx: LintContext) -> None:
        self._dockerfile = ctx.dockerfile
        self._dockerfile_key = _key(ctx.dockerfile.path) if ctx.dockerfile else None
        self._instructions = ctx.dockerfile.instructions() if ctx.dockerfile else []
        self._lines: dict[Path, tuple[str, ...]] = {}

    def silences(self, finding: Finding) -> bool:
        if self._dockerfile is not None and _key(finding.file) == self._dockerfile_key:
            codes = self._dockerfile_codes(finding.line)
        else:
            codes = self._line_codes(finding.file, finding.line)
        return finding.code in codes or "ALL" in codes

    def _dockerfile_codes(self, line: int) -> frozenset[str]:
        for instruction in self._instructions:
            start = instruction.position.line
            end = instruction.position.end_line or start
            if start <= line <= end:
                return instruction.ignored_codes
        return frozenset()

    def _line_codes(self, path: Path, line: int) -> frozenset[str]:
        lines = self._read(path)
        if not 0 < line <= len(lines):
            return frozenset()
        codes = set(_codes(lines[line - 1]))
        above = line - 2
        while above >= 0 and lines[above].lstrip().startswith("#"):
            codes |= _codes(lines[above])
            above -= 1
        return frozenset(codes)

    def _read(self, path: Path) -> tuple[str, ...]:
        key = _key(path)
        if key not in self._lines:
            self._lines[key] = _read_lines(path)
        return self._lines[key]


def _key(path: Path) -> Path:
    return Path(os.path.normpath(path.absolute()))


def _read_lines(path: Path) -> tuple[str, ...]:
    """The text lines of ``path`` in any common encoding (a BOM decides); () when unreadable."""
    try:
        if path.stat().st_size > MAX_LINE_FILE_BYTES:
            return ()
        data = path.read_bytes()
    except OSError:
        return ()
    for bom, encoding in (
        (b"\xef\xbb\xbf", "utf-8-sig"),
        (b"\xff\xfe\x00\x00", "utf-32"),
        (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"),
        (b"\xfe\xff", "utf-16"),
    ):
        if data.startswith(bom):
            return tuple(data.decode(encoding, "replace").splitlines())
    return tuple(data.decode("utf-8", "replace").splitlines())
