from __future__ import annotations

from jettison.image.scan import glob_filter
from jettison.inspect.attribution import CAPTURE_GLOBS
from support.memimage import File, Hardlink, Whiteout

from ._helpers import SITE, attribute_layers, deb, dpkg_status, installed, wheel

DIST_PACKAGES = "usr/lib/python3/dist-packages"


def test_a_file_claimed_by_dpkg_and_a_record_goes_to_the_debian_package() -> None:
    shared = f"{DIST_PACKAGES}/yaml/__init__.py"
    python = wheel(
        "PyYAML",
        "6.0",
        {"yaml/__init__.py": b"y" * 40, "yaml/_only_pip.py": b"p"},
        site=DIST_PACKAGES,
    )
    status = File("var/lib/dpkg/status", dpkg_status(installed("python3-yaml", "6.0-3")))
    debian = deb("python3-yaml", {}, listed_as=[f"/{shared}"])
    result = attribute_layers([[*python, *debian, status]])
    assert result.ownership.owner_of(shared) == "debian:python3-yaml"
    assert shared not in result.ownership.python["pyyaml"].files
    assert result.ownership.debian["python3-yaml"].files == (shared,)
    assert result.ownership.owner_of(f"{DIST_PACKAGES}/yaml/_only_pip.py") == "python:pyyaml"
    assert result.owner("debian", "python3-yaml").size_bytes == 40


def test_unowned_files_are_grouped_by_top_level_directory() -> None:
    result = attribute_layers(
        [
            [
                File("app/main.py", b"m" * 10),
                File("app/models/model.bin", b"w" * 1000),
                File("opt/tool/bin/tool", b"t" * 20),
                File(".dockerenv", b""),
                File("usr/local/share/x", b"x"),
            ]
        ]
    )
    owners = [(o.kind, o.name, o.size_bytes, o.file_count) for o in result.attribution.owners]
    assert owners == [
        ("unowned", "/app", 1010, 2),
        ("unowned", "/opt", 20, 1),
        ("unowned", "/usr", 1, 1),
        ("unowned", "/", 0, 1),
    ]
    assert result.ownership.owner_by_path == {}


def test_owners_sorted_by_size_then_kind_then_name() -> None:
    status = File("var/lib/dpkg/status", dpkg_status(installed("bbb"), installed("aaa")))
    layer = [
        *deb("bbb", {"usr/bin/b": b"12345"}),
        *deb("aaa", {"usr/bin/a": b"12345"}),
        status,
        File("opt/x", b"12345"),
    ]
    result = attribute_layers([layer])
    head = [(o.kind, o.name) for o in result.attribution.owners if o.size_bytes == 5]
    assert head == [("debian", "aaa"), ("debian", "bbb"), ("unowned", "/opt")]


def test_layer_bytes_show_which_layers_supplied_an_owners_files() -> None:
    first = wheel("foo", "1.0", {"foo/a.py": b"a" * 100, "foo/b.py": b"b" * 10})
    result = attribute_layers([first, [File(f"{SITE}/foo/b.py", b"B" * 30)], [File("app/x", b"x")]])
    owner = result.owner("python", "foo")
    layer0 = owner.size_bytes - 30
    assert owner.layer_bytes == ((0, layer0), (1, 30))
    assert result.owner("unowned", "/app").layer_bytes == ((2, 1),)


def test_hard_link_whose_target_was_deleted_carries_the_bytes() -> None:
    result = attribute_layers(
        [
            [File("opt/data/a.bin", b"a" * 64), Hardlink("app/b.bin", "opt/data/a.bin")],
            [Whiteout("opt/data/a.bin")],
        ]
    )
    assert result.owner("unowned", "/app").size_bytes == 64
    assert result.attribution.total_bytes == 64


def test_empty_image() -> None:
    result = attribute_layers([[]])
    assert result.attribution.owners == ()
    assert result.attribution.cuda == ()
    assert result.attribution.total_bytes == 0


def test_capture_globs_capture_only_metadata_files() -> None:
    match = glob_filter(CAPTURE_GLOBS)
    wanted = [
        "var/lib/dpkg/status",
        "var/lib/dpkg/status.d/libc6",
        "var/lib/dpkg/status.d/libc6.md5sums",
        "var/lib/dpkg/info/libc6:amd64.list",
        f"{SITE}/torch-2.3.0.dist-info/RECORD",
        f"{SITE}/torch-2.3.0.dist-info/METADATA",
        "app/.venv/lib/python3.11/site-packages/x-1.dist-info/RECORD",
    ]
    unwanted = [
        "var/lib/dpkg/info/libc6:amd64.md5sums",
        "var/lib/dpkg/info/libc6:amd64.postinst",
        "var/lib/dpkg/status-old",
        f"{SITE}/torch/lib/libtorch_cuda.so",
        f"{SITE}/torch-2.3.0.dist-info/LICENSE",
        "usr/share/doc/libc6/copyright",
    ]
    assert all(match(p, 1) for p in wanted)
    assert not any(match(p, 1) for p in unwanted)
