"""Unit tests of jettison.plan."""
