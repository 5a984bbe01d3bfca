"""Fixtures for ``jettison lint`` run through the real command line.

Nothing here reaches the network: the wheel-size cache lives under tmp_path, and every HTTP
request of :class:`~jettison.lint.sizes.WheelSizes` goes to :class:`FakeIndex` (which answers
404 unless a test gives it projects). Tests that need rules of their own put them in the
registry with :func:`use_rules`.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import jettison.lint.rules
from jettison.lint.model import Rule
from jettison.lint.sizes import WheelSizes


@dataclass
class FakeIndex:
    """The package index as the JSON API and range requests see it, in memory."""

    projects: dict[str, dict[str, list[dict[str, object]]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def add_wheel(self, name: str, version: str, members: dict[str, bytes]) -> int:
        """A pure-Python wheel of ``members``; returns its installed size."""
        filename = f"{name.replace('-', '_')}-{version}-py3-none-any.whl"
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for member, data in members.items():
                archive.writestr(member, data)
            archive.writestr(f"{name}-{version}.dist-info/METADATA", f"Name: {name}\n")
        self.files[filename] = buffer.getvalue()
        entry = {"filename": filename, "url": f"https://files.invalid/{filename}"}
        self.projects.setdefault(name, {})[version] = [entry]
        return sum(len(d) for d in members.values()) + len(f"Name: {name}\n")

    def get(self, url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        self.requests.append(url)
        parts = url.split("/")
        if url.endswith("/json") and parts[-2] in self.projects:
            body = json.dumps({"releases": self.projects[parts[-2]]}).encode()
            return 200, {}, body
        if parts[-1] in self.files:
            data = self.files[parts[-1]]
            wanted = headers.get("Range", "")
            if wanted.startswith("bytes=-"):
                start, end = max(len(data) - int(wanted[7:]), 0), len(data) - 1
            else:
                first, last = wanted.removeprefix("bytes=").split("-")
                start, end = int(first), min(int(last), len(data) - 1)
            content_range = {"Content-Range": f"bytes {start}-{end}/{len(data)}"}
            return 206, content_range, data[start : end + 1]
        return 404, {}, b""


@pytest.fixture(autouse=True)
def fake_index(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeIndex:
    index = FakeIndex()
    monkeypatch.setenv("JETTISON_CACHE", str(tmp_path / "cache"))

    def get(
        self: WheelSizes, url: str, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        self._require_network()
        self.requests += 1
        return index.get(url, headers)

    monkeypatch.setattr(WheelSizes, "_get", get)
    return index


@pytest.fixture
def use_rules(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """``use_rules(rules)``: the registry holds these rules only, for this test."""

    def install(rules: Sequence[Rule]) -> None:
        monkeypatch.setattr(jettison.lint.rules, "RULES", tuple(rules))

    return install
