"""model-weights: baked weights outside Python environments; mount or fetch, never delete."""

from __future__ import annotations

from jettison.inspect.removable import model_weights
from support.memimage import File, Symlink

from .helpers import MIB, SITE, removable, rows

BIG = b"\0" * MIB


def test_weight_formats_outside_site_packages() -> None:
    found = removable(
        [
            File("models/llama.gguf", b"g" * 500),
            File("models/resnet.pt", b"t" * 400),
            File("models/vit.safetensors", b"s" * 300),
            File("models/yolo.onnx", b"o" * 200),
            File("models/a.ckpt", b"c" * 100),
            File("models/b.tflite", b"f" * 90),
            File("models/c.ggml", b"m" * 80),
            File("models/d.pth", b"p" * 70),
            File(f"{SITE}/torchvision/weights.pt", b"x" * 1000),
            File("usr/lib/python3/dist-packages/foo/model.onnx", b"x" * 1000),
        ]
    )["model-weights"]
    assert [path for path, _, _ in rows(found)] == [
        "models/llama.gguf",
        "models/resnet.pt",
        "models/vit.safetensors",
        "models/yolo.onnx",
        "models/a.ckpt",
        "models/b.tflite",
        "models/c.ggml",
        "models/d.pth",
    ]
    assert found.size_bytes == 1740


def test_keras_and_h5_only_when_large() -> None:
    found = removable(
        [
            File("app/model.keras", BIG),
            File("app/weights.h5", BIG + b"x"),
            File("app/small.h5", b"h" * 1000),
        ]
    )["model-weights"]
    assert rows(found) == [("app/weights.h5", MIB + 1, None), ("app/model.keras", MIB, None)]


def test_bin_only_when_it_looks_like_weights() -> None:
    found = removable(
        [
            File("app/tiny/pytorch_model.bin", b"w" * 10),
            File("app/bert/config.json", b"{}"),
            File("app/bert/model.bin", BIG),
            File("app/bert/vocab.bin", b"v" * 100),
            File("app/firmware/blob.bin", BIG),
        ]
    )["model-weights"]
    assert rows(found) == [
        ("app/bert/model.bin", MIB, None),
        ("app/tiny/pytorch_model.bin", 10, None),
    ]


def test_hugging_face_cache_rolls_up_by_repository() -> None:
    repo = "root/.cache/huggingface/hub/models--org--name"
    other = "data/hf/models--org--small"
    found = removable(
        [
            File(f"{repo}/blobs/0a1b2c", b"w" * 700),
            File(f"{repo}/blobs/3d4e5f", b"c" * 20),
            File(f"{repo}/refs/main", b"0123456789abcdef"),
            Symlink(f"{repo}/snapshots/0123/model.safetensors", "../../blobs/0a1b2c"),
            File(f"{other}/blobs/aa", b"w" * 100),
        ]
    )["model-weights"]
    assert rows(found) == [(repo, 736, None), (other, 100, None)]
    assert found.file_count == 4


def test_advice_says_mount_or_fetch() -> None:
    advice = model_weights.CAUSE.advice
    assert "volume" in advice
    assert "start" in advice
    assert "rm " not in advice
