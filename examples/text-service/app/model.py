"""Tiny sentiment model: bag-of-words multinomial naive Bayes, in numpy.

Trained at build time from ``data/reviews.csv`` (``app/train.py``) and saved as
``models/model.npz``; the service loads it (or trains one when none was shipped).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

APP_DIR = Path(__file__).resolve().parent
ROOT = APP_DIR.parent
DEFAULT_DATA = ROOT / "data" / "reviews.csv"
DEFAULT_MODEL = ROOT / "models" / "model.npz"

_TOKEN = re.compile(r"[a-z']+")


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


@dataclass(frozen=True)
class Model:
    vocabulary: dict[str, int]
    labels: list[str]
    log_prior: np.ndarray
    """(labels,) log P(label)"""
    log_likelihood: np.ndarray
    """(labels, words) log P(word | label), Laplace-smoothed"""


def _counts(vocabulary: dict[str, int], texts: list[str]) -> np.ndarray:
    matrix = np.zeros((len(texts), len(vocabulary)), dtype=np.float64)
    for row, text in enumerate(texts):
        for word in tokens(text):
            column = vocabulary.get(word)
            if column is not None:
                matrix[row, column] += 1
    return matrix


def train(data_path: Path = DEFAULT_DATA, alpha: float = 1.0) -> Model:
    with data_path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    texts = [row["text"] for row in rows]
    targets = [row["label"] for row in rows]
    vocabulary = {w: i for i, w in enumerate(sorted({w for t in texts for w in tokens(t)}))}
    labels = sorted(set(targets))
    counts = _counts(vocabulary, texts)
    y = np.array([labels.index(t) for t in targets])
    per_label = np.stack([counts[y == k].sum(axis=0) for k in range(len(labels))]) + alpha
    log_likelihood = np.log(per_label / per_label.sum(axis=1, keepdims=True))
    log_prior = np.log(np.bincount(y, minlength=len(labels)) / len(y))
    return Model(vocabulary, labels, log_prior, log_likelihood)


def save(model: Model, path: Path = DEFAULT_MODEL) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    words = sorted(model.vocabulary, key=model.vocabulary.__getitem__)
    with path.open("wb") as fh:
        np.savez(
            fh,
            words=np.array(words),
            labels=np.array(model.labels),
            log_prior=model.log_prior,
            log_likelihood=model.log_likelihood,
        )


def load(path: Path = DEFAULT_MODEL) -> Model:
    if not path.exists():
        # No trained model shipped: train one from the bundled data.
        return train()
    with np.load(path) as data:
        words = [str(w) for w in data["words"]]
        return Model(
            {w: i for i, w in enumerate(words)},
            [str(label) for label in data["labels"]],
            data["log_prior"],
            data["log_likelihood"],
        )


def classify(model: Model, texts: list[str]) -> list[tuple[str, float]]:
    """(label, probability) of each text."""
    scores = _counts(model.vocabulary, texts) @ model.log_likelihood.T + model.log_prior
    scores -= scores.max(axis=1, keepdims=True)
    probs = np.exp(scores)
    probs /= probs.sum(axis=1, keepdims=True)
    best = probs.argmax(axis=1)
    return [(model.labels[int(k)], float(probs[i, k])) for i, k in enumerate(best)]
