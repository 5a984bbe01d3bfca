"""The build and verify commands, run with click's runner on a fake builder."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from jettison.builder import select
from jettison.builder.errors import BuildError
from jettison.cli.build_cmd import build_cmd
from jettison.cli.verify_cmd import verify_cmd
from jettison.render.builder import VERIFY_SCHEMA_VERSION

from .test_verify import FakeBuilder, _answer, _r


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeBuilder:
    builder = FakeBuilder({"old": _r("3.1\n"), "new": _r("", 1, "cat: /x: No such file")})
    monkeypatch.setattr(select, "choose_builder", lambda _name: builder)
    return builder


def test_verify_passes(fake: FakeBuilder) -> None:
    result = CliRunner().invoke(verify_cmd, ["old", "--smoke", "cat /x"])
    assert result.exit_code == 0, result.output
    assert "PASS: exit code 0" in result.output


def test_verify_compare_fails_with_exit_1_and_json(fake: FakeBuilder) -> None:
    result = CliRunner().invoke(verify_cmd, ["old", "new", "--smoke", "cat /x", "-f", "json"])
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert doc["schema_version"] == VERIFY_SCHEMA_VERSION
    assert doc["probe"] is None
    assert [run["http_status"] for run in doc["runs"]] == [None, None]
    assert (doc["ok"], doc["reason"]) == (
        False,
        "exit code 0 before, 1 after (cat: /x: No such file)",
    )
    assert [run["image"] for run in doc["runs"]] == ["old", "new"]
    assert "verification failed: exit code 0 before, 1 after (cat: " in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["a", "b", "c"], "verify takes one image"),
        (["old", "--port", "8000"], "--port needs --probe"),
    ],
)
def test_verify_bad_input(fake: FakeBuilder, args: list[str], message: str) -> None:
    result = CliRunner().invoke(verify_cmd, args)
    assert result.exit_code == 2
    assert f"jettison: error: {message}" in result.stderr


def test_build_prints_the_image_and_streams(fake: FakeBuilder, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    result = CliRunner().invoke(build_cmd, [str(tmp_path), "-t", "localhost/x:1"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "localhost/x:1\n"
    assert "STEP 1/1: FROM scratch" in result.stderr
    assert "built localhost/x:1 (abc) with fake" in result.stderr  # short id, as docker prints it


def test_build_failure_shows_step_and_tail(
    fake: FakeBuilder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(*_args: object) -> None:
        raise BuildError(
            "buildah build of t failed at 2/2: RUN false (exit code 1)",
            step="2/2: RUN false",
            log_tail=("STEP 2/2: RUN false", "Error: building at STEP"),
        )

    monkeypatch.setattr(fake, "build", fail)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    result = CliRunner().invoke(build_cmd, [str(tmp_path), "-q"])
    assert result.exit_code == 2
    assert "STEP 2/2: RUN false\nError: building at STEP\n" in result.stderr
    assert "jettison: error: buildah build of t failed at 2/2: RUN false" in result.stderr


def test_choose_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    class Missing(FakeBuilder):
        def available(self) -> bool:
            return False

    monkeypatch.setattr(select, "BUILDERS", {"buildah": lambda: Missing({})})
    with pytest.raises(BuildError, match="no container builder found") as info:
        select.choose_builder("auto")
    assert info.value.hint is not None and "install buildah or podman" in info.value.hint
    with pytest.raises(BuildError, match="buildah is not installed"):
        select.choose_builder("buildah")
    with pytest.raises(BuildError, match="unknown builder"):
        select.choose_builder("kaniko")
    fake_ok = FakeBuilder({})
    monkeypatch.setattr(select, "BUILDERS", {"m": lambda: Missing({}), "f": lambda: fake_ok})
    assert select.choose_builder("auto") is fake_ok


def test_process_timeout_kills_the_group() -> None:
    from jettison.builder import _process

    stopped: list[bool] = []
    code = "import subprocess,sys; subprocess.run(['sleep','30']); print('never')"
    done = _process.run(
        [sys.executable, "-c", code], {}, timeout_s=0.5, on_timeout=lambda: stopped.append(True)
    )
    assert (done.timed_out, done.exit_code, done.stdout, stopped) == (True, -1, "", [True])
    assert done.seconds < 5


def test_verify_probe_tty_and_json(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeBuilder(
        {"old": _answer(200, '{"ok": true}'), "new": _answer(500, "Internal Server Error")},
        commands={"old": ("uvicorn", "app:app"), "new": ("uvicorn", "app:app")},
        ports={"old": ("8000/tcp",)},
    )
    monkeypatch.setattr(select, "choose_builder", lambda _name: fake)
    one = CliRunner().invoke(verify_cmd, ["old", "--probe", "/healthz"])
    assert one.exit_code == 0, one.output
    assert one.stdout.splitlines()[0] == (
        "old: GET /healthz on port 8000 of (its CMD/ENTRYPOINT): HTTP 200 in 1.0s"
    )
    assert "PASS: HTTP 200" in one.stdout
    two = CliRunner().invoke(
        verify_cmd, ["old", "new", "--probe", "/healthz", "--port", "9000", "-f", "json"]
    )
    assert two.exit_code == 1
    doc = json.loads(two.stdout)
    assert doc["probe"] == {"path": "/healthz", "port": 9000}
    assert [run["http_status"] for run in doc["runs"]] == [200, 500]
    assert doc["reason"] == "HTTP 200 before, HTTP 500 after"


def test_build_no_cache(fake: FakeBuilder, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    assert CliRunner().invoke(build_cmd, [str(tmp_path), "--no-cache", "-q"]).exit_code == 0
    assert CliRunner().invoke(build_cmd, [str(tmp_path), "-q"]).exit_code == 0
    assert [request.options.no_cache for request in fake.built] == [True, False]


def test_build_push(fake: FakeBuilder, tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    tag = "127.0.0.1:5000/team/app:1"
    args = [str(tmp_path), "-q", "-t", tag, "--push", "--tls-verify=false"]
    result = CliRunner().invoke(build_cmd, [*args, "--report-format", "json"])
    assert result.exit_code == 0, result.output
    assert fake.pushed == [(tag, tag, False)]
    assert f"jettison: pushed {tag}@sha256:{'d' * 64}" in result.stderr
    assert json.loads(result.stdout)["pushed"] == f"{tag}@sha256:{'d' * 64}"


@pytest.mark.parametrize("tag", ["localhost/app:1", "app:1", "team/app:1"])
def test_build_push_needs_a_registry_in_the_tag(
    fake: FakeBuilder, tmp_path: Path, tag: str
) -> None:
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    result = CliRunner().invoke(build_cmd, [str(tmp_path), "-q", "-t", tag, "--push"])
    assert result.exit_code == 2
    assert f"--push needs a tag that names a registry, not '{tag}'" in result.stderr
    assert fake.built == [] and fake.pushed == []
