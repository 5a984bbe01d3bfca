"""Registry credentials where ``docker login`` and ``skopeo login`` keep them, and the
``WWW-Authenticate`` challenges that say how to use them.

Files, first match wins (containers/image's order, then Docker's):

1. ``$REGISTRY_AUTH_FILE``;
2. ``$XDG_RUNTIME_DIR/containers/auth.json`` (where podman and skopeo log in);
3. ``$XDG_CONFIG_HOME/containers/auth.json`` (``~/.config/containers/auth.json``);
4. ``$DOCKER_CONFIG/config.json`` (``~/.docker/config.json``).

In each: ``credHelpers[HOST]`` names a credential helper, ``auths`` holds ``base64(user:
password)`` under a key that is the host, a URL of it (``https://HOST/v1/``, as Docker writes
them) or, in containers' files, ``HOST/NAMESPACE[/REPO]`` (the longest that matches wins);
``credsStore`` names the helper for every host. A helper is the program
``docker-credential-NAME``: ``get`` with the server on stdin answers
``{"Username": ..., "Secret": ...}``; the user ``<token>`` means the secret is an identity
(refresh) token for the bearer flow.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jettison.errors import RegistryError
from jettison.imageref import DOCKER_HUB

AUTH_FILE_ENV = "REGISTRY_AUTH_FILE"
DOCKER_CONFIG_ENV = "DOCKER_CONFIG"
DOCKER_HUB_KEY = "https://index.docker.io/v1/"
"""The key Docker files Docker Hub's credentials under (and what its helpers expect)."""
IDENTITY_TOKEN_USER = "<token>"
HELPER_TIMEOUT_S = 30


@dataclass(frozen=True)
class Credentials:
    username: str
    secret: str
    source: str
    """Where they were found (a file, or a helper), for messages."""
    identity_token: bool = False
    """``secret`` is an OAuth2 refresh token to trade at the token endpoint."""


@dataclass(frozen=True)
class Lookup:
    """The outcome of looking for a host's credentials: found, or why not (for the 401 hint)."""

    credentials: Credentials | None
    searched: tuple[str, ...]
    problem: str | None = None
    """A helper that is named but missing or failing, a file that is unreadable."""


def auth_files() -> list[Path]:
    """The files searched, in order (only those that exist matter)."""
    home = Path.home()
    files: list[Path] = []
    if os.environ.get(AUTH_FILE_ENV):
        files.append(Path(os.environ[AUTH_FILE_ENV]))
    if os.environ.get("XDG_RUNTIME_DIR"):
        files.append(Path(os.environ["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    files.append(config_home / "containers" / "auth.json")
    docker_config = Path(os.environ.get(DOCKER_CONFIG_ENV) or home / ".docker")
    files.append(docker_config / "config.json")
    return files


def _key_host_path(key: str) -> str:
    """An ``auths`` key as ``host[/path]``: no scheme, no ``/v1/``/``/v2/`` suffix."""
    key = re.sub(r"^[a-z]+://", "", key.strip()).rstrip("/")
    key = re.sub(r"/v[12]$", "", key)
    first, sep, rest = key.partition("/")
    if first in ("index.docker.io", "registry-1.docker.io"):
        first = DOCKER_HUB
    return f"{first}{sep}{rest}"


def _matching_auth(auths: Mapping[str, Any], host: str, repository: str) -> Any:
    """The ``auths`` entry for ``host``/``repository``: the longest key that is the host or
    a path prefix of ``host/repository``."""
    wanted = f"{host}/{repository}"
    best: tuple[int, Any] | None = None
    for key, entry in auths.items():
        scope = _key_host_path(str(key))
        matches = scope == host or wanted == scope or wanted.startswith(scope + "/")
        if matches and (best is None or len(scope) > best[0]):
            best = (len(scope), entry)
    return None if best is None else best[1]


def _decode(entry: Any, source: str) -> Credentials | None:
    if not isinstance(entry, dict):
        return None
    token = entry.get("identitytoken")
    encoded = entry.get("auth")
    if isinstance(encoded, str) and encoded:
        try:
            user, sep, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise RegistryError(
                f"{source}: a credential's 'auth' is not base64 of user:password ({exc})",
                hint="log in again (`docker login` or `skopeo login`)",
            ) from exc
        if sep:
            if isinstance(token, str) and token:
                return Credentials(user, token, source, identity_token=True)
            return Credentials(user, secret, source)
    if isinstance(token, str) and token:
        return Credentials(IDENTITY_TOKEN_USER, token, source, identity_token=True)
    return None


def _helper(name: str, host: str) -> tuple[Credentials | None, str | None]:
    """Ask ``docker-credential-NAME`` for ``host``'s credentials: (found, problem)."""
    program = f"docker-credential-{name}"
    if shutil.which(program) is None:
        return None, f"the credential helper {program} is not installed"
    server = DOCKER_HUB_KEY if host == DOCKER_HUB else host
    try:
        done = subprocess.run(
            [program, "get"],
            input=server,
            capture_output=True,
            text=True,
            timeout=HELPER_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"the credential helper {program} failed ({exc})"
    if done.returncode != 0:
        said = (done.stdout + done.stderr).strip().splitlines()
        if said and "not found" in said[-1].lower():
            return None, None  # it has nothing for this host: not a problem
        return (
            None,
            f"the credential helper {program} failed: {said[-1] if said else done.returncode}",
        )
    try:
        answer = json.loads(done.stdout)
        user, secret = str(answer["Username"]), str(answer["Secret"])
    except (json.JSONDecodeError, KeyError, TypeError) as exc:
        return None, f"the credential helper {program} answered something else than JSON ({exc})"
    source = f"credential helper {program}"
    return Credentials(user, secret, source, identity_token=user == IDENTITY_TOKEN_USER), None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegistryError(
            f"cannot read the registry credentials file {path} ({exc})",
            hint=f"fix or remove it, or point {AUTH_FILE_ENV} at another one",
        ) from exc
    return doc if isinstance(doc, dict) else None


def _in_file(doc: Mapping[str, Any], path: Path, host: str, repository: str) -> Iterator[Lookup]:
    """What one file says for ``host``: per-host helper, then ``auths``, then ``credsStore``."""
    helpers = doc.get("credHelpers")
    if isinstance(helpers, dict):
        named = helpers.get(host) or (helpers.get(DOCKER_HUB_KEY) if host == DOCKER_HUB else None)
        if isinstance(named, str) and named:
            found, problem = _helper(named, host)
            yield Lookup(found, (str(path),), problem)
    auths = doc.get("auths")
    if isinstance(auths, dict):
        found = _decode(_matching_auth(auths, host, repository), str(path))
        if found is not None:
            yield Lookup(found, (str(path),))
    store = doc.get("credsStore")
    if isinstance(store, str) and store:
        found, problem = _helper(store, host)
        yield Lookup(found, (str(path),), problem)


def find_credentials(host: str, repository: str) -> Lookup:
    """The credentials for ``host`` (and ``repository``, for containers' per-repository
    entries), or what was searched and what went wrong."""
    searched: list[str] = []
    problem: str | None = None
    for path in auth_files():
        doc = _read(path)
        if doc is None:
            continue
        searched.append(str(path))
        for lookup in _in_file(doc, path, host, repository):
            if lookup.credentials is not None:
                return Lookup(lookup.credentials, tuple(searched))
            problem = problem or lookup.problem
    return Lookup(None, tuple(searched), problem)


# --------------------------------------------------------------------------- challenges

_PARAM = re.compile(r'\s*([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?')


@dataclass(frozen=True)
class Challenge:
    """One ``WWW-Authenticate`` challenge: ``Basic realm=...`` or ``Bearer realm=...,
    service=...,scope=...``."""

    scheme: str
    """Lower case: ``basic`` or ``bearer``."""
    params: Mapping[str, str]


def parse_challenge(header: str | None) -> Challenge | None:
    """The challenge of a 401's ``WWW-Authenticate`` header (None when there is none)."""
    if not header or not header.strip():
        return None
    scheme, _, rest = header.strip().partition(" ")
    params: dict[str, str] = {}
    pos = 0
    while pos < len(rest):
        match = _PARAM.match(rest, pos)
        if match is None or match.end() == pos:
            break
        quoted, bare = match.group(2), match.group(3)
        value = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare or ""
        params[match.group(1).lower()] = value
        pos = match.end()
    return Challenge(scheme.lower(), params)
