"""GitHub Actions workflow commands: one annotation per finding.

``::warning file=F,line=L,col=C,endLine=E,title=CODE name::message`` shows each finding on
the pull request's diff without uploading SARIF. Info findings become ``notice``.
"""

from __future__ import annotations

from jettison.lint.model import Severity
from jettison.lint.report import LintReport
from jettison.render.look import Look
from jettison.render.text import printable
from jettison.units import human_bytes

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """A command's message: ``%``, CR and LF escaped as the runner expects."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value: also ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_lint_github(report: LintReport, look: Look) -> str:
    del look  # annotations do not depend on the terminal
    names = {rule.code: rule.name for rule in report.rules_run}
    lines = []
    for finding in report.findings:
        title = f"{finding.code} {names[finding.code]}" if finding.code in names else finding.code
        props = [
            f"file={escape_property(printable(finding.file.as_posix()))}",
            f"line={finding.line}",
            f"col={finding.column}",
        ]
        if finding.end_line is not None and finding.end_line > finding.line:
            props.append(f"endLine={finding.end_line}")
        props.append(f"title={escape_property(title)}")
        message = finding.message
        if finding.fix:
            message += f"\nFix: {finding.fix}"
        if finding.saving is not None:
            message += (
                f"\nSaves up to {human_bytes(finding.saving.size_bytes)} ({finding.saving.source})."
            )
        lines.append(
            f"::{COMMANDS[finding.severity]} {','.join(props)}::{escape_data(printable(message))}"
        )
    return "".join(f"{line}\n" for line in lines)
