"""Parse a Dockerfile (or Containerfile, any name) with buildkit's own parser.

The ``dockerfile`` package wraps moby/buildkit's Go parser, so continuations, heredocs,
escape directives, flags and exec form behave exactly as in ``docker build``; this module
adds what linting needs on top: stages, ``ARG`` substitution in ``FROM``, directives and
inline ignore comments.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import dockerfile as buildkit

from jettison.dockerfile.model import Dockerfile, Heredoc, Instruction, Position, Stage
from jettison.errors import DockerfileError

MAX_BYTES = 4 << 20
_DIRECTIVE = re.compile(r"^#\s*(syntax|escape|check)\s*=\s*(.+?)\s*$", re.IGNORECASE)
_IGNORE = re.compile(r"^\s*#\s*jettison:\s*ignore\s*=\s*([\w, ]+)", re.IGNORECASE)
_VAR = re.compile(r"\$(?:\{(\w+)(?::?([-+])([^}]*))?\}|(\w+))")


def source_lines(text: str, *, keepends: bool = False) -> list[str]:
    """The lines of Dockerfile text as buildkit counts them: broken at ``\n`` only (``\r\n``
    too, the ``\r`` dropped unless ``keepends``). ``str.splitlines`` also breaks at form feeds,
    ``\x1c``-``\x1e``, ``\x85`` and ``\u2028``, which a Dockerfile may hold inside a line
    (a comment, a value): positions would then point at the wrong line."""
    parts = text.split("\n")
    if keepends:
        return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    if not parts[-1]:
        parts.pop()
    return [part.removesuffix("\r") for part in parts]


def read_text(path: Path) -> str:
    """The file as text (UTF-8, a BOM allowed); DockerfileError for binary or unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DockerfileError(f"{path}: cannot read ({exc.strerror})") from exc
    if len(data) > MAX_BYTES:
        raise DockerfileError(f"{path}: {len(data)} bytes is not a Dockerfile")
    if b"\0" in data:
        raise DockerfileError(f"{path}: a binary file, not a Dockerfile")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DockerfileError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def expand(text: str, values: Mapping[str, str]) -> str:
    """Shell-style substitution as buildkit does it for ``FROM``: ``$X``, ``${X}``,
    ``${X:-default}``, ``${X:+alternative}``; unknown names expand to empty."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(4)
        value = values.get(name, "")
        operator, word = match.group(2), match.group(3) or ""
        if operator == "-":
            return value or word
        if operator == "+":
            return word if value else ""
        return value

    return _VAR.sub(one, text)


def parse_dockerfile(path: Path, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    return parse_text(read_text(path), path, build_args)


def parse_text(text: str, path: Path, build_args: Mapping[str, str] | None = None) -> Dockerfile:
    """``text`` parsed as the Dockerfile at ``path`` (which need not exist: ``fix`` parses
    what it would write before writing it)."""
    if "\0" in text:
        # buildkit's parser takes C strings: a NUL cuts a word short, or leaves a keyword
        # None. ``docker build`` refuses such a file as well.
        number = text.count("\n", 0, text.index("\0")) + 1
        raise DockerfileError(
            f"{path}: a NUL byte on line {number}, not Dockerfile text",
            hint="a Dockerfile is UTF-8 text; remove the NUL byte",
        )
    lines = tuple(source_lines(text))
    try:
        commands = buildkit.parse_string(text)
    except buildkit.GoParseError as exc:
        raise DockerfileError(f"{path}: {exc}") from exc
    except UnicodeDecodeError as exc:
        # The parser library hands a flag back cut inside a character beyond ASCII
        # (`HEALTHCHECK --\u07e0`): its own bug, on text Docker would refuse as a flag anyway.
        raise DockerfileError(
            f"{path}: a flag with a character beyond ASCII that buildkit's parser cannot read",
            hint="flags are ASCII words such as --mount or --chown; check each `--` of the file",
        ) from exc
    directives: dict[str, str] = {}
    for line in lines:
        match = _DIRECTIVE.match(line.strip())
        if not match:
            break  # directives only at the very top, before anything else
        directives[match.group(1).lower()] = match.group(2)
    global_values: dict[str, str] = {}
    global_args: list[Instruction] = []
    stages: list[tuple[Instruction, list[Instruction]]] = []
    for command in commands:
        start = command.start_line
        if command.cmd is None:
            # A line that is only a continuation backslash: buildkit's parser gives a node
            # without a keyword, which `docker build` refuses as an unknown instruction.
            raise DockerfileError(
                f"{path}: line {start} continues no instruction",
                hint="remove the lone backslash or join it to the instruction it belongs to",
            )
        keyword = command.cmd.upper()
        source_line = lines[start - 1] if 0 < start <= len(lines) else ""
        instruction = Instruction(
            keyword=keyword,
            args=tuple(command.value),
            flags=tuple(command.flags),
            original=command.original,
            position=Position(
                line=start,
                column=len(source_line) - len(source_line.lstrip()) + 1,
                end_line=command.end_line,
            ),
            stage_index=len(stages) - 1 if keyword != "FROM" else len(stages),
            json=command.json,
            heredocs=tuple(Heredoc(h.name, h.content) for h in command.heredocs),
            ignored_codes=_ignores(lines, start),
        )
        if keyword == "FROM":
            stages.append((instruction, []))
        elif not stages:
            if keyword == "ARG":
                global_args.append(instruction)
                global_values.update(_global_arg(instruction, global_values, build_args or {}))
            # anything else before FROM is an error for docker build; rules report it
            else:
                global_args.append(instruction)
        else:
            stages[-1][1].append(instruction)
    values = {**(build_args or {}), **global_values}
    built = []
    for index, (from_instruction, body) in enumerate(stages):
        words = list(from_instruction.args)
        base = words[0] if words else ""
        stage_name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
        built.append(
            Stage(
                index=index,
                base=base,
                base_expanded=expand(base, values),
                name=stage_name,
                from_instruction=from_instruction,
                instructions=tuple(body),
                platform=from_instruction.flag("platform"),
            )
        )
    return Dockerfile(
        path=path,
        stages=tuple(built),
        global_args=tuple(global_args),
        directives=directives,
        lines=lines,
        build_args=dict(build_args or {}),
    )


def _global_arg(
    instruction: Instruction, before: Mapping[str, str], build_args: Mapping[str, str]
) -> dict[str, str]:
    """The values one ``ARG`` before the first ``FROM`` sets: a build arg given for the name
    wins; else the default, its quotes removed and the ARGs declared above it substituted
    (``ARG IMAGE=nvidia/cuda:${CUDA}-runtime``), as buildkit does."""
    out: dict[str, str] = {}
    for word in instruction.args:
        name, equals, default = word.partition("=")
        if name in build_args:
            out[name] = build_args[name]
        elif equals:
            out[name] = expand(_unquote(default), {**before, **out})
        else:
            out[name] = ""
    return out


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1]
    return value


def _ignores(lines: tuple[str, ...], line: int) -> frozenset[str]:
    """Codes named by ``# jettison: ignore=...`` in the comment block right above ``line``."""
    codes: set[str] = set()
    index = line - 2  # the line before, 0-based
    while index >= 0 and lines[index].lstrip().startswith("#"):
        match = _IGNORE.match(lines[index])
        if match:
            codes.update(c.strip().upper() for c in match.group(1).split(",") if c.strip())
        index -= 1
    return frozenset("ALL" if c == "ALL" else c for c in codes)
