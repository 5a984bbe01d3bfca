"""The JSON model, its schema and the domain model must not drift apart.

- the rendered JSON validates against ``inspect-report.schema.json``;
- every field of every dataclass reachable from ``InspectReport`` appears in the JSON model,
  with the same value (a new domain field without a JSON mapping fails here);
- every property the schema declares is produced, and nothing else (a schema property the
  encoder forgot, or an encoder key the schema lacks, fails here);
- every object in the schema is closed and requires all its properties.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from collections.abc import Iterator

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison.inspect.report import HiddenPath, InspectReport
from jettison.render.json_report import (
    SCHEMA_RESOURCE,
    SCHEMA_VERSION,
    load_schema,
    render_json,
    to_json_model,
)

# Domain field -> JSON key, where the JSON model deliberately names a field differently.
RENAMED: dict[tuple[type, str], str] = {(HiddenPath, "by_layer"): "hidden_by_layer_index"}

Json = typing.Any


def _dataclass_types(cls: type, seen: set[type] | None = None) -> set[type]:
    """Every dataclass type reachable from ``cls`` through its fields' annotations."""
    seen = set() if seen is None else seen
    if cls in seen:
        return seen
    seen.add(cls)
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        for inner in _annotation_types(hints[field.name]):
            if dataclasses.is_dataclass(inner):
                _dataclass_types(inner, seen)
    return seen


def _annotation_types(annotation: object) -> Iterator[type]:
    """The classes named in an annotation: ``tuple[X, ...] | None`` gives tuple, X, NoneType."""
    if isinstance(annotation, type):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _annotation_types(arg)


def _walk_model(obj: object, node: Json, where: str, visited: set[type]) -> None:
    cls = type(obj)
    visited.add(cls)
    assert isinstance(node, dict), f"{where}: expected a JSON object for {cls.__name__}"
    for field in dataclasses.fields(obj):  # type: ignore[arg-type]
        key = RENAMED.get((cls, field.name), field.name)
        assert key in node, (
            f"{cls.__name__}.{field.name} is not in the JSON model at {where}; "
            "map it in jettison/render/json_report.py and the schema (and bump SCHEMA_VERSION)"
        )
        _walk_value(getattr(obj, field.name), node[key], f"{where}.{key}", visited)


def _walk_value(value: object, node: Json, where: str, visited: set[type]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _walk_model(value, node, where, visited)
    elif isinstance(value, tuple) and isinstance(node, dict):
        # (layer index, bytes) pairs are encoded as objects
        assert node == {"layer_index": value[0], "size_bytes": value[1]}, where
    elif isinstance(value, tuple):
        assert isinstance(node, list), f"{where}: expected a JSON array"
        assert len(node) == len(value), f"{where}: {len(node)} items, expected {len(value)}"
        for i, (item, item_node) in enumerate(zip(value, node, strict=True)):
            _walk_value(item, item_node, f"{where}[{i}]", visited)
    else:
        assert node == value, f"{where}: JSON has {node!r}, the report {value!r}"


def _walk_schema(schema: Json, instance: Json, root: Json, where: str, used: set[str]) -> None:
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.removeprefix("#/$defs/")
        used.add(name)
        schema = root["$defs"][name]
    if instance is None:
        return
    if "properties" in schema:
        assert set(instance) == set(schema["properties"]), (
            f"{where}: produced {sorted(set(instance) - set(schema['properties']))} not in the "
            f"schema; schema declares {sorted(set(schema['properties']) - set(instance))} "
            "not produced"
        )
        for key, sub in schema["properties"].items():
            _walk_schema(sub, instance[key], root, f"{where}.{key}", used)
    elif "items" in schema:
        assert instance, f"{where}: the test report must fill this array to check its items"
        for i, item in enumerate(instance):
            _walk_schema(schema["items"], item, root, f"{where}[{i}]", used)


def _object_schemas(node: Json, where: str = "#") -> Iterator[tuple[str, Json]]:
    if isinstance(node, dict):
        if node.get("type") == "object" or "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _object_schemas(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _object_schemas(value, f"{where}/{i}")


@pytest.fixture(scope="module")
def schema() -> Json:
    return load_schema()


def test_schema_is_valid_draft_2020_12(schema: Json) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_schema_version_matches_the_encoder(schema: Json) -> None:
    assert schema["properties"]["schema_version"] == {
        "const": SCHEMA_VERSION,
        "description": "Version of this schema.",
    }
    assert schema["$id"].endswith(f":{SCHEMA_VERSION}")
    assert SCHEMA_RESOURCE.endswith("inspect-report.schema.json")


def test_every_object_is_closed_and_fully_required(schema: Json) -> None:
    objects = list(_object_schemas(schema))
    assert len(objects) > 10
    for where, node in objects:
        assert node.get("additionalProperties") is False, f"{where}: additionalProperties"
        assert sorted(node["required"]) == sorted(node["properties"]), f"{where}: required"


@pytest.mark.usefixtures("pinned_version")
@pytest.mark.parametrize("report_name", ["bert_report", "minimal_report"])
def test_json_validates_against_schema(
    report_name: str, schema: Json, request: pytest.FixtureRequest
) -> None:
    report: InspectReport = request.getfixturevalue(report_name)
    document = json.loads(render_json(report))
    jsonschema.Draft202012Validator(schema).validate(document)


def test_every_domain_field_is_in_the_json_model(bert_report: InspectReport) -> None:
    visited: set[type] = set()
    _walk_model(bert_report, to_json_model(bert_report), "$", visited)
    reachable = _dataclass_types(InspectReport)
    assert reachable - visited == set(), (
        "the test report leaves these types unchecked; give them a value in conftest.py"
    )
    for cls, field in RENAMED:
        assert cls in reachable
        assert field in {f.name for f in dataclasses.fields(cls)}, f"stale rename {field}"


def test_every_schema_property_is_produced(bert_report: InspectReport, schema: Json) -> None:
    used: set[str] = set()
    _walk_schema(schema, to_json_model(bert_report), schema, "$", used)
    assert set(schema["$defs"]) - used == set(), "schema $defs the JSON model never produces"


def test_the_drift_check_catches_a_new_field(bert_report: InspectReport) -> None:
    """A field added to the domain model without a JSON mapping must fail the walk."""

    @dataclasses.dataclass(frozen=True)
    class Grown:
        reference: str
        new_field_bytes: int

    with pytest.raises(AssertionError, match="new_field_bytes"):
        _walk_model(Grown("x", 1), {"reference": "x"}, "$", set())
