"""jettison: find the dead weight in container images of AI/ML services."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
"""The one place the version is written: ``pyproject.toml`` reads it from here (setuptools'
``dynamic`` version), so the reports' tool field and ``--version`` need no
:mod:`importlib.metadata` (~10-15 ms of every command's start-up, with the ``email``
modules it loads)."""
