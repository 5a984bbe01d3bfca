"""jettison on real images built with buildah, checked against dive and against the image itself.

The images (see ``conftest.py``) are small but carry every feature the report covers:
deletes, overwrites, whiteouts, an opaque directory, hard links, symlinks, duplicates, apt
lists and pip's cache, a dev tool, bytecode, model weights. The oracles are outside jettison:

- ``dive --ci --json`` on the docker-archive, for the dive-compatible figures;
- the image's root filesystem mounted by buildah and measured from the host with ``lstat``
  (each inode once), for the final bytes and the caches;
- ``dpkg-query`` and ``importlib.metadata`` run *inside* the image, for what each Debian
  package and Python distribution owns.
"""

from __future__ import annotations

import dataclasses
import json
import stat
import subprocess
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from jettison.image.layer_reader import read_layer
from jettison.image.model import EntryKind
from jettison.image.sources import open_image
from jettison.inspect.report import InspectReport, OwnerBytes, RemovableCause

if TYPE_CHECKING:
    from conftest import BuiltImage

pytestmark = pytest.mark.integration

SOURCES = ("docker-archive", "oci-archive", "oci", "containers-storage")
IMAGES = ("debian", "python")

PIP_INSTALLED = ("docopt", "six", "idna", "pytest", "iniconfig", "pluggy", "packaging")


@pytest.fixture(params=IMAGES)
def image(request: pytest.FixtureRequest, real_images: dict[str, BuiltImage]) -> BuiltImage:
    return real_images[request.param]


@pytest.fixture
def debian(real_images: dict[str, BuiltImage]) -> BuiltImage:
    return real_images["debian"]


@pytest.fixture
def python(real_images: dict[str, BuiltImage]) -> BuiltImage:
    return real_images["python"]


def _owner(report: InspectReport, kind: str, name: str) -> OwnerBytes:
    found = [o for o in report.attribution.owners if (o.kind, o.name) == (kind, name)]
    assert len(found) == 1, f"{kind}:{name} is not an owner"
    return found[0]


def _cause(report: InspectReport, code: str) -> RemovableCause:
    (cause,) = [c for c in report.removable if c.cause == code]
    return cause


# --------------------------------------------------------------------------- the images


def test_debian_image_has_every_kind_of_layer_entry(debian: BuiltImage) -> None:
    """What buildah's overlay diff really wrote, so the other tests cover what they claim."""
    with open_image(str(debian.docker_archive)) as image:
        kinds = {
            (entry.path, entry.kind)
            for layer in image.layers
            for entry in read_layer(layer).entries
            if entry.path.startswith("opt/")
        }
    assert ("opt/data/scratch.bin", EntryKind.WHITEOUT) in kinds
    assert ("opt/tree", EntryKind.WHITEOUT) in kinds
    assert ("opt/cfg.d", EntryKind.OPAQUE) in kinds
    assert ("opt/links/data-symlink.txt", EntryKind.SYMLINK) in kinds
    assert {
        ("opt/links/data.txt", EntryKind.HARDLINK),
        ("opt/links/data-hardlink.txt", EntryKind.HARDLINK),
    } & kinds


# --------------------------------------------------------------------------- dive


def test_dive_figures_equal_dive(image: BuiltImage, dive_bin: str, tmp_path: Path) -> None:
    out = tmp_path / "dive.json"
    command = [dive_bin, "--source", "docker-archive", str(image.docker_archive), "--ci"]
    proc = subprocess.run(
        [*command, "--json", str(out)], capture_output=True, text=True, timeout=600, check=False
    )
    assert out.is_file(), f"dive failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
    theirs = json.loads(out.read_text())
    ours = image.report().dive
    assert {
        "sizeBytes": ours.size_bytes,
        "inefficientBytes": ours.wasted_bytes,
        "efficiencyScore": ours.efficiency_score,
        "layers": list(ours.layer_size_bytes),
        "files": [("/" + p.path, p.count, p.size_bytes) for p in ours.inefficient_paths],
    } == {
        "sizeBytes": theirs["image"]["sizeBytes"],
        "inefficientBytes": theirs["image"]["inefficientBytes"],
        "efficiencyScore": theirs["image"]["efficiencyScore"],
        "layers": [layer["sizeBytes"] for layer in theirs["layer"]],
        "files": [
            (r["file"], r["count"], r["sizeBytes"]) for r in theirs["image"]["fileReference"]
        ],
    }
    # The image really exercises dive's rules: several paths seen twice, nothing trivial.
    assert ours.wasted_bytes > 0
    assert len(ours.inefficient_paths) >= 3
    assert 0 < ours.efficiency_score < 1


# --------------------------------------------------------------------------- sources


def _source_neutral(report: InspectReport) -> InspectReport:
    """The report without what depends on how the image was stored."""
    layers = tuple(
        dataclasses.replace(
            layer, compressed_bytes=None, digest=None, compression="none", media_type=None
        )
        for layer in report.layers
    )
    return dataclasses.replace(
        report, reference="", source_kind="", tags=(), layers=layers,
        pull_bytes=None, pull_bytes_estimated=False,
        # buildah writes "Entrypoint": [] in a Docker config and leaves it out of the OCI one.
        entrypoint=report.entrypoint or None,
    )  # fmt: skip


def test_every_source_gives_the_same_report(image: BuiltImage) -> None:
    reports = {source: image.report(source) for source in SOURCES}
    assert [r.source_kind for r in reports.values()] == [
        "docker-archive", "oci-archive", "oci-layout", "containers-storage"
    ]  # fmt: skip
    expected = _source_neutral(reports["docker-archive"])
    for source, report in reports.items():
        assert _source_neutral(report) == expected, source
    assert not expected.skipped  # every digest checked, nothing left out
    assert all(layer.diff_id for layer in expected.layers if layer.index is not None)
    # Seeking over file bodies (the default for uncompressed layers) changes nothing else.
    seeking = image.report("docker-archive", verify="auto")
    assert dataclasses.replace(seeking, skipped=()) == reports["docker-archive"]


# --------------------------------------------------------------------------- the bytes


def test_final_bytes_are_the_bytes_in_the_container(image: BuiltImage) -> None:
    report = image.report()
    on_disk = image.rootfs.du()
    assert report.final_bytes == on_disk
    assert report.attribution.total_bytes == on_disk
    assert sum(o.size_bytes for o in report.attribution.owners) == on_disk
    # Every regular file path (hard links included) has exactly one owner.
    assert sum(o.file_count for o in report.attribution.owners) == len(image.rootfs.files)
    # What the layers ship is either visible or hidden.
    assert report.size_bytes == report.final_bytes + report.shadowed.size_bytes
    assert report.size_bytes == sum(layer.size_bytes for layer in report.layers)


# dpkg's own view, inside the image: the version of every installed package, and each path
# its file list names (dpkg-query -L) that exists, with stat's inode, size and raw mode.
# stat follows symlinked directories (merged /usr: /bin/bash is usr/bin/bash) but not a
# symlink at the end of the path.
DPKG_TRUTH = r"""
dpkg-query -W -f='V\t${Package}\t${Version}\t${db:Status-Status}\n'
for p in $(dpkg-query -W -f='${Package}\n'); do
  dpkg-query -L "$p" \
    | xargs -r -d '\n' stat --printf "F\t$p\t%d:%i\t%s\t%f\t%n\n" -- 2>/dev/null || true
done
"""


@dataclass
class _Package:
    version: str
    paths: set[str] = field(default_factory=set)
    """Root-relative real paths of its regular files."""
    inodes: dict[tuple[int, int], int] = field(default_factory=dict)
    """(st_dev, st_ino) -> st_size of those files."""


def _dpkg_truth(image: BuiltImage) -> dict[str, _Package]:
    """What each installed package owns according to dpkg, plus its byte code.

    A listed path is mapped to the real path holding the same inode under the same name
    (``/bin/bash`` -> ``usr/bin/bash``), from the host's walk of the mounted root filesystem.
    Byte code that a postinst compiled (``py3compile``) is in no dpkg list; like jettison,
    the truth gives ``pkg/__pycache__/mod.cpython-311.pyc`` to the package of ``pkg/mod.py``.
    """
    by_inode: dict[tuple[int, int], list[str]] = defaultdict(list)
    for path, (dev, ino, _size) in image.rootfs.files.items():
        by_inode[(dev, ino)].append(path)
    packages: dict[str, _Package] = {}
    listed: list[tuple[str, tuple[int, int], int, str]] = []
    for line in image.run("bash", "-c", DPKG_TRUTH).splitlines():
        kind, *fields = line.split("\t")
        if kind == "V" and fields[2] == "installed":
            packages[fields[0]] = _Package(fields[1])
        elif kind == "F" and stat.S_ISREG(int(fields[3], 16)):
            dev, _, ino = fields[1].partition(":")
            listed.append((fields[0], (int(dev), int(ino)), int(fields[2]), fields[4]))
    for name, inode, size, path in listed:
        base = path.rpartition("/")[2]
        real = [p for p in by_inode[inode] if p.rpartition("/")[2] == base]
        assert len(real) == 1, (name, path, real)
        packages[name].paths.add(real[0])
        packages[name].inodes[inode] = size
    source_owner = {path: name for name, package in packages.items() for path in package.paths}
    for path, (dev, ino, size) in image.rootfs.files.items():
        head, _, base = path.rpartition("/")
        if base.endswith(".pyc") and head.endswith("/__pycache__"):
            source = f"{head.removesuffix('__pycache__')}{base.partition('.')[0]}.py"
            if source in source_owner:
                packages[source_owner[source]].paths.add(path)
                packages[source_owner[source]].inodes[(dev, ino)] = size
    return packages


def test_debian_packages_match_dpkg(image: BuiltImage) -> None:
    report = image.report()
    truth = _dpkg_truth(image)
    expected = {
        name: (sum(package.inodes.values()), len(package.paths), package.version)
        for name, package in truth.items()
        if package.paths
    }
    owners = {
        o.name: (o.size_bytes, o.file_count, o.version)
        for o in report.attribution.owners
        if o.kind == "debian"
    }
    assert owners == expected
    assert len(owners) > 80
    # The image's own files are in there: the packages installed on top of the base.
    if image.key == "debian":
        assert {"jq", "libjq1", "libonig5"} <= owners.keys()


# Inside the image, with its own Python: for each distribution, the regular files its RECORD
# lists that exist, plus any other file in its .dist-info directory, each inode once.
PYTHON_TRUTH = r"""
import importlib.metadata as md, json, os, re, stat
out = {}
for dist in md.distributions():
    name = re.sub(r"[-_.]+", "-", dist.metadata["Name"]).lower()
    info = str(dist._path)
    paths = {os.path.normpath(str(dist.locate_file(f))) for f in dist.files or ()}
    for root, _dirs, files in os.walk(info):
        paths.update(os.path.join(root, f) for f in files)
    seen, size, count = set(), 0, 0
    for path in paths:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            continue
        if not stat.S_ISREG(st.st_mode):
            continue
        count += 1
        if (st.st_dev, st.st_ino) not in seen:
            seen.add((st.st_dev, st.st_ino))
            size += st.st_size
    out.setdefault(name, []).append(
        {"version": dist.version, "bytes": size, "files": count, "dist_info": info}
    )
print(json.dumps(out))
"""


def test_python_distributions_match_their_records(python: BuiltImage) -> None:
    report = python.report()
    truth: dict[str, list[dict[str, Any]]] = json.loads(
        python.run("python3", "-B", "-c", PYTHON_TRUTH)
    )
    for name in PIP_INSTALLED:
        (found,) = truth[name]
        assert found["dist_info"].startswith("/usr/local/lib/python3.11/dist-packages/")
        owner = _owner(report, "python", name)
        assert (owner.size_bytes, owner.file_count, owner.version) == (
            found["bytes"], found["files"], found["version"]
        ), name  # fmt: skip
    # pip's own view: every distribution it installed is an owner, with the same version.
    # (Debian's python3-pip, -setuptools, -wheel own their dist-info: those files go to the
    # Debian package, by jettison's precedence.)
    listed = json.loads(
        python.run("python3", "-B", "-m", "pip", "list", "--verbose", "--format", "json")
    )
    owners = {o.name: o.version for o in report.attribution.owners if o.kind == "python"}
    mine = [d for d in listed if d["location"] == "/usr/local/lib/python3.11/dist-packages"]
    assert len(mine) == len(PIP_INSTALLED)
    for dist in mine:
        name = dist["name"].lower().replace("_", "-").replace(".", "-")
        assert owners.get(name) == dist["version"], name


# --------------------------------------------------------------------------- removable


def _row(cause: RemovableCause, path: str) -> int:
    rows = [row.size_bytes for row in cause.top if row.path == path]
    assert rows, f"{path} not in {cause.cause}: {[row.path for row in cause.top]}"
    return sum(rows)


def test_apt_lists_are_a_package_cache(debian: BuiltImage) -> None:
    lists = "var/lib/apt/lists"
    measured = debian.rootfs.du(
        lists, keep=lambda p: p != f"{lists}/lock" and not p.startswith(f"{lists}/partial/")
    )
    assert measured > 1_000_000  # bookworm's indexes, compressed
    cause = _cause(debian.report(), "package-cache")
    assert _row(cause, lists) == measured
    assert cause.size_bytes >= measured


def test_pip_cache_is_a_package_cache(python: BuiltImage) -> None:
    measured = python.rootfs.du("root/.cache/pip")
    assert measured > 10_000  # the wheel pip built for docopt
    assert _row(_cause(python.report(), "package-cache"), "root/.cache/pip") == measured


def test_pytest_and_what_only_it_needs_are_dev_tools(python: BuiltImage) -> None:
    report = python.report()
    cause = _cause(report, "dev-tools")
    by_owner = {row.owner: row.size_bytes for row in cause.top}
    for name in ("pytest", "pluggy", "iniconfig"):
        assert by_owner.get(f"python:{name}") == _owner(report, "python", name).size_bytes, name
    assert "python:six" not in by_owner
    assert "python:docopt" not in by_owner
    assert "python:idna" not in by_owner


def test_safetensors_are_model_weights(python: BuiltImage) -> None:
    cause = _cause(python.report(), "model-weights")
    weights = "app/model/model.safetensors"
    assert _row(cause, weights) == len(python.recipe.files["model/model.safetensors"])
    assert cause.size_bytes == python.rootfs.du(weights)  # config.json is not weights


def test_compiled_app_is_bytecode(python: BuiltImage) -> None:
    cause = _cause(python.report(), "bytecode")
    measured = python.rootfs.du("app/__pycache__")
    assert measured > 0
    assert _row(cause, "app") == measured


def test_deleted_overwritten_and_replaced_files_are_shadowed(debian: BuiltImage) -> None:
    shadowed = debian.report().shadowed
    files = debian.recipe.files
    hidden = sum(
        len(files[name])
        for name in (
            "scratch.bin", "settings-v1.conf", "tree/a.txt", "tree/sub/b.txt", "tree/sub/c.txt",
            "cfg.d/one.conf", "cfg.d/two.conf",
        )
    )  # fmt: skip
    assert shadowed.size_bytes >= hidden
    top = {(h.path, h.cause): h.size_bytes for h in shadowed.top}
    assert top[("opt/data/scratch.bin", "deleted")] == len(files["scratch.bin"])
    assert top[("opt/tree/sub/b.txt", "deleted")] == len(files["tree/sub/b.txt"])


def test_duplicates_and_hard_links(debian: BuiltImage) -> None:
    report = debian.report()
    cause = _cause(report, "duplicates")
    rows = {row.path: row for row in cause.top}
    assert rows["opt/dup/one.bin"].size_bytes == len(debian.recipe.files["payload.bin"])
    assert rows["opt/dup/one.bin"].owner == "copies:2"
    # A hard link shares its data: it is neither a duplicate nor counted twice.
    assert not any(path.startswith("opt/links/") for path in rows)
    assert _owner(report, "unowned", "/opt").size_bytes == debian.rootfs.du("opt")


# --------------------------------------------------------------------------- the CLI


def test_cli_json_report_and_broken_budget(debian: BuiltImage, tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "jettison", "inspect", str(debian.docker_archive), *args],
            capture_output=True, text=True, timeout=600, check=False, cwd=tmp_path,
        )  # fmt: skip

    broken = cli(
        "--format", "json", "--no-progress", "--max-size", "10MB", "--min-efficiency", "0.5"
    )
    assert broken.returncode == 1, broken.stderr
    doc = json.loads(broken.stdout)
    report = debian.report()
    assert doc["source_kind"] == "docker-archive"
    assert (doc["size_bytes"], doc["final_bytes"]) == (report.size_bytes, report.final_bytes)
    assert doc["dive"]["efficiency_score"] == report.dive.efficiency_score
    assert {b["name"]: b["ok"] for b in doc["budgets"]} == {"size": False, "dive efficiency": True}
    assert not doc["budgets_ok"]
    assert "budget broken: size is" in broken.stderr
    assert "Traceback" not in broken.stderr

    kept = cli("--format", "json", "--no-progress", "--max-size", "1GB", "-o", "report.json")
    assert kept.returncode == 0, kept.stderr
    assert json.loads((tmp_path / "report.json").read_text())["budgets_ok"] is True
