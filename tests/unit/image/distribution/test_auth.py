"""Where credentials are found, in the order Docker and containers' tools look."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from jettison.errors import RegistryError
from jettison.image.distribution.auth import find_credentials, parse_challenge


def encoded(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    for variable in ("REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def write(path: Path, doc: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc))
    return path


def helper(
    home: Path, monkeypatch: pytest.MonkeyPatch, name: str, answer: str, code: int = 0
) -> None:
    """A ``docker-credential-NAME`` on PATH that prints ``answer`` (and logs its stdin)."""
    bin_dir = home / "bin"
    bin_dir.mkdir(exist_ok=True)
    program = bin_dir / f"docker-credential-{name}"
    program.write_text(
        f"#!/bin/sh\ncat > {home}/{name}.asked\nprintf '%s' '{answer}'\nexit {code}\n"
    )
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")


def test_docker_config_with_url_keys(home: Path) -> None:
    auths = {
        "https://index.docker.io/v1/": {"auth": encoded("hub", "pw")},
        "http://reg.example:5000/v2/": {"auth": encoded("r", "x")},
    }
    write(home / ".docker/config.json", {"auths": auths})
    hub = find_credentials("docker.io", "library/python").credentials
    assert hub is not None and (hub.username, hub.secret) == ("hub", "pw")
    other = find_credentials("reg.example:5000", "app").credentials
    assert other is not None and other.username == "r"
    assert find_credentials("ghcr.io", "x/y").credentials is None


def test_registry_auth_file_comes_first(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(home / ".docker/config.json", {"auths": {"reg.io": {"auth": encoded("docker", "1")}}})
    first = write(home / "first.json", {"auths": {"reg.io": {"auth": encoded("first", "2")}}})
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(first))
    found = find_credentials("reg.io", "app")
    assert found.credentials is not None and found.credentials.username == "first"
    assert found.credentials.source == str(first)


def test_containers_keys_per_repository_longest_wins(home: Path) -> None:
    write(
        home / ".config/containers/auth.json",
        {
            "auths": {
                "reg.io": {"auth": encoded("host", "1")},
                "reg.io/team": {"auth": encoded("team", "2")},
                "reg.io/team/app": {"auth": encoded("app", "3")},
            }
        },
    )
    users = {
        repo: (found := find_credentials("reg.io", repo).credentials) and found.username
        for repo in ("team/app", "team/other", "elsewhere", "team/application")
    }
    assert users == {"team/app": "app", "team/other": "team", "elsewhere": "host",
                     "team/application": "team"}  # fmt: skip


def test_credential_helpers(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper(home, monkeypatch, "fake", '{"ServerURL": "reg.io", "Username": "u", "Secret": "s"}')
    write(home / ".docker/config.json", {"credHelpers": {"reg.io": "fake"}, "auths": {}})
    found = find_credentials("reg.io", "app").credentials
    assert found is not None and (found.username, found.secret) == ("u", "s")
    assert found.source == "credential helper docker-credential-fake"
    assert (home / "fake.asked").read_text() == "reg.io"


def test_creds_store_and_docker_hub_server_url(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    helper(home, monkeypatch, "store", '{"Username": "<token>", "Secret": "refresh"}')
    auths = {"https://index.docker.io/v1/": {}}
    write(home / ".docker/config.json", {"credsStore": "store", "auths": auths})
    found = find_credentials("docker.io", "library/python").credentials
    assert found is not None and found.identity_token
    assert (home / "store.asked").read_text() == "https://index.docker.io/v1/"


def test_a_missing_helper_is_a_problem_not_an_error(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(home / "empty"))
    write(home / ".docker/config.json", {"credsStore": "nowhere"})
    found = find_credentials("reg.io", "app")
    assert found.credentials is None
    assert found.problem == "the credential helper docker-credential-nowhere is not installed"


def test_a_helper_without_credentials_for_the_host(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    helper(home, monkeypatch, "empty", "credentials not found in native keychain", code=1)
    write(home / ".docker/config.json", {"credsStore": "empty"})
    found = find_credentials("reg.io", "app")
    assert found.credentials is None and found.problem is None


def test_a_damaged_file(home: Path) -> None:
    path = home / ".docker/config.json"
    path.parent.mkdir()
    path.write_text("{not json")
    with pytest.raises(RegistryError, match="cannot read the registry credentials file"):
        find_credentials("reg.io", "app")


@pytest.mark.parametrize(
    ("header", "scheme", "params"),
    [
        ('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
         'scope="repository:library/python:pull"', "bearer",
         {"realm": "https://auth.docker.io/token", "service": "registry.docker.io",
          "scope": "repository:library/python:pull"}),
        ('Basic realm="Registry Realm"', "basic", {"realm": "Registry Realm"}),
        ('Bearer realm="a,b", error="insufficient_scope"', "bearer",
         {"realm": "a,b", "error": "insufficient_scope"}),
    ],
)  # fmt: skip
def test_challenges(header: str, scheme: str, params: dict[str, str]) -> None:
    challenge = parse_challenge(header)
    assert challenge is not None
    assert (challenge.scheme, dict(challenge.params)) == (scheme, params)
    assert parse_challenge("") is None
