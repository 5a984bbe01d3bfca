"""Renderers of the plan report: pure functions returning text (no I/O).

The terminal report and the Markdown one say the same thing: :func:`build_document` decides
the content once, as a :class:`jettison.render.document.Document`, and the inspect report's
drawing code lays it out (rich for the terminal, GitHub-flavoured Markdown for a pull
request). ``json`` is a separate, versioned model (:data:`SCHEMA_VERSION`, shape in
``jettison/render/schema/plan-report.schema.json``): built field by field so the domain model
can change without silently changing a published format; bump the version on any change (the
minor number for added fields, the major for removed or changed ones).

Paths are shown relative to the repository root in the human reports; in JSON they are
absolute, with forward slashes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from jettison.notices import Notice, Severity
from jettison.plan.model import (
    BuildStep,
    Check,
    Discovery,
    Dropped,
    Generated,
    Group,
    ImageMeasure,
    LayerRef,
    Measurement,
    Pin,
    PlanReport,
    Service,
    ServiceImports,
    ServiceMeasure,
    ServicePlan,
    Split,
    Totals,
)
from jettison.render.diff.document import Limits, change_sections
from jettison.render.diff.json_model import diff_json
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
from jettison.render.jsonout import (
    JsonObject,
    JsonValue,
    header,
    json_text,
    notice,
    path_text,
    read_schema,
)
from jettison.render.look import Look
from jettison.render.text import printable
from jettison.units import human_bytes, plural

SCHEMA_VERSION = "2.3"
"""2.3: with ``--push``, each image's ``pushed`` reference and each side's ``registry_layers``
and ``registry_bytes`` (what the registry holds); ``storage_ratio`` then compares those.
2.2: each service's imports say what in its code shows a GPU (``gpu``) and an OpenCV window
call (``opencv_gui``), which decide lint's requirement fixes.
2.1: each service's ``health_source`` (where its health route was found).
2.0: each problem is a notice, as in every report (``service`` became ``subject``).
1.1: each measured service's ``diff`` (``jettison diff``'s JSON without its header)."""
SCHEMA_RESOURCE = "schema/plan-report.schema.json"
"""The schema file, relative to the ``jettison.render`` package."""
DEV_NAMES_SHOWN = 12
"""Names of dev-only packages listed in the human reports (the file has them all)."""

_SEVERITY_TONES = {Severity.ERROR: Tone.BAD, Severity.WARNING: Tone.WARN, Severity.INFO: Tone.DIM}


# --------------------------------------------------------------------------- small helpers


def _rel(path: Path, root: Path) -> str:
    """``path`` relative to the repository root when below it (``.`` for the root itself)."""
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _names(names: Iterable[str]) -> str:
    return ", ".join(names) or "-"


def _saving(before: int, after: int) -> str:
    """The change from ``before`` to ``after`` as a signed percentage of ``before``."""
    if before <= 0:
        return ""
    change = (after - before) / before
    return f"{change:+.1%}"


# --------------------------------------------------------------------------- the document


def _title(report: PlanReport) -> Line:
    found = report.discovery
    shared = len(found.shared_paths)
    return (
        span("jettison plan: ", Tone.STRONG),
        span(report.root.as_posix(), Tone.STRONG, code=True),
        span(
            f"  {plural(len(found.services), 'service')}, "
            f"{plural(len(report.split.groups), 'shared group')}, "
            f"{plural(shared, 'shared code path')}",
            Tone.DIM,
        ),
    )


def _services(discovery: Discovery) -> Section:
    root = discovery.root
    rows = tuple(_service_row(service, root) for service in discovery.services)
    blocks: list[Table | Fields | Paragraph] = [
        Table(
            (
                Column("service"),
                Column("Dockerfile", overflow="fold"),
                Column("context", overflow="fold"),
                Column("FROM", overflow="fold"),
                Column("port", numeric=True),
                Column("health"),
            ),
            rows,
        )
    ]
    items: list[tuple[str, Line]] = []
    if discovery.shared_paths:
        shared = ", ".join(_rel(p, root) for p in discovery.shared_paths)
        items.append(("Shared code", code(shared)))
    if discovery.compose_files:
        compose = ", ".join(_rel(p, root) for p in discovery.compose_files)
        items.append(("Compose", code(compose)))
    if items:
        blocks.append(Fields(tuple(items)))
    return Section("Services", tuple(blocks))


def _service_row(service: Service, root: Path) -> tuple[Line, ...]:
    base: Line = code(service.base_image) if service.base_image else dim("-")
    if service.parsed is None:
        base = (span("unparsable", Tone.BAD),)
    return (
        line(service.name),
        code(_rel(service.dockerfile, root)),
        code(_rel(service.context, root)),
        base,
        line(str(service.port)) if service.port is not None else dim("-"),
        _health(service),
    )


def _health(service: Service) -> Line:
    """The health path, with the file name and line of the route when the code declared it
    (the JSON has its path)."""
    if not service.health_path:
        return dim("-")
    source = service.health_source
    if source is None or source in {"HEALTHCHECK", "compose"}:
        return code(service.health_path)
    return (*code(service.health_path), *dim(f" ({source.rsplit('/', 1)[-1]})"))


def _groups(split: Split) -> Section:
    rows = tuple(
        (
            line(group.name),
            line(str(len(group.pins))),
            line(_names(group.services)),
            dim(group.reason),
        )
        for group in split.groups
    )
    table = Table(
        (
            Column("group"),
            Column("packages", numeric=True),
            Column("services built on it"),
            Column("why"),
        ),
        rows,
    )
    return Section("Shared groups", (table,))


def _dropped_cell(dropped: Sequence[Dropped]) -> Line:
    if not dropped:
        return line("0")
    reasons: dict[str, int] = {}
    for item in dropped:
        reasons[item.reason] = reasons.get(item.reason, 0) + 1
    detail = ", ".join(f"{n} {reason}" for reason, n in sorted(reasons.items()))
    return (span(str(len(dropped))), span(f" ({detail})", Tone.DIM))


def _per_service(split: Split, generated: Generated) -> Section:
    kept = set(generated.kept_original)
    rows = []
    for plan in split.services:
        base: Line = line(plan.base_group)
        if plan.service in kept:
            base = (span("original Dockerfile", Tone.WARN),)
        rows.append(
            (
                line(plan.service),
                base,
                line(str(len(plan.needed))),
                line(str(len(plan.own))),
                _dropped_cell(plan.dropped),
                line(str(len(plan.unused_shared))),
            )
        )
    table = Table(
        (
            Column("service"),
            Column("builds FROM"),
            Column("needed", numeric=True),
            Column("own", numeric=True),
            Column("dropped", numeric=True),
            Column("unused from bases", numeric=True),
        ),
        tuple(rows),
    )
    note = Paragraph(
        dim(
            "needed: packages the service's code imports or runs, with their dependencies; "
            "own: installed in its own layer; dropped: declared but not installed"
        )
    )
    return Section("Per service", (table, note))


def _dev(split: Split, generated: Generated, root: Path) -> Section:
    names = sorted({pin.name for pin, _ in split.dev})
    if not names:
        return Section(
            "Dev file", (Paragraph(dim("every declared package is needed by an image")),)
        )
    shown = ", ".join(names[:DEV_NAMES_SHOWN])
    if len(names) > DEV_NAMES_SHOWN:
        shown += f", … {len(names) - DEV_NAMES_SHOWN} more"
    where = _rel(generated.out_dir / "requirements" / "dev.txt", root)
    summary = (
        span(where, code=True),
        span(f": {plural(len(names), 'package')} no image installs: "),
        span(shown),
    )
    return Section("Dev file", (Paragraph(summary),))


def _problem_row(problem: Notice, root: Path) -> tuple[Line, ...]:
    where = ""
    if problem.path is not None:
        where = _rel(problem.path, root) + (f":{problem.line}" if problem.line else "")
    return (
        (span(problem.severity.label, _SEVERITY_TONES[problem.severity]),),
        line(problem.kind),
        line(problem.subject) if problem.subject else dim("-"),
        code(where) if where else dim("-"),
        line(problem.message),
    )


def _problems(problems: Sequence[Notice], root: Path) -> Section | None:
    if not problems:
        return None
    table = Table(
        (
            Column("severity"),
            Column("kind"),
            Column("service"),
            Column("where", overflow="fold"),
            Column("message"),
        ),
        tuple(_problem_row(p, root) for p in problems),
    )
    return Section(f"Problems ({len(problems)})", (table,))


def build_command(report: PlanReport) -> str:
    """The command that builds the plan's images in order, run from the repository root."""
    script = _rel(report.generated.out_dir / "build.sh", report.root)
    return f"BUILDER=buildah bash {script}"


def _files(report: PlanReport) -> Section:
    generated = report.generated
    out = _rel(generated.out_dir, report.root)
    title = "Files written" if report.written else "Files (dry run: nothing written)"
    tags = {step.dockerfile: step.tag for step in generated.build_order}
    rows = tuple(
        (
            code(f"{out}/{path.as_posix()}"),
            code(tags[generated.out_dir / path]) if generated.out_dir / path in tags else dim("-"),
        )
        for path in generated.files
    )
    table = Table((Column("file", overflow="fold"), Column("builds", overflow="fold")), rows)
    build = (
        span("Build them in order (bases first), from "),
        span(report.root.as_posix(), code=True),
        span(": "),
        span(build_command(report), code=True),
        span("  (BUILDER=docker by default)", Tone.DIM),
    )
    return Section(title, (table, Paragraph(build)))


def _check_cell(check: Check) -> Line:
    if check.kind == "none":
        return (span("not checked", Tone.WARN if not check.passed else Tone.DIM),)
    if check.passed:
        return (span("ok", Tone.GOOD), span(f" ({check.kind})", Tone.DIM))
    return (span("FAILED", Tone.BAD), span(f" ({check.kind})", Tone.DIM))


def _size_cell(image: ImageMeasure | None) -> Line:
    return line(human_bytes(image.size_bytes)) if image is not None else (span("failed", Tone.BAD),)


def _torch_cell(service: ServiceMeasure) -> Line:
    def word(flag: bool, built: ImageMeasure | None) -> str:
        return "-" if built is None else ("yes" if flag else "no")

    before = word(service.ships_torch_before, service.before)
    after = word(service.ships_torch_after, service.after)
    return line(f"{before} -> {after}")


def _measured_row(service: ServiceMeasure) -> tuple[Line, ...]:
    saving: Line = dim("")
    if service.before is not None and service.after is not None:
        change = _saving(service.before.size_bytes, service.after.size_bytes)
        tone = Tone.GOOD if service.after.size_bytes < service.before.size_bytes else Tone.WARN
        saving = (span(change, tone),)
    return (
        line(service.service),
        _size_cell(service.before),
        _size_cell(service.after),
        saving,
        _check_cell(service.check_before),
        _check_cell(service.check_after),
        _torch_cell(service),
    )


def _totals_rows(before: Totals, after: Totals) -> tuple[tuple[Line, ...], ...]:
    def sizes(label: str, old: int, new: int) -> tuple[Line, ...]:
        return (
            line(label),
            line(human_bytes(old)),
            line(human_bytes(new)),
            line(_saving(old, new)),
        )

    return (
        sizes("sum of image sizes", before.sum_bytes, after.sum_bytes),
        sizes(
            "registry storage (each distinct layer once)",
            before.distinct_bytes,
            after.distinct_bytes,
        ),
        sizes(
            f"pulled by a node running all {before.images}",
            before.distinct_bytes,
            after.distinct_bytes,
        ),
        (
            line("distinct layers"),
            line(str(before.distinct_layers)),
            line(str(after.distinct_layers)),
            line(""),
        ),
        *_registry_rows(before, after),
    )


def _registry_rows(before: Totals, after: Totals) -> tuple[tuple[Line, ...], ...]:
    """What the registry holds after ``--push`` (compressed blobs, each digest once)."""
    if before.registry_bytes is None or after.registry_bytes is None:
        return ()
    return (
        (
            line("in the registry after --push (compressed, each layer blob once)"),
            line(human_bytes(before.registry_bytes)),
            line(human_bytes(after.registry_bytes)),
            line(_saving(before.registry_bytes, after.registry_bytes)),
        ),
        (
            line("layer blobs in the registry"),
            line(str(before.registry_layers)),
            line(str(after.registry_layers)),
            line(""),
        ),
    )


def _measurement(measurement: Measurement) -> list[Section]:
    services = Table(
        (
            Column("service"),
            Column("before", numeric=True),
            Column("after", numeric=True),
            Column("change", numeric=True),
            Column("check before"),
            Column("check after"),
            Column("torch"),
        ),
        tuple(_measured_row(s) for s in measurement.services),
    )
    note = Paragraph(
        dim(
            "Every image built on its own, without the layer cache, as CI builds them; sizes "
            "are uncompressed layer tars."
        )
    )
    sections = [Section("Measured", (services, note))]
    totals = Table(
        (
            Column(f"over {plural(measurement.before.images, 'service')}"),
            Column("before", numeric=True),
            Column("after", numeric=True),
            Column("change", numeric=True),
        ),
        _totals_rows(measurement.before, measurement.after),
    )
    blocks: list[Table | Fields | Paragraph] = [totals]
    ratio = measurement.storage_ratio
    if ratio is not None:
        tone = Tone.GOOD if ratio < 1 else Tone.WARN
        blocks.append(
            Paragraph(
                (
                    span("Registry storage after the plan: "),
                    span(f"{ratio:.1%}", tone),
                    span(" of before."),
                )
            )
        )
    left_out = len(measurement.services) - measurement.before.images
    if left_out:
        blocks.append(
            Paragraph(
                (
                    span(
                        f"{plural(left_out, 'service')} left out of the totals: not built both "
                        "ways (see Failures).",
                        Tone.WARN,
                    ),
                )
            )
        )
    sections.append(Section("Totals", tuple(blocks)))
    if measurement.bases:
        rows = tuple(
            (
                code(base.tag),
                line(human_bytes(base.size_bytes)),
                line(str(len(base.layers))),
                line(f"{base.build_seconds:.0f}s"),
            )
            for base in measurement.bases
        )
        table = Table(
            (
                Column("shared base image", overflow="fold"),
                Column("size", numeric=True),
                Column("layers", numeric=True),
                Column("build", numeric=True),
            ),
            rows,
        )
        sections.append(Section("Shared bases", (table,)))
    sections.extend(_changes(measurement.services))
    failures = _failures(measurement.services)
    if failures:
        sections.append(Section("Failures", tuple(Paragraph(failure) for failure in failures)))
    return sections


PLAN_LIMITS = Limits(owners=8, files=5, layers=0)
"""Rows per service in the plan's "what changed" tables: a fleet has many services."""


def _changes(services: Sequence[ServiceMeasure]) -> list[Section]:
    """Per measured service, the packages and files that changed from before to after
    (``jettison diff``'s own tables, shorter), so the plan says what it removed."""
    out: list[Section] = []
    for service in services:
        if service.diff is None or service.diff.identical:
            continue
        for section in change_sections(service.diff, PLAN_LIMITS):
            title = f"{service.service}: {section.title[0].lower()}{section.title[1:]}"
            out.append(replace(section, title=title))
    return out


def _failures(services: Sequence[ServiceMeasure]) -> list[Line]:
    return [
        (
            span(f"{s.service} {label}: " if label else f"{s.service}: ", Tone.BAD),
            span(f"{kind}: {detail}" if kind else detail),
        )
        for s in services
        for label, kind, detail in s.failures()
    ]


def build_document(report: PlanReport) -> Document:
    """What the terminal and Markdown reports say, decided once."""
    sections = [
        _services(report.discovery),
        _groups(report.split),
        _per_service(report.split, report.generated),
        _dev(report.split, report.generated, report.root),
    ]
    problems = _problems(report.problems, report.root)
    if problems is not None:
        sections.append(problems)
    sections.append(_files(report))
    if report.measurement is not None:
        sections.extend(_measurement(report.measurement))
    return Document(_title(report), tuple(sections))


def render_tty(report: PlanReport, look: Look) -> str:
    """``report`` as a terminal report ``look.width`` columns wide, coloured if ``look.color``."""
    from jettison.render.tty import render_document  # rich only when drawing for a terminal

    return render_document(build_document(report), width=look.width, color=look.color)


def render_markdown(report: PlanReport, look: Look) -> str:
    """``report`` as GitHub-flavoured Markdown (headings from ``##`` down), for a PR."""
    from jettison.render.markdown import render_document

    del look
    return render_document(build_document(report))


# --------------------------------------------------------------------------- JSON


def _paths(paths: Iterable[Path]) -> list[JsonValue]:
    return [path_text(p) for p in paths]


def _strings(items: Iterable[str]) -> list[JsonValue]:
    return [printable(s) for s in items]


def _service(service: Service) -> JsonObject:
    return {
        "name": service.name,
        "dockerfile": path_text(service.dockerfile),
        "context": path_text(service.context),
        "parsed": service.parsed is not None,
        "requirement_files": _paths(service.requirement_files),
        "code_paths": _paths(service.code_paths),
        "shared_paths": _paths(service.shared_paths),
        "base_image": service.base_image,
        "port": service.port,
        "health_path": service.health_path,
        "health_source": service.health_source,
    }


def _discovery(discovery: Discovery) -> JsonObject:
    return {
        "root": path_text(discovery.root),
        "services": [_service(s) for s in discovery.services],
        "shared_paths": _paths(discovery.shared_paths),
        "compose_files": _paths(discovery.compose_files),
        "problems": [notice(p) for p in discovery.problems],
    }


def _imports(found: ServiceImports) -> JsonObject:
    return {
        "service": found.service,
        "modules": _strings(sorted(found.modules)),
        "via_shared": _strings(sorted(found.via_shared)),
        "files": _paths(found.files),
        "problems": [notice(p) for p in found.problems],
        "gpu": found.gpu,
        "opencv_gui": found.opencv_gui,
    }


def _pin(pin: Pin) -> JsonObject:
    return {
        "name": pin.name,
        "line": printable(pin.line),
        "source": path_text(pin.source),
        "lineno": pin.lineno,
    }


def _dropped(dropped: Dropped) -> JsonObject:
    return {"name": dropped.name, "reason": dropped.reason, "detail": printable(dropped.detail)}


def _group(group: Group) -> JsonObject:
    return {
        "name": group.name,
        "pins": [_pin(p) for p in group.pins],
        "services": _strings(group.services),
        "reason": printable(group.reason),
    }


def _service_plan(plan: ServicePlan) -> JsonObject:
    return {
        "service": plan.service,
        "base_group": plan.base_group,
        "own": [_pin(p) for p in plan.own],
        "needed": _strings(sorted(plan.needed)),
        "dropped": [_dropped(d) for d in plan.dropped],
        "unused_shared": _strings(plan.unused_shared),
    }


def _split(split: Split) -> JsonObject:
    return {
        "groups": [_group(g) for g in split.groups],
        "services": [_service_plan(s) for s in split.services],
        "dev": [{"pin": _pin(pin), "dropped": _dropped(why)} for pin, why in split.dev],
        "options": _strings(split.options),
        "problems": [notice(p) for p in split.problems],
    }


def _step(step: BuildStep) -> JsonObject:
    return {
        "tag": step.tag,
        "dockerfile": path_text(step.dockerfile),
        "context": path_text(step.context),
        "service": step.service,
        "group": step.group,
    }


def _generated(generated: Generated) -> JsonObject:
    return {
        "out_dir": path_text(generated.out_dir),
        "files": _paths(generated.files),
        "contents": _strings(generated.contents),
        "build_order": [_step(s) for s in generated.build_order],
        "kept_original": _strings(generated.kept_original),
    }


def _layer(layer: LayerRef) -> JsonObject:
    return {"diff_id": layer.diff_id, "size_bytes": layer.size_bytes}


def _image(image: ImageMeasure | None) -> JsonObject | None:
    if image is None:
        return None
    return {
        "tag": image.tag,
        "image_id": image.image_id,
        "layers": [_layer(x) for x in image.layers],
        "build_seconds": round(image.build_seconds, 3),
        "size_bytes": image.size_bytes,
        "pushed": image.pushed,
    }


def _check(check: Check) -> JsonObject:
    return {"passed": check.passed, "kind": check.kind, "detail": printable(check.detail)}


def _service_measure(measure: ServiceMeasure) -> JsonObject:
    return {
        "service": measure.service,
        "before": _image(measure.before),
        "after": _image(measure.after),
        "check_before": _check(measure.check_before),
        "check_after": _check(measure.check_after),
        "ships_torch_before": measure.ships_torch_before,
        "ships_torch_after": measure.ships_torch_after,
        "error": None if measure.error is None else printable(measure.error),
        "diff": None if measure.diff is None else diff_json(measure.diff),
    }


def _totals(totals: Totals) -> JsonObject:
    return {
        "images": totals.images,
        "sum_bytes": totals.sum_bytes,
        "distinct_layers": totals.distinct_layers,
        "distinct_bytes": totals.distinct_bytes,
        "registry_layers": totals.registry_layers,
        "registry_bytes": totals.registry_bytes,
    }


def _measurement_json(measurement: Measurement | None) -> JsonObject | None:
    if measurement is None:
        return None
    ratio = measurement.storage_ratio
    return {
        "services": [_service_measure(s) for s in measurement.services],
        "bases": [_image(b) for b in measurement.bases],
        "before": _totals(measurement.before),
        "after": _totals(measurement.after),
        "storage_ratio": None if ratio is None else round(ratio, 4),
    }


def to_json_model(report: PlanReport) -> JsonObject:
    """The JSON model of ``report`` (plain dicts, lists and scalars)."""
    return {
        **header(SCHEMA_VERSION),
        "root": path_text(report.root),
        "discovery": _discovery(report.discovery),
        "imports": [_imports(i) for i in report.imports],
        "split": _split(report.split),
        "generated": _generated(report.generated),
        "written": report.written,
        "measurement": _measurement_json(report.measurement),
        "problems": [notice(p) for p in report.problems],
    }


def render_json(report: PlanReport, look: Look) -> str:
    """``report`` as deterministic JSON text (sorted keys, indent 2, UTF-8 kept)."""
    del look
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    """The JSON Schema of :func:`to_json_model`'s output, as shipped in the package."""
    return read_schema(SCHEMA_RESOURCE)
