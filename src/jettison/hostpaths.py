"""Questions about paths of this machine whose names come from the user's files.

A Dockerfile, a compose file or a Python import may name a path the OS refuses outright: a
component longer than 255 bytes, or a NUL byte. ``Path.is_file`` and its kin answer False
only for ENOENT, ENOTDIR, EBADF and ELOOP; for such names they raise OSError
(ENAMETOOLONG) or ValueError. No file can have such a name, so these answer False.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["exists", "is_dir", "is_file"]


def is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False
