"""pip's requirements file format, read the way pip reads it, without running pip.

Follows pip's own pipeline (``pip._internal.req.req_file``): join ``\\`` continuations,
strip ``#`` comments (a ``#`` at the start or after whitespace, so URL fragments survive),
split a line into its requirement and its options at the first word starting with ``-``.

Decisions:

* ``-r``/``--requirement`` includes are requirements of the including file's group;
  ``-c``/``--constraint`` files are recorded with ``group="constraint"``: they pin versions
  but install nothing, so :meth:`RequirementSet.main` leaves them out and rules that look
  for installed packages must skip that group. As in pip, a ``-r`` inside a constraints
  file is read as requirements.
* Include paths are relative to the including file. An include that resolves outside the
  root directory (the build context), a remote include (``-r https://...``), an include
  loop, an unreadable or undecodable include: each is a problem, never read, never raised.
  A file included twice (diamond includes) is read once.
* ``--index-url``/``--extra-index-url``/``--find-links`` go to ``index_urls`` and set
  ``Requirement.index_url`` of the requirements that follow, in reading order across
  includes (pip applies them to the whole install; rules that need that view read
  ``RequirementSet.index_urls``).
* Direct references: ``name @ url`` (PEP 508), bare URLs and VCS URLs named by
  ``#egg=name``, wheel and sdist files or URLs (name and version from the file name; the
  version becomes ``==version``), local project directories inside the root (name from
  their ``pyproject.toml`` or ``setup.cfg``). Anything without a knowable name is a problem.
* ``--hash``, ``--config-settings``, ``--global-option`` and the global options that do not
  change what is installed (``--pre``, ``--no-binary``...) are accepted and ignored.
"""

from __future__ import annotations

import configparser
import os
import re
import shlex
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as PackagingRequirement
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)

from jettison.requirements._collect import Collector
from jettison.requirements._text import decode, read_bytes
from jettison.requirements.model import Requirement, RequirementSet

_COMMENT_RE = re.compile(r"(^|\s+)#.*$")
_NAMED_REFERENCE_RE = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?\s*@")
_URL_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_VCS_PREFIXES = ("git+", "hg+", "svn+", "bzr+")
_ARCHIVE_SUFFIXES = (".whl", ".zip", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".tar")
_EXTRAS_RE = re.compile(r"^(.+?)(\[[^\]]+\])$")
_NAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")

# Options, by every spelling pip accepts, to one canonical name.
_ALIASES: dict[str, str] = {
    "-r": "requirement",
    "--requirement": "requirement",
    "-c": "constraint",
    "--constraint": "constraint",
    "-e": "editable",
    "--editable": "editable",
    "-i": "index-url",
    "--index-url": "index-url",
    "--extra-index-url": "extra-index-url",
    "-f": "find-links",
    "--find-links": "find-links",
    "--no-index": "no-index",
    "--pre": "pre",
    "--prefer-binary": "prefer-binary",
    "--require-hashes": "require-hashes",
    "--only-binary": "only-binary",
    "--no-binary": "no-binary",
    "--trusted-host": "trusted-host",
    "--use-feature": "use-feature",
    "--hash": "hash",
    "--global-option": "global-option",
    "--install-option": "install-option",
    "-C": "config-settings",
    "--config-settings": "config-settings",
}
_TAKES_VALUE = frozenset(
    {
        "requirement",
        "constraint",
        "editable",
        "index-url",
        "extra-index-url",
        "find-links",
        "only-binary",
        "no-binary",
        "trusted-host",
        "use-feature",
        "hash",
        "global-option",
        "install-option",
        "config-settings",
    }
)
_PER_REQUIREMENT = frozenset({"hash", "global-option", "install-option", "config-settings"})
_INDEXES = frozenset({"index-url", "extra-index-url", "find-links"})

UNNAMED = "cannot tell the package name of"
"""How a problem starts when pip accepts the line (it builds the project to learn its name)
but a reader cannot name the package without building it."""


class UnparsableRequirement(ValueError):
    """A requirement we cannot understand; callers record it as a problem."""


@dataclass(frozen=True, slots=True)
class ParsedRequirement:
    """The parts of one requirement string."""

    name: str
    specifier: str = ""
    extras: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None


def parse_requirements_txt(path: Path, *, root: Path | None = None) -> RequirementSet:
    """Read one requirements file and everything it includes.

    ``root`` bounds includes (default: the file's directory). Raises
    :class:`~jettison.errors.RequirementsError` only when ``path`` itself cannot be read.
    """
    out = Collector(root=root if root is not None else path.parent)
    read_requirements_txt(path, out)
    return out.build()


def read_requirements_txt(path: Path, out: Collector, *, group: str = "main") -> None:
    """Add a top-level requirements file (and its includes) to ``out``."""
    reader = TxtReader(out, group=group)
    reader.read_top_level(path)


class TxtReader:
    """Reads requirement lines into a :class:`Collector`, following includes.

    Also used for the ``pip:`` section of a conda environment file and for setuptools
    ``file =`` dependencies, hence ``source_kind`` and ``group``.
    """

    def __init__(
        self, out: Collector, *, source_kind: str = "requirements", group: str = "main"
    ) -> None:
        self.out = out
        self.source_kind = source_kind
        self.group = group
        self.index_url: str | None = None
        self._chain: list[Path] = []

    # -- files ---------------------------------------------------------------------------

    def read_top_level(self, path: Path) -> None:
        data = read_bytes(path)
        if not self.out.first_read(path, "requirements"):
            return
        self._read_data(path, data, constraint=False)

    def include(self, including: Path, line: int, value: str, *, constraint: bool = False) -> None:
        """Read the file ``value`` names (relative to ``including``), as ``-r``/``-c`` do."""
        kind = "constraints file" if constraint else "requirements file"
        if _URL_RE.match(value):
            self.out.problem(including, line, f"remote {kind} {value} is not fetched")
            return
        target = Path(os.path.normpath(including.parent / value))
        if not self.out.inside_root(target):
            self.out.problem(
                including, line, f"{kind} {value} is outside the context {self.out.root}; not read"
            )
            return
        resolved = target.resolve()
        if resolved in self._chain:
            loop = " -> ".join(p.name for p in [*self._chain, resolved])
            self.out.problem(including, line, f"include loop ({loop}); {value} not read again")
            return
        if not self.out.first_read(target, "constraint" if constraint else "requirements"):
            return
        try:
            data = target.read_bytes()
        except OSError as exc:
            reason = exc.strerror or str(exc)
            self.out.problem(including, line, f"cannot read {kind} {value}: {reason}")
            return
        self._read_data(target, data, constraint=constraint)

    def _read_data(self, path: Path, data: bytes, *, constraint: bool) -> None:
        text = self.out.text_of(path, data)
        if text is None:
            return
        self._chain.append(path.resolve())
        try:
            self.read_lines(logical_lines(text), path, constraint=constraint)
        finally:
            self._chain.pop()

    # -- lines ---------------------------------------------------------------------------

    def read_lines(
        self, lines: Iterable[tuple[int, str]], file: Path, *, constraint: bool = False
    ) -> None:
        """Read ``(line number, logical line)`` pairs declared in ``file``."""
        for number, line in lines:
            self._line(file, number, line, constraint=constraint)

    def _line(self, file: Path, number: int, line: str, *, constraint: bool) -> None:
        text = _COMMENT_RE.sub("", line).strip()
        if not text:
            return
        raw = line.strip()
        requirement, options = _split_options(text)
        if requirement:
            for name, _value in self._options(file, number, options):
                if name not in _PER_REQUIREMENT:
                    self.out.problem(
                        file, number, f"option --{name} is not allowed after a requirement"
                    )
            self._requirement(file, number, raw, requirement, constraint=constraint)
            return
        for name, value in self._options(file, number, options):
            self._global_option(file, number, raw, name, value, constraint=constraint)

    def _options(self, file: Path, number: int, text: str) -> Iterator[tuple[str, str]]:
        try:
            tokens = shlex.split(text)
        except ValueError:
            tokens = text.split()
        index = 0
        while index < len(tokens):
            token = tokens[index]
            index += 1
            spelling, value = _option_parts(token)
            name = _ALIASES.get(spelling)
            if name is None:
                self.out.problem(file, number, f"unknown option {token}")
                continue
            if name in _TAKES_VALUE and value is None:
                if index >= len(tokens):
                    self.out.problem(file, number, f"option {spelling} needs a value")
                    return
                value = tokens[index]
                index += 1
            yield name, value or ""

    def _global_option(
        self, file: Path, number: int, raw: str, name: str, value: str, *, constraint: bool
    ) -> None:
        if name == "requirement":
            self.include(file, number, value, constraint=False)
        elif name == "constraint":
            self.include(file, number, value, constraint=True)
        elif name == "editable":
            self._requirement(file, number, raw, value, constraint=constraint, direct=True)
        elif name in _INDEXES:
            self.out.add_index(value)
            self.index_url = value

    def _requirement(
        self,
        file: Path,
        number: int,
        raw: str,
        text: str,
        *,
        constraint: bool,
        direct: bool = False,
    ) -> None:
        try:
            parsed = parse_requirement(text, base=file.parent, out=self.out, direct=direct)
        except UnparsableRequirement as exc:
            self.out.problem(file, number, str(exc))
            return
        self.out.requirements.append(
            Requirement(
                name=parsed.name,
                specifier=parsed.specifier,
                file=file,
                line=number,
                raw=raw,
                extras=parsed.extras,
                marker=parsed.marker,
                url=parsed.url,
                group="constraint" if constraint else self.group,
                index_url=self.index_url,
                source_kind=self.source_kind,
            )
        )


def logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(first line number, line)`` with ``\\`` continuations joined, as pip joins them."""
    joined: list[str] = []
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        is_comment = _COMMENT_RE.match(line) is not None
        if not line.endswith("\\") or is_comment:
            if is_comment:
                line = " " + line  # a comment ends a continuation and is stripped later
            if joined:
                joined.append(line)
                yield start, "".join(joined)
                joined = []
            else:
                yield number, line
        else:
            if not joined:
                start = number
            joined.append(line[:-1])
    if joined:
        yield start, "".join(joined)


def physical_groups(text: str) -> Iterator[tuple[int, list[str]]]:
    """``(first line number, physical lines)`` of each line pip reads: ``\\`` continuations
    kept together and as written (a comment line ends one, as in :func:`logical_lines`).

    What a rewrite of the file copies or moves verbatim, hashes and comments included.
    """
    group: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(), start=1):
        if not group:
            start = number
        group.append(line)
        if not line.endswith("\\") or line.lstrip().startswith("#"):
            yield start, group
            group = []
    if group:
        yield start, group


def file_text(path: Path) -> str | None:
    """The text of the requirements file ``path``, decoded as pip decodes it (byte-order
    mark, ``coding:`` comment, UTF-8, Latin-1 as the last resort); None when it cannot be
    read or is not text. For rewriters: the readers note decoding problems instead."""
    try:
        return decode(path.read_bytes()).text
    except OSError:
        return None


def _split_options(line: str) -> tuple[str, str]:
    """pip's ``break_args_options``: the requirement, then options from the first ``-`` word."""
    words = line.split(" ")
    for index, word in enumerate(words):
        if word.startswith("-"):
            return " ".join(words[:index]).strip(), " ".join(words[index:])
    return line, ""


def _option_parts(token: str) -> tuple[str, str | None]:
    """``--name=value`` -> (``--name``, value); ``-rfile`` -> (``-r``, ``file``)."""
    if token.startswith("--"):
        name, sep, value = token.partition("=")
        return name, value if sep else None
    if len(token) > 2 and token[:2] in _ALIASES:
        return token[:2], token[2:]
    return token, None


def parse_requirement(
    text: str, *, base: Path, out: Collector | None = None, direct: bool = False
) -> ParsedRequirement:
    """One requirement as pip accepts it: PEP 508, or a URL or path (``direct``: ``-e``).

    Raises :class:`UnparsableRequirement` with a one-line message.
    """
    text = text.strip()
    if not direct and (_NAMED_REFERENCE_RE.match(text) or not _is_url_or_path(text)):
        try:
            req = PackagingRequirement(text)
        except InvalidRequirement as exc:
            message = str(exc).splitlines()[0] if str(exc) else "invalid"
            raise UnparsableRequirement(f"not a valid requirement {text!r}: {message}") from exc
        return ParsedRequirement(
            name=canonicalize_name(req.name),
            specifier=str(req.specifier),
            extras=tuple(sorted(canonicalize_name(e) for e in req.extras)),
            marker=str(req.marker) if req.marker is not None else None,
            url=req.url,
        )
    return _direct_reference(text, base=base, out=out)


def _is_url_or_path(text: str) -> bool:
    location = text.split(";", 1)[0].strip()
    return (
        bool(_URL_RE.match(location))
        or location.startswith(_VCS_PREFIXES)
        or "/" in location
        or "\\" in location
        or location.startswith(".")
        or location.lower().endswith(_ARCHIVE_SUFFIXES)
    )


def _direct_reference(text: str, *, base: Path, out: Collector | None) -> ParsedRequirement:
    is_url = bool(_URL_RE.match(text)) or text.startswith(_VCS_PREFIXES)
    separator = "; " if is_url else ";"  # pip's rule: URLs may contain a bare ';'
    location, _sep, marker_text = text.partition(separator)
    location = location.strip()
    marker: str | None = None
    if marker_text.strip():
        try:
            marker = str(Marker(marker_text.strip()))
        except InvalidMarker as exc:
            raise UnparsableRequirement(
                f"invalid environment marker {marker_text.strip()!r}"
            ) from exc
    extras: tuple[str, ...] = ()
    name: str | None = None
    version: str | None = None
    if is_url:
        try:
            fragment = urlsplit(location).fragment
        except ValueError as exc:  # "Invalid IPv6 URL": a "[" in the host
            raise UnparsableRequirement(f"invalid URL {location!r}") from exc
        for part in fragment.split("&"):
            key, _eq, value = part.partition("=")
            if key == "egg" and value:
                egg = _EXTRAS_RE.match(value)
                name = egg.group(1) if egg else value
                if egg:
                    extras = _split_extras(egg.group(2))
        filename = unquote(urlsplit(location).path.rsplit("/", 1)[-1])
    else:
        match = _EXTRAS_RE.match(location)
        if match:
            location, extras = match.group(1), _split_extras(match.group(2))
        filename = Path(location).name
    if name is None:
        name, version = _name_from_filename(filename)
    if name is None and not is_url:
        name = _local_project_name(base / location, out)
    if name is None or not _NAME_RE.match(name):
        raise UnparsableRequirement(
            f"{UNNAMED} {location!r}: write 'name @ URL' or add '#egg=name'"
        )
    return ParsedRequirement(
        name=canonicalize_name(name),
        specifier=f"=={version}" if version else "",
        extras=extras,
        marker=marker,
        url=location,
    )


def _split_extras(bracketed: str) -> tuple[str, ...]:
    inner = bracketed.strip("[]")
    return tuple(sorted(canonicalize_name(e.strip()) for e in inner.split(",") if e.strip()))


def _name_from_filename(filename: str) -> tuple[str | None, str | None]:
    """Name and version of a wheel or sdist file name, else (None, None)."""
    if filename.endswith(".whl"):
        try:
            name, version, _build, _tags = parse_wheel_filename(filename)
        except InvalidWheelFilename:
            return None, None
        return str(name), str(version)
    if filename.endswith((".tar.gz", ".zip")):
        try:
            name, version = parse_sdist_filename(filename)
        except InvalidSdistFilename:
            return None, None
        return str(name), str(version)
    return None, None


def _local_project_name(directory: Path, out: Collector | None) -> str | None:
    """The name a local project directory declares (pyproject.toml, then setup.cfg)."""
    if out is not None and not out.inside_root(directory):
        return None
    try:
        pyproject = tomllib.loads((directory / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        pyproject = {}
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    for table in (pyproject.get("project"), poetry):
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            return str(table["name"])
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(directory / "setup.cfg", encoding="utf-8")
        return parser.get("metadata", "name", fallback=None)
    except (configparser.Error, UnicodeDecodeError):
        return None
