"""Model weights: the file names and suffixes that hold them, and where model caches live.

inspect's ``model-weights`` cause recognises weights in an image with these tables, lint's
JT5xx rules in a build context and a Dockerfile, and ``fix`` the ``COPY`` lines it warns
about: one definition, so all three agree on what a weight file is.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

MIB = 1 << 20

WEIGHT_SUFFIXES = frozenset(
    {".safetensors", ".pt", ".pth", ".ckpt", ".onnx", ".gguf", ".ggml", ".tflite"}
)
"""Formats that only ever hold weights."""
LARGE_ONLY_SUFFIXES = frozenset({".h5", ".keras"})
"""Weights when at least :data:`LARGE_BYTES` (small ones are usually data or configs)."""
LARGE_BYTES = MIB
NAME_SUFFIXES = frozenset({*WEIGHT_SUFFIXES, *LARGE_ONLY_SUFFIXES, ".bin"})
"""Suffixes that say "weights" by name alone, when the file cannot be looked at."""
MODEL_DIR_NAMES = frozenset({"models", "model", "checkpoints", "checkpoint", "weights"})
"""Folder names that say "weights" by name alone."""

HF_CACHE_PATH = re.compile(
    r"(?:^|/)\.cache/(?:huggingface|torch)(?:/|$)|(?:^|/)huggingface/hub(?:/|$)|(?:^|/)models--[^/]+"
)
"""A path inside a Hugging Face hub (or torch hub) cache."""
CACHE_ENV = (
    "HF_HOME",
    "HF_HUB_CACHE",
    "HUGGINGFACE_HUB_CACHE",
    "TRANSFORMERS_CACHE",
    "SENTENCE_TRANSFORMERS_HOME",
    "TORCH_HOME",
    "HF_DATASETS_CACHE",
)
"""Environment variables that move the model caches."""
DEFAULT_CACHES = ("/root/.cache/huggingface", "/root/.cache/torch")
"""Where the caches are (as root) when none of :data:`CACHE_ENV` is set."""


def looks_like_weights(name: str, size_bytes: int, beside_config: Callable[[], bool]) -> bool:
    """Whether a file called ``name`` of ``size_bytes`` holds weights. ``beside_config``
    answers whether a ``config.json`` is in its folder (a Hugging Face model directory, which
    makes a large ``.bin`` weights); it is asked only then."""
    suffix = posixpath.splitext(name)[1].lower()
    if suffix in WEIGHT_SUFFIXES:
        return True
    if suffix in LARGE_ONLY_SUFFIXES:
        return size_bytes >= LARGE_BYTES
    if suffix == ".bin":
        return name.startswith("pytorch_model") or (size_bytes >= LARGE_BYTES and beside_config())
    return False


def named_like_weights(source: str) -> bool:
    """Whether a path's name says "model weights" (a weight file's suffix, or a
    ``models``/``checkpoints`` folder), for paths that cannot be looked at."""
    name = posixpath.basename(source.rstrip("/")).lower()
    return posixpath.splitext(name)[1] in NAME_SUFFIXES or name in MODEL_DIR_NAMES


def cache_dirs(values: dict[str, str]) -> list[str]:
    """Where the Hugging Face and torch caches live, given ``ENV`` values."""
    out = [v for name in CACHE_ENV if (v := values.get(name))]
    return out or list(DEFAULT_CACHES)
