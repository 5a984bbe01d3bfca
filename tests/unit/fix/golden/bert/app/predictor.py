"""Naive BERT sentiment classifier (jettison example).

The article this example comes from loads `bert-base-uncased` from the Hugging Face
hub. Our machines cannot download model weights, so this predictor builds a tiny BERT
from a config instead (random weights, fixed seed) and a WordPiece tokenizer from the
small vocab.txt next to this file. It never touches the network: the point of the
example is the *image* (torch, transformers and friends installed the naive way), not
the quality of the prediction. The output is deterministic for a given set of
installed libraries.

Usage: python app/predictor.py sample_data/sample_text.txt
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

# Never reach for the hub, even by accident.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")

import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer
from transformers.utils import logging as hf_logging

APP_DIR = Path(__file__).resolve().parent
LABELS = ("NEGATIVE", "POSITIVE")
SEED = 1234
MAX_LENGTH = 64


def load_tokenizer() -> BertTokenizer:
    # from_pretrained() on the local folder (it holds vocab.txt) works offline with
    # both transformers 4.x and 5.x; BertTokenizer(vocab_file=...) does not in 5.x.
    return BertTokenizer.from_pretrained(str(APP_DIR), do_lower_case=True, local_files_only=True)


def build_model(vocab_size: int) -> BertForSequenceClassification:
    """A BERT with the architecture of bert-base, shrunk to a few kB of weights."""
    torch.manual_seed(SEED)
    config = BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=MAX_LENGTH,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={label: i for i, label in enumerate(LABELS)},
    )
    model = BertForSequenceClassification(config)
    model.eval()
    return model


def predict(text: str) -> tuple[str, list[float]]:
    tokenizer = load_tokenizer()
    model = build_model(tokenizer.vocab_size)
    inputs = tokenizer(
        text, return_tensors="pt", truncation=True, max_length=MAX_LENGTH, padding=False
    )
    with torch.no_grad():
        logits = model(**inputs).logits
    probs = torch.softmax(logits, dim=-1)[0].tolist()
    best = max(range(len(LABELS)), key=lambda i: probs[i])
    return LABELS[best], probs


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(f"usage: {argv[0]} TEXT_FILE", file=sys.stderr)
        return 2
    hf_logging.set_verbosity_error()
    torch.set_num_threads(1)
    text = Path(argv[1]).read_text(encoding="utf-8").strip()
    label, probs = predict(text)
    shown = " ".join(f"{name}={p:.4f}" for name, p in zip(LABELS, probs, strict=True))
    print(f"prediction: {label} ({shown}) chars={len(text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
