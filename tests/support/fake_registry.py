"""A registry on 127.0.0.1 that a test scripts: the Distribution API over an OCI layout's files.

It answers ``/v2/``, ``/v2/REPO/manifests/REF`` (by tag from the layout's ``index.json``, or by
digest) and ``/v2/REPO/blobs/DIGEST`` (with ``Range``), and misbehaves on request: Basic or
Bearer auth (with a token endpoint of its own), answers that fail a given number of times,
blobs redirected elsewhere or in a loop, blobs cut short, a wrong ``Docker-Content-Digest``.
Every request is logged with its headers, so tests can check what was sent (and what was
not: an ``Authorization`` header after a redirect to another host).

The real registry (Debian's ``docker-registry``) is used by the integration tests; this one
makes the failures a real registry does not.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from support.http_server import without_proxies

_RANGE = re.compile(r"^bytes=(\d+)-$")


@dataclass
class Logged:
    path: str
    headers: Mapping[str, str]


@dataclass
class FakeRegistry:
    """What the server holds and how it misbehaves (change fields between requests)."""

    files: Mapping[str, bytes]
    """An OCI layout (``index.json``, ``blobs/sha256/...``): ``imagewriter.oci_layout_files``."""
    repository: str = "fx"
    tags: dict[str, str] = field(default_factory=dict)
    """Tag -> manifest (or index) digest; filled from index.json's ref names."""
    auth: str = "none"
    """``none``, ``basic`` or ``bearer``."""
    user: str = "ann"
    password: str = "s3cret"
    token_scope_seen: list[str] = field(default_factory=list)
    fail: dict[str, list[int]] = field(default_factory=dict)
    """Path prefix (``/v2/fx/blobs/``) -> statuses to answer first, one per request."""
    retry_after: str | None = None
    redirect_blobs: str | None = None
    """Base URL the blobs are redirected to (another server that serves them)."""
    redirect_loop: bool = False
    cut_blobs: dict[str, int] = field(default_factory=dict)
    """Digest -> bytes sent before the connection is closed (the length says all of it)."""
    cut_times: int | None = None
    """How many answers are cut (None: every one); later ones are whole."""
    ranges: bool = True
    wrong_manifest_digest: bool = False
    log: list[Logged] = field(default_factory=list)
    base_url: str = ""

    def __post_init__(self) -> None:
        if not self.tags:
            index = json.loads(self.files["index.json"])
            for desc in index["manifests"]:
                name = (desc.get("annotations") or {}).get("org.opencontainers.image.ref.name")
                self.tags[name or "latest"] = desc["digest"]

    # ------------------------------------------------------------------ content

    def blob(self, digest: str) -> bytes | None:
        return self.files.get("blobs/" + digest.replace(":", "/"))

    def media_type(self, data: bytes) -> str:
        doc = json.loads(data)
        return str(doc.get("mediaType") or "application/vnd.oci.image.manifest.v1+json")

    # ------------------------------------------------------------------ auth

    def _token(self) -> str:
        return base64.b64encode(f"token-for-{self.user}".encode()).decode()

    def _authorized(self, headers: Message) -> bool:
        given = headers.get("Authorization") or ""
        if self.auth == "basic":
            basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            return given == f"Basic {basic}"
        if self.auth == "bearer":
            return given == f"Bearer {self._token()}"
        return True

    def _challenge(self) -> str:
        if self.auth == "basic":
            return 'Basic realm="fake registry"'
        scope = f"repository:{self.repository}:pull"
        return f'Bearer realm="{self.base_url}/token",service="fake",scope="{scope}"'

    def token_answer(self, path: str, headers: Message) -> tuple[int, bytes, dict[str, str]]:
        query = path.partition("?")[2]
        self.token_scope_seen.append(query)
        basic = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
        if headers.get("Authorization") != f"Basic {basic}":
            return 401, b'{"details": "bad credentials"}', {}
        return 200, json.dumps({"token": self._token(), "expires_in": 300}).encode(), {}

    # ------------------------------------------------------------------ answers

    def answer(self, path: str, headers: Message) -> tuple[int, bytes, dict[str, str], int | None]:
        """(status, body, headers, declared length when it differs from the body's)."""
        self.log.append(Logged(path, dict(headers.items())))
        if path.startswith("/token"):
            return (*self.token_answer(path, headers), None)
        for prefix, statuses in self.fail.items():
            if path.startswith(prefix) and statuses:
                extra = {"Retry-After": self.retry_after} if self.retry_after else {}
                return statuses.pop(0), b'{"errors": [{"code": "UNAVAILABLE"}]}', extra, None
        if path == "/v2/" or not self._authorized(headers):
            if self.auth != "none" and not self._authorized(headers):
                return 401, b"{}", {"WWW-Authenticate": self._challenge()}, None
            return 200, b"{}", {}, None
        prefix = f"/v2/{self.repository}/"
        if not path.startswith(prefix):
            return 404, b'{"errors": [{"code": "NAME_UNKNOWN", "message": "no repo"}]}', {}, None
        kind, _, ref = path[len(prefix) :].partition("/")
        if kind == "manifests":
            return (*self._manifest(ref), None)
        if kind == "blobs":
            return self._blob(ref, headers)
        return 404, b"{}", {}, None

    def _manifest(self, ref: str) -> tuple[int, bytes, dict[str, str]]:
        digest = self.tags.get(ref, ref)
        data = self.blob(digest) if digest.startswith("sha256:") else None
        if data is None:
            return 404, b'{"errors": [{"code": "MANIFEST_UNKNOWN", "message": "unknown"}]}', {}
        said = digest
        if self.wrong_manifest_digest:
            said = "sha256:" + hashlib.sha256(data + b"x").hexdigest()
        return 200, data, {"Content-Type": self.media_type(data), "Docker-Content-Digest": said}

    def _blob(self, digest: str, headers: Message) -> tuple[int, bytes, dict[str, str], int | None]:
        if self.redirect_loop:
            return 307, b"", {"Location": f"/v2/{self.repository}/blobs/{digest}"}, None
        if self.redirect_blobs:
            target = f"{self.redirect_blobs}/v2/{self.repository}/blobs/{digest}"
            return 307, b"", {"Location": target}, None
        data = self.blob(digest)
        if data is None:
            return 404, b'{"errors": [{"code": "BLOB_UNKNOWN", "message": "unknown"}]}', {}, None
        status, start = 200, 0
        match = _RANGE.match(headers.get("Range") or "")
        extra: dict[str, str] = {}
        if match and self.ranges:
            start = int(match.group(1))
            status = 206
            extra["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        cut = self.cut_blobs.get(digest)
        if cut is not None and (self.cut_times is None or self.cut_times > 0):
            if self.cut_times is not None:
                self.cut_times -= 1
            return status, body[: max(cut - start, 0)], extra, len(body)
        return status, body, extra, None


def _handler(registry: FakeRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            status, body, headers, declared = registry.answer(self.path, self.headers)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(declared if declared is not None else len(body)))
            self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
            self.end_headers()
            self.wfile.write(body)
            if declared is not None:
                self.wfile.flush()
                self.close_connection = True

    return Handler


@contextlib.contextmanager
def serve(monkeypatch: pytest.MonkeyPatch, registry: FakeRegistry) -> Iterator[str]:
    """Serve ``registry`` on 127.0.0.1 while the block runs; yields ``127.0.0.1:PORT``."""
    without_proxies(monkeypatch)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(registry))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    host = f"127.0.0.1:{server.server_address[1]}"
    registry.base_url = f"http://{host}"
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
