"""``.dockerignore`` files: which one applies to a build, and matching as BuildKit does it
(moby's ``patternmatcher``).

Each pattern is cleaned like Go's ``filepath.Clean`` (a leading ``/`` dropped) and matched
against a slash-separated path relative to the context root:

- ``*`` is any run of characters but ``/``; ``?`` one character but ``/``; ``[...]`` a
  character class; ``\\`` escapes the next character;
- ``**`` is any number of directories, none included (``**/x`` matches ``x`` and ``a/b/x``;
  a trailing ``**`` matches everything below);
- a pattern matching a parent directory matches everything in it (``.git`` excludes
  ``.git/HEAD``);
- ``!pattern`` re-includes; the last pattern that matches decides.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jettison.errors import DockerfileError

_ESCAPED = frozenset(".+()|{}$")
"""Regex characters docker escapes; everything else is copied into the regex as written."""


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str
    """The cleaned pattern, without ``!``."""
    exclusion: bool
    """A ``!`` pattern: what it matches is sent after all."""
    regex: re.Pattern[str] | None
    """None when the pattern cannot be compiled (docker reports an error; we match nothing)."""

    def match(self, path: str) -> bool:
        return self.regex is not None and self.regex.match(path) is not None


def clean(pattern: str) -> str:
    """Go's ``filepath.Clean`` on a slash path, with a leading ``/`` dropped as docker does."""
    cleaned = posixpath.normpath(pattern) if pattern else "."
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if len(cleaned) > 1 and cleaned.startswith("/"):
        cleaned = cleaned[1:]
    return cleaned


def compile_pattern(text: str) -> re.Pattern[str] | None:
    out = ["^"]
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "*":
            if text[i + 1 : i + 2] == "*":
                i += 1
                if text[i + 1 : i + 2] == "/":
                    i += 1  # "**/" is "**"
                if i + 1 >= len(text):
                    out.append(".*")  # a trailing "**" matches everything
                else:
                    out.append("(.*/)?")
            else:
                out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\":
            if i + 1 < len(text):
                i += 1
                out.append(re.escape(text[i]))
            else:
                out.append(r"\\")
        elif ch in "[]":
            out.append(ch)
        elif ch in _ESCAPED:
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    out.append("$")
    try:
        return re.compile("".join(out), re.DOTALL)
    except re.error:
        return None


def parse(patterns: Iterable[str]) -> list[Pattern]:
    out = []
    for raw in patterns:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exclusion = line.startswith("!")
        if exclusion:
            line = line[1:].strip()
            if not line:
                continue
        text = clean(line)
        out.append(Pattern(text, exclusion, compile_pattern(text)))
    return out


class DockerIgnore:
    """Answers "is this context path left out of the build?"."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = parse(patterns)

    def excludes(self, path: str) -> bool:
        """``path`` (relative, slash-separated) is not sent to the builder."""
        path = clean(path)
        parent = posixpath.dirname(path)
        parents = parent.split("/") if parent else []
        matched = False
        for pattern in self.patterns:
            if pattern.exclusion != matched:
                continue  # only a pattern that could change the answer is evaluated
            found = pattern.match(path)
            if not found:
                found = any(pattern.match("/".join(parents[: i + 1])) for i in range(len(parents)))
            if found:
                matched = not pattern.exclusion
        return matched


def dockerignore_path(dockerfile_path: Path | None, context_dir: Path) -> Path | None:
    """``<Dockerfile name>.dockerignore`` next to the Dockerfile (BuildKit prefers it), else
    the context's ``.dockerignore``; None when neither exists."""
    candidates = []
    if dockerfile_path is not None:
        candidates.append(dockerfile_path.with_name(dockerfile_path.name + ".dockerignore"))
    candidates.append(context_dir / ".dockerignore")
    return next((p for p in candidates if p.is_file()), None)


def read_dockerignore(path: Path) -> tuple[str, ...]:
    """The patterns of a ``.dockerignore`` (comments and blank lines dropped)."""
    try:
        text = path.read_bytes().decode("utf-8-sig", "replace")
    except OSError as exc:
        raise DockerfileError(f"{path}: cannot read ({exc.strerror})") from exc
    patterns = (line.strip() for line in text.splitlines())
    return tuple(p for p in patterns if p and not p.startswith("#"))
