"""svc-kg: keeps suppliers and invoices as RDF and answers questions about them.

GET  /healthz             parses sample triples and runs a SPARQL aggregate over them
POST /triples             Turtle as the request body -> {"triples": ...}
GET  /suppliers/invoices  invoices per supplier name
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from libs.common.health import create_service
from libs.rdf.graph import SAMPLE_TURTLE, invoices_by_supplier, load_turtle

SERVICE = "svc-kg"
GRAPH = load_turtle(SAMPLE_TURTLE)


def check() -> dict[str, object]:
    graph = load_turtle(SAMPLE_TURTLE)
    counts = invoices_by_supplier(graph)
    if counts != {"ACME Ltd": 2}:
        raise RuntimeError(f"unexpected query result {counts}")
    return {"triples": len(graph), "suppliers": len(counts)}


app = create_service(SERVICE, check)


@app.post("/triples")
async def add_triples(request: Request) -> dict[str, int]:
    text = (await request.body()).decode("utf-8")
    try:
        GRAPH.parse(data=text, format="turtle")
    except Exception as exc:  # rdflib raises parser-specific errors
        raise HTTPException(status_code=400, detail=f"bad Turtle: {exc}") from exc
    return {"triples": len(GRAPH)}


@app.get("/suppliers/invoices")
def supplier_invoices() -> dict[str, int]:
    return invoices_by_supplier(GRAPH)
