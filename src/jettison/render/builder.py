"""Renderers of the ``build`` and ``verify`` reports: pure functions from a report to text.

The JSON models are ``schema/build-report.schema.json`` and
``schema/verify-report.schema.json``; the conventions and the versioning rule are
:mod:`jettison.render.jsonout`'s.
"""

from __future__ import annotations

import shlex

from jettison.builder.core import BuildReport, SmokeRun, VerifyReport
from jettison.builder.probe import http_status
from jettison.render.jsonout import JsonObject, header, json_text, opt_path, read_schema
from jettison.render.look import Look

BUILD_SCHEMA_VERSION = "1.1"
"""1.1: ``pushed``, where ``--push`` put the image (``HOST/REPO:TAG@DIGEST``), or null."""
BUILD_SCHEMA_RESOURCE = "schema/build-report.schema.json"
VERIFY_SCHEMA_VERSION = "3.0"
"""3.0: the ``tool`` header, a string version as every report's, sorted keys. 2: ``probe``
and each run's ``http_status``."""
VERIFY_SCHEMA_RESOURCE = "schema/verify-report.schema.json"
_OUTPUT_LINES = 10


def render_build_text(report: BuildReport, look: Look) -> str:
    """The image built, one line (what scripts capture: ``img=$(jettison build .)``)."""
    del look
    return report.image + "\n"


def build_json_model(report: BuildReport) -> JsonObject:
    return {
        **header(BUILD_SCHEMA_VERSION),
        "builder": report.builder,
        "image": report.image,
        "image_id": report.image_id,
        "build_seconds": report.build_seconds,
        "archive": opt_path(report.archive),
        "archive_format": report.archive_format,
        "pushed": report.pushed,
    }


def render_build_json(report: BuildReport, look: Look) -> str:
    del look
    return json_text(build_json_model(report))


def load_build_schema() -> JsonObject:
    return read_schema(BUILD_SCHEMA_RESOURCE)


def verify_json_model(report: VerifyReport) -> JsonObject:
    return {
        **header(VERIFY_SCHEMA_VERSION),
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
                "seconds": run.result.seconds,
                "stdout": run.result.stdout,
                "stderr": run.result.stderr,
            }
            for run in report.runs
        ],
    }


def render_verify_json(report: VerifyReport, look: Look) -> str:
    del look
    return json_text(verify_json_model(report))


def load_verify_schema() -> JsonObject:
    return read_schema(VERIFY_SCHEMA_RESOURCE)


def render_verify_text(report: VerifyReport, look: Look) -> str:
    del look
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
