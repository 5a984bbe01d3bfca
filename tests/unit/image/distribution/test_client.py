"""The registry client: auth flows, retries, redirects and what each failure says."""

from __future__ import annotations

import base64
import json
import socket
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from jettison.errors import RegistryError
from jettison.image.distribution import client as client_module
from jettison.image.distribution.client import is_loopback
from jettison.image.distribution.transport import RetryPolicy
from jettison.image.sources import open_image
from support.fake_registry import FakeRegistry, serve
from support.imagewriter import ImageSpec, LayerSpec, oci_layout_files, sized

SPEC = ImageSpec([LayerSpec([sized("data.bin", 5000)], "gzip")])


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    waits: list[float] = []
    monkeypatch.setattr(client_module, "sleep", waits.append)
    return waits


@pytest.fixture
def auth_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """An empty home: no credentials unless a test writes this auth file."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for variable in ("XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "DOCKER_CONFIG"):
        monkeypatch.delenv(variable, raising=False)
    path = tmp_path / "auth.json"
    monkeypatch.setenv("REGISTRY_AUTH_FILE", str(path))
    return path


def login(path: Path, host: str, user: str = "ann", password: str = "s3cret") -> None:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    path.write_text(json.dumps({"auths": {host: {"auth": token}}}))


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeRegistry, str]]:
    registry = FakeRegistry(oci_layout_files(SPEC, ref_name="1"))
    with serve(monkeypatch, registry) as host:
        yield registry, host


def read(host: str) -> None:
    with open_image(f"registry://{host}/fx:1") as image:
        for layer in image.layers:
            with layer.open_blob() as blob:
                blob.read()


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_credentials_from_the_auth_file(
    scheme: str, fake: tuple[FakeRegistry, str], auth_file: Path
) -> None:
    registry, host = fake
    registry.auth = scheme
    login(auth_file, host)
    read(host)
    sent = [e.headers.get("Authorization", "") for e in registry.log if e.path.startswith("/v2/fx")]
    assert sent and all(value.startswith(scheme.capitalize() + " ") for value in sent)
    if scheme == "bearer":
        assert registry.token_scope_seen == ["scope=repository%3Afx%3Apull&service=fake"]


@pytest.mark.parametrize("scheme", ["basic", "bearer"])
def test_401_without_credentials_says_how_to_log_in(
    scheme: str, fake: tuple[FakeRegistry, str], auth_file: Path
) -> None:
    registry, host = fake
    registry.auth = scheme
    with pytest.raises(RegistryError) as info:
        read(host)
    assert str(info.value).startswith(
        f"{host}/fx: the registry asks for credentials (401 Unauthorized) and none are stored"
    )
    assert info.value.hint is not None
    assert info.value.hint.startswith(f"log in with `docker login {host}` or `skopeo login {host}`")


def test_refused_credentials_say_where_they_came_from(
    fake: tuple[FakeRegistry, str], auth_file: Path
) -> None:
    registry, host = fake
    registry.auth = "bearer"
    login(auth_file, host, password="wrong")
    with pytest.raises(RegistryError, match=f"refused the credentials for {host} from {auth_file}"):
        read(host)


def test_an_expired_token_is_fetched_again(fake: tuple[FakeRegistry, str], auth_file: Path) -> None:
    registry, host = fake
    registry.auth = "bearer"
    login(auth_file, host)
    with open_image(f"registry://{host}/fx:1") as image:
        registry.user = "ann"  # same credentials, a new token value: the old one is refused
        registry._token = lambda: "renewed"  # type: ignore[method-assign]
        with image.layers[0].open_blob() as blob:
            assert blob.read()
    assert len(registry.token_scope_seen) == 2


def test_429_and_5xx_are_retried_with_backoff(
    fake: tuple[FakeRegistry, str], no_waiting: list[float]
) -> None:
    registry, host = fake
    registry.fail = {"/v2/fx/manifests/": [429, 503], "/v2/fx/blobs/": [500]}
    registry.retry_after = "3"
    read(host)
    assert no_waiting == [3.0, 3.0, 3.0]  # Retry-After honoured


def test_a_registry_failing_for_good(
    fake: tuple[FakeRegistry, str], no_waiting: list[float]
) -> None:
    registry, host = fake
    registry.fail = {"/v2/fx/manifests/": [503] * 10}
    with pytest.raises(RegistryError, match=r"manifest 1: the registry answered 503") as info:
        read(host)
    assert info.value.hint == "the registry is failing; try again later"
    assert no_waiting == [0.5, 1.0, 2.0, 4.0]  # RetryPolicy(): 5 tries


def test_policy_delays_are_capped() -> None:
    policy = RetryPolicy(attempts=9, first_delay_s=1, max_delay_s=5)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    assert policy.delay(1, "120") == 5


def test_redirected_blobs_do_not_carry_the_credentials(
    monkeypatch: pytest.MonkeyPatch, fake: tuple[FakeRegistry, str], auth_file: Path
) -> None:
    registry, host = fake
    registry.auth = "basic"
    login(auth_file, host)
    storage = FakeRegistry(registry.files)
    with serve(monkeypatch, storage) as storage_host:
        registry.redirect_blobs = f"http://localhost:{storage_host.split(':')[1]}"
        read(host)
    assert storage.log and all("Authorization" not in e.headers for e in storage.log)


def test_a_redirect_loop_is_one_line(fake: tuple[FakeRegistry, str]) -> None:
    registry, host = fake
    registry.redirect_loop = True
    with pytest.raises(RegistryError, match=r"blob sha256:\w+: a redirect loop \(") as info:
        read(host)
    assert info.value.hint == "the registry (or its storage redirect) is misconfigured"


def test_a_refused_connection() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(RegistryError, match=rf"^127.0.0.1:{port}: connection refused$") as info:
        open_image(f"registry://127.0.0.1:{port}/fx:1")
    assert info.value.hint == "is the registry running, and are the host and port right?"


def test_plain_http_only_on_loopback_or_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert is_loopback("127.0.0.1:5000") and is_loopback("localhost") and is_loopback("[::1]:5")
    assert not is_loopback("registry.example.com:5000")
    assert not is_loopback("10.0.0.1")


def test_a_host_that_is_no_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    registry = FakeRegistry(oci_layout_files(SPEC, ref_name="1"))
    registry.fail = {"/v2/": [404]}
    with (
        serve(monkeypatch, registry) as host,
        pytest.raises(RegistryError, match="does not serve the registry API"),
    ):
        open_image(f"registry://{host}/fx:1")


class _Answer:
    """What ``_follow`` reads of an answer: a status, headers, close()."""

    def __init__(self, status: int, location: str | None = None) -> None:
        self.status = status
        self.headers = {"Location": location} if location else {}

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("location", "kept"),
    [
        ("/v2/fx/blobs/b", True),
        ("https://reg.example:443/v2/fx/blobs/b", True),
        ("https://REG.example/v2/fx/blobs/b", True),
        ("http://reg.example/v2/fx/blobs/b", False),  # the same host, in clear
        ("https://reg.example:8443/v2/fx/blobs/b", False),
        ("https://storage.example/b?X-Amz-Signature=s", False),
    ],
)
def test_credentials_follow_a_redirect_only_to_the_same_origin(
    location: str, kept: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_module.RegistryClient("reg.example", "fx")
    sent: list[tuple[str, dict[str, str]]] = []

    def send(url: str, headers: dict[str, str], tls: bool) -> _Answer:
        sent.append((url, headers))
        return _Answer(307, location) if len(sent) == 1 else _Answer(200)

    monkeypatch.setattr(client, "_send", send)
    start = "https://reg.example/v2/fx/blobs/a"
    client._follow(
        start, {"Authorization": "Basic YW5uOnMzY3JldA==", "Range": "bytes=1-"}, "b", False
    )
    assert [url for url, _ in sent] == [start, urllib.parse.urljoin(start, location)]
    assert ("Authorization" in sent[1][1]) is kept
    assert sent[1][1]["Range"] == "bytes=1-"


@pytest.mark.parametrize(
    ("registry_scheme", "realm", "allowed"),
    [
        ("https", "https://reg.example/token", True),
        ("https", "https://auth.example/token", True),  # Docker Hub's auth.docker.io
        ("https", "http://reg.example/token", False),
        ("https", "http://auth.example/token", False),
        ("http", "http://reg.example:5001/token", True),  # a plain registry, its own host
        ("http", "https://auth.example/token", True),
        ("http", "http://auth.example/token", False),
        ("https", "/token", False),
        ("https", "ftp://reg.example/token", False),
    ],
)
def test_credentials_go_to_a_token_endpoint_only_over_https(
    registry_scheme: str,
    realm: str,
    allowed: bool,
    monkeypatch: pytest.MonkeyPatch,
    auth_file: Path,
) -> None:
    login(auth_file, "reg.example")
    client = client_module.RegistryClient("reg.example", "fx")
    client._scheme = registry_scheme
    sent: list[str] = []

    def follow(url: str, headers: dict[str, str], what: str, tls: bool) -> object:
        sent.append(url)
        raise client_module._Retryable("no network in this test")

    monkeypatch.setattr(client, "_follow", follow)
    challenge = client_module.Challenge("bearer", {"realm": realm, "service": "s"})
    with pytest.raises(RegistryError) as info:
        client._token(challenge)
    if allowed:
        assert len(sent) == 1 and sent[0].startswith(realm + "?")
        assert "no network in this test" in str(info.value)
    else:
        assert sent == []
        assert str(info.value).startswith("reg.example: the token endpoint ")
        assert "\n" not in str(info.value) and info.value.hint


def test_a_loopback_registry_may_name_a_plain_token_endpoint_on_loopback(
    fake: tuple[FakeRegistry, str], auth_file: Path
) -> None:
    registry, host = fake
    registry.auth = "bearer"
    login(auth_file, host)
    client = client_module.RegistryClient(host, "fx")
    client._scheme = "http"
    realm = f"http://localhost:{host.split(':')[1]}/token"
    assert client._token(client_module.Challenge("bearer", {"realm": realm}))
    client._scheme = "https"
    with pytest.raises(RegistryError, match="is plain HTTP"):
        client._token(client_module.Challenge("bearer", {"realm": realm}))


SIGNED = "https://ann:pw@storage.example/b?X-Amz-Signature=SECRET"


def _hides_secrets(message: str) -> None:
    assert "SECRET" not in message and "X-Amz" not in message and "pw@" not in message


def test_a_redirect_loop_through_signed_urls_shows_no_signature(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = client_module.RegistryClient("reg.example", "fx")
    monkeypatch.setattr(client, "_send", lambda url, headers, tls: _Answer(307, SIGNED))
    with pytest.raises(RegistryError, match="a redirect loop") as info:
        client._follow("https://reg.example/v2/fx/blobs/a", {}, "blob a", False)
    assert "storage.example/b" in str(info.value)
    _hides_secrets(str(info.value))


def test_an_answer_too_large_shows_no_signature() -> None:
    class Raw:
        status, headers = 200, {}

        def read(self, n: int) -> bytes:
            return b"x" * n

    response = client_module.Response(None, Raw(), SIGNED)  # type: ignore[arg-type]
    with pytest.raises(RegistryError, match=r"^storage\.example/b: the answer is larger") as info:
        response.read(5)
    _hides_secrets(str(info.value))


def test_a_refused_connection_shows_no_userinfo() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = client_module.RegistryClient(f"127.0.0.1:{port}", "fx")
    with pytest.raises(RegistryError, match=rf"^127.0.0.1:{port}: connection refused$"):
        client._send(f"http://ann:pw@127.0.0.1:{port}/v2/?X-Amz-Signature=SECRET", {}, False)


@pytest.mark.parametrize(
    "location",
    [
        "ftp://storage.example/b",
        "https://storage.example:port/b?X-Amz-Signature=SECRET",
    ],
)
def test_a_redirect_to_a_url_that_is_no_http_is_one_line(
    location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_module.RegistryClient("reg.example", "fx")
    monkeypatch.setattr(client, "_send", lambda url, headers, tls: _Answer(307, location))
    with pytest.raises(
        RegistryError,
        match=r"blob a: a redirect to storage\.example(:port)?/b, not an http\(s\) URL$",
    ) as info:
        client._follow("https://reg.example/v2/fx/blobs/a", {}, "blob a", False)
    assert info.value.hint == "the registry (or its storage redirect) is misconfigured"
    _hides_secrets(str(info.value))
