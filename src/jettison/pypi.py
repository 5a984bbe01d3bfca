"""The package index's JSON API over HTTP, and the JSON caches kept of its answers.

Two readers ask the index: lint's wheel sizes (:mod:`jettison.lint.sizes`: release lists and
range requests on wheels) and the plan's dependency metadata (:mod:`jettison.plan.requires`:
release documents). They share what is not theirs to decide: the index URL and its
default, urllib with the CA bundle corporate proxies need, one timeout, "the index did not
answer, do not ask again this run" (an :class:`Index` can be handed from one reader to the
other so that one failure stops both), and a JSON file of tables per index URL written
atomically (:class:`JsonCache`).

Nothing here raises to the user: a look-up that cannot be answered is :class:`Unavailable`,
which each reader turns into "unknown" (no saving claimed, a dependency table instead).
"""

from __future__ import annotations

import contextlib
import json
import os
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from http.client import HTTPException
from pathlib import Path
from typing import Any

DEFAULT_INDEX = "https://pypi.org/pypi"
"""PyPI's JSON API; mirrors serve the same documents under another root."""
CACHE_ENV = "JETTISON_CACHE"
"""The environment variable naming the cache directory (default ``~/.cache/jettison``)."""
TIMEOUT_SECONDS = 15.0
USER_AGENT = "jettison"

NETWORK_ERRORS = (OSError, HTTPException, ValueError)
"""urllib's URLError and timeouts are OSErrors; a mangled URL or header is a ValueError."""


class Unavailable(Exception):
    """The index (or, offline, the cache) cannot answer; readers turn this into "unknown".

    Never reaches the user: it stays inside the readers of this module.
    """


class NotFound(Unavailable):
    """The index answered 404: it has no such document (a name or release it lacks)."""


def default_cache_dir() -> Path:
    """Where the index caches live: ``$JETTISON_CACHE``, else ``$XDG_CACHE_HOME/jettison``,
    else ``~/.cache/jettison``."""
    base = os.environ.get(CACHE_ENV)
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg else Path.home() / ".cache"
    return root / "jettison"


def ssl_context() -> ssl.SSLContext:
    """Certificates from ``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE`` when set (corporate proxies
    and pip's configuration use them), else the system's."""
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        cafile = os.environ.get(variable)
        if cafile and Path(cafile).is_file():
            return ssl.create_default_context(cafile=cafile)
    return ssl.create_default_context()


def quote(part: str) -> str:
    """``part`` as one path segment of an index URL (``2.3.1+cpu`` -> ``2.3.1%2Bcpu``)."""
    return urllib.parse.quote(part, safe="")


def exact_version(specifier: str) -> str | None:
    """``X`` of a specifier that names one version, ``==X`` or ``===X`` (no wildcard, no
    other clause, no marker), else None: such a pin needs no resolution."""
    spec = specifier.replace(" ", "")
    if "," in spec or "*" in spec or ";" in spec:
        return None
    for operator in ("===", "=="):
        if spec.startswith(operator) and len(spec) > len(operator):
            return spec[len(operator) :]
    return None


class Index:
    """One run's client of a package index: urllib (proxy variables honoured), the CA bundle
    of :func:`ssl_context`, a timeout, and the memory that the index failed to answer.

    After one network failure :attr:`unreachable` is set and every later request raises
    :class:`Unavailable` at once, so an offline machine pays one timeout, not one per
    package. Offline, every request raises.
    """

    def __init__(
        self,
        url: str = DEFAULT_INDEX,
        *,
        offline: bool = False,
        timeout: float = TIMEOUT_SECONDS,
    ) -> None:
        self.url = url.rstrip("/")
        self.offline = offline
        self.timeout = timeout
        self.unreachable = False
        """True once the index failed to answer: later requests skip the network."""
        self._ssl: ssl.SSLContext | None = None

    def check(self) -> None:
        """Raise :class:`Unavailable` when a request would not be sent (offline, or the
        index failed earlier)."""
        if self.offline:
            raise Unavailable("offline")
        if self.unreachable:
            raise Unavailable("the package index did not answer earlier")

    def get(
        self, url: str, headers: dict[str, str], *, max_bytes: int
    ) -> tuple[int, dict[str, str], bytes]:
        """``(status, headers, body)`` of a GET of ``url``.

        An HTTP error status is an answer (404: this name, not the network) and comes back
        with empty headers and body; a network failure marks the index :attr:`unreachable`.
        A body longer than ``max_bytes`` is :class:`Unavailable`.
        """
        self.check()
        if self._ssl is None and url.startswith("https:"):
            self._ssl = ssl_context()
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **headers})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as resp:
                body = resp.read(max_bytes + 1)
                if len(body) > max_bytes:
                    raise Unavailable(f"{url}: response too large")
                return resp.status, dict(resp.headers.items()), body
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, {}, b""
        except NETWORK_ERRORS as exc:
            self.unreachable = True
            raise Unavailable(f"{url}: {exc}") from exc

    def get_json(self, url: str, headers: dict[str, str], *, max_bytes: int) -> dict[str, Any]:
        """The JSON object at ``url`` (see :func:`json_object`)."""
        status, _, body = self.get(
            url, {"Accept": "application/json", **headers}, max_bytes=max_bytes
        )
        return json_object(url, status, body)


def json_object(url: str, status: int, body: bytes) -> dict[str, Any]:
    """The JSON object an index answered for ``url``: :class:`NotFound` for a 404,
    :class:`Unavailable` for any other status than 200 or a body that is not a JSON object."""
    if status == 404:
        raise NotFound(f"{url}: HTTP 404")
    if status != 200:
        raise Unavailable(f"{url}: HTTP {status}")
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise Unavailable(f"{url}: not JSON") from exc
    if not isinstance(data, dict):
        raise Unavailable(f"{url}: unexpected JSON")
    return data


class JsonCache:
    """A JSON file of named tables per index URL (``{"format": N, "indexes": {URL: {TABLE:
    {...}}}}``), read once and written atomically after each change.

    A missing, corrupt or older-format file reads as empty; one that cannot be written is
    no error (the next run asks the index again). Callers mutate the dicts :meth:`table`
    returns and call :meth:`save`.

    Several jettison processes may share the file (CI jobs on one machine): :meth:`save`
    merges what the others wrote since this one read it (under an advisory lock where the
    system has ``flock``), so no process's entries are lost, and renames a complete file
    into place, so no reader ever sees half of one.
    """

    def __init__(self, path: Path, index_url: str, format_version: int) -> None:
        self.path = path
        self.index_url = index_url
        self.format_version = format_version
        self._data = self._load()

    def table(self, name: str) -> dict[str, Any]:
        """The table ``name`` of this cache's index, created empty when missing."""
        index = self._data["indexes"].setdefault(self.index_url, {})
        if not isinstance(index.get(name), dict):
            index[name] = {}
        result: dict[str, Any] = index[name]
        return result

    def save(self) -> None:
        """Merge with the file as it is now, then write it atomically (a temporary file in
        the same directory renamed over it)."""
        tmp: str | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _locked(self.path.parent):
                self._merge(self._load())
                text = json.dumps(self._data, indent=1, sort_keys=True)
                fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", dir=self.path.parent)
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                Path(tmp).replace(self.path)
                tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    Path(tmp).unlink()

    def _merge(self, other: dict[str, Any]) -> None:
        """Add the entries of ``other`` (the file as another process left it) that this one
        lacks; this one's own entries win. The table dicts keep their identity (callers
        hold them)."""
        for url, tables in other["indexes"].items():
            mine = self._data["indexes"].setdefault(url, {})
            if not isinstance(tables, dict) or not isinstance(mine, dict):
                continue
            for name, entries in tables.items():
                if not isinstance(entries, dict):
                    continue
                table = mine.get(name)
                if not isinstance(table, dict):
                    mine[name] = table = {}
                for key, value in entries.items():
                    table.setdefault(key, value)

    def _load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):
            data = None  # missing, truncated, not UTF-8, not JSON, or absurdly nested
        if not isinstance(data, dict) or data.get("format") != self.format_version:
            data = {"format": self.format_version}
        if not isinstance(data.get("indexes"), dict):
            data["indexes"] = {}
        return data


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold an exclusive advisory lock on ``directory`` (no lock file is left behind) where
    the system has ``flock``; elsewhere, or when it cannot be opened, just run the body: the
    rename alone keeps the file whole, only a concurrent entry may then be lost."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
