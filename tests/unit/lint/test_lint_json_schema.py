"""The lint JSON model, its schema and the domain model must not drift apart.

- the rendered JSON validates against ``lint-report.schema.json``;
- every field of every dataclass reachable from ``LintReport`` appears in the JSON model with
  the same value (a new domain field without a JSON mapping fails here);
- every property the schema declares is produced, and nothing else;
- every object in the schema is closed and requires all its properties.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import typing
from collections.abc import Iterator
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison.lint.report import LintReport
from jettison.render.lint_json import SCHEMA_RESOURCE, SCHEMA_VERSION, load_schema, to_json_model

from ._helpers import make_empty_report, make_report

Json = typing.Any


def _dataclass_types(cls: type, seen: set[type] | None = None) -> set[type]:
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
    if isinstance(annotation, type):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _annotation_types(arg)


def _scalar(value: object) -> object:
    """How the JSON model spells a domain scalar: paths with forward slashes, severities by
    their lower-case name."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, enum.Enum):
        return value.name.lower()
    return value


def _walk_model(obj: object, node: Json, where: str, visited: set[type]) -> None:
    visited.add(type(obj))
    assert isinstance(node, dict), f"{where}: expected a JSON object for {type(obj).__name__}"
    for field in dataclasses.fields(obj):  # type: ignore[arg-type]
        assert field.name in node, (
            f"{type(obj).__name__}.{field.name} is not in the JSON model at {where}; map it in "
            "jettison/render/lint_json.py and the schema (and bump SCHEMA_VERSION)"
        )
        _walk_value(getattr(obj, field.name), node[field.name], f"{where}.{field.name}", visited)


def _walk_value(value: object, node: Json, where: str, visited: set[type]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        _walk_model(value, node, where, visited)
    elif isinstance(value, tuple):
        assert isinstance(node, list), f"{where}: expected a JSON array"
        assert len(node) == len(value), f"{where}: {len(node)} items, expected {len(value)}"
        for i, (item, item_node) in enumerate(zip(value, node, strict=True)):
            _walk_value(item, item_node, f"{where}[{i}]", visited)
    else:
        assert node == _scalar(value), f"{where}: JSON has {node!r}, the report {value!r}"


def _walk_schema(schema: Json, instance: Json, root: Json, where: str, used: set[str]) -> None:
    ref = schema.get("$ref")
    if ref is not None:
        name = ref.removeprefix("#/$defs/")
        used.add(name)
        schema = root["$defs"][name]
    for option in schema.get("oneOf", []):
        if instance is not None and "$ref" in option:
            _walk_schema(option, instance, root, where, used)
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
    assert SCHEMA_RESOURCE.endswith("lint-report.schema.json")


def test_every_object_is_closed_and_fully_required(schema: Json) -> None:
    objects = list(_object_schemas(schema))
    assert len(objects) >= 5
    for where, node in objects:
        assert node.get("additionalProperties") is False, f"{where}: additionalProperties"
        assert sorted(node["required"]) == sorted(node["properties"]), f"{where}: required"


@pytest.mark.parametrize("report", [make_report(), make_empty_report()], ids=["bert", "empty"])
def test_json_validates_against_schema(report: LintReport, schema: Json) -> None:
    from jettison.render.lint_json import render_lint_json

    jsonschema.Draft202012Validator(schema).validate(json.loads(render_lint_json(report)))


def test_every_domain_field_is_in_the_json_model() -> None:
    report = make_report()
    visited: set[type] = set()
    _walk_model(report, to_json_model(report), "$", visited)
    reachable = _dataclass_types(LintReport)
    assert reachable - visited == set(), (
        "the test report leaves these types unchecked; give them a value in _helpers.py"
    )


def test_every_schema_property_is_produced(schema: Json) -> None:
    used: set[str] = set()
    _walk_schema(schema, to_json_model(make_report()), schema, "$", used)
    # severity and code are leaf definitions reached through $ref without properties
    assert set(schema["$defs"]) - used == set(), "schema $defs the JSON model never produces"


def test_the_drift_check_catches_a_new_field() -> None:
    @dataclasses.dataclass(frozen=True)
    class Grown:
        ignored_count: int
        new_field_bytes: int

    with pytest.raises(AssertionError, match="new_field_bytes"):
        _walk_model(Grown(1, 2), {"ignored_count": 1}, "$", set())
