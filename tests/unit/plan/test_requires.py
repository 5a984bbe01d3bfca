"""Dependency metadata for the plan: reading pins, evaluating Requires-Dist, the fallback
table, and the package index through a fake index on 127.0.0.1 (never the network).
"""

from __future__ import annotations

import io
import json
import re
import socket
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import pytest

from jettison.plan.model import Pin
from jettison.plan.requires import (
    TABLE,
    PyPIRequires,
    evaluate_requires_dist,
    pinned_name,
    pypi_requires,
    static_requires,
)
from support.http_server import Answer, local_server, ranged, without_proxies


def pin(line: str, name: str | None = None, source: Path = Path("/ctx/requirements.txt")) -> Pin:
    guess = re.split(r"[\[=<>!~; @]", line.strip(), maxsplit=1)[0].lower()
    return Pin(name or guess, line, source, 1)


# -- pins -----------------------------------------------------------------------------------------


def test_pinned_name_reads_version_extras_and_ignores_comments_and_hashes() -> None:
    wanted = pinned_name(pin('Uvicorn[Standard]==0.30.1 ; python_version >= "3.8"  # server'))
    assert wanted is not None
    assert (wanted.name, wanted.version, wanted.extras) == ("uvicorn", "0.30.1", {"standard"})

    hashed = pinned_name(pin("numpy==1.26.4 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bb"))
    assert hashed is not None
    assert (hashed.name, hashed.version) == ("numpy", "1.26.4")


@pytest.mark.parametrize(
    ("line", "specifier", "version"),
    [
        ("torch>=2,<3", "<3,>=2", None),  # packaging sorts the clauses
        ("torch==2.*", "==2.*", None),
        ("torch===2.3.1", "===2.3.1", "2.3.1"),
        ("torch", "", None),
        (
            "https://example.org/wheels/torch-2.3.1+cpu-cp311-cp311-linux_x86_64.whl",
            "==2.3.1+cpu",
            "2.3.1+cpu",
        ),
    ],
)
def test_pinned_name_versions(line: str, specifier: str, version: str | None) -> None:
    wanted = pinned_name(pin(line, "torch"))
    assert wanted is not None
    assert (wanted.name, wanted.specifier, wanted.version) == ("torch", specifier, version)


def test_pinned_name_of_an_unnamed_local_path_is_none(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    assert pinned_name(pin("-e ./lib", "lib", tmp_path / "requirements.txt")) is None


# -- Requires-Dist --------------------------------------------------------------------------------


def test_markers_are_evaluated_for_cpython_311_on_linux_x86_64() -> None:
    requires = [
        "filelock",
        'nvidia-cudnn-cu12==9.1 ; platform_system == "Linux" and platform_machine == "x86_64"',
        'triton==3.0 ; python_version < "3.12"',
        'mkl<=2021.4 ; platform_system == "Windows"',
        'tomli ; python_version < "3.11"',
        "opt-einsum>=3.3 ; extra == 'opt-einsum'",
        "this is not a requirement",
    ]
    assert evaluate_requires_dist(requires, "torch") == {"filelock", "nvidia-cudnn-cu12", "triton"}
    with_extra = evaluate_requires_dist(requires, "torch", ["Opt_Einsum"])
    assert "opt-einsum" in with_extra


def test_extras_that_name_the_package_itself_expand_like_pip() -> None:
    requires = [
        "huggingface-hub",
        "torch ; extra == 'torch'",
        "sentencepiece ; extra == 'sentencepiece'",
        "transformers[sentencepiece,torch] ; extra == 'all'",
    ]
    assert evaluate_requires_dist(requires, "transformers", ["all"]) == {
        "huggingface-hub",
        "torch",
        "sentencepiece",
    }
    assert evaluate_requires_dist(requires, "transformers") == {"huggingface-hub"}


def test_static_requires_canonicalizes_and_knows_what_it_holds() -> None:
    requires = static_requires({"Sentence_Transformers": ["Torch", "transformers"]})
    assert requires(pin("sentence-transformers==3.0.1")) == {"torch", "transformers"}
    assert requires(pin("fastapi")) is None


def test_fallback_table_is_lint_table_reversed() -> None:
    assert {"torch", "transformers", "scikit-learn"} <= TABLE["sentence-transformers"]
    assert {"starlette", "pydantic"} <= TABLE["fastapi"]


# -- a fake package index ------------------------------------------------------------------


def _wheel(name: str, version: str, requires: list[str]) -> bytes:
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires) + "\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{name}/__init__.py", "")
        archive.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return buffer.getvalue()


@dataclass
class FakeIndex:
    url: str = ""
    releases: dict[tuple[str, str], list[str] | None] = field(default_factory=dict)
    wheel_only: set[tuple[str, str]] = field(default_factory=set)
    """Releases the index has no per-release document for (a mirror): only the wheel."""
    sdist_only: set[tuple[str, str]] = field(default_factory=set)
    log: list[str] = field(default_factory=list)

    def add(self, name: str, version: str, requires: list[str] | None) -> None:
        self.releases[(name, version)] = requires

    def _files(self, name: str, version: str) -> list[dict[str, object]]:
        if (name, version) in self.sdist_only:
            return [{"filename": f"{name}-{version}.tar.gz", "packagetype": "sdist"}]
        filename = f"{name}-{version}-py3-none-any.whl"
        return [
            {
                "filename": filename,
                "packagetype": "bdist_wheel",
                "url": f"{self.url}/files/{name}/{version}/{filename}",
                "yanked": False,
            }
        ]

    def document(self, name: str, version: str | None) -> dict[str, object] | None:
        versions = sorted(v for n, v in self.releases if n == name)
        if not versions:
            return None
        if version is None:
            version = versions[-1]
        elif (name, version) not in self.releases or (name, version) in self.wheel_only:
            return None
        return {
            "info": {
                "name": name,
                "version": version,
                "requires_dist": self.releases[(name, version)],
            },
            "urls": self._files(name, version),
            "releases": {v: self._files(name, v) for v in versions},
        }

    def respond(self, path: str, headers: Message) -> Answer:
        self.log.append(path)
        parts = path.strip("/").split("/")
        if parts[0] == "pypi" and parts[-1] == "json" and len(parts) in (3, 4):
            found = self.document(parts[1], parts[2] if len(parts) == 4 else None)
            return (404, b"", {}) if found is None else (200, json.dumps(found).encode(), {})
        if parts[0] == "files" and (parts[1], parts[2]) in self.releases:
            requires = self.releases[(parts[1], parts[2])] or []
            return ranged(_wheel(parts[1], parts[2], requires), headers.get("Range"))
        return 404, b"", {}


@pytest.fixture
def index(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeIndex]:
    fake = FakeIndex()
    with local_server(monkeypatch, fake.respond) as url:
        fake.url = url
        yield fake


def _requires(index: FakeIndex, cache: Path) -> PyPIRequires:
    made = pypi_requires(offline=False, cache_dir=cache, index_url=f"{index.url}/pypi")
    assert isinstance(made, PyPIRequires)
    return made


def test_exact_pin_reads_the_release_document_and_caches_it_on_disk(
    index: FakeIndex, tmp_path: Path
) -> None:
    index.add(
        "sentence-transformers",
        "3.0.1",
        ["torch>=1.11", "transformers<5", "pytest ; extra == 'dev'"],
    )
    index.add("sentence-transformers", "3.1.0", ["torch", "transformers", "pillow"])
    first = _requires(index, tmp_path)
    assert first(pin("sentence-transformers==3.0.1")) == {"torch", "transformers"}
    assert index.log == ["/pypi/sentence-transformers/3.0.1/json"]

    again = _requires(index, tmp_path)  # a new run: from the disk cache
    assert again(pin("sentence-transformers==3.0.1 ; python_version >= '3.8'")) == {
        "torch",
        "transformers",
    }
    assert again.requests == 0 and len(index.log) == 1
    assert (tmp_path / "requires-dist.json").is_file()


def test_unpinned_asks_for_the_newest_release_and_trusts_it_for_a_day(
    index: FakeIndex, tmp_path: Path
) -> None:
    index.add("fastapi", "0.110.0", ["starlette", "pydantic"])
    index.add("fastapi", "0.111.0", ["starlette", "pydantic", "email-validator ; extra == 'all'"])
    now = [1000.0]
    made = PyPIRequires(
        offline=False, cache_dir=tmp_path, index_url=f"{index.url}/pypi", clock=lambda: now[0]
    )
    assert made(pin("fastapi[all]")) == {"starlette", "pydantic", "email-validator"}
    assert index.log == ["/pypi/fastapi/json"]

    now[0] += 3600
    later = PyPIRequires(
        offline=False, cache_dir=tmp_path, index_url=f"{index.url}/pypi", clock=lambda: now[0]
    )
    assert later(pin("fastapi")) == {"starlette", "pydantic"}
    assert later.requests == 0

    now[0] += 2 * 24 * 3600
    stale = PyPIRequires(
        offline=False, cache_dir=tmp_path, index_url=f"{index.url}/pypi", clock=lambda: now[0]
    )
    assert stale(pin("fastapi")) == {"starlette", "pydantic"}
    assert stale.requests == 1


def test_a_mirror_without_release_documents_is_read_from_the_wheel(
    index: FakeIndex, tmp_path: Path
) -> None:
    index.add("torch", "2.3.1", ["filelock", 'triton==2.3.1 ; platform_system == "Linux"'])
    index.add("torchvision", "0.18.1", ["torch==2.3.1", "numpy", "pillow"])
    index.wheel_only |= {("torch", "2.3.1"), ("torchvision", "0.18.1")}
    made = _requires(index, tmp_path)
    assert made(pin("torch==2.3.1+cpu")) == {"filelock", "triton"}  # the public version's
    assert "/pypi/torch/2.3.1+cpu/json" in [p.replace("%2B", "+") for p in index.log]
    assert any(p.startswith("/files/torch/2.3.1/") for p in index.log)

    # learned: this index has no per-release documents, so the next pin skips that request
    before = len(index.log)
    assert made(pin("torchvision==0.18.1")) == {"torch", "numpy", "pillow"}
    assert not any(p.startswith("/pypi/torchvision/0.18.1") for p in index.log[before:])


def test_a_range_is_resolved_to_the_newest_matching_wheel(index: FakeIndex, tmp_path: Path) -> None:
    index.add("transformers", "4.40.0", ["tokenizers<0.20"])
    index.add("transformers", "4.41.0", ["tokenizers<0.20", "safetensors"])
    index.add("transformers", "5.0.0", ["tokenizers", "safetensors", "huggingface-hub"])
    made = _requires(index, tmp_path)
    assert made(pin("transformers>=4.40,<5")) == {"tokenizers", "safetensors"}


def test_null_requires_dist_means_none_for_a_wheel_and_unknown_for_an_sdist(
    index: FakeIndex, tmp_path: Path
) -> None:
    index.add("six", "1.16.0", None)
    index.add("oldpkg", "0.1", None)
    index.sdist_only.add(("oldpkg", "0.1"))
    made = _requires(index, tmp_path)
    assert made(pin("six==1.16.0")) == frozenset()
    assert made(pin("oldpkg==0.1")) is None  # not in the fallback table either


def test_unknown_to_the_index_falls_back_to_the_table(index: FakeIndex, tmp_path: Path) -> None:
    made = _requires(index, tmp_path)
    assert made(pin("fastapi==0.111.0")) == TABLE["fastapi"]
    assert made(pin("internal-lib==1.0")) is None


def test_offline_uses_the_cache_then_the_table_and_makes_no_request(
    index: FakeIndex, tmp_path: Path
) -> None:
    index.add("fastapi", "0.111.0", ["starlette", "pydantic", "typing-extensions"])
    _requires(index, tmp_path)(pin("fastapi==0.111.0"))
    offline = pypi_requires(offline=True, cache_dir=tmp_path, index_url=f"{index.url}/pypi")
    assert isinstance(offline, PyPIRequires)
    assert offline(pin("fastapi==0.111.0")) == {"starlette", "pydantic", "typing-extensions"}
    assert offline(pin("sentence-transformers==3.0.1")) == TABLE["sentence-transformers"]
    assert offline(pin("internal-lib")) is None
    assert offline.requests == 0 and offline.wheels.requests == 0


def test_an_unreachable_index_is_asked_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_proxies(monkeypatch)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    made = PyPIRequires(
        offline=False, cache_dir=tmp_path, index_url=f"http://127.0.0.1:{port}/pypi", timeout=2
    )
    assert made(pin("fastapi==0.111.0")) == TABLE["fastapi"]
    assert made.unreachable
    asked = made.requests + made.wheels.requests
    assert made(pin("internal-lib==0.37.2")) is None
    assert made(pin("torch")) == TABLE["torch"]
    assert made.requests + made.wheels.requests == asked


def test_a_release_the_index_lacks_is_not_asked_again_the_same_day(
    index: FakeIndex, tmp_path: Path
) -> None:
    index.add("scikit-learn", "1.4.2", ["numpy", "scipy"])  # 1.4.1 was pulled from the index
    first = _requires(index, tmp_path)
    assert first(pin("scikit-learn==1.4.1")) == {"numpy", "scipy"}  # the newest release's
    asked = len(index.log)
    again = _requires(index, tmp_path)
    assert again(pin("scikit-learn==1.4.1")) == {"numpy", "scipy"}
    assert len(index.log) == asked


def test_a_newest_release_entry_without_a_readable_time_is_asked_again(
    index: FakeIndex, tmp_path: Path
) -> None:
    index.add("fastapi", "0.111.0", ["starlette"])
    assert _requires(index, tmp_path)(pin("fastapi")) == {"starlette"}
    cache = tmp_path / "requires-dist.json"
    data = json.loads(cache.read_text())
    (tables,) = data["indexes"].values()
    tables["latest"]["fastapi"]["checked_at"] = "yesterday"  # a hand-edited cache
    cache.write_text(json.dumps(data))
    again = _requires(index, tmp_path)
    assert again(pin("fastapi")) == {"starlette"}
    assert again.requests == 1
