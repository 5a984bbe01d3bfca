"""The probe script, run for real with /bin/sh on this machine against local HTTP servers
(the "container" is the host: the script only needs a shell, a client and the service)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pytest

from jettison.builder import probe
from jettison.builder.backend import RunResult
from jettison.builder.verify import check, compare, diagnose

PY = sys.executable
# What the script needs besides a client (kill, command, echo... are shell builtins).
TOOLS = ("sh", "date", "sleep", "cat", "head", "tail", "mkdir", "rm", "sed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def run_probe(
    command: Sequence[str], *, path: str, port: int, wait_s: float = 10, path_env: str | None = None
) -> RunResult:
    argv = probe.argv(command, path=path, port=port, wait_s=wait_s)
    env = {**os.environ, "PATH": path_env} if path_env is not None else dict(os.environ)
    done = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=wait_s + probe.OVERHEAD_S
    )
    return RunResult(done.returncode, done.stdout, done.stderr, 1.0, False)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "health.json").write_text('{"status": "ok"}\n')
    return tmp_path / "www"


def http_server(port: int, site: Path) -> list[str]:
    return [PY, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(site)]


def test_answer_2xx_prints_status_and_body_and_stops_the_service(site: Path) -> None:
    port = free_port()
    result = run_probe(http_server(port, site), path="/health.json", port=port)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == 'HTTP 200\n{"status": "ok"}\n'
    assert probe.http_status(result.stdout) == 200
    assert f"probe: GET /health.json on port {port}: HTTP 200 after" in result.stderr
    assert '"GET /health.json HTTP/1.1" 200' in result.stderr  # the service's own log
    assert not answers(port)
    verdict = check(result, None, probe=True)
    assert (verdict.ok, verdict.reason) == (True, "HTTP 200")


def test_a_4xx_ends_the_probe_at_once(site: Path) -> None:
    port = free_port()
    result = run_probe(http_server(port, site), path="/missing", port=port, wait_s=30)
    assert result.exit_code == 1
    assert result.stdout.startswith("HTTP 404\n")
    assert result.stderr.splitlines()[-1] == f"probe: GET /missing on port {port}: HTTP 404"
    assert check(result, None, probe=True).reason == f"GET /missing on port {port}: HTTP 404"
    assert not answers(port)


def test_5xx_is_retried_until_the_service_is_ready(tmp_path: Path) -> None:
    server = tmp_path / "warming.py"
    server.write_text(
        textwrap.dedent(
            """\
            import http.server, sys
            seen = []
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    seen.append(1)
                    ready = len(seen) > 2
                    self.send_response(200 if ready else 503)
                    self.end_headers()
                    self.wfile.write(b"ready" if ready else b"loading the model")
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """
        )
    )
    port = free_port()
    result = run_probe([PY, str(server), str(port)], path="/ready", port=port)
    assert (result.exit_code, result.stdout) == (0, "HTTP 200\nready")


def test_a_service_that_dies_says_why(tmp_path: Path) -> None:
    port = free_port()
    command = [PY, "-c", "import sys; print('starting'); import fastapi_is_not_here"]
    result = run_probe(command, path="/", port=port)
    assert (result.exit_code, result.stdout) == (1, "")
    assert "starting" in result.stderr
    assert result.stderr.splitlines()[-1] == (
        f"probe: the service exited with code 1 before answering GET / on port {port}"
    )
    assert diagnose(result) == "ModuleNotFoundError: No module named 'fastapi_is_not_here'"
    assert check(result, None, probe=True).reason == (
        f"the service exited with code 1 before answering GET / on port {port}: "
        "ModuleNotFoundError: No module named 'fastapi_is_not_here'"
    )


def test_no_answer_within_the_wait(tmp_path: Path) -> None:
    port = free_port()
    marker = tmp_path / "stopped"
    # A service that never listens, and notes that it was asked to stop.
    command = ["sh", "-c", f"trap 'touch {marker}; exit 0' TERM; while :; do sleep 0.1; done"]
    result = run_probe(command, path="/healthz", port=port, wait_s=1)
    assert result.exit_code == 1
    assert (
        result.stderr.splitlines()[-1]
        == f"probe: no answer to GET /healthz on port {port} within 1s"
    )
    assert marker.exists()


def test_refuses_a_port_that_answers_before_the_service_starts(site: Path) -> None:
    port = free_port()
    other = subprocess.Popen(http_server(port, site), stderr=subprocess.DEVNULL)
    try:
        for _ in range(50):
            if answers(port):
                break
            subprocess.run(["sleep", "0.1"], check=True)
        result = run_probe(["sleep", "30"], path="/health.json", port=port, wait_s=5)
    finally:
        other.terminate()
        other.wait()
    assert (result.exit_code, result.stdout) == (1, "")
    assert f"port {port} already answers before the service starts" in result.stderr


def _bin_dir(tmp_path: Path, client: str | None) -> str:
    """A PATH with the shell tools and ``client`` only: no python."""
    bin_dir = tmp_path / f"bin-{client}"
    bin_dir.mkdir()
    for tool in (*TOOLS, *((client,) if client else ())):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"{tool} is not installed")
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)


@pytest.mark.parametrize("client", ["curl", "wget"])
def test_without_python_curl_or_wget_asks(site: Path, tmp_path: Path, client: str) -> None:
    path_env = _bin_dir(tmp_path, client)
    port = free_port()
    ok = run_probe(http_server(port, site), path="/health.json", port=port, path_env=path_env)
    assert (ok.exit_code, ok.stdout) == (0, 'HTTP 200\n{"status": "ok"}\n'), ok.stderr
    port = free_port()
    missing = run_probe(http_server(port, site), path="/nope", port=port, path_env=path_env)
    assert missing.exit_code == 1
    assert missing.stdout.startswith("HTTP 404\n")
    assert not answers(port)


def test_an_image_without_any_client(site: Path, tmp_path: Path) -> None:
    port = free_port()
    result = run_probe(
        http_server(port, site), path="/", port=port, path_env=_bin_dir(tmp_path, None)
    )
    assert result.exit_code == 1
    assert "the image has no python, curl or wget" in result.stderr
    assert not answers(port)  # the service never started


def test_the_body_is_truncated(tmp_path: Path) -> None:
    (tmp_path / "big.txt").write_text("x" * (probe.BODY_LIMIT_BYTES * 3))
    port = free_port()
    result = run_probe(http_server(port, tmp_path), path="/big.txt", port=port)
    assert result.stdout == "HTTP 200\n" + "x" * probe.BODY_LIMIT_BYTES


def test_two_probes_compare_status_and_body(site: Path) -> None:
    port = free_port()
    before = run_probe(http_server(port, site), path="/health.json", port=port)
    (site / "health.json").write_text('{"status": "degraded"}\n')
    after = run_probe(http_server(port, site), path="/health.json", port=port)
    verdict = compare(before, after, probe=True)
    assert (verdict.ok, verdict.reason) == (
        False,
        'response differs at line 2: \'{"status": "ok"}\' before, \'{"status": "degraded"}\' after',
    )
    assert compare(before, before, probe=True).reason == "same HTTP status (200) and body"
    assert compare(before, after, r'"status"', probe=True).ok


@pytest.mark.parametrize(
    ("path", "port", "message"),
    [("healthz", 80, "not an absolute URL path"), ("/a b", 80, "not an absolute URL path"),
     ("/", 0, "not a TCP port"), ("/", 70000, "not a TCP port")],
)  # fmt: skip
def test_bad_path_or_port(path: str, port: int, message: str) -> None:
    from jettison.errors import ConfigError

    with pytest.raises(ConfigError, match=message):
        probe.argv(["true"], path=path, port=port, wait_s=1)


def test_argv_shape_and_first_port() -> None:
    argv = probe.argv(["python", "-m", "app"], path="/healthz", port=8000, wait_s=2.5)
    assert argv[:2] == ("/bin/sh", "-c")
    assert argv[3:] == (probe.NAME, "8000", "/healthz", "3", str(probe.BODY_LIMIT_BYTES),
                        "python", "-m", "app")  # fmt: skip
    assert probe.first_port(("9000/tcp", "53/udp", "10000/tcp", "8000")) == 8000
    assert probe.first_port(("53/udp",)) is None
    assert probe.http_status("HTTP 503\nloading") == 503
    assert probe.http_status("") is None


def test_under_busybox_with_its_wget(site: Path, tmp_path: Path) -> None:
    """Alpine-like images: busybox's sh and applets, no python; busybox's wget asks."""
    busybox = shutil.which("busybox")
    if busybox is None:
        pytest.skip("busybox is not installed")
    applets = tmp_path / "busybox"
    applets.mkdir()
    for tool in (*TOOLS, "wget", "timeout"):
        (applets / tool).symlink_to(busybox)
    port = free_port()
    argv = probe.argv(http_server(port, site), path="/health.json", port=port, wait_s=10)
    done = subprocess.run(
        [busybox, "sh", *argv[1:]],
        capture_output=True,
        text=True,
        env={"PATH": str(applets)},
        timeout=10 + probe.OVERHEAD_S,
    )
    assert (done.returncode, done.stdout) == (0, 'HTTP 200\n{"status": "ok"}\n'), done.stderr
    assert not answers(port)
