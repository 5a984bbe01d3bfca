"""The inspect report as a :class:`~jettison.render.document.Document`, and drawn.

:func:`build_document` decides the content once; the terminal and the Markdown report only
draw it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from jettison.inspect.report import (
    Attribution,
    BudgetResult,
    HiddenPath,
    InspectReport,
    LayerSummary,
    OwnerBytes,
    PathBytes,
    RemovableCause,
    Shadowed,
)
from jettison.render.document import (
    Block,
    Column,
    Document,
    Fields,
    Line,
    Paragraph,
    Section,
    Span,
    Table,
    Tone,
    code,
    dim,
    line,
    span,
)
from jettison.render.look import Look
from jettison.render.text import (
    DIVE_LABEL,
    ellipsize,
    image_path,
    shorten_instruction,
)
from jettison.units import (
    count,
    exact_bytes,
    fraction_percent,
    human_bytes,
    percent,
)

TOP_OWNERS = 15
TOP_CAUSE_ITEMS = 5
TOP_HIDDEN = 10
TOP_INEFFICIENT = 10
TOP_SKIPPED = 5
CUDA_OWNERS_SHOWN = 3
LAYERS_BROKEN_DOWN = 3
"""The largest layers get a breakdown by owner."""
OWNERS_PER_LAYER = 6
INSTRUCTION_CHARS = 120
EFFICIENCY_DECIMALS = 4


def _size(size_bytes: int) -> Line:
    return line(human_bytes(size_bytes))


def _more(n: int, noun: str) -> str:
    return f"… {count(n)} more {noun}"


def _layer(index: int) -> Line:
    return line(f"#{index}")


def _exec_form(args: tuple[str, ...] | None) -> Line:
    if args is None:
        return dim("not set")
    return code(json.dumps(list(args), ensure_ascii=False))


def runs_as_root(user: str | None) -> bool:
    """Whether the container's process starts as root (an empty USER means root)."""
    name = (user or "").partition(":")[0].strip()
    return name in ("", "root", "0")


def _joined(spans: Iterable[Span], separator: str = ", ") -> Line:
    out: list[Span] = []
    for item in spans:
        if out:
            out.append(span(separator))
        out.append(item)
    return tuple(out)


# --------------------------------------------------------------------------- sections


def _header(report: InspectReport) -> Section:
    user: Line
    if runs_as_root(report.user):
        shown = report.user if report.user else "root"
        note = " (running as root)" if report.user else " (USER not set: running as root)"
        user = (span(shown, Tone.BAD, code=True), span(note, Tone.BAD))
    else:
        user = code(report.user or "")
    tags = _joined(span(tag, code=True) for tag in report.tags) or dim("none")
    return Section(
        "Image",
        (
            Fields(
                (
                    ("Reference", code(report.reference)),
                    ("Source", line(report.source_kind)),
                    ("Platform", line(report.platform) if report.platform else dim("unknown")),
                    *(("Read as", line(note.message)) for note in report.notes),
                    ("Tags", tags),
                    ("Entrypoint", _exec_form(report.entrypoint)),
                    ("Cmd", _exec_form(report.cmd)),
                    ("User", user),
                )
            ),
        ),
    )


def _totals(report: InspectReport) -> Section:
    if report.pull_bytes is None:
        pull: Line = (
            span("unknown: layers stored uncompressed (--estimate-pull gzips them)", Tone.DIM),
        )
    elif report.pull_bytes_estimated:
        pull = (
            span(human_bytes(report.pull_bytes)),
            span(" (estimated: uncompressed layers gzipped as a push would)", Tone.DIM),
        )
    else:
        pull = _size(report.pull_bytes)
    empty = sum(1 for layer in report.layers if layer.index is None)
    steps = count(len(report.layers) - empty)
    if empty:
        steps += f" (+{count(empty)} empty history steps)"
    return Section(
        "Totals",
        (
            Fields(
                (
                    ("Image size", _size(report.size_bytes)),
                    ("Pull size", pull),
                    ("Final filesystem", _size(report.final_bytes)),
                    ("Layers", line(steps)),
                )
            ),
        ),
    )


def _layer_row(layer: LayerSummary) -> tuple[Line, ...]:
    instruction = ellipsize(shorten_instruction(layer.created_by), INSTRUCTION_CHARS)
    if layer.index is None:
        return (dim("-"), dim(instruction), dim("0 B"), dim("-"), dim("-"))
    if layer.compressed_bytes is not None:
        compressed = _size(layer.compressed_bytes)
    elif layer.estimated_gzip_bytes is not None:
        compressed = dim(f"~{human_bytes(layer.estimated_gzip_bytes)}")
    else:
        compressed = dim("-")
    return (
        line(str(layer.index)),
        code(instruction),
        _size(layer.size_bytes),
        compressed,
        line(count(layer.file_count)),
    )


def _layers(report: InspectReport) -> Section:
    columns = (
        Column("#", numeric=True),
        Column("Instruction", overflow="ellipsis"),
        Column("Size", numeric=True),
        Column("Compressed", numeric=True),
        Column("Files", numeric=True),
    )
    total = (
        line(""),
        line("total"),
        _size(report.size_bytes),
        _size(report.pull_bytes) if report.pull_bytes is not None else dim("-"),
        line(count(sum(layer.file_count for layer in report.layers))),
    )
    rows = tuple(_layer_row(layer) for layer in report.layers)
    return Section("Layers", (Table(columns, rows, total),))


def _owner_row(owner: OwnerBytes, whole: int) -> tuple[Line, ...]:
    return (
        line(owner.kind),
        code(owner.name) if owner.kind == "unowned" else line(owner.name),
        line(owner.version) if owner.version else dim("-"),
        _size(owner.size_bytes),
        line(count(owner.file_count)),
        line(percent(owner.size_bytes, whole)),
    )


def _owners(attribution: Attribution) -> Section:
    whole = attribution.total_bytes
    shown = attribution.owners[:TOP_OWNERS]
    rest = attribution.owners[TOP_OWNERS:]
    rows = [_owner_row(owner, whole) for owner in shown]
    if rest:
        rest_bytes = sum(o.size_bytes for o in rest)
        rows.append(
            (
                dim(""),
                dim(_more(len(rest), "owners")),
                dim(""),
                dim(human_bytes(rest_bytes)),
                dim(count(sum(o.file_count for o in rest))),
                dim(percent(rest_bytes, whole)),
            )
        )
    columns = (
        Column("Kind"),
        Column("Name", overflow="fold"),
        Column("Version", overflow="fold"),
        Column("Size", numeric=True),
        Column("Files", numeric=True),
        Column("Share", numeric=True),
    )
    return Section(
        f"Top owners (of {count(len(attribution.owners))}, share of final filesystem)",
        (Table(columns, tuple(rows)),),
    )


def _layer_owners(report: InspectReport) -> Section | None:
    """Who fills the largest layers: e.g. the pip layer is torch plus nvidia-* wheels."""
    per_layer: dict[int, list[tuple[int, OwnerBytes]]] = {}
    for owner in report.attribution.owners:
        for index, size in owner.layer_bytes:
            per_layer.setdefault(index, []).append((size, owner))
    sized = sorted(
        (layer for layer in report.layers if layer.index is not None and layer.size_bytes),
        key=lambda layer: (-layer.size_bytes, layer.index or 0),
    )[:LAYERS_BROKEN_DOWN]
    rows: list[tuple[Line, ...]] = []
    for layer in sorted(sized, key=lambda layer: layer.index or 0):
        assert layer.index is not None
        holders = sorted(
            per_layer.get(layer.index, []), key=lambda p: (-p[0], p[1].kind, p[1].name)
        )
        instruction = ellipsize(shorten_instruction(layer.created_by), INSTRUCTION_CHARS // 2)
        for rank, (size, owner) in enumerate(holders[:OWNERS_PER_LAYER]):
            rows.append(
                (
                    _layer(layer.index) if rank == 0 else line(""),
                    code(instruction) if rank == 0 else line(""),
                    line(f"{owner.kind}:{owner.name}"),
                    _size(size),
                    line(percent(size, layer.size_bytes)),
                )
            )
        rest = holders[OWNERS_PER_LAYER:]
        if rest:
            rows.append(
                (
                    line(""),
                    line(""),
                    dim(_more(len(rest), "owners")),
                    dim(human_bytes(sum(size for size, _ in rest))),
                    dim(percent(sum(size for size, _ in rest), layer.size_bytes)),
                )
            )
    if not rows:
        return None
    columns = (
        Column("#", numeric=True),
        Column("Instruction", overflow="ellipsis"),
        Column("Owner", overflow="fold"),
        Column("Size", numeric=True),
        Column("Of layer", numeric=True),
    )
    return Section("Largest layers, by owner (bytes still visible)", (Table(columns, tuple(rows)),))


def _cuda(attribution: Attribution) -> Section | None:
    if not attribution.cuda:
        return None
    whole = attribution.total_bytes

    def held_by(owners: Sequence[str]) -> Line:
        spans = [span(name) for name in owners[:CUDA_OWNERS_SHOWN]]
        if len(owners) > CUDA_OWNERS_SHOWN:
            spans.append(span(f"+{len(owners) - CUDA_OWNERS_SHOWN} more", Tone.DIM))
        return _joined(spans) or dim("-")

    rows = tuple(
        (
            line(family.family),
            _size(family.size_bytes),
            line(count(family.file_count)),
            line(percent(family.size_bytes, whole)),
            held_by(family.owners),
        )
        for family in attribution.cuda
    )
    total = (
        line("total"),
        _size(attribution.cuda_bytes),
        line(count(sum(f.file_count for f in attribution.cuda))),
        line(percent(attribution.cuda_bytes, whole)),
        line(""),
    )
    columns = (
        Column("Family"),
        Column("Size", numeric=True),
        Column("Files", numeric=True),
        Column("Share", numeric=True),
        Column("Held by"),
    )
    return Section("CUDA / NVIDIA libraries", (Table(columns, rows, total),))


def _path_row(item: PathBytes) -> tuple[Line, ...]:
    return (
        code(image_path(item.path)),
        _size(item.size_bytes),
        _layer(item.layer_index),
        line(item.owner) if item.owner else dim("-"),
    )


def _cause_detail(cause: RemovableCause, final_bytes: int) -> Section:
    blocks: list[Block] = [
        Paragraph(
            line(
                f"{human_bytes(cause.size_bytes)} in {count(cause.file_count)} files "
                f"({percent(cause.size_bytes, final_bytes)} of the final filesystem)"
            )
        )
    ]
    if cause.top:
        columns = (
            Column("Path", overflow="fold"),
            Column("Size", numeric=True),
            Column("Layer", numeric=True),
            Column("Owner", overflow="fold"),
        )
        rows = [_path_row(item) for item in cause.top[:TOP_CAUSE_ITEMS]]
        hidden = len(cause.top) - TOP_CAUSE_ITEMS
        if hidden > 0:
            rows.append((dim(_more(hidden, "items")), dim(""), dim(""), dim("")))
        blocks.append(Table(columns, tuple(rows)))
    blocks.append(Paragraph((span("Advice: ", Tone.STRONG), span(cause.advice))))
    return Section(f"{cause.cause}: {cause.title}", tuple(blocks), level=3)


def _removable(report: InspectReport) -> list[Section]:
    if not report.removable:
        return [Section("Removable", (Paragraph(line("Nothing removable was found.")),))]
    final = report.final_bytes
    saved = report.removable_bytes
    rows = tuple(
        (
            code(cause.cause),
            line(cause.title),
            _size(cause.size_bytes),
            line(count(cause.file_count)),
            line(percent(cause.size_bytes, final)),
        )
        for cause in report.removable
    )
    total = (
        line("could save"),
        line(""),
        _size(saved),
        line(count(sum(c.file_count for c in report.removable))),
        line(percent(saved, final)),
    )
    columns = (
        Column("Cause"),
        Column("What", overflow="fold"),
        Column("Size", numeric=True),
        Column("Files", numeric=True),
        Column("Share", numeric=True),
    )
    summary = Paragraph(
        (
            span(f"Could save {human_bytes(saved)}", Tone.STRONG),
            span(f" ({percent(saved, final)} of the final filesystem)"),
        )
    )
    details = [
        _cause_detail(cause, final) for cause in report.removable if cause.size_bytes or cause.top
    ]
    return [Section("Removable, by cause", (summary, Table(columns, rows, total))), *details]


def _hidden_row(item: HiddenPath) -> tuple[Line, ...]:
    return (
        code(image_path(item.path)),
        _size(item.size_bytes),
        _layer(item.layer_index),
        _layer(item.by_layer),
        line(item.cause),
    )


def _shadowed(shadowed: Shadowed) -> Section:
    title = "Shadowed (shipped, then hidden by a later layer)"
    if not shadowed.size_bytes and not shadowed.top:
        return Section(title, (Paragraph(line("No layer hides bytes of an earlier one.")),))
    blocks: list[Block] = [
        Paragraph(
            (
                span(human_bytes(shadowed.size_bytes), Tone.STRONG),
                span(
                    f" in {count(shadowed.file_count)} files are shipped in a layer but hidden "
                    "by a later overwrite, delete or opaque directory."
                ),
            )
        )
    ]
    if shadowed.by_layer:
        by_layer = _joined(
            span(f"#{index} {human_bytes(size)}") for index, size in shadowed.by_layer
        )
        blocks.append(Paragraph((span("Shipped by layer: "), *by_layer)))
    if shadowed.top:
        columns = (
            Column("Hidden path", overflow="fold"),
            Column("Size", numeric=True),
            Column("Layer", numeric=True),
            Column("Hidden by", numeric=True),
            Column("Cause"),
        )
        rows = [_hidden_row(item) for item in shadowed.top[:TOP_HIDDEN]]
        more = len(shadowed.top) - TOP_HIDDEN
        if more > 0:
            rows.append((dim(_more(more, "paths")), *(dim("") for _ in range(4))))
        blocks.append(Table(columns, tuple(rows)))
    return Section(title, tuple(blocks))


def _both(size_bytes: int, note: str = "") -> Line:
    """A size readable and to the byte, for numbers users compare with dive's output."""
    return line(f"{human_bytes(size_bytes)} ({exact_bytes(size_bytes)}){note}")


def _dive(report: InspectReport) -> Section:
    dive = report.dive
    score = fraction_percent(dive.efficiency_score, EFFICIENCY_DECIMALS)
    fields = Fields(
        (
            ("Efficiency score", line(score)),
            ("Wasted bytes", _both(dive.wasted_bytes)),
            ("Image size", _both(dive.size_bytes)),
            ("User size", _both(dive.user_size_bytes, ", all layers but the first")),
        )
    )
    blocks: list[Block] = [fields]
    if dive.inefficient_paths:
        columns = (
            Column("Count", numeric=True),
            Column("Wasted", numeric=True),
            Column("Path", overflow="fold"),
        )
        rows = [
            (line(count(p.count)), _size(p.size_bytes), code(image_path(p.path)))
            for p in dive.inefficient_paths[:TOP_INEFFICIENT]
        ]
        more = len(dive.inefficient_paths) - TOP_INEFFICIENT
        if more > 0:
            rows.append((dim(""), dim(""), dim(_more(more, "inefficient paths"))))
        blocks.append(Table(columns, tuple(rows)))
    else:
        blocks.append(Paragraph(line("No inefficient paths.")))
    return Section(DIVE_LABEL, tuple(blocks))


def _budget_row(budget: BudgetResult) -> tuple[Line, ...]:
    status = span("PASS", Tone.GOOD) if budget.ok else span("FAIL", Tone.BAD)
    return ((status,), line(budget.name), line(budget.actual), line(budget.limit))


def _budgets(budgets: Sequence[BudgetResult]) -> Section | None:
    if not budgets:
        return None
    failed = sum(1 for b in budgets if not b.ok)
    verdict = (
        span(f"{failed} of {len(budgets)} budgets failed", Tone.BAD)
        if failed
        else span(f"All {len(budgets)} budgets passed", Tone.GOOD)
    )
    columns = (Column("Status"), Column("Budget"), Column("Actual"), Column("Limit"))
    rows = tuple(_budget_row(b) for b in budgets)
    return Section("Budgets", (Table(columns, rows), Paragraph((verdict,))))


def _skipped(report: InspectReport) -> Section | None:
    if not report.skipped:
        return None
    rows = [
        (
            code(item.subject or ""),
            line(item.message),
            _layer(item.layer) if item.layer is not None else dim("-"),
        )
        for item in report.skipped[:TOP_SKIPPED]
    ]
    more = len(report.skipped) - TOP_SKIPPED
    if more > 0:
        rows.append((dim(f"{_more(more, 'items')} (all in the JSON report)"), dim(""), dim("")))
    columns = (Column("What", overflow="fold"), Column("Reason"), Column("Layer", numeric=True))
    noun = "item" if len(report.skipped) == 1 else "items"
    intro = Paragraph(
        line(
            f"{count(len(report.skipped))} {noun} could not be analysed; the numbers above "
            "leave them out."
        )
    )
    return Section("Notice", (intro, Table(columns, tuple(rows))))


def build_document(report: InspectReport) -> Document:
    """The human-readable content of ``report``, section by section."""
    sections: list[Section | None] = [
        _header(report),
        _totals(report),
        _layers(report),
        _layer_owners(report),
        _owners(report.attribution),
        _cuda(report.attribution),
        *_removable(report),
        _shadowed(report.shadowed),
        _dive(report),
        _budgets(report.budgets),
        _skipped(report),
    ]
    title = (
        span("jettison report: ", Tone.STRONG),
        span(report.reference, Tone.STRONG, code=True),
    )
    return Document(title, tuple(s for s in sections if s is not None))


def render_tty(report: InspectReport, look: Look) -> str:
    """``report`` as a terminal report ``look.width`` columns wide, coloured if ``look.color``."""
    from jettison.render.tty import render_document  # rich only when drawing for a terminal

    return render_document(build_document(report), width=look.width, color=look.color)


def render_markdown(report: InspectReport, look: Look) -> str:
    """``report`` as GitHub-flavoured Markdown (headings from ``##`` down)."""
    from jettison.render.markdown import render_document

    del look  # Markdown does not depend on the terminal
    return render_document(build_document(report))
