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

import functools
import posixpath
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from jettison.errors import DockerfileError
from jettison.hostpaths import is_file

_ONE, _STAR, _DSTAR, _ALL = "<?>", "<*>", "<**/>", "<**>"
"""Tokens of a pattern besides literal characters and classes: one character but ``/``, a
run of them, any number of whole directories (``(.*/)?``), and everything (a trailing
``**``). Longer than one character, so no literal is taken for one."""
Token = str | re.Pattern[str]
"""A literal character (a one-character str), one of the four above, or a class (a compiled
single-character regex)."""


@dataclass(frozen=True, slots=True)
class Pattern:
    text: str
    """The cleaned pattern, without ``!``."""
    exclusion: bool
    """A ``!`` pattern: what it matches is sent after all."""
    tokens: tuple[Token, ...] | None
    """None when the pattern cannot be compiled (docker reports an error; we match nothing)."""

    def match(self, path: str) -> bool:
        return self.tokens is not None and _matches(self.tokens, path)


def clean(pattern: str) -> str:
    """Go's ``filepath.Clean`` on a slash path, with a leading ``/`` dropped as docker does."""
    cleaned = posixpath.normpath(pattern) if pattern else "."
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if len(cleaned) > 1 and cleaned.startswith("/"):
        cleaned = cleaned[1:]
    return cleaned


def compile_pattern(text: str) -> tuple[Token, ...] | None:
    """The tokens of a pattern, matched by :func:`_matches` in time linear in the path's
    length times the pattern's (docker translates to Go's RE2, which never backtracks; a
    Python regex of the same text took exponential time on ``****...x``)."""
    out: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "*":
            token = _STAR
            if text[i + 1 : i + 2] == "*":
                i += 1
                if text[i + 1 : i + 2] == "/":
                    i += 1  # "**/" is "**"
                token = _ALL if i + 1 >= len(text) else _DSTAR
            if not out or out[-1] != token:  # "****" is "**"
                out.append(token)
        elif ch == "?":
            out.append(_ONE)
        elif ch == "\\":
            i += 1
            out.append(text[i] if i < len(text) else "\\")
        elif ch == "[":
            end = _class_end(text, i)
            if end < 0:
                return None  # no closing "]": docker reports a bad pattern
            try:
                with warnings.catch_warnings():
                    # "[[", "--", "&&"... in a class: literal for Go, a FutureWarning for
                    # Python (meaning to change); the user's pattern is not ours to warn about.
                    warnings.simplefilter("ignore", FutureWarning)
                    out.append(re.compile(text[i : end + 1], re.DOTALL))
            except re.error:
                return None
            i = end
        else:
            out.append(ch)
        i += 1
    return tuple(out)


def _class_end(text: str, start: int) -> int:
    """Index of the ``]`` closing the class opened at ``start``, or -1."""
    i = start + 1
    if text[i : i + 1] == "^":
        i += 1
    if text[i : i + 1] == "]":
        i += 1  # a "]" first in the class is literal
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == "]":
            return i
        i += 1
    return -1


def _matches(tokens: tuple[Token, ...], path: str) -> bool:
    """Whether ``tokens`` match the whole of ``path``: the set of positions in the pattern
    the text read so far can have reached, advanced one character at a time. A state is a
    token index, or its negative minus one for "inside a ``**/`` that has read something"."""
    end = len(tokens)
    states = _closure({0}, tokens)
    for ch in path:
        after: set[int] = set()
        for state in states:
            if state < 0:  # inside "**/": anything; a "/" may end it
                after.add(state)
                if ch == "/":
                    after.add(-state)
                continue
            if state == end:
                continue
            token = tokens[state]
            if token in (_STAR, _ONE):
                if ch != "/":
                    after.add(state if token == _STAR else state + 1)
            elif token == _ALL:
                after.add(state)
            elif token == _DSTAR:
                after.add(-state - 1)
                if ch == "/":
                    after.add(state + 1)
            elif isinstance(token, str):
                if token == ch:
                    after.add(state + 1)
            elif token.fullmatch(ch):
                after.add(state + 1)
        if not after:
            return False
        states = _closure(after, tokens)
    return end in states


def _closure(states: set[int], tokens: tuple[Token, ...]) -> set[int]:
    """``states`` with every state reachable without reading: past a ``*``, ``**`` or
    ``**/`` (each may match nothing)."""
    out = set(states)
    pending = [s for s in states if s >= 0]
    while pending:
        state = pending.pop()
        skippable = state < len(tokens) and tokens[state] in (_STAR, _ALL, _DSTAR)
        if skippable and state + 1 not in out:
            out.add(state + 1)
            pending.append(state + 1)
    return out


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


@functools.lru_cache(maxsize=64)
def _parsed(patterns: tuple[str, ...]) -> tuple[Pattern, ...]:
    """:func:`parse`, once per list of patterns: lint's rules each ask about the same
    ``.dockerignore`` (compiling it per question was a seventh of lint's time)."""
    return tuple(parse(patterns))


class DockerIgnore:
    """Answers "is this context path left out of the build?"."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = _parsed(tuple(patterns))

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
    return next((p for p in candidates if is_file(p)), None)


def read_dockerignore(path: Path) -> tuple[str, ...]:
    """The patterns of a ``.dockerignore`` (comments and blank lines dropped)."""
    try:
        text = path.read_bytes().decode("utf-8-sig", "replace")
    except OSError as exc:
        raise DockerfileError(f"{path}: cannot read ({exc.strerror})") from exc
    patterns = (line.strip() for line in text.splitlines())
    return tuple(p for p in patterns if p and not p.startswith("#"))
