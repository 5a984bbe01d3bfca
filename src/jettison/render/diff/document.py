"""The diff report as a :class:`~jettison.render.document.Document`, and drawn.

:func:`build_document` decides the content once (which rows, how numbers read, where the
list is cut and summed as "and K more"); the terminal and the Markdown report only draw it.
The Markdown report is made to fit a pull-request comment: fewer rows per table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from jettison.diff.model import (
    NOT_CUDA,
    NOT_REMOVABLE,
    CauseChange,
    CudaChange,
    DiffReport,
    FileChange,
    LayerChange,
    OwnerChange,
)
from jettison.render.document import (
    Column,
    Document,
    Fields,
    Line,
    Paragraph,
    Section,
    Table,
    Tone,
    code,
    dim,
    line,
    span,
)
from jettison.render.look import Look
from jettison.render.text import ellipsize, image_path, shorten_instruction
from jettison.units import count, human_bytes, plural

Row = TypeVar("Row")
INSTRUCTION_CHARS = 70


@dataclass(frozen=True, slots=True)
class Limits:
    """How many rows each table lists before "and K more"."""

    owners: int
    files: int
    layers: int


TTY_LIMITS = Limits(owners=25, files=20, layers=40)
MARKDOWN_LIMITS = Limits(owners=10, files=10, layers=12)


def signed_bytes(delta: int) -> str:
    """``+12.3 MB``, ``-1.2 GB``, ``0 B``."""
    if delta > 0:
        return f"+{human_bytes(delta)}"
    return human_bytes(delta)


def _delta(delta: int) -> Line:
    tone = Tone.BAD if delta > 0 else Tone.GOOD if delta < 0 else Tone.DIM
    return (span(signed_bytes(delta), tone),)


def _size(size_bytes: int) -> Line:
    return line(human_bytes(size_bytes)) if size_bytes else dim("-")


def change_summary(report: DiffReport) -> str:
    """``1.36 GB -> 222 MB (-1.14 GB, -83.7%)``."""
    before, after = report.before.size_bytes, report.after.size_bytes
    share = f", {report.size_delta_bytes / before:+.1%}" if before else ""
    return (
        f"{human_bytes(before)} -> {human_bytes(after)} "
        f"({signed_bytes(report.size_delta_bytes)}{share})"
    )


def owner_label(kind: str, name: str) -> str:
    """``numpy (python)``, ``libc6 (debian)``, ``/app (unattributed)``."""
    if kind == "unowned":
        return f"{image_path(name)} (unattributed)"
    return f"{name} ({kind})"


def _version(owner: OwnerChange) -> Line:
    a, b = owner.before_version, owner.after_version
    if a and b and a != b:
        return line(f"{a} -> {b}")
    known = b or a
    return line(known) if known else dim("-")


def _cut(
    rows: Sequence[Row], limit: int, draw: Callable[[Row], tuple[Line, ...]]
) -> tuple[list[tuple[Line, ...]], Sequence[Row]]:
    return [draw(row) for row in rows[:limit]], rows[limit:]


def _more_row(width: int, label: str, delta: int, at: int) -> tuple[Line, ...]:
    cells: list[Line] = [dim("") for _ in range(width)]
    cells[1] = dim(label)
    cells[at] = _delta(delta) if delta else dim("0 B")
    return tuple(cells)


def _summary(report: DiffReport) -> Section:
    a, b = report.before, report.after
    shared = sum(1 for layer in report.layers if layer.status == "shared")
    added = sum(1 for layer in report.layers if layer.status == "added")
    removed = sum(1 for layer in report.layers if layer.status == "removed")
    items: list[tuple[str, Line]] = [
        ("Before", code(a.reference)),
        ("After", code(b.reference)),
        ("Image size", line(change_summary(report))),
        (
            "Final filesystem",
            (
                span(f"{human_bytes(a.final_bytes)} -> {human_bytes(b.final_bytes)} ("),
                *_delta(report.final_delta_bytes),
                span(")"),
            ),
        ),
        (
            "Removable",
            (
                span(f"{human_bytes(a.removable_bytes)} -> {human_bytes(b.removable_bytes)} ("),
                *_delta(b.removable_bytes - a.removable_bytes),
                span(")"),
            ),
        ),
        (
            "Layers",
            line(f"{count(shared)} shared, {count(added)} added, {count(removed)} removed"),
        ),
        (
            "Packages",
            line(
                f"{count(len(report.owners))} changed, "
                f"{count(report.unchanged_owner_count)} unchanged"
            ),
        ),
        ("Files", line(f"{count(report.changed_file_count)} changed")),
    ]
    if report.gate is not None:
        gate = report.gate
        verdict = "ok" if gate.ok else "FAILED"
        items.append(
            (
                "Gate",
                (
                    span(f"grown by at most {gate.limit}: ", Tone.PLAIN),
                    span(
                        f"{verdict} ({signed_bytes(gate.actual_growth_bytes)})",
                        Tone.GOOD if gate.ok else Tone.BAD,
                    ),
                ),
            )
        )
    return Section("Summary", (Fields(tuple(items)),))


def _owner_row(owner: OwnerChange) -> tuple[Line, ...]:
    tone = {"added": Tone.BAD, "removed": Tone.GOOD}.get(owner.change, Tone.PLAIN)
    return (
        (span(owner.change, tone),),
        line(owner_label(owner.kind, owner.name)),
        _version(owner),
        _size(owner.before_bytes),
        _size(owner.after_bytes),
        _delta(owner.delta_bytes),
    )


def _owners(report: DiffReport, limit: int) -> Section:
    columns = (
        Column("Status"),
        Column("Package or directory", overflow="fold"),
        Column("Version", overflow="fold"),
        Column("Before", numeric=True),
        Column("After", numeric=True),
        Column("Change", numeric=True),
    )
    rows, rest = _cut(report.owners, limit, _owner_row)
    if rest:
        label = f"… and {count(len(rest))} more"
        rows.append(_more_row(len(columns), label, sum(o.delta_bytes for o in rest), 5))
    total = (dim(""), line("total"), dim(""), dim(""), dim(""), _delta(report.final_delta_bytes))
    blocks: list[Table | Paragraph] = [Table(columns, tuple(rows), total)]
    if report.unchanged_owner_count:
        blocks.append(Paragraph(dim(f"{plural(report.unchanged_owner_count, 'owner')} unchanged.")))
    return Section("Packages (Python distributions, Debian packages)", tuple(blocks))


def _cause_row(cause: CauseChange) -> tuple[Line, ...]:
    name = line("not removable") if cause.cause == NOT_REMOVABLE else code(cause.cause)
    return (name, _size(cause.before_bytes), _size(cause.after_bytes), _delta(cause.delta_bytes))


def _causes(report: DiffReport) -> Section:
    shown = [c for c in report.causes if c.before_bytes or c.after_bytes]
    columns = (
        Column("Cause"),
        Column("Before", numeric=True),
        Column("After", numeric=True),
        Column("Change", numeric=True),
    )
    total = (line("total"), dim(""), dim(""), _delta(report.final_delta_bytes))
    return Section(
        "Removable bytes, by cause", (Table(columns, tuple(map(_cause_row, shown)), total),)
    )


def _cuda_row(family: CudaChange) -> tuple[Line, ...]:
    name = line("not CUDA") if family.family == NOT_CUDA else code(family.family)
    return (name, _size(family.before_bytes), _size(family.after_bytes), _delta(family.delta_bytes))


def _cuda(report: DiffReport) -> Section:
    columns = (
        Column("Family"),
        Column("Before", numeric=True),
        Column("After", numeric=True),
        Column("Change", numeric=True),
    )
    total = (line("total"), dim(""), dim(""), _delta(report.final_delta_bytes))
    rows = tuple(map(_cuda_row, report.cuda))
    return Section("CUDA library families", (Table(columns, rows, total),))


def _layer_row(layer: LayerChange) -> tuple[Line, ...]:
    tone = {"added": Tone.BAD, "removed": Tone.GOOD}.get(layer.status, Tone.DIM)
    index = layer.after_index if layer.after_index is not None else layer.before_index
    where = (
        f"#{index}"
        if layer.status != "shared" or layer.before_index == index
        else (f"#{layer.before_index} -> #{layer.after_index}")
    )
    return (
        (span(layer.status, tone),),
        line(where),
        code(ellipsize(shorten_instruction(layer.created_by), INSTRUCTION_CHARS)),
        line(human_bytes(layer.size_bytes)),
        _delta(layer.delta_bytes),
    )


def _layers(report: DiffReport, limit: int) -> Section:
    columns = (
        Column("Status"),
        Column("Layer"),
        Column("Instruction", overflow="ellipsis"),
        Column("Size", numeric=True),
        Column("Change", numeric=True),
    )
    rows, rest = _cut(report.layers, limit, _layer_row)
    if rest:
        label = f"… and {plural(len(rest), 'more layer')}"
        rows.append(_more_row(len(columns), label, sum(x.delta_bytes for x in rest), 4))
    total = (line("total"), dim(""), dim(""), dim(""), _delta(report.size_delta_bytes))
    return Section(
        "Layers (shared: the same bytes in both images)", (Table(columns, tuple(rows), total),)
    )


def _file_row(item: FileChange) -> tuple[Line, ...]:
    kind, _, name = item.owner.partition(":")
    return (
        line(item.change),
        code(image_path(item.path)),
        line(owner_label(kind, name)),
        code(item.cause) if item.cause else dim("-"),
        _delta(item.delta_bytes),
    )


def _files(report: DiffReport, limit: int) -> Section:
    columns = (
        Column("Status"),
        Column("Path", overflow="fold"),
        Column("Owner", overflow="fold"),
        Column("Cause"),
        Column("Change", numeric=True),
    )
    rows, rest = _cut(report.files, limit, _file_row)
    hidden = len(rest) + report.files_rest.file_count
    if hidden:
        delta = sum(f.delta_bytes for f in rest) + report.files_rest.delta_bytes
        label = f"… and {plural(hidden, 'more file')}"
        rows.append(_more_row(len(columns), label, delta, 4))
    total = (line("total"), dim(""), dim(""), dim(""), _delta(report.final_delta_bytes))
    return Section("Largest changed files", (Table(columns, tuple(rows), total),))


def change_sections(report: DiffReport, limits: Limits = MARKDOWN_LIMITS) -> tuple[Section, ...]:
    """The packages and the largest files that changed: what other reports (optimize) add
    to say what was removed and why."""
    sections = []
    if report.owners:
        sections.append(_owners(report, limits.owners))
    if report.changed_file_count:
        sections.append(_files(report, limits.files))
    return tuple(sections)


def build_document(report: DiffReport, limits: Limits = TTY_LIMITS) -> Document:
    """What the terminal and Markdown reports say about ``report``."""
    if report.identical:
        title = line(
            span("jettison diff: ", Tone.STRONG),
            span("no change", Tone.GOOD),
            span(f" ({human_bytes(report.after.size_bytes)}, identical layers)"
                 if all(x.status == "shared" for x in report.layers)
                 else f" ({human_bytes(report.after.size_bytes)})"),
        )  # fmt: skip
        return Document(title, (_summary(report),))
    title = line(span("jettison diff: ", Tone.STRONG), span(change_summary(report)))
    sections = [_summary(report)]
    if report.owners:
        sections.append(_owners(report, limits.owners))
    sections.append(_causes(report))
    if report.cuda:
        sections.append(_cuda(report))
    sections.append(_layers(report, limits.layers))
    if report.changed_file_count:
        sections.append(_files(report, limits.files))
    return Document(title, tuple(sections))


def render_tty(report: DiffReport, look: Look) -> str:
    """``report`` as a terminal report ``look.width`` columns wide, coloured if ``look.color``."""
    from jettison.render.tty import render_document  # rich only when drawing for a terminal

    return render_document(build_document(report), width=look.width, color=look.color)


def render_markdown(report: DiffReport, look: Look) -> str:
    """``report`` as GitHub-flavoured Markdown, short enough for a pull-request comment."""
    from jettison.render.markdown import render_document

    del look
    return render_document(build_document(report, MARKDOWN_LIMITS))
