"""Lint settings from pyproject.toml / .jettison.toml, flags over them, and their errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.errors import ConfigError
from jettison.lint.config import (
    DEFAULT_FAIL_ON,
    KEYS,
    LintConfig,
    glob_match,
    load_lint_config,
    parse_lint_table,
    severity_for,
)
from jettison.lint.model import Severity
from support.files import write

KNOWN = ("JT001", "JT101", "JT108", "JT301", "JT302", "JT601")


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    config = load_lint_config(None, start=tmp_path, known=KNOWN)
    assert config == LintConfig()
    assert config.fail_on is DEFAULT_FAIL_ON is Severity.WARNING
    assert all(config.runs(code) for code in KNOWN)


def test_pyproject_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        """
[project]
name = "svc"

[tool.jettison]
max-size = "2GB"

[tool.jettison.lint]
ignore = ["JT108"]
per-path-ignores = { "docker/dev.Dockerfile" = ["JT601"], "requirements-*.txt" = ["JT3"] }
severity = { JT101 = "info", JT3 = "error" }
fail-on = "error"
options = { JT302 = { gpu = true } }
""",
    )
    sub = tmp_path / "docker"
    sub.mkdir()
    config = load_lint_config(None, start=sub, known=KNOWN)  # found from a subdirectory
    assert config.ignore == ("JT108",)
    assert config.per_path_ignores == (
        ("docker/dev.Dockerfile", ("JT601",)),
        ("requirements-*.txt", ("JT3",)),
    )
    assert config.severity == {"JT101": Severity.INFO, "JT3": Severity.ERROR}
    assert config.fail_on is Severity.ERROR
    assert config.options == {"JT302": {"gpu": True}}
    assert config.source == tmp_path / "pyproject.toml"
    assert not config.runs("JT108")
    assert config.ignored_at("JT601", ["docker/dev.Dockerfile"])
    assert config.ignored_at("JT302", ["requirements-dev.txt"])
    assert not config.ignored_at("JT302", ["requirements.txt"])


def test_jettison_toml_lint_table(tmp_path: Path) -> None:
    write(tmp_path, ".jettison.toml", '[lint]\nselect = ["JT1"]\nfail-on = "never"\n')
    config = load_lint_config(None, start=tmp_path, known=KNOWN)
    assert config.select == ("JT1",)
    assert config.fail_on is None
    assert config.runs("JT101") and config.runs("JT108")
    assert not config.runs("JT001")


def test_explicit_path_wins_and_budget_only_section_gives_defaults(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", '[tool.jettison]\nmax-size = "2GB"\n')
    other = write(tmp_path, "other/.jettison.toml", '[lint]\nignore = "JT001, JT101"\n')
    assert load_lint_config(None, start=tmp_path, known=KNOWN) == LintConfig(
        source=tmp_path / "pyproject.toml"
    )
    assert load_lint_config(other, start=tmp_path, known=KNOWN).ignore == ("JT001", "JT101")


@pytest.mark.parametrize(
    ("table", "message", "hint"),
    [
        ({"ignored": ["JT108"]}, "unknown key 'ignored'", "known keys: " + ", ".join(KEYS)),
        ({"ignore": ["JT999"]}, "unknown rule code 'JT999'", "known codes: JT001, JT101"),
        ({"ignore": ["DL3009"]}, "unknown rule code 'DL3009'", "(or a prefix such as JT3)"),
        ({"ignore": "JT1 JT8"}, "unknown rule code 'JT8'", "known codes:"),
        ({"ignore": 3}, "expected a list of codes", 'e.g. ["JT108", "JT3"]'),
        ({"ignore": [3]}, "3 is not a code", None),
        ({"severity": {"JT101": "fatal"}}, "JT101 = 'fatal' is not a level", "info, warning"),
        ({"severity": {"JT777": "info"}}, "unknown rule code 'JT777'", None),
        ({"severity": ["JT101"]}, "expected a table of code = level", None),
        ({"fail-on": "warnings"}, "unknown level 'warnings'", "info, warning, error, never"),
        ({"fail-on": 2}, "fail-on: expected a string", None),
        ({"per-path-ignores": ["x"]}, "expected a table of glob = [codes]", None),
        ({"per-path-ignores": {"x": ["JT9"]}}, "unknown rule code 'JT9'", None),
        ({"options": []}, "options: expected a table", None),
        ({"options": {"JT777": {}}}, "options: unknown rule code 'JT777'", "known codes: JT001"),
        ({"options": {"JT302": True}}, "options: JT302 must be a table", "JT302 = { gpu"),
    ],
)
def test_errors_name_the_problem_and_hint_at_what_is_known(
    table: dict[str, object], message: str, hint: str | None
) -> None:
    with pytest.raises(ConfigError) as info:
        parse_lint_table(table, "pyproject.toml: [tool.jettison.lint]", KNOWN)
    assert str(info.value).startswith("pyproject.toml: [tool.jettison.lint]")
    assert message in str(info.value)
    if hint is not None:
        assert info.value.hint is not None
        assert hint in info.value.hint


def test_lint_must_be_a_table(tmp_path: Path) -> None:
    path = write(tmp_path, ".jettison.toml", 'lint = "all"\n')
    with pytest.raises(ConfigError, match=r"\[lint\] must be a table"):
        load_lint_config(path, start=tmp_path, known=KNOWN)


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "[tool.jettison.lint\n")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_lint_config(path, start=tmp_path, known=KNOWN)


def test_flags_override_the_file() -> None:
    base = parse_lint_table({"ignore": ["JT108"], "fail-on": "error"}, "f", KNOWN)
    merged = base.with_flags(select=["jt1,JT3"], ignore=["JT101"], fail_on="info", known=KNOWN)
    assert merged.select == ("JT1", "JT3")
    assert merged.ignore == ("JT108", "JT101")
    assert merged.fail_on is Severity.INFO
    assert base.with_flags(known=KNOWN) == base
    with pytest.raises(ConfigError, match="--select: unknown rule code 'JT5'"):
        base.with_flags(select=["JT5"], known=KNOWN)
    with pytest.raises(ConfigError, match="--fail-on: unknown level"):
        base.with_flags(fail_on="sometimes", known=KNOWN)


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("Dockerfile", "Dockerfile", True),
        ("Dockerfile", "sub/Dockerfile", True),  # no slash: the name, anywhere
        ("*.Dockerfile", "docker/dev.Dockerfile", True),
        ("docker/*.Dockerfile", "docker/dev.Dockerfile", True),
        ("docker/*.Dockerfile", "docker/x/dev.Dockerfile", False),
        ("docker/**/*.Dockerfile", "docker/x/y/dev.Dockerfile", True),
        ("docker/**/*.Dockerfile", "docker/dev.Dockerfile", True),
        ("**/requirements*.txt", "a/b/requirements-dev.txt", True),
        ("/docker/dev.Dockerfile", "docker/dev.Dockerfile", True),
        ("docker/dev.Dockerfile", "./docker/dev.Dockerfile", True),
        (".github/Dockerfile", ".github/Dockerfile", True),
        ("docker/?.txt", "docker/ab.txt", False),
    ],
)
def test_glob_match(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected


def test_severity_for() -> None:
    overrides = {"JT3": Severity.ERROR, "JT30": Severity.INFO, "JT301": Severity.WARNING}
    assert severity_for("JT301", overrides) is Severity.WARNING
    assert severity_for("JT302", overrides) is Severity.INFO
    assert severity_for("JT310", overrides) is Severity.ERROR
    assert severity_for("JT101", overrides) is None
