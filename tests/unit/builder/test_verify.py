"""compare() and check() verdicts, smoke() with a fake builder, and the verify facade."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from jettison.builder import core as api
from jettison.builder import probe
from jettison.builder.backend import ArchiveFormat, BuildRequest, BuildResult, Network, RunResult
from jettison.builder.errors import BuildError
from jettison.builder.options import BuildOptions, CheckOptions, parse_build_args
from jettison.builder.verify import check, compare, smoke
from jettison.errors import ConfigError


def _r(out: str = "ok\n", code: int = 0, err: str = "", timed_out: bool = False) -> RunResult:
    return RunResult(code, out, err, 2.0, timed_out)


@pytest.mark.parametrize(
    ("before", "after", "expect", "ok", "reason"),
    [
        (_r(), _r(), None, True, "same exit code (0) and output"),
        (_r(), _r(code=3), None, False, "exit code 0 before, 3 after"),
        (_r(), _r("", 1, "cat: /app/x: No such file or directory\n\n"), None, False,
         "exit code 0 before, 1 after (cat: /app/x: No such file or directory)"),
        (_r("a\nb\nc\n"), _r("a\nX\nc\n"), None, False,
         "output differs at line 2: 'b' before, 'X' after"),
        (_r("a\nb\n"), _r("a\n"), None, False, "output differs at line 2: only before has 'b'"),
        (_r("a\n"), _r("a"), None, False, "output differs in whitespace or line endings"),
        (_r(), _r("", 1, "Traceback...\nModuleNotFoundError: No module named 'numpy'\n"), None,
         False, "after: ModuleNotFoundError: No module named 'numpy'"),
        (_r(), _r("", 127, "python: error while loading shared libraries: libgomp.so.1: "
                  "cannot open shared object file"), None,
         False, "after: error while loading shared libraries: libgomp.so.1"),
        (_r(), _r(timed_out=True, code=-1), None, False, "after: timed out after 2s"),
        (_r(timed_out=True, code=-1), _r(), None, False, "before: timed out after 2s"),
        (_r("took 1.2s\n"), _r("took 0.9s\n"), r"took [\d.]+s", True,
         r"same exit code (0), both outputs match 'took [\\d.]+s'"),
        (_r("took 1.2s\n"), _r("crash\n"), r"took", False, "after: output does not match 'took'"),
    ],
)  # fmt: skip
def test_compare(
    before: RunResult, after: RunResult, expect: str | None, ok: bool, reason: str
) -> None:
    verdict = compare(before, after, expect)
    assert (verdict.ok, verdict.reason) == (ok, reason)


def test_same_failure_in_both_is_not_a_difference() -> None:
    err = "ModuleNotFoundError: No module named 'x'"
    assert compare(_r("", 1, err), _r("", 1, err)).ok


@pytest.mark.parametrize(
    ("result", "expect", "ok", "reason"),
    [
        (_r(), None, True, "exit code 0"),
        (_r(), "o+k", True, "exit code 0, output matches 'o+k'"),
        (_r(), "nope", False, "output does not match 'nope'"),
        (_r("", 1, "ImportError: libfoo.so: cannot open"), None, False,
         "exit code 1: ImportError: libfoo.so: cannot open"),
        (_r(code=-1, timed_out=True), None, False, "timed out after 2s"),
    ],
)  # fmt: skip
def test_check(result: RunResult, expect: str | None, ok: bool, reason: str) -> None:
    verdict = check(result, expect)
    assert (verdict.ok, verdict.reason) == (ok, reason)


@dataclass
class FakeBuilder:
    """Runs nothing: answers from a table of image -> RunResult, and records the calls."""

    results: dict[str, RunResult]
    commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ports: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ran: list[tuple[str, tuple[str, ...], Network]] = field(default_factory=list)
    timeouts: list[float] = field(default_factory=list)
    built: list[BuildRequest] = field(default_factory=list)
    exported: list[tuple[str, Path, ArchiveFormat]] = field(default_factory=list)
    pushed: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return "fake"

    def available(self) -> bool:
        return True

    def build(self, request: BuildRequest, on_line: Callable[[str], None]) -> BuildResult:
        self.built.append(request)
        on_line("STEP 1/1: FROM scratch")
        return BuildResult(request.tag, "sha256:abc", 0.5, ("STEP 1/1: FROM scratch",))

    def export(self, image: str, dest: Path, fmt: ArchiveFormat) -> Path:
        self.exported.append((image, dest, fmt))
        return dest

    def run(
        self, image: str, argv: Sequence[str], *, timeout_s: float, network: Network
    ) -> RunResult:
        self.ran.append((image, tuple(argv), network))
        self.timeouts.append(timeout_s)
        return self.results[image]

    def image_command(self, image: str) -> tuple[str, ...]:
        return self.commands.get(image, ())

    def exposed_ports(self, image: str) -> tuple[str, ...]:
        return self.ports.get(image, ())

    def image_reference(self, image: str, scratch: Path) -> str:
        return f"containers-storage:{image}"

    def remove_image(self, image: str) -> None:
        pass

    def push(self, image: str, destination: str, *, tls_verify: bool = True) -> str:
        self.pushed.append((image, destination, tls_verify))
        return "sha256:" + "d" * 64


def test_smoke_runs_the_image_command_without_network() -> None:
    fake = FakeBuilder({"a": _r()}, commands={"a": ("python", "-m", "app")})
    assert smoke(fake, "a", None, 5) == _r()
    assert fake.ran == [("a", ("python", "-m", "app"), "none")]


def test_smoke_without_any_command() -> None:
    with pytest.raises(BuildError, match="no CMD or ENTRYPOINT"):
        smoke(FakeBuilder({"a": _r()}), "a", None, 5)


def test_verify_two_images() -> None:
    fake = FakeBuilder({"old": _r("x\n"), "new": _r("y\n")})
    report = api.verify(["old", "new"], CheckOptions.from_text("cat '/etc/a b'"), builder=fake)
    assert [r.command for r in report.runs] == [("cat", "/etc/a b")] * 2
    assert report.builder == "fake"
    assert not report.verdict.ok
    assert report.verdict.reason == "output differs at line 1: 'x' before, 'y' after"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"smoke": ""}, "--smoke is empty"),
        ({"smoke": "'open"}, "No closing quotation"),
        ({"expect": "("}, "not a regular expression"),
        ({"timeout_s": 0}, "--timeout must be positive"),
    ],
)
def test_verify_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        api.verify(["a"], CheckOptions.from_text(**kwargs), builder=FakeBuilder({"a": _r()}))  # type: ignore[arg-type]


def test_build_facade(tmp_path: Path) -> None:
    ctx = tmp_path / "My App"
    ctx.mkdir()
    (ctx / "Containerfile").write_text("FROM scratch\n")
    fake = FakeBuilder({})
    lines: list[str] = []
    out = tmp_path / "img.tar"
    report = api.build(
        ctx, options=BuildOptions(builder=fake, build_args=(("A", "1"),)), output=out,
        archive_format="oci-archive", on_line=lines.append,
    )  # fmt: skip
    assert fake.built[0].dockerfile == ctx / "Containerfile"
    assert fake.built[0].tag == "localhost/my-app:latest"
    assert fake.exported == [("localhost/my-app:latest", out, "oci-archive")]
    assert (report.image_id, report.archive, report.archive_format) == (
        "sha256:abc",
        out,
        "oci-archive",
    )
    assert lines == ["STEP 1/1: FROM scratch"]


def test_build_facade_bad_input(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="holds no Dockerfile"):
        api.build(tmp_path, options=BuildOptions(builder=FakeBuilder({})))
    with pytest.raises(ConfigError, match="is not KEY=VALUE"):
        parse_build_args(["NOEQUALS"])
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    with pytest.raises(ConfigError, match="has no id="):
        api.build(tmp_path, options=BuildOptions(builder=FakeBuilder({}), secrets=("src=/x",)))


def _answer(status: int, body: str = "ok", summary: str = "") -> RunResult:
    code = 0 if 200 <= status < 300 else 1
    return RunResult(code, f"HTTP {status}\n{body}", f"probe: {summary or status}\n", 1.0, False)


SILENT = RunResult(1, "", "probe: no answer to GET / on port 8000 within 5s\n", 6.0, False)
DIED = RunResult(
    1,
    "",
    "Traceback...\nModuleNotFoundError: No module named 'uvicorn'\n"
    "probe: the service exited with code 1 before answering GET / on port 8000\n",
    1.0,
    False,
)


def test_verify_probe_starts_the_image_command_on_its_lowest_port() -> None:
    fake = FakeBuilder(
        {"a": _answer(200, "{}")},
        commands={"a": ("uvicorn", "app:app")},
        ports={"a": ("9000/tcp", "8000/tcp", "53/udp")},
    )
    report = api.verify(["a"], CheckOptions(probe="/healthz", timeout_s=5), builder=fake)
    assert report.probe == api.HttpProbe("/healthz", 8000)
    assert fake.ran == [
        ("a", probe.argv(("uvicorn", "app:app"), path="/healthz", port=8000, wait_s=5), "none")
    ]
    assert fake.timeouts == [5 + probe.OVERHEAD_S]
    assert (report.verdict.ok, report.verdict.reason) == (True, "HTTP 200")
    assert report.runs[0].command is None


def test_verify_probe_with_a_given_port_and_command() -> None:
    fake = FakeBuilder({"a": _answer(200), "b": _answer(200)})
    report = api.verify(
        ["a", "b"], CheckOptions.from_text("python -m app", probe="/", port=81), builder=fake
    )
    assert [argv[4:6] for _image, argv, _net in fake.ran] == [("81", "/")] * 2
    assert [argv[-3:] for _image, argv, _net in fake.ran] == [("python", "-m", "app")] * 2
    assert report.verdict.reason == "same HTTP status (200) and body"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"probe": "/"}, "a exposes no TCP port to probe"),
        ({"port": 8000}, "--port needs --probe"),
        ({"probe": "healthz"}, "not an absolute URL path"),
        ({"probe": "/", "port": 0}, "not a TCP port number"),
    ],
)
def test_verify_probe_bad_input(kwargs: dict[str, object], message: str) -> None:
    fake = FakeBuilder({"a": _answer(200)}, commands={"a": ("serve",)})
    with pytest.raises(ConfigError, match=message):
        api.verify(["a"], CheckOptions(**kwargs), builder=fake)  # type: ignore[arg-type]
    assert fake.ran == []


@pytest.mark.parametrize(
    ("before", "after", "expect", "ok", "reason"),
    [
        (_answer(200), _answer(200), None, True, "same HTTP status (200) and body"),
        (_answer(200), _answer(500, "boom"), None, False, "HTTP 200 before, HTTP 500 after"),
        (_answer(200), SILENT, None, False,
         "before: HTTP 200; after: no answer to GET / on port 8000 within 5s"),
        (_answer(200), DIED, None, False, "after: ModuleNotFoundError: No module named 'uvicorn'"),
        (_answer(200, "a"), _answer(200, "b"), None, False,
         "response differs at line 2: 'a' before, 'b' after"),
        (_answer(200, "t=1"), _answer(200, "t=2"), r"t=\d", True,
         r"same HTTP status (200), both responses match 't=\\d'"),
        (SILENT, SILENT, None, False,
         "neither image answered: no answer to GET / on port 8000 within 5s"),
        (_answer(503), _answer(503), None, True, "same HTTP status (503) and body"),
    ],
)  # fmt: skip
def test_compare_probes(
    before: RunResult, after: RunResult, expect: str | None, ok: bool, reason: str
) -> None:
    verdict = compare(before, after, expect, probe=True)
    assert (verdict.ok, verdict.reason) == (ok, reason)


@pytest.mark.parametrize(
    ("result", "expect", "ok", "reason"),
    [
        (_answer(204, ""), None, True, "HTTP 204"),
        (_answer(200, '{"ok": true}'), "ok", True, "HTTP 200, response matches 'ok'"),
        (_answer(200, "fine"), "^ready", False, "response does not match '^ready'"),
        (_answer(404, summary="GET /x on port 80: HTTP 404"), None, False,
         "GET /x on port 80: HTTP 404"),
        (DIED, None, False,
         "the service exited with code 1 before answering GET / on port 8000: "
         "ModuleNotFoundError: No module named 'uvicorn'"),
        (RunResult(-1, "", "", 25.0, True), None, False, "timed out after 25s"),
    ],
)  # fmt: skip
def test_check_probe(result: RunResult, expect: str | None, ok: bool, reason: str) -> None:
    verdict = check(result, expect, probe=True)
    assert (verdict.ok, verdict.reason) == (ok, reason)
