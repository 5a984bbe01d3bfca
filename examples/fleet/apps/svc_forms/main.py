"""svc-forms: validates form submissions against their JSON schema and normalises text.

GET  /healthz   validates a sample submission and tokenises its free-text field
POST /forms     a submission -> {"valid": true, "tokens": [...]} or 422 with the errors
"""

from __future__ import annotations

from typing import Any

from fastapi import Body, HTTPException
from jsonschema import Draft202012Validator
from nltk.tokenize import TreebankWordTokenizer

from libs.common.health import create_service

SERVICE = "svc-forms"
SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["name", "postcode", "notes"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "postcode": {"type": "string", "pattern": "^[A-Z]{1,2}[0-9][0-9A-Z]? ?[0-9][A-Z]{2}$"},
        "notes": {"type": "string"},
    },
}
SAMPLE = {"name": "Jane O'Neil", "postcode": "SW1A 1AA", "notes": "Call after 5pm, please."}

VALIDATOR = Draft202012Validator(SCHEMA)
TOKENIZER = TreebankWordTokenizer()


def normalise(submission: dict[str, Any]) -> list[str]:
    """The tokens of the submission's notes; HTTP 422 with every schema error when invalid."""
    errors = sorted(error.message for error in VALIDATOR.iter_errors(submission))
    if errors:
        raise HTTPException(status_code=422, detail=errors)
    return TOKENIZER.tokenize(submission["notes"].lower())


def check() -> dict[str, object]:
    return {"tokens": len(normalise(SAMPLE))}


app = create_service(SERVICE, check)


@app.post("/forms")
def submit(submission: dict[str, Any] = Body(...)) -> dict[str, object]:  # noqa: B008
    return {"valid": True, "tokens": normalise(submission)}
