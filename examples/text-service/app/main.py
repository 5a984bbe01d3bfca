"""Text-classification HTTP service (jettison example).

    python app/main.py              # serve on $PORT (default 8080)
    python app/main.py --selftest   # classify a few fixed sentences and exit

POST /predict {"texts": ["..."]} -> {"predictions": [{"label": ..., "score": ...}]}
GET  /health
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import model

SELFTEST = [
    ("The support team is wonderful, would buy again!", "positive"),
    ("What a flimsy battery; nothing worked.", "negative"),
    ("Five stars: the delivery was superb.", "positive"),
    ("I hate this app, simply useless.", "negative"),
]


def selftest() -> int:
    trained = model.load()
    texts = [text for text, _ in SELFTEST]
    results = model.classify(trained, texts)
    correct = sum(label == want for (label, _), (_, want) in zip(results, SELFTEST, strict=True))
    shown = ",".join(f"{label}:{score:.3f}" for label, score in results)
    status = "ok" if correct == len(SELFTEST) else "FAILED"
    print(f"selftest {status}: {correct}/{len(SELFTEST)} correct [{shown}]")
    return 0 if correct == len(SELFTEST) else 1


def create_app():  # type: ignore[no-untyped-def]
    from flask import Flask, jsonify, request

    app = Flask(__name__)
    trained = model.load()

    @app.get("/health")
    def health():  # type: ignore[no-untyped-def]
        return jsonify(status="ok")

    @app.post("/predict")
    def predict():  # type: ignore[no-untyped-def]
        payload = request.get_json(force=True, silent=True) or {}
        texts = payload.get("texts") or []
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return jsonify(error="expected {'texts': [str, ...]}"), 400
        preds = [
            {"label": label, "score": round(score, 4)}
            for label, score in model.classify(trained, texts)
        ]
        return jsonify(predictions=preds)

    return app


def main() -> int:
    parser = argparse.ArgumentParser(description="text-classification service")
    parser.add_argument("--selftest", action="store_true", help="run a self test and exit")
    args = parser.parse_args()
    if args.selftest:
        return selftest()
    create_app().run(host="0.0.0.0", port=int(os.environ.get("PORT", "8080")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
