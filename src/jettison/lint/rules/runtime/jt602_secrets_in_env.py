"""JT602: a secret (password, token, API key) given a literal value by ENV or ARG.

Why it matters: ``ENV`` values are stored in the image configuration (``docker inspect``
prints them to anyone who can pull the image) and ``ARG`` defaults in its build history;
both are also in the Dockerfile, usually in version control. Hugging Face, OpenAI, W&B and
cloud credentials are the usual suspects in ML images. The value itself is never repeated
in the finding.

A secret is judged by its name *and* its value (:mod:`jettison.facts.secrets`): the name
says secret (``HF_TOKEN``, ``OPENAI_API_KEY``, ``DB_PASSWORD``; not ``HF_TOKEN_PATH``,
``MAX_TOKENS``) and the value looks like one (a provider prefix such as ``hf_`` or
``sk-`` with a token-shaped tail, or a long random string). Such a value in the final
image's stages is an error; in a stage the final image does not build on, ``info``. A
literal that does not look like a key (``DB_PASSWORD=postgres``) is ``info``; placeholders
(``changeme``, ``<token>``), references (``${HF_TOKEN}``), paths and URLs are not reported.
One finding per instruction, naming every variable it sets.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

from jettison.dockerfile.model import Instruction
from jettison.dockerfile.steps import assignment_items, runtime_indexes
from jettison.facts.secrets import PLACEHOLDER, secret_shape
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
    dockerfile = ctx.dockerfile
    if dockerfile is None:
        return
    runtime = runtime_indexes(dockerfile)
    redeclared = {
        name
        for stage in dockerfile.stages
        if stage.index in runtime
        for instruction in stage.of("ARG")
        for name, _ in assignment_items(instruction)
    }
    for instruction in dockerfile.instructions():
        if instruction.keyword not in ("ENV", "ARG"):
            continue
        found = _secrets(instruction)
        if not found:
            continue
        if instruction.stage_index < 0:  # a global ARG ships where a final stage declares it
            shipped = any(name in redeclared for name, _ in found)
        else:
            shipped = instruction.stage_index in runtime
        yield _finding(dockerfile.path, instruction, found, shipped)


def _secrets(instruction: Instruction) -> list[tuple[str, str | None]]:
    """(name, what its value looks like, None when not like a key) of the secret-named
    variables an ENV/ARG sets to a literal that is not a placeholder."""
    out: list[tuple[str, str | None]] = []
    for name, value in assignment_items(instruction):
        if not is_secret_name(name) or not is_literal(value) or value is None:
            continue
        shape = secret_shape(value)
        if shape is None and PLACEHOLDER.search(value):
            continue
        out.append((name, shape))
    return out


def _finding(
    path: Path, instruction: Instruction, found: list[tuple[str, str | None]], shipped: bool
) -> Finding:
    names = ", ".join(name for name, _ in found)
    shaped = [f"{name} ({shape})" for name, shape in found if shape is not None]
    if instruction.keyword == "ENV":
        where = "the image configuration (`docker inspect` shows it)"
    else:
        where = "the image's build history (`docker history` shows it)"
    if shaped and shipped:
        message = (
            f"{instruction.keyword} sets {', '.join(shaped)} to a literal: it is stored in "
            f"{where} and in this Dockerfile"
        )
        severity = Severity.ERROR
    elif shaped:
        message = (
            f"{instruction.keyword} sets {', '.join(shaped)} to a literal in a stage the final "
            "image does not build on: not in the image, but in this Dockerfile and the "
            "builder's cache"
        )
        severity = Severity.INFO
    else:
        message = (
            f"{instruction.keyword} gives {names} a literal value that does not look like a key; "
            f"if it is a real credential, it is stored in {where}"
        )
        severity = Severity.INFO
    first = found[0][0]
    return RULE.finding(
        path,
        instruction,
        message,
        fix=(
            f"Remove the value; pass {first} at run time (`docker run -e {first}`, a "
            "secrets manager), or to a build step with "
            f"`RUN --mount=type=secret,id={first.lower()}`."
        ),
        severity=severity,
    )


RULE = Rule(
    code="JT602",
    name="secret-in-env",
    severity=Severity.ERROR,
    summary="A password, token or API key is set to a literal value by ENV or ARG.",
    check=check,
    example="ENV HF_TOKEN=hf_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
    fix_example=(
        "RUN --mount=type=secret,id=hf_token \\\n"
        "    HF_TOKEN=$(cat /run/secrets/hf_token) python download.py"
    ),
)
