"""The diff report as JSON (``schema/diff-report.schema.json``; the conventions and the
versioning rule are :mod:`jettison.render.jsonout`'s).

The byte trees (for the HTML treemap) are left out: they are a drawing aid, megabytes of
JSON for a large image, and the per-owner, per-cause and per-file figures are all here.
"""

from __future__ import annotations

from jettison.diff.model import (
    CauseChange,
    CudaChange,
    DiffReport,
    FileChange,
    ImageSide,
    LayerChange,
    OwnerChange,
)
from jettison.render.jsonout import JsonObject, header, json_text, opt_text, read_schema
from jettison.render.look import Look
from jettison.render.text import printable

SCHEMA_VERSION = "1.0"
SCHEMA_RESOURCE = "schema/diff-report.schema.json"


def _side(side: ImageSide) -> JsonObject:
    return {
        "reference": printable(side.reference),
        "size_bytes": side.size_bytes,
        "final_bytes": side.final_bytes,
        "shadowed_bytes": side.shadowed_bytes,
        "removable_bytes": side.removable_bytes,
        "pull_bytes": side.pull_bytes,
        "layer_count": side.layer_count,
        "file_count": side.file_count,
    }


def _owner(owner: OwnerChange) -> JsonObject:
    return {
        "kind": owner.kind,
        "name": printable(owner.name),
        "change": owner.change,
        "before_version": opt_text(owner.before_version),
        "after_version": opt_text(owner.after_version),
        "before_bytes": owner.before_bytes,
        "after_bytes": owner.after_bytes,
        "before_files": owner.before_files,
        "after_files": owner.after_files,
        "delta_bytes": owner.delta_bytes,
    }


def _cause(cause: CauseChange) -> JsonObject:
    return {
        "cause": cause.cause,
        "title": cause.title,
        "before_bytes": cause.before_bytes,
        "after_bytes": cause.after_bytes,
        "before_files": cause.before_files,
        "after_files": cause.after_files,
        "delta_bytes": cause.delta_bytes,
    }


def _cuda(family: CudaChange) -> JsonObject:
    return {
        "family": family.family,
        "before_bytes": family.before_bytes,
        "after_bytes": family.after_bytes,
        "delta_bytes": family.delta_bytes,
    }


def _layer(layer: LayerChange) -> JsonObject:
    return {
        "status": layer.status,
        "before_index": layer.before_index,
        "after_index": layer.after_index,
        "diff_id": layer.diff_id,
        "created_by": printable(layer.created_by),
        "size_bytes": layer.size_bytes,
        "file_count": layer.file_count,
        "delta_bytes": layer.delta_bytes,
    }


def _file(item: FileChange) -> JsonObject:
    return {
        "path": printable(item.path),
        "change": item.change,
        "before_bytes": item.before_bytes,
        "after_bytes": item.after_bytes,
        "owner": printable(item.owner),
        "cause": item.cause,
        "delta_bytes": item.delta_bytes,
    }


def diff_json(report: DiffReport) -> JsonObject:
    """The report without the header: what optimize and plan embed as their ``diff``."""
    gate = report.gate
    return {
        "before": _side(report.before),
        "after": _side(report.after),
        "size_delta_bytes": report.size_delta_bytes,
        "final_delta_bytes": report.final_delta_bytes,
        "identical": report.identical,
        "owners": [_owner(o) for o in report.owners],
        "unchanged_owner_count": report.unchanged_owner_count,
        "causes": [_cause(c) for c in report.causes],
        "cuda": [_cuda(c) for c in report.cuda],
        "layers": [_layer(x) for x in report.layers],
        "files": [_file(f) for f in report.files],
        "files_rest": {
            "file_count": report.files_rest.file_count,
            "before_bytes": report.files_rest.before_bytes,
            "after_bytes": report.files_rest.after_bytes,
            "delta_bytes": report.files_rest.delta_bytes,
        },
        "gate": None
        if gate is None
        else {
            "limit": printable(gate.limit),
            "max_growth_bytes": gate.max_growth_bytes,
            "actual_growth_bytes": gate.actual_growth_bytes,
            "ok": gate.ok,
        },
    }


def to_json_model(report: DiffReport) -> JsonObject:
    """The JSON model of ``report`` (plain dicts, lists and scalars)."""
    return {**header(SCHEMA_VERSION), **diff_json(report)}


def render_json(report: DiffReport, look: Look) -> str:
    del look
    return json_text(to_json_model(report))


def load_schema() -> JsonObject:
    """The JSON Schema of :func:`to_json_model`'s output, as shipped in the package."""
    return read_schema(SCHEMA_RESOURCE)
