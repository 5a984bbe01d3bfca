"""``model-weights``: model weights baked into the image, outside any Python environment.

A file counts when it is (outside ``site-packages``/``dist-packages``, whose data files belong
to an installed distribution):

* a weights format: ``.safetensors .pt .pth .ckpt .onnx .gguf .ggml .tflite``;
* ``.h5``/``.keras`` of at least 1 MiB (small ones are usually data or configs);
* ``.bin`` that looks like weights: ``pytorch_model*.bin``, or at least 1 MiB next to a
  ``config.json`` (a Hugging Face model directory);
* anything in a Hugging Face hub cache repository (``.../models--ORG--NAME/{blobs,snapshots,
  refs}/...``, whatever ``HF_HOME``/``HF_HUB_CACHE`` pointed to), where blobs have no suffix.

Rolls up: a hub cache repository is one row (its ``models--ORG--NAME`` directory, since
blob names mean nothing); any other weights file is its own row (weights are few and large).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from jettison.facts.weights import NAME_SUFFIXES, looks_like_weights
from jettison.inspect.removable._cause import Cause, Claim, Unclaimed

HUB_REPO = re.compile(r"((?:.+/)?models--[^/]+)/(?:blobs|snapshots|refs)/.+")
PYTHON_ENV = re.compile(r"(?:^|/)(?:site|dist)-packages/")


_SUFFIXES = tuple(NAME_SUFFIXES)


def find(unclaimed: Unclaimed) -> Iterator[Claim]:
    # Only hub caches and names with a weights suffix (any case) can be claimed: find those
    # first, in one sweep, before the per-path tests.
    candidates = [p for p in unclaimed if "models--" in p or p[-12:].lower().endswith(_SUFFIXES)]
    for path in candidates:
        if "models--" in path and (hub := HUB_REPO.fullmatch(path)) is not None:
            yield Claim((path,), hub.group(1))
        elif PYTHON_ENV.search(path) is None and _looks_like_weights(unclaimed, path):
            yield Claim((path,), path)


def _looks_like_weights(unclaimed: Unclaimed, path: str) -> bool:
    directory, name = posixpath.split(path)
    return looks_like_weights(
        name,
        unclaimed.size(path),
        lambda: unclaimed.resolver.exists(posixpath.join(directory, "config.json")),
    )


CAUSE = Cause(
    code="model-weights",
    title="Model weights baked into the image",
    advice=(
        "Weights make every image push, pull and rebuild carry gigabytes that change on their "
        "own schedule. Keep them out of the image: mount them as a volume (or a read-only model "
        "store), or fetch them when the container starts (e.g. `huggingface-cli download "
        "ORG/NAME --revision SHA` in the entrypoint, or an init container), pinned to a "
        "revision. If the image must be self-contained, put them in their own last layer so "
        "code changes do not re-push them."
    ),
    find=find,
)
