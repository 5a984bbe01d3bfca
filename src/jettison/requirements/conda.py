"""Conda ``environment.yml``: conda packages and the nested ``pip:`` list.

Conda entries get ``source_kind="conda"`` and keep their conda names (``pytorch``, not
``torch``; :mod:`jettison.imports.mapping` knows both). ``python`` (the interpreter) is
skipped, as Poetry's ``python`` key is. Match specs become PEP 440 text where they can:
``numpy==1.26.4`` -> ``==1.26.4``; ``numpy=1.26`` (conda's fuzzy match) -> ``==1.26.*``;
``numpy=1.26.4`` and ``numpy=1.26.4=py311_0`` -> ``==1.26.4`` (three parts or more count
as a pin: conda would also take a ``1.26.4.x``); ``numpy>=1.20,<2`` as is;
``numpy 1.26.*`` (space form) -> ``==1.26.*``; anything else (``1.26|1.27``,
``=1.1|1.3``) as written.
A channel prefix (``pytorch::pytorch``) is the requirement's ``index_url``; the
``channels:`` list goes to ``index_urls`` as written.

The ``pip:`` items are requirement-file lines (options and ``-r`` included, relative to the
environment file, as conda runs pip there) with ``source_kind="pip-in-conda"``.
Line numbers come from the YAML parser.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from packaging.utils import canonicalize_name

from jettison.errors import RequirementsError
from jettison.requirements._collect import Collector
from jettison.requirements._text import read_bytes
from jettison.requirements.model import Requirement, RequirementSet
from jettison.requirements.requirements_txt import TxtReader

_SPEC_RE = re.compile(
    r"^\s*(?:(?P<channel>\S+?)::)?(?P<name>[A-Za-z0-9_][A-Za-z0-9_.+-]*)"
    r"\s*(?P<bracket>\[[^\]]*\])?\s*(?P<rest>.*?)\s*$"
)
_BRACKET_VERSION_RE = re.compile(r"version\s*=\s*['\"]?([^'\",\]]+)")


def parse_environment_yml(path: Path, *, root: Path | None = None) -> RequirementSet:
    """Dependencies of one conda environment file; raises only when it cannot be read."""
    out = Collector(root=root if root is not None else path.parent)
    read_environment_yml(path, out)
    return out.build()


def has_pip_section(path: Path) -> bool:
    """Whether a conda environment file installs something with pip (a non-empty ``pip:``
    list), so ``conda env create`` runs pip; False for anything that cannot be read."""
    try:
        found = parse_environment_yml(path)
    except (RequirementsError, OSError):
        return False
    return any(r.source_kind == "pip-in-conda" for r in found.requirements)


def read_environment_yml(path: Path, out: Collector) -> None:
    data = read_bytes(path)
    if not out.first_read(path, "conda"):
        return
    text = out.text_of(path, data)
    if text is None:
        return
    try:
        document = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        reason = getattr(exc, "problem", None) or "invalid YAML"
        out.problem(path, line, f"invalid YAML: {reason}")
        return
    if document is None:
        return
    if not isinstance(document, yaml.MappingNode):
        out.problem(path, _line(document), "not a conda environment (expected a mapping)")
        return
    for key_node, value_node in document.value:
        if key_node.value == "channels":
            for channel in _sequence(value_node, path, out, "channels"):
                if isinstance(channel, yaml.ScalarNode):
                    out.add_index(str(channel.value))
        elif key_node.value == "dependencies":
            _dependencies(value_node, path, out)


def _dependencies(node: yaml.Node, path: Path, out: Collector) -> None:
    for item in _sequence(node, path, out, "dependencies"):
        if isinstance(item, yaml.ScalarNode):
            _conda_spec(str(item.value), _line(item), path, out)
        elif isinstance(item, yaml.MappingNode):
            for key_node, value_node in item.value:
                if key_node.value != "pip":
                    out.problem(path, _line(key_node), f"unknown section {key_node.value!r}")
                    continue
                reader = TxtReader(out, source_kind="pip-in-conda")
                lines = [
                    (_line(line), str(line.value))
                    for line in _sequence(value_node, path, out, "pip")
                    if isinstance(line, yaml.ScalarNode)
                ]
                reader.read_lines(lines, path)
        else:
            out.problem(path, _line(item), "dependency is neither a spec nor a pip section")


def _sequence(node: yaml.Node, path: Path, out: Collector, what: str) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.ScalarNode) and node.value in ("", "~", "null"):
        return []
    out.problem(path, _line(node), f"{what!r} is not a list")
    return []


def _line(node: yaml.Node) -> int:
    return int(node.start_mark.line) + 1


def _conda_spec(text: str, line: int, path: Path, out: Collector) -> None:
    match = _SPEC_RE.match(text)
    if match is None or not text.strip():
        out.problem(path, line, f"not a conda package spec: {text!r}")
        return
    name = match.group("name").lower()
    if name == "python":
        return
    rest = match.group("rest")
    bracket = match.group("bracket")
    if not rest and bracket:
        version = _BRACKET_VERSION_RE.search(bracket)
        rest = version.group(1) if version else ""
    out.requirements.append(
        Requirement(
            name=canonicalize_name(name),
            specifier=conda_specifier(rest),
            file=path,
            line=line,
            raw=text,
            index_url=match.group("channel"),
            source_kind="conda",
        )
    )


def conda_specifier(rest: str) -> str:
    """The version part of a conda match spec as PEP 440 text (see the module docstring)."""
    rest = rest.strip()
    if not rest or "|" in rest:  # alternatives have no PEP 440 form
        return rest
    if rest.startswith("=="):
        return "==" + re.split(r"[=\s]", rest[2:].strip(), maxsplit=1)[0]
    if rest.startswith("="):
        return _fuzzy(rest[1:].split("=", 1)[0].strip())
    if rest[0] in "<>!~":
        compact = re.sub(r"([<>!=~]=?)\s+", r"\1", re.sub(r"\s*,\s*", ",", rest))
        return compact.split()[0]  # a build string may follow after a space
    version = rest.split()[0]
    if version[0].isdigit():
        return "==" + version
    return rest


def _fuzzy(version: str) -> str:
    if "*" in version or version.count(".") >= 2:
        return "==" + version
    return f"=={version}.*"


_PINNED_MINOR = re.compile(r"^==(\d+)\.(\d+)(?:[.*]|$)")


def conda_python_minor(spec: str) -> str | None:
    """``X.Y`` when a conda match spec pins the interpreter to one minor version
    (``python=3.9``, ``python==3.9.7``, ``python=3.5.4=0``, ``python 3.8.*``); None for
    bounds (``python>=3.8``), a bare ``python`` and any other package."""
    match = _SPEC_RE.match(spec)
    if match is None or match.group("name").lower() != "python" or match.group("channel"):
        return None
    pinned = _PINNED_MINOR.match(conda_specifier(match.group("rest")))
    return f"{pinned.group(1)}.{pinned.group(2)}" if pinned else None


def environment_python(path: Path) -> tuple[str, int] | None:
    """(``X.Y``, line) of the Python an environment file pins, None when it pins none or
    cannot be read."""
    try:
        document = yaml.compose(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(document, yaml.MappingNode):
        return None
    for key_node, value_node in document.value:
        if key_node.value != "dependencies" or not isinstance(value_node, yaml.SequenceNode):
            continue
        for item in value_node.value:
            if isinstance(item, yaml.ScalarNode):
                minor = conda_python_minor(str(item.value))
                if minor is not None:
                    return minor, _line(item)
    return None
