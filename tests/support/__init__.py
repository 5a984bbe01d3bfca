"""Helpers shared by the test suites (image writer, fixtures)."""
