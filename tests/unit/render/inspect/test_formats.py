"""Behaviour of the renderers beyond the snapshots: dispatch, purity, width, escaping."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from jettison.inspect.report import InspectReport, PathBytes
from jettison.render import Look, formats
from jettison.render import render as render_report
from jettison.render.inspect.document import runs_as_root
from jettison.render.inspect.json_model import render_json, to_json_model

FORMATS = formats("inspect")


def render(report: InspectReport, fmt: str, *, width: int = 100, color: bool = False) -> str:
    return render_report("inspect", report, fmt, Look(width, color))


ANSI = re.compile(r"\x1b\[[0-9;]*m")


def test_formats_and_unknown_format(bert_report: InspectReport) -> None:
    assert FORMATS == ("tty", "json", "markdown", "html")
    with pytest.raises(ValueError, match="unknown format 'yaml'"):
        render(bert_report, "yaml")


@pytest.mark.parametrize("fmt", FORMATS)
def test_renderers_are_pure(
    fmt: str, bert_report: InspectReport, capsys: pytest.CaptureFixture[str]
) -> None:
    first = render(bert_report, fmt)
    assert first == render(bert_report, fmt)
    assert first.endswith("\n")
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize("width", [60, 80, 100, 140])
def test_tty_fits_the_width(width: int, bert_report: InspectReport) -> None:
    text = render(bert_report, "tty", width=width)
    too_long = [line for line in text.splitlines() if len(line) > width]
    assert too_long == []
    assert "… 7 more" in text


def test_tty_ignores_the_environment(
    bert_report: InspectReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = render(bert_report, "tty", width=100)
    for name, value in {"COLUMNS": "40", "FORCE_COLOR": "1", "TTY_COMPATIBLE": "1"}.items():
        monkeypatch.setenv(name, value)
    assert render(bert_report, "tty", width=100) == plain
    monkeypatch.setenv("NO_COLOR", "1")
    coloured = render(bert_report, "tty", width=100, color=True)
    assert ANSI.search(coloured)
    assert ANSI.sub("", coloured) == plain


def test_tty_without_color_has_no_escape_codes(bert_report: InspectReport) -> None:
    assert "\x1b" not in render(bert_report, "tty")


def test_tty_content(bert_report: InspectReport) -> None:
    text = render(bert_report, "tty")
    assert "root (USER not set: running as root)" in text
    assert "dive-compatible (dive 0.13.1)" in text
    assert "Efficiency score  96.4117%" in text
    assert "Could save 1.82 GB (23.5% of the final filesystem)" in text
    assert "FAIL     max-pull-size" in text
    assert "7 items could not be analysed" in text
    assert "#(nop)" not in text and "# buildkit" not in text and "|2 " not in text


def test_pull_size_unknown_when_stored_uncompressed(minimal_report: InspectReport) -> None:
    assert "unknown: layers stored uncompressed" in render(minimal_report, "tty")
    assert "unknown: layers stored uncompressed" in render(minimal_report, "markdown")


@pytest.mark.parametrize(
    ("user", "root"),
    [
        (None, True),
        ("", True),
        ("root", True),
        ("0", True),
        ("0:0", True),
        ("root:root", True),
        ("1000", False),
        ("app:app", False),
        ("nobody", False),
    ],
)
def test_runs_as_root(user: str | None, root: bool) -> None:
    assert runs_as_root(user) is root


def test_markdown_tables_survive_hostile_names(bert_report: InspectReport) -> None:
    cause = bert_report.removable[0]
    hostile = dataclasses.replace(
        cause,
        title="weights | *bold* <b>html</b>",
        top=(PathBytes("app/a|b`c`/x_y*.bin", 10, 5, "unowned:/app"),),
    )
    report = dataclasses.replace(bert_report, removable=(hostile, *bert_report.removable[1:]))
    text = render(report, "markdown")
    for line in text.splitlines():
        if line.startswith("| "):
            # every row of a table has as many unescaped pipes as its header
            assert len(re.findall(r"(?<!\\)\|", line)) in {4, 5, 6, 7}, line
    assert "``/app/a\\|b`c`/x_y*.bin``" in text or "`` /app/a\\|b`c`/x_y*.bin ``" in text
    assert "weights \\| \\*bold\\* \\<b\\>html\\</b\\>" in text


def test_json_is_the_model_and_keeps_unicode(bert_report: InspectReport) -> None:
    text = render_json(bert_report, Look())
    assert json.loads(text) == to_json_model(bert_report)
    assert "app/modèles/README" in text
    assert "app/data/caf\\\\xe9-menu.txt" in text  # the escaped name, its backslash encoded


def test_json_tool_version_follows_the_package(
    bert_report: InspectReport, pinned_version: str
) -> None:
    assert to_json_model(bert_report)["tool"] == {"name": "jettison", "version": pinned_version}
