"""optimize never ships a broken image: when the optimized image fails the check the
original passes, the fix that breaks it is found and left out, or the non-root user is given
the directories the service writes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from jettison.builder.backend import BuildRequest, BuildResult, RunResult
from jettison.fix.changes import Change
from jettison.fix.report import FixReport, OutputFile
from jettison.optimize.core import Steps, optimize
from jettison.optimize.repair import Attempt, Outcome, repair, suspects, written_dirs
from support.options import check, using

from .test_optimize import GOOD, StoreBuilder, fake_inspect, fake_lint, write_project

DENIED = RunResult(
    1,
    "",
    "Traceback (most recent call last):\n"
    "PermissionError: [Errno 13] Permission denied: '/app/app/vocab.txt'\n",
    0.4,
    False,
)
NO_GCC = RunResult(1, "", "error: command 'gcc' failed: No such file or directory\n", 0.4, False)


def test_the_directories_a_failed_run_wrote() -> None:
    assert written_dirs(DENIED.stderr) == ("/app/app",)
    said = "OSError: [Errno 13] Permission denied: '/data/cache'\nPermission denied: /app/x.db\n"
    assert written_dirs(said) == ("/data/cache", "/app")
    assert written_dirs("ModuleNotFoundError: No module named 'numpy'") == ()


def test_the_suspects_are_the_unsafe_fixes_restructure_first() -> None:
    changes = (
        Change("JT107", "pip without a download cache"),
        Change("JT601", "an unprivileged user"),
        Change("JT101 JT102", "apt in one layer"),
        Change("JT201", "slim base"),
    )
    assert suspects(changes, restructured=True) == ["restructure", "JT601", "JT102", "JT201"]
    assert suspects(changes[:1], restructured=False) == []


def _trying(breaks: set[str], needs_dirs: bool = False) -> tuple[list[Attempt], object]:
    tried: list[Attempt] = []

    def attempt(candidate: Attempt) -> Outcome:
        tried.append(candidate)
        left = set(candidate.skipped)
        ok = not (breaks - left) and (not needs_dirs or bool(candidate.writable) or "JT601" in left)
        return Outcome(candidate, ok, "" if ok else "broken")

    return tried, attempt


def test_a_write_the_user_may_not_do_keeps_the_user_and_gives_it_the_directory() -> None:
    tried, attempt = _trying(set(), needs_dirs=True)
    first = Outcome(Attempt(), False, "exit code 1")
    result = repair(first, DENIED.stderr, ["restructure", "JT601"], attempt)  # type: ignore[arg-type]
    assert tried == [Attempt(writable=("/app/app",))]
    assert result[-1].passed


def test_the_one_fix_that_breaks_is_found_by_halves() -> None:
    tried, attempt = _trying({"JT201"})
    unsafe = ["restructure", "JT102", "JT201", "JT601"]
    result = repair(Outcome(Attempt(), False, "x"), NO_GCC.stderr, unsafe, attempt)  # type: ignore[arg-type]
    assert result[-1].passed and result[-1].attempt == Attempt(skipped=("JT201",))
    assert len(tried) <= 3  # two halvings and the build without the culprit


def test_when_nothing_helps_every_unsafe_fix_is_left_out() -> None:
    _tried, attempt = _trying({"JT102", "JT201"})
    unsafe = ["JT102", "JT201"]
    result = repair(Outcome(Attempt(), False, "x"), "", unsafe, attempt)  # type: ignore[arg-type]
    assert result[-1].attempt == Attempt(skipped=("JT102", "JT201"))
    assert result[-1].passed


# --------------------------------------------------------------------------- optimize


@dataclass
class WritingService(StoreBuilder):
    """The optimized image's service writes into /app/app at start-up: it fails as a
    non-root user unless the fix made that directory the user's."""

    dockerfiles: dict[str, str] = field(default_factory=dict)

    def build(self, request: BuildRequest, on_line: object) -> BuildResult:
        self.dockerfiles[request.tag] = request.dockerfile.read_text()
        return super().build(request, lambda _line: None)

    def run(self, image: str, argv: Sequence[str], **_options: object) -> RunResult:
        self.ran.append((image, tuple(argv)))
        text = self.dockerfiles.get(image, "")
        if "USER app" in text and "/app/app" not in text:
            return DENIED
        return GOOD


def fix_with_a_user(path: Path, **options: object) -> FixReport:
    """As fix writes a non-root user: with the writable directories it is given."""
    writable: Sequence[str] = options.get("writable", ())  # type: ignore[assignment]
    skip: Sequence[str] = options.get("skip", ())  # type: ignore[assignment]
    own = " ".join(["/app", *writable])
    lines = ["FROM python:3.11-slim", "WORKDIR /app", "COPY . ."]
    changes = [Change("JT107", "pip without a download cache")]
    if "JT601" not in skip:
        lines += [f"RUN useradd app && chown app:app {own}", "USER app"]
        changes.append(Change("JT601", "an unprivileged user `app` runs the service"))
    out = path.with_name("Dockerfile.jettison")
    text = "\n".join(lines) + "\n"
    if not options.get("dry_run"):
        out.write_text(text)
    return FixReport((OutputFile(out, text),), tuple(changes), "", "cpu", True)


def test_optimize_keeps_the_user_and_says_what_it_did(tmp_path: Path) -> None:
    builder = WritingService()
    steps = Steps(lint=fake_lint, fix=fix_with_a_user, inspect=fake_inspect)
    report = optimize(write_project(tmp_path), check=check("python app/main.py"),
                      build=using(builder), steps=steps)  # fmt: skip
    assert report.verified, report.verdict
    assert "chown app:app /app /app/app" in builder.dockerfiles["localhost/svc:optimized"]
    assert [c.code for c in report.changes] == ["JT107", "JT601"]
    (notice,) = report.repairs
    assert notice.message.startswith("kept the non-root user: /app/app made its own")
    assert "Permission denied: '/app/app/vocab.txt'" in notice.message


def test_optimize_leaves_out_the_fix_that_breaks_and_says_which(tmp_path: Path) -> None:
    builder = WritingService()

    def fix_without_remedy(path: Path, **options: object) -> FixReport:
        options.pop("writable", None)  # a fix that cannot take the remedy
        return fix_with_a_user(path, **options)

    steps = Steps(lint=fake_lint, fix=fix_without_remedy, inspect=fake_inspect)
    report = optimize(write_project(tmp_path), check=check("python app/main.py"),
                      build=using(builder), steps=steps)  # fmt: skip
    assert report.verified, report.verdict
    assert "USER app" not in builder.dockerfiles["localhost/svc:optimized"]
    assert [c.code for c in report.changes] == ["JT107"]
    (notice,) = report.repairs
    assert notice.message.startswith("applied 1 of 2 fixes; JT601 broke the check: ")
