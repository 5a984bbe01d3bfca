"""Writing a plan: every file atomically, the marker, and never over what a plan did not
write."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from pathlib import Path

import pytest

from jettison.errors import ConfigError
from jettison.plan.write import MARKER, write

from .test_generate import generated_for


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_write_creates_every_file_and_the_marker(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    write(generated, force=False)
    out = tmp_path / "jettison-plan"
    for relative, text in zip(generated.files, generated.contents, strict=True):
        assert (out / relative).read_text(encoding="utf-8") == text
    assert (out / "build.sh").stat().st_mode & stat.S_IXUSR
    assert (out / MARKER).is_file()
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


def test_write_into_an_empty_existing_folder(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    (tmp_path / "jettison-plan").mkdir()
    write(generated, force=False)
    assert (tmp_path / "jettison-plan" / "build.sh").is_file()


def test_write_refuses_a_folder_it_did_not_write_even_with_force(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    out = tmp_path / "jettison-plan"
    out.mkdir()
    (out / "notes.md").write_text("mine")
    before = snapshot(tmp_path)
    for force in (False, True):
        with pytest.raises(ConfigError) as caught:
            write(generated, force=force)
        assert caught.value.hint
    assert snapshot(tmp_path) == before


def test_write_refuses_a_previous_plan_without_force(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    write(generated, force=False)
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match="previous plan") as caught:
        write(generated, force=False)
    assert "--force" in (caught.value.hint or "")
    assert snapshot(tmp_path) == before


def test_force_replaces_only_what_the_plan_wrote(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    write(generated, force=False)
    out = tmp_path / "jettison-plan"
    (out / "notes.md").write_text("mine")
    (out / "requirements" / "local.txt").write_text("mine too")
    # the next plan no longer has the worker's files (an ml group), and a changed base.txt
    keep = [n for n, p in enumerate(generated.files) if "worker" not in str(p)]
    contents = list(generated.contents)
    base_index = generated.files.index(Path("requirements/base.txt"))
    contents[base_index] += "# changed\n"
    smaller = replace(
        generated,
        files=tuple(generated.files[n] for n in keep),
        contents=tuple(contents[n] for n in keep),
    )
    write(smaller, force=True)
    assert (out / "notes.md").read_text() == "mine"
    assert (out / "requirements" / "local.txt").read_text() == "mine too"
    assert (out / "requirements" / "base.txt").read_text().endswith("# changed\n")
    assert not (out / "services" / "worker").exists()  # stale generated files and their folder
    written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert written == {p.as_posix() for p in smaller.files} | {
        MARKER,
        "notes.md",
        "requirements/local.txt",
    }
    assert [p.name for p in out.iterdir() if ".tmp-" in p.name] == []


def test_force_refuses_to_overwrite_a_users_file_at_a_generated_path(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    write(generated, force=False)
    out = tmp_path / "jettison-plan"
    extra = replace(
        generated,
        files=(*generated.files, Path("notes.md")),
        contents=(*generated.contents, "generated"),
    )
    (out / "notes.md").write_text("mine")
    (out / "requirements" / "base.txt").write_text("edited")
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match=r"notes\.md"):
        write(extra, force=True)
    assert snapshot(tmp_path) == before


def test_force_never_follows_the_marker_outside_the_folder(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    write(generated, force=False)
    victim = tmp_path / "services" / "api" / "requirements.txt"
    marker = tmp_path / "jettison-plan" / MARKER
    recorded = json.loads(marker.read_text())
    recorded["files"] += ["../services/api/requirements.txt", str(victim)]
    marker.write_text(json.dumps(recorded))
    write(generated, force=True)
    assert victim.is_file()
    assert "../services/api/requirements.txt" not in marker.read_text()


def test_write_refuses_an_out_dir_outside_the_build_context(tmp_path: Path) -> None:
    generated = generated_for(tmp_path / "repo")
    moved = replace(generated, out_dir=tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="build context") as caught:
        write(moved, force=True)
    assert caught.value.hint
    assert not (tmp_path / "elsewhere").exists()


def test_write_refuses_a_symlink_leading_out_of_the_folder(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    write(generated, force=False)
    out = tmp_path / "jettison-plan"
    outside = tmp_path / "outside"
    outside.mkdir()
    for child in (out / "bases").iterdir():
        for file in child.iterdir():
            file.unlink()
        child.rmdir()
    (out / "bases").rmdir()
    (out / "bases").symlink_to(outside)
    with pytest.raises(ConfigError, match="outside"):
        write(generated, force=True)
    assert list(outside.iterdir()) == []


def test_write_treats_a_marker_that_is_not_an_object_as_not_ours(tmp_path: Path) -> None:
    generated = generated_for(tmp_path)
    out = tmp_path / "jettison-plan"
    out.mkdir()
    (out / MARKER).write_text('["build.sh"]\n')
    before = snapshot(tmp_path)
    with pytest.raises(ConfigError, match="not written by jettison plan"):
        write(generated, force=True)
    assert snapshot(tmp_path) == before
