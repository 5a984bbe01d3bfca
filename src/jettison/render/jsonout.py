"""What every JSON report shares: the header, the text form, the shipped schemas, notices.

Each command's JSON model (``render/<command>...``) is built field by field rather than with
``dataclasses.asdict``, so that the domain model can change without silently changing a
published format; its shape is ``schema/<command>-report.schema.json`` (JSON Schema draft
2020-12), and a drift test per command fails when the domain model, the encoder and the
schema part. Bump the encoder's ``SCHEMA_VERSION`` ("MAJOR.MINOR", the same form for every
command) on any change: the minor number for added fields, the major for removed or changed
ones.

Conventions: snake_case keys; the header ``schema_version`` and ``tool``; sizes are integers
in bytes with a ``_bytes`` suffix; durations in seconds with ``_seconds``; absent values are
``null``, never missing keys; paths use forward slashes; severities are ``error``,
``warning`` or ``info``; text from images and repositories is made printable.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import TypeAlias, cast

import jettison
from jettison.notices import Notice
from jettison.render.text import printable

TOOL_NAME = "jettison"

JsonValue: TypeAlias = "bool | int | float | str | list[JsonValue] | dict[str, JsonValue] | None"
JsonObject: TypeAlias = dict[str, JsonValue]


def header(schema_version: str) -> JsonObject:
    """The keys every JSON report starts with."""
    return {
        "schema_version": schema_version,
        "tool": {"name": TOOL_NAME, "version": jettison.__version__},
    }


def json_text(model: JsonObject) -> str:
    """A JSON model as deterministic text (sorted keys, indent 2, UTF-8 characters kept)."""
    return json.dumps(model, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_schema(resource: str) -> JsonObject:
    """A JSON Schema shipped in the package (``resource``: relative to ``jettison.render``)."""
    text = resources.files("jettison.render").joinpath(resource).read_text("utf-8")
    return cast(JsonObject, json.loads(text))


def opt_text(text: str | None) -> str | None:
    """``text`` made printable, None kept."""
    return None if text is None else printable(text)


def path_text(path: Path) -> str:
    """A path with forward slashes, printable."""
    return printable(path.as_posix())


def opt_path(path: Path | None) -> str | None:
    """:func:`path_text`, None kept."""
    return None if path is None else path_text(path)


def notice(item: Notice) -> JsonObject:
    """A :class:`~jettison.notices.Notice`, as every report encodes it."""
    return {
        "severity": item.severity.label,
        "kind": item.kind,
        "message": printable(item.message),
        "subject": opt_text(item.subject),
        "path": opt_path(item.path),
        "line": item.line,
        "layer": item.layer,
    }


NOTICE_SCHEMA: JsonObject = {
    "type": "object",
    "additionalProperties": False,
    "required": ["severity", "kind", "message", "subject", "path", "line", "layer"],
    "properties": {
        "severity": {"enum": ["error", "warning", "info"]},
        "kind": {"type": "string"},
        "message": {"type": "string"},
        "subject": {"type": ["string", "null"]},
        "path": {"type": ["string", "null"]},
        "line": {"type": ["integer", "null"], "minimum": 1},
        "layer": {"type": ["integer", "null"], "minimum": 0},
    },
}
"""The ``$defs/notice`` entry every report schema carries (a test checks they are equal)."""
