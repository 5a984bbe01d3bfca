"""Every input the fuzzers found that broke the invariant, minimised, with what was wrong.

Each runs through its harness under the invariant (so the whole path is checked again,
schema validation included); the fix itself is in the module named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fuzz.harnesses import BY_NAME
from fuzz.invariant import run_checked

FOUND: list[tuple[str, str, bytes]] = [
    (
        "filesystem",
        "inspect/dive.py: a layer-0 opaque directory named .wh.a read as a whiteout of the "
        "uncopied tree (KeyError)",
        b"f a 0\no .wh.a 0",
    ),
    (
        "dockerignore",
        "dockerfile/ignore.py: a pattern such as [*x compiled to a regex with a nested set, "
        "whose FutureWarning reached the user (an error under -W error)",
        b"[*nv\n",
    ),
    (
        "dockerfile",
        "dockerfile/parser.py: buildkit's parser returned a None keyword for text with a NUL "
        "byte (AttributeError); parse_text now refuses NUL bytes as read_text does",
        b"\\\x00ROM x\n",
    ),
    (
        "dockerignore",
        "dockerfile/ignore.py: `****...x` became a Python regex (.*/)?(.*/)?... that "
        "backtracked exponentially (a hang); patterns are now matched by a linear automaton",
        b"*" * 80 + b"itscripts\n*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n",
    ),
    (
        "cache",
        "image/scan_cache.py: a sealed entry whose metadata is JSON but not an object "
        "(AttributeError); now a miss",
        b"\x00\x00\x00\x00\x00\x01\x00\x00\x9b4",
    ),
    (
        "requirements",
        "requirements/_collect.py: a path with a NUL byte (a -r include or a local project) "
        "reached Path.resolve (ValueError: embedded null byte); no file has such a name",
        bytes.fromhex("00fffe6200650072032f00696f7225ff0a07310000"),
    ),
    (
        "lint",
        "dockerfile/parser.py: a Dockerfile line that is only a continuation backslash gave "
        "buildkit's parser a node without a keyword (AttributeError); now our error",
        b"\\\n",
    ),
    (
        "fix",
        "dockerfile/shell.py: shlex cut `pkg/#x` at its `#` as if a comment began there, so "
        "JT101's appended `rm -rf /var/lib/apt/lists/*` was invisible to lint and fix appended "
        "it again on every pass; a # starts a comment only at the start of a word now",
        b"FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y curl/#x\n",
    ),
    (
        "lint",
        "dockerfile/discover.py: `COPY jettison-fuzz-*` resolved in /tmp, which became the "
        "build context, and the import scan read every Python file below /tmp (a hang); the "
        "context is never /, the home or a temporary directory, nor above a repository root",
        b"FROM python:3.11\nCOPY jettison-fuzz-* build /x/\n",
    ),
    (
        "fix",
        "fuzz/harnesses.py (the harness, not jettison): the fixed file was read back with "
        "universal newlines, which made a lone \\r a line break, so the second fix saw another "
        "Dockerfile and 'fixing twice changed more'; the harness now keeps the bytes",
        b"FROM python:3.11\n# a note\rRUN pip install torch\nCMD python app.py\n",
    ),
    (
        "fix",
        "dockerfile/shellwords.py: a character beyond ASCII was a token of its own, so the `#` "
        "after it (`\ufffd#`) began a comment that hid the rest of the RUN from lint, and "
        "JT101's appended cleanup was appended again on every pass; such characters are word "
        "characters now, and a # starts a comment only after a blank or an operator",
        "FROM ubuntu:22.04\nRUN apt-get update && apt-get install -y \ufffd# curl\n".encode(),
    ),
    (
        "fix",
        'fix/autofix/model.py: JT112 appended `&& rm -rf "$(poetry config cache-dir)"` to a '
        "RUN whose quote was never closed, which turned its quotes inside out, so every pass "
        "found a poetry install to clean again; a RUN whose shell text does not parse is "
        "left as written by every fix",
        b'FROM\nRUN poetry install --no"]',
    ),
    (
        "fix",
        "fix/autofix/model.py: JT112 appended its cleanup to a RUN with a subshell left open "
        "(`pip install(poetry && poetry install`), where lint, which cannot cut such a script "
        "into its commands, did not see it, so every pass appended it again; a command is "
        "appended only to a RUN whose top-level commands can be told apart",
        b"FROM\nRUN pip install(poetry && \\\n  poetry install C",
    ),
    (
        "fix",
        "fix/edits.py: its own comment pattern took a # for a comment only after a blank, so "
        "JT101 appended its cleanup after `&&#`, inside the comment, on every pass; where a "
        "RUN's script ends is now read with the shell tokeniser's comments",
        b"FROM\nRUN apt-get update &&# ",
    ),
    (
        "fix",
        "dockerfile/copies.py: the context file behind ENTRYPOINT's script was looked for "
        "under a COPY source whose name is longer than the OS allows (84 U+FFFD, 252 bytes, "
        "+ `COPY`): Path.is_dir raised OSError (ENAMETOOLONG) out of fix; such a name is not "
        "in the context",
        b"FROM debian\nCOPY " + b"\xe1" * 84 + b"COPY /\nENTRYPOINT .sh\ny",
    ),
    (
        "fix",
        "lint/packages.py: a RUN of a script whose name is longer than the OS allows (84 U+FFFD "
        "+ `s.py`) was looked for in the context with Path.is_file, which raised OSError "
        "(ENAMETOOLONG); every lookup of a name from the user's files goes through "
        "jettison.hostpaths now",
        b"FROM d\nRUN " + b"\xa4" * 84 + b"s.py\n#---\n/",
    ),
    (
        "fix",
        "dockerfile/parser.py: the parser library (buildkit's, through `dockerfile`) returned "
        "the flag of `HEALTHCHECK -- \u07e0` cut inside the character and raised "
        "UnicodeDecodeError decoding it; now our error with a hint",
        "HEALTHCHECK -- \u07e0".encode(),
    ),
    (
        "fix",
        "fix/autofix/jt112_tool_caches.py: JT112 found PDM's cache left by `pdm install "
        "poetry`, but its fix picked the cleanup of the first tool the RUN names (Poetry's), "
        "which left the finding standing, so every pass appended it again; the fix now cleans "
        "the cache the finding names",
        b"FROM\nRUN pdm install poetry",
    ),
    (
        "index",
        "lint/sizes.py: a wheel URL on the index that urllib refuses to join (`h://[`, an "
        "unclosed IPv6 host) raised ValueError out of lint; the wheel's size is unknown",
        b'=== project\n{"releases":{"3":[{"filename":"t-2-cp311-cp311-manylinux_2_17_x86_64.whl",'
        b'"url":"h://["}]}}',
    ),
]


@pytest.mark.parametrize(
    ("harness", "data"),
    [(h, d) for h, _, d in FOUND],
    ids=[f"{h}-{i}" for i, (h, _, _) in enumerate(FOUND)],
)
def test_found_input_holds_the_invariant(harness: str, data: bytes) -> None:
    run_checked(BY_NAME[harness].target, data)


# --------------------------------------------------------------------------- decompression bombs


def _zstd_of_zeros(head: bytes, zeros: int, tail: bytes = b"") -> bytes:
    """zstd of ``head``, ``zeros`` zero bytes, ``tail``: ~32 KB per GiB of zeros."""
    import zstandard

    writer = zstandard.ZstdCompressor(level=1).compressobj()
    out = [writer.compress(head)]
    block = bytes(8 << 20)
    for _ in range(zeros // len(block)):
        out.append(writer.compress(block))
    out.append(writer.compress(bytes(zeros % len(block)) + tail))
    out.append(writer.flush())
    return b"".join(out)


def _header(name: str, size: int, kind: bytes = b"0") -> bytes:
    import tarfile

    info = tarfile.TarInfo(name)
    info.size, info.type = size, kind
    return info.tobuf(tarfile.USTAR_FORMAT)


def test_a_zstd_bomb_is_streamed_not_held() -> None:
    """image/blobs.py: zstd's decompressobj inflated each 4 MiB chunk whole: a 1 GiB file
    in a 32 KB layer took 1 GiB of memory. Now fed in 512-byte pieces."""
    size = 1 << 30
    bomb = _zstd_of_zeros(_header("zeros", size), size, bytes(1024))
    assert len(bomb) < 64 << 10
    entries, total, _hidden, _captured = run_checked(BY_NAME["layer"].target, b"\x01" + bomb)  # type: ignore[misc]
    assert (entries, total) == (1, size)


def test_a_pax_header_claiming_a_gigabyte_is_refused() -> None:
    """image/tarstream.py: a pax header's records were read whole, whatever size the header
    claimed: 2 GiB of memory for a 32 KB zstd layer. Now at most 1 MiB, as Go reads them."""
    bomb = _zstd_of_zeros(_header("././@PaxHeader", 1 << 30, b"x"), 1 << 30)
    assert run_checked(BY_NAME["layer"].target, b"\x01" + bomb) is None  # our error, one line


def test_captured_contents_are_bounded_per_layer() -> None:
    """image/layer_reader.py: every file an analyzer captures was kept, up to 16 MiB each:
    twenty 16 MiB RECORD files of zeros in a small zstd layer took 320 MiB. Now at most
    4x the stored size (32 MiB at least) per layer; the rest is noted."""
    from fuzz.harnesses import _layer
    from jettison.image.layer_reader import read_layer

    each = 16 << 20
    tar = b"".join(
        _header(f"p{i}.dist-info/RECORD", each) + bytes(each) for i in range(20)
    ) + bytes(1024)
    import zstandard

    blob = zstandard.ZstdCompressor(level=1).compress(tar)
    del tar

    def target(data: bytes) -> object:
        listing = read_layer(_layer(data, seekable=False), capture=lambda path, _s: True)
        assert sum(map(len, listing.captured.values())) <= 32 << 20
        assert any("captured files passed" in n.message for n in listing.skipped)
        return len(listing.table)

    assert run_checked(target, blob) == 20


# --------------------------------------------------------------------------- the caches


def test_a_foreign_time_stamp_in_the_wheel_size_cache_is_stale_not_a_crash(
    tmp_path: Path,
) -> None:
    """lint/sizes.py: float() of a cached resolution's checked_at raised ValueError (out of
    installed_bytes_with_deps) when another program or a damaged file left a string there."""
    from jettison.lint.sizes import CACHE_FILE, WheelSizes

    path = tmp_path / CACHE_FILE
    resolved = {"numpy": {"version": "1.26.4", "checked_at": "yesterday"}}
    document = {"format": 1, "indexes": {"http://127.0.0.1:9/pypi": {"resolved": resolved}}}
    path.write_text(json.dumps(document))
    sizes = WheelSizes(path, index_url="http://127.0.0.1:9/pypi", timeout=2)
    # stale: asked the (absent) index; installed_bytes caught the ValueError, this did not
    assert sizes.installed_bytes_with_deps("numpy") is None


def test_a_json_cache_nested_beyond_the_recursion_limit_reads_as_empty(tmp_path: Path) -> None:
    """pypi.py: json.loads raises RecursionError (not a ValueError) on deep nesting."""
    from jettison.pypi import JsonCache

    path = tmp_path / "cache.json"
    path.write_text("[" * 200_000)
    assert JsonCache(path, "https://pypi.org/pypi", 1).table("wheels") == {}


# --------------------------------------------------------------------------- the index


def _wheel_answer(damage: str) -> bytes:
    """The index harness's seed (a deflated wheel) with its METADATA member damaged, or
    with a member of no name added (``unnamed``)."""
    import io
    import struct
    import zipfile

    from fuzz import fileset

    files = fileset.decode(BY_NAME["index"].seeds()[1])
    wheel = bytearray(files["wheel"])
    name = b"torch-2.3.1.dist-info/METADATA"
    if damage == "unnamed":
        grown = io.BytesIO(bytes(wheel))
        with zipfile.ZipFile(grown, "a") as archive:
            archive.writestr(zipfile.ZipInfo(""), b"x")
        wheel = bytearray(grown.getvalue())
    elif damage == "deflate":  # a byte of the deflate stream, after the local header
        wheel[wheel.find(name) + len(name) + 2] ^= 0xFF
    else:  # compression method 99 in the central directory
        entry = wheel.find(b"PK\x01\x02")
        while entry >= 0:
            length = struct.unpack_from("<H", wheel, entry + 28)[0]
            if wheel[entry + 46 : entry + 46 + length] == name:
                wheel[entry + 10 : entry + 12] = struct.pack("<H", 99)
            entry = wheel.find(b"PK\x01\x02", entry + 1)
    return fileset.encode({"project": files["project"], "wheel": bytes(wheel)})


@pytest.mark.parametrize("damage", ["deflate", "method", "unnamed"])
def test_a_damaged_wheel_on_the_index_is_unknown_not_a_crash(damage: str) -> None:
    """lint/sizes.py: reading METADATA from a wheel whose deflate data is damaged raised
    zlib.error, one with an unknown compression method NotImplementedError, out of lint;
    a member with an empty name made zipfile's ``is_dir`` raise IndexError (found by the
    index campaign)."""
    assert run_checked(BY_NAME["index"].target, _wheel_answer(damage)) == (None, None)


# --------------------------------------------------------------------------- image documents


def _image(
    config: dict[str, object] | None = None,
    index: dict[str, object] | None = None,
    layer: dict[str, object] | None = None,
    manifest: dict[str, object] | None = None,
) -> bytes:
    """The image harness's input for a one-layer image whose config (docker-archive), first
    index.json descriptor, manifest or first manifest layer descriptor (OCI layout) has the
    given fields replaced."""
    import hashlib

    from fuzz import fileset
    from support import imagewriter as w

    spec = w.ImageSpec(layers=[w.LayerSpec([w.file("a", b"x")])], exposed_ports=["80/tcp"])
    if index is not None or layer is not None or manifest is not None:
        files = w.oci_layout_files(spec)
        document = json.loads(files["index.json"])
        document["manifests"][0].update(index or {})
        if layer is not None or manifest is not None:
            old_digest = document["manifests"][0]["digest"].removeprefix("sha256:")
            changed = json.loads(files.pop(f"blobs/sha256/{old_digest}"))
            changed["layers"][0].update(layer or {})
            for key, value in (manifest or {}).items():
                if isinstance(value, dict):
                    changed[key].update(value)
                else:
                    changed[key] = value
            data = json.dumps(changed).encode()
            new_digest = hashlib.sha256(data).hexdigest()
            files[f"blobs/sha256/{new_digest}"] = data
            document["manifests"][0]["digest"] = f"sha256:{new_digest}"
            document["manifests"][0]["size"] = len(data)
        files["index.json"] = json.dumps(document).encode()
        return b"\x01" + fileset.with_placeholders(files)
    files = w.docker_archive_files(spec)
    manifest = json.loads(files["manifest.json"])
    old = manifest[0]["Config"]
    document = json.loads(files.pop(old))
    for key, value in (config or {}).items():
        (document if key in ("os", "architecture") else document["config"])[key] = value
    data = json.dumps(document).encode()
    manifest[0]["Config"] = hashlib.sha256(data).hexdigest() + ".json"
    files[manifest[0]["Config"]] = data
    files["manifest.json"] = json.dumps(manifest).encode()
    return b"\x00" + fileset.with_placeholders(files)


@pytest.mark.parametrize(
    ("fields", "what"),
    [
        (
            {"ExposedPorts": ["80/tcp"]},
            "_common.parse_config: ExposedPorts a list (AttributeError)",
        ),
        ({"ExposedPorts": "80"}, "_common.parse_config: ExposedPorts a string (AttributeError)"),
        ({"User": 1000}, "_common.parse_config: User a number, rendered as text (AttributeError)"),
        ({"os": 5}, "_common.parse_config: os a number, joined as text (TypeError)"),
        ({"architecture": ["x"]}, "_common.parse_config: architecture a list (TypeError)"),
    ],
)
def test_a_config_field_of_the_wrong_type_is_absent(fields: dict[str, object], what: str) -> None:
    assert run_checked(BY_NAME["image"].target, _image(config=fields)) is not None, what


@pytest.mark.parametrize(
    ("fields", "what"),
    [
        ({"platform": {"os": 1, "architecture": 2}}, "oci._platform_of: numbers (TypeError)"),
        ({"mediaType": ["x"]}, "oci._select: a list media type, unhashable (TypeError)"),
        ({"annotations": ["x"]}, "oci._select: annotations a list"),
    ],
)
def test_an_index_descriptor_of_the_wrong_type_is_refused_or_ignored(
    fields: dict[str, object], what: str
) -> None:
    run_checked(BY_NAME["image"].target, _image(index=fields))


@pytest.mark.parametrize(
    ("fields", "what"),
    [
        ({"config": {"mediaType": []}}, "_manifest.check_image_manifest: unhashable (TypeError)"),
        (
            {"artifactType": 7, "config": {"mediaType": "application/vnd.oci.empty.v1+json"}},
            "_manifest._artifact_kind: startswith on a number (AttributeError)",
        ),
    ],
)
def test_a_manifest_media_type_of_the_wrong_type_is_absent(
    fields: dict[str, object], what: str
) -> None:
    run_checked(BY_NAME["image"].target, _image(manifest=fields))


def test_a_layer_media_type_of_the_wrong_type_is_absent() -> None:
    """oci._read: a manifest layer's mediaType a list reached the report as a list (the
    inspect schema wants a string or null)."""
    run_checked(BY_NAME["image"].target, _image(layer={"mediaType": []}))


def test_metadata_nested_past_the_recursion_limit_is_our_error() -> None:
    """_common.read_json: json.loads raised RecursionError on 100,000 '['."""
    from fuzz import fileset

    data = b"\x00" + fileset.encode({"manifest.json": b"[" * 100_000})
    assert run_checked(BY_NAME["image"].target, data) is None


# --------------------------------------------------------------------------- text inputs


def test_a_url_requirement_with_a_bracket_in_its_host_is_a_problem_not_a_crash() -> None:
    """requirements_txt.py: urlsplit raised ValueError ('Invalid IPv6 URL') for a URL
    with a '[' in its host, out of load_requirements."""
    data = b"\x00black[jupyter]\ngit+https://gitack[hub.com/huggingface/peft.git\n"
    assert run_checked(BY_NAME["requirements"].target, data) == 1  # black; the URL a problem


def test_two_identical_instructions_are_both_fixed_in_one_run() -> None:
    """fix/apply.py: a fix tried on an instruction was keyed by its text, so the second of
    two identical RUNs (two stages) was skipped as tried, and fixing twice changed more."""
    data = b"FROM python:3.11\nRUN pip install torch\nFROM python:3.11\nRUN pip install torch\n"
    assert run_checked(BY_NAME["fix"].target, data) == 2
