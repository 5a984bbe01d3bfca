"""``jettison inspect registry://...`` through the real CLI: a bad registry is one line, a hint
and exit 2, whatever is wrong with it (refused, 401, 404, a wrong digest, a blob cut short, a
redirect loop, an artifact that is no image)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from functional.conftest import Run
from functional.test_bad_input import SIMPLE, assert_one_line_error
from jettison.image.distribution import client as client_module
from support.fake_registry import FakeRegistry, serve
from support.imagewriter import build_image, oci_layout_files

Setup = Callable[[FakeRegistry], None]


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "sleep", lambda _s: None)


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeRegistry, str]]:
    fake = FakeRegistry(oci_layout_files(SIMPLE, ref_name="1"))
    with serve(monkeypatch, fake) as host:
        yield fake, host


def test_inspect_from_a_registry(
    registry: tuple[FakeRegistry, str], run_cli: Callable[..., Run]
) -> None:
    _fake, host = registry
    run = run_cli("inspect", f"registry://{host}/fx:1", "--format", "json", "--no-cache")
    assert run.exit_code == 0, run.stderr
    report = json.loads(run.stdout)
    assert (report["source_kind"], report["tags"]) == ("registry", [f"{host}/fx:1"])
    assert [layer["compressed_bytes"] is not None for layer in report["layers"]] == [
        False,
        True,
        True,
    ]


def _first_layer(fake: FakeRegistry) -> str:
    return build_image(SIMPLE).layers[0].digest


CASES: dict[str, tuple[Setup, str, str]] = {
    "401": (
        lambda fake: setattr(fake, "auth", "bearer"),
        r"fx: the registry asks for credentials \(401 Unauthorized\) and none are stored",
        "log in with `docker login",
    ),
    "404": (lambda fake: fake.tags.clear(), r"fx: manifest 1 not found in the registry", "tag"),
    "wrong-digest": (
        lambda fake: setattr(fake, "wrong_manifest_digest", True),
        r"manifest 1: digest mismatch: the registry says sha256:\w+, the content hashes to",
        "damaged or altered",
    ),
    "cut-short": (
        lambda fake: fake.cut_blobs.update({_first_layer(fake): 1000}),
        r"blob sha256:\w+ cut short: 1000 of \d+ bytes arrived",
        "dropped the transfer",
    ),
    "redirect-loop": (
        lambda fake: setattr(fake, "redirect_loop", True),
        r"blob sha256:\w+: a redirect loop",
        "misconfigured",
    ),
    "5xx": (
        lambda fake: fake.fail.update({"/v2/fx/": [502] * 20}),
        r"manifest 1: the registry answered 502",
        "try again later",
    ),
}


@pytest.mark.parametrize("case", CASES)
@pytest.mark.usefixtures("no_credentials")
def test_a_bad_registry_is_one_line(
    case: str, registry: tuple[FakeRegistry, str], run_cli: Callable[..., Run]
) -> None:
    fake, host = registry
    setup, pattern, hint = CASES[case]
    setup(fake)
    run = run_cli("inspect", f"registry://{host}/fx:1", "--no-cache")
    assert_one_line_error(run, pattern)
    assert hint in run.stderr_lines[1]


def test_a_refused_connection(run_cli: Callable[..., Run]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    run = run_cli("inspect", f"registry://127.0.0.1:{port}/fx:1")
    assert_one_line_error(run, rf"127\.0\.0\.1:{port}: connection refused$")
