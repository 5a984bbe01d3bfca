"""A record of the daemons tests started (``docker-registry``, ``dockerd``), printed at the end
of the run by ``tests/conftest.py``: CI's log then shows they really ran."""

from __future__ import annotations

STARTED: list[str] = []


def record(line: str) -> None:
    STARTED.append(line)
