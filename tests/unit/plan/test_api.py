"""The ``plan`` facade: bad input refused before any work (one ConfigError with a hint), the
stages run in order on a copy of the reduced monorepo (offline: dependency metadata from the
built-in tables only), problems gathered from every stage, and ``measure`` wired to the
builder (the fake one of test_measure, which writes real archives)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jettison import api as facade
from jettison.builder.options import BuildOptions, Mount
from jettison.errors import ConfigError
from jettison.plan.core import default_tag_prefix, plan, sort_problems
from jettison.plan.model import problem
from support.options import using

from .test_measure import FakeBuilder

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "plan"


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    root = tmp_path / "mini"
    shutil.copytree(FIXTURES / "mini", root)
    return root


def _files_under(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_facade_exports_plan() -> None:
    assert facade.plan is plan
    assert "plan" in facade.__all__


def test_a_dry_run_plans_and_writes_nothing(mini: Path) -> None:
    before = _files_under(mini)
    report = plan(mini, offline=True, write=False)
    assert _files_under(mini) == before
    assert not report.written and report.measurement is None
    assert report.root == mini.resolve()
    assert [s.name for s in report.discovery.services] == ["svc_docs", "svc_orders", "svc_users"]
    assert [i.service for i in report.imports] == ["svc_docs", "svc_orders", "svc_users"]
    assert report.generated.out_dir == mini.resolve() / "jettison-plan"
    assert {step.tag.rsplit("/", 1)[0] for step in report.generated.build_order} == {
        "localhost/mini"
    }
    assert report.split.groups[0].name == "base"


def test_writes_the_files_and_refuses_to_overwrite_them(mini: Path) -> None:
    report = plan(mini, offline=True, tag_prefix="registry.example.com:5000/team")
    out = report.generated.out_dir
    for path, text in zip(report.generated.files, report.generated.contents, strict=True):
        assert (out / path).read_text() == text
    assert all(
        s.tag.startswith("registry.example.com:5000/team/") for s in report.generated.build_order
    )
    with pytest.raises(ConfigError) as refused:
        plan(mini, offline=True)
    assert refused.value.hint
    again = plan(mini, offline=True, force=True)
    assert again.written


def test_out_dir_elsewhere_inside_the_root(mini: Path) -> None:
    report = plan(mini, offline=True, out_dir=mini / "build" / "plan")
    assert (mini / "build" / "plan" / "build.sh").is_file()
    assert report.generated.out_dir == (mini / "build" / "plan").resolve()


def test_problems_of_every_stage_are_gathered_and_sorted() -> None:
    report = plan(FIXTURES / "conflicting-pins", offline=True, write=False)
    kinds = {p.kind for p in report.problems}
    assert "conflicting-pins" in kinds
    assert list(report.problems) == list(sort_problems(report.problems))
    stages = [*report.discovery.problems, *report.split.problems]
    stages += [p for i in report.imports for p in i.problems]
    assert set(stages) <= set(report.problems)


def test_an_unparsable_dockerfile_is_a_problem_not_a_crash() -> None:
    report = plan(FIXTURES / "unparsable", offline=True, write=False)
    assert any(p.kind == "unparsable-dockerfile" for p in report.problems)


def test_sort_problems_drops_duplicates_worst_first() -> None:
    info = problem("import-cycle", "info", "a -> b -> a", service="svc")
    warning = problem("conflicting-pins", "warning", "numpy", service="svc")
    other = problem("compose", "error", "bad compose file")
    assert sort_problems([info, warning, info, other]) == (other, warning, info)


def test_default_tag_prefix() -> None:
    assert default_tag_prefix(Path("/src/My Fleet!")) == "localhost/my-fleet"
    assert default_tag_prefix(Path("/src/___")) == "localhost/plan"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("setup", "kwargs", "message"),
    [
        ("missing", {}, "no such directory"),
        ("file", {}, "is a file, not a directory"),
        ("empty", {}, "no Dockerfile found"),
        ("mini", {"share_threshold": 0.0}, "--share-threshold must be above 0"),
        ("mini", {"share_threshold": 1.5}, "--share-threshold must be above 0"),
        ("mini", {"timeout_s": 0}, "--timeout must be positive"),
        ("mini", {"out_dir": "OUTSIDE"}, "is not inside"),
        ("mini", {"out_dir": "ROOT"}, "is not inside"),
        ("mini", {"tag_prefix": "Not A Prefix"}, "is not an image name prefix"),
        ("mini", {"measure": True, "write": False}, "cannot be a dry run"),
        ("mini", {"build": {"ca_bundle": "MISSING"}}, "is not a file"),
        ("mini", {"build": {"mounts": (("MISSING", "/wheels"),)}}, "is not a directory"),
        ("mini", {"build": {"mounts": (("HERE", "wheels"),)}}, "must be an absolute path"),
    ],
)
def test_bad_input_is_refused_before_any_work(
    setup: str, kwargs: dict[str, object], message: str, mini: Path, tmp_path: Path
) -> None:
    root = {
        "missing": tmp_path / "nope",
        "file": tmp_path / "file.txt",
        "empty": tmp_path / "empty",
        "mini": mini,
    }[setup]
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("no services here\n")
    replacements = {
        "OUTSIDE": tmp_path / "elsewhere",
        "ROOT": mini,
        "MISSING": tmp_path / "missing",
        "HERE": tmp_path,
    }

    def resolve(value: object) -> object:
        if isinstance(value, str) and value in replacements:
            return replacements[value]
        if isinstance(value, tuple):
            return tuple(resolve(v) for v in value)
        if isinstance(value, dict):  # the build options
            return BuildOptions(**{k: resolve(v) for k, v in value.items()})  # type: ignore[arg-type]
        return value

    before = _files_under(tmp_path)
    with pytest.raises(ConfigError, match=message) as raised:
        plan(root, offline=True, **{k: resolve(v) for k, v in kwargs.items()})  # type: ignore[arg-type]
    assert raised.value.hint
    assert _files_under(tmp_path) == before  # nothing written


def test_mounts_need_buildah(mini: Path, tmp_path: Path) -> None:
    class Docker(FakeBuilder):
        @property
        def name(self) -> str:
            return "docker"

    with pytest.raises(ConfigError, match="--mount needs buildah"):
        plan(
            mini,
            offline=True,
            measure=True,
            build=using(Docker(tmp_path), mounts=(Mount(tmp_path, "/w"),)),
        )


# --------------------------------------------------------------------------- measure


def test_measure_builds_the_written_plan(mini: Path, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    builder = FakeBuilder(store)
    steps: list[str] = []
    report = plan(mini, offline=True, measure=True, build=using(builder), on_step=steps.append)
    measured = report.measurement
    assert measured is not None
    assert [s.service for s in measured.services] == ["svc_docs", "svc_orders", "svc_users"]
    assert all(
        s.error is None and s.check_before.passed and s.check_after.passed
        for s in measured.services
    )
    assert all(s.check_after.kind == "probe" for s in measured.services)  # port + /healthz
    built = [r.dockerfile for r in builder.built]
    plan_files = [s.dockerfile for s in report.generated.build_order]
    assert built[3:] == plan_files  # after the three originals, the build order
    assert all(p.is_file() for p in plan_files)  # built from the files written
    assert any(s.startswith("build ") for s in steps)


@pytest.mark.parametrize(
    "registry", ["localhost", "registry.example.com:5000", "mirror.gcr.io/library"]
)
def test_python_behind_a_registry_host_is_planned(mini: Path, registry: str) -> None:
    """Every service is planned, and the shared base stays on the registry the services use."""
    for dockerfile in mini.glob("apps/*/Dockerfile"):
        text = dockerfile.read_text().replace("FROM python:", f"FROM {registry}/python:")
        dockerfile.write_text(text)
    report = plan(mini, offline=True, write=False)
    assert report.generated.kept_original == ()
    bases = dict(zip(report.generated.files, report.generated.contents, strict=True))
    assert f"FROM {registry}/python:3.11-slim" in bases[Path("bases/base/Dockerfile")]
