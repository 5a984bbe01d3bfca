"""jettison: find the dead weight in container images of AI/ML services."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jettison")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
