"""Renderers of the optimize report: pure functions returning text (no I/O).

``render_text`` (terminal, plain), ``render_markdown`` (for a pull request) and
``render_json`` (``schema/optimize-report.schema.json``; the conventions and the versioning
rule are :mod:`jettison.render.jsonout`'s).
"""

from __future__ import annotations

import shlex

from jettison.fix.changes import Change
from jettison.optimize.report import ImageFacts, OptimizeReport, SmokeFacts
from jettison.render.diff.document import change_sections, owner_label, signed_bytes
from jettison.render.diff.json_model import diff_json
from jettison.render.fix import change_json
from jettison.render.jsonout import (
    JsonObject,
    header,
    json_text,
    notice,
    opt_text,
    path_text,
    read_schema,
)
from jettison.render.look import Look
from jettison.render.markdown import render_sections
from jettison.render.text import printable
from jettison.units import human_bytes

SCHEMA_VERSION = "2.2"
"""2.2: ``repairs``: what was done when the first optimized image failed the check.
2.1: ``diff``, what changed from the original to the optimized image (``jettison diff``'s
JSON without its header). 2.0: the ``tool`` header; ``lint.codes`` a list of
``{code, count}``; durations unrounded; keys sorted, as in every report. 1.1: ``probe``
and each image's ``smoke.http_status``; each change's ``saving_bytes``."""
SCHEMA_RESOURCE = "schema/optimize-report.schema.json"
TEXT_OWNERS = 12
"""Packages listed in the terminal report's "what changed"."""


def _smoke(smoke: SmokeFacts, probed: bool) -> str:
    if smoke.timed_out:
        return f"timed out after {smoke.seconds:.0f}s"
    if probed:
        answer = f"HTTP {smoke.http_status}" if smoke.http_status is not None else "no answer"
        return f"{answer} ({smoke.seconds:.1f}s)"
    return f"exit {smoke.exit_code} ({smoke.seconds:.1f}s)"


def _rows(report: OptimizeReport) -> list[tuple[str, str, str, str]]:
    """(what, original, optimized, change) rows of the before/after table."""
    before, after = report.original, report.optimized
    probed = report.probe_path is not None

    def delta(old: int, new: int) -> str:
        return f"-{(old - new) / old:.1%}" if old and new <= old else f"+{new - old:,}"

    pull = (
        (
            human_bytes(before.pull_bytes),
            human_bytes(after.pull_bytes),
            delta(before.pull_bytes, after.pull_bytes),
        )
        if before.pull_bytes is not None and after.pull_bytes is not None
        else ("unknown", "unknown", "")
    )
    return [
        (
            "size (uncompressed)",
            human_bytes(before.size_bytes),
            human_bytes(after.size_bytes),
            delta(before.size_bytes, after.size_bytes),
        ),
        ("pull size (compressed)", *pull),
        ("layers", str(before.layer_count), str(after.layer_count), ""),
        ("build time", f"{before.build_seconds:.0f}s", f"{after.build_seconds:.0f}s", ""),
        (
            f"probe GET {report.probe_path}" if probed else "smoke command",
            _smoke(before.smoke, probed),
            _smoke(after.smoke, probed),
            "",
        ),
    ]


def _command(report: OptimizeReport) -> str:
    return shlex.join(report.smoke_command)


def _headline(report: OptimizeReport) -> str:
    status = "verified" if report.verified else "VERIFICATION FAILED"
    return (
        f"{report.dockerfile} -> {report.optimized_dockerfile}: "
        f"{human_bytes(report.original.size_bytes)} -> {human_bytes(report.optimized.size_bytes)}"
        f" ({report.saved_fraction:.1%} smaller), {status}"
    )


def _check(report: OptimizeReport) -> str:
    """What ran in both images: the smoke command, or the probe of the service it starts."""
    if report.probe_path is None:
        return f"smoke `{_command(report)}`"
    return (
        f"probe `GET {report.probe_path}` on port {report.probe_port} "
        f"(service `{_command(report)}`)"
    )


def _verdict(report: OptimizeReport) -> str:
    if report.verified:
        return f"{_check(report)} passes in both images: {report.verdict}"
    return (
        f"{_check(report)}: {report.verdict}. The original Dockerfile is untouched; "
        "the optimized files stay for inspection."
    )


def _aligned(rows: list[tuple[str, ...]], indent: str = "  ") -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        (
            indent + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def render_text(report: OptimizeReport, look: Look) -> str:
    """The terminal report (plain text: it does not depend on the terminal)."""
    del look
    lines = [_headline(report), ""]
    lines += _aligned([("", "original", "optimized", "change"), *_rows(report)])
    lines += ["", _verdict(report)]
    lines += [f"  {n.message}" for n in report.repairs]
    if not report.verified:
        lines += _failed_output(report.optimized, "  ")
    if report.causes:
        lines += ["", "Removable bytes by cause (inspect):"]
        lines += _aligned(
            [
                ("cause", "original", "optimized"),
                *(
                    (c.cause, human_bytes(c.before_bytes), human_bytes(c.after_bytes))
                    for c in report.causes
                ),
            ]
        )
    if report.diff is not None and report.diff.owners:
        lines += ["", "What changed, by package (jettison diff original optimized):"]
        lines += _aligned(
            [
                (o.change, owner_label(o.kind, o.name), signed_bytes(o.delta_bytes))
                for o in report.diff.owners[:TEXT_OWNERS]
            ]
        )
        more = report.diff.owners[TEXT_OWNERS:]
        if more:
            rest = signed_bytes(sum(o.delta_bytes for o in more))
            lines.append(f"  … and {len(more)} more ({rest})")
    if report.changes:
        lines += ["", f"Changes made by fix (target {report.target}):"]
        lines += [f"  {c.code}: {c.description}{_saving(c, '  ~')}" for c in report.changes]
    lines += ["", _lint_line(report)]
    lines += ["", "Files written:"] + [f"  {p}" for p in report.files_written]
    if not report.images_kept:
        lines += [
            "",
            "Both images were removed from the builder's store (--keep-images keeps them).",
        ]
    return "\n".join(lines) + "\n"


def _failed_output(facts: ImageFacts, indent: str) -> list[str]:
    tail = facts.smoke.stderr_tail or facts.smoke.stdout_tail
    if not tail:
        return []
    return [f"{indent}optimized image said:"] + [f"{indent}  {line}" for line in tail]


def _lint_line(report: OptimizeReport) -> str:
    codes = ", ".join(f"{c.code} x{c.count}" if c.count > 1 else c.code for c in report.lint.codes)
    return f"Lint of the original: {report.lint.finding_count} findings" + (
        f" ({codes})" if codes else ""
    )


def _saving(change: Change, before: str, after: str = "") -> str:
    """A change's estimated saving between ``before`` and ``after``; empty when unknown."""
    if change.saving_bytes is None:
        return ""
    return f"{before}{human_bytes(change.saving_bytes)}{after}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: OptimizeReport, look: Look) -> str:
    """The report for a pull request."""
    del look
    status = "verified" if report.verified else "**verification failed**"
    lines = [
        f"## jettison optimize: `{report.dockerfile}`",
        "",
        f"{human_bytes(report.original.size_bytes)} -> "
        f"{human_bytes(report.optimized.size_bytes)} "
        f"(**{report.saved_fraction:.1%} smaller**), {status}.",
        "",
        "| | original | optimized | change |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [f"| {' | '.join(_md_cell(cell) for cell in row)} |" for row in _rows(report)]
    lines += ["", _verdict(report)]
    lines += [f"- {_md_cell(n.message)}" for n in report.repairs]
    if not report.verified:
        tail = report.optimized.smoke.stderr_tail or report.optimized.smoke.stdout_tail
        if tail:
            lines += ["", "```", *tail, "```"]
    if report.causes:
        lines += ["", "### Removable bytes by cause", "", "| cause | original | optimized |"]
        lines += ["| --- | ---: | ---: |"]
        lines += [
            f"| {_md_cell(c.title)} (`{c.cause}`) | {human_bytes(c.before_bytes)} "
            f"| {human_bytes(c.after_bytes)} |"
            for c in report.causes
        ]
    if report.diff is not None and not report.diff.identical:
        lines += ["", render_sections(change_sections(report.diff)).rstrip("\n")]
    if report.changes:
        lines += ["", f"### Changes (target {report.target})", ""]
        lines += [
            f"- `{c.code}` {_md_cell(c.description)}{_saving(c, ' (~', ')')}"
            for c in report.changes
        ]
    lines += ["", _lint_line(report) + ".", "", "### Files written", ""]
    lines += [f"- `{p}`" for p in report.files_written]
    return "\n".join(lines) + "\n"


def _image_json(facts: ImageFacts) -> JsonObject:
    return {
        "image": printable(facts.image),
        "size_bytes": facts.size_bytes,
        "pull_bytes": facts.pull_bytes,
        "layer_count": facts.layer_count,
        "build_seconds": facts.build_seconds,
        "smoke": {
            "exit_code": facts.smoke.exit_code,
            "timed_out": facts.smoke.timed_out,
            "seconds": facts.smoke.seconds,
            "stdout_tail": [printable(line) for line in facts.smoke.stdout_tail],
            "stderr_tail": [printable(line) for line in facts.smoke.stderr_tail],
            "http_status": facts.smoke.http_status,
        },
    }


def to_json_model(report: OptimizeReport) -> JsonObject:
    """The JSON model of ``report`` (plain dicts, lists and scalars)."""
    return {
        **header(SCHEMA_VERSION),
        "dockerfile": path_text(report.dockerfile),
        "context_dir": path_text(report.context_dir),
        "optimized_dockerfile": path_text(report.optimized_dockerfile),
        "target": report.target,
        "builder": report.builder,
        "original": _image_json(report.original),
        "optimized": _image_json(report.optimized),
        "saved_bytes": report.saved_bytes,
        "saved_fraction": round(report.saved_fraction, 4),
        "smoke_command": [printable(word) for word in report.smoke_command],
        "probe": (
            {"path": report.probe.path, "port": report.probe.port}
            if report.probe is not None
            else None
        ),
        "expect": opt_text(report.expect),
        "verified": report.verified,
        "verdict": printable(report.verdict),
        "causes": [
            {
                "cause": c.cause,
                "title": c.title,
                "before_bytes": c.before_bytes,
                "after_bytes": c.after_bytes,
            }
            for c in report.causes
        ],
        "changes": [change_json(c) for c in report.changes],
        "lint": {
            "finding_count": report.lint.finding_count,
            "codes": [{"code": c.code, "count": c.count} for c in report.lint.codes],
            "saving_bytes": report.lint.saving_bytes,
        },
        "files_written": [path_text(p) for p in report.files_written],
        "images_kept": report.images_kept,
        "repairs": [notice(n) for n in report.repairs],
        "diff": None if report.diff is None else diff_json(report.diff),
    }


def render_json(report: OptimizeReport, look: Look) -> str:
    """``report`` as deterministic JSON text (sorted keys, indent 2, UTF-8 kept)."""
    del look  # JSON does not depend on the terminal
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    """The JSON Schema of :func:`to_json_model`'s output, as shipped in the package."""
    return read_schema(SCHEMA_RESOURCE)
