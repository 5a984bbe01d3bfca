"""A package index on 127.0.0.1 for tests of the code that reads one (never the network).

A test describes what its index answers with a function ``(path, headers) -> Answer``;
:func:`local_server` serves it from a thread for the length of a ``with`` block, with the
proxy variables cleared so that urllib goes straight to it. :func:`ranged` answers a file
the way an index serving wheels does, honouring ``Range`` requests.
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Answer = tuple[int, bytes, dict[str, str]]
"""Status, body and extra headers of a response."""
Respond = Callable[[str, Message], Answer]
"""What the server answers for a request path and its headers."""

PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def without_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clear the proxy variables, so that urllib connects to 127.0.0.1 itself."""
    for variable in PROXY_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("no_proxy", "*")


def ranged(data: bytes, range_header: str | None) -> Answer:
    """``data`` answered for ``Range: bytes=START-END`` (or ``bytes=-SUFFIX``): 206 with the
    slice and its ``Content-Range``; all of it with 200 when no range is asked."""
    match = _RANGE.match(range_header or "")
    if match is None:
        return 200, data, {}
    first, last = match.groups()
    if first == "":
        start, end = max(len(data) - int(last), 0), len(data) - 1
    else:
        start, end = int(first), min(int(last or len(data) - 1), len(data) - 1)
    return 206, data[start : end + 1], {"Content-Range": f"bytes {start}-{end}/{len(data)}"}


def _handler(respond: Respond) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            status, body, headers = respond(self.path, self.headers)
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextlib.contextmanager
def local_server(monkeypatch: pytest.MonkeyPatch, respond: Respond) -> Iterator[str]:
    """Serve ``respond`` on 127.0.0.1 while the block runs; yields the base URL."""
    without_proxies(monkeypatch)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(respond))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
