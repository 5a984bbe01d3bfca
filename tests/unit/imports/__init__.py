"""Unit tests of jettison.imports."""
