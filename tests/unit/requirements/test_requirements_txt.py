"""requirements*.txt: includes, continuations, markers, URLs, options, encodings, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from jettison.errors import RequirementsError
from jettison.requirements import RequirementSet, parse_requirements_txt
from jettison.requirements.requirements_txt import file_text, physical_groups
from support.files import write_file


def names(found: RequirementSet) -> list[str]:
    return [r.name for r in found.requirements]


def test_plain_lines_comments_and_specifiers(tmp_path: Path) -> None:
    req = write_file(
        tmp_path / "requirements.txt",
        "# Core\n"
        "Torch==2.7.0  # the big one\n"
        "\n"
        "scikit_learn>=1.3,<2\n"
        "pandas\n"
        "uvicorn[standard]==0.30.1\n",
    )
    found = parse_requirements_txt(req)
    assert names(found) == ["torch", "scikit-learn", "pandas", "uvicorn"]
    torch, sklearn, pandas, uvicorn = found.requirements
    assert (torch.specifier, torch.line, torch.raw) == ("==2.7.0", 2, "Torch==2.7.0  # the big one")
    assert torch.pinned and not sklearn.pinned and not pandas.pinned
    assert sklearn.line == 4 and set(sklearn.specifier.split(",")) == {">=1.3", "<2"}
    assert uvicorn.extras == ("standard",)
    assert all(r.group == "main" and r.source_kind == "requirements" for r in found.requirements)
    assert found.files == (req,) and found.problems == ()


def test_markers_and_continuations_with_hashes(tmp_path: Path) -> None:
    req = write_file(
        tmp_path / "requirements.txt",
        'pywin32==306 ; sys_platform == "win32"\n'
        "numpy==1.26.4 \\\n"
        "    --hash=sha256:aaaa \\\n"
        "    --hash=sha256:bbbb\n"
        "# a comment ending in a backslash does not continue \\\n"
        "requests==2.32.3 --hash sha256:cccc\n",
    )
    found = parse_requirements_txt(req)
    assert names(found) == ["pywin32", "numpy", "requests"]
    assert found.requirements[0].marker == 'sys_platform == "win32"'
    assert found.requirements[1].line == 2 and found.requirements[1].specifier == "==1.26.4"
    assert found.requirements[2].line == 6
    assert found.problems == ()


def test_direct_references(tmp_path: Path) -> None:
    wheel = "torch-2.7.0%2Bcpu-cp311-cp311-manylinux_2_28_x86_64.whl"
    write_file(tmp_path / "libs/mylib/pyproject.toml", '[project]\nname = "My_Lib"\n')
    req = write_file(
        tmp_path / "requirements.txt",
        "flash-attn @ https://example.org/flash_attn-2.6.3.tar.gz\n"
        "git+https://github.com/org/repo.git@v1.2#egg=Some_Pkg[extra]\n"
        f"https://download.pytorch.org/whl/cpu/{wheel}\n"
        "./wheels/tiny_pkg-0.1.0-py3-none-any.whl\n"
        './libs/mylib ; python_version >= "3.10"\n'
        "git+https://github.com/org/unnamed.git\n"
        "--editable=./libs/mylib\n",
    )
    found = parse_requirements_txt(req)
    assert names(found) == ["flash-attn", "some-pkg", "torch", "tiny-pkg", "my-lib", "my-lib"]
    flash, vcs, torch, tiny, local, editable = found.requirements
    assert flash.url == "https://example.org/flash_attn-2.6.3.tar.gz" and flash.pinned
    assert vcs.url == "git+https://github.com/org/repo.git@v1.2#egg=Some_Pkg[extra]"
    assert vcs.extras == ("extra",)
    assert torch.specifier == "==2.7.0+cpu" and torch.url is not None
    assert tiny.specifier == "==0.1.0" and tiny.url == "./wheels/tiny_pkg-0.1.0-py3-none-any.whl"
    assert local.url == "./libs/mylib" and local.marker == 'python_version >= "3.10"'
    assert editable.url == "./libs/mylib" and editable.raw == "--editable=./libs/mylib"
    assert len(found.problems) == 1
    file, line, message = found.problems[0]
    assert (file, line) == (req, 6) and "cannot tell the package name" in message


def test_index_options_apply_to_following_requirements(tmp_path: Path) -> None:
    req = write_file(
        tmp_path / "requirements.txt",
        "fastapi==0.115.0\n"
        "--extra-index-url https://download.pytorch.org/whl/cpu\n"
        "torch==2.7.0+cpu\n"
        "-i https://mirror.example/simple\n"
        "--find-links=./wheels\n"
        "numpy\n"
        "--no-binary :all: --pre --trusted-host mirror.example\n",
    )
    found = parse_requirements_txt(req)
    assert [r.index_url for r in found.requirements] == [
        None,
        "https://download.pytorch.org/whl/cpu",
        "./wheels",
    ]
    assert found.index_urls == (
        "https://download.pytorch.org/whl/cpu",
        "https://mirror.example/simple",
        "./wheels",
    )
    assert found.problems == ()


def test_includes_and_constraints(tmp_path: Path) -> None:
    write_file(
        tmp_path / "base.txt", "--extra-index-url https://download.pytorch.org/whl/cpu\ntorch\n"
    )
    write_file(tmp_path / "deps/constraints.txt", "torch==2.7.0+cpu\nnumpy==1.26.4\n")
    req = write_file(
        tmp_path / "requirements.txt",
        "-r base.txt\n--constraint=deps/constraints.txt\n-rbase.txt\nnumpy\n",
    )
    found = parse_requirements_txt(req)
    assert [(r.name, r.group, r.file.name) for r in found.requirements] == [
        ("torch", "main", "base.txt"),
        ("torch", "constraint", "constraints.txt"),
        ("numpy", "constraint", "constraints.txt"),
        ("numpy", "main", "requirements.txt"),
    ]
    # the index set in the include carries on after it, as pip reads the lines in order
    assert found.requirements[-1].index_url == "https://download.pytorch.org/whl/cpu"
    assert [r.name for r in found.main()] == ["torch", "numpy"]
    assert [f.name for f in found.files] == ["requirements.txt", "base.txt", "constraints.txt"]
    assert found.problems == ()


def test_include_loop_is_a_problem_not_a_hang(tmp_path: Path) -> None:
    write_file(tmp_path / "a.txt", "-r b.txt\nalpha\n")
    write_file(tmp_path / "b.txt", "-r a.txt\nbeta\n")
    found = parse_requirements_txt(tmp_path / "a.txt")
    assert names(found) == ["beta", "alpha"]
    assert len(found.problems) == 1
    file, line, message = found.problems[0]
    assert (file.name, line) == ("b.txt", 1)
    assert "include loop (a.txt -> b.txt -> a.txt)" in message


def test_include_outside_root_is_not_read(tmp_path: Path) -> None:
    write_file(tmp_path / "secret.txt", "leaked\n")
    context = tmp_path / "context"
    req = write_file(
        context / "requirements.txt",
        "-r ../secret.txt\n-c /etc/passwd\n-r https://example.org/reqs.txt\n-r missing.txt\nok\n",
    )
    found = parse_requirements_txt(req, root=context)
    assert names(found) == ["ok"]
    messages = [m for _f, _l, m in found.problems]
    assert [line for _f, line, _m in found.problems] == [1, 2, 3, 4]
    assert "outside" in messages[0] and "outside" in messages[1]
    assert "not fetched" in messages[2]
    assert "cannot read requirements file missing.txt" in messages[3]
    assert found.files == (req,)


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-8", b"\xef\xbb\xbf")],
)
def test_byte_order_marks(tmp_path: Path, encoding: str, bom: bytes) -> None:
    text = "flask==2.3.3\r\npandas\r\n"
    req = write_file(tmp_path / "requirements.txt", bom + text.encode(encoding))
    found = parse_requirements_txt(req)
    assert names(found) == ["flask", "pandas"]
    assert found.problems == ()


def test_not_utf8_falls_back_with_a_problem(tmp_path: Path) -> None:
    req = write_file(tmp_path / "requirements.txt", "# caf\xe9\nflask\n".encode("latin-1"))
    found = parse_requirements_txt(req)
    assert names(found) == ["flask"]
    assert found.problems == ((req, 1, "not valid UTF-8 (byte 0xe9); read as Latin-1"),)


def test_binary_and_empty_files(tmp_path: Path) -> None:
    binary = write_file(tmp_path / "requirements.txt", b"\x7fELF\x00\x00\x01")
    found = parse_requirements_txt(binary)
    assert found.requirements == () and found.files == (binary,)
    assert "binary file" in found.problems[0][2]
    empty = write_file(tmp_path / "empty.txt", b"")
    assert parse_requirements_txt(empty) == RequirementSet(requirements=(), files=(empty,))


def test_bad_lines_are_problems(tmp_path: Path) -> None:
    req = write_file(
        tmp_path / "requirements.txt",
        "torch=2.3.1\n--frobnicate\nflask --index-url https://x\n-r\nok==1\n",
    )
    found = parse_requirements_txt(req)
    assert names(found) == ["flask", "ok"]
    lines = [(line, message.split(" ")[0]) for _f, line, message in found.problems]
    assert lines == [(1, "not"), (2, "unknown"), (3, "option"), (4, "option")]


def test_unreadable_top_level_file_raises_one_line(tmp_path: Path) -> None:
    with pytest.raises(RequirementsError) as missing:
        parse_requirements_txt(tmp_path / "nope.txt")
    assert "nope.txt" in str(missing.value) and "\n" not in str(missing.value)
    assert missing.value.hint
    with pytest.raises(RequirementsError, match="is a directory"):
        parse_requirements_txt(tmp_path)


def test_physical_groups_keep_continuations_as_written() -> None:
    text = "numpy==1.26.4 \\\n    --hash=sha256:aa\n# a comment \\\nrequests\n\\\n"
    assert list(physical_groups(text)) == [
        (1, ["numpy==1.26.4 \\", "    --hash=sha256:aa"]),
        (3, ["# a comment \\"]),  # a comment ends a continuation
        (4, ["requests"]),
        (5, ["\\"]),  # a continuation left open at the end
    ]


def test_file_text_decodes_as_pip_does(tmp_path: Path) -> None:
    bom = write_file(tmp_path / "bom.txt", "torch==2.3.1\n".encode("utf-16"))  # BOM first
    assert file_text(bom) == "torch==2.3.1\n"
    latin = write_file(tmp_path / "latin.txt", "caf\xe9==1.0\n".encode("latin-1"))
    assert file_text(latin) == "caf\xe9==1.0\n"
    assert file_text(write_file(tmp_path / "bin.txt", b"\x00\x01")) is None
    assert file_text(tmp_path / "absent.txt") is None
