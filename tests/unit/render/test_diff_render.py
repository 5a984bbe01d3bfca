"""The diff report's renderers: terminal and Markdown from one document, JSON matching its
schema and the domain model (the drift checks every report passes)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison.diff.core import check_growth, compare, parse_growth
from jettison.diff.model import DiffReport
from jettison.inspect.tree import ByteTree, TreeNode
from jettison.render import FORMATS, Look, render
from jettison.render.diff import json_model
from support.diffimages import inspection, naive_layers, slim_layers
from support.schema_drift import Json, JsonModel, SchemaTests
from support.snapshots import check_snapshot

SNAPSHOTS = Path(__file__).parent / "snapshots"
NAIVE = inspection(naive_layers(), "build/naive.tar")
SLIM = inspection(slim_layers(), "build/slim.tar")


def full_report() -> DiffReport:
    """Every array filled: the naive image against the slim one, with a gate."""
    report = compare(NAIVE, SLIM, trees=True)
    from dataclasses import replace

    return replace(report, gate=check_growth(report, *parse_growth("5%")))


class TestDiffSchema(SchemaTests):
    encoder = json_model
    model = JsonModel(
        encoder="jettison/render/diff/json_model.py",
        omitted=frozenset({(DiffReport, "before_tree"), (DiffReport, "after_tree")}),
    )
    file_name = "diff-report.schema.json"
    min_objects = 9
    reports_in = "test_diff_render.py"
    not_reported = frozenset({ByteTree, TreeNode})

    @pytest.fixture
    def full_report(self) -> DiffReport:
        return full_report()

    def test_json_validates_against_schema(self, schema: Json) -> None:
        for report in (full_report(), compare(NAIVE, NAIVE)):
            document = json.loads(render("diff", report, "json"))
            jsonschema.Draft202012Validator(schema).validate(document)
            assert list(document) == sorted(document)

    def test_deltas_are_in_the_json(self) -> None:
        document = json.loads(render("diff", full_report(), "json"))
        final = document["final_delta_bytes"]
        assert sum(o["delta_bytes"] for o in document["owners"]) == final
        assert sum(c["delta_bytes"] for c in document["causes"]) == final
        files = sum(f["delta_bytes"] for f in document["files"])
        assert files + document["files_rest"]["delta_bytes"] == final
        layers = sum(x["delta_bytes"] for x in document["layers"])
        assert layers == document["size_delta_bytes"]


@pytest.mark.parametrize("fmt", [f for f in FORMATS["diff"] if f != "json"])
def test_every_format_renders_and_is_pure(fmt: str) -> None:
    report = full_report()
    first = render("diff", report, fmt, Look(100, False))
    assert first and first == render("diff", report, fmt, Look(100, False))


@pytest.mark.parametrize(
    ("name", "fmt", "identical"),
    [
        ("slimmed.txt", "tty", False),
        ("slimmed.md", "markdown", False),
        ("identical.txt", "tty", True),
        ("identical.md", "markdown", True),
    ],
)
def test_snapshots(name: str, fmt: str, identical: bool) -> None:
    report = compare(NAIVE, NAIVE) if identical else full_report()
    text = render("diff", report, fmt, Look(100, False))
    check_snapshot(SNAPSHOTS, name, text, suite="tests/unit/render/test_diff_render.py")


def test_markdown_cuts_long_lists_and_says_how_many_more() -> None:
    text = render("diff", full_report(), "markdown")
    assert "… and" in text and "more files" in text
    assert "pandas (python)" in text and "removed" in text
    assert "3.0.11-1\\~deb12u2 -\\> 3.0.13-1\\~deb12u1" in text


def test_identical_images_say_no_change() -> None:
    for fmt in ("tty", "markdown"):
        text = render("diff", compare(NAIVE, NAIVE), fmt, Look(100, False))
        assert "no change" in text
        assert "Largest changed files" not in text
