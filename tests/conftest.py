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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which services the tests started (registries, Docker engines), so a CI log shows
    they really ran."""
    from support.services import STARTED

    if STARTED:
        terminalreporter.section("services started by the tests")
        for line in STARTED:
            terminalreporter.write_line(line)
