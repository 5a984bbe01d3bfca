"""The HTML reports in a real headless Chromium with the network disabled: they open, show
the JSON report's totals, fetch nothing, and stay small and fast on a 300,000-file image."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from jettison.diff.core import compare
from jettison.inspect.tree import byte_tree
from jettison.render import render
from support.browser import Browser, find_browser
from support.diffimages import inspection, naive_layers, slim_layers

from .conftest import ML_SPEC, Run, write_image

NAIVE = inspection(naive_layers(), "build/text-service-naive.tar")
SLIM = inspection(slim_layers(), "build/text-service-slim.tar")
EXTERNAL = re.compile(
    r"""(?:src|href|action)\s*=\s*["']?(?!#)[^"'\s>]|url\(|@import|https?:|//[a-z]""", re.I
)
"""Anything that could make a browser fetch: a src/href that is not a fragment, CSS url() or
@import, a URL of any scheme."""


@pytest.fixture(scope="module")
def browser() -> Browser:
    return find_browser()


def _data(dom: str, element_id: str) -> float:
    match = re.search(rf'id="{re.escape(element_id)}"[^>]*data-v="([-0-9.e]+)"', dom)
    assert match, f"no {element_id} with a value in the DOM"
    return float(match.group(1))


def _treemaps(dom: str) -> list[int]:
    return [int(m) for m in re.findall(r'<svg class="treemap"[^>]*data-bytes="(\d+)"', dom)]


def test_diff_page_shows_the_json_totals_and_fetches_nothing(
    browser: Browser, tmp_path: Path
) -> None:
    report = compare(NAIVE, SLIM, trees=True)
    page = tmp_path / "diff.html"
    page.write_text(render("diff", report, "html"), encoding="utf-8")
    text = page.read_text(encoding="utf-8")
    assert EXTERNAL.search(text) is None, EXTERNAL.search(text)
    dom, _seconds = browser.dom(page)
    assert 'data-ready="1"' in dom  # the page's script ran
    document = json.loads(render("diff", report, "json"))
    assert _data(dom, "fig-before") == document["before"]["size_bytes"]
    assert _data(dom, "fig-after") == document["after"]["size_bytes"]
    assert _data(dom, "fig-delta") == document["size_delta_bytes"]
    assert _data(dom, "fig-final-delta") == document["final_delta_bytes"]
    assert sorted(_treemaps(dom)) == sorted(
        [document["before"]["final_bytes"], document["after"]["final_bytes"]]
    )
    for name in ("pandas (python)", "scipy (python)", "pytest (python)", "gcc-12 (debian)"):
        assert name in dom
    browser.screenshot(page, tmp_path / "diff-changes.png", size="1400,1400")
    browser.screenshot(page, tmp_path / "diff-after.png", fragment="#view-before")


def test_inspect_page_through_the_cli(
    browser: Browser, images: Path, run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    path = write_image("oci-archive", images / "ml", ML_SPEC)
    out = tmp_path / "inspect.html"
    assert run_cli("inspect", path, "-f", "html", "-o", out).exit_code == 0
    document = json.loads(run_cli("inspect", path, "-f", "json").stdout)
    dom, _ = browser.dom(out)
    assert _data(dom, "fig-size") == document["size_bytes"]
    assert _data(dom, "fig-final") == document["final_bytes"]
    removable = sum(c["size_bytes"] for c in document["removable"])
    assert _data(dom, "fig-removable") == removable
    assert _treemaps(dom) == [document["final_bytes"]]
    assert EXTERNAL.search(out.read_text(encoding="utf-8")) is None


def test_inspect_page_screenshot(browser: Browser, tmp_path: Path) -> None:
    report = replace(NAIVE.report, tree=byte_tree(NAIVE.files, NAIVE.report.layers))
    page = tmp_path / "inspect.html"
    page.write_text(render("inspect", report, "html"), encoding="utf-8")
    shot = browser.screenshot(page, tmp_path / "inspect-treemap.png")
    assert shot.stat().st_size > 20_000  # a picture, not a blank page


def _big_archive(path: Path, files: int) -> None:
    """A docker-archive of one layer holding ``files`` files (sizes 0..3 kB, some 200 kB)."""
    layer = path.with_suffix(".layer")
    zeros = bytes(4096)
    with (
        layer.open("wb") as raw,
        tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar,
    ):
        for i in range(files):
            top = ("usr/lib/python3/dist-packages", "app/data", "opt/models", "usr/share/doc")[
                i % 4
            ]
            info = tarfile.TarInfo(f"{top}/pkg{i % 97}/sub{i % 13}/file{i}.py")
            info.size = (i * 7919) % 3000 + (200_000 if i % 5000 == 0 else 0)
            tar.addfile(info, io.BytesIO(zeros * (info.size // len(zeros) + 1)))
    digest = hashlib.sha256()
    with layer.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    config = json.dumps(
        {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [f"sha256:{digest.hexdigest()}"]},
            "history": [{"created_by": "COPY big /"}],
        }
    ).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps(
        [{"Config": config_name, "RepoTags": ["localhost/big:1"], "Layers": ["l/layer.tar"]}]
    ).encode()
    with tarfile.open(path, "w") as out:
        for name, data in (("manifest.json", manifest), (config_name, config)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))
        out.add(layer, "l/layer.tar")
    layer.unlink()


def test_a_300000_file_image_gives_a_small_page_that_opens_fast(
    browser: Browser, run_cli: Callable[..., Run], tmp_path: Path
) -> None:
    archive = tmp_path / "big.tar"
    _big_archive(archive, 300_000)
    out = tmp_path / "big.html"
    run = run_cli("inspect", archive, "-f", "html", "-o", out)
    assert run.exit_code == 0, run.stderr
    size = out.stat().st_size
    assert size < 5_000_000, size
    dom, seconds = browser.dom(out)
    assert seconds < 5.0, seconds
    assert 'data-ready="1"' in dom
    (files,) = re.findall(r'<svg class="treemap"[^>]*data-files="(\d+)"', dom)
    assert int(files) == 300_000
    print(f"300k files: {size:,} bytes of HTML, opened in {seconds:.2f}s")
