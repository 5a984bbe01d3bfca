"""Every service answers its health check (the dev tools in libs/requirements.txt exist
for tests like these, never for the images)."""

from __future__ import annotations

import importlib

import pytest
from fastapi.testclient import TestClient

SERVICES = ["svc_ingest", "svc_extract", "svc_kg", "svc_forms", "svc_embed", "svc_classify"]


@pytest.mark.parametrize("service", SERVICES)
def test_healthz_is_ok(service: str) -> None:
    app = importlib.import_module(f"apps.{service}.main").app
    response = TestClient(app).get("/healthz")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "ok"


def test_extract_reads_back_an_uploaded_pdf() -> None:
    from apps.svc_extract.main import app
    from libs.pdf.documents import one_page_pdf

    response = TestClient(app).post("/extract", content=one_page_pdf("Hello fleet"))
    assert response.status_code == 200
    assert response.json()["text"].strip() == "Hello fleet"


def test_forms_rejects_a_bad_postcode() -> None:
    from apps.svc_forms.main import app

    submission = {"name": "Jane", "postcode": "nowhere", "notes": ""}
    response = TestClient(app).post("/forms", json=submission)
    assert response.status_code == 422
