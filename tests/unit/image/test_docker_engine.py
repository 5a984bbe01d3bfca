"""The Docker Engine is found where the docker CLI finds it: DOCKER_HOST, then contexts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from jettison.errors import EngineError
from jettison.image.docker_engine import DEFAULT_HOST, EngineClient, endpoint


@pytest.fixture
def docker_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for variable in ("DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DOCKER_CONFIG", str(tmp_path / "docker"))
    (tmp_path / "docker").mkdir()
    return tmp_path / "docker"


def context(config: Path, name: str, host: str, *, tls: bool = False) -> None:
    key = hashlib.sha256(name.encode()).hexdigest()
    meta = config / "contexts" / "meta" / key
    meta.mkdir(parents=True)
    doc = {"Name": name, "Endpoints": {"docker": {"Host": host, "SkipTLSVerify": False}}}
    (meta / "meta.json").write_text(json.dumps(doc))
    if tls:
        (config / "contexts" / "tls" / key / "docker").mkdir(parents=True)


def test_default(docker_config: Path) -> None:
    assert endpoint().host == DEFAULT_HOST
    assert endpoint().source == "default"


def test_docker_host_wins(docker_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context(docker_config, "remote", "tcp://10.0.0.5:2376")
    monkeypatch.setenv("DOCKER_CONTEXT", "remote")
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/other.sock")
    assert (endpoint().host, endpoint().source) == ("unix:///run/other.sock", "DOCKER_HOST")


def test_tls_from_the_environment(docker_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.5:2376")
    monkeypatch.setenv("DOCKER_TLS_VERIFY", "1")
    monkeypatch.setenv("DOCKER_CERT_PATH", "/certs")
    assert endpoint().tls_dir == Path("/certs")


def test_contexts(docker_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    context(docker_config, "remote", "tcp://10.0.0.5:2376", tls=True)
    context(docker_config, "other", "unix:///run/other.sock")
    (docker_config / "config.json").write_text(json.dumps({"currentContext": "remote"}))
    found = endpoint()
    assert (found.host, found.source) == ("tcp://10.0.0.5:2376", "context remote")
    assert found.tls_dir is not None and found.tls_dir.name == "docker"
    monkeypatch.setenv("DOCKER_CONTEXT", "other")
    assert endpoint().host == "unix:///run/other.sock"
    monkeypatch.setenv("DOCKER_CONTEXT", "default")
    assert endpoint().host == DEFAULT_HOST


def test_a_missing_context(docker_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_CONTEXT", "gone")
    with pytest.raises(EngineError, match="the docker context 'gone' does not exist"):
        endpoint()


def test_ssh_is_said_not_tried(docker_config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "ssh://me@build-box")
    with pytest.raises(EngineError, match=r"reached over ssh://, which jettison does not speak"):
        EngineClient().get("/version")
