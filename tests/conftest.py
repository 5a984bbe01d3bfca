"""Every test gets its own jettison cache directory: no test reads or fills the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    directory = tmp_path_factory.mktemp("jettison-cache")
    monkeypatch.setenv("JETTISON_CACHE", str(directory))
    return directory
