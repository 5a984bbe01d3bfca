"""The lint JSON model, its schema and the domain model must not drift apart.

- the rendered JSON validates against ``lint-report.schema.json``;
- every field of every dataclass reachable from ``LintReport`` appears in the JSON model with
  the same value (a new domain field without a JSON mapping fails here);
- every property the schema declares is produced, and nothing else;
- every object in the schema is closed and requires all its properties.
"""

from __future__ import annotations

import enum
import json
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison.lint.report import LintReport
from jettison.render import Look
from jettison.render.lint import json_model
from support.lint_reports import make_empty_report, make_report
from support.schema_drift import Json, JsonModel, SchemaTests


def _scalar(value: object) -> object:
    """How the JSON model spells a domain scalar: paths with forward slashes, severities by
    their lower-case name."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, enum.Enum):
        return value.name.lower()
    return value


MODEL = JsonModel(encoder="jettison/render/lint/json_model.py", scalar=_scalar)


class TestSchema(SchemaTests):
    encoder = json_model
    model = MODEL
    file_name = "lint-report.schema.json"
    min_objects = 5
    reports_in = "tests/support/lint_reports.py"

    @pytest.fixture
    def full_report(self) -> LintReport:
        return make_report()

    @pytest.mark.parametrize("report", [make_report(), make_empty_report()], ids=["bert", "empty"])
    def test_json_validates_against_schema(self, report: LintReport, schema: Json) -> None:
        text = json_model.render_json(report, Look())
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))
