"""Tests of jettison.dockerfile (not named `dockerfile`: that would shadow the parser package
of the same name, which tests/unit on sys.path would make importable first)."""
