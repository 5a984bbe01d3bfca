"""The containers/storage store that buildah and podman share, and how to name it.

Both CLIs take the same global options for a private store (``--root``, ``--runroot``,
``--storage-driver``), and jettison reads an image of that store in place through
``containers-storage:[DRIVER@ROOT+RUNROOT]IMAGE`` (containers/image's syntax).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Store:
    """``root``/``runroot`` None: the store the CLI and jettison find on their own."""

    root: Path | None
    runroot: Path | None
    driver: str

    def global_args(self) -> list[str]:
        """``--root R --runroot RR --storage-driver D`` for a private store, else nothing."""
        args: list[str] = []
        if self.root is not None:
            args += ["--root", str(self.root)]
        if self.runroot is not None:
            args += ["--runroot", str(self.runroot)]
        if self.root is not None or self.runroot is not None:
            args += ["--storage-driver", self.driver]
        return args

    def reference(self, image: str) -> str:
        """``image`` (a name or an ID) as a reference :func:`open_image` reads in place."""
        if self.root is None:
            return f"containers-storage:{image}"
        runroot = f"+{self.runroot}" if self.runroot is not None else ""
        return f"containers-storage:[{self.driver}@{self.root}{runroot}]{image}"
