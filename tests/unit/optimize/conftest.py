"""Unit tests of optimize never reach the package index: wheel sizes come from an empty cache
in a temporary directory, and a test that would send a request fails."""

from support.no_index import no_index

__all__ = ["no_index"]
