"""Lint renderers: golden snapshots of every format, and the structure SARIF and GitHub need.

``JETTISON_UPDATE_SNAPSHOTS=1`` rewrites the snapshots; review the diff.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import jettison
from jettison.lint.report import LintReport
from jettison.render import Look, formats, render
from jettison.render.lint.github import escape_data, escape_property
from jettison.render.lint.sarif import FINGERPRINT_KEY, SARIF_SCHEMA
from support import snapshots
from support.lint_reports import make_empty_report, make_report

DOCS = "https://example.invalid/jettison/docs/rules.md"
LINT_FORMATS = formats("lint")
SNAPSHOTS = Path(__file__).parent / "snapshots"


def check_snapshot(name: str, actual: str) -> None:
    """Fail unless ``actual`` equals ``snapshots/<name>`` byte for byte (or rewrite it)."""
    snapshots.check_snapshot(SNAPSHOTS, name, actual, suite="tests/unit/render/lint")


def render_lint(report: LintReport, fmt: str, **look: Any) -> str:
    return render("lint", report, fmt, Look(**look))


# snapshot file -> (report maker, format, options)
CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "bert.txt": ("bert", "tty", {"width": 100}),
    "bert.ansi.txt": ("bert", "tty", {"width": 100, "color": True}),
    "bert-narrow.txt": ("bert", "tty", {"width": 60}),
    "bert.json": ("bert", "json", {}),
    "bert.sarif": ("bert", "sarif", {"docs_url": DOCS}),
    "bert.github.txt": ("bert", "github", {}),
    "empty.txt": ("empty", "tty", {}),
    "empty.json": ("empty", "json", {}),
    "empty.sarif": ("empty", "sarif", {}),
}
MAKERS = {"bert": make_report, "empty": make_empty_report}


@pytest.fixture(autouse=True)
def pinned_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jettison, "__version__", "0.0.0+snapshot")


@pytest.mark.parametrize("name", sorted(CASES))
def test_snapshot(name: str) -> None:
    maker, fmt, options = CASES[name]
    check_snapshot(name, render_lint(MAKERS[maker](), fmt, **options))


def test_no_stale_snapshots() -> None:
    snapshots.check_no_stale(SNAPSHOTS, CASES)


def test_every_format_is_covered_and_unknown_is_an_error() -> None:
    assert {fmt for _, fmt, _ in CASES.values()} == set(LINT_FORMATS)
    with pytest.raises(ValueError, match="unknown format 'xml'"):
        render_lint(make_report(), "xml")


def test_tty_lines_and_summary() -> None:
    text = render_lint(make_report(), "tty", width=200)
    assert "naive_image/Dockerfile:5:1 JT201 warning final stage on the full" in text
    assert "naive_image/Dockerfile:9:3 JT001 error unknown instruction COPPY" in text
    assert "    fix: Did you mean COPY?" in text
    assert "    saves: up to 5.74 GB (installed size of torch wheels (package index))" in text
    assert "7 findings: 1 error, 5 warnings, 1 info; 2 ignored (6 rules on 3 files)" in text
    assert "Estimated saving: up to 6.55 GB from 3 findings (savings may overlap)" in text
    assert "note: internal error: rule JT999" in text
    assert "\x1b[" not in text
    assert render_lint(make_empty_report(), "tty").startswith("No findings (1 rule on 1 file)")


def test_tty_color_changes_only_the_escapes() -> None:
    plain = render_lint(make_report(), "tty")
    colored = render_lint(make_report(), "tty", color=True)
    assert "\x1b[" in colored
    assert re.sub(r"\x1b\[[0-9;]*m", "", colored) == plain


def _sarif(report: LintReport) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(render_lint(report, "sarif", docs_url=DOCS))
    return document


def test_sarif_has_what_github_code_scanning_requires() -> None:
    log = _sarif(make_report())
    assert log["$schema"] == SARIF_SCHEMA
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "jettison"
    assert driver["version"] == "0.0.0+snapshot"
    assert driver["informationUri"] == DOCS
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["JT001", "JT101", "JT201", "JT301", "JT302", "JT601"]
    for rule in rules:
        assert set(rule) >= {
            "id",
            "name",
            "shortDescription",
            "fullDescription",
            "helpUri",
            "defaultConfiguration",
            "properties",
        }
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["helpUri"] == f"{DOCS}#{rule['id'].lower()}"
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}
        assert all(isinstance(tag, str) for tag in rule["properties"]["tags"])
    assert "hadolint:DL3009" in rules[1]["properties"]["tags"]
    results = run["results"]
    assert len(results) == len(make_report().findings)
    fingerprints = set()
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        uri = physical["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "./")) and "\\" not in uri
        region = physical["region"]
        assert region["startLine"] >= 1 and region["startColumn"] >= 1
        assert region.get("endLine", region["startLine"]) >= region["startLine"]
        fingerprints.add(result["partialFingerprints"][FINGERPRINT_KEY])
    assert len(fingerprints) == len(results)
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 5,
        "startColumn": 1,
        "endLine": 5,
    }
    assert results[0]["properties"] == {
        "savingBytes": 812_000_000,
        "savingSource": "measured in image build/bert.tar",
    }
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"].startswith("internal error: rule JT999")


def test_sarif_fingerprints_do_not_depend_on_the_line() -> None:
    from dataclasses import replace

    report = make_report()
    moved = replace(report, findings=tuple(replace(f, line=f.line + 10) for f in report.findings))
    before = [r["partialFingerprints"] for r in _sarif(report)["runs"][0]["results"]]
    after = [r["partialFingerprints"] for r in _sarif(moved)["runs"][0]["results"]]
    assert before == after


def test_sarif_absolute_paths_become_file_uris() -> None:
    from dataclasses import replace

    report = make_report()
    outside = replace(report, findings=(replace(report.findings[0], file=Path("/srv/Dockerfile")),))
    result = _sarif(outside)["runs"][0]["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "file:///srv/Dockerfile"
    )


def test_sarif_without_docs_url_leaves_links_out() -> None:
    log = json.loads(render_lint(make_report(), "sarif"))
    driver = log["runs"][0]["tool"]["driver"]
    assert "informationUri" not in driver
    assert all("helpUri" not in rule for rule in driver["rules"])


def test_github_annotations() -> None:
    lines = render_lint(make_report(), "github").splitlines()
    assert len(lines) == len(make_report().findings)
    assert lines[0] == (
        "::warning file=naive_image/Dockerfile,line=5,col=1,title=JT201 full-python-base::"
        "final stage on the full python:3.10 image; python:3.10-slim has the same Python"
        "%0AFix: FROM python:3.10-slim (install the few build tools you need in a builder "
        "stage)%0ASaves up to 812 MB (measured in image build/bert.tar)."
    )
    assert lines[1].startswith("::warning file=naive_image/Dockerfile,line=6,col=1,endLine=7,")
    assert lines[2].startswith("::error ")
    assert lines[3].startswith("::notice ")
    assert lines[-1].startswith("::warning file=svc%2C a%3Ab/requirements.txt,line=2,")
    assert render_lint(make_empty_report(), "github") == ""


def test_github_escaping() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
