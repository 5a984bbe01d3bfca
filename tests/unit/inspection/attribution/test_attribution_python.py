from __future__ import annotations

from jettison.image.scan import glob_filter
from jettison.inspect.attribution import python
from support.memimage import Dir, File, Symlink, Whiteout

from ._helpers import SITE, attribute_layers, record_line, wheel


def test_record_files_and_climbing_scripts_belong_to_the_dist() -> None:
    result = attribute_layers(
        [
            wheel(
                "Foo_Bar",
                "1.2.0",
                {"foo_bar/__init__.py": b"x = 1\n", "../../../bin/foo": b"#!/bin/sh\n"},
                requires=["numpy>=1.20", 'pytest; extra == "test"'],
                metadata_name="Foo.Bar",
            )
        ]
    )
    dist = result.ownership.python["foo-bar"]
    assert dist.version == "1.2.0"
    assert dist.dist_info == f"{SITE}/Foo_Bar-1.2.0.dist-info"
    assert dist.requires == ("numpy>=1.20", 'pytest; extra == "test"')
    assert "usr/local/bin/foo" in dist.files
    assert f"{SITE}/foo_bar/__init__.py" in dist.files
    assert result.ownership.owner_of("usr/local/bin/foo") == "python:foo-bar"
    owner = result.owner("python", "foo-bar")
    assert owner.version == "1.2.0"
    assert owner.file_count == 5  # module, script, METADATA, INSTALLER, RECORD


def test_counts_bytes_present_not_record_sizes_and_skips_deleted_files() -> None:
    base = wheel("foo", "1.0", {"foo/a.py": b"a" * 10, "foo/big.bin": b"b" * 1000})
    result = attribute_layers(
        [
            base,
            [Whiteout(f"{SITE}/foo/big.bin"), File(f"{SITE}/foo/a.py", b"patched")],
        ]
    )
    dist = result.ownership.python["foo"]
    assert f"{SITE}/foo/big.bin" not in dist.files
    owner = result.owner("python", "foo")
    dist_info_bytes = sum(
        result.resolver.size(e) for e in result.resolver.files() if ".dist-info/" in e.path
    )
    assert owner.size_bytes == len(b"patched") + dist_info_bytes
    assert dict(owner.layer_bytes) == {0: dist_info_bytes, 1: len(b"patched")}


def test_reinstalled_dist_in_a_later_layer_wins() -> None:
    old = wheel("foo", "1.0", {"foo/__init__.py": b"v1", "foo/gone.py": b"old only"})
    new = wheel("foo", "2.0", {"foo/__init__.py": b"v2!", "foo/new.py": b"new"})
    uninstall = [
        Whiteout(f"{SITE}/foo-1.0.dist-info"),
        Whiteout(f"{SITE}/foo/gone.py"),
    ]
    result = attribute_layers([old, [*uninstall, *new]])
    dist = result.ownership.python["foo"]
    assert dist.version == "2.0"
    assert dist.dist_info == f"{SITE}/foo-2.0.dist-info"
    assert f"{SITE}/foo/gone.py" not in dist.files
    owner = result.owner("python", "foo")
    assert [layer for layer, _ in owner.layer_bytes] == [1]


def test_overlapping_dists_the_latest_record_wins_shared_files() -> None:
    # opencv-python then opencv-python-headless without uninstalling: both ship cv2/.
    first = wheel("opencv-python", "4.9", {"cv2/__init__.py": b"one", "cv2/gui.so": b"gui"})
    second = wheel("opencv-python-headless", "4.9", {"cv2/__init__.py": b"two!"})
    result = attribute_layers([first, second])
    owners = result.ownership.owner_by_path
    assert owners[f"{SITE}/cv2/__init__.py"] == "python:opencv-python-headless"
    assert owners[f"{SITE}/cv2/gui.so"] == "python:opencv-python"


def test_same_name_in_two_environments_is_one_owner() -> None:
    venv = "app/.venv/lib/python3.11/site-packages"
    result = attribute_layers(
        [
            wheel("pip", "23.0", {"pip/__init__.py": b"old"}),
            wheel("pip", "24.0", {"pip/__init__.py": b"newer"}, site=venv),
        ]
    )
    dist = result.ownership.python["pip"]
    assert dist.version == "24.0"  # the latest-installed copy describes the owner
    assert f"{SITE}/pip/__init__.py" in dist.files
    assert f"{venv}/pip/__init__.py" in dist.files
    assert not result.has_owner("unowned", "/app")


def test_unlisted_files_inside_a_package_directory_go_to_its_dist() -> None:
    torch = wheel("torch", "2.3", {"torch/__init__.py": b"t", "torch/lib/libtorch_cpu.so": b"cpu"})
    six = wheel("six", "1.16", {"six.py": b"six"})
    cublas = wheel(
        "nvidia-cublas-cu12",
        "12.1",
        {"nvidia/__init__.py": b"", "nvidia/cublas/lib/libcublas.so.12": b"c"},
    )
    cudnn = wheel(
        "nvidia-cudnn-cu12",
        "9.1",
        {"nvidia/__init__.py": b"", "nvidia/cudnn/lib/libcudnn.so.9": b"d"},
    )
    later = [
        File(f"{SITE}/torch/__pycache__/__init__.cpython-311.pyc", b"pyc"),
        File(f"{SITE}/torch/lib/extra/kernel.cubin", b"k"),
        File(f"{SITE}/__pycache__/six.cpython-311.pyc", b"pyc6"),
        File(f"{SITE}/nvidia/cudnn/__pycache__/__init__.cpython-311.pyc", b"p"),
        File(f"{SITE}/nvidia/__pycache__/__init__.cpython-311.pyc", b"shared"),
        File(f"{SITE}/nvidia/NOTICE.txt", b"notice"),
        File(f"{SITE}/stray.pth", b"stray"),
    ]
    result = attribute_layers([torch, six, cublas, cudnn, later])
    owner = result.ownership.owner_of
    assert owner(f"{SITE}/torch/__pycache__/__init__.cpython-311.pyc") == "python:torch"
    assert owner(f"{SITE}/torch/lib/extra/kernel.cubin") == "python:torch"
    assert owner(f"{SITE}/__pycache__/six.cpython-311.pyc") == "python:six"
    assert (
        owner(f"{SITE}/nvidia/cudnn/__pycache__/__init__.cpython-311.pyc")
        == "python:nvidia-cudnn-cu12"
    )
    # A .pyc follows its source, whose owner is the last wheel that wrote it.
    assert owner(f"{SITE}/nvidia/__pycache__/__init__.cpython-311.pyc") == owner(
        f"{SITE}/nvidia/__init__.py"
    )
    # nvidia/ is a namespace shared by two wheels, and the site directory is nobody's.
    assert owner(f"{SITE}/nvidia/NOTICE.txt") is None
    assert owner(f"{SITE}/stray.pth") is None


def test_unlisted_files_outside_site_packages_are_not_guessed() -> None:
    # A --target install: its RECORD is trusted, but its directories claim nothing more.
    result = attribute_layers(
        [
            wheel("foo", "1.0", {"foo/a.py": b"a"}, site="app/deps"),
            [File("app/deps/foo/b.py", b"b")],
        ]
    )
    assert result.ownership.owner_of("app/deps/foo/a.py") == "python:foo"
    assert result.ownership.owner_of("app/deps/foo/b.py") is None


def test_vendored_dist_infos_belong_to_the_vendoring_dist() -> None:
    vendored = "setuptools/_vendor/jaraco.text-3.12.1.dist-info"
    inner = wheel(
        "jaraco.text",
        "3.12.1",
        {"jaraco/text/__init__.py": b"j"},
        site=f"{SITE}/setuptools/_vendor",
    )
    record = [
        record_line(s.path.removeprefix(f"{SITE}/"), b"") for s in inner if isinstance(s, File)
    ]
    outer = wheel("setuptools", "69.0", {"setuptools/__init__.py": b"s"}, extra_record=record)
    result = attribute_layers([inner + outer])
    assert "jaraco-text" not in result.ownership.python
    assert result.ownership.owner_of(f"{SITE}/{vendored}/METADATA") == "python:setuptools"
    assert (
        result.ownership.owner_of(f"{SITE}/setuptools/_vendor/jaraco/text/__init__.py")
        == "python:setuptools"
    )


def test_bad_record_lines_and_bytes_are_skipped_not_fatal() -> None:
    lines = ['"unterminated,quote', "\xff\xfe garbage", '"foo/quoted, name.py",sha256=x,1', ""]
    specs = wheel("foo", "1.0", {"foo/a.py": b"a"}, extra_record=lines)
    specs.append(File(f"{SITE}/foo/quoted, name.py", b"q"))
    result = attribute_layers([specs])
    files = result.ownership.python["foo"].files
    assert f"{SITE}/foo/a.py" in files
    assert f"{SITE}/foo/quoted, name.py" in files


def test_record_that_is_not_utf8_still_attributes_what_it_can() -> None:
    dist_info = f"{SITE}/foo-1.0.dist-info"
    result = attribute_layers(
        [
            [
                File(f"{SITE}/foo/a.py", b"a"),
                File(f"{dist_info}/METADATA", b"Name: foo\nVersion: 1.0\nSummary: caf\xe9\n"),
                File(f"{dist_info}/RECORD", b"foo/a.py,,\nfoo/\xff\xfe.py,,\n\x00\x00\n"),
            ]
        ]
    )
    assert result.ownership.owner_of(f"{SITE}/foo/a.py") == "python:foo"


def test_absolute_record_paths_are_root_relative() -> None:
    specs = wheel("foo", "1.0", {"foo/a.py": b"a"}, extra_record=["/opt/foo/data.bin,,"])
    result = attribute_layers([[*specs, File("opt/foo/data.bin", b"data")]])
    assert result.ownership.owner_of("opt/foo/data.bin") == "python:foo"


def test_record_paths_through_a_symlinked_directory() -> None:
    # A venv whose lib64 -> lib: a RECORD may spell the path through the link.
    venv = "app/venv"
    specs = wheel(
        "foo",
        "1.0",
        {},
        site=f"{venv}/lib/python3.11/site-packages",
        extra_record=["../../../lib64/python3.11/site-packages/foo.py,,"],
    )
    result = attribute_layers(
        [
            [
                Dir(f"{venv}/lib"),
                Symlink(f"{venv}/lib64", "lib"),
                *specs,
                File(f"{venv}/lib/python3.11/site-packages/foo.py", b"x"),
            ]
        ]
    )
    assert result.ownership.owner_of(f"{venv}/lib/python3.11/site-packages/foo.py") == "python:foo"


def test_dist_info_without_record_owns_only_its_metadata() -> None:
    dist_info = "usr/lib/python3/dist-packages/requests-2.28.1.dist-info"
    result = attribute_layers(
        [
            [
                File(
                    f"{dist_info}/METADATA",
                    b"Name: requests\nVersion: 2.28.1\nRequires-Dist: idna\n",
                ),
                File(f"{dist_info}/top_level.txt", b"requests\n"),
                File("usr/lib/python3/dist-packages/requests/__init__.py", b"r"),
            ]
        ]
    )
    dist = result.ownership.python["requests"]
    assert dist.version == "2.28.1" and dist.requires == ("idna",)
    assert set(dist.files) == {f"{dist_info}/METADATA", f"{dist_info}/top_level.txt"}
    assert result.ownership.owner_of("usr/lib/python3/dist-packages/requests/__init__.py") is None


def test_version_from_directory_name_when_metadata_is_missing() -> None:
    dist_info = f"{SITE}/Some_Pkg-3.0.dist-info"
    result = attribute_layers(
        [[File(f"{dist_info}/RECORD", b"some_pkg.py,,\n"), File(f"{SITE}/some_pkg.py", b"s")]]
    )
    dist = result.ownership.python["some-pkg"]
    assert dist.version == "3.0"
    assert f"{SITE}/some_pkg.py" in dist.files


def test_egg_info_installed_files() -> None:
    egg = f"{SITE}/legacy_pkg-0.9-py3.11.egg-info"
    result = attribute_layers(
        [
            [
                File(f"{egg}/PKG-INFO", b"Name: legacy-pkg\n"),
                File(
                    f"{egg}/installed-files.txt",
                    b"../legacy/__init__.py\nPKG-INFO\ninstalled-files.txt\n",
                ),
                File(f"{SITE}/legacy/__init__.py", b"l"),
            ]
        ]
    )
    dist = result.ownership.python["legacy-pkg"]
    assert dist.version == "0.9"
    assert set(dist.files) == {
        f"{SITE}/legacy/__init__.py",
        f"{egg}/PKG-INFO",
        f"{egg}/installed-files.txt",
    }


def test_capture_globs_are_only_metadata_and_record() -> None:
    match = glob_filter(python.GLOBS)
    assert match(f"{SITE}/foo-1.0.dist-info/RECORD", 1)
    assert match(f"{SITE}/foo-1.0.dist-info/METADATA", 1)
    assert match(f"{SITE}/foo-0.1-py3.11.egg-info/installed-files.txt", 1)
    assert not match(f"{SITE}/foo-1.0.dist-info/LICENSE", 1)
    assert not match(f"{SITE}/foo/RECORD", 1)


def test_metadata_directory_without_a_file_list_still_names_a_dist() -> None:
    egg = "usr/lib/python3/dist-packages/setuptools-66.1.1.egg-info"
    result = attribute_layers(
        [[File(f"{egg}/PKG-INFO", b"Name: setuptools\n"), File(f"{egg}/top_level.txt", b"x\n")]]
    )
    dist = result.ownership.python["setuptools"]
    assert dist.version == "66.1.1" and dist.dist_info == egg
    assert set(dist.files) == {f"{egg}/PKG-INFO", f"{egg}/top_level.txt"}
