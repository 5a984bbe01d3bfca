import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "app"))

import main
import model


def test_selftest_passes() -> None:
    assert main.selftest() == 0


def test_predict_endpoint() -> None:
    client = main.create_app().test_client()
    resp = client.post("/predict", json={"texts": ["The screen is brilliant."]})
    assert resp.status_code == 200
    assert resp.get_json()["predictions"][0]["label"] == "positive"


def test_classify_shapes() -> None:
    trained = model.train()
    assert len(model.classify(trained, ["a", "b"])) == 2
