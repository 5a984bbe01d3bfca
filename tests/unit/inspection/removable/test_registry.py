"""The registry: priority order, one cause per byte, stable shape, hard links, top rows."""

from __future__ import annotations

from jettison.inspect.removable import CAPTURE_GLOBS, CAUSES, TOP_ROWS, find_removable
from support.memimage import File, Hardlink

from .helpers import SITE, deb, dist, ownership, removable, resolver, rows

ORDER = [
    "package-cache",
    "model-weights",
    "dev-tools",
    "toolchain",
    "tests",
    "docs",
    "bytecode",
    "duplicates",
]


def test_priority_order_and_stable_shape_on_an_empty_image() -> None:
    found = find_removable(resolver([File("etc/hostname", b"h")]), ownership())
    assert [c.cause for c in found] == ORDER == [c.code for c in CAUSES]
    assert all((c.size_bytes, c.file_count, c.top) == (0, 0, ()) for c in found)
    assert all(c.title and c.advice for c in found)


def test_no_cause_needs_captured_contents() -> None:
    assert CAPTURE_GLOBS == ()


def test_each_file_counts_once_in_the_highest_priority_cause() -> None:
    pytest_files = [
        f"{SITE}/_pytest/tests/__pycache__/t.cpython-311.pyc",
        f"{SITE}/_pytest/tests/t.py",
    ]
    owned = ownership(
        [dist("pytest", files=pytest_files)],
        [deb("libc6-dev", ["usr/share/doc/libc6-dev/changelog.gz", "usr/include/a.h"])],
    )
    found = removable(
        [
            # dev-tools before tests and bytecode
            File(pytest_files[0], b"p" * 100),
            File(pytest_files[1], b"s" * 10),
            # toolchain (the whole -dev package) before docs
            File("usr/share/doc/libc6-dev/changelog.gz", b"c" * 200),
            File("usr/include/a.h", b"h" * 5),
            # tests before bytecode
            File(f"{SITE}/numpy/tests/__pycache__/t.cpython-311.pyc", b"n" * 40),
            File(f"{SITE}/numpy/tests/t.py", b"s"),
            # package-cache before toolchain
            File("root/.cache/pip/wheels/x/torch/include/t.h", b"w" * 70),
            File("root/.cache/huggingface/hub/models--a--b/blobs/1", b"m" * 80),
            # docs before duplicates: the other copy is no longer a duplicate
            File("usr/share/doc/x/README", b"dup" * 10),
            File("app/README", b"dup" * 10),
        ],
        owned=owned,
    )
    sizes = {code: c.size_bytes for code, c in found.items()}
    assert sizes == {
        "package-cache": 70,
        "model-weights": 80,
        "dev-tools": 110,
        "toolchain": 205,
        "tests": 41,
        "docs": 30,
        "bytecode": 0,
        "duplicates": 0,
    }
    claimed = [(row.path, row.owner) for c in found.values() for row in c.top]
    assert len(claimed) == len(set(claimed))


def test_total_never_exceeds_the_final_filesystem() -> None:
    res = resolver(
        [
            File("usr/share/doc/a/README", b"x" * 100),
            File("usr/share/doc/b/README", b"x" * 100),
            File("usr/lib/python3.11/test/__pycache__/t.cpython-311.pyc", b"x" * 100),
            File("usr/lib/python3.11/test/t.py", b"x" * 100),
        ]
    )
    total = sum(c.size_bytes for c in find_removable(res, ownership()))
    assert total == sum(res.size(e) for e in res.files()) == 400


def test_a_file_is_claimed_only_with_all_its_hard_links() -> None:
    found = removable(
        [
            File("usr/share/doc/a/big", b"b" * 1000),
            Hardlink("opt/keep/big", "usr/share/doc/a/big"),
            File("usr/share/doc/a/both", b"o" * 10),
            Hardlink("usr/share/man/both", "usr/share/doc/a/both"),
        ]
    )
    docs = found["docs"]
    assert rows(docs) == [("usr/share/doc", 10, None)]
    assert docs.file_count == 2  # usr/share/doc/a/both and its link usr/share/man/both


def test_top_holds_ten_rows_sorted_by_size_then_path() -> None:
    files = [File(f"models/m{i:02}.pt", b"w" * (100 + i // 2)) for i in range(14)]
    found = removable(files)["model-weights"]
    assert len(found.top) == TOP_ROWS
    assert [(r.path, r.size_bytes) for r in found.top[:3]] == [
        ("models/m12.pt", 106),
        ("models/m13.pt", 106),
        ("models/m10.pt", 105),
    ]
    assert found.size_bytes == sum(100 + i // 2 for i in range(14))
    assert found.file_count == 14


def test_rows_name_the_layer_that_supplied_most_bytes() -> None:
    found = removable(
        [File("usr/share/doc/a/x", b"a" * 10)],
        [File("usr/share/doc/b/y", b"b" * 30)],
        [File("usr/share/doc/c/z", b"c" * 20)],
    )["docs"]
    assert [(r.path, r.size_bytes, r.layer_index) for r in found.top] == [("usr/share/doc", 60, 1)]
