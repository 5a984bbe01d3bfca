"""The local image store fix reads unknown bases from is empty in these tests."""

from support.no_store import no_store

__all__ = ["no_store"]
