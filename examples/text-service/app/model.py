"""Tiny sentiment model: TF-IDF + logistic regression (scikit-learn)."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
from langdetect import DetectorFactory, LangDetectException, detect
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

APP_DIR = Path(__file__).resolve().parent
ROOT = APP_DIR.parent
DEFAULT_DATA = ROOT / "data" / "reviews.csv"
DEFAULT_MODEL = ROOT / "models" / "model.joblib"

DetectorFactory.seed = 0  # langdetect is randomized; make it repeatable


def train(data_path: Path = DEFAULT_DATA) -> Pipeline:
    frame = pd.read_csv(data_path)
    pipeline = Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=1)),
            ("clf", LogisticRegression(C=10.0, max_iter=1000, random_state=0)),
        ]
    )
    pipeline.fit(frame["text"], frame["label"])
    return pipeline


def save(model: Pipeline, path: Path = DEFAULT_MODEL) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)


def load(path: Path = DEFAULT_MODEL) -> Pipeline:
    if path.exists():
        return joblib.load(path)
    # No trained model shipped: train one from the bundled data.
    return train()


def classify(model: Pipeline, texts: list[str]) -> list[tuple[str, float]]:
    labels = list(model.classes_)
    results = []
    for probs in model.predict_proba(texts):
        best = int(probs.argmax())
        results.append((labels[best], float(probs[best])))
    return results


def language(text: str) -> str:
    """ISO 639-1 code of the text's language (the model only knows English)."""
    try:
        return str(detect(text))
    except LangDetectException:
        return "unknown"
