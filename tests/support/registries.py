"""Real registries for tests and benchmarks: Debian's ``docker-registry`` (CNCF Distribution)
on a free loopback port, with the test's own config, stopped by its pid.

Three flavours, as users meet them:

- :func:`plain`: HTTP, anonymous (``docker run registry:2`` on a laptop);
- :func:`tls_htpasswd`: HTTPS with a certificate from a CA made here (openssl), and Basic
  auth from an htpasswd file (apache2-utils' ``htpasswd``);
- :func:`token`: Bearer tokens from a token endpoint this module runs (Docker Hub's flow),
  JWTs signed with ``openssl dgst`` by a key the registry trusts (``rootcertbundle``).

What a test needs that is missing raises :class:`Unavailable`; the fixtures turn it into a
skip, or into a failure when ``CI`` is set (CI installs everything: a missing piece there is
a broken CI, not a reason to skip).

Images go in with ``skopeo copy`` (:func:`push`), or blob by blob through the Distribution
API (:func:`push_blobs`, for artifacts skopeo will not copy).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from support import services

_ACCESS = re.compile(r'"GET [^"]*" \d{3} (\d+|-)')
"""A GET in the registry's access log (combined format): the size of the body sent."""
USER = "ann"
PASSWORD = "registry-test-pw"
START_TIMEOUT_S = 20


class Unavailable(Exception):
    """A tool a test registry needs is missing or would not start."""


def require(*tools: str) -> None:
    for tool in tools:
        if shutil.which(tool) is None:
            raise Unavailable(
                f"{tool} is not installed (apt-get install -y docker-registry skopeo "
                "apache2-utils openssl)"
            )


def skip_or_fail(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, which installs and starts everything."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set: this must work in CI)", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Registry:
    """A running registry: where it listens and what a client needs to trust and log in."""

    host: str
    """``127.0.0.1:PORT``."""
    process: subprocess.Popen[bytes]
    root: Path
    log: Path
    ca: Path | None = None
    """The CA that signed its certificate (HTTPS registries)."""
    credentials: tuple[str, str] | None = None
    token_server: ThreadingHTTPServer | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def scheme(self) -> str:
        return "https" if self.ca is not None else "http"

    def auth_file(self, directory: Path) -> Path:
        """A containers auth.json with this registry's credentials (for REGISTRY_AUTH_FILE)."""
        assert self.credentials is not None
        user, password = self.credentials
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        path = directory / f"auth-{self.host.replace(':', '-')}.json"
        path.write_text(json.dumps({"auths": {self.host: {"auth": token}}}))
        return path

    def cert_dir(self, directory: Path) -> Path:
        """A folder holding the CA as ``ca.crt`` (skopeo's ``--dest-cert-dir``)."""
        assert self.ca is not None
        folder = directory / f"certs-{self.host.replace(':', '-')}"
        folder.mkdir(exist_ok=True)
        shutil.copy(self.ca, folder / "ca.crt")
        return folder

    def sent_bytes(self) -> tuple[int, int]:
        """(GET requests answered, body bytes sent) from the access log: what the registry
        itself says went over the network."""
        requests = sent = 0
        for line in self.log.read_text(errors="replace").splitlines():
            match = _ACCESS.search(line)
            if match:
                requests += 1
                sent += int(match.group(1)) if match.group(1) != "-" else 0
        return requests, sent

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.token_server is not None:
            self.token_server.shutdown()
            self.token_server.server_close()


def _config(root: Path, port: int, extra: Mapping[str, Any]) -> Path:
    """A registry config as JSON (YAML's superset): loopback only, storage under ``root``;
    the access log on (``sent_bytes`` reads it)."""
    config: dict[str, Any] = {
        "version": 0.1,
        "log": {"level": "warn", "accesslog": {"disabled": False}},
        "storage": {
            "filesystem": {"rootdirectory": str(root / "data")},
            "delete": {"enabled": True},
        },
        "http": {"addr": f"127.0.0.1:{port}", "secret": "jettison-test"},
    }
    for key, value in extra.items():
        if key == "http":
            config["http"].update(value)
        else:
            config[key] = value
    path = root / "config.yml"
    path.write_text(json.dumps(config, indent=2))
    return path


def _start(root: Path, extra: Mapping[str, Any], ca: Path | None) -> Registry:
    require("docker-registry")
    port = free_port()
    config = _config(root, port, extra)
    log = root / "registry.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["docker-registry", "serve", str(config)], stdout=out, stderr=subprocess.STDOUT
        )
    registry = Registry(f"127.0.0.1:{port}", process, root, log, ca)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise Unavailable(f"docker-registry exited at start: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                services.record(
                    f"docker-registry {_version()} on {registry.scheme}://{registry.host} "
                    f"(pid {process.pid}, auth: {_auth_kind(extra)})"
                )
                return registry
        except OSError:
            time.sleep(0.1)
    registry.stop()
    raise Unavailable(f"docker-registry did not listen on {registry.host} in {START_TIMEOUT_S}s")


def _version() -> str:
    done = subprocess.run(["docker-registry", "--version"], capture_output=True, text=True)
    return done.stdout.split()[-1] if done.returncode == 0 and done.stdout.split() else "?"


def _auth_kind(extra: Mapping[str, Any]) -> str:
    auth = extra.get("auth")
    return ", ".join(auth) if isinstance(auth, dict) else "none"


def plain(root: Path) -> Registry:
    return _start(root, {}, None)


def _openssl(*args: str, cwd: Path) -> None:
    require("openssl")
    done = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise Unavailable(f"openssl {args[0]} failed: {done.stderr[-500:]}")


def make_ca(directory: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 signed by it: (ca.crt, server.crt, .key)."""
    directory.mkdir(parents=True, exist_ok=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=jettison test CA", "-keyout", "ca.key", "-out", "ca.crt",
             cwd=directory)  # fmt: skip
    (directory / "san.ext").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
    )
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "server.key", "-out", "server.csr", cwd=directory)  # fmt: skip
    _openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
             "-CAcreateserial", "-days", "2", "-extfile", "san.ext", "-out", "server.crt",
             cwd=directory)  # fmt: skip
    return directory / "ca.crt", directory / "server.crt", directory / "server.key"


def tls_htpasswd(root: Path) -> Registry:
    """HTTPS (a CA of its own) and Basic auth for :data:`USER`."""
    require("htpasswd", "openssl")
    ca, cert, key = make_ca(root / "tls")
    done = subprocess.run(
        ["htpasswd", "-Bbn", USER, PASSWORD], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise Unavailable(f"htpasswd failed: {done.stderr}")
    htpasswd = root / "htpasswd"
    htpasswd.write_text(done.stdout)
    extra = {
        "http": {"tls": {"certificate": str(cert), "key": str(key)}},
        "auth": {"htpasswd": {"realm": "jettison-test", "path": str(htpasswd)}},
    }
    registry = _start(root, extra, ca)
    registry.credentials = (USER, PASSWORD)
    return registry


# --------------------------------------------------------------------------- bearer tokens


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenIssuer:
    """Signs the JWTs a Distribution registry accepts (RS256, the key's certificate in x5c)."""

    key: Path
    cert_der: bytes
    issuer: str = "jettison-test-issuer"
    service: str = "jettison-test-registry"
    issued: list[str] = field(default_factory=list)
    """The scopes asked for, one entry per token request."""

    def token(self, scopes: list[str], subject: str) -> str:
        header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(self.cert_der).decode()]}
        now = int(time.time())
        access = []
        for scope in scopes:
            kind, name, actions = scope.split(":", 2)
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + 600,
            "nbf": now - 60,
            "iat": now,
            "jti": hashlib.sha256(os.urandom(16)).hexdigest()[:16],
            "access": access,
        }
        signing_input = (
            _b64url(json.dumps(header).encode()) + "." + _b64url(json.dumps(claims).encode())
        )
        signature = subprocess.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.key)],
            input=signing_input.encode(),
            capture_output=True,
            check=True,
        ).stdout
        return f"{signing_input}.{_b64url(signature)}"


def _token_handler(issuer: TokenIssuer) -> type[BaseHTTPRequestHandler]:
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            scopes = [s for scope in query.get("scope", []) for s in scope.split(" ") if s]
            issuer.issued.append(" ".join(scopes))
            if self.headers.get("Authorization") != expected:
                body = b'{"details": "unauthorized"}'
                self.send_response(401)
            else:
                token = issuer.token(scopes, USER)
                body = json.dumps(
                    {"token": token, "access_token": token, "expires_in": 600}
                ).encode()
                self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


def token(root: Path) -> Registry:
    """Bearer auth: a token endpoint on another port grants :data:`USER` what it asks."""
    require("openssl")
    tls = root / "token"
    tls.mkdir(parents=True)
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
             "/CN=jettison token signer", "-keyout", "signer.key", "-out", "signer.crt",
             cwd=tls)  # fmt: skip
    _openssl("x509", "-in", "signer.crt", "-outform", "DER", "-out", "signer.der", cwd=tls)
    issuer = TokenIssuer(tls / "signer.key", (tls / "signer.der").read_bytes())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _token_handler(issuer))
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    realm = f"http://127.0.0.1:{server.server_address[1]}/token"
    extra = {
        "auth": {
            "token": {
                "realm": realm,
                "service": issuer.service,
                "issuer": issuer.issuer,
                "rootcertbundle": str(tls / "signer.crt"),
            }
        }
    }
    try:
        registry = _start(root, extra, None)
    except BaseException:
        server.shutdown()
        server.server_close()
        raise
    registry.credentials = (USER, PASSWORD)
    registry.token_server = server
    registry.extra["issuer"] = issuer
    return registry


@contextlib.contextmanager
def running(kind: str) -> Iterator[Registry]:
    """A registry of ``kind`` (plain, tls_htpasswd, token) in a fresh temp dir, for a block."""
    start = {"plain": plain, "tls_htpasswd": tls_htpasswd, "token": token}[kind]
    root = Path(tempfile.mkdtemp(prefix=f"jettison-registry-{kind}-"))
    registry = None
    try:
        registry = start(root)
        yield registry
    finally:
        if registry is not None:
            registry.stop()
        shutil.rmtree(root, ignore_errors=True)


def with_running(kind: str, body: Callable[[Registry], int]) -> int:
    """``body(registry)`` with a registry of ``kind`` running, for the benchmarks' ``main``:
    2, and the reason on stderr, when none can start. Only the start's :class:`Unavailable`
    means that; one raised by ``body`` is its own and goes up."""
    with contextlib.ExitStack() as stack:
        try:
            registry = stack.enter_context(running(kind))
        except Unavailable as exc:
            print(f"cannot start a registry: {exc}", file=sys.stderr)
            return 2
        return body(registry)


# --------------------------------------------------------------------------- filling it


def _skopeo_copy(registry: Registry, source: str, dest: str, side: str, all_images: bool) -> None:
    require("skopeo")
    with tempfile.TemporaryDirectory() as scratch:
        argv = ["skopeo", "copy", "--quiet"]
        if all_images:
            argv.append("--all")
        if registry.ca is not None:
            argv += [f"--{side}-cert-dir", str(registry.cert_dir(Path(scratch)))]
        else:
            argv.append(f"--{side}-tls-verify=false")
        if registry.credentials is not None:
            argv += [f"--{side}-creds", ":".join(registry.credentials)]
        argv += [source, dest]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=1800, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed: {done.stderr[-2000:]}")


def push(registry: Registry, source: str, name: str, *, all_images: bool = False) -> None:
    """``skopeo copy SOURCE docker://HOST/NAME`` (``--all`` keeps an index whole). skopeo
    gzips layers stored uncompressed; compressed ones go as they are."""
    _skopeo_copy(registry, source, f"docker://{registry.host}/{name}", "dest", all_images)


def pull(registry: Registry, name: str, dest: str, *, all_images: bool = False) -> None:
    """``skopeo copy docker://HOST/NAME DEST``: the registry's image, blob for blob."""
    _skopeo_copy(registry, f"docker://{registry.host}/{name}", dest, "src", all_images)


def push_blobs(
    registry: Registry, repository: str, tag: str, blobs: list[bytes], manifest: Mapping[str, Any]
) -> str:
    """Upload ``blobs`` and ``manifest`` (under ``tag``) through the API of a plain registry;
    returns the manifest's digest. For what skopeo will not copy (artifacts)."""
    base = f"http://{registry.host}/v2/{repository}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    for data in blobs:
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        start = urllib.request.Request(f"{base}/blobs/uploads/", method="POST", data=b"")
        with opener.open(start) as answer:
            location = urllib.parse.urljoin(base, answer.headers["Location"])
        joiner = "&" if "?" in location else "?"
        put = urllib.request.Request(
            f"{location}{joiner}digest={digest}",
            method="PUT",
            data=data,
            headers={"Content-Type": "application/octet-stream"},
        )
        opener.open(put).close()
    body = json.dumps(manifest).encode()
    request = urllib.request.Request(
        f"{base}/manifests/{tag}",
        method="PUT",
        data=body,
        headers={"Content-Type": str(manifest["mediaType"])},
    )
    try:
        opener.open(request).close()
    except urllib.error.HTTPError as exc:
        raise RuntimeError(f"pushing the manifest failed: {exc.code} {exc.read()[:500]!r}") from exc
    return "sha256:" + hashlib.sha256(body).hexdigest()
