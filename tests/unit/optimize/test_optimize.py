"""``optimize`` orchestration with fakes: a builder that records what it builds and runs, an
inspect that returns made-up reports, and (in most tests) fakes for lint and fix. One test
runs the real lint and fix on a copy of ``examples/text-service``."""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from jettison import api as facade
from jettison.builder.backend import ArchiveFormat, BuildRequest, BuildResult, Network, RunResult
from jettison.builder.errors import BuildError
from jettison.builder.options import Mount
from jettison.cli.optimize_cmd import optimize_cmd
from jettison.errors import ConfigError
from jettison.fix.errors import FixError
from jettison.fix.report import FixReport, OutputFile
from jettison.fix.rewrite import Change
from jettison.inspect.core import Inspection
from jettison.inspect.dive import DiveMetrics
from jettison.inspect.files import FileFacts, ImageFiles
from jettison.inspect.report import (
    Attribution,
    InspectReport,
    LayerSummary,
    OwnerBytes,
    RemovableCause,
    Shadowed,
)
from jettison.lint.report import LintReport
from jettison.optimize.core import Steps, Target, optimize
from jettison.render.optimize import SCHEMA_VERSION
from support.options import check, using
from support.render import renderer_for

render = renderer_for("optimize")

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "text-service"
NAIVE = """FROM python:3.11
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
CMD ["python", "main.py"]
"""
GOOD = RunResult(0, "selftest ok\n", "", 0.5, False)
LOST = RunResult(1, "", "Traceback...\nModuleNotFoundError: No module named 'numpy'\n", 0.4, False)
SIZES = {"original": 1_000_000_000, "optimized": 200_000_000}


@dataclass
class FakeBuilder:
    """Builds instantly; ``results`` maps a tag suffix to what the smoke command gives."""

    results: dict[str, RunResult] = field(default_factory=dict)
    fail_build: str | None = None
    built: list[BuildRequest] = field(default_factory=list)
    ran: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    with_store: bool = True

    @property
    def name(self) -> str:
        return "fake"

    def available(self) -> bool:
        return True

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        if self.fail_build and request.tag.endswith(self.fail_build):
            raise BuildError(f"build of {request.tag} failed at step 3", hint="see the log")
        self.built.append(request)
        on_line(f"STEP 1/1: built {request.tag}")
        return BuildResult(request.tag, "sha256:" + "0" * 64, 12.0, ())

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        dest.write_text(image)
        return dest

    def image_reference(self, image: str, scratch: Path) -> str:
        """As docker's: an export into ``scratch``."""
        return str(self.export(image, scratch / "image.tar", "docker-archive"))

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network = "none"
    ) -> RunResult:
        self.ran.append((image, tuple(argv)))
        return self.results.get(image.rsplit(":", 1)[1], GOOD)

    def image_command(self, image: str) -> tuple[str, ...]:
        return ("python", "main.py")

    def remove_image(self, image: str) -> None:
        self.removed.append(image)


class StoreBuilder(FakeBuilder):
    """As buildah's and podman's: images are read in place in the store."""

    def image_reference(self, image: str, scratch: Path) -> str:
        return f"containers-storage:{image}"


def fake_inspect(reference: str, *, progress: object = None) -> Inspection:
    if not reference.startswith("containers-storage:"):
        reference = Path(reference).read_text()  # the fake export wrote the tag
    role = reference.rsplit(":", 1)[1]
    size = SIZES[role]
    cache = RemovableCause("package-cache", "Package manager caches", "", size // 10, 3)
    report = InspectReport(
        reference=reference,
        source_kind="containers-storage",
        platform="linux/amd64",
        tags=(),
        cmd=("python", "main.py"),
        entrypoint=None,
        user=None,
        layers=(
            LayerSummary(0, "FROM", size, size, None, 10),
            LayerSummary(None, "CMD", 0, 0, None, 0),
        ),
        size_bytes=size,
        pull_bytes=None,
        final_bytes=size,
        dive=DiveMetrics(1.0, 0, size, 0, (), ()),
        shadowed=Shadowed(5_000 if role == "original" else 0, 1, ()),
        removable=(cache,) if role == "original" else (),
        attribution=Attribution((OwnerBytes("unowned", "/app", size, 1),), (), size),
    )
    files = ImageFiles({f"app/{role}.bin": FileFacts(size, 0, "unowned:/app", None)})
    return Inspection(report, files)


def fake_lint(path: Path, *, context_dir: Path | None, offline: bool) -> LintReport:
    return LintReport((), 0, (path,), (), 0)


def fake_fix(
    path: Path,
    *,
    context_dir: Path | None,
    target: Target,
    torch_index: str,
    runtime_base: str | None,
    force: bool,
    dry_run: bool,
    skip: Sequence[str] = (),
    writable: Sequence[str] = (),
) -> FixReport:
    out = path.with_name("Dockerfile.jettison")
    files = (OutputFile(out, f"FROM {runtime_base or 'python:3.11-slim'}\n"),)
    if not dry_run:
        out.write_text(files[0][1])
    changes = (
        Change("JT309", "numpy -> requirements-dev.txt", 40_000_000),
        Change("JT601", "an unprivileged user `app` runs the service"),
    )
    return FixReport(files, changes, "", "cpu", True)


STEPS = Steps(lint=fake_lint, fix=fake_fix, inspect=fake_inspect)


def write_project(parent: Path) -> Path:
    """``parent/svc``: the naive Dockerfile and a requirements file pinning numpy."""
    ctx = parent / "svc"
    ctx.mkdir()
    (ctx / "Dockerfile").write_text(NAIVE)
    (ctx / "requirements.txt").write_text("numpy==1.26.4\n")
    return ctx


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path)


def test_verified_report(project: Path) -> None:
    builder = StoreBuilder()
    report = optimize(
        project, check=check("python main.py --selftest"), build=using(builder), steps=STEPS
    )
    assert report.verified
    assert [r.tag for r in builder.built] == ["localhost/svc:original", "localhost/svc:optimized"]
    assert builder.built[1].dockerfile == project / "Dockerfile.jettison"
    assert builder.ran == [
        ("localhost/svc:original", ("python", "main.py", "--selftest")),
        ("localhost/svc:optimized", ("python", "main.py", "--selftest")),
    ]
    assert report.original.size_bytes == SIZES["original"]
    assert report.optimized.layer_count == 1
    assert report.saved_fraction == pytest.approx(0.8)
    assert [(c.cause, c.before_bytes, c.after_bytes) for c in report.causes] == [
        ("package-cache", 100_000_000, 0),
        ("shadowed", 5_000, 0),
    ]
    assert report.changes[0].code == "JT309"
    assert report.files_written == (project / "Dockerfile.jettison",)
    assert builder.removed == ["localhost/svc:original", "localhost/svc:optimized"]


def test_default_smoke_is_the_image_command_and_images_can_be_kept(project: Path) -> None:
    builder = StoreBuilder()
    report = optimize(project, build=using(builder), steps=STEPS, keep_images=True)
    assert report.smoke_command == ("python", "main.py")
    assert {argv for _, argv in builder.ran} == {("python", "main.py")}
    assert builder.removed == []


def test_without_a_store_reference_images_are_exported(project: Path) -> None:
    report = optimize(project, build=using(FakeBuilder()), steps=STEPS)
    assert report.optimized.size_bytes == SIZES["optimized"]


def test_failed_verification_names_the_cause_and_leaves_the_original(project: Path) -> None:
    before = {p.name: p.read_bytes() for p in project.iterdir()}
    builder = StoreBuilder(results={"optimized": LOST})
    report = optimize(project, check=check("python main.py"), build=using(builder), steps=STEPS)
    assert not report.verified
    assert report.verdict == "after: ModuleNotFoundError: No module named 'numpy'"
    for name, data in before.items():
        assert (project / name).read_bytes() == data
    text = render(report, "tty")
    assert "VERIFICATION FAILED" in text
    assert "No module named 'numpy'" in text
    assert "original Dockerfile is untouched" in text


def test_fix_refusal_stops_before_any_build(project: Path) -> None:
    def refusing_fix(path: Path, **_kwargs: object) -> FixReport:
        raise FixError(f"{path}: several stages", hint="lint it instead")

    builder = StoreBuilder()
    steps = Steps(lint=fake_lint, fix=refusing_fix, inspect=fake_inspect)
    with pytest.raises(FixError, match="several stages"):
        optimize(project, build=using(builder), steps=steps)
    assert builder.built == []
    assert not (project / "Dockerfile.jettison").exists()


def test_failed_original_build_writes_nothing(project: Path) -> None:
    with pytest.raises(BuildError, match="original failed"):
        optimize(project, build=using(StoreBuilder(fail_build=":original")), steps=STEPS)
    assert sorted(p.name for p in project.iterdir()) == ["Dockerfile", "requirements.txt"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": "  "}, "--smoke is empty"),
        ({"smoke": "'unclosed"}, "--smoke"),
        ({"expect": "(["}, "not a regular expression"),
        ({"timeout_s": 0}, "--timeout"),
    ],
)
def test_bad_input(project: Path, kwargs: dict[str, object], message: str) -> None:
    builder = StoreBuilder()
    with pytest.raises(ConfigError, match=message):
        optimize(project, check=check(**kwargs), build=using(builder), steps=STEPS)  # type: ignore[arg-type]
    assert builder.built == []


def test_renderers(project: Path) -> None:
    report = optimize(
        project, check=check("python main.py"), build=using(StoreBuilder()), steps=STEPS
    )
    doc = json.loads(render(report, "json"))
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["verified"] is True
    assert doc["original"]["size_bytes"] == SIZES["original"]
    assert doc["original"]["pull_bytes"] is None
    assert doc["changes"] == [
        {
            "code": "JT309",
            "description": "numpy -> requirements-dev.txt",
            "saving_bytes": 40_000_000,
        },
        {
            "code": "JT601",
            "description": "an unprivileged user `app` runs the service",
            "saving_bytes": None,
        },
    ]
    markdown = render(report, "markdown")
    assert "| size (uncompressed) | 1 GB | 200 MB | -80.0% |" in markdown
    assert "(**80.0% smaller**), verified." in markdown
    tty = render(report, "tty")
    assert "1 GB -> 200 MB (80.0% smaller), verified" in tty
    assert "pull size (compressed)  unknown" in tty


def test_real_fix_on_the_example(tmp_path: Path) -> None:
    """The real lint and fix (only the builder and inspect are fakes): the runtime
    requirements keep what the app imports, the heavy never-imported packages go."""
    ctx = tmp_path / "text-service"
    shutil.copytree(EXAMPLE, ctx)
    steps = Steps(inspect=fake_inspect)
    report = optimize(
        ctx, check=check("python app/main.py --selftest"), build=using(StoreBuilder()), steps=steps
    )
    assert report.verified
    runtime = (ctx / "requirements.runtime.txt").read_text()
    assert "flask==" in runtime and "numpy==" in runtime
    for heavy in ("pandas", "scikit-learn", "scipy", "matplotlib", "pytest", "ipython"):
        assert f"{heavy}==" not in runtime
    codes = {c.code for c in report.changes}
    assert {"JT301", "JT309"} <= codes
    assert (ctx / "Dockerfile").read_text() == (EXAMPLE / "Dockerfile").read_text()
    assert report.lint.finding_count > 0


@pytest.mark.parametrize(("result", "code"), [(GOOD, 0), (LOST, 1)])
def test_cli_exit_codes(
    project: Path, monkeypatch: pytest.MonkeyPatch, result: RunResult, code: int
) -> None:
    builder = StoreBuilder(results={"optimized": result})
    real = facade.optimize

    def patched(path: Path, **kwargs: object) -> object:
        kwargs["build"] = replace(kwargs["build"], builder=builder)  # type: ignore[type-var]
        return real(path, steps=STEPS, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(facade, "optimize", patched)
    out = project / "report.md"
    done = CliRunner().invoke(
        optimize_cmd,
        [str(project), "--smoke", "python main.py", "--format", "markdown", "-o", str(out)],
    )
    assert done.exit_code == code, done.output
    assert out.read_text().startswith("## jettison optimize")
    if code:
        assert "No module named 'numpy'" in done.output


def test_cli_bad_input_exits_2(project: Path) -> None:
    done = CliRunner().invoke(optimize_cmd, [str(project), "--expect", "(["])
    assert done.exit_code == 2
    assert "not a regular expression" in done.output


def _fix_with_mount(folder: Path) -> Steps:
    def fix_mounting(path: Path, **kwargs: object) -> FixReport:
        report = fake_fix(path, **kwargs)  # type: ignore[arg-type]
        return dataclasses.replace(report, mounts=(Mount(folder, "/wheels"),))

    return Steps(lint=fake_lint, fix=fix_mounting, inspect=fake_inspect)


def test_a_local_wheel_folder_is_mounted_in_the_optimized_build(
    project: Path, tmp_path: Path
) -> None:
    builder = StoreBuilder()
    report = optimize(project, build=using(builder), steps=_fix_with_mount(tmp_path))
    assert report.verified
    assert [tuple(r.options.mounts) for r in builder.built] == [(), ((tmp_path, "/wheels"),)]


def test_a_local_wheel_folder_with_docker_stops_before_any_build(
    project: Path, tmp_path: Path
) -> None:
    @dataclass
    class Docker(StoreBuilder):
        @property
        def name(self) -> str:
            return "docker"

    builder = Docker()
    with pytest.raises(BuildError, match="need buildah"):
        optimize(project, build=using(builder), steps=_fix_with_mount(tmp_path))
    assert builder.built == []


def test_each_change_shows_its_estimated_saving(project: Path) -> None:
    report = optimize(
        project, check=check("python main.py"), build=using(StoreBuilder()), steps=STEPS
    )
    assert [(c.code, c.saving_bytes) for c in report.changes] == [
        ("JT309", 40_000_000),
        ("JT601", None),
    ]
    tty = render(report, "tty")
    assert "  JT309: numpy -> requirements-dev.txt  ~40 MB\n" in tty
    assert "  JT601: an unprivileged user `app` runs the service\n" in tty  # no saving: none shown
    markdown = render(report, "markdown")
    assert "- `JT309` numpy -> requirements-dev.txt (~40 MB)\n" in markdown
    assert "- `JT601` an unprivileged user `app` runs the service\n" in markdown


def test_runtime_base_reaches_fix(project: Path) -> None:
    optimize(
        project,
        build=using(StoreBuilder()),
        steps=STEPS,
        runtime_base="python:3.11-slim-bookworm",
    )
    assert (project / "Dockerfile.jettison").read_text() == "FROM python:3.11-slim-bookworm\n"
