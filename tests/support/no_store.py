"""A fixture for tests of fix: the builder's local image store is an empty directory.

fix reads a base no name says from the local buildah/podman store when it is there; a test
must not depend on what the machine that runs it has pulled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.image.sources.containers_storage import STORAGE_ROOT_ENV


@pytest.fixture(autouse=True)
def no_store(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The (empty) graph root every store lookup of the test reads."""
    root = tmp_path_factory.mktemp("no-store")
    monkeypatch.setenv(STORAGE_ROOT_ENV, str(root))
    return root
