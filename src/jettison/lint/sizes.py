"""Measured installed sizes of wheels, for savings, without downloading them.

The installed size of a distribution is the sum of the uncompressed sizes of its wheel's
members (what pip unpacks; the bytecode pip compiles at install time comes on top, so the
figure is a floor). The wheel is located with the package index's JSON API
(``/pypi/NAME/json``, ``/pypi/NAME/VERSION/json``) and only the end of the file is read
with HTTP Range requests: the end-of-central-directory record and the central directory,
which list every member with its size. A torch wheel of 800 MB costs two small requests.

Which wheel: the pinned version (``==X``), else the newest release matching the specifier
that has a wheel; among its wheels the best for CPython 3.11 on manylinux x86_64 (what
``python:3.11`` images install), pure-Python ``py3-none-any`` wheels next.

Results are cached as JSON in ``$JETTISON_CACHE/wheel-sizes.json`` (default
``~/.cache/jettison``): measured sizes forever (a published file never changes), which
version a specifier resolves to for a day. ``offline`` reads the cache only. Any network or
format failure gives None, "no saving claimed", never an exception.
"""

from __future__ import annotations

import contextlib
import email.parser
import fnmatch
import json
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from collections.abc import Callable, Iterable, Sequence
from http.client import HTTPException
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

DEFAULT_INDEX = "https://pypi.org/pypi"
CACHE_ENV = "JETTISON_CACHE"
CACHE_FILE = "wheel-sizes.json"
CACHE_FORMAT = 1
RESOLVE_TTL_SECONDS = 24 * 3600
TAIL_BYTES = 64 * 1024
"""First read from the end of a wheel: the EOCD record and, mostly, the whole directory."""
READ_AHEAD_BYTES = 16 * 1024
"""Smallest range fetched past the tail (zipfile reads a member's header in small pieces)."""
MAX_DIRECTORY_BYTES = 32 << 20
"""Refuse central directories larger than this (no real wheel comes close)."""
TIMEOUT_SECONDS = 15.0
DEFAULT_EXTRA_NAMES = ("nvidia-*", "triton")
"""Dependencies counted by :meth:`WheelSizes.installed_bytes_with_deps` by default: the CUDA
libraries torch's Linux wheels pull in."""
TARGET_PYTHON = (3, 11)
_PLATFORMS = (
    *(f"manylinux_2_{minor}_x86_64" for minor in range(40, 16, -1)),
    "manylinux2014_x86_64",
    "manylinux_2_12_x86_64",
    "manylinux2010_x86_64",
    "manylinux_2_5_x86_64",
    "manylinux1_x86_64",
    "linux_x86_64",
)

_NETWORK_ERRORS = (OSError, HTTPException, ValueError)
"""urllib's URLError and timeouts are OSErrors; a mangled URL or header is a ValueError."""


class _Unavailable(Exception):
    """Internal: a size that cannot be measured (never escapes this module)."""


def default_cache_path() -> Path:
    base = os.environ.get(CACHE_ENV)
    if base:
        return Path(base) / CACHE_FILE
    xdg = os.environ.get("XDG_CACHE_HOME")
    root = Path(xdg) if xdg else Path.home() / ".cache"
    return root / "jettison" / CACHE_FILE


def ssl_context() -> ssl.SSLContext:
    """Certificates from ``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE`` when set (corporate proxies
    and pip's configuration use them), else the system's."""
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        cafile = os.environ.get(variable)
        if cafile and Path(cafile).is_file():
            return ssl.create_default_context(cafile=cafile)
    return ssl.create_default_context()


def wheel_rank(python_version: tuple[int, int] = TARGET_PYTHON) -> dict[Tag, int]:
    """Tag -> preference (lower is better) for CPython ``python_version`` on manylinux x86_64."""
    interpreter = f"cp{python_version[0]}{python_version[1]}"
    ordered = [
        *cpython_tags(python_version, abis=[interpreter], platforms=_PLATFORMS),
        *compatible_tags(python_version, interpreter, platforms=_PLATFORMS),
    ]
    rank: dict[Tag, int] = {}
    for index, tag in enumerate(ordered):
        rank.setdefault(tag, index)
    return rank


def pick_wheel(files: Iterable[dict[str, Any]], rank: dict[Tag, int]) -> dict[str, Any] | None:
    """The best wheel of a release's files (JSON API entries), None when none fits."""
    best: tuple[int, str] | None = None
    chosen: dict[str, Any] | None = None
    for item in files:
        filename = item.get("filename")
        if not isinstance(filename, str) or not filename.endswith(".whl") or item.get("yanked"):
            continue
        try:
            tags = parse_wheel_filename(filename)[3]
        except InvalidWheelFilename:
            continue
        score = min((rank[t] for t in tags if t in rank), default=None)
        if score is None:
            continue
        if best is None or (score, filename) < best:
            best, chosen = (score, filename), item
    return chosen


class _RangeFile:
    """A read-only, seekable view of a remote file that fetches only the ranges read."""

    def __init__(self, fetch: Callable[[int, int], bytes], size: int, tail: bytes) -> None:
        self._fetch = fetch
        self._size = size
        self._pos = 0
        self._chunks: list[tuple[int, bytes]] = [(size - len(tail), tail)]
        self.fetched_bytes = len(tail)

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def read(self, n: int = -1) -> bytes:
        end = self._size if n is None or n < 0 else min(self._pos + n, self._size)
        if end <= self._pos:
            return b""
        data = self._cached(self._pos, end)
        if data is None:
            if end - self._pos > MAX_DIRECTORY_BYTES:
                raise _Unavailable(f"refusing to read {end - self._pos} bytes of a wheel")
            ahead = min(self._size, max(end, self._pos + READ_AHEAD_BYTES))
            chunk = self._fetch(self._pos, ahead)
            if len(chunk) != ahead - self._pos:
                raise _Unavailable("short range response")
            self._chunks.append((self._pos, chunk))
            self.fetched_bytes += len(chunk)
            data = chunk[: end - self._pos]
        self._pos = end
        return data

    def _cached(self, start: int, end: int) -> bytes | None:
        for offset, chunk in self._chunks:
            if offset <= start and end <= offset + len(chunk):
                return chunk[start - offset : end - offset]
        return None


class WheelSizes:
    """Installed bytes of distributions' wheels, measured from the package index, cached.

    ``installed_bytes`` has the signature of :attr:`LintContext.sizes`.
    """

    def __init__(
        self,
        cache_path: Path | None = None,
        offline: bool = False,
        *,
        index_url: str = DEFAULT_INDEX,
        python_version: tuple[int, int] = TARGET_PYTHON,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.cache_path = cache_path if cache_path is not None else default_cache_path()
        self.offline = offline
        self.index_url = index_url.rstrip("/")
        self.python_version = python_version
        self.timeout = timeout
        self._clock = clock
        self._rank = wheel_rank(python_version)
        self._ssl: ssl.SSLContext | None = None
        self._memo: dict[tuple[str, str], int | None] = {}
        self._projects: dict[str, dict[str, Any] | None] = {}
        self._cache = self._load_cache()
        self.unreachable = False
        """True once the index failed to answer: later look-ups skip the network."""
        self.requests = 0
        """HTTP requests made (tests check that the cache saves them)."""

    # -- public API -------------------------------------------------------------------------

    def installed_bytes(self, name: str, specifier: str = "") -> int | None:
        """Bytes the best wheel of ``name`` (matching ``specifier``) unpacks to, or None."""
        key = (canonicalize_name(name), specifier.replace(" ", ""))
        if key not in self._memo:
            try:
                self._memo[key] = int(self._entry(*key)["installed_bytes"])
            except (_Unavailable, KeyError, TypeError, ValueError):
                self._memo[key] = None
        return self._memo[key]

    __call__ = installed_bytes

    def installed_bytes_with_deps(
        self,
        name: str,
        specifier: str = "",
        extra_names: Sequence[str] = DEFAULT_EXTRA_NAMES,
    ) -> int | None:
        """``name``'s installed bytes plus those of its dependencies whose names match the
        globs ``extra_names`` (default: torch's ``nvidia-*`` CUDA wheels and triton),
        followed transitively through ``Requires-Dist`` as it applies to CPython 3.11 on
        Linux x86_64 without extras.

        Best effort: the dependency versions are the newest matching each requirement, which
        is what pip would pick in a fresh install but may differ from a given lock file.
        None when any of them cannot be measured (a partial sum would understate).
        """
        patterns = [canonicalize_name(p) if "*" not in p else p.lower() for p in extra_names]
        seen: set[str] = set()
        total = 0
        pending: list[tuple[str, str]] = [(canonicalize_name(name), specifier.replace(" ", ""))]
        try:
            while pending:
                dist, spec = pending.pop()
                if dist in seen:
                    continue
                seen.add(dist)
                entry = self._entry(dist, spec)
                size = self.installed_bytes(dist, spec)
                if size is None:
                    return None
                total += size
                for dependency in self._dependencies(entry):
                    if any(fnmatch.fnmatchcase(dependency[0], p) for p in patterns):
                        pending.append(dependency)
        except _Unavailable:
            return None
        return total

    # -- resolution and measurement -----------------------------------------------------------

    def _entry(self, name: str, specifier: str) -> dict[str, Any]:
        version = self._resolve(name, specifier)
        wheels = self._index_cache("wheels")
        key = f"{name}=={version}"
        cached = wheels.get(key)
        if isinstance(cached, dict) and isinstance(cached.get("installed_bytes"), int):
            return cached
        wheel = pick_wheel(self._release_files(name, version), self._rank)
        if wheel is None:
            raise _Unavailable(f"{name} {version}: no wheel for CPython on Linux x86_64")
        url = wheel.get("url")
        if not isinstance(url, str):
            raise _Unavailable(f"{name} {version}: wheel without URL")
        # Mirrors may answer with URLs relative to the JSON document.
        installed, requires = self._measure(
            urllib.parse.urljoin(f"{self.index_url}/{_quote(name)}/json", url)
        )
        entry = {
            "filename": wheel["filename"],
            "installed_bytes": installed,
            "requires_dist": requires,
        }
        wheels[key] = entry
        self._save_cache()
        return entry

    def _project(self, name: str) -> dict[str, Any]:
        """``/NAME/json``, once per run."""
        if name not in self._projects:
            self._require_network()
            try:
                self._projects[name] = self._get_json(f"{self.index_url}/{_quote(name)}/json")
            except _Unavailable:
                self._projects[name] = None
                raise
        project = self._projects[name]
        if project is None:
            raise _Unavailable(f"{name}: not on the index")
        return project

    def _release_files(self, name: str, version: str) -> list[dict[str, Any]]:
        """The files of one release: from the project's ``releases`` (one request serves the
        resolution too), else from ``/NAME/VERSION/json`` (indexes without ``releases``)."""
        releases = self._project(name).get("releases")
        files = releases.get(version) if isinstance(releases, dict) else None
        if not isinstance(files, list):
            info = self._get_json(f"{self.index_url}/{_quote(name)}/{_quote(version)}/json")
            files = info.get("urls")
        if not isinstance(files, list):
            raise _Unavailable(f"{name} {version}: no such release")
        return [f for f in files if isinstance(f, dict)]

    def _resolve(self, name: str, specifier: str) -> str:
        pinned = _pinned_version(specifier)
        if pinned is not None:
            return pinned
        resolved = self._index_cache("resolved")
        key = f"{name} {specifier}".strip()
        cached = resolved.get(key)
        now = self._clock()
        if (
            isinstance(cached, dict)
            and isinstance(cached.get("version"), str)
            and (self.offline or now - float(cached.get("checked_at", 0)) < RESOLVE_TTL_SECONDS)
        ):
            return str(cached["version"])
        version = self._newest_with_wheel(self._project(name), specifier)
        resolved[key] = {"version": version, "checked_at": now}
        self._save_cache()
        return version

    def _newest_with_wheel(self, project: dict[str, Any], specifier: str) -> str:
        releases = project.get("releases")
        if not isinstance(releases, dict):
            raise _Unavailable("no releases")
        try:
            wanted = SpecifierSet(specifier)
        except InvalidSpecifier as exc:
            raise _Unavailable(str(exc)) from exc
        candidates: dict[Version, str] = {}
        for text, files in releases.items():
            try:
                version = Version(text)
            except InvalidVersion:
                continue
            if isinstance(files, list) and pick_wheel(files, self._rank) is not None:
                candidates[version] = text
        matching = list(wanted.filter(candidates))
        if not matching:
            raise _Unavailable(f"no release with a wheel matches {specifier!r}")
        return candidates[max(matching)]

    def _dependencies(self, entry: dict[str, Any]) -> list[tuple[str, str]]:
        major, minor = self.python_version
        environment = {
            "python_version": f"{major}.{minor}",
            "python_full_version": f"{major}.{minor}.0",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "platform_system": "Linux",
            "platform_machine": "x86_64",
            "sys_platform": "linux",
            "os_name": "posix",
            "extra": "",
        }
        out: list[tuple[str, str]] = []
        for text in entry.get("requires_dist") or []:
            try:
                requirement = Requirement(text)
            except InvalidRequirement:
                continue
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            out.append((canonicalize_name(requirement.name), str(requirement.specifier)))
        return out

    def _measure(self, url: str) -> tuple[int, list[str]]:
        """Installed bytes of the wheel at ``url`` and its ``Requires-Dist`` lines, read from
        its central directory and METADATA member with range requests."""
        status, headers, tail = self._get(url, {"Range": f"bytes=-{TAIL_BYTES}"})
        if status != 206:
            raise _Unavailable("the server does not answer range requests")
        total = _content_range_total(headers)
        if total is None or len(tail) > total:
            raise _Unavailable("no usable Content-Range")

        def fetch(start: int, end: int) -> bytes:
            code, _, body = self._get(url, {"Range": f"bytes={start}-{end - 1}"})
            if code != 206:
                raise _Unavailable("the server does not answer range requests")
            return body

        remote = _RangeFile(fetch, total, tail)
        try:
            with zipfile.ZipFile(remote) as wheel:
                members = wheel.infolist()
                installed = sum(info.file_size for info in members if not info.is_dir())
                metadata = [
                    info
                    for info in members
                    if info.filename.count("/") == 1
                    and info.filename.endswith(".dist-info/METADATA")
                ]
                requires: list[str] = []
                if len(metadata) == 1 and metadata[0].file_size <= MAX_DIRECTORY_BYTES:
                    text = wheel.read(metadata[0]).decode("utf-8", "replace")
                    requires = _requires_dist(text)
                return installed, requires
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError) as exc:
            raise _Unavailable(f"not a readable wheel: {exc}") from exc

    # -- HTTP -------------------------------------------------------------------------------

    def _require_network(self) -> None:
        if self.offline:
            raise _Unavailable("offline")
        if self.unreachable:
            raise _Unavailable("the package index did not answer earlier")

    def _get_json(self, url: str) -> dict[str, Any]:
        status, _, body = self._get(url, {"Accept": "application/json"})
        if status != 200:
            raise _Unavailable(f"{url}: HTTP {status}")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise _Unavailable(f"{url}: not JSON") from exc
        if not isinstance(data, dict):
            raise _Unavailable(f"{url}: unexpected JSON")
        return data

    def _get(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self._require_network()
        if self._ssl is None and url.startswith("https:"):
            self._ssl = ssl_context()
        self.requests += 1
        try:
            request = urllib.request.Request(
                url, headers={"User-Agent": "jettison (wheel sizes)", **headers}
            )
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as resp:
                limit = MAX_DIRECTORY_BYTES + 1
                body = resp.read(limit)
                if len(body) >= limit:
                    raise _Unavailable(f"{url}: response too large")
                return resp.status, dict(resp.headers.items()), body
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, {}, b""  # 404 and the like: this name, not the network
        except _NETWORK_ERRORS as exc:
            self.unreachable = True
            raise _Unavailable(f"{url}: {exc}") from exc

    # -- cache ------------------------------------------------------------------------------

    def _load_cache(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {"format": CACHE_FORMAT, "indexes": {}}
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            return {"format": CACHE_FORMAT, "indexes": {}}
        if not isinstance(data.get("indexes"), dict):
            data["indexes"] = {}
        return data

    def _index_cache(self, table: str) -> dict[str, Any]:
        index = self._cache["indexes"].setdefault(self.index_url, {})
        if not isinstance(index.get(table), dict):
            index[table] = {}
        result: dict[str, Any] = index[table]
        return result

    def _save_cache(self) -> None:
        """Write the cache atomically; a cache that cannot be written is no error."""
        text = json.dumps(self._cache, indent=1, sort_keys=True)
        tmp: str | None = None
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".wheel-sizes.", dir=self.cache_path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            Path(tmp).replace(self.cache_path)
            tmp = None
        except OSError:
            pass
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    Path(tmp).unlink()


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")


def _requires_dist(metadata: str) -> list[str]:
    """``Requires-Dist`` values of a METADATA file (RFC 822 headers, up to the body)."""
    parser = email.parser.HeaderParser()
    message = parser.parsestr(metadata)
    return [str(value) for value in message.get_all("Requires-Dist") or []]


def _pinned_version(specifier: str) -> str | None:
    """``X`` of ``==X``/``===X`` (no wildcard, no other clause), else None."""
    spec = specifier.replace(" ", "")
    if "," in spec or "*" in spec or ";" in spec:
        return None
    for operator in ("===", "=="):
        if spec.startswith(operator) and len(spec) > len(operator):
            return spec[len(operator) :]
    return None


def _content_range_total(headers: dict[str, str]) -> int | None:
    """Total length of ``Content-Range: bytes START-END/TOTAL``."""
    value = next((v for k, v in headers.items() if k.lower() == "content-range"), "")
    _, _, total = value.rpartition("/")
    try:
        return int(total)
    except ValueError:
        return None
