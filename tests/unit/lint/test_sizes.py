"""Wheel sizes from a package index's JSON API and range requests, against a local fake index.

The index and its wheels live on 127.0.0.1 in a thread (never the network); the wheels are
real zip files written here, so the central directory parsing is zipfile's real one.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest

from jettison.lint.sizes import (
    TAIL_BYTES,
    WheelSizes,
    default_cache_path,
    pick_wheel,
    wheel_rank,
)
from support.http_server import Answer, local_server, ranged


def make_wheel(name: str, version: str, members: dict[str, bytes], requires: list[str]) -> bytes:
    """A wheel: ``members`` plus a METADATA with ``requires`` (stored, so sizes are exact)."""
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires) + "\nA description.\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, data in members.items():
            archive.writestr(member, data)
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
        archive.writestr(f"{name}-{version}.dist-info/", b"")  # a directory entry: 0 bytes
    return buffer.getvalue()


def installed(wheel: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(wheel)) as archive:
        return sum(i.file_size for i in archive.infolist())


@dataclass
class FakeIndex:
    url: str
    projects: dict[str, dict[str, list[dict[str, object]]]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    log: list[tuple[str, str | None]] = field(default_factory=list)
    served_bytes: int = 0
    ranges: bool = True

    def add(self, name: str, version: str, filename: str, data: bytes, *, relative: bool = False):
        self.files[filename] = data
        url = f"../../files/{filename}" if relative else f"{self.url}/files/{filename}"
        entry = {"filename": filename, "url": url, "size": len(data), "yanked": False}
        self.projects.setdefault(name, {}).setdefault(version, []).append(entry)

    def respond(self, path: str, headers: Message) -> Answer:
        self.log.append((path, headers.get("Range")))
        parts = path.strip("/").split("/")
        answer: Answer = (404, b"", {})
        if parts[0] == "pypi" and parts[-1] == "json" and parts[1] in self.projects:
            releases = self.projects[parts[1]]
            answer = (200, json.dumps({"info": {}, "releases": releases}).encode(), {})
        elif parts[0] == "files" and parts[1] in self.files:
            answer = ranged(self.files[parts[1]], headers.get("Range") if self.ranges else None)
        self.served_bytes += len(answer[1])
        return answer


@pytest.fixture
def fake_index(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIndex]:
    index = FakeIndex(url="")
    with local_server(monkeypatch, index.respond) as url:
        index.url = url
        yield index


BIG = os.urandom(300_000)  # incompressible: the wheel is larger than the first range read
MANY = {f"demo/pkg{i:04d}/module_with_a_long_name_{i:04d}.py": b"x" * i for i in range(1500)}


@pytest.fixture
def demo(fake_index: FakeIndex) -> dict[str, bytes]:
    """demo 1.0 (a cp311 manylinux wheel and a larger pure one), 2.0 (pure, with a big
    member), 3.0rc1 (a pre-release), and an sdist-only 4.0; its CUDA-like dependencies."""
    wheels = {
        "cp311": make_wheel(
            "demo",
            "1.0",
            {"demo/__init__.py": b"# demo\n", "demo/_native.so": b"\0" * 5000},
            [
                "nvidia-cublas-cu12==12.1; platform_system == 'Linux'",
                "nvidia-mac-only; sys_platform == 'darwin'",
                "nvidia-extra; extra == 'gpu'",
                "numpy>=1",
            ],
        ),
        "pure": make_wheel("demo", "1.0", {"demo/__init__.py": b"# demo\n" * 5000}, []),
        "2.0": make_wheel("demo", "2.0", {"demo/__init__.py": b"", "demo/big.bin": BIG}, []),
        "3.0rc1": make_wheel("demo", "3.0rc1", {"demo/__init__.py": b"rc"}, []),
        "cublas": make_wheel(
            "nvidia_cublas_cu12", "12.1", {"nvidia/cublas/lib/libcublas.so": b"\1" * 7000}, []
        ),
        "many": make_wheel("many", "1.0", MANY, []),
    }
    fake_index.add("demo", "1.0", "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", wheels["cp311"])
    fake_index.add("demo", "1.0", "demo-1.0-py3-none-any.whl", wheels["pure"])
    fake_index.add("demo", "1.0", "demo-1.0-cp312-cp312-win_amd64.whl", b"not read")
    fake_index.add("demo", "2.0", "demo-2.0-py3-none-any.whl", wheels["2.0"], relative=True)
    fake_index.add("demo", "3.0rc1", "demo-3.0rc1-py3-none-any.whl", wheels["3.0rc1"])
    fake_index.add("demo", "4.0", "demo-4.0.tar.gz", b"sdist")
    fake_index.add(
        "nvidia-cublas-cu12",
        "12.1",
        "nvidia_cublas_cu12-12.1-py3-none-manylinux_2_17_x86_64.whl",
        wheels["cublas"],
    )
    fake_index.add("many", "1.0", "many-1.0-py3-none-any.whl", wheels["many"])
    return wheels


def _sizes(index: FakeIndex, tmp_path: Path, **kwargs: object) -> WheelSizes:
    return WheelSizes(
        tmp_path / "cache" / "wheel-sizes.json", index_url=f"{index.url}/pypi", **kwargs
    )  # type: ignore[arg-type]


def test_pinned_version_prefers_the_cp311_manylinux_wheel(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    sizes = _sizes(fake_index, tmp_path)
    assert sizes.installed_bytes("Demo", "==1.0") == installed(demo["cp311"])
    assert sizes("demo", "== 1.0") == installed(demo["cp311"])  # memoised, spaces ignored
    wheel_reads = [r for p, r in fake_index.log if p.startswith("/files/")]
    assert wheel_reads == [f"bytes=-{TAIL_BYTES}"]  # a small wheel: one range read


def test_specifier_picks_the_newest_matching_release_with_a_wheel(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    sizes = _sizes(fake_index, tmp_path)
    # 4.0 has only an sdist, 3.0rc1 is a pre-release: 2.0 (its wheel URL is relative)
    assert sizes.installed_bytes("demo", "") == installed(demo["2.0"])
    assert sizes.installed_bytes("demo", "<2") == installed(demo["cp311"])
    assert sizes.installed_bytes("demo", ">=3.0rc1") == installed(demo["3.0rc1"])
    assert sizes.installed_bytes("demo", ">=5") is None
    assert sizes.installed_bytes("demo", "==4.0") is None  # no wheel: no claim
    assert sizes.installed_bytes("demo", "not a specifier") is None
    assert sizes.installed_bytes("absent", "") is None
    # the 2.0 wheel has a 300 kB member: only its end was read, never the member
    assert fake_index.served_bytes < len(demo["2.0"]) - 200_000


def test_a_central_directory_past_the_first_read_is_fetched_with_a_second_range(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    assert len(demo["many"]) > 2 * TAIL_BYTES
    sizes = _sizes(fake_index, tmp_path)
    assert sizes.installed_bytes("many", "==1.0") == installed(demo["many"])
    reads = [r for p, r in fake_index.log if p.startswith("/files/many")]
    # the tail, the rest of the central directory, then METADATA just before it
    assert len(reads) == 3
    assert reads[0] == f"bytes=-{TAIL_BYTES}"
    assert all(r is not None and re.fullmatch(r"bytes=\d+-\d+", r) for r in reads[1:])


def test_results_are_cached_across_runs_and_offline_reads_the_cache(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    first = _sizes(fake_index, tmp_path)
    assert first.installed_bytes("demo", "==1.0") == installed(demo["cp311"])
    assert first.installed_bytes("demo", ">=2") == installed(demo["2.0"])
    assert first.requests > 0
    cache = json.loads((tmp_path / "cache" / "wheel-sizes.json").read_text())
    assert cache["format"] == 1
    wheels = cache["indexes"][f"{fake_index.url}/pypi"]["wheels"]
    assert wheels["demo==1.0"]["filename"] == "demo-1.0-cp311-cp311-manylinux_2_17_x86_64.whl"

    again = _sizes(fake_index, tmp_path)
    assert again.installed_bytes("demo", "==1.0") == installed(demo["cp311"])
    assert again.installed_bytes("demo", ">=2") == installed(demo["2.0"])
    assert again.requests == 0

    offline = _sizes(fake_index, tmp_path, offline=True)
    assert offline.installed_bytes("demo", "==1.0") == installed(demo["cp311"])
    assert offline.installed_bytes("many", "==1.0") is None  # never measured
    assert offline.requests == 0


def test_resolution_is_rechecked_after_a_day(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    now = [1_000_000.0]
    sizes = _sizes(fake_index, tmp_path, clock=lambda: now[0])
    sizes.installed_bytes("demo", "")
    now[0] += 2 * 24 * 3600
    later = _sizes(fake_index, tmp_path, clock=lambda: now[0])
    later.installed_bytes("demo", "")
    assert [p for p, _ in fake_index.log].count("/pypi/demo/json") == 2


def test_dependencies_matching_the_globs_are_added(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    sizes = _sizes(fake_index, tmp_path)
    total = sizes.installed_bytes_with_deps("demo", "==1.0")
    # nvidia-cublas-cu12 applies on Linux; the darwin-only and the extra's do not; numpy is
    # not an nvidia-* name
    assert total == installed(demo["cp311"]) + installed(demo["cublas"])
    assert sizes.installed_bytes_with_deps("demo", "==1.0", extra_names=()) == installed(
        demo["cp311"]
    )
    # a dependency that cannot be measured: no partial sum
    assert sizes.installed_bytes_with_deps("demo", "==1.0", extra_names=["numpy"]) is None


def test_requires_dist_comes_from_the_measured_wheel_and_its_cache(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    sizes = _sizes(fake_index, tmp_path)
    requires = sizes.requires_dist("Demo", "== 1.0")
    assert requires is not None and "numpy>=1" in requires
    assert len(requires) == 4  # the cp311 wheel's, markers kept as written
    assert _sizes(fake_index, tmp_path, offline=True).requires_dist("demo", "==1.0") == requires
    assert sizes.requires_dist("absent") is None


def test_a_server_without_range_support_gives_no_size(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    fake_index.ranges = False
    assert _sizes(fake_index, tmp_path).installed_bytes("demo", "==1.0") is None


def test_an_unreachable_index_gives_none_once(tmp_path: Path, fake_index: FakeIndex) -> None:
    sizes = WheelSizes(
        tmp_path / "c.json", index_url="http://127.0.0.1:9/pypi", timeout=2
    )  # port 9 (discard): refused
    assert sizes.installed_bytes("demo", "") is None
    assert sizes.unreachable
    requests = sizes.requests
    assert sizes.installed_bytes("other", "==1") is None
    assert sizes.installed_bytes_with_deps("other", "==1") is None
    assert sizes.requests == requests  # no second attempt after the index failed


def test_garbage_answers_give_none(fake_index: FakeIndex, tmp_path: Path) -> None:
    fake_index.add("bad", "1.0", "bad-1.0-py3-none-any.whl", b"this is not a zip file" * 100)
    assert _sizes(fake_index, tmp_path).installed_bytes("bad", "==1.0") is None


def test_a_corrupt_cache_is_ignored(
    fake_index: FakeIndex, demo: dict[str, bytes], tmp_path: Path
) -> None:
    path = tmp_path / "cache" / "wheel-sizes.json"
    path.parent.mkdir()
    path.write_text("{not json")
    assert _sizes(fake_index, tmp_path).installed_bytes("demo", "==1.0") == installed(demo["cp311"])
    assert json.loads(path.read_text())["format"] == 1


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("JETTISON_CACHE", str(tmp_path / "jc"))
    assert default_cache_path() == tmp_path / "jc" / "wheel-sizes.json"
    monkeypatch.delenv("JETTISON_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_path() == tmp_path / "xdg" / "jettison" / "wheel-sizes.json"


def test_pick_wheel_ranking() -> None:
    rank = wheel_rank((3, 11))
    files = [
        {"filename": "t-1-cp312-cp312-manylinux_2_28_x86_64.whl"},
        {"filename": "t-1-cp311-cp311-manylinux_2_28_aarch64.whl"},
        {"filename": "t-1-py3-none-any.whl"},
        {"filename": "t-1-cp311-cp311-manylinux_2_28_x86_64.whl"},
        {"filename": "t-1-cp311-cp311-win_amd64.whl"},
        {"filename": "t-1.tar.gz"},
    ]
    assert pick_wheel(files, rank) == files[3]
    assert pick_wheel(files[:3], rank) == files[2]
    abi3 = [{"filename": "t-1-cp38-abi3-manylinux2014_x86_64.whl"}, files[2]]
    assert pick_wheel(abi3, rank) == abi3[0]
    yanked = [{"filename": files[3]["filename"], "yanked": True}]
    assert pick_wheel(yanked, rank) is None
    assert pick_wheel([{"filename": "broken.whl"}], rank) is None
