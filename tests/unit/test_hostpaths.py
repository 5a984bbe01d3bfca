"""Paths named by the user's files that the OS refuses are no files, not exceptions."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison import hostpaths


@pytest.mark.parametrize("name", ["n" * 300, "a\0b"], ids=["too-long", "nul-byte"])
def test_a_name_the_os_refuses_is_nothing(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises((OSError, ValueError)):
        path.stat()  # what Path.is_file and its kin let through
    assert not hostpaths.is_file(path)
    assert not hostpaths.is_dir(path)
    assert not hostpaths.exists(path)


def test_real_paths_are_answered_as_pathlib_does(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    assert hostpaths.is_file(tmp_path / "f") and not hostpaths.is_dir(tmp_path / "f")
    assert hostpaths.is_dir(tmp_path) and not hostpaths.is_file(tmp_path)
    assert hostpaths.exists(tmp_path / "f") and not hostpaths.exists(tmp_path / "g")
