"""svc-classify: splits customer messages into sentences (spaCy) and classifies each
(a BERT sequence classifier from transformers, on CPU).

GET  /healthz    classifies a two-sentence message
POST /classify   {"text": "..."} -> {"sentences": [{"text", "label", "score"}, ...]}
"""

from __future__ import annotations

from functools import cache

import spacy
from pydantic import BaseModel
from spacy.language import Language

from libs.common.health import create_service
from libs.ml.models import classify

SERVICE = "svc-classify"
PROBE = "The delivery was late. The support team was wonderful!"


class ClassifyRequest(BaseModel):
    text: str


@cache
def sentencizer() -> Language:
    # A blank English pipeline needs no downloaded model: rule-based sentence splitting.
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def sentences(text: str) -> list[str]:
    return [sent.text.strip() for sent in sentencizer()(text).sents if sent.text.strip()]


def check() -> dict[str, object]:
    parts = sentences(PROBE)
    labels = classify(parts)
    if len(parts) != 2 or len(labels) != 2:
        raise RuntimeError(f"split into {parts}")
    return {"sentences": len(parts), "labels": [label for label, _ in labels]}


app = create_service(SERVICE, check)


@app.post("/classify")
def classify_text(request: ClassifyRequest) -> dict[str, object]:
    parts = sentences(request.text)
    results = classify(parts) if parts else []
    return {
        "sentences": [
            {"text": part, "label": label, "score": round(score, 4)}
            for part, (label, score) in zip(parts, results, strict=True)
        ]
    }
