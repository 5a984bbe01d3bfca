"""What a RUN leaves behind: the paths an ``rm`` removes, and the ``cache``/``tmpfs`` mounts
whose contents never reach the layer. So a rule (or fix) can ask "does this RUN leave X?".

Everything is static: ``~`` and the variables the Dockerfile sets are expanded, relative
paths resolve against the working directory in effect, nothing else is guessed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from jettison.dockerfile.commands.options import positionals
from jettison.dockerfile.model import Instruction
from jettison.dockerfile.paths import absolute, covers
from jettison.dockerfile.shell import Command
from jettison.dockerfile.steps import expand


def removed_paths(command: Command, cwd: str, env: Mapping[str, str] | None = None) -> list[str]:
    """What an ``rm`` removes, absolute; ``dir/*`` counts as ``dir`` (emptied); ``~`` and
    variables the Dockerfile sets are expanded."""
    if command.name != "rm":
        return []
    values = {"HOME": "/root", **(env or {})}  # root's home unless the Dockerfile says
    out = []
    for word in positionals(command):
        path = expand(word, values)
        if path == "~" or path.startswith("~/"):
            path = values["HOME"] + path[1:]
        while path.endswith(("/*", "/.*")) or (path.endswith("/") and len(path) > 1):
            path = path.rsplit("/", 1)[0] or "/"
        out.append(absolute(path, cwd))
    return out


def removes(
    commands: Iterable[Command], target: str, cwd: str, env: Mapping[str, str] | None = None
) -> bool:
    """An ``rm`` among ``commands`` removes ``target`` (or a directory holding it)."""
    for command in commands:
        for path in removed_paths(command, cwd, env):
            if covers(path, target) or (has_glob(path) and fnmatch.fnmatchcase(target, path)):
                return True
    return False


_SCRATCH = re.compile(r"^(?:/root/\.cache|/tmp|/var/cache)(?:/|$)")


def is_cache_path(path: str) -> bool:
    """``path`` (absolute, as :func:`removed_paths` gives it) holds caches or scratch files:
    root's ``~/.cache``, ``/tmp``, ``/var/cache``, or anything that names a cache
    (``/opt/hf-cache``, ``$(poetry config cache-dir)``)."""
    return _SCRATCH.match(path) is not None or "cache" in path.lower()


def has_glob(path: str) -> bool:
    return any(c in path for c in "*?[")


@dataclass(frozen=True, slots=True)
class Mount:
    """One ``RUN --mount=...`` spec."""

    type: str
    """``bind`` (BuildKit's default), ``cache``, ``tmpfs``, ``secret``, ``ssh``."""
    target: str | None
    source: str | None = None
    """``source``/``src``: a path in the build context (or in ``from``)."""
    from_: str | None = None
    """``from``: a stage or image the source is read from, None for the build context."""


def mounts(instruction: Instruction) -> list[Mount]:
    """The ``RUN --mount=...`` specs (type defaults to ``bind`` as in BuildKit)."""
    out = []
    for spec in instruction.flag_values("mount"):
        options: dict[str, str] = {}
        for part in spec.split(","):
            key, _, value = part.partition("=")
            options[key.strip().lower()] = value.strip()
        target = options.get("target") or options.get("dst") or options.get("destination")
        source = options.get("source") or options.get("src")
        out.append(
            Mount(
                options.get("type", "bind") or "bind",
                target or None,
                source or None,
                options.get("from"),
            )
        )
    return out


def volatile_targets(
    instruction: Instruction, cwd: str = "/", env: Mapping[str, str] | None = None
) -> list[str]:
    """Targets of ``cache`` and ``tmpfs`` mounts: what is written there stays out of the layer.
    Quotes are dropped and the variables ``env`` sets expanded (``target=${PIP_CACHE_DIR}``)."""
    return [
        absolute(expand(m.target.strip("\"'"), env or {}), cwd)
        for m in mounts(instruction)
        if m.type in ("cache", "tmpfs") and m.target
    ]


def mounted_over(
    instruction: Instruction, path: str, cwd: str = "/", env: Mapping[str, str] | None = None
) -> bool:
    """A cache or tmpfs mount holds ``path`` (the mount is the path or one of its parents)."""
    return any(covers(target, path) for target in volatile_targets(instruction, cwd, env))
