"""Unit tests of optimize never reach the package index: wheel sizes come from an empty cache in
a temporary directory, and a test that would send a request fails."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jettison.lint import sizes


@pytest.fixture(autouse=True)
def no_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    asked: list[str] = []

    def refuse(self: sizes.WheelSizes, url: str, headers: dict[str, str]) -> object:
        asked.append(url)
        raise sizes._Unavailable("unit tests do not reach the package index")

    monkeypatch.setenv(sizes.CACHE_ENV, str(tmp_path / "jettison-cache"))
    monkeypatch.setattr(sizes.WheelSizes, "_get", refuse)
    yield asked
    assert asked == [], "an optimize unit test asked the package index"
