"""Unit tests of jettison.requirements."""
