"""What a secret value looks like."""

from __future__ import annotations

import pytest

from jettison.facts.secrets import secret_shape


@pytest.mark.parametrize(
    ("value", "shape"),
    [
        ("hf_" + "Q7vT2mK9xL4pR8wN3bJ6yH1cF5dG0sAaZe", "a Hugging Face token (hf_...)"),
        ("sk-proj-" + "4fT9kLm2Qx7RbW1nVc8ZpY3dHs6JgEaU0oIi", "an OpenAI/Anthropic-style key"),
        ("AKIA" + "Z3Q7RT4M2X8KD9LP", "an AWS access key id"),
        ("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b", "a long random string"),
        ("q8Z1rT5vX0bN3mK7", None),  # too short to be sure
        ("hf_short", None),
        ("sk-your-key-here-please-replace", None),
        ("changeme", None),
        ("<token>", None),
        ("/run/secrets/hf", None),
        ("https://vault.example.org/v1/token", None),
        ("mysupersecretpassword", None),
        ("this is not a key at all 12345", None),
    ],
)
def test_secret_shape(value: str, shape: str | None) -> None:
    found = secret_shape(value)
    if shape is None:
        assert found is None
    else:
        assert found is not None and found.startswith(shape)
