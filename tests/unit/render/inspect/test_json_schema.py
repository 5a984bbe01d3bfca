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

from jettison.image.model import source_note
from jettison.inspect.report import HiddenPath, InspectReport
from jettison.inspect.tree import ByteTree, TreeNode
from jettison.notices import Severity
from jettison.render import Look
from jettison.render.inspect import json_model as json_report
from support.schema_drift import Json, JsonModel, SchemaTests


def _scalar(value: object) -> object:
    """Severities are spelled by name in JSON."""
    return value.label if isinstance(value, Severity) else value


MODEL = JsonModel(
    encoder="jettison/render/inspect/json_model.py",
    scalar=_scalar,
    renamed={(HiddenPath, "by_layer"): "hidden_by_layer_index"},
    pairs_as_objects=True,
    omitted=frozenset({(InspectReport, "tree")}),
)


class TestSchema(SchemaTests):
    encoder = json_report
    model = MODEL
    file_name = "inspect-report.schema.json"
    min_objects = 11
    reports_in = "conftest.py"
    not_reported = frozenset({ByteTree, TreeNode})

    @pytest.fixture
    def full_report(self, bert_report: InspectReport) -> InspectReport:
        note = source_note("the index holds one image, for linux/arm64 (not linux/amd64): read it")
        return dataclasses.replace(bert_report, notes=(note,))

    @pytest.mark.usefixtures("pinned_version")
    @pytest.mark.parametrize("report_name", ["bert_report", "minimal_report"])
    def test_json_validates_against_schema(
        self, report_name: str, schema: Json, request: pytest.FixtureRequest
    ) -> None:
        report: InspectReport = request.getfixturevalue(report_name)
        document = json.loads(json_report.render_json(report, Look()))
        jsonschema.Draft202012Validator(schema).validate(document)
