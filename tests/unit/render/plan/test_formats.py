"""The plan renderers: golden snapshots of every format, what the human reports must say,
and the JSON model kept in step with its schema and the domain model.

Snapshots live in ``snapshots/``; ``JETTISON_UPDATE_SNAPSHOTS=1`` rewrites them (review the
diff). The drift checks are those of the inspect and lint reports
(:mod:`support.schema_drift`), with the plan's few deliberate departures from the domain
model spelled out in :data:`MODEL`.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

import jettison
from jettison.diff.model import DiffReport
from jettison.dockerfile.model import Dockerfile
from jettison.inspect.tree import ByteTree, TreeNode
from jettison.notices import Severity
from jettison.plan.model import ImageMeasure, Measurement, PlanReport, Service, Split
from jettison.render import formats
from jettison.render import plan as plan_render
from jettison.render.plan import build_command
from support import snapshots
from support.render import renderer_for
from support.schema_drift import Json, JsonModel, SchemaTests, dataclass_types
from unit.plan._plan_report import dry_run_report, failed_report, full_report

FORMATS = formats("plan")
render = renderer_for("plan")

SNAPSHOTS = Path(__file__).parent / "snapshots"
PINNED_VERSION = "0.0.0+snapshot"

REPORTS: dict[str, Callable[[], PlanReport]] = {
    "full": full_report,
    "dry-run": dry_run_report,
    "failed": failed_report,
}
# snapshot file -> (report, format, width, color)
CASES: dict[str, tuple[str, str, int, bool]] = {
    "full.txt": ("full", "tty", 100, False),
    "full.ansi.txt": ("full", "tty", 100, True),
    "full.md": ("full", "markdown", 100, False),
    "full.json": ("full", "json", 100, False),
    "dry-run.txt": ("dry-run", "tty", 100, False),
    "dry-run.md": ("dry-run", "markdown", 100, False),
    "failed.txt": ("failed", "tty", 100, False),
    "failed.md": ("failed", "markdown", 100, False),
}


@pytest.fixture
def pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """JSON snapshots must not change with each release."""
    monkeypatch.setattr(jettison, "__version__", PINNED_VERSION)


@pytest.mark.usefixtures("pinned_version")
@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot(name: str) -> None:
    report, fmt, width, color = CASES[name]
    text = render(REPORTS[report](), fmt, width=width, color=color)
    snapshots.check_snapshot(SNAPSHOTS, name, text, suite="tests/unit/render/plan")


def test_no_stale_snapshots() -> None:
    snapshots.check_no_stale(SNAPSHOTS, CASES)


def test_unknown_format_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render(full_report(), "xml")


@pytest.mark.parametrize("fmt", ["tty", "markdown"])
def test_human_reports_show_the_measured_totals(fmt: str) -> None:
    report = full_report()
    measurement = report.measurement
    assert measurement is not None
    text = render(report, fmt, width=160)
    # 3 originals: 2 shared python layers + 2 own each; after: python + base + ml layers once.
    assert measurement.before.distinct_bytes == 500 * 10**6 + 3 * 1102 * 10**6
    assert (
        measurement.after.distinct_bytes
        == 500 * 10**6 + 90 * 10**6 + 900 * 10**6 + (6 + 1102) * 10**6
    )
    for words in ("sum of image sizes", "each distinct layer once", "pulled by a node"):
        assert words in text
    assert "3.81 GB" in text  # before.distinct_bytes
    assert f"{measurement.storage_ratio:.1%}" in text
    assert build_command(report) in text


@pytest.mark.parametrize("fmt", ["tty", "markdown", "json"])
def test_what_the_registry_holds_after_push(fmt: str) -> None:
    """plan --push: the compressed blobs the registry holds, each digest once, and the storage
    ratio from them; without --push those rows are absent."""
    report = full_report()
    measurement = report.measurement
    assert measurement is not None
    pushed = dataclasses.replace(
        measurement,
        before=dataclasses.replace(
            measurement.before, registry_layers=8, registry_bytes=1_500_000_000
        ),
        after=dataclasses.replace(measurement.after, registry_layers=7, registry_bytes=600_000_000),
    )
    text = render(dataclasses.replace(report, measurement=pushed), fmt, width=160)
    if fmt == "json":
        doc = json.loads(text)
        assert (
            doc["measurement"]["before"]["registry_bytes"],
            doc["measurement"]["after"]["registry_layers"],
        ) == (1_500_000_000, 7)
        assert doc["measurement"]["storage_ratio"] == pytest.approx(0.4)
        return
    assert "in the registry after --push" in text and "1.5 GB" in text and "600 MB" in text
    assert "40.0%" in text
    assert "in the registry after --push" not in render(report, fmt, width=160)


@pytest.mark.parametrize("fmt", ["tty", "markdown"])
def test_failures_are_listed(fmt: str) -> None:
    text = render(failed_report(), fmt, width=200)
    assert "not built: its base localhost/repo/base-ml:plan failed" in text
    assert "No module named 'redis'" in text
    assert "1 service left out of the totals" in text


def test_dry_run_says_nothing_was_written() -> None:
    text = render(dry_run_report(), "tty")
    assert "dry run: nothing written" in text
    assert "Measured" not in text and "Problems" not in text


# --------------------------------------------------------------------------- JSON schema


def _scalar(value: object) -> object:
    """How the JSON model spells a domain scalar: paths with forward slashes, sets sorted."""
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, Severity):
        return value.label
    return value


class PlanJsonModel(JsonModel):
    """The plan's JSON departs from the domain model in two places, on purpose: a service's
    parsed Dockerfile is only ``parsed: true|false`` (the report is not a Dockerfile
    dump), and each dev entry is an object ``{pin, dropped}`` rather than a pair."""

    def walk(self, obj: object, node: Json, where: str, visited: set[type]) -> None:
        if isinstance(obj, Service):
            assert node["parsed"] is (obj.parsed is not None), f"{where}.parsed"
            parsed = obj.parsed
            obj = dataclasses.replace(obj, parsed=None)
            node = {**node, "parsed": None}
            if parsed is not None:
                visited.add(type(parsed))
        if isinstance(obj, Split):
            assert len(node["dev"]) == len(obj.dev), f"{where}.dev"
            for i, ((pin, why), entry) in enumerate(zip(obj.dev, node["dev"], strict=True)):
                self.walk(pin, entry["pin"], f"{where}.dev[{i}].pin", visited)
                self.walk(why, entry["dropped"], f"{where}.dev[{i}].dropped", visited)
            obj = dataclasses.replace(obj, dev=())
            node = {**node, "dev": []}
        super().walk(obj, node, where, visited)
        if isinstance(obj, ImageMeasure):
            assert node["size_bytes"] == obj.size_bytes, f"{where}.size_bytes"
        if isinstance(obj, Measurement):
            ratio = obj.storage_ratio
            assert node["storage_ratio"] == (None if ratio is None else round(ratio, 4))


MODEL = PlanJsonModel(
    encoder="jettison/render/plan.py",
    scalar=_scalar,
    omitted=frozenset({(DiffReport, "before_tree"), (DiffReport, "after_tree")}),
)


class TestSchema(SchemaTests):
    encoder = plan_render
    model = MODEL
    file_name = "plan-report.schema.json"
    min_objects = 15
    reports_in = "_plan_report.py"
    not_reported = frozenset(dataclass_types(Dockerfile)) | {ByteTree, TreeNode}
    """A Dockerfile is summed up as ``parsed: true|false``; its own types are not reported."""

    @pytest.fixture
    def full_report(self) -> PlanReport:
        return full_report()

    @pytest.mark.parametrize("name", sorted(REPORTS))
    def test_json_validates_against_schema(self, name: str, schema: Json) -> None:
        text = render(REPORTS[name](), "json")
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))


def test_formats_are_those_the_cli_offers() -> None:
    from jettison.cli.plan_cmd import plan_cmd

    (option,) = [p for p in plan_cmd.params if p.name == "fmt"]
    assert tuple(option.type.choices) == FORMATS  # type: ignore[attr-defined]
