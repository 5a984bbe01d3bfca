"""The JSON encoding of an inspect report: an explicit, versioned model.

Its shape is ``schema/inspect-report.schema.json``; the conventions and the versioning rule
are :mod:`jettison.render.jsonout`'s. Here also: (layer index, bytes) pairs become
``{"layer_index", "size_bytes"}`` objects.
"""

from __future__ import annotations

from jettison.inspect.dive import DiveMetrics, InefficientPath
from jettison.inspect.report import (
    Attribution,
    BudgetResult,
    CudaFamilyBytes,
    HiddenPath,
    InspectReport,
    LayerSummary,
    OwnerBytes,
    PathBytes,
    RemovableCause,
    Shadowed,
)
from jettison.render.jsonout import (
    JsonObject,
    JsonValue,
    header,
    json_text,
    notice,
    read_schema,
)
from jettison.render.look import Look
from jettison.render.text import DIVE_VERSION, printable

SCHEMA_VERSION = "2.1"
"""2.0: each ``skipped`` item is a notice, as in every report (``what`` is its ``subject``,
``reason`` its ``message``, ``layer_index`` its ``layer``). 2.1: ``notes``, which image the
reference was read as (a short name resolved, an index's image picked)."""
SCHEMA_RESOURCE = "schema/inspect-report.schema.json"
"""The schema file, relative to the ``jettison.render`` package."""


def _str(text: str) -> str:
    return printable(text)


def _opt_str(text: str | None) -> str | None:
    return None if text is None else printable(text)


def _strings(items: tuple[str, ...] | None) -> list[JsonValue] | None:
    return None if items is None else [printable(item) for item in items]


def _layer_bytes(pairs: tuple[tuple[int, int], ...]) -> list[JsonValue]:
    return [{"layer_index": index, "size_bytes": size} for index, size in pairs]


def _layer(layer: LayerSummary) -> JsonObject:
    return {
        "index": layer.index,
        "created_by": _str(layer.created_by),
        "size_bytes": layer.size_bytes,
        "tar_bytes": layer.tar_bytes,
        "compressed_bytes": layer.compressed_bytes,
        "estimated_gzip_bytes": layer.estimated_gzip_bytes,
        "file_count": layer.file_count,
        "digest": layer.digest,
        "diff_id": layer.diff_id,
        "compression": layer.compression,
        "media_type": layer.media_type,
    }


def _owner(owner: OwnerBytes) -> JsonObject:
    return {
        "kind": owner.kind,
        "name": _str(owner.name),
        "version": _opt_str(owner.version),
        "size_bytes": owner.size_bytes,
        "file_count": owner.file_count,
        "layer_bytes": _layer_bytes(owner.layer_bytes),
    }


def _cuda_family(family: CudaFamilyBytes) -> JsonObject:
    return {
        "family": family.family,
        "size_bytes": family.size_bytes,
        "file_count": family.file_count,
        "owners": [_str(owner) for owner in family.owners],
    }


def _attribution(attribution: Attribution) -> JsonObject:
    return {
        "owners": [_owner(owner) for owner in attribution.owners],
        "cuda": [_cuda_family(family) for family in attribution.cuda],
        "total_bytes": attribution.total_bytes,
        "cuda_bytes": attribution.cuda_bytes,
    }


def _path_bytes(item: PathBytes) -> JsonObject:
    return {
        "path": _str(item.path),
        "size_bytes": item.size_bytes,
        "layer_index": item.layer_index,
        "owner": _opt_str(item.owner),
    }


def _removable(cause: RemovableCause) -> JsonObject:
    return {
        "cause": cause.cause,
        "title": _str(cause.title),
        "advice": _str(cause.advice),
        "size_bytes": cause.size_bytes,
        "file_count": cause.file_count,
        "top": [_path_bytes(item) for item in cause.top],
    }


def _hidden(item: HiddenPath) -> JsonObject:
    return {
        "path": _str(item.path),
        "size_bytes": item.size_bytes,
        "layer_index": item.layer_index,
        # The domain calls it ``by_layer``; in JSON, beside ``layer_index``, say which is which.
        "hidden_by_layer_index": item.by_layer,
        "cause": item.cause,
    }


def _shadowed(shadowed: Shadowed) -> JsonObject:
    return {
        "size_bytes": shadowed.size_bytes,
        "file_count": shadowed.file_count,
        "by_layer": _layer_bytes(shadowed.by_layer),
        "top": [_hidden(item) for item in shadowed.top],
    }


def _inefficient(item: InefficientPath) -> JsonObject:
    return {"path": _str(item.path), "count": item.count, "size_bytes": item.size_bytes}


def _dive(dive: DiveMetrics) -> JsonObject:
    return {
        "compatible_with": f"dive {DIVE_VERSION}",
        "efficiency_score": dive.efficiency_score,
        "wasted_bytes": dive.wasted_bytes,
        "size_bytes": dive.size_bytes,
        "user_size_bytes": dive.user_size_bytes,
        "layer_size_bytes": list(dive.layer_size_bytes),
        "inefficient_paths": [_inefficient(item) for item in dive.inefficient_paths],
    }


def _budget(budget: BudgetResult) -> JsonObject:
    return {
        "name": _str(budget.name),
        "limit": _str(budget.limit),
        "actual": _str(budget.actual),
        "ok": budget.ok,
    }


def to_json_model(report: InspectReport) -> JsonObject:
    """The JSON model of ``report`` (plain dicts, lists and scalars)."""
    return {
        **header(SCHEMA_VERSION),
        "reference": _str(report.reference),
        "source_kind": report.source_kind,
        "platform": _opt_str(report.platform),
        "tags": [_str(tag) for tag in report.tags],
        "cmd": _strings(report.cmd),
        "entrypoint": _strings(report.entrypoint),
        "user": _opt_str(report.user),
        "size_bytes": report.size_bytes,
        "pull_bytes": report.pull_bytes,
        "pull_bytes_estimated": report.pull_bytes_estimated,
        "final_bytes": report.final_bytes,
        "removable_bytes": report.removable_bytes,
        "budgets_ok": report.budgets_ok,
        "layers": [_layer(layer) for layer in report.layers],
        "attribution": _attribution(report.attribution),
        "removable": [_removable(cause) for cause in report.removable],
        "shadowed": _shadowed(report.shadowed),
        "dive": _dive(report.dive),
        "budgets": [_budget(budget) for budget in report.budgets],
        "skipped": [notice(item) for item in report.skipped],
        "notes": [notice(item) for item in report.notes],
    }


def render_json(report: InspectReport, look: Look) -> str:
    """``report`` as deterministic JSON text (sorted keys, indent 2, UTF-8 characters kept)."""
    del look  # JSON does not depend on the terminal
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    """The JSON Schema of :func:`to_json_model`'s output, as shipped in the package."""
    return read_schema(SCHEMA_RESOURCE)
