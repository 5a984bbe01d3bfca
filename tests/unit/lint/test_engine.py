"""The engine: three levels of ignore, severity overrides, order, totals, crashing rules."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from jettison.dockerfile.parser import parse_dockerfile
from jettison.lint.config import LintConfig, parse_lint_table
from jettison.lint.engine import run_rules
from jettison.lint.model import Finding, LintContext, Rule, Saving, Severity
from jettison.requirements.model import RequirementSet
from support.files import write

from ._helpers import make_rule

DOCKERFILE = """\
FROM python:3.11
# jettison: ignore=JT901
RUN apt-get update && \\
    apt-get install -y curl
# a comment
# jettison: ignore=all
RUN pip install torch
RUN echo done
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    write(root, "Dockerfile", DOCKERFILE)
    write(
        root,
        "requirements.txt",
        "torch==2.7.0  # jettison: ignore=JT902\n# jettison: ignore=JT902, JT903\npytest\nblack\n",
    )
    monkeypatch.chdir(root)
    return root


def _ctx(root: Path) -> LintContext:
    return LintContext(
        dockerfile=parse_dockerfile(root / "Dockerfile"),
        context_dir=root,
        requirements=RequirementSet((), (root / "requirements.txt",)),
    )


def _at(code: str, file: Path, line: int, **kwargs: object) -> Rule:
    def check(ctx: LintContext) -> Iterator[Finding]:
        yield Finding(code, Severity.WARNING, f"{code} here", file, line, **kwargs)  # type: ignore[arg-type]

    return make_rule(code, check)


def _codes_lines(findings: tuple[Finding, ...]) -> list[tuple[str, str, int]]:
    return [(f.code, f.file.as_posix(), f.line) for f in findings]


def test_findings_are_relative_to_cwd_and_sorted(project: Path) -> None:
    rules = [
        _at("JT909", project / "Dockerfile", 8),
        _at("JT908", project / "requirements.txt", 4),
        _at("JT907", project / "Dockerfile", 1),
        _at("JT906", project / "Dockerfile", 8),
    ]
    report = run_rules(_ctx(project), rules, LintConfig())
    assert _codes_lines(report.findings) == [
        ("JT907", "Dockerfile", 1),
        ("JT906", "Dockerfile", 8),
        ("JT909", "Dockerfile", 8),
        ("JT908", "requirements.txt", 4),
    ]
    assert [r.code for r in report.rules_run] == ["JT906", "JT907", "JT908", "JT909"]
    assert report.files == (Path("Dockerfile"), Path("requirements.txt"))
    assert report.ignored_count == 0
    assert report.notices == ()


def test_order_does_not_depend_on_rule_or_yield_order(project: Path) -> None:
    def many(ctx: LintContext) -> Iterator[Finding]:
        items = [
            Finding("JT950", Severity.INFO, f"m{i}", project / "Dockerfile", 1 + i % 3, i % 2 + 1)
            for i in range(12)
        ]
        random.Random(7).shuffle(items)
        yield from items

    rules = [make_rule("JT950", many), _at("JT951", project / "Dockerfile", 2)]
    first = run_rules(_ctx(project), rules, LintConfig()).findings
    second = run_rules(_ctx(project), list(reversed(rules)), LintConfig()).findings
    assert first == second
    assert [f.sort_key() for f in first] == sorted(f.sort_key() for f in first)


def test_identical_findings_are_reported_once(project: Path) -> None:
    def twice(ctx: LintContext) -> Iterator[Finding]:
        finding = Finding("JT950", Severity.INFO, "same", project / "Dockerfile", 1)
        yield finding
        yield finding

    assert len(run_rules(_ctx(project), [make_rule("JT950", twice)], LintConfig()).findings) == 1


def test_config_ignore_and_select_decide_which_rules_run(project: Path) -> None:
    calls: list[str] = []

    def counted(code: str) -> Rule:
        def check(ctx: LintContext) -> Iterator[Finding]:
            calls.append(code)
            yield Finding(code, Severity.WARNING, "x", project / "Dockerfile", 1)

        return make_rule(code, check)

    rules = [counted("JT101"), counted("JT102"), counted("JT301"), counted("JT302")]
    known = [r.code for r in rules]
    config = parse_lint_table({"select": ["JT1", "JT301"], "ignore": ["JT102"]}, "test", known)
    report = run_rules(_ctx(project), rules, config)
    assert sorted(calls) == ["JT101", "JT301"]
    assert [f.code for f in report.findings] == ["JT101", "JT301"]
    assert [r.code for r in report.rules_run] == ["JT101", "JT301"]
    assert report.ignored_count == 0  # rules not run are not counted as ignored findings


def test_inline_ignore_above_an_instruction_covers_its_continuation_lines(project: Path) -> None:
    rules = [
        _at("JT901", project / "Dockerfile", 4),  # inside the RUN of lines 3-4: ignored
        _at("JT902", project / "Dockerfile", 3),  # another code on the same RUN: kept
        _at("JT903", project / "Dockerfile", 7),  # ignore=all, through a plain comment
        _at("JT904", project / "Dockerfile", 8),  # no comment above: kept
        _at("JT905", project / "Dockerfile", 5),  # a comment line, no instruction: kept
    ]
    report = run_rules(_ctx(project), rules, LintConfig())
    assert _codes_lines(report.findings) == [
        ("JT902", "Dockerfile", 3),
        ("JT905", "Dockerfile", 5),
        ("JT904", "Dockerfile", 8),
    ]
    assert report.ignored_count == 2


def test_inline_ignore_in_requirements_at_line_end_or_above(project: Path) -> None:
    req = project / "requirements.txt"
    rules = [
        _at("JT902", req, 1),  # trailing comment on the line
        _at("JT903", req, 1),  # not named there
        _at("JT903", req, 3),  # comment line right above
        _at("JT904", req, 3),  # not named above
        _at("JT902", req, 4),  # the comment is two lines up, after a requirement: kept
        _at("JT902", req, 99),  # past the end of the file: kept, no crash
    ]
    report = run_rules(_ctx(project), rules, LintConfig())
    assert _codes_lines(report.findings) == [
        ("JT903", "requirements.txt", 1),
        ("JT904", "requirements.txt", 3),
        ("JT902", "requirements.txt", 4),
        ("JT902", "requirements.txt", 99),
    ]
    assert report.ignored_count == 2


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8-sig", "utf-32"])
def test_inline_ignore_in_requirements_with_a_bom(project: Path, encoding: str) -> None:
    req = project / "requirements-dev.txt"
    req.write_bytes("pytest  # jettison: ignore=JT901\nblack\n".encode(encoding))
    rules = [_at("JT901", req, 1), _at("JT901", req, 2)]
    report = run_rules(_ctx(project), rules, LintConfig())
    assert _codes_lines(report.findings) == [("JT901", "requirements-dev.txt", 2)]


def test_inline_ignore_of_an_unreadable_file_keeps_the_finding(project: Path) -> None:
    missing = project / "gone.txt"
    report = run_rules(_ctx(project), [_at("JT901", missing, 1)], LintConfig())
    assert len(report.findings) == 1


@pytest.mark.parametrize(
    ("pattern", "ignored"),
    [
        ("Dockerfile", True),
        ("Docker*", True),
        ("**/Dockerfile", True),
        ("sub/Dockerfile", False),
        ("requirements*.txt", False),
    ],
)
def test_per_path_ignores(project: Path, pattern: str, ignored: bool) -> None:
    rules = [_at("JT901", project / "Dockerfile", 1), _at("JT902", project / "Dockerfile", 1)]
    config = parse_lint_table(
        {"per-path-ignores": {pattern: ["JT901"]}}, "test", [r.code for r in rules]
    )
    report = run_rules(_ctx(project), rules, config)
    codes = [f.code for f in report.findings]
    assert codes == (["JT902"] if ignored else ["JT901", "JT902"])
    assert report.ignored_count == int(ignored)


def test_per_path_ignores_relative_to_the_context_or_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    write(root, "docker/dev.Dockerfile", "FROM python:3.11\n")
    monkeypatch.chdir(tmp_path)  # cwd above the project: paths are "repo/docker/..."
    ctx = LintContext(
        dockerfile=parse_dockerfile(root / "docker/dev.Dockerfile"),
        context_dir=root,
        requirements=RequirementSet((), ()),
    )
    rules = [_at("JT601", root / "docker/dev.Dockerfile", 1)]
    config = parse_lint_table(
        {"per-path-ignores": {"docker/dev.Dockerfile": ["JT6"]}}, "test", ["JT601"]
    )
    assert run_rules(ctx, rules, config).findings == ()
    other_ctx = LintContext(
        dockerfile=ctx.dockerfile, context_dir=tmp_path, requirements=ctx.requirements
    )
    kept = run_rules(other_ctx, rules, config)
    assert [f.file.as_posix() for f in kept.findings] == ["repo/docker/dev.Dockerfile"]
    from_config = LintConfig(
        per_path_ignores=config.per_path_ignores, source=root / "pyproject.toml"
    )
    assert run_rules(other_ctx, rules, from_config).findings == ()


def test_severity_overrides_exact_code_beats_prefix(project: Path) -> None:
    rules = [
        _at("JT301", project / "Dockerfile", 1),
        _at("JT302", project / "Dockerfile", 2),
        _at("JT401", project / "Dockerfile", 3),
    ]
    config = parse_lint_table(
        {"severity": {"JT3": "error", "JT302": "info"}}, "test", [r.code for r in rules]
    )
    report = run_rules(_ctx(project), rules, config)
    assert [(f.code, f.severity) for f in report.findings] == [
        ("JT301", Severity.ERROR),
        ("JT302", Severity.INFO),
        ("JT401", Severity.WARNING),
    ]
    assert report.count(Severity.ERROR) == 1
    assert report.at_or_above(Severity.WARNING) == report.findings[:1] + report.findings[2:]
    assert report.at_or_above(None) == ()


def test_a_rule_that_raises_is_a_note_and_the_others_still_run(project: Path) -> None:
    def broken(ctx: LintContext) -> Iterator[Finding]:
        yield Finding("JT950", Severity.WARNING, "partial", project / "Dockerfile", 1)
        raise RuntimeError("boom")

    rules = [make_rule("JT950", broken, name="broken"), _at("JT951", project / "Dockerfile", 2)]
    report = run_rules(_ctx(project), rules, LintConfig())
    assert [f.code for f in report.findings] == ["JT951"]
    assert len(report.notices) == 1
    assert report.notices[0].message.startswith("internal error: rule JT950 (broken) failed with ")
    assert "RuntimeError: boom" in report.notices[0].message
    assert [r.code for r in report.rules_run] == ["JT950", "JT951"]


def test_savings_add_up_as_an_upper_bound(project: Path) -> None:
    rules = [
        _at("JT301", project / "Dockerfile", 1, saving=Saving(1000, "measured")),
        _at("JT302", project / "Dockerfile", 2, saving=Saving(250, "wheel sizes")),
        _at("JT303", project / "Dockerfile", 3),
    ]
    report = run_rules(_ctx(project), rules, LintConfig())
    assert report.saving_bytes == 1250
    assert report.saving_count == 2


def test_ignored_findings_do_not_count_in_savings(project: Path) -> None:
    rules = [_at("JT901", project / "Dockerfile", 3, saving=Saving(1000, "measured"))]
    report = run_rules(_ctx(project), rules, LintConfig())
    assert report.saving_bytes == 0
    assert report.ignored_count == 1


def test_files_outside_the_working_directory_stay_absolute(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    report = run_rules(_ctx(project), [_at("JT901", project / "Dockerfile", 1)], LintConfig())
    assert report.findings[0].file == project / "Dockerfile"
    assert report.files[0] == project / "Dockerfile"
