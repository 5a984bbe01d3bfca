"""Renderers for ``verify`` reports: pure functions from a report to text."""

from __future__ import annotations

import json
import shlex

from jettison.builder.api import SmokeRun, VerifyReport
from jettison.builder.probe import http_status

VERIFY_SCHEMA_VERSION = 2
"""2: ``probe`` (null, or path and port) and each run's ``http_status``."""
VERIFY_FORMATS = ("tty", "json")
_OUTPUT_LINES = 10


def render_verify(report: VerifyReport, fmt: str) -> str:
    if fmt == "json":
        return verify_json(report)
    return verify_text(report)


def verify_json(report: VerifyReport) -> str:
    doc = {
        "schema_version": VERIFY_SCHEMA_VERSION,
        "builder": report.builder,
        "ok": report.verdict.ok,
        "reason": report.verdict.reason,
        "expect": report.expect,
        "probe": (
            {"path": report.probe.path, "port": report.probe.port}
            if report.probe is not None
            else None
        ),
        "runs": [
            {
                "image": run.image,
                "command": list(run.command) if run.command is not None else None,
                "exit_code": run.result.exit_code,
                "timed_out": run.result.timed_out,
                "http_status": http_status(run.result.stdout) if report.probe else None,
                "seconds": round(run.result.seconds, 3),
                "stdout": run.result.stdout,
                "stderr": run.result.stderr,
            }
            for run in report.runs
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def verify_text(report: VerifyReport) -> str:
    lines: list[str] = []
    for run in report.runs:
        command = shlex.join(run.command) if run.command is not None else "(its CMD/ENTRYPOINT)"
        if report.probe is not None:
            command = f"GET {report.probe.path} on port {report.probe.port} of {command}"
        lines.append(f"{run.image}: {command}: {_status(run, report)} in {run.result.seconds:.1f}s")
        for label, text in (("stdout", run.result.stdout), ("stderr", run.result.stderr)):
            shown = text.splitlines()[-_OUTPUT_LINES:]
            if shown:
                lines.append(f"  {label}:")
                lines.extend(f"    {line}" for line in shown)
    verdict = "PASS" if report.verdict.ok else "FAIL"
    lines.append(f"{verdict}: {report.verdict.reason}")
    return "\n".join(lines) + "\n"


def _status(run: SmokeRun, report: VerifyReport) -> str:
    if run.result.timed_out:
        return "timed out"
    if report.probe is not None:
        status = http_status(run.result.stdout)
        return f"HTTP {status}" if status is not None else "no answer"
    return f"exit code {run.result.exit_code}"
