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
from support.schema_drift import (
    Json,
    JsonModel,
    check_every_def_produced,
    check_objects_closed,
    check_schema_is_valid,
    check_schema_version,
    dataclass_types,
    object_schemas,
)

MODEL = JsonModel(
    encoder="jettison/render/json_report.py",
    renamed={(HiddenPath, "by_layer"): "hidden_by_layer_index"},
    pairs_as_objects=True,
)


@pytest.fixture(scope="module")
def schema() -> Json:
    return load_schema()


def test_schema_is_valid_draft_2020_12(schema: Json) -> None:
    check_schema_is_valid(schema)


def test_schema_version_matches_the_encoder(schema: Json) -> None:
    check_schema_version(schema, SCHEMA_VERSION, SCHEMA_RESOURCE, "inspect-report.schema.json")


def test_every_object_is_closed_and_fully_required(schema: Json) -> None:
    objects = list(object_schemas(schema))
    assert len(objects) > 10
    check_objects_closed(objects)


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
    MODEL.walk(bert_report, to_json_model(bert_report), "$", visited)
    reachable = dataclass_types(InspectReport)
    assert reachable - visited == set(), (
        "the test report leaves these types unchecked; give them a value in conftest.py"
    )
    MODEL.check_renames(reachable)


def test_every_schema_property_is_produced(bert_report: InspectReport, schema: Json) -> None:
    check_every_def_produced(schema, to_json_model(bert_report))


def test_the_drift_check_catches_a_new_field(bert_report: InspectReport) -> None:
    """A field added to the domain model without a JSON mapping must fail the walk."""

    @dataclasses.dataclass(frozen=True)
    class Grown:
        reference: str
        new_field_bytes: int

    with pytest.raises(AssertionError, match="new_field_bytes"):
        MODEL.walk(Grown("x", 1), {"reference": "x"}, "$", set())
