"""The terminal report of ``jettison lint``: findings grouped by file, then a summary.

Each finding is one ``file:line:col CODE severity message`` line (editors and terminals turn
``file:line:col`` into a link), followed by its fix and its saving, indented. Like the
inspect report, it is drawn with :func:`jettison.render._console.draw`, so the text depends
on the arguments only.
"""

from __future__ import annotations

from itertools import groupby

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from jettison.lint.model import Finding, Severity
from jettison.lint.report import LintReport
from jettison.render._console import draw
from jettison.render.lint.common import summary_counts
from jettison.render.look import Look
from jettison.render.text import printable
from jettison.units import human_bytes, plural

_SEVERITY_STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}
_INDENT = "    "


def _hanging(console: Console, text: Text, indent: int) -> list[Text]:
    """``text`` wrapped to the console's width, continuation lines indented by ``indent``."""
    width = console.width
    wrapped = text.wrap(console, width)
    if not wrapped:
        return [text]
    first = wrapped[0]
    out = [first]
    rest = text[len(first.plain) :]
    rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")) :]
    if rest.plain:
        for line in rest.wrap(console, max(width - indent, 20)):
            out.append(Text(" " * indent) + line)
    return out


def _finding(finding: Finding) -> list[Text]:
    where = f"{finding.file.as_posix()}:{finding.line}:{finding.column}"
    head = Text()
    head.append(printable(where), style="bold")
    head.append(" ")
    head.append(finding.code, style="magenta")
    head.append(" ")
    head.append(finding.severity.label, style=_SEVERITY_STYLES[finding.severity])
    head.append(" ")
    head.append(printable(finding.message))
    out = [head]
    if finding.fix:
        fix = Text(_INDENT)
        fix.append("fix: ", style="green")
        fix.append(printable(finding.fix))
        out.append(fix)
    if finding.saving is not None:
        saving = Text(_INDENT)
        saving.append("saves: ", style="green")
        saving.append(f"up to {human_bytes(finding.saving.size_bytes)}", style="bold")
        saving.append(f" ({printable(finding.saving.source)})", style="dim")
        out.append(saving)
    return out


def _summary(report: LintReport) -> list[Text]:
    lines: list[Text] = []
    counts = summary_counts(report)
    line = Text()
    if report.findings:
        line.append(plural(len(report.findings), "finding"), style="bold")
        line.append(f": {counts}")
    else:
        line.append("No findings", style="bold green")
    if report.ignored_count:
        line.append(f"; {report.ignored_count} ignored", style="dim")
    line.append(
        f" ({plural(len(report.rules_run), 'rule')} on {plural(len(report.files), 'file')})",
        style="dim",
    )
    lines.append(line)
    if report.saving_bytes:
        saving = Text("Estimated saving: ")
        saving.append(f"up to {human_bytes(report.saving_bytes)}", style="bold green")
        saving.append(
            f" from {plural(report.saving_count, 'finding')} (savings may overlap)", style="dim"
        )
        lines.append(saving)
    for notice in report.notices:
        text = Text("note: ", style=_SEVERITY_STYLES[notice.severity])
        text.append(printable(notice.message))
        lines.append(text)
    return lines


def _paint(console: Console, report: LintReport) -> None:
    for file, group in groupby(report.findings, key=lambda f: f.file):
        title = Text(printable(file.as_posix()), style="bold")
        console.print(Rule(title, align="left", style="dim"))
        for finding in group:
            head, *details = _finding(finding)
            wrapped = _hanging(console, head, len(_INDENT))
            for detail in details:
                wrapped.extend(_hanging(console, detail, 2 * len(_INDENT)))
            for text in wrapped:
                console.print(text, overflow="fold", no_wrap=True)
        console.print()
    for text in _summary(report):
        console.print(text, overflow="fold")


def render_lint_tty(report: LintReport, look: Look) -> str:
    """``report`` as a terminal report ``look.width`` columns wide, coloured if ``look.color``."""
    return draw(lambda console: _paint(console, report), width=look.width, color=look.color)
