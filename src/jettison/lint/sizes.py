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
format failure gives None, "no saving claimed", never an exception. HTTP and the cache file
are :mod:`jettison.pypi`'s, shared with the plan's dependency metadata.
"""

from __future__ import annotations

import email.parser
import fnmatch
import functools
import lzma
import time
import urllib.parse
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from jettison.pypi import (
    DEFAULT_INDEX,
    TIMEOUT_SECONDS,
    Index,
    JsonCache,
    Unavailable,
    default_cache_dir,
    exact_version,
    json_object,
    quote,
)

CACHE_FILE = "wheel-sizes.json"
CACHE_FORMAT = 1
RESOLVE_TTL_SECONDS = 24 * 3600
TAIL_BYTES = 64 * 1024
"""First read from the end of a wheel: the EOCD record and, mostly, the whole directory."""
READ_AHEAD_BYTES = 16 * 1024
"""Smallest range fetched past the tail (zipfile reads a member's header in small pieces)."""
MAX_DIRECTORY_BYTES = 32 << 20
"""Refuse central directories (and index answers) larger than this (no real wheel comes
close)."""
USER_AGENT = "jettison (wheel sizes)"
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


def default_cache_path() -> Path:
    """``wheel-sizes.json`` in the index caches' directory
    (:func:`jettison.pypi.default_cache_dir`)."""
    return default_cache_dir() / CACHE_FILE


def wheel_rank(python_version: tuple[int, int] = TARGET_PYTHON) -> dict[Tag, int]:
    """Tag -> preference (lower is better) for CPython ``python_version`` on manylinux x86_64."""
    return dict(_wheel_rank(python_version))


@functools.cache
def _wheel_rank(python_version: tuple[int, int]) -> dict[Tag, int]:
    # Once per Python version: packaging builds ~750 tags, 6 ms each time lint or fix ran.
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
                raise Unavailable(f"refusing to read {end - self._pos} bytes of a wheel")
            ahead = min(self._size, max(end, self._pos + READ_AHEAD_BYTES))
            chunk = self._fetch(self._pos, ahead)
            if len(chunk) != ahead - self._pos:
                raise Unavailable("short range response")
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

    ``installed_bytes`` has the signature of :attr:`LintContext.sizes`. ``index`` is the
    client to ask, when another reader shares it (one failure then stops both); it brings
    its own URL, offline flag and timeout, and ``index_url``, ``offline`` and ``timeout``
    are not used.
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
        index: Index | None = None,
    ) -> None:
        self.cache_path = cache_path if cache_path is not None else default_cache_path()
        self.index = (
            index if index is not None else Index(index_url, offline=offline, timeout=timeout)
        )
        self.offline = self.index.offline
        self.index_url = self.index.url
        self.python_version = python_version
        self._clock = clock
        self._rank = wheel_rank(python_version)
        self._memo: dict[tuple[str, str], int | None] = {}
        self._projects: dict[str, dict[str, Any] | None] = {}
        self._cache = JsonCache(self.cache_path, self.index_url, CACHE_FORMAT)
        self.requests = 0
        """HTTP requests made (tests check that the cache saves them)."""

    @property
    def unreachable(self) -> bool:
        """True once the index failed to answer: later look-ups skip the network."""
        return self.index.unreachable

    # -- public API -------------------------------------------------------------------------

    def installed_bytes(self, name: str, specifier: str = "") -> int | None:
        """Bytes the best wheel of ``name`` (matching ``specifier``) unpacks to, or None."""
        key = (canonicalize_name(name), specifier.replace(" ", ""))
        if key not in self._memo:
            try:
                self._memo[key] = int(self._entry(*key)["installed_bytes"])
            except (Unavailable, KeyError, TypeError, ValueError):
                self._memo[key] = None
        return self._memo[key]

    __call__ = installed_bytes

    def requires_dist(self, name: str, specifier: str = "") -> list[str] | None:
        """The ``Requires-Dist`` lines of the wheel :meth:`installed_bytes` measures (read
        from its METADATA in the same range requests, cached with its size), or None.

        For indexes that do not serve per-release JSON documents, this is where a release's
        dependencies can still be read without downloading the wheel.
        """
        try:
            entry = self._entry(canonicalize_name(name), specifier.replace(" ", ""))
        except (Unavailable, KeyError, TypeError, ValueError):
            return None
        requires = entry.get("requires_dist")
        if not isinstance(requires, list):
            return None
        return [str(item) for item in requires]

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
        except Unavailable:
            return None
        return total

    # -- resolution and measurement -----------------------------------------------------------

    def _entry(self, name: str, specifier: str) -> dict[str, Any]:
        version = self._resolve(name, specifier)
        wheels = self._cache.table("wheels")
        key = f"{name}=={version}"
        cached = wheels.get(key)
        if isinstance(cached, dict) and isinstance(cached.get("installed_bytes"), int):
            return cached
        wheel = pick_wheel(self._release_files(name, version), self._rank)
        if wheel is None:
            raise Unavailable(f"{name} {version}: no wheel for CPython on Linux x86_64")
        url = wheel.get("url")
        if not isinstance(url, str):
            raise Unavailable(f"{name} {version}: wheel without URL")
        # Mirrors may answer with URLs relative to the JSON document.
        try:
            absolute = urllib.parse.urljoin(f"{self.index_url}/{quote(name)}/json", url)
        except ValueError as exc:  # urllib refuses it (an unclosed [ in the host)
            raise Unavailable(f"{name} {version}: wheel URL {url!r} is no URL ({exc})") from exc
        installed, requires = self._measure(absolute)
        entry = {
            "filename": wheel["filename"],
            "installed_bytes": installed,
            "requires_dist": requires,
        }
        wheels[key] = entry
        self._cache.save()
        return entry

    def _project(self, name: str) -> dict[str, Any]:
        """``/NAME/json``, once per run."""
        if name not in self._projects:
            self._require_network()
            try:
                self._projects[name] = self._get_json(f"{self.index_url}/{quote(name)}/json")
            except Unavailable:
                self._projects[name] = None
                raise
        project = self._projects[name]
        if project is None:
            raise Unavailable(f"{name}: not on the index")
        return project

    def _release_files(self, name: str, version: str) -> list[dict[str, Any]]:
        """The files of one release: from the project's ``releases`` (one request serves the
        resolution too), else from ``/NAME/VERSION/json`` (indexes without ``releases``)."""
        releases = self._project(name).get("releases")
        files = releases.get(version) if isinstance(releases, dict) else None
        if not isinstance(files, list):
            info = self._get_json(f"{self.index_url}/{quote(name)}/{quote(version)}/json")
            files = info.get("urls")
        if not isinstance(files, list):
            raise Unavailable(f"{name} {version}: no such release")
        return [f for f in files if isinstance(f, dict)]

    def _resolve(self, name: str, specifier: str) -> str:
        pinned = exact_version(specifier)
        if pinned is not None:
            return pinned
        resolved = self._cache.table("resolved")
        key = f"{name} {specifier}".strip()
        cached = resolved.get(key)
        now = self._clock()
        if (
            isinstance(cached, dict)
            and isinstance(cached.get("version"), str)
            and (self.offline or now - _seconds(cached.get("checked_at")) < RESOLVE_TTL_SECONDS)
        ):
            return str(cached["version"])
        version = self._newest_with_wheel(self._project(name), specifier)
        resolved[key] = {"version": version, "checked_at": now}
        self._cache.save()
        return version

    def _newest_with_wheel(self, project: dict[str, Any], specifier: str) -> str:
        releases = project.get("releases")
        if not isinstance(releases, dict):
            raise Unavailable("no releases")
        try:
            wanted = SpecifierSet(specifier)
        except InvalidSpecifier as exc:
            raise Unavailable(str(exc)) from exc
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
            raise Unavailable(f"no release with a wheel matches {specifier!r}")
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
            raise Unavailable("the server does not answer range requests")
        total = _content_range_total(headers)
        if total is None or len(tail) > total:
            raise Unavailable("no usable Content-Range")

        def fetch(start: int, end: int) -> bytes:
            code, _, body = self._get(url, {"Range": f"bytes={start}-{end - 1}"})
            if code != 206:
                raise Unavailable("the server does not answer range requests")
            return body

        remote = _RangeFile(fetch, total, tail)
        try:
            with zipfile.ZipFile(remote) as wheel:
                members = wheel.infolist()
                if any(not info.filename for info in members):
                    raise Unavailable("not a readable wheel: a member without a name")
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
        except (*_ZIP_ERRORS, KeyError) as exc:
            raise Unavailable(f"not a readable wheel: {exc}") from exc

    # -- HTTP ---------------------------------------------------------------------------------
    # Every request goes through _get (the seam tests replace to serve a fake index).

    def _require_network(self) -> None:
        self.index.check()

    def _get_json(self, url: str) -> dict[str, Any]:
        status, _, body = self._get(url, {"Accept": "application/json"})
        return json_object(url, status, body)

    def _get(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self._require_network()
        self.requests += 1
        return self.index.get(
            url, {"User-Agent": USER_AGENT, **headers}, max_bytes=MAX_DIRECTORY_BYTES
        )


_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    zlib.error,  # a damaged deflate stream
    lzma.LZMAError,
    OSError,  # bz2's damaged data
    NotImplementedError,  # a compression method zipfile lacks
    RuntimeError,  # an encrypted member
    ValueError,
)
"""What reading a wheel that an index (or a proxy) mangled raises: all mean "unknown"."""


def _seconds(value: object) -> float:
    """A time stamp read from the cache; 0 (long ago) for anything that is not a number
    (another program, or a damaged file, may have written it)."""
    return float(value) if isinstance(value, (int, float)) else 0.0


def _requires_dist(metadata: str) -> list[str]:
    """``Requires-Dist`` values of a METADATA file (RFC 822 headers, up to the body)."""
    parser = email.parser.HeaderParser()
    message = parser.parsestr(metadata)
    return [str(value) for value in message.get_all("Requires-Dist") or []]


def _content_range_total(headers: dict[str, str]) -> int | None:
    """Total length of ``Content-Range: bytes START-END/TOTAL``."""
    value = next((v for k, v in headers.items() if k.lower() == "content-range"), "")
    _, _, total = value.rpartition("/")
    try:
        return int(total)
    except ValueError:
        return None
