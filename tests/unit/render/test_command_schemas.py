"""The JSON models of fix, build, verify and optimize, their schemas and their domain models
must not drift apart (the same checks as inspect's, lint's and the plan's: see
``tests/support/schema_drift.py``), and every command renders through the one registry."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison import api
from jettison.builder.backend import RunResult
from jettison.builder.core import BuildReport, HttpProbe, SmokeRun, VerifyReport
from jettison.builder.options import Mount
from jettison.builder.verify import Verdict
from jettison.diff.core import check_growth, compare, parse_growth
from jettison.diff.model import DiffReport
from jettison.fix.changes import Change
from jettison.fix.report import FixReport, OutputFile
from jettison.inspect.tree import ByteTree, TreeNode
from jettison.lint.report import RulesReport
from jettison.notices import Notice, Severity
from jettison.optimize.report import (
    CauseSaving,
    CodeCount,
    ImageFacts,
    LintSummary,
    OptimizeReport,
    SmokeFacts,
)
from jettison.render import FORMATS, Look, render
from jettison.render import builder as builder_render
from jettison.render import fix as fix_render
from jettison.render import optimize as optimize_render
from jettison.render import rules as rules_render
from support.diffimages import inspection, naive_layers, slim_layers
from support.schema_drift import Json, JsonModel, SchemaTests


def _scalar(value: object) -> object:
    if isinstance(value, Path):
        return value.as_posix()
    return value.label if isinstance(value, Severity) else value


CHANGES = (
    Change("JT302", "CPU target: torch from the CPU index", 4_050_000_000),
    Change("JT601", "an unprivileged user `app` runs the service"),
)


def fix_report() -> FixReport:
    return FixReport(
        files=(
            OutputFile(Path("svc/Dockerfile.jettison"), "FROM python:3.11-slim\n"),
            OutputFile(Path("svc/requirements.runtime.txt"), "flask==3.0.0\n"),
        ),
        changes=CHANGES,
        diff="--- svc/Dockerfile\n+++ svc/Dockerfile.jettison\n",
        target="cpu",
        written=False,
        mounts=(Mount(Path("/opt/wheels"), "/wheels"),),
        notices=(
            Notice(
                Severity.INFO,
                "JT107 not fixed: a RUN in exec form (JSON) is left as written",
                kind="fix-skipped",
                subject="JT107",
                path=Path("svc/Dockerfile"),
                line=4,
            ),
        ),
    )


def build_report() -> BuildReport:
    return BuildReport(
        "buildah", "localhost/svc:latest", "sha256:abc", 12.5, Path("out.tar"), "docker-archive"
    )


def verify_report() -> VerifyReport:
    result = RunResult(0, "HTTP 200\nok\n", "", 1.25, False)
    return VerifyReport(
        builder="buildah",
        runs=(
            SmokeRun("localhost/a", ("python", "app.py"), result),
            SmokeRun("localhost/b", None, result),
        ),
        expect="ok",
        verdict=Verdict(True, "same status and body"),
        probe=HttpProbe("/healthz", 8000),
    )


def _facts(image: str, size: int) -> ImageFacts:
    smoke = SmokeFacts(0, False, 0.5, ("HTTP 200", "ok"), ("warming up",), 200)
    return ImageFacts(image, size, 400_000_000, 8, 65.0, smoke)


def optimize_report() -> OptimizeReport:
    return OptimizeReport(
        dockerfile=Path("svc/Dockerfile"),
        context_dir=Path("svc"),
        optimized_dockerfile=Path("svc/Dockerfile.jettison"),
        target="cpu",
        builder="buildah",
        original=_facts("localhost/svc:original", 1_360_000_000),
        optimized=_facts("localhost/svc:optimized", 222_000_000),
        smoke_command=("python", "app/main.py", "--selftest"),
        expect=None,
        verified=True,
        verdict="same exit code (0) and output",
        causes=(CauseSaving("toolchain", "Compilers and headers", 371_000_000, 0),),
        changes=CHANGES,
        lint=LintSummary(12, (CodeCount("JT101", 2), CodeCount("JT301", 1)), 900_000_000),
        files_written=(Path("svc/Dockerfile.jettison"),),
        images_kept=False,
        repairs=(
            Notice(
                Severity.WARNING,
                "applied 3 of 4 fixes; JT201 broke the check: after: ModuleNotFoundError",
                kind="fix-repaired",
            ),
        ),
        probe=HttpProbe("/healthz", 8000),
        diff=_sample_diff(),
    )


def _sample_diff() -> DiffReport:
    report = compare(inspection(naive_layers()), inspection(slim_layers()))
    return replace(report, gate=check_growth(report, *parse_growth("0")))


class TestFixSchema(SchemaTests):
    encoder = fix_render
    model = JsonModel(encoder="jettison/render/fix.py", scalar=_scalar)
    file_name = "fix-report.schema.json"
    min_objects = 4
    reports_in = "test_command_schemas.py"

    @pytest.fixture
    def full_report(self) -> FixReport:
        return fix_report()

    def test_json_validates_against_schema(self, schema: Json) -> None:
        text = render("fix", fix_report(), "json")
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))


BUILD_ENCODER = SimpleNamespace(
    SCHEMA_VERSION=builder_render.BUILD_SCHEMA_VERSION,
    SCHEMA_RESOURCE=builder_render.BUILD_SCHEMA_RESOURCE,
    load_schema=builder_render.load_build_schema,
    to_json_model=builder_render.build_json_model,
)
VERIFY_ENCODER = SimpleNamespace(
    SCHEMA_VERSION=builder_render.VERIFY_SCHEMA_VERSION,
    SCHEMA_RESOURCE=builder_render.VERIFY_SCHEMA_RESOURCE,
    load_schema=builder_render.load_verify_schema,
    to_json_model=builder_render.verify_json_model,
)


class TestBuildSchema(SchemaTests):
    encoder = BUILD_ENCODER  # type: ignore[assignment]
    model = JsonModel(encoder="jettison/render/builder.py", scalar=_scalar)
    file_name = "build-report.schema.json"
    min_objects = 2
    reports_in = "test_command_schemas.py"

    @pytest.fixture
    def full_report(self) -> BuildReport:
        return build_report()

    def test_json_validates_against_schema(self, schema: Json) -> None:
        text = render("build", build_report(), "json")
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))


class TestVerifySchema(SchemaTests):
    encoder = VERIFY_ENCODER  # type: ignore[assignment]
    model = JsonModel(
        encoder="jettison/render/builder.py",
        scalar=_scalar,
        flattened=frozenset({(VerifyReport, "verdict"), (SmokeRun, "result")}),
    )
    file_name = "verify-report.schema.json"
    min_objects = 4
    reports_in = "test_command_schemas.py"

    @pytest.fixture
    def full_report(self) -> VerifyReport:
        return verify_report()

    def test_json_validates_against_schema(self, schema: Json) -> None:
        text = render("verify", verify_report(), "json")
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))


class TestOptimizeSchema(SchemaTests):
    encoder = optimize_render
    model = JsonModel(
        encoder="jettison/render/optimize.py",
        scalar=_scalar,
        omitted=frozenset({(DiffReport, "before_tree"), (DiffReport, "after_tree")}),
    )
    not_reported = frozenset({ByteTree, TreeNode})
    file_name = "optimize-report.schema.json"
    min_objects = 9
    reports_in = "test_command_schemas.py"

    @pytest.fixture
    def full_report(self) -> OptimizeReport:
        return optimize_report()

    def test_json_validates_against_schema(self, schema: Json) -> None:
        text = render("optimize", optimize_report(), "json")
        jsonschema.Draft202012Validator(schema).validate(json.loads(text))


EVERY_REPORT = {
    "fix": fix_report,
    "build": build_report,
    "verify": verify_report,
    "optimize": optimize_report,
}


@pytest.mark.parametrize(
    ("command", "fmt"),
    [(c, f) for c in EVERY_REPORT for f in FORMATS[c]],
)
def test_every_format_renders_and_is_pure(command: str, fmt: str) -> None:
    report = EVERY_REPORT[command]()
    first = render(command, report, fmt, Look(80, False))
    assert first and first == render(command, report, fmt, Look(80, False))


def test_every_json_report_has_the_same_header_form() -> None:
    for command, make in EVERY_REPORT.items():
        document = json.loads(render(command, make(), "json"))
        version = document["schema_version"]
        assert isinstance(version, str) and version.count(".") == 1, (command, version)
        assert set(document["tool"]) == {"name", "version"}
        assert list(document) == sorted(document), f"{command}: keys not sorted"


class TestRulesSchema(SchemaTests):
    encoder = rules_render
    model = JsonModel(encoder="jettison/render/rules.py", scalar=_scalar)
    file_name = "rules-report.schema.json"
    min_objects = 3
    reports_in = "jettison.api.rules (the real registry)"

    @pytest.fixture
    def full_report(self) -> RulesReport:
        return api.rules(["JT1"])

    def test_json_validates_against_schema(self, schema: Json) -> None:
        for report in (api.rules(), api.rules(["JT302", "JT6"])):
            text = render("rules", report, "json")
            jsonschema.Draft202012Validator(schema).validate(json.loads(text))
