"""Fuzz harnesses: one definition each, run bounded by pytest (``test_fuzz.py``) and long by
``bench/fuzz.py`` (atheris, coverage-guided)."""
