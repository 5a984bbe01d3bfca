"""A tiny BERT, randomly initialised, for classification and sentence embeddings.

The real services would load fine-tuned checkpoints from the Hugging Face hub; model
weights cannot be downloaded here, so the models are built from a ``BertConfig`` (two
layers, hidden size 32, fixed seed) and a WordPiece tokenizer from ``vocab.txt`` next to
this file. Nothing touches the network. The outputs mean nothing; what matters is that
torch, transformers and sentence-transformers really run inside the image.
"""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

# Never reach for the hub, even by accident; no progress bars in the service's logs.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

import torch
from sentence_transformers import SentenceTransformer
from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer
from transformers.utils import logging as hf_logging

VOCAB_DIR = Path(__file__).resolve().parent
LABELS = ("NEGATIVE", "POSITIVE")
SEED = 1234
MAX_LENGTH = 64

hf_logging.set_verbosity_error()
hf_logging.disable_progress_bar()
torch.set_num_threads(1)


@cache
def tokenizer() -> BertTokenizer:
    # from_pretrained() on the folder that holds vocab.txt works offline.
    return BertTokenizer.from_pretrained(str(VOCAB_DIR), do_lower_case=True, local_files_only=True)


def _config(**extra: object) -> BertConfig:
    return BertConfig(
        vocab_size=tokenizer().vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_LENGTH,
        **extra,
    )


@cache
def classifier() -> BertForSequenceClassification:
    torch.manual_seed(SEED)
    model = BertForSequenceClassification(
        _config(
            num_labels=len(LABELS),
            id2label=dict(enumerate(LABELS)),
            label2id={label: i for i, label in enumerate(LABELS)},
        )
    )
    model.eval()
    return model


def classify(texts: list[str]) -> list[tuple[str, float]]:
    """(label, probability) per text."""
    inputs = tokenizer()(
        texts, return_tensors="pt", truncation=True, max_length=MAX_LENGTH, padding=True
    )
    with torch.no_grad():
        probs = torch.softmax(classifier()(**inputs).logits, dim=-1)
    best = probs.argmax(dim=-1).tolist()
    return [(LABELS[i], float(row[i])) for i, row in zip(best, probs.tolist(), strict=True)]


@cache
def embedder() -> SentenceTransformer:
    """A sentence-transformers model (BERT + mean pooling) loaded from a local folder.

    The random BERT and its tokenizer are saved to a temporary folder first, which is
    what ``SentenceTransformer(path)`` loads, exactly as it would a downloaded model.
    """
    torch.manual_seed(SEED)
    folder = Path(tempfile.mkdtemp(prefix="fleet-embedder-"))
    BertModel(_config()).save_pretrained(folder)
    tokenizer().save_pretrained(folder)
    return SentenceTransformer(str(folder), device="cpu")


def embed(texts: list[str]) -> list[list[float]]:
    vectors = embedder().encode(texts, convert_to_numpy=True, show_progress_bar=False)
    return [[float(x) for x in row] for row in vectors]


def similarity(a: str, b: str) -> float:
    vectors = embedder().encode([a, b], convert_to_tensor=True, show_progress_bar=False)
    return float(embedder().similarity(vectors[0:1], vectors[1:2])[0][0])
