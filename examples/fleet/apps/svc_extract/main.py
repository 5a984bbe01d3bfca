"""svc-extract: extracts the text of uploaded PDF documents.

GET  /healthz   builds a one-page PDF in memory and reads it back
POST /extract   a PDF as the request body -> {"pages": ..., "words": ..., "text": ...}
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from libs.common.health import create_service
from libs.pdf.documents import extract_text, one_page_pdf, page_count

SERVICE = "svc-extract"
PROBE_TEXT = "Invoice 42: total 99.50 GBP (due 2026-12-01)"


def check() -> dict[str, object]:
    data = one_page_pdf(PROBE_TEXT)
    extracted = extract_text(data)
    if page_count(data) != 1 or extracted.text.strip() != PROBE_TEXT:
        raise RuntimeError(f"read back {extracted.text!r}")
    return {"pages": extracted.pages, "words": extracted.words, "pdf_bytes": len(data)}


app = create_service(SERVICE, check)


@app.post("/extract")
async def extract(request: Request) -> dict[str, object]:
    data = await request.body()
    if not data.startswith(b"%PDF"):
        raise HTTPException(status_code=415, detail="not a PDF document")
    extracted = extract_text(data)
    return {"pages": extracted.pages, "words": extracted.words, "text": extracted.text}
