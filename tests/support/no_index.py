"""A fixture for unit tests that must never reach the package index.

Folders whose code looks wheel sizes or dependency metadata up by default (fix, optimize)
import :func:`no_index` into their ``conftest.py``: the index caches then live in an empty
temporary directory, every request :class:`jettison.pypi.Index` would send fails as the
network does, and a test that sent one fails at teardown.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jettison import pypi


@pytest.fixture(autouse=True)
def no_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The URLs the test asked for (none, or it fails)."""
    asked: list[str] = []

    def refuse(self: pypi.Index, url: str, headers: dict[str, str], *, max_bytes: int) -> object:
        asked.append(url)
        raise pypi.Unavailable("unit tests do not reach the package index")

    monkeypatch.setenv(pypi.CACHE_ENV, str(tmp_path / "jettison-cache"))
    monkeypatch.setattr(pypi.Index, "get", refuse)
    yield asked
    assert asked == [], "a unit test asked the package index; pass offline=True or sizes="
