"""A Docker Engine API on a Unix socket that a test scripts: image inspect and export.

``GET /images/NAME/json`` answers what ``docker image inspect`` shows (from the image's
config), ``GET /images/NAME/get`` streams a ``docker save`` tar written by
:mod:`support.imagewriter`, members in name order as the engine sends them. The real engine
is in ``tests/integration/test_docker_daemon.py``.
"""

from __future__ import annotations

import contextlib
import io
import json
import socketserver
import tarfile
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from support.imagewriter import FIXED_MTIME


@dataclass
class FakeEngine:
    images: dict[str, Mapping[str, bytes]] = field(default_factory=dict)
    """Name -> the files of its ``docker save`` tar."""
    links: dict[str, dict[str, str]] = field(default_factory=dict)
    """Name -> member -> symlink target (relative, as Docker writes them)."""
    requests: list[str] = field(default_factory=list)
    cut_export_at: int | None = None

    def inspect(self, name: str) -> dict[str, Any] | None:
        files = self.images.get(name)
        if files is None:
            return None
        manifest = json.loads(files["manifest.json"])[0]
        config = json.loads(files[manifest["Config"]])
        return {
            "Id": "sha256:" + manifest["Config"].rsplit("/", 1)[-1].removesuffix(".json"),
            "RepoTags": manifest.get("RepoTags") or [],
            "Os": config.get("os"),
            "Architecture": config.get("architecture"),
            "Config": config.get("config"),
            "RootFS": {"Type": "layers", "Layers": config["rootfs"]["diff_ids"]},
            "Size": sum(len(v) for v in files.values()),
        }

    def export(self, name: str) -> bytes:
        out = io.BytesIO()
        links = self.links.get(name, {})
        names = sorted({*self.images[name], *links})
        with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for member in names:
                info = tarfile.TarInfo(member)
                info.mtime = FIXED_MTIME
                if member in links:
                    info.type = tarfile.SYMTYPE
                    info.linkname = links[member]
                    tar.addfile(info)
                    continue
                data = self.images[name][member]
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return out.getvalue()


def _handler(engine: FakeEngine) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: bytes, length: int | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Length", str(len(body) if length is None else length))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            engine.requests.append(self.path)
            name, _, verb = self.path.removeprefix("/images/").rpartition("/")
            if name not in engine.images:
                self._send(404, json.dumps({"message": f"No such image: {name}"}).encode())
            elif verb == "json":
                self._send(200, json.dumps(engine.inspect(name)).encode())
            elif verb == "get":
                body = engine.export(name)
                if engine.cut_export_at is not None:
                    self._send(200, body[: engine.cut_export_at], length=len(body))
                    self.close_connection = True
                else:
                    self._send(200, body)
            else:
                self._send(404, b'{"message": "page not found"}')

    return Handler


class _Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


@contextlib.contextmanager
def serve(engine: FakeEngine, socket_path: Path) -> Iterator[str]:
    """Serve ``engine`` on ``socket_path`` while the block runs; yields ``unix://PATH``."""
    server = _Server(str(socket_path), _handler(engine))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"unix://{socket_path}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
