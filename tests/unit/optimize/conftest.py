"""Unit tests of optimize never reach the package index: wheel sizes come from an empty cache
in a temporary directory, and a test that would send a request fails; the local image store is
empty."""

from support.no_index import no_index
from support.no_store import no_store

__all__ = ["no_index", "no_store"]
