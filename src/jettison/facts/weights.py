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


# -- what downloads models ---------------------------------------------------------------------

MODEL_LOADERS: dict[str, str] = {
    "*.from_pretrained": "Hugging Face Hub",
    "huggingface_hub.snapshot_download": "Hugging Face Hub",
    "huggingface_hub.hf_hub_download": "Hugging Face Hub",
    "transformers.pipeline": "Hugging Face Hub",
    "sentence_transformers.SentenceTransformer": "Hugging Face Hub",
    "sentence_transformers.CrossEncoder": "Hugging Face Hub",
    "faster_whisper.WhisperModel": "Hugging Face Hub",
    "torch.hub.load": "torch hub",
    "torch.hub.load_state_dict_from_url": "torch hub",
    "torch.hub.download_url_to_file": "torch hub",
    "whisper.load_model": "openai-whisper",
    "spacy.cli.download": "spaCy",
    "spacy.cli.download.download": "spaCy",
    "nltk.download": "NLTK",
    "stanza.download": "Stanza",
    "stanza.Pipeline": "Stanza",
    "fastembed.*Embedding": "fastembed",
    "easyocr.Reader": "EasyOCR",
    "TTS.api.TTS": "Coqui TTS",
    "ultralytics.YOLO": "Ultralytics",
    "gensim.downloader.load": "gensim-data",
    "modelscope.snapshot_download": "ModelScope",
    "modelscope.hub.snapshot_download.snapshot_download": "ModelScope",
    "docling.utils.model_downloader.download_models": "docling",
    "paddleocr.PaddleOCR": "PaddleOCR",
    "open_clip.create_model_and_transforms": "OpenCLIP",
    "unidic.download.download": "UniDic",
    "rembg.new_session": "rembg",
    "doctr.models.ocr_predictor": "docTR",
    "insightface.app.FaceAnalysis": "InsightFace",
    "*.from_preset": "Keras Hub",
    "clip.load": "OpenAI CLIP",
    "whisperx.load_model": "WhisperX",
    "kokoro.KPipeline": "Kokoro",
}
"""Python calls (dotted, as imported; ``*`` matches any run of characters) that download
models into a cache or the site-packages, with where from."""
DATA_PACK_LOADERS = frozenset({"nltk.download"})
"""Loaders whose usual downloads are small language data (tokenizers, stop words), not
model weights."""
LARGE_DATA_PACKS = frozenset({"all", "popular", "book", "all-corpora", "all-nltk"})
"""NLTK collections that are large (gigabytes for ``all``)."""

MODEL_PACKAGE = re.compile(
    r"^[a-z]{2,3}[_-](?:core|dep|ent|sent)[_-][a-z]+[_-](?:sm|md|lg|trf)$", re.IGNORECASE
)
"""spaCy's model packages (``en_core_web_trf``, ``xx_ent_wiki_sm``): weights packed as a
wheel, installed by pip or ``spacy download``."""
SMALL_MODEL_PACKAGE = re.compile(r"[_-]sm$", re.IGNORECASE)
"""spaCy's small models (about 10-15 MB); the others are 40 MB to 600 MB."""
MODEL_PACKAGE_URL = re.compile(
    r"github\.com/explosion/spacy-models/|huggingface\.co/[^\s]+\.whl(?:$|[?#])", re.IGNORECASE
)
"""Where model wheels are downloaded from."""


def is_model_package(name: str, url: str | None = None) -> bool:
    """Whether a requirement installs model weights packed as a package (spaCy models)."""
    return MODEL_PACKAGE.match(name) is not None or (
        url is not None and MODEL_PACKAGE_URL.search(url) is not None
    )


# -- other artefacts of training ---------------------------------------------------------------

ARTIFACT_SUFFIXES = frozenset({".pkl", ".pickle", ".joblib", ".sav", ".dill"})
"""Serialized Python objects: how classic ML (scikit-learn, XGBoost through pickle) ships a
fitted model, scaler or encoder."""
DATASET_SUFFIXES = frozenset(
    {".csv", ".tsv", ".parquet", ".pq", ".feather", ".arrow", ".avro", ".orc", ".npy", ".npz",
     ".jsonl", ".xlsx", ".xls", ".tfrecord"}
)  # fmt: skip
"""Tabular and array data files: what training reads."""
NOTEBOOK_SUFFIX = ".ipynb"
DATASET_DIR_NAMES = frozenset({"data", "dataset", "datasets", "training_data", "train_data"})
NOTEBOOK_DIR_NAMES = frozenset({"notebooks", "notebook"})


def _suffix(name: str) -> str:
    return posixpath.splitext(posixpath.basename(name.rstrip("/")))[1].lower()


def is_model_artifact(name: str) -> bool:
    """A pickled model artefact by its name (``model.pkl``, ``scaler.joblib``)."""
    return _suffix(name) in ARTIFACT_SUFFIXES


def is_training_artifact(name: str) -> bool:
    """A dataset or notebook file by its name."""
    return _suffix(name) in DATASET_SUFFIXES or _suffix(name) == NOTEBOOK_SUFFIX


def named_like_training_data(source: str) -> bool:
    """A dataset or notebook file, or a ``data``/``datasets``/``notebooks`` folder, by name."""
    name = posixpath.basename(source.rstrip("/")).lower()
    return is_training_artifact(name) or name in DATASET_DIR_NAMES | NOTEBOOK_DIR_NAMES
