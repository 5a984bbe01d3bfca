"""Short names resolve as buildah resolves them, and the report says which image was read.

The store's image list is made up here (``find_image`` reads only ``images.json`` entries);
``tests/integration/test_containers_storage.py`` checks the same against buildah itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from jettison.errors import ImageNotFoundError
from jettison.image.sources import _shortnames
from jettison.image.sources._shortnames import ShortNames
from jettison.image.sources.containers_storage import find_image

ALIASES = ShortNames({"python": ("docker.io/library/python", "/etc/x/shortnames.conf")})
WHERE = "the local store /var/lib/containers/storage"


def images(*names: str) -> list[dict[str, Any]]:
    return [{"id": f"{i:064x}", "names": [name]} for i, name in enumerate(names, 1)]


def resolve(
    store: list[dict[str, Any]], name: str, settings: ShortNames = ALIASES
) -> tuple[str, str | None]:
    image, note = find_image(store, name, WHERE, settings)
    return image["names"][0], note


def test_the_alias_wins_over_localhost_as_in_a_build() -> None:
    store = images("localhost/python:3.11-slim", "docker.io/library/python:3.11-slim")
    assert resolve(store, "python:3.11-slim") == (
        "docker.io/library/python:3.11-slim",
        "python:3.11-slim is docker.io/library/python:3.11-slim (the short-name alias in "
        "/etc/x/shortnames.conf, as buildah and podman resolve it)",
    )
    # a name stored as written is read without a note
    assert resolve(store, "localhost/python:3.11-slim") == ("localhost/python:3.11-slim", None)


def test_without_an_alias_localhost_first_then_search_registries() -> None:
    store = images("quay.io/org/app:1", "localhost/app:1", "docker.io/library/app:1")
    name, note = resolve(store, "app:1")
    assert name == "localhost/app:1"
    assert note == (
        "app:1 is localhost/app:1 (a short name is looked for under localhost/ first, as "
        "buildah and podman resolve it)"
    )
    search = ShortNames(search=("quay.io",), search_file="/etc/containers/registries.conf")
    name, note = resolve(images("quay.io/app:1", "docker.io/library/app:1"), "app:1", search)
    assert name == "quay.io/app:1"
    assert note is not None and "unqualified-search-registries in /etc/containers" in note


def test_docker_normalisation_then_a_unique_suffix() -> None:
    name, note = resolve(images("quay.io/x/tool:2", "docker.io/library/tool:2"), "tool:2")
    assert name == "docker.io/library/tool:2"
    assert note == "tool:2 is docker.io/library/tool:2 (Docker's docker.io/library/ normalisation)"
    name, note = resolve(images("quay.io/x/tool:2"), "tool:2")
    assert (name, note) == (
        "quay.io/x/tool:2",
        "tool:2 is quay.io/x/tool:2 (the only stored name ending in /tool:2)",
    )
    with pytest.raises(ImageNotFoundError, match="several images"):
        resolve(images("quay.io/x/tool:2", "ghcr.io/y/tool:2"), "tool:2")


def test_latest_and_ids_need_no_note() -> None:
    store = images("localhost/app:latest")
    assert resolve(store, "localhost/app") == ("localhost/app:latest", None)
    assert resolve(store, f"{1:064x}"[:12]) == ("localhost/app:latest", None)


def test_settings_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conf = tmp_path / "registries.conf"
    conf.write_text('unqualified-search-registries = ["quay.io"]\n[aliases]\n"py" = "a.io/py"\n')
    monkeypatch.setenv("CONTAINERS_REGISTRIES_CONF", str(conf))
    monkeypatch.setattr(_shortnames, "_cache_file", lambda: tmp_path / "cache.conf")
    settings = _shortnames.load()
    assert settings.search == ("quay.io",) and settings.aliases["py"][0] == "a.io/py"
    # aliases a pull recorded override the configured ones
    (tmp_path / "cache.conf").write_text('[aliases]\n"py" = "b.io/py"\n')
    assert _shortnames.load().aliases["py"] == ("b.io/py", str(tmp_path / "cache.conf"))


def test_drop_ins_override_in_name_order(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    system = tmp_path / "etc" / "registries.conf"
    (tmp_path / "etc" / "registries.conf.d").mkdir(parents=True)
    system.write_text('unqualified-search-registries = ["a.io"]\n')
    (tmp_path / "etc" / "registries.conf.d" / "10-b.conf").write_text(
        'unqualified-search-registries = ["b.io"]\n[aliases]\n"x" = "b.io/x"\n'
    )
    (tmp_path / "etc" / "registries.conf.d" / "20-c.conf").write_text('[aliases]\n"x" = "c.io/x"\n')
    (tmp_path / "etc" / "registries.conf.d" / "ignored.txt").write_text("not toml [")
    monkeypatch.delenv("CONTAINERS_REGISTRIES_CONF", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nohome"))
    monkeypatch.setattr(_shortnames, "SYSTEM_CONF", system)
    monkeypatch.setattr(_shortnames, "_cache_file", lambda: tmp_path / "none.conf")
    settings = _shortnames.load()
    assert settings.search == ("b.io",)
    assert settings.aliases["x"][0] == "c.io/x"


def test_machine_settings_alias_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Debian's containers-common ships the alias that made the issue: python is Docker Hub's."""
    if not Path("/etc/containers/registries.conf.d/shortnames.conf").is_file():
        pytest.skip("containers-common's shortnames.conf is not installed")
    monkeypatch.delenv("CONTAINERS_REGISTRIES_CONF", raising=False)
    assert _shortnames.load().aliases["python"][0] == "docker.io/library/python"
