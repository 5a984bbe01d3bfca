"""The package index client and cache that lint's wheel sizes and the plan's dependency
metadata share (:mod:`jettison.pypi`), against a fake index on 127.0.0.1."""

from __future__ import annotations

import json
from email.message import Message
from pathlib import Path

import pytest

from jettison.pypi import Index, JsonCache, NotFound, Unavailable, exact_version
from support.http_server import Answer, local_server


@pytest.mark.parametrize(
    ("specifier", "version"),
    [
        ("==2.3.1", "2.3.1"),
        ("=== 2.3.1+cpu", "2.3.1+cpu"),
        ("==2.*", None),
        (">=2,<3", None),
        ("==2.3.1;python_version>'3'", None),
        ("", None),
        ("==", None),
    ],
)
def test_exact_version(specifier: str, version: str | None) -> None:
    assert exact_version(specifier) == version


def test_json_cache_keeps_tables_per_index_and_survives_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "cache.json"
    cache = JsonCache(path, "https://a.invalid/pypi", 1)
    cache.table("releases")["x==1"] = ["y"]
    cache.save()
    assert JsonCache(path, "https://a.invalid/pypi", 1).table("releases") == {"x==1": ["y"]}
    assert JsonCache(path, "https://b.invalid/pypi", 1).table("releases") == {}
    assert JsonCache(path, "https://a.invalid/pypi", 2).table("releases") == {}  # old format
    assert [p.name for p in path.parent.iterdir()] == ["cache.json"]  # no temporary left
    path.write_text("{not json")
    assert JsonCache(path, "https://a.invalid/pypi", 1).table("releases") == {}


def test_index_answers_json_and_tells_a_missing_document_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[str | None] = []

    def respond(path: str, headers: Message) -> Answer:
        asked.append(headers.get("User-Agent"))
        if path == "/pypi/demo/json":
            return 200, json.dumps({"info": {"name": "demo"}}).encode(), {}
        if path == "/pypi/list/json":
            return 200, b"[1, 2]", {}
        return (500 if path == "/pypi/broken/json" else 404), b"", {}

    with local_server(monkeypatch, respond) as url:
        index = Index(f"{url}/pypi/")
        assert index.url == f"{url}/pypi"
        got = index.get_json(f"{index.url}/demo/json", {"User-Agent": "me"}, max_bytes=1000)
        assert got == {"info": {"name": "demo"}}
        with pytest.raises(NotFound):
            index.get_json(f"{index.url}/absent/json", {}, max_bytes=1000)
        with pytest.raises(Unavailable) as broken:
            index.get_json(f"{index.url}/broken/json", {}, max_bytes=1000)
        assert not isinstance(broken.value, NotFound)
        with pytest.raises(Unavailable, match="unexpected JSON"):
            index.get_json(f"{index.url}/list/json", {}, max_bytes=1000)
        with pytest.raises(Unavailable, match="too large"):
            index.get_json(f"{index.url}/demo/json", {}, max_bytes=10)
    assert asked[0] == "me" and asked[1] == "jettison"
    assert not index.unreachable  # HTTP errors are answers, not a network failure


def test_offline_and_unreachable_indexes_send_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    with local_server(monkeypatch, lambda path, headers: (200, b"{}", {})) as url:
        pass  # the server is gone: its port refuses connections
    with pytest.raises(Unavailable, match="offline"):
        Index(url, offline=True).get(f"{url}/x", {}, max_bytes=10)
    index = Index(url, timeout=2)
    with pytest.raises(Unavailable):
        index.get(f"{url}/x", {}, max_bytes=10)
    assert index.unreachable
    with pytest.raises(Unavailable, match="did not answer earlier"):
        index.check()
