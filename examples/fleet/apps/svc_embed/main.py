"""svc-embed: sentence embeddings (sentence-transformers on CPU) for the retrieval index.

GET  /healthz   embeds two sentences and compares them
POST /embed     {"texts": [...]} -> {"dimensions": ..., "vectors": [[...], ...]}
"""

from __future__ import annotations

from pydantic import BaseModel

from libs.common.health import create_service
from libs.ml.models import embed, similarity

SERVICE = "svc-embed"


class EmbedRequest(BaseModel):
    texts: list[str]


def check() -> dict[str, object]:
    vectors = embed(["invoice total due", "payment reminder"])
    score = similarity("invoice total due", "payment reminder")
    return {"dimensions": len(vectors[0]), "similarity": round(score, 4)}


app = create_service(SERVICE, check)


@app.post("/embed")
def embed_texts(request: EmbedRequest) -> dict[str, object]:
    vectors = embed(request.texts)
    return {"dimensions": len(vectors[0]) if vectors else 0, "vectors": vectors}
