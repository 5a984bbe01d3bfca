"""The Docker Engine's API, found where the ``docker`` CLI finds it.

In order: ``DOCKER_HOST`` (with ``DOCKER_TLS_VERIFY`` and ``DOCKER_CERT_PATH`` for
``tcp://``); the context named by ``DOCKER_CONTEXT``, else ``currentContext`` in
``$DOCKER_CONFIG/config.json`` (its endpoint in ``contexts/meta/<sha256 of the name>/meta.json``,
its TLS files in ``contexts/tls/<sha256>/docker/``); else ``unix:///var/run/docker.sock``.
``unix://`` and ``tcp://`` (plain or TLS) are spoken here; ``ssh://`` is not.

Requests are plain HTTP/1.1 through ``http.client`` (a Unix socket is a connection whose
``connect`` opens one), with no API version in the path: the engine answers at its own.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import socket
import ssl
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jettison.errors import EngineError

DEFAULT_HOST = "unix:///var/run/docker.sock"
TIMEOUT_S = 300.0
START_HINT = "start dockerd, or point DOCKER_HOST (or `docker context use`) at a running engine"


@dataclass(frozen=True)
class Endpoint:
    """Where the engine listens and how to talk to it."""

    host: str
    """``unix:///run/docker.sock``, ``tcp://10.0.0.5:2376``."""
    source: str
    """How it was chosen: ``DOCKER_HOST``, ``context NAME``, ``default``."""
    tls_dir: Path | None = None
    """A folder with ``ca.pem``, ``cert.pem``, ``key.pem`` (TLS over tcp://)."""
    tls_verify: bool = True

    def __str__(self) -> str:
        return f"{self.host} ({self.source})"


def _docker_config_dir() -> Path:
    return Path(os.environ.get("DOCKER_CONFIG") or Path.home() / ".docker")


def _context_endpoint(name: str) -> Endpoint:
    """The docker endpoint of the context ``name`` (as ``docker context create`` stores it)."""
    key = hashlib.sha256(name.encode()).hexdigest()
    contexts = _docker_config_dir() / "contexts"
    meta = contexts / "meta" / key / "meta.json"
    try:
        doc = json.loads(meta.read_text(encoding="utf-8"))
        docker = doc["Endpoints"]["docker"]
        host = str(docker["Host"])
    except FileNotFoundError as exc:
        raise EngineError(
            f"the docker context {name!r} does not exist ({meta} is missing)",
            hint="`docker context ls` lists them; unset DOCKER_CONTEXT or pick another",
        ) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise EngineError(f"cannot read the docker context {name!r} ({meta}: {exc})") from exc
    tls = contexts / "tls" / key / "docker"
    return Endpoint(
        host,
        f"context {name}",
        tls if tls.is_dir() else None,
        tls_verify=not docker.get("SkipTLSVerify", False),
    )


def endpoint() -> Endpoint:
    """The engine the docker CLI would talk to here."""
    host = os.environ.get("DOCKER_HOST")
    if host:
        cert_path = os.environ.get("DOCKER_CERT_PATH")
        verify = bool(os.environ.get("DOCKER_TLS_VERIFY"))
        tls_dir = Path(cert_path) if cert_path else (_docker_config_dir() if verify else None)
        return Endpoint(host, "DOCKER_HOST", tls_dir if verify else None, verify)
    name = os.environ.get("DOCKER_CONTEXT")
    if not name:
        try:
            config = json.loads((_docker_config_dir() / "config.json").read_text("utf-8"))
            name = config.get("currentContext") if isinstance(config, dict) else None
        except (OSError, ValueError):
            name = None
    if name and name != "default":
        return _context_endpoint(str(name))
    return Endpoint(DEFAULT_HOST, "default")


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        try:
            sock.connect(self._path)
        except OSError:
            sock.close()
            raise
        self.sock = sock


class EngineResponse:
    """An answer whose body is still to be read; closes its connection when closed."""

    def __init__(self, conn: http.client.HTTPConnection, raw: http.client.HTTPResponse) -> None:
        self._conn = conn
        self.raw = raw
        self.status = raw.status

    def read(self, n: int = -1) -> bytes:
        return self.raw.read(n) if n >= 0 else self.raw.read()

    def close(self) -> None:
        self.raw.close()
        self._conn.close()


class EngineClient:
    """GET requests to one engine."""

    def __init__(self, where: Endpoint | None = None, timeout_s: float = TIMEOUT_S) -> None:
        self.endpoint = where or endpoint()
        self._timeout = timeout_s

    def _connection(self) -> http.client.HTTPConnection:
        parts = urllib.parse.urlsplit(self.endpoint.host)
        if parts.scheme == "unix":
            return _UnixConnection(parts.path, self._timeout)
        if parts.scheme in ("tcp", "http", "https"):
            host, port = parts.hostname or "localhost", parts.port
            tls = parts.scheme == "https" or self.endpoint.tls_dir is not None
            if not tls:
                return http.client.HTTPConnection(host, port or 2375, timeout=self._timeout)
            return http.client.HTTPSConnection(
                host, port or 2376, timeout=self._timeout, context=self._tls_context()
            )
        raise EngineError(
            f"the Docker Engine at {self.endpoint} is reached over {parts.scheme}://, which "
            "jettison does not speak (unix:// and tcp:// only)",
            hint="`docker save IMAGE -o FILE` and inspect the file, or use a tcp:// endpoint",
        )

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        folder = self.endpoint.tls_dir
        if folder is not None:
            if (folder / "ca.pem").is_file():
                context.load_verify_locations(cafile=str(folder / "ca.pem"))
            if (folder / "cert.pem").is_file() and (folder / "key.pem").is_file():
                context.load_cert_chain(str(folder / "cert.pem"), str(folder / "key.pem"))
        if not self.endpoint.tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def get(self, path: str) -> EngineResponse:
        """GET ``path``; a connection failure is an :class:`EngineError` with a hint."""
        conn = self._connection()
        try:
            conn.request("GET", path, headers={"Host": "docker"})
            return EngineResponse(conn, conn.getresponse())
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            raise EngineError(
                f"cannot reach the Docker Engine at {self.endpoint}: {_reason(exc)}",
                hint=START_HINT,
            ) from exc

    def get_json(self, path: str, what: str) -> Any:
        """The JSON answer to GET ``path``; a 404 returns None, other errors raise."""
        response = self.get(path)
        try:
            body = response.read(64 << 20)
        finally:
            response.close()
        if response.status == 404:
            return None
        if response.status != 200:
            raise EngineError(
                f"the Docker Engine at {self.endpoint} answered {response.status} for {what}: "
                f"{_message(body)}"
            )
        try:
            return json.loads(body)
        except ValueError as exc:
            raise EngineError(f"the Docker Engine answered no JSON for {what}") from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "no such socket"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, PermissionError):
        return "permission denied (is this user in the docker group?)"
    return str(exc) or type(exc).__name__


def _message(body: bytes) -> str:
    """The engine's ``{"message": ...}`` error text."""
    try:
        doc = json.loads(body)
        return str(doc.get("message", "")).strip() or body[:200].decode(errors="replace")
    except (ValueError, AttributeError):
        return body[:200].decode(errors="replace").strip()
