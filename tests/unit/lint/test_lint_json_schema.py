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
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison.lint.report import LintReport
from jettison.render.lint_json import SCHEMA_RESOURCE, SCHEMA_VERSION, load_schema, to_json_model
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

from ._helpers import make_empty_report, make_report


def _scalar(value: object) -> object:
    """How the JSON model spells a domain scalar: paths with forward slashes, severities by
    their lower-case name."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, enum.Enum):
        return value.name.lower()
    return value


MODEL = JsonModel(encoder="jettison/render/lint_json.py", scalar=_scalar)


@pytest.fixture(scope="module")
def schema() -> Json:
    return load_schema()


def test_schema_is_valid_draft_2020_12(schema: Json) -> None:
    check_schema_is_valid(schema)


def test_schema_version_matches_the_encoder(schema: Json) -> None:
    check_schema_version(schema, SCHEMA_VERSION, SCHEMA_RESOURCE, "lint-report.schema.json")


def test_every_object_is_closed_and_fully_required(schema: Json) -> None:
    objects = list(object_schemas(schema))
    assert len(objects) >= 5
    check_objects_closed(objects)


@pytest.mark.parametrize("report", [make_report(), make_empty_report()], ids=["bert", "empty"])
def test_json_validates_against_schema(report: LintReport, schema: Json) -> None:
    from jettison.render.lint_json import render_lint_json

    jsonschema.Draft202012Validator(schema).validate(json.loads(render_lint_json(report)))


def test_every_domain_field_is_in_the_json_model() -> None:
    report = make_report()
    visited: set[type] = set()
    MODEL.walk(report, to_json_model(report), "$", visited)
    reachable = dataclass_types(LintReport)
    assert reachable - visited == set(), (
        "the test report leaves these types unchecked; give them a value in _helpers.py"
    )


def test_every_schema_property_is_produced(schema: Json) -> None:
    # severity and code are leaf definitions reached through $ref without properties
    check_every_def_produced(schema, to_json_model(make_report()))


def test_the_drift_check_catches_a_new_field() -> None:
    @dataclasses.dataclass(frozen=True)
    class Grown:
        ignored_count: int
        new_field_bytes: int

    with pytest.raises(AssertionError, match="new_field_bytes"):
        MODEL.walk(Grown(1, 2), {"ignored_count": 1}, "$", set())
