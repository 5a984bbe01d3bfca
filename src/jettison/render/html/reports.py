"""The HTML renderers the registry names: inspect, diff, optimize and plan.

Each is ``render(report, look) -> str`` and pure, like every renderer; the page, tables and
treemap are :mod:`.page`'s and :mod:`.treemap`'s.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from jettison.diff.model import NOT_CUDA, NOT_REMOVABLE, DiffReport
from jettison.inspect.report import InspectReport
from jettison.inspect.tree import ByteTree
from jettison.optimize.report import OptimizeReport
from jettison.plan.model import PlanReport, ServiceMeasure
from jettison.render.diff.document import change_summary, owner_label, signed_bytes
from jettison.render.html.page import Cell, Column, Figure, View, legend_html, page, table
from jettison.render.html.treemap import treemap_svg
from jettison.render.look import Look
from jettison.render.text import image_path, shorten_instruction
from jettison.units import count, fraction_percent, human_bytes, percent

MAX_ROWS = 400
"""Rows per table; the rest are summed in one row."""


def _size(n: int) -> Cell:
    return Cell(human_bytes(n) if n else "-", n)


def _delta(n: int, largest: int) -> Cell:
    css = "bad" if n > 0 else "good" if n < 0 else "muted"
    return Cell(signed_bytes(n), n, css, abs(n) / largest if largest else None)


def treemap_block(tree: ByteTree | None, what: str) -> str:
    if tree is None:
        return f'<p class="note">No byte tree was computed for {escape(what)}.</p>'
    return (
        f"<h2>Where the bytes of {escape(what)} are</h2>"
        '<p class="note">Layer &gt; package &gt; directory &gt; file; area by bytes, colour by '
        "removable cause. Hover for details. Files smaller than "
        f"{escape(human_bytes(tree.min_node_bytes))} are grouped per directory and cause.</p>"
        f"{legend_html()}{treemap_svg(tree)}"
    )


# --------------------------------------------------------------------------- inspect


def _owners_table(report: InspectReport) -> str:
    owners = report.attribution.owners
    whole = report.attribution.total_bytes
    largest = owners[0].size_bytes if owners else 0
    rows = [
        [
            Cell(owner_label(o.kind, o.name)),
            Cell(o.kind),
            Cell(o.version or "-"),
            Cell(human_bytes(o.size_bytes), o.size_bytes, "", o.size_bytes / largest),
            Cell(count(o.file_count), o.file_count),
            Cell(percent(o.size_bytes, whole), o.size_bytes),
        ]
        for o in owners[:MAX_ROWS]
    ]
    rest = owners[MAX_ROWS:]
    if rest:
        size = sum(o.size_bytes for o in rest)
        rows.append(
            [
                Cell(f"… and {count(len(rest))} more", ""),
                Cell(""),
                Cell(""),
                _size(size),
                Cell(count(sum(o.file_count for o in rest)), 0),
                Cell(percent(size, whole), 0),
            ]
        )
    columns = (
        Column("Package or directory"),
        Column("Kind"),
        Column("Version"),
        Column("Size", numeric=True),
        Column("Files", numeric=True),
        Column("Share", numeric=True),
    )
    total = [Cell("total"), Cell(""), Cell(""), _size(whole), Cell(""), Cell("")]
    return table(columns, rows, key="owners", total=total)


def _causes_table(report: InspectReport) -> str:
    largest = max((c.size_bytes for c in report.removable), default=0)
    rows = [
        [
            Cell(c.cause),
            Cell(c.title),
            Cell(human_bytes(c.size_bytes), c.size_bytes, "", c.size_bytes / (largest or 1)),
            Cell(count(c.file_count), c.file_count),
            Cell(percent(c.size_bytes, report.final_bytes), c.size_bytes),
            Cell(c.advice),
        ]
        for c in report.removable
    ]
    columns = (
        Column("Cause", code=True),
        Column("What"),
        Column("Size", numeric=True),
        Column("Files", numeric=True),
        Column("Share", numeric=True),
        Column("How to fix"),
    )
    total = [
        Cell("could save"),
        Cell(""),
        _size(report.removable_bytes),
        Cell(count(sum(c.file_count for c in report.removable)), 0),
        Cell(percent(report.removable_bytes, report.final_bytes), 0),
        Cell(""),
    ]
    return table(columns, rows, key="causes", total=total)


def _layers_table(report: InspectReport) -> str:
    rows = [
        [
            Cell(f"#{layer.index}", layer.index),
            Cell(shorten_instruction(layer.created_by)),
            _size(layer.size_bytes),
            Cell(count(layer.file_count), layer.file_count),
        ]
        for layer in report.layers
        if layer.index is not None
    ]
    columns: Sequence[Column] = (
        Column("Layer"),
        Column("Instruction", code=True),
        Column("Size", numeric=True),
        Column("Files", numeric=True),
    )
    total = [Cell("total"), Cell(""), _size(report.size_bytes), Cell("")]
    return table(columns, rows, key="layers", total=total)


def inspect_figures(report: InspectReport) -> list[Figure]:
    return [
        Figure("Image size", human_bytes(report.size_bytes), "size", report.size_bytes),
        Figure("Final filesystem", human_bytes(report.final_bytes), "final", report.final_bytes),
        Figure(
            "Removable",
            f"{human_bytes(report.removable_bytes)} "
            f"({percent(report.removable_bytes, report.final_bytes)})",
            "removable",
            report.removable_bytes,
        ),
        Figure(
            "Shadowed",
            human_bytes(report.shadowed.size_bytes),
            "shadowed",
            report.shadowed.size_bytes,
        ),
        Figure(
            "Layers",
            count(sum(1 for x in report.layers if x.index is not None)),
            "layers",
        ),
        Figure(
            "dive efficiency",
            fraction_percent(report.dive.efficiency_score, 2),
            "efficiency",
            report.dive.efficiency_score,
        ),
    ]


def render_inspect_html(report: InspectReport, look: Look) -> str:
    del look
    body = (
        treemap_block(report.tree, "the image")
        + "<h2>Largest owners</h2>"
        + _owners_table(report)
        + "<h2>Removable, by cause</h2>"
        + _causes_table(report)
        + "<h2>Layers</h2>"
        + _layers_table(report)
    )
    return page(
        "jettison inspect",
        report.reference,
        inspect_figures(report),
        [View("image", "Image", body)],
    )


# --------------------------------------------------------------------------- diff


def diff_tables(report: DiffReport) -> str:
    """The diff as tables: summary sentence, packages, causes, CUDA, layers, files."""
    parts = [f'<p id="diff-summary">Image size {escape(change_summary(report))}.</p>']
    if report.identical:
        parts.append('<p class="verdict good">No change: the images hold the same bytes.</p>')
        return "".join(parts)
    parts += [_owners(report), _causes(report), _cuda(report), _layers(report)]
    if report.changed_file_count:
        parts.append(_files(report))
    return "".join(parts)


def _change_css(change: str, otherwise: str = "") -> str:
    return {"added": "bad", "removed": "good"}.get(change, otherwise)


def _more(n: int, what: str, width: int, delta: Cell) -> list[Cell]:
    """The row that sums what a table leaves out: ``… and N more`` and its change."""
    return [Cell(""), Cell(f"… and {count(n)} more{what}"), *[Cell("")] * (width - 3), delta]


def _total(width: int, delta_bytes: int) -> list[Cell]:
    return [Cell("total"), *[Cell("")] * (width - 2), _delta(delta_bytes, 0)]


def _owners(report: DiffReport) -> str:
    largest = max((abs(o.delta_bytes) for o in report.owners), default=0)
    rows = [
        [
            Cell(o.change, None, _change_css(o.change)),
            Cell(owner_label(o.kind, o.name)),
            Cell(_versions(o.before_version, o.after_version)),
            _size(o.before_bytes),
            _size(o.after_bytes),
            _delta(o.delta_bytes, largest),
        ]
        for o in report.owners[:MAX_ROWS]
    ]
    rest = report.owners[MAX_ROWS:]
    if rest:
        rows.append(_more(len(rest), "", 6, _delta(sum(o.delta_bytes for o in rest), largest)))
    columns = (
        Column("Status"),
        Column("Package or directory"),
        Column("Version"),
        Column("Before", numeric=True),
        Column("After", numeric=True),
        Column("Change", numeric=True),
    )
    total = [Cell(""), Cell("total"), *[Cell("")] * 3, _delta(report.final_delta_bytes, 0)]
    return (
        f"<h2>Packages <span class=note>({count(report.unchanged_owner_count)} unchanged)"
        "</span></h2>" + table(columns, rows, key="diff-owners", total=total)
    )


_BEFORE_AFTER_CHANGE = (
    Column("Before", numeric=True),
    Column("After", numeric=True),
    Column("Change", numeric=True),
)


def _causes(report: DiffReport) -> str:
    shown = [c for c in report.causes if c.before_bytes or c.after_bytes]
    largest = max((abs(c.delta_bytes) for c in shown), default=0)
    rows = [
        [
            Cell("not removable" if c.cause == NOT_REMOVABLE else c.cause),
            _size(c.before_bytes),
            _size(c.after_bytes),
            _delta(c.delta_bytes, largest),
        ]
        for c in shown
    ]
    columns = (Column("Cause", code=True), *_BEFORE_AFTER_CHANGE)
    total = _total(4, report.final_delta_bytes)
    return "<h2>Removable bytes, by cause</h2>" + table(
        columns, rows, key="diff-causes", total=total
    )


def _cuda(report: DiffReport) -> str:
    if not report.cuda:
        return ""
    largest = max(abs(c.delta_bytes) for c in report.cuda)
    rows = [
        [
            Cell("not CUDA" if c.family == NOT_CUDA else c.family),
            _size(c.before_bytes),
            _size(c.after_bytes),
            _delta(c.delta_bytes, largest),
        ]
        for c in report.cuda
    ]
    columns = (Column("Family", code=True), *_BEFORE_AFTER_CHANGE)
    total = _total(4, report.final_delta_bytes)
    return "<h2>CUDA library families</h2>" + table(columns, rows, key="diff-cuda", total=total)


def _layers(report: DiffReport) -> str:
    largest = max((abs(x.delta_bytes) for x in report.layers), default=0)
    rows = [
        [
            Cell(x.status, None, _change_css(x.status, "muted")),
            Cell(_layer_where(x.before_index, x.after_index)),
            Cell(shorten_instruction(x.created_by)),
            _size(x.size_bytes),
            _delta(x.delta_bytes, largest),
        ]
        for x in report.layers
    ]
    columns = (
        Column("Status"),
        Column("Layer"),
        Column("Instruction", code=True),
        Column("Size", numeric=True),
        Column("Change", numeric=True),
    )
    total = _total(5, report.size_delta_bytes)
    return (
        "<h2>Layers <span class=note>(shared: the same bytes in both images)</span></h2>"
        + table(columns, rows, key="diff-layers", total=total)
    )


def _files(report: DiffReport) -> str:
    largest = max((abs(f.delta_bytes) for f in report.files), default=0)
    rows = [
        [
            Cell(f.change),
            Cell(image_path(f.path)),
            Cell(owner_label(*f.owner.split(":", 1))),
            Cell(f.cause or "-"),
            _delta(f.delta_bytes, largest),
        ]
        for f in report.files
    ]
    rest = report.files_rest
    if rest.file_count:
        rows.append(_more(rest.file_count, " files", 5, _delta(rest.delta_bytes, largest)))
    columns = (
        Column("Status"),
        Column("Path", code=True),
        Column("Owner"),
        Column("Cause", code=True),
        Column("Change", numeric=True),
    )
    total = _total(5, report.final_delta_bytes)
    return "<h2>Largest changed files</h2>" + table(columns, rows, key="diff-files", total=total)


def _versions(before: str | None, after: str | None) -> str:
    if before and after and before != after:
        return f"{before} → {after}"
    return after or before or "-"


def _layer_where(before: int | None, after: int | None) -> str:
    if before is not None and after is not None and before != after:
        return f"#{before} → #{after}"
    index = after if after is not None else before
    return f"#{index}"


def diff_figures(report: DiffReport, before: str = "Before", after: str = "After") -> list[Figure]:
    delta = report.size_delta_bytes
    figures = [
        Figure(before, human_bytes(report.before.size_bytes), "before", report.before.size_bytes),
        Figure(after, human_bytes(report.after.size_bytes), "after", report.after.size_bytes),
        Figure(
            "Change",
            signed_bytes(delta),
            "delta",
            delta,
            "bad" if delta > 0 else "good" if delta < 0 else "",
        ),
        Figure(
            "Final filesystem change",
            signed_bytes(report.final_delta_bytes),
            "final-delta",
            report.final_delta_bytes,
        ),
        Figure(
            "Removable",
            f"{human_bytes(report.before.removable_bytes)} → "
            f"{human_bytes(report.after.removable_bytes)}",
            "removable",
            report.after.removable_bytes,
        ),
    ]
    if report.gate is not None:
        ok = report.gate.ok
        figures.append(
            Figure(
                f"Gate (≤ {report.gate.limit})",
                "ok" if ok else "failed",
                "gate",
                None,
                "good" if ok else "bad",
            )
        )
    return figures


def diff_views(report: DiffReport, before: str = "Before", after: str = "After") -> list[View]:
    return [
        View("changes", "Changes", diff_tables(report)),
        View("after", after, treemap_block(report.after_tree, report.after.reference)),
        View("before", before, treemap_block(report.before_tree, report.before.reference)),
    ]


def render_diff_html(report: DiffReport, look: Look) -> str:
    del look
    subtitle = f"{report.before.reference} → {report.after.reference}"
    return page("jettison diff", subtitle, diff_figures(report), diff_views(report))


# --------------------------------------------------------------------------- optimize


def render_optimize_html(report: OptimizeReport, look: Look) -> str:
    del look
    ok = report.verified
    verdict = (
        f'<p><span class="verdict {"good" if ok else "bad"}">'
        f"{'verified' if ok else 'verification failed'}</span> {escape(report.verdict)}</p>"
    )
    changes = "".join(
        f"<li><code>{escape(c.code)}</code> {escape(c.description)}"
        + (
            f" <span class=note>(~{escape(human_bytes(c.saving_bytes))})</span>"
            if c.saving_bytes is not None
            else ""
        )
        + "</li>"
        for c in report.changes
    )
    fixes = f"<h2>Changes made by fix (target {escape(report.target)})</h2><ul>{changes}</ul>"
    figures = [
        Figure(
            "Original",
            human_bytes(report.original.size_bytes),
            "before",
            report.original.size_bytes,
        ),
        Figure(
            "Optimized",
            human_bytes(report.optimized.size_bytes),
            "after",
            report.optimized.size_bytes,
        ),
        Figure(
            "Smaller by",
            fraction_percent(report.saved_fraction),
            "saved",
            report.saved_bytes,
            "good" if report.saved_bytes > 0 else "",
        ),
        Figure(
            "Verification", "passed" if ok else "failed", "verified", None, "good" if ok else "bad"
        ),
    ]
    if report.diff is None:
        views = [View("changes", "Changes", verdict + fixes)]
    else:
        views = diff_views(report.diff, "Original", "Optimized")
        views[0] = View("changes", "Changes", verdict + diff_tables(report.diff) + fixes)
    subtitle = f"{report.dockerfile} → {report.optimized_dockerfile}"
    return page("jettison optimize", subtitle, figures, views)


# --------------------------------------------------------------------------- plan


def render_plan_html(report: PlanReport, look: Look) -> str:
    del look
    measured = report.measurement
    services = report.discovery.services
    figures = [Figure("Services", count(len(services)), "services", len(services))]
    views: list[View] = []
    if measured is None:
        rows = [
            [
                Cell(p.service),
                Cell(p.base_group),
                Cell(count(len(p.own)), len(p.own)),
                Cell(count(len(p.dropped)), len(p.dropped)),
            ]
            for p in report.split.services
        ]
        columns: Sequence[Column] = (
            Column("Service"),
            Column("Base"),
            Column("Own requirements", numeric=True),
            Column("Dropped", numeric=True),
        )
        body = (
            '<p class="note">Not measured: run <code>jettison plan --measure</code> to build '
            "every service before and after and see what changed.</p>"
            + table(columns, rows, key="plan-services")
        )
        return page("jettison plan", str(report.root), figures, [View("plan", "Plan", body)])
    figures += [
        Figure(
            "Registry storage before",
            human_bytes(measured.before.distinct_bytes),
            "storage-before",
            measured.before.distinct_bytes,
        ),
        Figure(
            "after",
            human_bytes(measured.after.distinct_bytes),
            "storage-after",
            measured.after.distinct_bytes,
        ),
    ]
    deltas = [d for s in measured.services if (d := _service_delta(s)) is not None]
    largest = max((abs(d) for d in deltas), default=0)
    rows = []
    for s in measured.services:
        delta = _service_delta(s)
        rows.append(
            [
                Cell(s.service),
                _size(s.before.size_bytes) if s.before else Cell("not built", -1),
                _size(s.after.size_bytes) if s.after else Cell("not built", -1),
                _delta(delta, largest) if delta is not None else Cell("-", 0),
                Cell(
                    "pass" if s.check_before.passed else "fail",
                    None,
                    "good" if s.check_before.passed else "bad",
                ),
                Cell(
                    "pass" if s.check_after.passed else "fail",
                    None,
                    "good" if s.check_after.passed else "bad",
                ),
            ]
        )
    columns = (
        Column("Service"),
        Column("Before", numeric=True),
        Column("After", numeric=True),
        Column("Change", numeric=True),
        Column("Check before"),
        Column("Check after"),
    )
    views.append(View("services", "Services", table(columns, rows, key="plan-services")))
    for s in measured.services:
        if s.diff is not None:
            body = diff_tables(s.diff) + treemap_block(s.diff.after_tree, f"{s.service} (after)")
            views.append(View(f"svc-{s.service}", s.service, body))
    return page("jettison plan --measure", str(report.root), figures, views)


def _service_delta(service: ServiceMeasure) -> int | None:
    if service.before is None or service.after is None:
        return None
    return service.after.size_bytes - service.before.size_bytes


__all__: Sequence[str] = (
    "diff_tables",
    "render_diff_html",
    "render_inspect_html",
    "render_optimize_html",
    "render_plan_html",
)
