"""What a pinned distribution requires: the dependency metadata behind the plan's closure.

The split keeps a declared package when a needed one requires it (``sentence-transformers``
needs ``torch``), so it must know each package's ``Requires-Dist``. :func:`pypi_requires`
reads it from the package index's JSON API (``/pypi/NAME/VERSION/json`` for an ``==`` pin,
``/pypi/NAME/json``, the newest release, for an unpinned name) or, where a mirror does not
serve per-release documents or the pin is a range, from the METADATA of the release's wheel
(read with range requests by :mod:`jettison.lint.sizes`, whose cache it shares). Markers are
evaluated for the environment the plan's images run (CPython 3.11 on Linux x86_64) and the
pin's extras. The raw metadata is cached on disk per (name, version) in
``$JETTISON_CACHE/requires-dist.json`` (default ``~/.cache/jettison``): a published release
never changes; which release is the newest is trusted for a day. Offline, the caches only.

When the index cannot tell (offline and not cached, unreachable, a local path, a private
index), the answer comes from :data:`TABLE`, the reverse of lint's ``COMMON_DEPENDENTS``: a
partial guess for popular packages. A package neither source knows gives None, and the
split reports it instead of guessing.

HTTP goes through urllib as :mod:`jettison.lint.sizes` does (proxy variables honoured, the CA
bundle of ``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE``, the same timeout); after one network
failure the index is not asked again during the run.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import ssl
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import Any, Protocol

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from jettison.lint.rules.deps._tables import COMMON_DEPENDENTS
from jettison.lint.sizes import (
    DEFAULT_INDEX,
    TIMEOUT_SECONDS,
    WheelSizes,
    default_cache_path,
    ssl_context,
)
from jettison.lint.sizes import _Unavailable as _WheelUnavailable
from jettison.plan.model import Pin
from jettison.requirements.requirements_txt import (
    UnparsableRequirement,
    logical_lines,
    parse_requirement,
)

CACHE_FILE = "requires-dist.json"
WHEEL_CACHE_FILE = "wheel-sizes.json"
"""Lint's wheel cache (:mod:`jettison.lint.sizes`), shared: it holds each wheel's METADATA."""
CACHE_FORMAT = 1
LATEST_TTL_SECONDS = 24 * 3600
MAX_RESPONSE_BYTES = 64 << 20
"""The newest-release document lists every release's files; botocore's is tens of MB."""

ENVIRONMENT: Mapping[str, str] = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "implementation_name": "cpython",
    "implementation_version": "3.11.0",
    "platform_python_implementation": "CPython",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "platform_release": "",
    "platform_version": "",
    "sys_platform": "linux",
    "os_name": "posix",
}
"""Marker values of the images the plan builds (``python:3.11-slim`` on x86_64)."""

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_NETWORK_ERRORS = (OSError, HTTPException, ValueError)


class Requires(Protocol):
    """Canonical names the pinned distribution requires (markers evaluated for
    :data:`ENVIRONMENT` and the pin's extras), None when unknown."""

    def __call__(self, pin: Pin) -> frozenset[str] | None: ...


# -- reading a pin ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PinnedName:
    """What a requirement line asks for: the name, its version specifier (``==X`` for a wheel
    file or URL named by version), its extras."""

    name: str
    specifier: str
    extras: frozenset[str]

    @property
    def version(self) -> str | None:
        """The exact version of an ``==X``/``===X`` pin, else None."""
        return _exact_version(self.specifier)


def pinned_name(pin: Pin) -> PinnedName | None:
    """Name, exact version (``==X``/``===X``, a wheel's file name) and extras of ``pin.line``;
    None for what names no distribution (an editable local path without metadata)."""
    text = "".join(line for _number, line in logical_lines(pin.line))
    text = _COMMENT_RE.sub("", text).strip()
    direct = False
    for flag in ("-e ", "--editable ", "--editable="):
        if text.startswith(flag):
            text, direct = text[len(flag) :].strip(), True
    text = _requirement_part(text)
    if not text:
        return None
    try:
        parsed = parse_requirement(text, base=pin.source.parent, direct=direct)
    except UnparsableRequirement:
        return None
    return PinnedName(parsed.name, parsed.specifier, frozenset(parsed.extras))


def _requirement_part(text: str) -> str:
    """pip's split of a line: the requirement ends at the first word starting with ``-``."""
    words = text.split(" ")
    for index, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:index]).strip()
    return text


def _exact_version(specifier: str) -> str | None:
    spec = specifier.replace(" ", "")
    if "," in spec or "*" in spec:
        return None
    for operator in ("===", "=="):
        if spec.startswith(operator) and len(spec) > len(operator):
            return spec[len(operator) :]
    return None


def evaluate_requires_dist(
    requires_dist: Iterable[str], name: str, extras: Iterable[str] = ()
) -> frozenset[str]:
    """Canonical names ``requires_dist`` (``Requires-Dist`` values of distribution ``name``)
    installs in :data:`ENVIRONMENT` with ``extras`` requested.

    A requirement on the distribution itself with extras (``transformers[torch]; extra ==
    "all"``) adds those extras, as pip does; the distribution is never its own dependency.
    Unreadable entries are skipped (pip would refuse the package; the plan only loses a
    dependency it cannot name).
    """
    own = canonicalize_name(name)
    parsed: list[Requirement] = []
    for text in requires_dist:
        try:
            parsed.append(Requirement(text))
        except InvalidRequirement:
            continue
    wanted: set[str] = {canonicalize_name(e) for e in extras}
    out: set[str] = set()
    changed = True
    while changed:
        changed = False
        for requirement in parsed:
            if requirement.marker is not None and not _applies(requirement.marker, wanted):
                continue
            dependency = canonicalize_name(requirement.name)
            if dependency != own:
                out.add(dependency)
                continue
            more = {canonicalize_name(e) for e in requirement.extras} - wanted
            if more:
                wanted |= more
                changed = True
    return frozenset(out)


def _applies(marker: Marker, extras: set[str]) -> bool:
    for extra in ("", *sorted(extras)):
        try:
            if marker.evaluate({**ENVIRONMENT, "extra": extra}):
                return True
        except (InvalidMarker, UndefinedComparison, UndefinedEnvironmentName):
            return False
    return False


# -- tables -------------------------------------------------------------------------------------


def _reverse(dependents: Mapping[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for dependency, users in dependents.items():
        for user in users:
            out.setdefault(user, set()).add(dependency)
    return {user: frozenset(deps) for user, deps in sorted(out.items())}


TABLE: Mapping[str, frozenset[str]] = _reverse(COMMON_DEPENDENTS)
"""Distribution -> some of what it requires (``sentence-transformers`` -> torch,
transformers, scikit-learn...): lint's table read backwards, used when the index cannot
answer. Partial by nature: it only names popular dependencies."""


def static_requires(table: Mapping[str, Iterable[str]]) -> Requires:
    """A :class:`Requires` answering from ``table`` (name -> required names, any spelling),
    None for names it does not hold; extras and versions are ignored. For tests and for the
    offline fallback."""
    canonical = {
        canonicalize_name(name): frozenset(canonicalize_name(d) for d in deps)
        for name, deps in table.items()
    }

    def requires(pin: Pin) -> frozenset[str] | None:
        return canonical.get(canonicalize_name(pin.name))

    return requires


# -- the package index --------------------------------------------------------------------------


class _Unavailable(Exception):
    """Internal: the index did not answer usefully (never escapes this module)."""


class _NotFound(_Unavailable):
    """Internal: the index answered 404 (it has no such document)."""


class PyPIRequires:
    """:class:`Requires` from the package index (see the module docstring); ``fallback``
    answers what the index cannot.

    Where the metadata comes from, by pin: an exact version asks ``/NAME/VERSION/json``,
    then the wheel's own METADATA (read with range requests by
    :class:`~jettison.lint.sizes.WheelSizes`, for mirrors that do not serve per-release
    documents); a range (``>=1,<2``) asks the wheel of the newest matching release; an
    unpinned name asks ``/NAME/json`` (the newest release). Each step falls through to the
    next, the last to ``/NAME/json``: dependency names rarely change between releases.
    """

    def __init__(
        self,
        *,
        offline: bool,
        cache_dir: Path | None = None,
        index_url: str = DEFAULT_INDEX,
        timeout: float = TIMEOUT_SECONDS,
        fallback: Requires | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        directory = cache_dir if cache_dir is not None else default_cache_path().parent
        self.cache_path = directory / CACHE_FILE
        self.offline = offline
        self.index_url = index_url.rstrip("/")
        self.timeout = timeout
        self.fallback: Requires = fallback if fallback is not None else static_requires(TABLE)
        self.wheels = WheelSizes(
            directory / WHEEL_CACHE_FILE,
            offline,
            index_url=self.index_url,
            timeout=timeout,
            clock=clock,
        )
        self._clock = clock
        self._ssl: ssl.SSLContext | None = None
        self._cache = self._load_cache()
        self._memo: dict[tuple[str, str], list[str] | None] = {}
        self._release_documents = True
        """False once the index answered 404 for a release its wheel route has: a mirror
        without ``/NAME/VERSION/json``; later pins skip that request."""
        self.unreachable = False
        """True once the index failed to answer: later look-ups skip the network."""
        self.requests = 0
        """HTTP requests made by this object (the wheel route counts in ``wheels.requests``)."""

    def __call__(self, pin: Pin) -> frozenset[str] | None:
        wanted = pinned_name(pin)
        if wanted is None:
            return self.fallback(pin)
        requires_dist = self.requires_dist(wanted.name, wanted.specifier)
        if requires_dist is None:
            return self.fallback(pin)
        return evaluate_requires_dist(requires_dist, wanted.name, wanted.extras)

    def requires_dist(self, name: str, specifier: str = "") -> list[str] | None:
        """The raw ``Requires-Dist`` of ``name`` for ``specifier`` (see the class docstring),
        None when neither the cache nor the index has it."""
        key = (canonicalize_name(name), specifier.replace(" ", ""))
        if key not in self._memo:
            self._memo[key] = self._lookup(*key)
        return self._memo[key]

    def _lookup(self, name: str, specifier: str) -> list[str] | None:
        version = _exact_version(specifier)
        if version is not None:
            versions = [version]
            public = _public_version(version)
            if public is not None and public != version:
                versions.append(public)  # 2.3.1+cpu: the PyTorch index's build of 2.3.1
            for candidate in versions:
                found = self._release(name, candidate)
                if found is not None:
                    return found
        elif specifier:
            found = self._from_wheel(name, specifier)
            if found is not None:
                return found
        return self._latest(name)

    def _release(self, name: str, version: str) -> list[str] | None:
        releases = self._table("releases")
        key = f"{name}=={version}"
        cached = releases.get(key)
        if isinstance(cached, list):
            return [str(item) for item in cached]
        missing_since = self._table("missing").get(key)
        if isinstance(missing_since, (int, float)) and (
            self.offline or self._clock() - missing_since < LATEST_TTL_SECONDS
        ):
            return None  # looked for recently (a yanked or private release): not again today
        requires: list[str] | None = None
        missing = False
        if self._release_documents:
            try:
                url = f"{self.index_url}/{_quote(name)}/{_quote(version)}/json"
                requires = _requires_of(self._get_json(url))
            except _NotFound:
                missing = True
            except _Unavailable:
                pass
        if requires is None:
            requires = self._from_wheel(name, f"=={version}")
            if requires is not None and missing:
                self._release_documents = False
        if requires is None:
            if not self.offline and not self.unreachable and not self.wheels.unreachable:
                self._table("missing")[key] = self._clock()
                self._save_cache()
            return None
        releases[key] = requires
        self._save_cache()
        return requires

    def _from_wheel(self, name: str, specifier: str) -> list[str] | None:
        """``Requires-Dist`` from the METADATA of the wheel lint's size measurement picks.

        Uses :class:`WheelSizes`' private ``_entry`` (it reads that METADATA and caches it in
        ``wheel-sizes.json``); see the note in the plan helper's report about making it
        public.
        """
        try:
            entry = self.wheels._entry(name, specifier)
        except (_WheelUnavailable, KeyError, TypeError, ValueError):
            return None
        requires = entry.get("requires_dist")
        if not isinstance(requires, list):
            return None
        return [str(item) for item in requires]

    def _latest(self, name: str) -> list[str] | None:
        latest = self._table("latest")
        entry = latest.get(name)
        if isinstance(entry, dict) and isinstance(entry.get("version"), str):
            fresh = self._clock() - float(entry.get("checked_at", 0)) < LATEST_TTL_SECONDS
            cached = self._table("releases").get(f"{name}=={entry['version']}")
            if isinstance(cached, list) and (fresh or self.offline):
                return [str(item) for item in cached]
        try:
            data = self._get_json(f"{self.index_url}/{_quote(name)}/json")
        except _Unavailable:
            return None
        requires = _requires_of(data)
        info = data.get("info")
        version = info.get("version") if isinstance(info, dict) else None
        if requires is None or not isinstance(version, str):
            return None
        self._table("releases")[f"{name}=={version}"] = requires
        latest[name] = {"version": version, "checked_at": self._clock()}
        self._save_cache()
        return requires

    # -- HTTP -----------------------------------------------------------------------------------

    def _get_json(self, url: str) -> dict[str, Any]:
        if self.offline:
            raise _Unavailable("offline")
        if self.unreachable or self.wheels.unreachable:
            raise _Unavailable("the package index did not answer earlier")
        if self._ssl is None and url.startswith("https:"):
            self._ssl = ssl_context()
        self.requests += 1
        request = urllib.request.Request(
            url, headers={"User-Agent": "jettison (plan)", "Accept": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout, context=self._ssl) as resp:
                body = resp.read(MAX_RESPONSE_BYTES + 1)
        except urllib.error.HTTPError as exc:
            exc.close()  # this name, not the network
            error = _NotFound if exc.code == 404 else _Unavailable
            raise error(f"{url}: HTTP {exc.code}") from exc
        except _NETWORK_ERRORS as exc:
            self.unreachable = self.wheels.unreachable = True
            raise _Unavailable(f"{url}: {exc}") from exc
        if len(body) > MAX_RESPONSE_BYTES:
            raise _Unavailable(f"{url}: response too large")
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise _Unavailable(f"{url}: not JSON") from exc
        if not isinstance(data, dict):
            raise _Unavailable(f"{url}: unexpected JSON")
        return data

    # -- cache ----------------------------------------------------------------------------------

    def _load_cache(self) -> dict[str, Any]:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if not isinstance(data, dict) or data.get("format") != CACHE_FORMAT:
            data = {"format": CACHE_FORMAT}
        if not isinstance(data.get("indexes"), dict):
            data["indexes"] = {}
        return data

    def _table(self, table: str) -> dict[str, Any]:
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
            fd, tmp = tempfile.mkstemp(prefix=".requires-dist.", dir=self.cache_path.parent)
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


def pypi_requires(
    *,
    offline: bool,
    cache_dir: Path | None = None,
    index_url: str = DEFAULT_INDEX,
    timeout: float = TIMEOUT_SECONDS,
) -> Requires:
    """Dependency metadata from the package index (``index_url``: a PyPI-compatible JSON API),
    cached in ``cache_dir`` (default ``~/.cache/jettison``), with :data:`TABLE` as fallback."""
    return PyPIRequires(offline=offline, cache_dir=cache_dir, index_url=index_url, timeout=timeout)


def _requires_of(data: dict[str, Any]) -> list[str] | None:
    """``info.requires_dist`` of a JSON API document, None when unknown.

    The index fills it from the release's metadata; null means "requires nothing" when the
    release has a wheel (whose METADATA is complete), but "not known" for a release of
    source archives only, whose dependencies ``setup.py`` computes at build time.
    """
    info = data.get("info")
    if not isinstance(info, dict):
        return None
    value = info.get("requires_dist")
    if value is None:
        files = data.get("urls")
        has_wheel = isinstance(files, list) and any(
            isinstance(f, dict) and f.get("packagetype") == "bdist_wheel" for f in files
        )
        return [] if has_wheel else None
    if not isinstance(value, list):
        return None
    return [str(item) for item in value]


def _public_version(version: str) -> str | None:
    try:
        return Version(version).public
    except InvalidVersion:
        return None


def _quote(part: str) -> str:
    return urllib.parse.quote(part, safe="")
