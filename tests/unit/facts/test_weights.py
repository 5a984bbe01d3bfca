"""Weight files by name and size, the same for lint (a build context) and inspect (an image)."""

from __future__ import annotations

import pytest

from jettison.facts.weights import MIB, cache_dirs, looks_like_weights, named_like_weights


@pytest.mark.parametrize(
    ("name", "size", "config", "expected"),
    [
        ("model.safetensors", 10, False, True),
        ("model.ONNX", 10, False, True),
        ("tiny.h5", 10, False, False),
        ("big.keras", MIB, False, True),
        ("pytorch_model-00001.bin", 10, False, True),
        ("weights.bin", MIB, True, True),
        ("weights.bin", MIB, False, False),
        ("weights.bin", 10, True, False),
        ("main.py", MIB, True, False),
    ],
)
def test_looks_like_weights(name: str, size: int, config: bool, expected: bool) -> None:
    asked: list[bool] = []

    def beside_config() -> bool:
        asked.append(True)
        return config

    assert looks_like_weights(name, size, beside_config) is expected
    if not name.endswith(".bin"):
        assert not asked  # the folder is only looked at for a .bin


@pytest.mark.parametrize(
    ("source", "expected"),
    [("models/", True), ("./checkpoints", True), ("a/b.pt", True), ("app/", False)],
)
def test_named_like_weights(source: str, expected: bool) -> None:
    assert named_like_weights(source) is expected


def test_cache_dirs() -> None:
    assert cache_dirs({}) == ["/root/.cache/huggingface", "/root/.cache/torch"]
    assert cache_dirs({"HF_HOME": "/opt/hf", "PATH": "/bin"}) == ["/opt/hf"]
