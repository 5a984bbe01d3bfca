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

HTTP and the cache file are :mod:`jettison.pypi`'s, as for lint's wheel sizes (proxy
variables honoured, the CA bundle of ``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE``, the same
timeout); the wheel route shares this reader's :class:`~jettison.pypi.Index`, so after one
network failure on either the index is not asked again during the run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from packaging.markers import InvalidMarker, Marker, UndefinedComparison, UndefinedEnvironmentName
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from jettison.facts.packages import COMMON_DEPENDENTS
from jettison.lint.sizes import WheelSizes
from jettison.plan.model import Pin
from jettison.pypi import (
    DEFAULT_INDEX,
    TIMEOUT_SECONDS,
    Index,
    JsonCache,
    NotFound,
    Unavailable,
    default_cache_dir,
    exact_version,
    quote,
)
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
USER_AGENT = "jettison (plan)"

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
        return exact_version(self.specifier)


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
        directory = cache_dir if cache_dir is not None else default_cache_dir()
        self.cache_path = directory / CACHE_FILE
        self.index = Index(index_url, offline=offline, timeout=timeout)
        self.offline = offline
        self.index_url = self.index.url
        self.fallback: Requires = fallback if fallback is not None else static_requires(TABLE)
        self.wheels = WheelSizes(directory / WHEEL_CACHE_FILE, index=self.index, clock=clock)
        self._clock = clock
        self._cache = JsonCache(self.cache_path, self.index_url, CACHE_FORMAT)
        self._memo: dict[tuple[str, str], list[str] | None] = {}
        self._release_documents = True
        """False once the index answered 404 for a release its wheel route has: a mirror
        without ``/NAME/VERSION/json``; later pins skip that request."""
        self.requests = 0
        """HTTP requests made by this object (the wheel route counts in ``wheels.requests``)."""

    @property
    def unreachable(self) -> bool:
        """True once the index failed to answer (here or on the wheel route): later look-ups
        skip the network."""
        return self.index.unreachable

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
        version = exact_version(specifier)
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
            found = self.wheels.requires_dist(name, specifier)
            if found is not None:
                return found
        return self._latest(name)

    def _release(self, name: str, version: str) -> list[str] | None:
        releases = self._cache.table("releases")
        key = f"{name}=={version}"
        cached = releases.get(key)
        if isinstance(cached, list):
            return [str(item) for item in cached]
        missing_since = self._cache.table("missing").get(key)
        if isinstance(missing_since, (int, float)) and (
            self.offline or self._clock() - missing_since < LATEST_TTL_SECONDS
        ):
            return None  # looked for recently (a yanked or private release): not again today
        requires: list[str] | None = None
        missing = False
        if self._release_documents:
            try:
                url = f"{self.index_url}/{quote(name)}/{quote(version)}/json"
                requires = _requires_of(self._get_json(url))
            except NotFound:
                missing = True
            except Unavailable:
                pass
        if requires is None:
            requires = self.wheels.requires_dist(name, f"=={version}")
            if requires is not None and missing:
                self._release_documents = False
        if requires is None:
            if not self.offline and not self.unreachable:
                self._cache.table("missing")[key] = self._clock()
                self._cache.save()
            return None
        releases[key] = requires
        self._cache.save()
        return requires

    def _latest(self, name: str) -> list[str] | None:
        latest = self._cache.table("latest")
        entry = latest.get(name)
        if isinstance(entry, dict) and isinstance(entry.get("version"), str):
            checked_at = entry.get("checked_at")
            fresh = (
                isinstance(checked_at, (int, float))
                and self._clock() - checked_at < LATEST_TTL_SECONDS
            )
            cached = self._cache.table("releases").get(f"{name}=={entry['version']}")
            if isinstance(cached, list) and (fresh or self.offline):
                return [str(item) for item in cached]
        try:
            data = self._get_json(f"{self.index_url}/{quote(name)}/json")
        except Unavailable:
            return None
        requires = _requires_of(data)
        info = data.get("info")
        version = info.get("version") if isinstance(info, dict) else None
        if requires is None or not isinstance(version, str):
            return None
        self._cache.table("releases")[f"{name}=={version}"] = requires
        latest[name] = {"version": version, "checked_at": self._clock()}
        self._cache.save()
        return requires

    def _get_json(self, url: str) -> dict[str, Any]:
        self.index.check()
        self.requests += 1
        return self.index.get_json(url, {"User-Agent": USER_AGENT}, max_bytes=MAX_RESPONSE_BYTES)


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
