"""The build arguments a compose or bake file next to a Dockerfile passes to it.

``docker compose build`` and ``docker buildx bake`` are how many projects build their
images; the ``args`` they pass decide bases (``FROM $base_image``), branches (``git clone
--branch $version``) and users as much as the Dockerfile's own ``ARG`` defaults. Linting
the default build means reading them, as written: ``${VAR:-default}`` and bake
``variable`` defaults are substituted, the environment is not read.

Files looked at: ``compose.y(a)ml``, ``docker-compose*.y(a)ml`` and ``docker-bake.hcl`` in
the Dockerfile's directory and up to two levels above it. A service or target counts when
its context and dockerfile name this Dockerfile; when several do, the first (bake's
``default`` target first) gives the arguments. The HCL reader understands what bake files
use for this: ``variable "X" { default = "..." }`` and ``target "t" { context, dockerfile,
args = { k = "v" } }``, string values only.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

LEVELS_UP = 2
_COMPOSE = ("compose.yaml", "compose.yml", "docker-compose*.yaml", "docker-compose*.yml")
_BAKE = ("docker-bake.hcl", "docker-bake.override.hcl")
_COMPOSE_VAR = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}|\$(\w+)")
_BLOCK = re.compile(r'^\s*(variable|target)\s+"([^"]+)"\s*\{', re.MULTILINE)
_STRING = re.compile(r'^\s*(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$', re.MULTILINE)
_ARGS = re.compile(r"^\s*args\s*=\s*\{", re.MULTILINE)
_ARG = re.compile(r'^\s*"?([\w.-]+)"?\s*=\s*"((?:[^"\\]|\\.)*)"', re.MULTILINE)


def build_args_for(dockerfile: Path) -> dict[str, str]:
    """The build args the compose or bake file around ``dockerfile`` passes it (empty when
    none builds it)."""
    target = _resolved(dockerfile)
    directory = dockerfile.parent
    for _ in range(LEVELS_UP + 1):
        for pattern in _BAKE:
            for path in sorted(directory.glob(pattern)):
                found = _bake_args(path, target)
                if found is not None:
                    return found
        for pattern in _COMPOSE:
            for path in sorted(directory.glob(pattern)):
                found = _compose_args(path, target)
                if found is not None:
                    return found
        if directory.parent == directory:
            break
        directory = directory.parent
    return {}


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except OSError:
        return path.absolute()


def _compose_args(path: Path, target: Path) -> dict[str, str] | None:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, yaml.YAMLError):
        return None
    services = document.get("services") if isinstance(document, dict) else None
    if not isinstance(services, dict):
        return None
    for spec in services.values():
        build = spec.get("build") if isinstance(spec, dict) else None
        if isinstance(build, str):
            build = {"context": build}
        if not isinstance(build, dict):
            continue
        context = path.parent / _compose_value(str(build.get("context", ".")))
        dockerfile = context / _compose_value(str(build.get("dockerfile", "Dockerfile")))
        if _resolved(dockerfile) == target:
            return _compose_arg_map(build.get("args"))
    return None


def _compose_value(text: str) -> str:
    """``${VAR:-default}`` as compose substitutes it with an empty environment."""
    return _COMPOSE_VAR.sub(lambda m: m.group(2) or "", text)


def _compose_arg_map(args: object) -> dict[str, str]:
    out: dict[str, str] = {}
    if isinstance(args, dict):
        out = {str(k): _compose_value(str(v)) for k, v in args.items() if v is not None}
    elif isinstance(args, list):
        for item in args:
            key, sep, value = str(item).partition("=")
            if sep:
                out[key.strip()] = _compose_value(value.strip())
    return out


def _bake_args(path: Path, target: Path) -> dict[str, str] | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    blocks = _blocks(text)
    variables = {
        name: fields.get("default", "") for kind, name, fields, _ in blocks if kind == "variable"
    }
    targets = [(name, fields, body) for kind, name, fields, body in blocks if kind == "target"]
    targets.sort(key=lambda t: t[0] != "default")
    for _, fields, body in targets:
        context = path.parent / _bake_value(fields.get("context", "."), variables)
        dockerfile = context / _bake_value(fields.get("dockerfile", "Dockerfile"), variables)
        if _resolved(dockerfile) != target:
            continue
        match = _ARGS.search(body)
        if match is None:
            return {}
        inner = body[match.end() : _closing(body, match.end()) - 1]
        return {k: _bake_value(v, variables) for k, v in _ARG.findall(inner)}
    return None


def _closing(text: str, start: int) -> int:
    """The index just past the ``}`` closing the block opened before ``start`` (braces in
    quoted strings, like ``"${VAR}"``, do not count)."""
    depth, index, quoted = 1, start, False
    while index < len(text) and depth:
        char = text[index]
        if char == "\\" and quoted:
            index += 1
        elif char == '"':
            quoted = not quoted
        elif not quoted:
            depth += {"{": 1, "}": -1}.get(char, 0)
        index += 1
    return index


def _blocks(text: str) -> list[tuple[str, str, dict[str, str], str]]:
    """(kind, name, top-level string fields, body) of each ``variable``/``target`` block."""
    out = []
    for match in _BLOCK.finditer(text):
        body = text[match.end() : _closing(text, match.end()) - 1]
        nested = _ARGS.search(body)
        flat = body[: nested.start()] + body[_closing(body, nested.end()) :] if nested else body
        fields = dict(_STRING.findall(flat))
        out.append((match.group(1), match.group(2), fields, body))
    return out


def _bake_value(text: str, variables: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}", lambda m: variables.get(m.group(1), ""), text)
