"""jettison: find the dead weight in container images of AI/ML services."""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    # The installed version, read when first asked for: importlib.metadata costs ~50 ms of
    # every command's start-up, and only --version and the reports' tool field need it.
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("jettison")
    except PackageNotFoundError:  # pragma: no cover - a source tree without install
        found = "0.0.0+unknown"
    globals()["__version__"] = found
    return found
