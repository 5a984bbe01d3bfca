"""What an rm removes, and the mounts whose contents never reach the layer."""

from __future__ import annotations

import pytest

from jettison.dockerfile.commands.cleanup import (
    Mount,
    has_glob,
    is_cache_path,
    mounted_over,
    mounts,
    removed_paths,
    removes,
    volatile_targets,
)
from jettison.dockerfile.shell import Command, split_commands
from jettison.dockerfile.shellwords import simple_words
from support.commands import command, run


@pytest.mark.parametrize(
    ("line", "cwd", "env", "paths"),
    [
        ("rm -rf /var/lib/apt/lists/*", "/", {}, ["/var/lib/apt/lists"]),
        ("rm -f cache/ tmp/.*", "/app", {}, ["/app/cache", "/app/tmp"]),
        ("rm -rf ~/.cache/pip", "/", {}, ["/root/.cache/pip"]),
        ("rm -rf ~/.cache", "/", {"HOME": "/home/app"}, ["/home/app/.cache"]),
        ("rm -rf $CONDA_DIR/pkgs", "/", {"CONDA_DIR": "/opt/conda"}, ["/opt/conda/pkgs"]),
        ("rm -rf $UNKNOWN/x", "/", {}, ["/$UNKNOWN/x"]),
        ("rm -rf -- -x", "/w", {}, ["/w/-x"]),
        ("sudo rm -rf /tmp/x", "/", {}, ["/tmp/x"]),
        ("rmdir /tmp/x", "/", {}, []),
    ],
)
def test_removed_paths(line: str, cwd: str, env: dict[str, str], paths: list[str]) -> None:
    assert removed_paths(command(line), cwd, env) == paths


def test_removes_a_path_or_a_folder_holding_it() -> None:
    commands = split_commands("pip install x && rm -rf /root/.cache && rm -f /tmp/*.whl")
    assert removes(commands, "/root/.cache/pip", "/")
    assert removes(commands, "/tmp/torch.whl", "/")
    assert not removes(commands, "/var/cache/apt", "/")
    assert has_glob("/tmp/*.whl") and not has_glob("/tmp/x")


def test_mounts() -> None:
    instruction = run(
        "pip install -r /tmp/r.txt",
        "--mount=type=cache,target=/root/.cache/pip,sharing=locked",
        "--mount=source=requirements.txt,target=/tmp/r.txt",
        "--mount=type=bind,from=builder,src=/wheels,dst=/wheels",
        "--mount=type=tmpfs,destination=scratch",
        "--mount=type=secret,id=token",
    )
    assert mounts(instruction) == [
        Mount("cache", "/root/.cache/pip"),
        Mount("bind", "/tmp/r.txt", "requirements.txt"),
        Mount("bind", "/wheels", "/wheels", "builder"),
        Mount("tmpfs", "scratch"),
        Mount("secret", None),
    ]
    assert volatile_targets(instruction, "/app") == ["/root/.cache/pip", "/app/scratch"]
    assert mounted_over(instruction, "/root/.cache/pip/http", "/app")
    assert not mounted_over(instruction, "/wheels", "/app")  # a bind mount is read, not kept out


def test_mount_targets_expand_variables_and_drop_quotes() -> None:
    instruction = run(
        "pip install x",
        '--mount=type=cache,target="${PIP_CACHE_DIR}",sharing=locked',
        '--mount=type=cache,target="/var/lib/apt/lists"',
    )
    env = {"PIP_CACHE_DIR": "/.cache"}
    assert volatile_targets(instruction, "/app", env) == ["/.cache", "/var/lib/apt/lists"]
    assert mounted_over(instruction, "/.cache/http", "/", env)
    assert not mounted_over(instruction, "/.cache/http", "/")  # unknown without the ENV


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("rm -rf ~/.cache/pip", True),
        ("rm -rf /tmp/*", True),
        ("rm -rf /var/cache/apt/archives", True),
        ("rm -rf $(poetry config cache-dir)", True),
        ("rm -rf /opt/hf-cache", True),
        ("rm -rf /var/lib/apt/lists/*", False),
        ("rm -rf /app/tests", False),
    ],
)
def test_is_cache_path(line: str, expected: bool) -> None:
    words = simple_words(line)
    assert words is not None
    paths = removed_paths(Command(tuple(words)), "/")
    assert all(is_cache_path(p) for p in paths) is expected
