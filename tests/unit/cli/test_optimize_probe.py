"""``optimize --probe``: the service each image starts is asked over HTTP, and the report
shows the answers. Reuses optimize's fakes (a builder that runs nothing, made-up inspect
reports, fake lint and fix)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from jettison import api
from jettison.builder import probe
from jettison.builder.backend import RunResult
from jettison.cli.optimize_cmd import optimize_cmd
from jettison.errors import ConfigError
from jettison.optimize.core import optimize
from jettison.render.optimize import SCHEMA_VERSION
from support.options import check, using
from support.render import renderer_for
from unit.optimize.test_optimize import STEPS, StoreBuilder, write_project

render = renderer_for("optimize")

OK = RunResult(
    0, 'HTTP 200\n{"ok": true}\n', "probe: GET /healthz on port 8000: HTTP 200\n", 2.0, False
)
BROKEN = RunResult(
    1,
    "HTTP 500\nInternal Server Error",
    "probe: GET /healthz on port 8000: HTTP 500\n",
    2.5,
    False,
)


class ServiceBuilder(StoreBuilder):
    """StoreBuilder whose images expose ports, as a web service's do."""

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return ("8000/tcp", "9090/tcp")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path)


def test_probe_runs_the_original_command_as_a_service_in_both_images(project: Path) -> None:
    builder = ServiceBuilder(results={"original": OK, "optimized": OK})
    report = optimize(
        project, check=check(probe="/healthz", timeout_s=30), build=using(builder), steps=STEPS
    )
    expected = probe.argv(("python", "main.py"), path="/healthz", port=8000, wait_s=30)
    assert builder.ran == [
        ("localhost/svc:original", expected),
        ("localhost/svc:optimized", expected),
    ]
    assert (report.verified, report.verdict) == (True, "same HTTP status (200) and body")
    assert (report.probe_path, report.probe_port) == ("/healthz", 8000)
    assert report.original.smoke.http_status == report.optimized.smoke.http_status == 200

    text = render(report, "tty")
    assert re.search(r"\n  probe GET /healthz +HTTP 200 \(2\.0s\) +HTTP 200 \(2\.0s\)\n", text)
    assert (
        "probe `GET /healthz` on port 8000 (service `python main.py`) passes in both images: "
        "same HTTP status (200) and body"
    ) in text
    assert "| probe GET /healthz | HTTP 200 (2.0s) | HTTP 200 (2.0s) |  |" in render(
        report, "markdown"
    )
    doc = json.loads(render(report, "json"))
    assert doc["schema_version"] == SCHEMA_VERSION == "2.2"
    assert doc["probe"] == {"path": "/healthz", "port": 8000}
    assert doc["original"]["smoke"]["http_status"] == 200


def test_without_probe_the_report_has_no_probe(project: Path) -> None:
    report = optimize(project, build=using(ServiceBuilder()), steps=STEPS)
    assert (report.probe_path, report.probe_port, report.original.smoke.http_status) == (
        None,
        None,
        None,
    )
    doc = json.loads(render(report, "json"))
    assert doc["probe"] is None and doc["optimized"]["smoke"]["http_status"] is None
    assert "smoke command" in render(report, "tty")


def test_a_failing_probe_fails_verification(project: Path) -> None:
    builder = ServiceBuilder(results={"original": OK, "optimized": BROKEN})
    report = optimize(
        project,
        check=check("uvicorn app:app", probe="/healthz", port=9090),
        build=using(builder),
        steps=STEPS,
    )
    assert builder.ran[0][1][4:6] == ("9090", "/healthz")
    assert builder.ran[0][1][-2:] == ("uvicorn", "app:app")
    assert (report.verified, report.verdict) == (False, "HTTP 200 before, HTTP 500 after")
    assert "HTTP 500 (2.5s)" in render(report, "tty")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"port": 8000}, "--port needs --probe"), ({"probe": "healthz"}, "absolute URL path")],
)
def test_probe_bad_input_builds_nothing(
    project: Path, kwargs: dict[str, object], message: str
) -> None:
    builder = ServiceBuilder()
    with pytest.raises(ConfigError, match=message):
        optimize(project, check=check(**kwargs), build=using(builder), steps=STEPS)  # type: ignore[arg-type]
    assert builder.built == []


def test_cli_passes_probe_and_port(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    builder = ServiceBuilder(results={"original": OK, "optimized": BROKEN})
    real = api.optimize

    def patched(path: Path, **kwargs: object) -> object:
        kwargs["build"] = replace(kwargs["build"], builder=builder)  # type: ignore[type-var]
        kwargs["steps"] = STEPS
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(api, "optimize", patched)
    done = CliRunner().invoke(
        optimize_cmd,
        [str(project), "--probe", "/healthz", "--port", "9090", "-q", "--format", "json"],
    )
    assert done.exit_code == 1, done.output
    doc = json.loads(done.stdout)
    assert doc["probe"] == {"path": "/healthz", "port": 9090}
    assert doc["verdict"] == "HTTP 200 before, HTTP 500 after"
    assert "the optimized image failed: HTTP 200 before, HTTP 500 after" in done.stderr
