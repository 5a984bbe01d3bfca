"""JT602: a secret (password, token, API key) given a literal value by ENV or ARG.

Why it matters: ``ENV`` values are stored in the image configuration (``docker inspect``
prints them to anyone who can pull the image) and ``ARG`` defaults in its build history;
both are also in the Dockerfile, usually in version control. Hugging Face, OpenAI, W&B and
cloud credentials are the usual suspects in ML images. The value itself is never repeated
in the finding.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from jettison.dockerfile.steps import assignment_items
from jettison.lint.model import Finding, LintContext, Rule, Severity

SUBSTRINGS = ("PASSWORD", "PASSWD", "SECRET")
"""Anywhere in a part of the name (``PGPASSWORD``, ``CLIENTSECRET``)."""
WORDS = frozenset({"TOKEN", "PASS", "APIKEY", "CREDENTIALS", "PAT"})
PAIRS = frozenset({("API", "KEY"), ("ACCESS", "KEY"), ("PRIVATE", "KEY"), ("AUTH", "KEY")})
META = frozenset(
    {"FILE", "PATH", "DIR", "URL", "URI", "HOST", "PORT", "NAME", "USER", "USERNAME", "ID",
     "LENGTH", "LEN", "SIZE", "TTL", "TIMEOUT", "EXPIRY", "EXPIRES", "EXPIRATION", "TYPE",
     "HEADER", "ENDPOINT", "REGION", "MODE", "LIMIT", "COUNT", "MAX", "MIN", "ENABLED",
     "DISABLED", "ENABLE", "DISABLE", "POLICY", "ALGORITHM", "VERSION"}
)  # fmt: skip
"""A last part saying the variable is *about* a secret, not the secret."""
NOT_SECRET_VALUES = frozenset({"true", "false", "yes", "no", "on", "off", "none", "null"})
_REFERENCE = re.compile(r"\$")


def is_secret_name(name: str) -> bool:
    parts = [p for p in re.split(r"[^A-Z0-9]+", name.upper()) if p]
    if not parts or parts[-1] in META:
        return False
    if any(s in part for part in parts for s in SUBSTRINGS):
        return True
    if any(part in WORDS or part.endswith("TOKEN") for part in parts):
        return True
    return any(pair in PAIRS for pair in itertools.pairwise(parts))


def is_literal(value: str | None) -> bool:
    """A value written in the Dockerfile, not taken from elsewhere (``$OTHER``) nor blank."""
    if value is None or not value.strip() or _REFERENCE.search(value):
        return False
    text = value.strip().lower()
    return text not in NOT_SECRET_VALUES and not (text.isdigit() and len(text) <= 5)


def check(ctx: LintContext) -> Iterator[Finding]:
    if ctx.dockerfile is None:
        return
    for instruction in ctx.dockerfile.instructions():
        if instruction.keyword not in ("ENV", "ARG"):
            continue
        for name, value in assignment_items(instruction):
            if not is_secret_name(name) or not is_literal(value):
                continue
            if instruction.keyword == "ENV":
                where = "the image configuration (`docker inspect` shows it)"
            else:
                where = "the image's build history (`docker history` shows it)"
            yield RULE.finding(
                ctx.dockerfile.path,
                instruction,
                f"{instruction.keyword} gives {name} a literal value: it is stored in {where} "
                "and in this Dockerfile",
                fix=(
                    f"Remove the value; pass {name} at run time (`docker run -e {name}`, a "
                    "secrets manager), or to a build step with "
                    f"`RUN --mount=type=secret,id={name.lower()}`."
                ),
            )


RULE = Rule(
    code="JT602",
    name="secret-in-env",
    severity=Severity.ERROR,
    summary="A password, token or API key is set to a literal value by ENV or ARG.",
    check=check,
    example="ENV HF_TOKEN=hf_abc123",
    fix_example=(
        "RUN --mount=type=secret,id=hf_token \\\n"
        "    HF_TOKEN=$(cat /run/secrets/hf_token) python download.py"
    ),
)
