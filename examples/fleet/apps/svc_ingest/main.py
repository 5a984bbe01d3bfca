"""svc-ingest: accepts uploads, sniffs their type and forwards them to svc-extract.

    uvicorn apps.svc_ingest.main:app --port 8000

GET  /healthz     sniffs a sample document and forwards it through the HTTP client stack
POST /documents   multipart upload -> {"sha256": ..., "mime": ..., "forwarded": ...}
"""

from __future__ import annotations

import hashlib
import os

import filetype
import httpx
from fastapi import HTTPException, UploadFile

from libs.common.config import load_settings
from libs.common.health import create_service

SERVICE = "svc-ingest"
EXTRACT_URL = os.environ.get("FLEET_EXTRACT_URL", "http://svc-extract:8000/extract")
SAMPLE = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"


def _offline_extractor(request: httpx.Request) -> httpx.Response:
    """Stands in for svc-extract in the health check: no network needed."""
    return httpx.Response(202, json={"accepted": len(request.content)})


def forward(data: bytes, mime: str, transport: httpx.BaseTransport | None = None) -> int:
    with httpx.Client(transport=transport, timeout=10.0) as client:
        response = client.post(EXTRACT_URL, content=data, headers={"content-type": mime})
        response.raise_for_status()
        return response.status_code


def check() -> dict[str, object]:
    mime = filetype.guess_mime(SAMPLE)
    if mime != "application/pdf":
        raise RuntimeError(f"sample sniffed as {mime!r}")
    status = forward(SAMPLE, mime, transport=httpx.MockTransport(_offline_extractor))
    return {"sniffed": mime, "forward_status": status}


app = create_service(SERVICE, check)


@app.post("/documents")
async def upload(file: UploadFile) -> dict[str, object]:
    data = await file.read()
    if len(data) > load_settings().max_upload_bytes:
        raise HTTPException(status_code=413, detail="document too large")
    mime = filetype.guess_mime(data) or "application/octet-stream"
    return {
        "sha256": hashlib.sha256(data).hexdigest(),
        "mime": mime,
        "forwarded": forward(data, mime),
    }
