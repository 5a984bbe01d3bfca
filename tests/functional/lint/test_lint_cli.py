"""``jettison lint`` through the real command line, on fixture projects written here, with the
three rules of ``_rules.py`` in the registry (the real rules are tested in test_examples)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from support.files import write

from ..conftest import Run
from ._rules import TEST_RULES
from .conftest import FakeIndex

DOCKERFILE = """\
FROM python:3.11
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY app.py .
CMD ["python", "app.py"]
"""
REQUIREMENTS = "flask==3.0.3\npytest==8.2.0\nblack  # jettison: ignore=JT902\n"

RunCli = Callable[..., Run]


@pytest.fixture(autouse=True)
def test_rules(use_rules: Callable[..., None]) -> None:
    use_rules(TEST_RULES)


@pytest.fixture
def project(workdir: Path) -> Path:
    root = workdir / "svc"
    write(root, "Dockerfile", DOCKERFILE)
    write(root, "requirements.txt", REQUIREMENTS)
    write(root, "app.py", "import flask\n")
    return root


def test_terminal_report(project: Path, run_cli: RunCli) -> None:
    run = run_cli("lint", "svc", "--offline")
    assert run.exit_code == 1
    assert run.stderr == ""
    assert run.stdout.splitlines() == [
        "svc/Dockerfile " + "─" * 85,
        "svc/Dockerfile:1:1 JT901 warning final stage on python:3.11, not a slim image",
        "    fix: use the -slim variant",
        "svc/Dockerfile:1:1 JT903 info runs as root",
        "",
        "svc/requirements.txt " + "─" * 79,
        "svc/requirements.txt:2:1 JT902 warning pytest in production",
        "    fix: move pytest to a dev requirements file",
        "",
        "3 findings: 2 warnings, 1 info; 1 ignored (3 rules on 2 files)",
    ]


def test_json_report_and_summary_on_stderr(project: Path, run_cli: RunCli) -> None:
    run = run_cli("lint", "svc/Dockerfile", "-f", "json", "--offline")
    assert run.exit_code == 1
    assert run.stderr_lines == ["jettison: 3 findings (2 warnings, 1 info)"]
    document = json.loads(run.stdout)
    assert document["counts"] == {"error": 0, "warning": 2, "info": 1}
    assert [(f["code"], f["file"], f["line"]) for f in document["findings"]] == [
        ("JT901", "svc/Dockerfile", 1),
        ("JT903", "svc/Dockerfile", 1),
        ("JT902", "svc/requirements.txt", 2),
    ]
    assert document["files"] == ["svc/Dockerfile", "svc/requirements.txt"]
    assert document["ignored_count"] == 1


def test_sarif_and_github_formats(project: Path, run_cli: RunCli) -> None:
    sarif = json.loads(run_cli("lint", "svc", "-f", "sarif", "--offline").stdout)
    results = sarif["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["JT901", "JT903", "JT902"]
    uri = results[2]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "svc/requirements.txt"
    github = run_cli("lint", "svc", "-f", "github", "--offline")
    assert github.stdout.splitlines()[1] == (
        "::notice file=svc/Dockerfile,line=1,col=1,title=JT903 no-user::runs as root"
    )


@pytest.mark.parametrize(
    ("flags", "exit_code"),
    [
        ((), 1),
        (("--fail-on", "error"), 0),
        (("--fail-on", "never"), 0),
        (("--fail-on", "info"), 1),
        (("--select", "JT903"), 0),  # info only: below the default warning
        (("--select", "JT903", "--fail-on", "info"), 1),
        (("--ignore", "JT901,JT902"), 0),
    ],
)
def test_exit_codes(project: Path, run_cli: RunCli, flags: tuple[str, ...], exit_code: int) -> None:
    assert run_cli("lint", "svc", "--offline", *flags).exit_code == exit_code


def test_select_and_ignore(project: Path, run_cli: RunCli) -> None:
    run = run_cli("lint", "svc", "-f", "json", "--offline", "--select", "JT9", "--ignore", "JT901")
    codes = [f["code"] for f in json.loads(run.stdout)["findings"]]
    assert codes == ["JT903", "JT902"]
    rules = [r["code"] for r in json.loads(run.stdout)["rules_run"]]
    assert rules == ["JT902", "JT903"]


def test_config_in_pyproject(project: Path, workdir: Path, run_cli: RunCli) -> None:
    write(
        workdir,
        "pyproject.toml",
        "[tool.jettison.lint]\n"
        'ignore = ["JT903"]\n'
        'per-path-ignores = { "svc/requirements*.txt" = ["JT902"] }\n'
        'severity = { JT901 = "error" }\n'
        'fail-on = "error"\n',
    )
    run = run_cli("lint", "svc", "-f", "json", "--offline")
    document = json.loads(run.stdout)
    assert [(f["code"], f["severity"]) for f in document["findings"]] == [("JT901", "error")]
    assert document["ignored_count"] == 2
    assert run.exit_code == 1
    assert run_cli("lint", "svc", "--offline", "--fail-on", "never").exit_code == 0


def test_config_next_to_the_dockerfile(project: Path, run_cli: RunCli) -> None:
    write(project, ".jettison.toml", '[lint]\nignore = ["JT9"]\n')
    run = run_cli("lint", "svc", "--offline")
    assert run.exit_code == 0
    assert run.stdout == "No findings (0 rules on 2 files)\n"


def test_explicit_config_file(project: Path, workdir: Path, run_cli: RunCli) -> None:
    config = write(workdir, "conf/lint.toml", '[lint]\nselect = ["JT903"]\n')
    run = run_cli("lint", "svc", "--offline", "--config", config, "-f", "json")
    assert [f["code"] for f in json.loads(run.stdout)["findings"]] == ["JT903"]


def test_inline_ignore_above_the_instruction(project: Path, run_cli: RunCli) -> None:
    write(project, "Dockerfile", "# jettison: ignore=JT901,JT903\n" + DOCKERFILE)
    run = run_cli("lint", "svc", "-f", "json", "--offline")
    document = json.loads(run.stdout)
    assert [f["code"] for f in document["findings"]] == ["JT902"]
    assert document["ignored_count"] == 3


def test_savings_from_the_package_index(
    project: Path, run_cli: RunCli, fake_index: FakeIndex
) -> None:
    size = fake_index.add_wheel("pytest", "8.2.0", {"pytest/__init__.py": b"x" * 123_456})
    run = run_cli("lint", "svc", "--select", "JT902")
    assert "    saves: up to 123 kB (installed size of pytest wheels (package index))" in (
        run.stdout
    )
    assert "Estimated saving: up to 123 kB from 1 finding (savings may overlap)" in run.stdout
    document = json.loads(run_cli("lint", "svc", "--select", "JT902", "-f", "json").stdout)
    assert document["saving_bytes"] == size
    assert len([u for u in fake_index.requests if u.endswith(".whl")]) == 1  # then cached
    offline = json.loads(run_cli("lint", "svc", "-f", "json", "--offline").stdout)
    assert offline["saving_bytes"] == size  # from the cache


def test_offline_asks_nothing(project: Path, run_cli: RunCli, fake_index: FakeIndex) -> None:
    run_cli("lint", "svc", "--offline")
    assert fake_index.requests == []


def test_output_file(project: Path, workdir: Path, run_cli: RunCli) -> None:
    run = run_cli("lint", "svc", "--offline", "-f", "sarif", "-o", "out.sarif")
    assert run.exit_code == 1
    assert run.stdout == ""
    assert run.stderr_lines == [
        "jettison: report written to out.sarif",
        "jettison: 3 findings (2 warnings, 1 info)",
    ]
    assert json.loads((workdir / "out.sarif").read_text())["version"] == "2.1.0"
    again = run_cli("lint", "svc", "--offline", "-o", "out.sarif")
    assert again.exit_code == 2
    assert again.stderr_lines[0] == "jettison: error: out.sarif exists; not overwriting it"


def test_several_paths_run_each_dockerfile_once(
    project: Path, workdir: Path, run_cli: RunCli
) -> None:
    """pre-commit passes the changed files: a Dockerfile, its requirements, another project's
    requirements without a Dockerfile."""
    write(workdir, "lib/requirements-dev.txt", "pytest\n")
    run = run_cli(
        "lint",
        "svc/Dockerfile",
        "svc/requirements.txt",
        "lib/requirements-dev.txt",
        "-f",
        "json",
        "--offline",
    )
    document = json.loads(run.stdout)
    assert [(f["code"], f["file"]) for f in document["findings"]] == [
        ("JT902", "lib/requirements-dev.txt"),
        ("JT901", "svc/Dockerfile"),
        ("JT903", "svc/Dockerfile"),
        ("JT902", "svc/requirements.txt"),
    ]
    assert document["files"] == [
        "svc/Dockerfile",
        "svc/requirements.txt",
        "lib/requirements-dev.txt",
    ]


def test_context_and_image_need_a_single_dockerfile(
    project: Path, workdir: Path, run_cli: RunCli
) -> None:
    write(workdir, "other/Dockerfile", "FROM python:3.11-slim\n")
    run = run_cli("lint", "svc", "other", "--context", "svc", "--offline")
    assert run.exit_code == 2
    assert run.stderr_lines == [
        "jettison: error: --context and --image describe one build, but several Dockerfiles "
        "were given",
        "  hint: lint one Dockerfile at a time with them",
    ]


def test_a_rule_that_crashes_is_a_note(
    project: Path, run_cli: RunCli, use_rules: Callable[..., None]
) -> None:
    from jettison.lint.model import Rule, Severity

    def boom(ctx: object) -> list[object]:
        raise KeyError("surprise")

    use_rules([*TEST_RULES, Rule("JT904", "crashes", Severity.ERROR, "Crashes.", boom)])  # type: ignore[arg-type]
    run = run_cli("lint", "svc", "--offline", "-f", "json")
    assert run.exit_code == 1  # the other findings still decide
    assert run.stderr_lines[1] == (
        "jettison: note: internal error: rule JT904 (crashes) failed with KeyError: "
        "'surprise'; its findings are missing (a bug in jettison, please report it)"
    )
    assert len(json.loads(run.stdout)["findings"]) == 3
