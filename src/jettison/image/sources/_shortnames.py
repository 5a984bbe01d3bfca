"""Short names as buildah and podman resolve them: aliases, ``localhost/``, search registries.

``FROM python:3.11-slim`` in a buildah build reads the image the short-name *alias* names
(``python`` = ``docker.io/library/python`` in Debian's
``/etc/containers/registries.conf.d/shortnames.conf``) even when ``localhost/python:3.11-slim``
is in the store too; a name without an alias is looked for under ``localhost/`` first, then
under each ``unqualified-search-registries`` entry (containers/image's ``ResolveLocally``).
Reading the store in that order makes ``jettison inspect python:3.11-slim`` read the image
a build would use.

Where the settings are (containers-registries.conf(5), containers-registries.conf.d(5)):
``$CONTAINERS_REGISTRIES_CONF`` alone when set; else ``~/.config/containers/registries.conf``
and its ``.d`` drop-ins when that file exists; else ``/etc/containers/registries.conf``, the
drop-ins of ``/etc/containers/registries.conf.d`` and then of the user's ``.d``, in name
order, later files overriding earlier ones. The aliases a pull recorded
(``short-name-aliases.conf`` under ``/var/cache/containers``, or ``~/.cache/containers``
for other users) override the configured ones.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from jettison.imageref import has_host

REGISTRIES_CONF_ENV = "CONTAINERS_REGISTRIES_CONF"
SYSTEM_CONF = Path("/etc/containers/registries.conf")
SYSTEM_CACHE = Path("/var/cache/containers/short-name-aliases.conf")


@dataclass(frozen=True)
class Candidate:
    """A full name a short one may mean, and why (for the note that says which was read)."""

    name: str
    why: str


@dataclass(frozen=True)
class ShortNames:
    """The aliases (short repository -> full repository, and the file that says so) and the
    search registries, as the configuration files set them."""

    aliases: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    search: tuple[str, ...] = ()
    search_file: str | None = None


def _config_files() -> list[Path]:
    env = os.environ.get(REGISTRIES_CONF_ENV)
    if env:
        return [Path(env)]
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    user_file = config_home / "containers" / "registries.conf"
    user_dir = Path(f"{user_file}.d")
    if user_file.is_file():
        return [user_file, *_drop_ins(user_dir)]
    return [SYSTEM_CONF, *_drop_ins(Path(f"{SYSTEM_CONF}.d")), *_drop_ins(user_dir)]


def _drop_ins(directory: Path) -> list[Path]:
    try:
        return sorted(p for p in directory.iterdir() if p.suffix == ".conf" and p.is_file())
    except OSError:
        return []


def _cache_file() -> Path:
    if os.geteuid() == 0:
        return SYSTEM_CACHE
    cache_home = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_home / "containers" / "short-name-aliases.conf"


def _read(path: Path) -> dict[str, object]:
    """A TOML file's table; an unreadable or invalid one counts as empty (as a missing one:
    a broken drop-in must not stop an inspection that needs no alias)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}


def _search(doc: Mapping[str, object]) -> list[str] | None:
    value = doc.get("unqualified-search-registries")
    if isinstance(value, list):
        return [str(v) for v in value]
    legacy = doc.get("registries")  # version 1: [registries.search] registries = [...]
    if isinstance(legacy, dict) and isinstance(legacy.get("search"), dict):
        found = legacy["search"].get("registries")
        if isinstance(found, list):
            return [str(v) for v in found]
    return None


def load() -> ShortNames:
    """The short-name settings in effect for this user."""
    aliases: dict[str, tuple[str, str]] = {}
    search: tuple[str, ...] = ()
    search_file: str | None = None
    for path in [*_config_files(), _cache_file()]:
        doc = _read(path)
        table = doc.get("aliases")
        if isinstance(table, dict):
            aliases.update({str(k): (str(v), str(path)) for k, v in table.items()})
        found = _search(doc)
        if found is not None:
            search, search_file = tuple(found), str(path)
    return ShortNames(aliases, search, search_file)


def is_short(name: str) -> bool:
    """Whether ``name`` has no registry host (``python:3.11``, ``org/app``)."""
    first, sep, _ = name.partition("/")
    return not (sep and has_host(first))


def split_tag(name: str) -> tuple[str, str]:
    """``repo`` and ``:tag``/``@digest`` (with its separator; ``:latest`` when neither)."""
    at = name.find("@")
    if at >= 0:
        return name[:at], name[at:]
    slash, colon = name.rfind("/"), name.rfind(":")
    if colon > slash:
        return name[:colon], name[colon:]
    return name, ":latest"


def candidates(name: str, settings: ShortNames) -> Iterator[Candidate]:
    """The full names a short ``name`` may mean, in the order buildah tries them."""
    if not is_short(name):
        return
    repository, suffix = split_tag(name)
    alias = settings.aliases.get(repository)
    if alias is not None:
        yield Candidate(f"{alias[0]}{suffix}", f"the short-name alias in {alias[1]}")
    yield Candidate(f"localhost/{repository}{suffix}", "a short name is looked for under "
                    "localhost/ first")  # fmt: skip
    for registry in settings.search:
        yield Candidate(
            f"{registry}/{repository}{suffix}",
            f"unqualified-search-registries in {settings.search_file}",
        )
