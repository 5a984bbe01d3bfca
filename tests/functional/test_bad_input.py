"""Bad input never shows a traceback: it is one ``jettison: error:`` line (and maybe a hint)
with exit code 2, or - when only some entries are unusable - a skipped item in a report."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from support.imagewriter import (
    Faults,
    ImageSpec,
    LayerSpec,
    TarEntry,
    build_image,
    docker_archive_files,
    file,
    hardlink,
    pax_global,
    sized,
    symlink,
    write_tar,
)

from .conftest import Run, write_image

Make = Callable[[Path], Path | str]
"""Builds the bad input below a directory and returns what to pass as IMAGE."""

SIMPLE = ImageSpec(
    [
        LayerSpec([file("etc/hostname", "box\n"), sized("opt/data.bin", 40_000)]),
        LayerSpec([sized("opt/model.onnx", 30_000, fill=b"0123456789abcdef")], "gzip"),
        LayerSpec([sized("opt/extra.bin", 30_000, fill=b"fedcba9876543210")], "zstd"),
    ]
)


def assert_one_line_error(run: Run, pattern: str) -> None:
    """Exit 2; stderr is one error line matching ``pattern``, then at most a hint line."""
    assert run.exit_code == 2, run
    assert run.stdout == ""
    lines = run.stderr_lines
    assert 1 <= len(lines) <= 2, lines
    assert lines[0].startswith("jettison: error: "), lines
    assert re.search(pattern, lines[0]), lines[0]
    if len(lines) == 2:
        assert lines[1].startswith("  hint: "), lines
    assert "Traceback" not in run.stderr
    assert "internal error" not in run.stderr


def _text_file(d: Path) -> Path:
    path = d / "notes.tar"
    path.write_text("this is not a tar archive\n" * 50)
    return path


def _empty_file(d: Path) -> Path:
    path = d / "empty.tar"
    path.write_bytes(b"")
    return path


def _rootfs(d: Path) -> Path:
    return write_tar(d / "rootfs.tar", {"etc/passwd": b"root:x:0:0::/root:/bin/sh\n"})


def _truncated(d: Path) -> Path:
    whole = write_image("docker-archive", d / "src", SIMPLE).read_bytes()
    path = d / "cut.tar"
    path.write_bytes(whole[: len(whole) // 3])  # inside the first layer's data
    return path


def _truncated_at_a_header(d: Path) -> Path:
    whole = write_image("docker-archive", d / "src", SIMPLE).read_bytes()
    path = d / "cut.tar"
    path.write_bytes(whole[:1100])  # inside the second member's header (<id>/json at 1024)
    return path


def _faulty(kind: str, faults: Faults) -> Make:
    return lambda d: write_image(kind, d, SIMPLE, faults=faults)


def _bad_manifest_json(d: Path) -> Path:
    files = docker_archive_files(SIMPLE)
    files["manifest.json"] = b'[{"Config": "x.json", "Layers": [}'
    return write_tar(d / "x.tar", files)


def _raw_layer(tar: bytes) -> Make:
    return lambda d: write_image("oci-layout", d, ImageSpec([LayerSpec(raw_tar=tar)]))


def _negative_size_tar() -> bytes:
    header = bytearray(512)
    header[0:4] = b"evil"
    header[100:108] = b"0000644\x00"
    header[124:136] = b"-0001000000\x00"
    header[156:157] = b"0"
    header[257:265] = b"ustar\x0000"
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\x00 " % sum(header)
    return bytes(header) + bytes(1024)


def _two_images(d: Path) -> Path:
    first = docker_archive_files(ImageSpec([LayerSpec([file("a")])], tag="localhost/a:1"))
    second = docker_archive_files(ImageSpec([LayerSpec([file("b")])], tag="localhost/b:1"))
    manifest = json.loads(first["manifest.json"]) + json.loads(second["manifest.json"])
    return write_tar(
        d / "two.tar", {**first, **second, "manifest.json": json.dumps(manifest).encode()}
    )


def _bad_index(d: Path) -> Path:
    layout = write_image("oci-layout", d, SIMPLE)
    (layout / "index.json").write_text("{not json")
    return layout


def _plain_dir(d: Path) -> Path:
    (d / "just-a-dir").mkdir()
    (d / "just-a-dir" / "file.txt").write_text("hello")
    return d / "just-a-dir"


ERRORS: dict[str, tuple[Make, str]] = {
    "not-a-tar": (_text_file, r"notes\.tar: not a tar archive \(nor a gzip, bzip2 or xz"),
    "empty-file": (_empty_file, r"empty\.tar: an empty file, not a tar archive$"),
    "plain-rootfs-tar": (_rootfs, r"without manifest\.json or index\.json: not an image"),
    "truncated-archive": (_truncated, r"cut\.tar: .*(unexpected end of data|cut short)"),
    "truncated-in-a-header": (_truncated_at_a_header, r"cut\.tar: the archive is cut short"),
    "corrupt-gzip-layer": (
        _faulty("oci-archive", Faults(wrong_digest=frozenset({1}))),
        r"layer 1 \(blobs/sha256/[0-9a-f]{64}\): corrupt gzip data",
    ),
    "corrupt-zstd-layer": (
        _faulty("docker-archive-oci-blobs", Faults(wrong_digest=frozenset({2}))),
        r"layer 2 \(blobs/sha256/[0-9a-f]{64}\): corrupt zstd data",
    ),
    "truncated-gzip-layer": (
        _faulty("docker-archive", Faults(truncate={1: 60})),
        r"layer 1 \([0-9a-f]{64}/layer\.tar\): gzip stream is truncated$",
    ),
    "truncated-zstd-layer": (
        _faulty("docker-archive", Faults(truncate={2: 40})),
        r"layer 2 \([0-9a-f]{64}/layer\.tar\): zstd stream is truncated$",
    ),
    "truncated-plain-layer": (
        _faulty("docker-archive", Faults(truncate={0: 5000})),
        r"layer 0 \([0-9a-f]{64}/layer\.tar\): truncated tar",
    ),
    "missing-blob-docker": (
        _faulty("docker-archive", Faults(missing_blob=frozenset({1}))),
        r"the image names '[0-9a-f]{64}/layer\.tar', which is missing from the archive$",
    ),
    "missing-blob-oci": (
        _faulty("oci-layout", Faults(missing_blob=frozenset({2}))),
        r"the image names blob 'blobs/sha256/[0-9a-f]{64}', which is missing$",
    ),
    "missing-config": (
        _faulty("oci-archive", Faults(missing_config=True)),
        r"which is missing from the archive$",
    ),
    "size-mismatch": (
        _faulty("oci-layout", Faults(truncate={0: 100})),
        r"layer 0 blob sha256:[0-9a-f]{64} is 100 bytes, the manifest says 51200$",
    ),
    "manifest-not-json": (_bad_manifest_json, r"manifest 'manifest\.json' is not valid JSON"),
    "index-not-json": (_bad_index, r"index\.json 'index\.json' is not valid JSON"),
    "layer-not-a-tar": (_raw_layer(b"hello world" * 100), r"not a valid tar stream"),
    "layer-with-negative-size": (
        _raw_layer(_negative_size_tar()),
        r"invalid tar header: negative size at byte 0$",
    ),
    "several-images-without-tag": (_two_images, r"two\.tar holds 2 images$"),
    "nonexistent-absolute-path": (
        lambda d: str(d / "missing" / "image.tar"),
        r"image\.tar: no such file, directory or image$",
    ),
    "nonexistent-relative-path": (
        lambda d: "./missing-image.tar",
        r"\./missing-image\.tar: no such file, directory or image$",
    ),
    "nonexistent-with-transport": (
        lambda d: f"oci-archive:{d / 'missing.tar'}",
        r"missing\.tar does not exist$",
    ),
    "directory-not-a-layout": (
        _plain_dir,
        r"just-a-dir is a directory but not an OCI image layout \(no index\.json\)$",
    ),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_bad_input_is_one_line(case: str, images: Path, run_cli: Callable[..., Run]) -> None:
    make, pattern = ERRORS[case]
    run = run_cli("inspect", make(images))
    assert_one_line_error(run, pattern)


@pytest.mark.parametrize(
    "args",
    [
        ("inspect", "{long}"),
        ("inspect", "docker-archive:{long}"),
        ("inspect", "oci:{long}"),
        ("diff", "oci-archive:{long}", "{long}"),
        ("lint", "{long}"),
        ("fix", "{long}"),
        ("plan", "{long}"),
    ],
    ids=lambda args: "-".join(a.partition(":")[0] for a in args if a != "{long}") or "path",
)
def test_a_path_longer_than_the_os_allows_is_one_line(
    args: tuple[str, ...], run_cli: Callable[..., Run]
) -> None:
    """A name of 300 bytes made ``Path.exists`` raise ENAMETOOLONG: "internal error"."""
    long = "x" * 300
    run = run_cli(*(a.format(long=long) for a in args))
    assert_one_line_error(run, "x{100}")


@pytest.mark.parametrize("case", ["not-a-tar", "corrupt-zstd-layer", "layer-with-negative-size"])
def test_bad_input_in_a_subprocess(
    case: str, images: Path, run_process: Callable[..., Run]
) -> None:
    make, pattern = ERRORS[case]
    assert_one_line_error(run_process("inspect", make(images)), pattern)


def test_corruption_is_found_without_digest_checks(
    images: Path, run_cli: Callable[..., Run]
) -> None:
    path = write_image("oci-layout", images, SIMPLE, faults=Faults(wrong_digest=frozenset({1})))
    assert_one_line_error(run_cli("inspect", path, "--verify", "none"), r"corrupt gzip data")


def test_debug_variable_does_not_turn_user_errors_into_tracebacks(
    images: Path, run_cli: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JETTISON_DEBUG", "1")
    assert_one_line_error(run_cli("inspect", _empty_file(images)), "an empty file")


@pytest.mark.parametrize("platform", ["garbage", "linux", "linux/amd64/v8/x", "/", ""])
def test_platform_garbage(platform: str, images: Path, run_cli: Callable[..., Run]) -> None:
    layout = write_image("oci-layout", images, SIMPLE)
    run = run_cli("inspect", layout, "--platform", platform)
    if platform == "":
        assert run.exit_code == 0  # an empty value is no choice: the default applies
        return
    assert_one_line_error(run, "platform must look like os/arch")
    assert run.stderr_lines[1] == "  hint: e.g. --platform linux/arm64"


def test_platform_not_in_the_image(images: Path, run_cli: Callable[..., Run]) -> None:
    layout = write_image("oci-layout", images, SIMPLE)
    run = run_cli("inspect", layout, "--platform", "linux/riscv64")
    assert_one_line_error(run, r"index\.json: no image for platform linux/riscv64$")
    assert run.stderr_lines[1] == "  hint: available: linux/amd64; choose with --platform"


# -- inputs that give a report, with what could not be used listed as skipped ---------------


def report_of(run: Run) -> dict[str, Any]:
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result


DIGEST_NOTE = "digests of layers"
"""The note that uncompressed layers were seeked over, not hashed (default ``--verify auto``)."""


def skipped(report: dict[str, Any]) -> list[tuple[str, str, int | None]]:
    """Notice items other than the digest note, which most tests do not look at."""
    return [
        (s["subject"], s["message"], s["layer"])
        for s in report["skipped"]
        if not s["subject"].startswith(DIGEST_NOTE)
    ]


def test_digest_mismatch_of_an_uncompressed_layer(
    images: Path, run_cli: Callable[..., Run], run_process: Callable[..., Run]
) -> None:
    path = _faulty("docker-archive-oci-blobs", Faults(wrong_digest=frozenset({0})))(images)
    pattern = r"layer 0 \(blobs/sha256/[0-9a-f]{64}\): digest mismatch: expected sha256:"
    assert_one_line_error(run_cli("inspect", path, "--verify", "all"), pattern)
    assert_one_line_error(run_process("inspect", path, "--verify", "all"), pattern)
    # By default the contents are seeked over: the report says the digest was not checked.
    notes = report_of(run_cli("inspect", "-f", "json", path))["skipped"]
    assert [n["subject"] for n in notes if n["subject"].startswith(DIGEST_NOTE)] == [
        "digests of layers 0"
    ]


@pytest.mark.parametrize("kind", ["docker-archive", "oci-archive"])
def test_unsafe_and_odd_paths(kind: str, images: Path, run_cli: Callable[..., Run]) -> None:
    spec = ImageSpec(
        [
            LayerSpec(
                [
                    sized("../../etc/cron.d/evil", 100),
                    sized("app/../../escape", 200),
                    sized("/abs/file", 300),
                    sized("./app/./dotted", 400),
                    hardlink("app/link-out", "../../../etc/shadow"),
                ]
            )
        ]
    )
    report = report_of(run_cli("inspect", "-f", "json", write_image(kind, images, spec)))
    assert skipped(report) == [
        ("../../etc/cron.d/evil", "path escapes the image root; entry ignored", 0),
        ("app/../../escape", "path escapes the image root; entry ignored", 0),
        ("app/link-out", "hard link target escapes the image root", 0),
    ]
    assert report["final_bytes"] == 700  # /abs/file and app/dotted, normalised
    assert {o["name"]: o["size_bytes"] for o in report["attribution"]["owners"]} == {
        "/abs": 300,
        "/app": 400,
    }


def test_hard_links_to_missing_targets(images: Path, run_cli: Callable[..., Run]) -> None:
    spec = ImageSpec(
        [
            LayerSpec([sized("bin/real", 5000), hardlink("bin/alias", "bin/real")]),
            LayerSpec([hardlink("bin/orphan", "bin/never-was")], "gzip"),
        ]
    )
    report = report_of(run_cli("inspect", "-f", "json", write_image("oci-layout", images, spec)))
    assert skipped(report) == [("bin/orphan", "hard link to missing target 'bin/never-was'", 1)]
    assert report["final_bytes"] == 5000  # the valid link is counted once


def test_symlink_loops_do_not_hang(images: Path, run_process: Callable[..., Run]) -> None:
    spec = ImageSpec(
        [
            LayerSpec(
                [
                    symlink("a", "b"),
                    symlink("b", "a"),
                    symlink("self", "self"),
                    symlink(
                        "usr/lib/python3/dist-packages", "../../../usr/lib/python3/dist-packages"
                    ),
                    symlink("lib", "usr/lib"),
                    symlink("usr/lib/loop", "/lib/loop"),
                    file("usr/lib/x", "x"),
                ]
            )
        ]
    )
    path = write_image("docker-archive", images, spec)
    report = report_of(run_process("inspect", "-f", "json", path))  # the fixture times out
    assert report["final_bytes"] == 1
    assert skipped(report) == []


def test_pax_global_headers(images: Path, run_cli: Callable[..., Run]) -> None:
    spec = ImageSpec(
        [
            LayerSpec(
                [
                    pax_global({"comment": "git archive", "uid": "1234"}),
                    sized("src/app.py", 1000),
                    sized("src/util.py", 24),
                ]
            )
        ]
    )
    report = report_of(run_cli("inspect", "-f", "json", write_image("oci-layout", images, spec)))
    assert report["final_bytes"] == 1024
    assert skipped(report) == []
    assert report["layers"][0]["file_count"] == 2


def test_non_utf8_names_give_valid_json(images: Path, run_process: Callable[..., Run]) -> None:
    spec = ImageSpec(
        [
            LayerSpec(
                [
                    TarEntry(b"data/caf\xe9.bin", data=b"x" * 3000),
                    TarEntry(b"data/\xff\xfe/model.safetensors", data=b"w" * 5000),
                    file("data/ok-\u00e9t\u00e9.txt", "fine"),
                ]
            )
        ]
    )
    path = write_image("docker-archive", images, spec)
    for fmt in ("json", "tty", "markdown"):
        run = run_process("inspect", "-f", fmt, path)
        assert run.exit_code == 0, run.stderr
    run = run_process("inspect", "-f", "json", path)
    report = json.loads(run.stdout)  # run_process decoded stdout as strict UTF-8
    assert skipped(report) == [  # sorted: "\\" before "c"
        ("data/\\xff\\xfe/model.safetensors", "name is not valid UTF-8; shown escaped", 0),
        ("data/caf\\xe9.bin", "name is not valid UTF-8; shown escaped", 0),
    ]
    assert report["final_bytes"] == 8004
    weights = {c["cause"]: c for c in report["removable"]}["model-weights"]
    assert [t["path"] for t in weights["top"]] == ["data/\\xff\\xfe/model.safetensors"]
    assert {o["name"]: o["file_count"] for o in report["attribution"]["owners"]} == {"/data": 3}


@pytest.mark.parametrize(
    "kind", ["docker-archive", "docker-archive-oci-blobs", "oci-layout", "oci-archive"]
)
def test_empty_image(kind: str, images: Path, run_cli: Callable[..., Run]) -> None:
    report = report_of(run_cli("inspect", "-f", "json", write_image(kind, images, ImageSpec([]))))
    assert (report["size_bytes"], report["final_bytes"], report["removable_bytes"]) == (0, 0, 0)
    assert report["layers"] == []
    assert report["shadowed"]["size_bytes"] == 0
    assert report["attribution"]["owners"] == []
    for fmt in ("tty", "markdown"):
        assert (
            run_cli("inspect", "-f", fmt, write_image(kind, images, ImageSpec([]))).exit_code == 0
        )


def test_digest_mismatch_can_be_skipped_deliberately(
    images: Path, run_cli: Callable[..., Run]
) -> None:
    built = build_image(SIMPLE)
    path = write_image("oci-layout", images, SIMPLE, faults=Faults(wrong_digest=frozenset({0})))
    report = report_of(run_cli("inspect", "-f", "json", path, "--verify", "none"))
    assert report["layers"][0]["digest"] == built.layers[0].digest  # as named, not as found


# -- nothing is written but the report --------------------------------------------------------


def _tree(root: Path) -> dict[str, tuple[int, int]]:
    return {
        str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(root.rglob("*"))
    }


def test_nothing_is_written_but_the_report(
    tmp_path: Path, workdir: Path, images: Path, run_process: Callable[..., Run]
) -> None:
    paths = [write_image(kind, images / kind) for kind in ("docker-archive", "oci-layout")]
    bad = _faulty("oci-archive", Faults(wrong_digest=frozenset({1})))(images / "bad")
    before = _tree(tmp_path)
    for path in paths:
        for fmt in ("json", "tty", "markdown"):
            assert run_process("inspect", "-f", fmt, path, "--max-size", "1kB").exit_code == 1
    assert run_process("inspect", bad).exit_code == 2
    assert run_process("inspect", "--help").exit_code == 0
    assert _tree(tmp_path) == before

    assert run_process("inspect", paths[0], "-f", "json", "-o", "out/../report.json").exit_code == 2
    assert _tree(tmp_path) == before  # "out" does not exist: nothing written
    assert run_process("inspect", paths[0], "-f", "json", "-o", "report.json").exit_code == 0
    after = _tree(tmp_path)
    assert set(after) - set(before) == {"work/report.json"}
    unchanged = {k: v for k, v in after.items() if k not in ("work", "work/report.json")}
    assert unchanged == {k: v for k, v in before.items() if k != "work"}
    assert [p.name for p in workdir.iterdir()] == ["report.json"]
