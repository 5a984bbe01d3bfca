"""Dependencies declared in ``pyproject.toml``: PEP 621, PEP 735, Poetry, uv, PDM, setuptools.

Groups: ``[project] dependencies`` -> ``main``; ``optional-dependencies`` -> the extra's
name; ``[dependency-groups]`` (PEP 735, uv) -> the group's name, ``{include-group = ...}``
expanded (loops and unknown groups are problems); Poetry ``[tool.poetry.dependencies]`` ->
``main`` (the ``python`` key is skipped; ``optional = true`` entries take the name of the
first ``[tool.poetry.extras]`` extra that lists them, else ``optional``),
``[tool.poetry.group.<name>.dependencies]`` -> ``<name>``, legacy ``dev-dependencies`` ->
``dev``; ``[tool.uv] dev-dependencies`` -> ``dev``; ``[tool.pdm.dev-dependencies]`` -> the
group's name. With ``dynamic = ["dependencies"]``, setuptools' ``file = [...]`` is read as
requirements files. A requirement of the project on itself (``proj[gpu]`` in an extra)
only selects extras and is not recorded.

Poetry constraints become PEP 440 specifiers: ``^1.2.3`` -> ``>=1.2.3,<2.0.0``, ``^0.2``
-> ``>=0.2,<0.3``, ``~1.2`` -> ``>=1.2,<1.3``, ``1.2.3`` -> ``==1.2.3``, ``*`` -> empty.
What has no PEP 440 form (``||`` alternatives) is kept as written. With Poetry 2's
``[project]`` table, ``[tool.poetry.dependencies]`` only enriches the PEP 621 entries
(source, git/url/path) and adds no requirement of its own.

Indexes: Poetry sources and uv indexes go to ``index_urls``. A requirement pinned to one
(``source = "x"``, ``[tool.uv.sources] torch = { index = "x" }``) gets that URL as
``index_url``; otherwise the first index that applies to every package (a Poetry primary
source, a uv index that is not ``explicit``) is its ``index_url``.

Line numbers: tomllib keeps none, so each requirement's line is found by searching the text
(best effort): the table header, then the key, then the quoted requirement string after it;
when the search fails, the nearest of those found (else line 1).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

from packaging.markers import InvalidMarker, Marker
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from jettison.requirements._collect import Collector
from jettison.requirements._text import read_bytes
from jettison.requirements.model import Requirement, RequirementSet
from jettison.requirements.requirements_txt import (
    TxtReader,
    UnparsableRequirement,
    parse_requirement,
)

_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\[\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY_PART_RE = re.compile(r"\"([^\"]*)\"|'([^']*)'|([^.\s\"']+)")
_ERROR_LINE_RE = re.compile(r"line (\d+)")
_VERSION_RE = re.compile(r"^(\d+(?:\.\d+)*)(.*)$")
_POETRY_AND_RE = re.compile(r"\s*,\s*|\s+(?=[<>=!~^])")

Table = dict[str, object]


def parse_pyproject(path: Path, *, root: Path | None = None) -> RequirementSet:
    """Dependencies of one ``pyproject.toml``; raises only when the file cannot be read."""
    out = Collector(root=root if root is not None else path.parent)
    read_pyproject(path, out)
    return out.build()


def read_pyproject(path: Path, out: Collector) -> None:
    data = read_bytes(path)
    if not out.first_read(path, "pyproject"):
        return
    text = out.text_of(path, data)
    if text is None:
        return
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid"
        match = _ERROR_LINE_RE.search(message)
        out.problem(path, int(match.group(1)) if match else 1, f"invalid TOML: {message}")
        return
    _Reader(path, text, document, out).read()


def poetry_specifier(constraint: str) -> str | None:
    """A Poetry version constraint as a PEP 440 specifier; None when there is no such form."""
    text = constraint.strip()
    if text in ("", "*"):
        return ""
    if "||" in text or "|" in text:
        return None
    parts: list[str] = []
    for part in _POETRY_AND_RE.split(text):
        if not part:
            continue
        converted = _poetry_one(part.strip())
        if converted is None:
            return None
        parts.extend(converted)
    spec = ",".join(parts)
    try:
        SpecifierSet(spec)
    except InvalidSpecifier:
        return None
    return spec


def _poetry_one(part: str) -> list[str] | None:
    if part.startswith(("^", "~")) and not part.startswith("~="):
        match = _VERSION_RE.match(part[1:].strip())
        if match is None:
            return None
        version = part[1:].strip()
        release = [int(n) for n in match.group(1).split(".")]
        if part.startswith("^"):
            upper = _caret_upper(release)
        else:
            upper = [release[0] + 1] if len(release) == 1 else [release[0], release[1] + 1]
        upper += [0] * (len(release) - len(upper))
        return [f">={version}", "<" + ".".join(str(n) for n in upper)]
    if part[0].isdigit():
        return [f"=={part}"]
    if part.startswith("=") and not part.startswith("=="):
        return [f"=={part[1:].strip()}"]
    for operator in ("===", "==", "!=", "~=", ">=", "<=", ">", "<"):
        if part.startswith(operator):
            return [operator + part[len(operator) :].strip()]
    return None


def _caret_upper(release: list[int]) -> list[int]:
    """Poetry's caret: bump the left-most non-zero part (``^0.0`` -> ``<0.1``)."""
    if len(release) == 1 or release[0] != 0:
        return [release[0] + 1]
    if len(release) == 2 or release[1] != 0:
        return [0, release[1] + 1]
    return [0, 0, release[2] + 1]


class TomlLocator:
    """Finds the line of a table, key or string in TOML text (tomllib keeps no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.headers: list[tuple[int, tuple[str, ...]]] = []
        for index, line in enumerate(self.lines):
            match = _HEADER_RE.match(line)
            if match:
                self.headers.append((index, _key_parts(match.group(1))))

    def find(
        self, table: tuple[str, ...], key: str | None = None, needle: str | None = None
    ) -> int:
        """1-based line of ``needle`` (a quoted string) under ``key`` in ``table``."""
        start, end, rest = self._section(table)
        keys = [*rest, key] if key is not None else rest
        if keys:
            pattern = re.compile(
                r"^\s*" + r"\s*\.\s*".join(_key_pattern(k) for k in keys) + r"\s*="
            )
            for index in range(start, end):
                if pattern.match(self.lines[index]):
                    start = index
                    break
        if needle:
            quoted = (f'"{needle}"', f"'{needle}'")
            for index in range(start, end):
                if any(q in self.lines[index] for q in quoted):
                    return index + 1
        return start + 1 if start < len(self.lines) else 1

    def text(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def _section(self, table: tuple[str, ...]) -> tuple[int, int, list[str]]:
        """(first line index, end index, key parts left to find) of the table's section."""
        for depth in range(len(table), 0, -1):
            for position, (index, parts) in enumerate(self.headers):
                if parts == table[:depth]:
                    end = (
                        self.headers[position + 1][0]
                        if position + 1 < len(self.headers)
                        else len(self.lines)
                    )
                    return index, end, list(table[depth:])
        end = self.headers[0][0] if self.headers else len(self.lines)
        return 0, end, list(table)


def _key_parts(header: str) -> tuple[str, ...]:
    return tuple(
        next(g for g in m.groups() if g is not None) for m in _KEY_PART_RE.finditer(header)
    )


def _key_pattern(key: str) -> str:
    escaped = re.escape(key)
    return f"(?:\"{escaped}\"|'{escaped}'|{escaped})"


def _table(value: object) -> Table:
    return value if isinstance(value, dict) else {}


class _Reader:
    """One pyproject document: collects its requirements, then applies sources/indexes."""

    def __init__(self, path: Path, text: str, document: Table, out: Collector) -> None:
        self.path = path
        self.document = document
        self.out = out
        self.locator = TomlLocator(text)
        self.found: list[Requirement] = []
        self.own_name: str | None = None
        self.pinned: dict[str, tuple[str | None, str | None]] = {}
        """canonical name -> (index URL, direct URL) from Poetry/uv sources."""
        self.default_index: str | None = None
        tool = _table(document.get("tool"))
        self.poetry = _table(tool.get("poetry"))
        self.uv = _table(tool.get("uv"))
        self.pdm = _table(tool.get("pdm"))
        self.setuptools = _table(tool.get("setuptools"))

    def read(self) -> None:
        static_main = self._project()
        self._dependency_groups()
        self._poetry(enrich_only=static_main)
        self._uv()
        self._pdm()
        for requirement in self.found:
            index_url, url = self.pinned.get(requirement.name, (None, None))
            self.out.requirements.append(
                dataclasses.replace(
                    requirement,
                    index_url=index_url or requirement.index_url or self.default_index,
                    url=requirement.url or url,
                )
            )

    # -- PEP 621 -------------------------------------------------------------------------

    def _project(self) -> bool:
        """Read ``[project]``; True when it declares static dependencies."""
        if "project" not in self.document:
            return False
        project = _table(self.document["project"])
        if isinstance(project.get("name"), str):
            self.own_name = canonicalize_name(str(project["name"]))
        static = "dependencies" in project
        if static:
            self._strings(project["dependencies"], "main", ("project",), "dependencies")
        for extra, items in _table(project.get("optional-dependencies")).items():
            self._strings(items, extra, ("project", "optional-dependencies"), extra)
        dynamic = project.get("dynamic")
        if isinstance(dynamic, list):
            self._setuptools_dynamic(dynamic)
        return static

    def _setuptools_dynamic(self, dynamic: list[object]) -> None:
        table = ("tool", "setuptools", "dynamic")
        settings = _table(self.setuptools.get("dynamic"))
        wanted: list[tuple[str, str, object]] = []
        if "dependencies" in dynamic:
            wanted.append(("main", "dependencies", settings.get("dependencies")))
        if "optional-dependencies" in dynamic:
            for extra, value in _table(settings.get("optional-dependencies")).items():
                wanted.append((extra, extra, value))
        for group, key, value in wanted:
            files = _table(value).get("file")
            names = [files] if isinstance(files, str) else files
            if not isinstance(names, list):
                continue
            line = self.locator.find(table, key)
            reader = TxtReader(self.out, group=group)
            for name in names:
                if isinstance(name, str):
                    reader.include(self.path, line, name)

    # -- PEP 735 -------------------------------------------------------------------------

    def _dependency_groups(self) -> None:
        groups = _table(self.document.get("dependency-groups"))
        by_name: dict[str, str] = {canonicalize_name(name): name for name in groups}
        for name in groups:
            for text, origin in self._expand_group(groups, by_name, name, ()):
                self._add(text, name, ("dependency-groups",), origin)

    def _expand_group(
        self,
        groups: Table,
        by_name: dict[str, str],
        name: str,
        stack: tuple[str, ...],
    ) -> Iterator[tuple[str, str]]:
        items = groups[name]
        line = self.locator.find(("dependency-groups",), name)
        if not isinstance(items, list):
            self.out.problem(self.path, line, f"dependency group {name!r} is not a list")
            return
        for item in items:
            if isinstance(item, str):
                yield item, name
                continue
            included = _table(item).get("include-group")
            if not isinstance(included, str):
                self.out.problem(self.path, line, f"dependency group {name!r}: bad item {item!r}")
                continue
            target = by_name.get(canonicalize_name(included))
            if target is None:
                self.out.problem(
                    self.path, line, f"dependency group {name!r} includes unknown {included!r}"
                )
            elif target in (*stack, name):
                loop = " -> ".join((*stack, name, target))
                self.out.problem(self.path, line, f"include-group loop ({loop})")
            else:
                yield from self._expand_group(groups, by_name, target, (*stack, name))

    # -- Poetry --------------------------------------------------------------------------

    def _poetry(self, *, enrich_only: bool) -> None:
        if not self.poetry:
            return
        named: dict[str, str] = {}
        sources = self.poetry.get("source")
        for source in sources if isinstance(sources, list) else []:
            source = _table(source)
            url, name = source.get("url"), source.get("name")
            if not isinstance(url, str):
                continue
            self.out.add_index(url)
            if isinstance(name, str):
                named[name] = url
            priority = source.get("priority")
            applies_to_all = priority in ("primary", "default") or (
                priority is None and source.get("secondary") is not True
            )
            if applies_to_all and self.default_index is None:
                self.default_index = url
        extra_of: dict[str, str] = {}
        for extra, members in _table(self.poetry.get("extras")).items():
            for member in members if isinstance(members, list) else []:
                if isinstance(member, str):
                    extra_of.setdefault(canonicalize_name(member), extra)
        tables: list[tuple[str, tuple[str, ...], object]] = [
            ("main", ("tool", "poetry", "dependencies"), self.poetry.get("dependencies")),
            ("dev", ("tool", "poetry", "dev-dependencies"), self.poetry.get("dev-dependencies")),
        ]
        for group, settings in _table(self.poetry.get("group")).items():
            group_path: tuple[str, ...] = ("tool", "poetry", "group", group, "dependencies")
            tables.append((group, group_path, _table(settings).get("dependencies")))
        for group, path, value in tables:
            for name, spec in _table(value).items():
                if canonicalize_name(name) == "python":
                    continue
                for entry in spec if isinstance(spec, list) else [spec]:
                    if group == "main" and enrich_only:
                        self._poetry_source(name, entry, named)
                    else:
                        self._poetry_dependency(name, entry, group, path, named, extra_of)

    def _poetry_source(self, name: str, entry: object, named: dict[str, str]) -> None:
        table = _table(entry)
        source = table.get("source")
        index_url = named.get(source) if isinstance(source, str) else None
        url = _poetry_url(table)
        if index_url or url:
            self.pinned[canonicalize_name(name)] = (index_url, url)

    def _poetry_dependency(
        self,
        name: str,
        entry: object,
        group: str,
        path: tuple[str, ...],
        named: dict[str, str],
        extra_of: dict[str, str],
    ) -> None:
        line = self.locator.find(path, name)
        raw = self.locator.text(line) or f"{name} = {entry!r}"
        if isinstance(entry, str):
            table: Table = {"version": entry}
        elif isinstance(entry, dict):
            table = entry
        else:
            self.out.problem(self.path, line, f"Poetry dependency {name!r}: bad value {entry!r}")
            return
        constraint = table.get("version", "")
        constraint = constraint if isinstance(constraint, str) else ""
        specifier = poetry_specifier(constraint)
        marker: str | None = None
        if isinstance(table.get("markers"), str):
            try:
                marker = str(Marker(str(table["markers"])))
            except InvalidMarker:
                self.out.problem(self.path, line, f"invalid markers for {name!r}")
        extras = table.get("extras")
        source = table.get("source")
        index_url = None
        if isinstance(source, str):
            index_url = named.get(source)
            if index_url is None:
                self.out.problem(self.path, line, f"{name!r} uses undefined source {source!r}")
        if table.get("optional") is True and group == "main":
            group = extra_of.get(canonicalize_name(name), "optional")
        self.found.append(
            Requirement(
                name=canonicalize_name(name),
                specifier=constraint.strip() if specifier is None else specifier,
                file=self.path,
                line=line,
                raw=raw,
                extras=tuple(sorted(canonicalize_name(e) for e in extras if isinstance(e, str)))
                if isinstance(extras, list)
                else (),
                marker=marker,
                url=_poetry_url(table),
                group=group,
                index_url=index_url,
                source_kind="pyproject",
                section=".".join(path),
            )
        )

    # -- uv, PDM -------------------------------------------------------------------------

    def _uv(self) -> None:
        if not self.uv:
            return
        if "dev-dependencies" in self.uv:
            self._strings(self.uv["dev-dependencies"], "dev", ("tool", "uv"), "dev-dependencies")
        named: dict[str, str] = {}
        indexes = self.uv.get("index")
        for index in indexes if isinstance(indexes, list) else []:
            index = _table(index)
            url = index.get("url")
            if not isinstance(url, str):
                continue
            self.out.add_index(url)
            if isinstance(index.get("name"), str):
                named[str(index["name"])] = url
            if index.get("explicit") is not True and self.default_index is None:
                self.default_index = url
        for key in ("index-url", "extra-index-url", "find-links"):
            value = self.uv.get(key)
            for url in (
                [value] if isinstance(value, str) else value if isinstance(value, list) else []
            ):
                if isinstance(url, str):
                    self.out.add_index(url)
                    if key == "extra-index-url" and self.default_index is None:
                        self.default_index = url
        for name, spec in _table(self.uv.get("sources")).items():
            entries = spec if isinstance(spec, list) else [spec]
            for entry in entries:  # marker-specific lists: the first entry wins
                table = _table(entry)
                index_name = table.get("index")
                index_url = named.get(index_name) if isinstance(index_name, str) else None
                url = _poetry_url(table)
                if index_url or url:
                    self.pinned[canonicalize_name(name)] = (index_url, url)
                    break

    def _pdm(self) -> None:
        for group, items in _table(self.pdm.get("dev-dependencies")).items():
            self._strings(items, group, ("tool", "pdm", "dev-dependencies"), group)

    # -- shared --------------------------------------------------------------------------

    def _strings(self, items: object, group: str, table: tuple[str, ...], key: str) -> None:
        if not isinstance(items, list):
            line = self.locator.find(table, key)
            self.out.problem(self.path, line, f"{key!r} is not a list of requirement strings")
            return
        for item in items:
            if isinstance(item, str):
                self._add(item, group, table, key)
            else:
                line = self.locator.find(table, key)
                self.out.problem(self.path, line, f"{key!r}: {item!r} is not a string")

    def _add(self, text: str, group: str, table: tuple[str, ...], key: str) -> None:
        line = self.locator.find(table, key, text)
        try:
            parsed = parse_requirement(text, base=self.path.parent, out=self.out)
        except UnparsableRequirement as exc:
            self.out.problem(self.path, line, str(exc))
            return
        if parsed.name == self.own_name:
            return
        self.found.append(
            Requirement(
                name=parsed.name,
                specifier=parsed.specifier,
                file=self.path,
                line=line,
                raw=text,
                extras=parsed.extras,
                marker=parsed.marker,
                url=parsed.url,
                group=group,
                source_kind="pyproject",
                section=".".join(table),
            )
        )


def _poetry_url(table: Table) -> str | None:
    """The direct reference of a Poetry or uv dependency table (git, url, path)."""
    git = table.get("git")
    if isinstance(git, str):
        ref = next(
            (table[k] for k in ("rev", "tag", "branch") if isinstance(table.get(k), str)), None
        )
        prefix = "" if git.startswith("git+") else "git+"
        return f"{prefix}{git}@{ref}" if ref else f"{prefix}{git}"
    for key in ("url", "path"):
        value = table.get(key)
        if isinstance(value, str):
            return value
    return None
