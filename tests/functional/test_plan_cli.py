"""``jettison plan`` through the real command line, on a copy of the reduced monorepo
(``tests/fixtures/plan/mini``; ``--offline``: dependency metadata from the built-in tables).

Writes its files and refuses to overwrite them, writes nothing on ``--dry-run``, renders
every format, exits 1 when a measured service fails (builds faked, see
``tests/unit/plan/test_measure.py``), and turns bad input into one line, a hint and exit 2.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import jsonschema  # type: ignore[import-untyped]  # no stubs (types-jsonschema)
import pytest

from jettison.builder.backend import RunResult
from jettison.render.plan import SCHEMA_VERSION, load_schema
from unit.plan.test_measure import FakeBuilder

from .conftest import Run
from .test_bad_input import assert_one_line_error

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "plan" / "mini"
RunCli = Callable[..., Run]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    shutil.copytree(FIXTURE, root)
    return root


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_writes_the_plan(run_cli: RunCli, repo: Path) -> None:
    originals = _tree(repo)
    done = run_cli("plan", repo, "--offline")
    assert done.exit_code == 0, done.stderr
    out = repo / "jettison-plan"
    for name in ("build.sh", "requirements/base.txt", "requirements/dev.txt"):
        assert (out / name).is_file(), name
    assert any(out.glob("bases/*/Dockerfile")) and any(out.glob("services/*/Dockerfile"))
    assert "Files written" in done.stdout
    assert "BUILDER=buildah bash jettison-plan/build.sh" in " ".join(done.stdout.split())
    assert "jettison: wrote " in done.stderr and str(out) in done.stderr
    # The repository's own files are untouched.
    after = _tree(repo)
    assert {k: v for k, v in after.items() if not k.startswith("jettison-plan/")} == originals


def test_refuses_to_overwrite_an_earlier_plan_unless_forced(run_cli: RunCli, repo: Path) -> None:
    assert run_cli("plan", repo, "--offline", "-q").exit_code == 0
    written = _tree(repo / "jettison-plan")
    again = run_cli("plan", repo, "--offline", "-q")
    assert_one_line_error(again, "a previous plan is there")
    assert "--force" in again.stderr
    assert _tree(repo / "jettison-plan") == written
    forced = run_cli("plan", repo, "--offline", "-q", "--force")
    assert forced.exit_code == 0, forced.stderr


def test_dry_run_writes_nothing(run_cli: RunCli, repo: Path) -> None:
    before = _tree(repo)
    done = run_cli("plan", repo, "--offline", "--dry-run")
    assert done.exit_code == 0, done.stderr
    assert _tree(repo) == before
    assert not (repo / "jettison-plan").exists()
    assert "dry run: nothing written" in done.stdout
    assert "jettison: dry run: nothing written" in done.stderr


def test_json_report_to_a_file(run_cli: RunCli, repo: Path, workdir: Path) -> None:
    done = run_cli("plan", repo, "--offline", "--dry-run", "-f", "json", "-o", "plan.json")
    assert done.exit_code == 0, done.stderr
    assert done.stdout == ""
    doc = json.loads((workdir / "plan.json").read_text())
    jsonschema.Draft202012Validator(load_schema()).validate(doc)
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["written"] is False and doc["measurement"] is None
    assert [s["name"] for s in doc["discovery"]["services"]] == [
        "svc_docs",
        "svc_orders",
        "svc_users",
    ]
    refused = run_cli("plan", repo, "--offline", "--dry-run", "-f", "json", "-o", "plan.json")
    assert_one_line_error(refused, "plan.json exists")


def test_markdown_and_options(run_cli: RunCli, repo: Path) -> None:
    done = run_cli(
        "plan", repo, "--offline", "-q", "--out", repo / "ci" / "plan", "--tag-prefix",
        "registry.example.com/team", "--share-threshold", "1", "-f", "markdown",
    )  # fmt: skip
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("## jettison plan: ")
    assert "`registry.example.com/team/base:plan`" in done.stdout
    assert (repo / "ci" / "plan" / "build.sh").is_file()
    assert done.stderr.startswith("jettison: wrote ")  # -q: no steps


def test_a_failed_measured_check_exits_1(
    run_cli: RunCli, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    down = RunResult(1, "", "probe: the service exited before answering\n", 2.0, False)
    builder = FakeBuilder(store, results={"localhost/fleet/svc_users:plan": down})
    monkeypatch.setattr("jettison.builder.select.choose_builder", lambda _name="auto": builder)
    done = run_cli("plan", repo, "--offline", "--measure", "-f", "json")
    assert done.exit_code == 1, done.stderr
    doc = json.loads(done.stdout)
    checks = {s["service"]: s["check_after"]["passed"] for s in doc["measurement"]["services"]}
    assert checks == {"svc_docs": True, "svc_orders": True, "svc_users": False}
    assert "jettison: failed: svc_users (after): probe failed" in done.stderr
    assert "jettison: registry storage " in done.stderr
    assert "jettison: build localhost/fleet/svc_users:before" in done.stderr


def test_a_measured_plan_that_passes_exits_0(
    run_cli: RunCli, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store"
    store.mkdir()
    builder = FakeBuilder(store)
    monkeypatch.setattr("jettison.builder.select.choose_builder", lambda _name="auto": builder)
    done = run_cli("plan", repo, "--offline", "--measure", "-q")
    assert done.exit_code == 0, done.stderr
    assert "Registry storage after the plan" in done.stdout
    assert all(r.options.no_cache for r in builder.built)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("make", "options", "pattern"),
    [
        (lambda t: t / "missing", (), r"missing: no such directory"),
        (lambda t: t / "file.txt", (), r"file\.txt is a file, not a directory"),
        (lambda t: t / "empty", (), r"no Dockerfile found under"),
        (lambda t: t / "fleet", ("--share-threshold", "0"), r"--share-threshold must be above 0"),
        (lambda t: t / "fleet", ("--mount", "wheels"), r"--mount 'wheels' is not HOST:TARGET"),
        (lambda t: t / "fleet", ("--mount", "nowhere:/wheels"), r"nowhere is not a directory"),
        (lambda t: t / "fleet", ("--out", "/tmp"), r"is not inside"),
        (lambda t: t / "fleet", ("--build-arg", "NOVALUE"), r"is not KEY=VALUE"),
        (lambda t: t / "fleet", ("--timeout", "0"), r"--timeout must be positive"),
        (lambda t: t / "fleet", ("--measure", "--dry-run"), r"cannot be a dry run"),
    ],
    ids=[
        "missing-dir", "a-file", "no-dockerfiles", "share-threshold-0", "mount-no-colon",
        "mount-missing-dir", "out-outside", "build-arg", "timeout-0", "measure-dry-run",
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_a_hint(
    run_cli: RunCli,
    repo: Path,
    tmp_path: Path,
    make: Callable[[Path], Path],
    options: tuple[str, ...],
    pattern: str,
) -> None:
    (tmp_path / "file.txt").write_text("not a repository\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "main.py").write_text("print('no Dockerfile here')\n")
    before = _tree(tmp_path)
    done = run_cli("plan", make(tmp_path), "--offline", *options)
    assert_one_line_error(done, pattern)
    assert _tree(tmp_path) == before


@pytest.mark.parametrize(
    ("fixture", "kind", "words"),
    [
        ("conflicting-pins", "conflicting-pins", "declared differently"),
        ("unparsable", "unparsable-dockerfile", "unterminated heredoc"),
        ("import-cycle", "import-cycle", "cycle"),
    ],
)
def test_troubled_repositories_are_explained_not_crashed(
    run_cli: RunCli, tmp_path: Path, fixture: str, kind: str, words: str
) -> None:
    root = tmp_path / fixture
    shutil.copytree(FIXTURE.parent / fixture, root)
    done = run_cli("plan", root, "--offline", "--dry-run", "--format", "json")
    assert done.exit_code == 0, done.stderr
    assert "Traceback" not in done.stderr
    problems = [p for p in json.loads(done.stdout)["problems"] if p["kind"] == kind]
    assert problems, done.stdout
    assert any(words in json.dumps(p) for p in problems)
